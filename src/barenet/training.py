"""The training loop: epochs of gradient steps, and a history of figures.

``train`` runs gradient descent on a network. Each epoch visits the
training rows once, in mini-batches or (the default, as in the seed) as
one full batch; after each epoch it records the figures in a ``History``:

- ``cost``: the mean of the costs computed during the epoch's steps. For a
  full batch this is exactly J at the weights the step started from, the
  value the seed plots.
- ``test_accuracy`` and ``test_exact``: if test data is given, accuracy on
  it after the epoch by argmax and by the seed's exact-match rule (see
  ``barenet.evaluation``).

The library prints nothing. To watch or stop training, pass callbacks:
each is called as ``callback(history)`` after every epoch, and training
stops after the epoch in which one returns True.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from barenet.data.base import check_labels, one_hot
from barenet.errors import ConfigError
from barenet.evaluation import accuracy, exact_match
from barenet.functions import Array
from barenet.network import Network, check_sample_weight
from barenet.optim import GradientDescent


@dataclass
class TrainConfig:
    """Settings of a training run. The defaults are the seed experiment's.

    Parameters
    ----------
    epochs : int, default 500
        Passes over the training rows. With full batches, one epoch is one
        gradient step (the seed calls them iterations).
    lr : float, default 1.0
        Learning rate of gradient descent.
    l2 : float, default 0.1
        L2 strength lambda; the penalty is lambda / (2m) times the sum of
        squared weights.
    batch_size : int or None, default None
        Rows per gradient step; None means all training rows at once.
    seed : int or None, default 0
        Seed of the generator that shuffles rows between mini-batch epochs.
    """

    epochs: int = 500
    lr: float = 1.0
    l2: float = 0.1
    batch_size: int | None = None
    seed: int | None = 0

    def check(self) -> None:
        """Raise ConfigError naming the first setting out of range."""
        if not (isinstance(self.epochs, int) and self.epochs >= 1):
            raise ConfigError(
                f"epochs must be a whole number >= 1, got {self.epochs!r}"
            )
        if not (np.isfinite(self.lr) and self.lr > 0):
            raise ConfigError(
                f"lr must be a finite number > 0, got {self.lr!r}"
            )
        if not (np.isfinite(self.l2) and self.l2 >= 0):
            raise ConfigError(
                f"l2 must be a finite number >= 0, got {self.l2!r}"
            )
        if self.batch_size is not None and not (
            isinstance(self.batch_size, int) and self.batch_size >= 1
        ):
            raise ConfigError(
                f"batch_size must be a whole number >= 1, or None for full "
                f"batches, got {self.batch_size!r}"
            )

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass
class History:
    """Per-epoch figures by name, e.g. ``history["cost"][epoch]``."""

    values: dict[str, list[float]] = field(default_factory=dict)

    def append(self, figures: dict[str, float]) -> None:
        """Record one epoch's figures."""
        for name, value in figures.items():
            self.values.setdefault(name, []).append(float(value))

    def __getitem__(self, name: str) -> list[float]:
        return self.values[name]

    def __contains__(self, name: object) -> bool:
        return name in self.values

    def __len__(self) -> int:
        """Number of epochs recorded."""
        return max((len(v) for v in self.values.values()), default=0)

    def last(self) -> dict[str, float]:
        """The latest epoch's figures."""
        return {name: v[-1] for name, v in self.values.items() if v}

    def to_dict(self) -> dict[str, list[float]]:
        return {name: list(v) for name, v in self.values.items()}


Callback = Callable[[History], bool | None]


def train(
    net: Network,
    X: ArrayLike,
    y: ArrayLike,
    config: TrainConfig | None = None,
    *,
    X_test: ArrayLike | None = None,
    y_test: ArrayLike | None = None,
    callbacks: Sequence[Callback] = (),
    sample_weight: ArrayLike | None = None,
) -> History:
    """Train ``net`` in place on samples X with integer labels y.

    Parameters
    ----------
    net : Network
        Its output width is the number of classes; labels are 0..n_outputs-1.
    X : array of shape (n_samples, n_inputs)
    y : array of shape (n_samples,)
    config : TrainConfig, optional
        Defaults to the seed experiment's settings.
    X_test, y_test : arrays, optional
        Held-out data, measured after every epoch.
    callbacks : sequence of callables
        Each called as ``callback(history)`` after every epoch; returning
        True stops training.
    sample_weight : array of shape (n_samples,), optional
        How many times each training row counts (see
        ``barenet.network``); None counts each once. Every gradient step
        uses its batch's weights; a mini-batch whose weights are all 0
        holds nothing to learn from and is skipped.

    Returns
    -------
    History
        One value per epoch for ``cost`` and, with test data,
        ``test_accuracy`` and ``test_exact``.
    """
    config = config or TrainConfig()
    config.check()
    X_ = net.check_X(X)
    Y = one_hot(
        _labels(y, X_.shape[0], net.n_outputs, "y"), net.n_outputs, net.dtype
    )
    w = check_sample_weight(sample_weight, X_.shape[0], net.dtype)
    test = None
    if X_test is not None or y_test is not None:
        if X_test is None or y_test is None:
            raise ConfigError("give both X_test and y_test, or neither")
        Xt = net.check_X(X_test)
        test = (Xt, _labels(y_test, Xt.shape[0], net.n_outputs, "y_test"))

    optimizer = GradientDescent(config.lr)
    rng = np.random.default_rng(config.seed)
    history = History()
    for _ in range(config.epochs):
        costs = [
            _step(net, optimizer, Xb, Yb, config.l2, wb)
            for Xb, Yb, wb in _batches(X_, Y, w, config.batch_size, rng)
            if wb is None or np.any(wb > 0)
        ]
        figures = {"cost": float(np.mean(costs))}
        if test is not None:
            figures.update(_test_figures(net, *test))
        history.append(figures)
        if any([bool(callback(history)) for callback in callbacks]):
            break
    return history


def _step(
    net: Network,
    optimizer: GradientDescent,
    X: Array,
    Y: Array,
    l2: float,
    w: Array | None,
) -> float:
    """One gradient step on a batch; returns the cost before the step."""
    cost, grad = net._cost_and_gradient(X, Y, l2, w)
    optimizer.step(net.params, grad)
    return cost


def _batches(
    X: Array,
    Y: Array,
    w: Array | None,
    batch_size: int | None,
    rng: np.random.Generator,
) -> Iterator[tuple[Array, Array, Array | None]]:
    """The epoch's batches (X, Y, weights): all at once, or shuffled slices."""
    n = X.shape[0]
    if batch_size is None or batch_size >= n:
        yield X, Y, w
        return
    order = rng.permutation(n)
    for start in range(0, n, batch_size):
        rows = order[start : start + batch_size]
        yield X[rows], Y[rows], None if w is None else w[rows]


def _test_figures(net: Network, X: Array, y: np.ndarray) -> dict[str, float]:
    P = net.output.probabilities(net._logits(X))
    return {
        "test_accuracy": accuracy(y, np.argmax(P, axis=1)),
        "test_exact": exact_match(P, y),
    }


def _labels(
    y: ArrayLike, n_samples: int, n_classes: int, name: str
) -> np.ndarray:
    labels = check_labels(y, n_classes)
    if labels.shape[0] != n_samples:
        raise ConfigError(
            f"{name} has {labels.shape[0]} labels for {n_samples} samples; "
            "give one label per row of X"
        )
    return labels
