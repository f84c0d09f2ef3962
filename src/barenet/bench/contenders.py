"""The contenders: one experiment, trained by barenet and by others.

Each ``prepare_*`` function sets a contender up (its model, barenet's
starting weights, the data in the contender's own form) and returns a
function that trains once and gives back the final parameters in
barenet's flat layout, so that the results can be compared number for
number. Only that function is timed.

- ``barenet``: ``barenet.train``, as a user calls it.
- ``loop``: ``barenet.reference``, the seed's algorithm one sample at a
  time (sigmoid networks and gradient descent only).
- ``sklearn``: scikit-learn's ``MLPClassifier`` with the same layers,
  activation, output, cost, L2 term, optimizer, learning rate and
  batches. Rows are put in barenet's shuffled order beforehand and its
  own shuffling is off, so that both see the same batches.
- ``torch``: PyTorch's eager mode on the CPU, the usual ``Sequential`` of
  ``Linear`` layers and a training loop drawing the same batches.
- ``products``: not a contender but a floor. The matrix products of the
  experiment's training steps alone, with the same shapes, in the same
  number, through the same NumPy and BLAS, on arrays made beforehand;
  nothing else. No implementation that hands its products to this BLAS
  can train faster. It gives back no weights (None).
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from barenet import reference
from barenet.bench.experiments import Experiment
from barenet.data.base import one_hot
from barenet.network import gradient_transposed
from barenet.training import TrainConfig, train

Params = NDArray[np.floating]
Runner = Callable[[], Params | None]

CONTENDERS = ("barenet", "loop", "sklearn", "torch", "products")
LABELS = {
    "barenet": "barenet",
    "loop": "per-sample loop",
    "sklearn": "scikit-learn MLP",
    "torch": "PyTorch eager",
    "products": "products alone",
}


def prepare(
    contender: str,
    experiment: Experiment,
    X: NDArray[np.floating],
    y: NDArray[np.int64],
    threads: int,
) -> Runner:
    """The training function of ``contender``; see the module docstring."""
    make = {
        "barenet": prepare_barenet,
        "loop": prepare_loop,
        "sklearn": prepare_sklearn,
        "torch": prepare_torch,
        "products": prepare_products,
    }[contender]
    return make(experiment, X, y, threads)


def prepare_barenet(
    experiment: Experiment,
    X: NDArray[np.floating],
    y: NDArray[np.int64],
    threads: int,
) -> Runner:
    net = experiment.network(X.dtype.name)
    config = TrainConfig(
        epochs=experiment.epochs,
        lr=experiment.lr,
        l2=experiment.l2,
        batch_size=experiment.batch_size,
        optimizer=experiment.optimizer,
        seed=0,
    )

    def run() -> Params:
        train(net, X, y, config)
        return net.params

    return run


def prepare_loop(
    experiment: Experiment,
    X: NDArray[np.floating],
    y: NDArray[np.int64],
    threads: int,
) -> Runner:
    if (
        experiment.activation != "sigmoid"
        or experiment.output != "sigmoid"
        or experiment.optimizer != "sgd"
        or experiment.batch_size is not None
    ):
        raise ValueError("the per-sample loop runs the seed's algorithm only")
    net = experiment.network()
    thetas = reference.thetas_from(net)
    Y = one_hot(y, experiment.sizes[-1]).astype(np.float64)
    X64 = X.astype(np.float64)

    def run() -> Params:
        final = reference.train(
            X64, Y, thetas, experiment.lr, experiment.l2, experiment.epochs
        )
        reference.load_thetas(net, final)
        return net.params

    return run


def batch_order(experiment: Experiment, epoch_rng: np.random.Generator) -> Any:
    """The rows of one epoch in barenet's order (all of them, in order,
    for full batches)."""
    n = experiment.n_rows
    if experiment.batch_size is None or experiment.batch_size >= n:
        return np.arange(n)
    return epoch_rng.permutation(n)


def prepare_sklearn(
    experiment: Experiment,
    X: NDArray[np.floating],
    y: NDArray[np.int64],
    threads: int,
) -> Runner:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    if experiment.epochs != 1 and experiment.batch_size is not None:
        raise ValueError("scikit-learn sees one fixed order: one epoch only")
    activation = {"sigmoid": "logistic"}.get(
        experiment.activation, experiment.activation
    )
    # Targets as one-hot rows make scikit-learn use sigmoid outputs with
    # per-output cross-entropy (the seed's cost); labels, a softmax.
    targets: Any = y
    if experiment.output == "sigmoid":
        targets = one_hot(y, experiment.sizes[-1], X.dtype)
    order = batch_order(experiment, np.random.default_rng(0))
    X, targets = X[order], targets[order]
    batch_size = experiment.batch_size or len(X)

    # A one-iteration fit on a few rows (every class among them) creates
    # the model; then barenet's starting weights replace its own.
    _, firsts = np.unique(y[order], return_index=True)
    few = np.union1d(firsts, np.arange(min(100, len(X))))
    model = MLPClassifier(
        hidden_layer_sizes=experiment.sizes[1:-1],
        activation=activation,
        solver=experiment.optimizer,
        alpha=experiment.l2,
        batch_size=min(batch_size, len(few)),
        learning_rate_init=experiment.lr,
        momentum=0.0,
        nesterovs_momentum=False,
        shuffle=False,
        tol=0.0,
        n_iter_no_change=experiment.epochs + 1,
        max_iter=1,
        warm_start=True,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X[few], targets[few])
    start = experiment.network(X.dtype.name)
    model.coefs_ = [W.copy() for W in start.weights]
    model.intercepts_ = [b.copy() for b in start.biases]
    model.set_params(max_iter=experiment.epochs, batch_size=batch_size)

    def run() -> Params:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, targets)
        pieces = []
        for W, b in zip(model.coefs_, model.intercepts_, strict=True):
            pieces += [W.ravel(), b]
        return np.concatenate(pieces)

    return run


def prepare_torch(
    experiment: Experiment,
    X: NDArray[np.floating],
    y: NDArray[np.int64],
    threads: int,
) -> Runner:
    import torch

    torch.set_num_threads(threads)
    model, linears = _torch_model(experiment, X.dtype.name)
    Xt = torch.from_numpy(X)
    if experiment.output == "sigmoid":
        targets = torch.from_numpy(one_hot(y, experiment.sizes[-1], X.dtype))
    else:
        targets = torch.from_numpy(y)
    optimizer: Any = (
        torch.optim.SGD(model.parameters(), lr=experiment.lr)
        if experiment.optimizer == "sgd"
        else torch.optim.Adam(model.parameters(), lr=experiment.lr)
    )
    rng = np.random.default_rng(0)
    size = experiment.batch_size or experiment.n_rows

    def cost(logits: Any, target: Any) -> Any:
        m = logits.shape[0]
        if experiment.output == "sigmoid":
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                logits, target, reduction="sum"
            )
            loss = loss / m
        else:
            loss = torch.nn.functional.cross_entropy(logits, target)
        if experiment.l2:
            squares = sum((lin.weight**2).sum() for lin in linears)
            loss = loss + experiment.l2 / (2 * m) * squares
        return loss

    def run() -> Params:
        for _ in range(experiment.epochs):
            order = batch_order(experiment, rng)
            for start in range(0, len(order), size):
                rows = torch.from_numpy(order[start : start + size])
                optimizer.zero_grad()
                cost(model(Xt[rows]), targets[rows]).backward()
                optimizer.step()
        pieces = []
        for lin in linears:
            pieces += [lin.weight.detach().numpy().T.ravel()]
            pieces += [lin.bias.detach().numpy()]
        return np.concatenate(pieces)

    return run


def prepare_products(
    experiment: Experiment,
    X: NDArray[np.floating],
    y: NDArray[np.int64],
    threads: int,
) -> Runner:
    dtype = X.dtype
    n = experiment.n_rows
    size = min(experiment.batch_size or n, n)
    # The rows of each step of an epoch: full batches, then what is left.
    steps = [size] * (n // size) + ([n % size] if n % size else [])
    rng = np.random.default_rng(0)

    def random(*shape: int) -> NDArray[np.floating]:
        return rng.random(shape).astype(dtype)

    layers = []
    for n_in, n_out in itertools.pairwise(experiment.sizes):
        layers.append(
            (
                random(size, n_in),  # the layer's input A
                random(n_in, n_out),  # W
                random(size, n_out),  # delta
                np.empty((size, n_out), dtype),  # Z = A @ W
                np.empty((n_in, n_out), dtype),  # dW
                np.empty((n_out, n_in), dtype),  # or dW transposed
                np.empty((size, n_in), dtype),  # error = delta @ W.T
            )
        )

    def run() -> None:
        for _ in range(experiment.epochs):
            for m in steps:
                for i, (A, W, delta, Z, dW, dW_t, error) in enumerate(layers):
                    # The products of barenet.network's step, in its forms.
                    np.matmul(A[:m], W, out=Z[:m])
                    if gradient_transposed(W.shape[1]):
                        np.matmul(delta[:m].T, A[:m], out=dW_t)
                    else:
                        np.matmul(A[:m].T, delta[:m], out=dW)
                    if i:  # the first layer sends no error down
                        np.matmul(delta[:m], W.T, out=error[:m])

    return run


def _torch_model(experiment: Experiment, dtype: str) -> tuple[Any, list[Any]]:
    """A torch Sequential of the experiment's layers, barenet's weights."""
    import torch

    activation = {
        "sigmoid": torch.nn.Sigmoid,
        "relu": torch.nn.ReLU,
        "tanh": torch.nn.Tanh,
    }[experiment.activation]
    start = experiment.network(dtype)
    layers: list[Any] = []
    linears = []
    for i, (W, b) in enumerate(zip(start.weights, start.biases, strict=True)):
        n_in, n_out = W.shape
        linear = torch.nn.Linear(n_in, n_out, dtype=getattr(torch, dtype))
        with torch.no_grad():
            # torch keeps W as (n_out, n_in), the transpose of barenet's.
            linear.weight.copy_(torch.from_numpy(W.T.copy()))
            linear.bias.copy_(torch.from_numpy(b.copy()))
        layers.append(linear)
        linears.append(linear)
        if i < len(start.weights) - 1:
            layers.append(activation())
    return torch.nn.Sequential(*layers), linears
