"""The seed's algorithm, one sample at a time: a second implementation.

This module computes the same cost and gradients as ``barenet.network``,
but the way the original from-scratch notebook does: weights stored as
"thetas" with the bias in column 0, a column of ones prepended to every
layer's input, and back-propagation run in a Python loop over the samples.
It is written for plainness, not speed, and shares no code with the
vectorised network beyond the data; tests use it as an oracle and the
benchmarks as the baseline to beat.

Shapes::

    theta[l]   (n_out, n_in + 1)    column 0 holds the biases
    X          (m, n_inputs)
    Y          (m, n_outputs)       one-hot
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from barenet.network import Network

Array = NDArray[np.float64]


def thetas_from(net: Network) -> list[Array]:
    """The network's weights in the seed's layout, as new float64 arrays."""
    return [
        np.hstack([b[:, None], W.T]).astype(np.float64)
        for W, b in zip(net.weights, net.biases, strict=True)
    ]


def load_thetas(net: Network, thetas: list[Array]) -> None:
    """Write thetas (seed layout) into the network's parameters."""
    for layer, theta in zip(net.layers, thetas, strict=True):
        layer.b[...] = theta[:, 0]
        layer.W[...] = theta[:, 1:].T


def sigmoid(z: Array) -> Array:
    return 1.0 / (1.0 + np.exp(-z))


def add_ones(a: Array) -> Array:
    """Prepend a column of ones (the bias input) to a 2-D array."""
    return np.hstack([np.ones((a.shape[0], 1)), a])


def forward(X: Array, thetas: list[Array]) -> tuple[list[Array], list[Array]]:
    """Every layer's input (with the ones column) and output."""
    inputs, outputs = [], []
    a = X
    for theta in thetas:
        a_bias = add_ones(a)
        a = sigmoid(a_bias @ theta.T)
        inputs.append(a_bias)
        outputs.append(a)
    return inputs, outputs


def cost(X: Array, Y: Array, lambd: float, thetas: list[Array]) -> float:
    """The seed's regularised cross-entropy cost."""
    m = X.shape[0]
    _, outputs = forward(X, thetas)
    h = outputs[-1]
    J = np.sum(-Y * np.log(h) - (1 - Y) * np.log(1 - h)) / m
    squares = sum(np.sum(theta[:, 1:] ** 2) for theta in thetas)
    return float(J + lambd / (2 * m) * squares)


def grads(X: Array, Y: Array, lambd: float, thetas: list[Array]) -> list[Array]:
    """Gradients of ``cost`` by back-propagation, one sample at a time."""
    m = X.shape[0]
    inputs, outputs = forward(X, thetas)
    Deltas = [np.zeros_like(theta) for theta in thetas]
    for t in range(m):
        # Output layer: the error is output minus target.
        d = outputs[-1][t] - Y[t]
        Deltas[-1] += np.outer(d, inputs[-1][t])
        # Hidden layers, from the top down: error times sigmoid'.
        for layer in range(len(thetas) - 2, -1, -1):
            a = outputs[layer][t]
            d = (thetas[layer + 1][:, 1:].T @ d) * a * (1 - a)
            Deltas[layer] += np.outer(d, inputs[layer][t])
    result = []
    for Delta, theta in zip(Deltas, thetas, strict=True):
        penalty = np.hstack([np.zeros((theta.shape[0], 1)), theta[:, 1:]])
        result.append(Delta / m + lambd / m * penalty)
    return result


def train(
    X: Array,
    Y: Array,
    thetas: list[Array],
    lr: float,
    lambd: float,
    iterations: int,
) -> list[Array]:
    """Full-batch gradient descent from ``thetas``; returns the new thetas."""
    thetas = [theta.copy() for theta in thetas]
    for _ in range(iterations):
        for theta, g in zip(thetas, grads(X, Y, lambd, thetas), strict=True):
            theta -= lr * g
    return thetas
