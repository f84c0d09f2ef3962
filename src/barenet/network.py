"""A feed-forward network: a sequence of layers, a forward pass, backprop.

Notation (shapes for a batch of m samples)::

    X       inputs                         (m, n_inputs)
    Y       one-hot targets                (m, n_outputs)
    W[l]    weights of layer l             (n_in, n_out)
    b[l]    biases of layer l              (n_out,)
    A[l]    input of layer l; A[0] = X     (m, n_in)
    Z[l]    A[l] @ W[l] + b[l]             (m, n_out)
    delta   d(cost)/dZ of the layer at hand, same shape as that Z

The cost of a network on (X, Y), with L2 strength lambda, is

    J = (1/m) sum_i cost_i  +  lambda / (2m) * sum of every weight squared

where cost_i is the output's per-sample cross-entropy (see
``barenet.functions``). Biases are not penalised.

With sample weights w_i >= 0 the rows count w_i times: m becomes
s = sum_i w_i and the cost becomes

    J = (1/s) sum_i w_i cost_i  +  lambda / (2s) * sum of every weight squared

so a row of weight 2 is the same as that row twice, and weights of 1 give
the cost above. Only the output error changes: delta_i = w_i (P_i - Y_i) / s.

Back-propagation runs the chain rule from the output down. The output
error is delta = (P - Y) / m; each layer turns the delta of its Z into the
gradients of its own parameters, dW = A.T @ delta and db = the column sums
of delta, and hands delta @ W.T, times g' of the layer below, further down.

All parameters live in one flat vector, ``Network.params``; each layer's
W and b are reshaped views into it, and their gradients views into
``Network.grad``. An optimizer therefore updates the whole network in one
operation, and a gradient check sees one vector. Anything that changes the
parameters must write into that vector (``params[...] = ...``), never
rebind it.

A network is a sequence of layers: optional convolutional layers
(``barenet.conv.Conv2D``, each with 2x2 max pooling), then dense ones. A
layer is anything with ``n_params``, ``n_in``, ``n_out``, ``bind``,
``initialise``, ``forward``, ``delta`` (its error turned into d(cost)/dZ),
``gradients`` and ``input_error``, so other kinds can join.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from barenet._checks import check_seed, is_real, is_whole
from barenet.conv import Conv2D
from barenet.errors import ConfigError, InputOverflowError
from barenet.functions import (
    Activation,
    Array,
    column_sums,
    get_activation,
    get_output,
)
from barenet.threads import blas_threads

INITIALISATIONS = ("uniform", "glorot", "he")
"""Initialisation schemes. ``uniform`` is the seed's: every weight and bias
uniform in [-1, 1]. ``glorot`` draws W uniform in +-sqrt(6 / (n_in + n_out))
and ``he`` draws W normal with standard deviation sqrt(2 / n_in); both start
biases at 0."""

DTYPES = ("float64", "float32")


NARROW = 32
"""Layers of at most this many units may compute dW transposed."""


def gradient_transposed(n_out: int) -> bool:
    """Whether a layer of ``n_out`` units computes dW = A.T @ delta as
    (delta.T @ A).T, the same product transposed, now.

    For a narrow layer on one thread OpenBLAS runs that form faster (1.3
    to 1.4 times on the seed's first layer, 1493 rows of 256 pixels to
    30 units), and transposing the small result back costs little. For
    wider layers, whose copy back is large, the plain form is faster
    (1.3 and 2.2 times for MNIST's 784 to 512 and 512 to 256 on two
    threads), and for the narrow one on two threads neither form wins
    every run. ``benchmarks/gradient_forms.py`` times them. The two forms
    may differ in the last bits, as BLAS on one thread and on two already
    do.
    """
    return n_out <= NARROW and blas_threads() == 1


class Dense:
    """A fully connected layer: Z = A @ W + b, followed by an activation.

    The activation is ``None`` for the last layer, whose Z (the logits) goes
    to the network's output instead.
    """

    def __init__(self, n_in: int, n_out: int, activation: Activation | None):
        self.n_in = n_in
        self.n_out = n_out
        self.activation = activation
        self.n_params = n_in * n_out + n_out

    def bind(self, params: Array, grad: Array) -> None:
        """Make W, b (and dW, db) views into slices of the flat vectors."""
        k = self.n_in * self.n_out
        self.W = params[:k].reshape(self.n_in, self.n_out)
        self.b = params[k:]
        self.dW = grad[:k].reshape(self.n_in, self.n_out)
        self.db = grad[k:]
        # Where dW is computed transposed, it goes into this buffer first
        # (see gradient_transposed).
        narrow = self.n_out <= NARROW
        shape = (self.n_out, self.n_in) if narrow else (0, 0)
        self._dW_t = np.empty(shape, grad.dtype)

    def initialise(self, rng: np.random.Generator, scheme: str) -> None:
        """Draw starting weights and biases in place."""
        shape = (self.n_in, self.n_out)
        if scheme == "uniform":
            self.W[...] = rng.uniform(-1.0, 1.0, shape)
            self.b[...] = rng.uniform(-1.0, 1.0, self.n_out)
            return
        if scheme == "glorot":
            limit = np.sqrt(6.0 / (self.n_in + self.n_out))
            self.W[...] = rng.uniform(-limit, limit, shape)
        else:  # "he"
            self.W[...] = rng.normal(0.0, np.sqrt(2.0 / self.n_in), shape)
        self.b[...] = 0.0

    def forward(
        self, A: Array, Z: Array | None = None, out: Array | None = None
    ) -> tuple[Array, Array]:
        """Return (Z, g(Z)); for the last layer g(Z) is Z itself.

        ``Z`` and ``out``, when given, are buffers of shape (m, n_out) that
        receive the results, so that training reuses its memory.
        """
        Z = np.matmul(A, self.W, out=Z)
        Z += self.b
        if self.activation is None:
            return Z, Z
        return Z, self.activation.function(Z, out=out)

    def delta(self, error: Array, Z: Array, A: Array) -> Array:
        """d(cost)/dZ from the error at this layer's output: error * g'(Z).

        Works in place on ``error``, and writes g'(Z) over ``Z``, which
        back-propagation needs no more: no memory is allocated.
        """
        assert self.activation is not None
        error *= self.activation.derivative(Z, A, out=Z)
        return error

    def gradients(self, A: Array, delta: Array) -> None:
        """Store dW = A.T @ delta and db = column sums of delta."""
        if gradient_transposed(self.n_out):
            np.matmul(delta.T, A, out=self._dW_t)
            self.dW[...] = self._dW_t.T
        else:
            np.matmul(A.T, delta, out=self.dW)
        column_sums(delta, out=self.db)

    def input_error(self, delta: Array, out: Array | None = None) -> Array:
        """d(cost)/dA for this layer's input A: delta @ W.T.

        The layer below multiplies it by its own g' to get its delta.
        """
        return np.matmul(delta, self.W.T, out=out)


Layer = Dense | Conv2D
"""The layer kinds a Network is built from."""


class _Workspace:
    """Buffers for the arrays of one training step, reused between steps.

    Training calls the forward and backward passes thousands of times on
    batches of the same size; writing into the same memory each time saves
    allocating (and page-faulting) it again.
    """

    def __init__(self, layers: list[Layer], m: int, dtype: np.dtype[Any]):
        self.m = m
        self.Z = [np.empty((m, layer.n_out), dtype) for layer in layers]
        self.A = [np.empty((m, layer.n_out), dtype) for layer in layers[:-1]]
        self.error = [np.empty((m, layer.n_in), dtype) for layer in layers[1:]]
        self.dtype = dtype
        self._masks: dict[int, tuple[Array, Array]] = {}

    def dropout(self, i: int) -> tuple[Array, Array]:
        """(mask, dropped activations) buffers for hidden layer i."""
        if i not in self._masks:
            shape = self.A[i].shape
            self._masks[i] = (
                np.empty(shape, self.dtype),
                np.empty(shape, self.dtype),
            )
        return self._masks[i]


class Network:
    """A feed-forward network of dense layers.

    Parameters
    ----------
    sizes : sequence of int
        Layer widths from input to output, at least two: ``[256, 30, 20,
        10]`` is the seed's network with two hidden layers.
    activation : str or sequence of str, default "sigmoid"
        Activation of the hidden layers: one name for all, or one per hidden
        layer. Names: sigmoid, tanh, relu, leaky_relu, gelu.
    output : {"sigmoid", "softmax"}, default "sigmoid"
        The output and its cost: sigmoid units with per-output cross-entropy
        (the seed's), or a softmax with categorical cross-entropy.
    init : {"uniform", "glorot", "he"}, default "uniform"
        Initialisation scheme; see ``INITIALISATIONS``.
    seed : int or None, default None
        Seed of the ``numpy.random.default_rng`` that draws the weights.
    dtype : {"float64", "float32"}, default "float64"
        Floating type of parameters and computation.
    conv : sequence of (filters, kernel), optional
        Convolutional layers before the dense ones (see ``barenet.conv``):
        each convolves with ``filters`` filters of ``kernel`` x ``kernel``
        pixels, applies its activation and max-pools 2x2 blocks. Their
        activations come first in ``activation``.
    image_shape : (height, width), optional
        How input rows fold into one-channel images, for ``conv``; square
        images are assumed when not given.
    max_params : int, optional
        Refuse (ConfigError) an architecture with more parameters than
        this, before allocating them; model files use it to trust no size
        they do not hold.

    Examples
    --------
    >>> net = Network([4, 3, 2], seed=0)
    >>> net.predict_proba(np.zeros((1, 4))).shape
    (1, 2)
    """

    def __init__(
        self,
        sizes: Sequence[int],
        *,
        activation: str | Sequence[str] = "sigmoid",
        output: str = "sigmoid",
        init: str = "uniform",
        seed: int | None = None,
        dtype: DTypeLike = "float64",
        conv: Sequence[Sequence[int]] | None = None,
        image_shape: Sequence[int] | None = None,
        max_params: int | None = None,
    ):
        self.sizes = _check_sizes(sizes)
        check_seed(seed)
        self.conv = check_conv(conv)
        self.image_shape = _image_shape(image_shape, self.sizes[0], self.conv)
        self.activations = check_activations(
            activation, len(self.conv) + len(self.sizes) - 2
        )
        self.output = get_output(output)
        self.dtype = check_dtype(dtype)
        if init not in INITIALISATIONS:
            raise ConfigError(
                f"unknown init {init!r}; expected one of {', '.join(INITIALISATIONS)}"
            )
        self.init = init
        self._workspaces: list[_Workspace] = []
        self.info: dict[str, Any] = {}
        """Free-form facts about the network (data, figures) that
        ``barenet.io.save`` writes with it and ``load`` restores."""

        acts: list[Activation | None] = [
            get_activation(a) for a in self.activations
        ]
        acts.append(None)
        self.layers = self._build_layers(acts)
        n_params = sum(layer.n_params for layer in self.layers)
        if max_params is not None and n_params > max_params:
            raise ConfigError(
                f"this architecture has {n_params} parameters, more than the "
                f"{max_params} allowed"
            )
        self.params = np.zeros(n_params, dtype=self.dtype)
        self.grad = np.zeros(n_params, dtype=self.dtype)
        offset = 0
        for layer in self.layers:
            end = offset + layer.n_params
            layer.bind(self.params[offset:end], self.grad[offset:end])
            offset = end

        rng = np.random.default_rng(seed)
        for layer in self.layers:
            layer.initialise(rng, init)

    def _build_layers(self, acts: list[Activation | None]) -> list[Layer]:
        """Convolutional layers (if any), then dense ones."""
        layers: list[Layer] = []
        shape = (*self.image_shape, 1) if self.conv else None
        for (filters, kernel), act in zip(self.conv, acts, strict=False):
            assert shape is not None and act is not None
            layer = Conv2D(shape, filters, kernel, act)
            layers.append(layer)
            shape = layer.out_shape
        widths = [layers[-1].n_out if layers else self.sizes[0]]
        widths += list(self.sizes[1:])
        dense_acts = acts[len(self.conv) :]
        layers += [
            Dense(n_in, n_out, act)
            for n_in, n_out, act in zip(
                widths[:-1], widths[1:], dense_acts, strict=True
            )
        ]
        return layers

    # -- description ------------------------------------------------------

    @property
    def n_inputs(self) -> int:
        return self.sizes[0]

    @property
    def n_outputs(self) -> int:
        return self.sizes[-1]

    @property
    def weights(self) -> list[Array]:
        """Each layer's W, as views into ``params``."""
        return [layer.W for layer in self.layers]

    @property
    def biases(self) -> list[Array]:
        """Each layer's b, as views into ``params``."""
        return [layer.b for layer in self.layers]

    def architecture(self) -> dict[str, Any]:
        """The settings that rebuild this network's shape (no weights)."""
        return {
            "sizes": list(self.sizes),
            **(
                {
                    "conv": [list(c) for c in self.conv],
                    "image_shape": list(self.image_shape),
                }
                if self.conv
                else {}
            ),
            "activations": list(self.activations),
            "output": self.output.name,
            "dtype": self.dtype.name,
        }

    def __repr__(self) -> str:
        shape = "-".join(str(n) for n in self.sizes)
        hidden = ",".join(self.activations) or "none"
        return f"Network({shape}, hidden={hidden}, output={self.output.name})"

    def copy(self) -> Network:
        """An independent network with the same architecture and weights."""
        twin = Network(
            self.sizes,
            activation=self.activations,
            output=self.output.name,
            init=self.init,
            dtype=self.dtype,
            conv=self.conv,
            image_shape=self.image_shape,
        )
        twin.params[...] = self.params
        twin.info = dict(self.info)
        return twin

    def __getstate__(self) -> dict[str, Any]:
        """What pickle keeps: architecture, initialisation, parameters, info.

        Each layer's W and b are views into ``params``; pickled as they are,
        they would come back as separate copies, so ``__setstate__``
        rebuilds the network around the saved vector instead.
        """
        return {
            **self.architecture(),
            "init": self.init,
            "params": self.params,
            "info": self.info,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Rebuild the network that ``__getstate__`` described."""
        twin = Network(
            state["sizes"],
            activation=state["activations"],
            output=state["output"],
            init=state["init"],
            dtype=state["dtype"],
            conv=state.get("conv"),
            image_shape=state.get("image_shape"),
        )
        twin.params[...] = state["params"]
        twin.info = state["info"]
        self.__dict__.update(twin.__dict__)

    # -- forward ----------------------------------------------------------

    def predict_proba(self, X: ArrayLike) -> Array:
        """Output probabilities, shape (n_samples, n_outputs).

        A 1-D ``X`` is one sample and gives an array of shape (1, n_outputs).
        A sample whose outputs overflow is an ``InputOverflowError``.
        """
        Z = self._checked_logits(X)
        return self.output.probabilities(Z)

    def predict(self, X: ArrayLike) -> NDArray[np.intp]:
        """The index of the most probable output for each sample."""
        Z = self._checked_logits(X)
        # Both outputs are monotonic in Z, so the logits' argmax suffices.
        return np.argmax(Z, axis=1)

    def logits(self, X: ArrayLike) -> Array:
        """The last layer's Z, before the output: shape (n_samples, n_outputs).

        Logits keep what probabilities round away (an output of 1 - 1e-20
        is exactly 1.0 as a probability), so log-probabilities are best
        computed from them.
        """
        return self._checked_logits(X)

    def _checked_logits(self, X: ArrayLike) -> Array:
        """The logits of X, checked at the door and on the way out."""
        X_ = self.check_X(X)
        # Inputs far beyond the training data's scale (1e308, say) can
        # overflow the products to inf, and inf - inf to nan: such a row
        # is refused by its index, without NumPy's warnings.
        with np.errstate(over="ignore", invalid="ignore"):
            Z = self._logits(X_)
        overflow = ~np.all(np.isfinite(Z), axis=1)
        if np.any(overflow):
            i = int(np.argmax(overflow))
            where = f"X[{i}]" if np.ndim(X) == 2 else "X"
            raise InputOverflowError(
                f"{where} is too large for this network: its outputs "
                "overflow to inf or nan (its largest value is "
                f"{float(np.max(np.abs(X_[i]))):.3g}); scale the input like "
                "the data the network was trained on",
                row=i,
            )
        return Z

    def _logits(self, X: Array) -> Array:
        A = X
        for layer in self.layers:
            _, A = layer.forward(A)
        return A

    def logits_bound(self, X: Array) -> float:
        """A number that no layer's Z, on any row of X, exceeds in size.

        With a = the largest |value| of a layer's input, every
        |Z[:, j]| = |A @ W[:, j] + b[j]| is at most a * sum_k |W[k, j]| +
        |b[j]|, and so is every partial sum of that product. Sigmoid units
        give at most 1, tanh units at most 1 and at most what they are
        given, the ReLUs and GELU at most what they are given. So a bound
        well below the dtype's largest number proves every output finite
        without computing one, for two passes over X instead of a forward
        pass. inf when there is no such bound (it overflows) or none is
        worked out (convolutional networks).
        """
        if self.conv:
            return math.inf
        largest = 0.0
        if X.size == 0:
            return largest  # no rows, no outputs
        with np.errstate(over="ignore", invalid="ignore"):
            a = max(abs(float(np.max(X))), abs(float(np.min(X))))
            for layer in self.layers:
                assert isinstance(layer, Dense)
                columns = np.einsum("kj->j", np.abs(layer.W), dtype=np.float64)
                z = float(np.max(a * columns + np.abs(layer.b)))
                if not math.isfinite(z):
                    return math.inf
                largest = max(largest, z)
                name = layer.activation.name if layer.activation else ""
                if name == "sigmoid":
                    a = 1.0  # even sigmoid(0) is 1/2, more than a small z
                elif name == "tanh":
                    a = min(z, 1.0)
                else:
                    a = z
        return largest

    # -- cost and gradient ------------------------------------------------

    def cost(
        self,
        X: ArrayLike,
        Y: ArrayLike,
        l2: float = 0.0,
        sample_weight: ArrayLike | None = None,
    ) -> float:
        """The regularised cost J on (X, Y); see the module docstring.

        ``sample_weight``, shape (n_samples,), counts each row that many
        times; None counts every row once.
        """
        X_ = self.check_X(X)
        Y_ = self.check_Y(Y, X_.shape[0])
        _check_l2(l2)
        w = check_sample_weight(sample_weight, X_.shape[0], self.dtype)
        Z = self._logits(X_)
        return self._cost_from_logits(Z, Y_, l2, w)

    def cost_and_gradient(
        self,
        X: ArrayLike,
        Y: ArrayLike,
        l2: float = 0.0,
        sample_weight: ArrayLike | None = None,
        *,
        dropout: float | Sequence[float] = 0.0,
        rng: np.random.Generator | None = None,
    ) -> tuple[float, Array]:
        """The regularised cost and its gradient, from one forward pass.

        Parameters
        ----------
        X, Y : arrays of shape (m, n_inputs) and (m, n_outputs)
        l2 : float, default 0
            L2 strength lambda (weights only).
        sample_weight : array of shape (m,), optional
            As in ``cost``.
        dropout : float or sequence of float, default 0
            Inverted dropout for training: each hidden unit's output is
            zeroed with this probability (one for all hidden layers, or one
            per hidden layer) and the survivors are divided by the keep
            probability, so that nothing changes at prediction time, when
            no unit is dropped. The cost is that of the thinned network.
        rng : numpy Generator, optional
            Draws the dropout masks; needed when dropout is on.

        Returns
        -------
        cost : float
        grad : ndarray of shape (n_params,)
            d(cost)/d(params), laid out like ``params``. This is the
            network's own buffer ``grad``, overwritten by the next call:
            copy it to keep it.
        """
        X_ = self.check_X(X)
        Y_ = self.check_Y(Y, X_.shape[0])
        _check_l2(l2)
        w = check_sample_weight(sample_weight, X_.shape[0], self.dtype)
        rates = self.check_dropout(dropout)
        if any(rates) and rng is None:
            raise ConfigError("dropout needs rng, a numpy Generator")
        return self._cost_and_gradient(X_, Y_, l2, w, rates, rng)

    def _cost_and_gradient(
        self,
        X: Array,
        Y: Array,
        l2: float,
        w: Array | None = None,
        dropout: Sequence[float] = (),
        rng: np.random.Generator | None = None,
    ) -> tuple[float, Array]:
        """cost_and_gradient for inputs already checked and cast.

        ``w``, if given, holds the rows' weights, with a positive sum;
        ``dropout`` holds one rate per hidden layer, or is empty.
        """
        ws = self._workspace(X.shape[0])
        m = _row_count(X, w)
        masks: dict[int, Array] = {}

        # Forward, keeping every layer's input A, pre-activation Z and
        # output before dropout H.
        As, Zs, Hs = [X], [], []
        for i, layer in enumerate(self.layers):
            hidden = i < len(self.layers) - 1
            Z, A = layer.forward(As[-1], ws.Z[i], ws.A[i] if hidden else None)
            Zs.append(Z)
            Hs.append(A)
            if hidden and dropout and dropout[i] > 0:
                assert rng is not None
                masks[i], A = _drop(A, dropout[i], rng, *ws.dropout(i))
            As.append(A)
        cost = self._cost_from_logits(Zs[-1], Y, l2, w)

        # Output error: d(cost)/dZ of the last layer is (P - Y) / m, each
        # row scaled by its weight when there are weights.
        delta = self.output.probabilities(Zs[-1])
        delta -= Y
        if w is None:
            delta /= m
        else:
            delta *= (w / m)[:, None]

        # Hidden errors, from the top layer down: each layer's delta is the
        # error at its output (times its dropout mask, if any) times g' of
        # its pre-activation.
        for i in range(len(self.layers) - 1, 0, -1):
            layer, below = self.layers[i], self.layers[i - 1]
            self.layers[i].gradients(As[i], delta)
            error = layer.input_error(delta, out=ws.error[i - 1])
            if i - 1 in masks:
                error *= masks[i - 1]
            delta = below.delta(error, Zs[i - 1], Hs[i - 1])
        self.layers[0].gradients(X, delta)

        # Penalty gradient: (lambda / m) W for weights, nothing for biases.
        if l2:
            for layer in self.layers:
                layer.dW += (l2 / m) * layer.W
        return cost, self.grad

    def _workspace(self, m: int) -> _Workspace:
        """Buffers for batches of m rows; the last two sizes are kept."""
        for ws in self._workspaces:
            if ws.m == m:
                return ws
        ws = _Workspace(self.layers, m, self.dtype)
        self._workspaces = [ws, *self._workspaces[:1]]
        return ws

    def _cost_from_logits(
        self, Z: Array, Y: Array, l2: float, w: Array | None = None
    ) -> float:
        m = _row_count(Z, w)
        costs = self.output.cost(Z, Y)
        total = np.sum(costs) if w is None else np.dot(w, costs)
        cost = float(total) / m
        if l2:
            squares = sum(float(np.vdot(W, W)) for W in self.weights)
            cost += l2 / (2 * m) * squares
        return cost

    def weight_mask(self) -> Array:
        """1 where ``params`` holds a weight, 0 where it holds a bias."""
        mask = np.zeros_like(self.params)
        offset = 0
        for layer in self.layers:
            mask[offset : offset + layer.W.size] = 1.0
            offset += layer.n_params
        return mask

    # -- input checks -----------------------------------------------------

    def check_dropout(self, dropout: float | Sequence[float]) -> list[float]:
        """One dropout rate per hidden layer, each in [0, 1), or an error."""
        n_hidden = len(self.layers) - 1
        # One rate for all applies to the dense hidden layers only.
        one = is_real(dropout)
        many = isinstance(dropout, Sequence) and not isinstance(dropout, str)
        rates: list[Any] = []
        if one:
            rates = [
                0.0 if isinstance(layer, Conv2D) else dropout
                for layer in self.layers[:-1]
            ]
        elif many:
            rates = list(dropout)  # type: ignore[arg-type]
        if (
            not (one or many)
            or len(rates) != n_hidden
            or not all(is_real(r) and 0 <= r < 1 for r in rates)
        ):
            raise ConfigError(
                f"dropout must be a rate in [0, 1), or one per hidden layer "
                f"({n_hidden}), got {dropout!r}"
            )
        return [float(r) for r in rates]

    def check_X(self, X: ArrayLike) -> Array:
        """X as a 2-D array of this network's dtype, or a clear error.

        A 1-D array is taken as one sample.
        """
        arr = _real_array(X, "X", f"shape (n_samples, {self.n_inputs})")
        big = too_large(arr, self.dtype)
        if big is not None:
            where = ", ".join(map(str, big)) if arr.ndim > 1 else str(big[-1])
            raise ConfigError(
                f"X[{where}] is {float(arr[big]):g}, too large for "
                f"{self.dtype.name}, whose largest number is "
                f"{float(np.finfo(self.dtype).max):.3g}: scale X down"
            )
        arr = arr.astype(self.dtype, copy=False)
        if arr.ndim == 1:
            arr = arr.reshape(1, -1)
        if arr.ndim != 2 or arr.shape[1] != self.n_inputs:
            width = f"{arr.shape[1]} features, " if arr.ndim == 2 else ""
            raise ConfigError(
                f"X has shape {np.shape(X)} ({width}one sample per row), but "
                f"this network takes {self.n_inputs} features: pass shape "
                f"(n_samples, {self.n_inputs}), or one sample of shape "
                f"({self.n_inputs},)"
            )
        if arr.shape[0] == 0:
            raise ConfigError("X has no samples (0 rows); pass at least one")
        if not np.all(np.isfinite(arr)):
            raise ConfigError(
                "X contains nan or inf; replace or drop those values first"
            )
        return arr

    def check_Y(self, Y: ArrayLike, n_samples: int) -> Array:
        """Y as a (n_samples, n_outputs) array of this network's dtype."""
        arr = _real_array(Y, "Y", f"shape (n_samples, {self.n_outputs})")
        arr = arr.astype(self.dtype, copy=False)
        expected = (n_samples, self.n_outputs)
        if arr.shape != expected:
            raise ConfigError(
                f"Y has shape {arr.shape}, expected {expected}: one row of "
                f"{self.n_outputs} targets per sample (see "
                "barenet.data.one_hot to turn labels into rows)"
            )
        if not np.all(np.isfinite(arr)):
            raise ConfigError("Y contains nan or inf")
        return arr


def check_sample_weight(
    sample_weight: ArrayLike | None, n_samples: int, dtype: DTypeLike
) -> Array | None:
    """Sample weights as a 1-D array of ``dtype``, or None; checks them.

    Weights must be finite, >= 0, one per sample, and not all 0.
    """
    if sample_weight is None:
        return None
    try:
        given = np.asarray(sample_weight)
        w = given.astype(dtype) if given.dtype.kind in "biuf" else None
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            f"sample_weight must be numbers, one per sample; converting it "
            f"failed: {exc}"
        ) from None
    if w is None:
        raise ConfigError(
            f"sample_weight must be numbers, one per sample; got an array "
            f"of {given.dtype} values"
        )
    if w.shape != (n_samples,):
        raise ConfigError(
            f"sample_weight has shape {w.shape}, expected ({n_samples},): "
            "one weight per row of X"
        )
    bad = ~(np.isfinite(w) & (w >= 0))
    if np.any(bad):
        raise ConfigError(
            f"sample_weight must be finite and >= 0, found {float(w[bad][0])} "
            f"at row {int(np.flatnonzero(bad)[0])}"
        )
    if not np.any(w > 0):
        raise ConfigError(
            "sample_weight is zero for every sample, so there is nothing to "
            "learn from; give at least one row a positive weight"
        )
    with np.errstate(over="ignore"):
        total = np.sum(w)
    if not np.isfinite(total):
        raise ConfigError(
            f"sample_weight sums to more than {w.dtype.name} can hold (the "
            f"largest weight is {float(np.max(w)):g}); divide the weights by "
            "their mean, and l2 by the same mean to keep the L2 penalty, "
            "which is divided by their sum"
        )
    return w


def _row_count(A: Array, w: Array | None) -> float:
    """m in the cost: the number of rows, or the sum of their weights."""
    return A.shape[0] if w is None else float(np.sum(w))


def _drop(
    A: Array, rate: float, rng: np.random.Generator, mask: Array, out: Array
) -> tuple[Array, Array]:
    """Inverted dropout: (mask, A * mask), mask 1/keep or 0 per unit."""
    keep = 1.0 - rate
    rng.random(out=mask, dtype=mask.dtype)
    np.less(mask, keep, out=mask)
    mask /= keep
    return mask, np.multiply(A, mask, out=out)


def check_conv(conv: Any) -> list[tuple[int, int]]:
    """Convolutional layers as (filters, kernel) pairs of whole numbers >= 1.

    None or an empty sequence means none; anything else is a ConfigError.
    """
    if conv is None:
        return []
    ok = _is_list(conv)
    layers = list(conv) if ok else []
    for layer in layers:
        ok = ok and (
            _is_list(layer)
            and len(layer) == 2
            and all(is_whole(n) and n >= 1 for n in layer)
        )
    if not ok:
        raise ConfigError(
            f"conv must be a sequence of (filters, kernel) pairs of whole "
            f"numbers >= 1, such as ((32, 5), (64, 3)), or () for none; got "
            f"{conv!r}"
        )
    return [(int(f), int(k)) for f, k in layers]


def check_image_shape(image_shape: Any) -> tuple[int, int] | None:
    """(height, width) as whole numbers >= 1, or None; else a ConfigError."""
    if image_shape is None:
        return None
    ok = (
        _is_list(image_shape)
        and len(image_shape) == 2
        and all(is_whole(n) and n >= 1 for n in image_shape)
    )
    if not ok:
        raise ConfigError(
            f"image_shape must be (height, width), two whole numbers >= 1, "
            f"or None for square images; got {image_shape!r}"
        )
    return int(image_shape[0]), int(image_shape[1])


def _is_list(value: Any) -> bool:
    """A sequence of items (a list, tuple or 1-D array), not text."""
    if isinstance(value, np.ndarray):
        return value.ndim >= 1
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


def _image_shape(
    image_shape: Sequence[int] | None,
    n_inputs: int,
    conv: list[tuple[int, int]],
) -> tuple[int, int]:
    """(height, width) of the input images: given, or square; checked."""
    given = check_image_shape(image_shape)
    if given is None:
        side = math.isqrt(n_inputs)
        shape = (side, side)
    else:
        shape = given
    if conv and shape[0] * shape[1] != n_inputs:
        raise ConfigError(
            f"convolutional layers need image rows: {n_inputs} inputs are not "
            f"{shape[0]}x{shape[1]} images; pass image_shape"
        )
    return shape


def too_large(X: NDArray[Any], dtype: DTypeLike) -> tuple[int, ...] | None:
    """The index of the first finite value of X beyond what ``dtype`` holds
    (it would become inf), or None."""
    largest = np.finfo(dtype).max
    if X.dtype.kind != "f" or np.finfo(X.dtype).max <= largest:
        return None
    with np.errstate(invalid="ignore"):
        beyond = np.isfinite(X) & (np.abs(X) > largest)
    if not np.any(beyond):
        return None
    return tuple(int(i) for i in np.argwhere(beyond)[0])


def _real_array(values: ArrayLike, name: str, shape: str) -> NDArray[Any]:
    """``values`` as an array of real numbers (bool, int or float)."""
    try:
        arr = np.asarray(values)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ConfigError(
            f"{name} must be an array of numbers, {shape}; converting it "
            f"failed: {exc}"
        ) from None
    if arr.dtype.kind not in "biuf":
        raise ConfigError(
            f"{name} must hold real numbers, {shape}; got an array of "
            f"{arr.dtype} values"
        )
    return arr


def _check_sizes(sizes: Sequence[int]) -> tuple[int, ...]:
    try:
        ok = all(is_whole(n) for n in sizes)
        out = tuple(int(n) for n in sizes) if ok else ()
    except TypeError:
        out, ok = (), False
    if not ok or len(out) < 2 or min(out) < 1:
        raise ConfigError(
            f"sizes must be at least two positive whole numbers (input width, "
            f"..., output width), got {sizes!r}"
        )
    return out


def check_activations(
    activation: str | Sequence[str], n_hidden: int
) -> tuple[str, ...]:
    """One known activation name per hidden layer, from one or from each."""
    if isinstance(activation, str):
        names = [activation] * n_hidden
    elif isinstance(activation, Sequence) and not isinstance(activation, bytes):
        names = list(activation)
    else:
        raise ConfigError(
            f"activation must be a name or a list of names, got {activation!r}"
        )
    if len(names) != n_hidden:
        raise ConfigError(
            f"got {len(names)} activations for {n_hidden} hidden layers: give "
            "one name for all, or exactly one per hidden layer"
        )
    for name in names:
        get_activation(name)
    return tuple(names)


def check_dtype(dtype: DTypeLike) -> np.dtype[Any]:
    """``dtype`` as a NumPy dtype, if it is one of DTYPES; else an error."""
    try:
        dt = None if dtype is None else np.dtype(dtype)
    except TypeError:
        dt = None
    if dt is None or dt.name not in DTYPES:
        raise ConfigError(
            f"dtype must be one of {', '.join(DTYPES)}, got {dtype!r}"
        )
    return dt


def _check_l2(l2: float) -> None:
    if not (is_real(l2) and l2 >= 0):
        raise ConfigError(f"l2 must be a finite number >= 0, got {l2!r}")
