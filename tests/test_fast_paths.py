"""Every fast path against plain NumPy: same numbers, in float64, to 1e-12.

barenet's training step writes into preallocated buffers, sums through
BLAS and folds constants together; ``barenet.reference`` checks it for
sigmoid networks only. Here a second, plain implementation of the same
maths (fresh arrays, ``np.sum``, the formulas as the docstrings write them)
checks every activation and output.
"""

from __future__ import annotations

import numpy as np
import pytest

from barenet.functions import (
    ACTIVATIONS,
    column_sums,
    log_softmax,
    row_sums,
    sigmoid_cross_entropy,
    softmax,
    softmax_cross_entropy,
)
from barenet.network import Network

PLAIN_G = {
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "tanh": np.tanh,
    "relu": lambda z: np.where(z > 0, z, 0.0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "gelu": lambda z: (
        0.5 * z * (1 + np.tanh(np.sqrt(2 / np.pi) * (z + 0.044715 * z**3)))
    ),
}
"""Each activation g(z), as its formula reads."""

PLAIN_DG = {
    "sigmoid": lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2,
    "tanh": lambda z: 1 / np.cosh(z) ** 2,
    "relu": lambda z: np.where(z > 0, 1.0, 0.0),
    "leaky_relu": lambda z: np.where(z > 0, 1.0, 0.01),
    # Central differences of the plain g: independent of barenet's
    # formula, accurate to about 1e-10.
    "gelu": lambda z: (
        (PLAIN_G["gelu"](z + 1e-6) - PLAIN_G["gelu"](z - 1e-6)) / 2e-6
    ),
}
"""Each g'(z) from z alone (barenet computes it from z and g(z))."""


def plain_cost_and_gradient(net, X, Y, l2):
    """Back-propagation written plainly, with derivatives by the chain rule."""
    g = [PLAIN_G[name] for name in net.activations]
    dg = [PLAIN_DG[name] for name in net.activations]
    m = X.shape[0]
    As, Zs = [X], []
    for i, (W, b) in enumerate(zip(net.weights, net.biases, strict=True)):
        Zs.append(As[-1] @ W + b)
        if i < len(g):
            As.append(g[i](Zs[-1]))
    Z = Zs[-1]
    if net.output.name == "sigmoid":
        P = 1 / (1 + np.exp(-Z))
        costs = -np.sum(Y * np.log(P) + (1 - Y) * np.log(1 - P), axis=1)
    else:
        P = np.exp(Z) / np.sum(np.exp(Z), axis=1, keepdims=True)
        costs = -np.sum(Y * np.log(P), axis=1)
    squares = sum(np.sum(W**2) for W in net.weights)
    cost = np.sum(costs) / m + l2 / (2 * m) * squares

    grads = []
    delta = (P - Y) / m
    for i in range(len(net.weights) - 1, -1, -1):
        grads.append(np.sum(delta, axis=0))
        grads.append(As[i].T @ delta + l2 / m * net.weights[i])
        if i:
            delta = (delta @ net.weights[i].T) * dg[i - 1](Zs[i - 1])
    return cost, np.concatenate([a.ravel() for a in reversed(grads)])


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
def test_network_step_equals_plain_backpropagation(activation, output, rng):
    net = Network([12, 9, 7, 4], activation=activation, output=output, seed=2)
    X = rng.normal(0, 1, (50, 12))
    Y = np.eye(4)[rng.integers(0, 4, 50)]
    cost, grad = net.cost_and_gradient(X, Y, l2=0.3)
    plain_cost, plain_grad = plain_cost_and_gradient(net, X, Y, 0.3)
    assert cost == pytest.approx(plain_cost, rel=1e-12)
    # GELU's plain g' comes from central differences, good to ~1e-10.
    rtol = 1e-7 if activation == "gelu" else 1e-12
    np.testing.assert_allclose(grad, plain_grad, rtol=rtol, atol=1e-14)


def test_the_buffers_of_one_step_do_not_leak_into_the_next(rng):
    # Alternating two batch sizes reuses two sets of buffers; each result
    # must equal the one computed by a fresh network.
    net = Network([12, 9, 4], activation="tanh", output="softmax", seed=4)
    batches = [rng.normal(0, 1, (n, 12)) for n in (30, 17, 30, 17)]
    for X in batches:
        Y = np.eye(4)[rng.integers(0, 4, len(X))]
        cost, grad = net.cost_and_gradient(X, Y, l2=0.1)
        fresh_cost, fresh_grad = net.copy().cost_and_gradient(X, Y, l2=0.1)
        assert cost == fresh_cost
        np.testing.assert_array_equal(grad, fresh_grad)


def test_row_and_column_sums_equal_np_sum(rng):
    for shape in [(1, 1), (7, 3), (1493, 10), (3, 1000)]:
        A = rng.normal(0, 1, shape)
        np.testing.assert_allclose(row_sums(A), A.sum(axis=1), rtol=1e-12)
        np.testing.assert_allclose(
            column_sums(A), A.sum(axis=0), rtol=1e-12, atol=1e-13
        )
        out = np.empty(shape[1])
        assert column_sums(A, out=out) is out


def test_output_costs_equal_their_formulas_on_probabilities(rng):
    Z = rng.normal(0, 3, (40, 6))
    Y = np.eye(6)[rng.integers(0, 6, 40)]
    P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(softmax(Z), P, rtol=1e-12)
    np.testing.assert_allclose(log_softmax(Z), np.log(P), rtol=1e-12)
    np.testing.assert_allclose(
        softmax_cross_entropy(Z, Y), -np.sum(Y * np.log(P), axis=1), rtol=1e-12
    )
    S = 1 / (1 + np.exp(-Z))
    plain = -np.sum(Y * np.log(S) + (1 - Y) * np.log(1 - S), axis=1)
    np.testing.assert_allclose(sigmoid_cross_entropy(Z, Y), plain, rtol=1e-12)
