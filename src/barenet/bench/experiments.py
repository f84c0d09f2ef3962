"""The benchmarked experiments, their data, and their arithmetic.

An ``Experiment`` is a network and a way of training it, named once so
that every contender runs exactly the same thing. ``flops`` counts its
arithmetic with the formula of ``barenet.bench``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from barenet.data import load_mnist, load_semeion
from barenet.evaluation import holdout_split
from barenet.network import Network


@dataclass(frozen=True)
class Experiment:
    """A network, its training, and its data.

    ``data`` is "semeion" (the seed's 1493 training rows), "mnist" (the
    60,000 training images) or "random" (``n_samples`` rows of uniform
    pixels with random labels, for timing only). ``batch_size`` None means
    full-batch gradient descent. The initial weights are barenet's, drawn
    with ``init`` from seed 0, for every contender.
    """

    name: str
    sizes: tuple[int, ...]
    activation: str
    output: str
    init: str
    optimizer: str
    lr: float
    l2: float
    batch_size: int | None
    epochs: int
    data: str
    n_samples: int | None = None

    def describe(self) -> str:
        """One line: data, network, training."""
        shape = "-".join(map(str, self.sizes))
        batches = (
            "full batches"
            if self.batch_size is None
            else f"batches of {self.batch_size}"
        )
        units = f"{self.activation}, {self.output} output"
        if self.activation == self.output:
            units = self.activation
        optimizer = {"sgd": "gradient descent", "adam": "Adam"}[self.optimizer]
        rounds = "iterations" if self.batch_size is None else "epochs"
        if self.epochs == 1:
            rounds = rounds[:-1]
        return (
            f"{self.n_rows} rows of {self.data}, {shape} {units}, "
            f"{optimizer} on {batches} (lr {self.lr:g}, L2 {self.l2:g}), "
            f"{self.epochs} {rounds}"
        )

    @property
    def n_rows(self) -> int:
        """Training rows."""
        return {"semeion": 1493, "mnist": 60000}.get(
            self.data, self.n_samples or 0
        )

    def with_epochs(self, epochs: int) -> Experiment:
        """The same experiment, shorter or longer."""
        return dataclasses.replace(self, epochs=epochs)

    def network(self, dtype: str = "float64") -> Network:
        """barenet's network with the starting weights every contender uses."""
        return Network(
            self.sizes,
            activation=self.activation,
            output=self.output,
            init=self.init,
            seed=0,
            dtype=dtype,
        )


SEED = Experiment(
    name="seed",
    sizes=(256, 30, 20, 10),
    activation="sigmoid",
    output="sigmoid",
    init="uniform",
    optimizer="sgd",
    lr=1.0,
    l2=0.1,
    batch_size=None,
    epochs=500,
    data="semeion",
)
"""The seed experiment: 500 full-batch iterations on Semeion."""

MNIST = Experiment(
    name="mnist",
    sizes=(784, 512, 256, 10),
    activation="relu",
    output="softmax",
    init="he",
    optimizer="adam",
    lr=0.001,
    l2=0.0,
    batch_size=128,
    epochs=1,
    data="mnist",
)
"""One epoch of the 60,000 MNIST training images, Adam, batches of 128."""

EXPERIMENTS = {e.name: e for e in (SEED, MNIST)}


def scaling_grid() -> dict[str, list[tuple[int, Experiment]]]:
    """The scaling sweeps: for each axis, (value, experiment) pairs.

    Around a base of 10,000 random rows through 784-256-256-10 (ReLU,
    softmax, Adam, batches of 128, one epoch), one thing varies: the rows
    (1k to 60k), the width of both hidden layers (32 to 2048), or the
    number of hidden layers of width 256 (1 to 6).
    """
    base = dataclasses.replace(
        MNIST, name="scaling", sizes=(784, 256, 256, 10), data="random"
    )

    def at(n: int, hidden: tuple[int, ...]) -> Experiment:
        return dataclasses.replace(base, n_samples=n, sizes=(784, *hidden, 10))

    return {
        "samples": [
            (n, at(n, (256, 256)))
            for n in (1000, 2000, 5000, 10000, 20000, 60000)
        ],
        "width": [
            (w, at(10000, (w, w))) for w in (32, 64, 128, 256, 512, 1024, 2048)
        ],
        "depth": [(d, at(10000, (256,) * d)) for d in range(1, 7)],
    }


def flops(experiment: Experiment) -> float:
    """Floating-point operations of the experiment's matrix products.

    Per row and epoch: 2 n_in n_out for each layer's forward product and
    as much for its weight gradient, and as much again for the error sent
    to the layer below, which the first layer does not send. Elementwise
    work (activations, costs, updates) is not counted.
    """
    pairs = list(zip(experiment.sizes[:-1], experiment.sizes[1:], strict=True))
    products = sum(n_in * n_out for n_in, n_out in pairs)
    first = pairs[0][0] * pairs[0][1]
    per_row = 2 * (3 * products - first)
    return float(per_row) * experiment.n_rows * experiment.epochs


def load_data(
    experiment: Experiment, dtype: str, data_path: str | None = None
) -> tuple[NDArray[np.floating], NDArray[np.int64]]:
    """The experiment's training rows in ``dtype``, and their labels.

    Semeion's are the seed's: a shuffle seeded with 0, the last 100 rows
    held out. Random rows come from a generator seeded with 0.
    """
    if experiment.data == "semeion":
        data = load_semeion(data_path)
        rows, _ = holdout_split(len(data.y), 100, seed=0)
        return data.X[rows].astype(dtype), data.y[rows]
    if experiment.data == "mnist":
        data = load_mnist(data_path)
        n = data.test_start or 60000
        return data.X[:n].astype(dtype), data.y[:n]
    n = experiment.n_rows
    rng = np.random.default_rng(0)
    X = rng.random((n, experiment.sizes[0]), dtype=np.float64).astype(dtype)
    return X, rng.integers(0, experiment.sizes[-1], n)
