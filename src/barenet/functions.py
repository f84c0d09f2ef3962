"""Activation functions and output costs: small pure functions, by name.

Notation, used across barenet::

    Z   pre-activations of a layer        (n_samples, n_units)
    A   activations, A = g(Z)             (n_samples, n_units)
    Y   one-hot (or soft) targets         (n_samples, n_classes)
    P   output probabilities              (n_samples, n_classes)

An *activation* is a pair of functions: g itself, and its derivative g'
written in terms of both Z and A = g(Z). Back-propagation then reuses what
the forward pass computed: the sigmoid's g' = A (1 - A) needs no second
exponential.

An *output* couples the last layer's activation with the cost it is
trained on. The pair is chosen so that the derivative of the cost with
respect to the last layer's Z is simply P - Y, for both the seed's sigmoid
with per-output cross-entropy and the softmax with categorical
cross-entropy. Costs are computed from the logits Z, never from P: a
saturated output of exactly 0 or 1 still gives a finite cost.

Every function accepts float32 or float64 arrays and returns the same
dtype, and none of them overflows or warns for any finite input.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from barenet.errors import ConfigError

Array = NDArray[np.floating]


# ---------------------------------------------------------------------------
# Activations
# ---------------------------------------------------------------------------


def sigmoid(Z: Array, out: Array | None = None) -> Array:
    """The logistic function 1 / (1 + exp(-Z)), elementwise."""
    # exp(-z) overflows to inf once -z passes log(largest float), about
    # 709 in float64 and 88 in float32; 1 / (1 + inf) is then 0, where the
    # true value is below 1e-307 (float32: 1e-38). So the overflow does no
    # harm and is not reported. Each step writes in place: no temporary
    # arrays, four passes over the data.
    with np.errstate(over="ignore"):
        out = np.negative(Z, out=out)
        np.exp(out, out=out)
    out += 1.0
    return np.divide(1.0, out, out=out)


def _sigmoid_derivative(Z: Array, A: Array, out: Array | None = None) -> Array:
    # A (1 - A), written into ``out`` without a temporary array.
    out = np.subtract(1.0, A, out=out)
    out *= A
    return out


def tanh(Z: Array, out: Array | None = None) -> Array:
    """The hyperbolic tangent, elementwise."""
    return np.tanh(Z, out=out)


def _tanh_derivative(Z: Array, A: Array, out: Array | None = None) -> Array:
    # 1 - A^2, written into ``out``.
    out = np.multiply(A, A, out=out)
    return np.subtract(1.0, out, out=out)


def relu(Z: Array, out: Array | None = None) -> Array:
    """The rectified linear unit max(Z, 0), elementwise."""
    return np.maximum(Z, 0.0, out=out)


def _relu_derivative(Z: Array, A: Array, out: Array | None = None) -> Array:
    # The derivative at exactly 0 is taken as 0, as is usual. (Comparing
    # into an array of Z's dtype stores True as 1 and False as 0.)
    return np.greater(Z, 0.0, out=np.empty_like(Z) if out is None else out)


LEAKY_SLOPE = 0.01
"""Slope of the leaky ReLU for negative inputs."""


def leaky_relu(Z: Array, out: Array | None = None) -> Array:
    """The leaky ReLU: Z where Z > 0, else 0.01 Z."""
    # With a slope below 1, the larger of z and 0.01 z is the right branch.
    return np.maximum(Z, LEAKY_SLOPE * Z, out=out)


def _leaky_relu_derivative(
    Z: Array, A: Array, out: Array | None = None
) -> Array:
    slopes = np.where(Z > 0, 1.0, LEAKY_SLOPE).astype(Z.dtype)
    if out is None:
        return slopes
    np.copyto(out, slopes)
    return out


_GELU_C = math.sqrt(2.0 / math.pi)
_GELU_K = 0.044715
# Beyond |z| = 10 the tanh below is exactly +-1 in float64, so clipping its
# argument there changes nothing, and keeps z**3 from overflowing float32.
_GELU_CLIP = 10.0


def gelu(Z: Array, out: Array | None = None) -> Array:
    """The Gaussian error linear unit, in its usual tanh approximation.

    gelu(z) = z/2 (1 + tanh(sqrt(2/pi) (z + 0.044715 z^3))).
    """
    Zc = np.clip(Z, -_GELU_CLIP, _GELU_CLIP)
    T = np.tanh(_GELU_C * (Zc + _GELU_K * Zc**3))
    return np.multiply(0.5 * Z, 1.0 + T, out=out)


def _gelu_derivative(Z: Array, A: Array, out: Array | None = None) -> Array:
    Zc = np.clip(Z, -_GELU_CLIP, _GELU_CLIP)
    T = np.tanh(_GELU_C * (Zc + _GELU_K * Zc**3))
    dT = (1.0 - T * T) * _GELU_C * (1.0 + 3.0 * _GELU_K * Zc * Zc)
    return np.add(0.5 * (1.0 + T), 0.5 * Zc * dT, out=out)


class ActivationFunction(Protocol):
    def __call__(self, Z: Array, out: Array | None = None) -> Array: ...


class Derivative(Protocol):
    def __call__(
        self, Z: Array, A: Array, out: Array | None = None
    ) -> Array: ...


@dataclass(frozen=True)
class Activation:
    """An activation g, with its derivative g'(Z) computed from Z and g(Z).

    ``function(Z, out=None)`` and ``derivative(Z, A, out=None)`` write
    into ``out`` when given one; ``out`` may be Z itself.
    """

    name: str
    function: ActivationFunction
    derivative: Derivative


ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("sigmoid", sigmoid, _sigmoid_derivative),
        Activation("tanh", tanh, _tanh_derivative),
        Activation("relu", relu, _relu_derivative),
        Activation("leaky_relu", leaky_relu, _leaky_relu_derivative),
        Activation("gelu", gelu, _gelu_derivative),
    )
}


def get_activation(name: str) -> Activation:
    """Look up an activation by name; the names are the keys of ACTIVATIONS."""
    try:
        return ACTIVATIONS[name]
    except (KeyError, TypeError):
        raise ConfigError(
            f"unknown activation {name!r}; expected one of {', '.join(ACTIVATIONS)}"
        ) from None


# ---------------------------------------------------------------------------
# Outputs: the last layer's activation and the cost it is trained on
# ---------------------------------------------------------------------------


def softplus(Z: Array) -> Array:
    """log(1 + exp(Z)), without overflow for large Z."""
    # log(1 + e^z) = max(z, 0) + log(1 + e^-|z|): the exponent is never
    # positive. (numpy's logaddexp gives the same values, three times
    # slower.)
    out = np.abs(Z)
    np.negative(out, out=out)
    np.exp(out, out=out)
    np.log1p(out, out=out)
    out += np.maximum(Z, 0.0)
    return out


def sigmoid_cross_entropy(Z: Array, Y: Array) -> Array:
    """Per-sample cross-entropy of sigmoid outputs, summed over the outputs.

    With P = sigmoid(Z), the seed's cost for one sample is
    -sum(Y log P + (1 - Y) log(1 - P)). Since log P = -softplus(-Z) and
    log(1 - P) = -softplus(Z), and softplus(-Z) = softplus(Z) - Z, this is
    sum(softplus(Z) - Y Z): finite for every finite Z.

    Returns an array of shape (n_samples,).
    """
    costs = softplus(Z)
    costs -= Y * Z
    return row_sums(costs)


def log_softmax(Z: Array) -> Array:
    """log(softmax(Z)) along each row, computed stably."""
    # Shifting a row by its maximum leaves the softmax unchanged and keeps
    # every exponent <= 0, so exp cannot overflow and the sum is >= 1.
    shifted = Z - Z.max(axis=1, keepdims=True)
    shifted -= np.log(row_sums(np.exp(shifted)))[:, None]
    return shifted


def softmax(Z: Array) -> Array:
    """exp(Z) normalised along each row; every row sums to 1."""
    shifted = np.exp(Z - Z.max(axis=1, keepdims=True))
    shifted /= row_sums(shifted)[:, None]
    return shifted


def softmax_cross_entropy(Z: Array, Y: Array) -> Array:
    """Per-sample categorical cross-entropy -sum(Y log softmax(Z)).

    Returns an array of shape (n_samples,).
    """
    return -row_sums(Y * log_softmax(Z))


def row_sums(A: Array) -> Array:
    """The sum of each row of a 2-D array: shape (n_rows,)."""
    # einsum adds along the rows in one pass; np.sum(A, axis=1) loops over
    # the rows in NumPy, several times slower on narrow arrays.
    return np.einsum("ij->i", A)


def column_sums(A: Array, out: Array | None = None) -> Array:
    """The sum of each column of a 2-D array: shape (n_columns,)."""
    # As in row_sums. (A product with a vector of ones would be faster
    # still on an idle machine, but BLAS shares it among threads, and a
    # shared product waits for every thread to get a core.)
    return np.einsum("ij->j", A, out=out)


@dataclass(frozen=True)
class Output:
    """An output layer: probabilities from logits, and the per-sample cost.

    For every output here, d(cost)/dZ = P - Y for each sample.
    """

    name: str
    probabilities: Callable[[Array], Array]
    cost: Callable[[Array, Array], Array]


OUTPUTS: dict[str, Output] = {
    o.name: o
    for o in (
        Output("sigmoid", sigmoid, sigmoid_cross_entropy),
        Output("softmax", softmax, softmax_cross_entropy),
    )
}


def get_output(name: str) -> Output:
    """Look up an output by name; the names are the keys of OUTPUTS."""
    try:
        return OUTPUTS[name]
    except (KeyError, TypeError):
        raise ConfigError(
            f"unknown output {name!r}; expected one of {', '.join(OUTPUTS)}"
        ) from None
