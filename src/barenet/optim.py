"""Optimizers: small classes holding their state, with one ``step``.

An optimizer updates a network's flat parameter vector in place from the
gradient of the cost, ``grad``, which has the same layout. Updating in
place matters: each layer's weights are views into that vector.

    GradientDescent     params <- params - lr * grad
"""

from __future__ import annotations

from barenet.errors import ConfigError
from barenet.functions import Array


class Optimizer:
    """Base class: ``step(params, grad)`` updates ``params`` in place."""

    def __init__(self, lr: float):
        if not (lr > 0 and lr < float("inf")):
            raise ConfigError(
                f"learning rate must be a finite number > 0, got {lr!r}"
            )
        self.lr = lr

    def step(self, params: Array, grad: Array) -> None:
        raise NotImplementedError


class GradientDescent(Optimizer):
    """Plain gradient descent: params <- params - lr * grad."""

    def step(self, params: Array, grad: Array) -> None:
        params -= self.lr * grad
