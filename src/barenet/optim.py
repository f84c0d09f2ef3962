"""Optimizers and learning-rate schedules: small classes holding state.

An optimizer updates a network's flat parameter vector in place from the
gradient of the cost, ``grad``, which has the same layout. Updating in
place matters: each layer's weights are views into that vector. With g
the gradient, lr the learning rate and t the number of steps taken::

    GradientDescent  p <- p - lr g
    Momentum         v <- mu v - lr g;             p <- p + v
    Nesterov         v <- mu v - lr g;             p <- p + mu v - lr g
    Adam             m <- b1 m + (1 - b1) g;       s <- b2 s + (1 - b2) g^2
                     p <- p - lr m_hat / (sqrt(s_hat) + eps),
                     m_hat = m / (1 - b1^t),  s_hat = s / (1 - b2^t)
    AdamW            p <- p - lr wd p (weights only), then Adam's step

Nesterov is written in the form that needs the gradient at p only (the
look-ahead point is folded into the update), so every optimizer has the
same ``step(params, grad)``. AdamW's weight decay is *decoupled*: it
shrinks the weights directly instead of adding to the gradient, so Adam's
per-parameter scaling does not weaken it. Its ``decay_mask`` (1 for
weights, 0 for biases; ``Network.weight_mask()``) keeps biases out of it.

Every optimizer and schedule has ``state_dict()``, plain numbers and NumPy
arrays, and ``load_state_dict(state)``, so that training can be saved and
resumed exactly where it stopped.

A *schedule* sets the learning rate epoch by epoch: ``lr_at(epoch)`` for
the fixed ones (constant, step, cosine), and ``update(value)`` after each
epoch for reduce-on-plateau, which watches a cost and lowers the rate when
it stops improving.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from barenet._checks import is_real, is_whole
from barenet.errors import ConfigError
from barenet.functions import Array

# ---------------------------------------------------------------------------
# Optimizers
# ---------------------------------------------------------------------------


class Optimizer:
    """Base class: ``step(params, grad)`` updates ``params`` in place.

    Parameters
    ----------
    lr : float
        Learning rate, finite and > 0. A schedule may change ``self.lr``
        between steps.
    """

    name = "optimizer"

    def __init__(self, lr: float):
        _check_positive("learning rate", lr)
        self.lr = float(lr)
        self.t = 0
        """Steps taken so far."""
        self._work: Array | None = None

    def _scratch(self, params: Array) -> Array:
        """A buffer shaped like ``params`` for intermediate results.

        Steps write their intermediates here rather than into new arrays:
        on a large network each temporary is megabytes, allocated and
        filled at every step.
        """
        if self._work is None or self._work.shape != params.shape:
            self._work = np.empty_like(params)
        return self._work

    def step(self, params: Array, grad: Array) -> None:
        """Update ``params`` in place from ``grad``, the cost's gradient."""
        raise NotImplementedError

    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state: plain numbers and NumPy arrays (copies)."""
        state: dict[str, Any] = {"name": self.name, "lr": self.lr, "t": self.t}
        for key, value in self._buffers().items():
            state[key] = None if value is None else value.copy()
        return state

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what ``state_dict`` returned, from this kind of optimizer."""
        if state.get("name") != self.name:
            raise ConfigError(
                f"optimizer state is for {state.get('name')!r}, not "
                f"{self.name!r}; resume with the optimizer that saved it"
            )
        self.lr = float(state["lr"])
        self.t = int(state["t"])
        for key in self._buffers():
            value = state[key]
            setattr(self, key, None if value is None else np.array(value))

    def _buffers(self) -> dict[str, Array | None]:
        return {}


class GradientDescent(Optimizer):
    """Plain gradient descent: p <- p - lr g."""

    name = "sgd"

    def step(self, params: Array, grad: Array) -> None:
        self.t += 1
        params -= np.multiply(grad, self.lr, out=self._scratch(params))


class Momentum(Optimizer):
    """Gradient descent with momentum: v <- mu v - lr g; p <- p + v.

    Parameters
    ----------
    lr : float
    momentum : float, default 0.9
        mu, in [0, 1).
    """

    name = "momentum"

    def __init__(self, lr: float, momentum: float = 0.9):
        super().__init__(lr)
        _check_unit("momentum", momentum)
        self.momentum = float(momentum)
        self.velocity: Array | None = None

    def step(self, params: Array, grad: Array) -> None:
        self.t += 1
        if self.velocity is None:
            self.velocity = np.zeros_like(params)
        v = self.velocity
        v *= self.momentum
        v -= np.multiply(grad, self.lr, out=self._scratch(params))
        params += v

    def _buffers(self) -> dict[str, Array | None]:
        return {"velocity": self.velocity}


class Nesterov(Momentum):
    """Nesterov's accelerated gradient, in the form using g at p only.

    v <- mu v - lr g;  p <- p + mu v - lr g.
    """

    name = "nesterov"

    def step(self, params: Array, grad: Array) -> None:
        self.t += 1
        if self.velocity is None:
            self.velocity = np.zeros_like(params)
        v = self.velocity
        work = self._scratch(params)
        v *= self.momentum
        v -= np.multiply(grad, self.lr, out=work)
        params += np.multiply(v, self.momentum, out=work)
        params -= np.multiply(grad, self.lr, out=work)


class Adam(Optimizer):
    """Adam: steps scaled by running estimates of the gradient's moments.

    Parameters
    ----------
    lr : float
    beta1, beta2 : float, default 0.9, 0.999
        Decay rates of the running mean of g and of g squared, in [0, 1).
    eps : float, default 1e-8
        Added to the root of the second moment, so no step divides by 0.
    """

    name = "adam"

    def __init__(
        self,
        lr: float,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
    ):
        super().__init__(lr)
        _check_unit("beta1", beta1)
        _check_unit("beta2", beta2)
        _check_positive("eps", eps)
        self.beta1, self.beta2 = float(beta1), float(beta2)
        self.eps = float(eps)
        self.m: Array | None = None
        self.s: Array | None = None

    def step(self, params: Array, grad: Array) -> None:
        self.t += 1
        if self.m is None or self.s is None:
            self.m, self.s = np.zeros_like(params), np.zeros_like(params)
        m, s = self.m, self.s
        work = self._scratch(params)

        # Running moments of the gradient.
        m *= self.beta1
        m += np.multiply(grad, 1.0 - self.beta1, out=work)
        s *= self.beta2
        np.multiply(grad, grad, out=work)
        s += np.multiply(work, 1.0 - self.beta2, out=work)

        # Bias correction: both moments start at 0, so early on they
        # underestimate; m_hat = m / c1 and s_hat = s / c2, c = 1 - beta^t,
        # undo that exactly. The step lr m_hat / (sqrt(s_hat) + eps) is
        # rewritten as lr sqrt(c2) / c1 * m / (sqrt(s) + eps sqrt(c2)), so
        # that the corrections scale two numbers instead of two arrays.
        c1 = 1.0 - self.beta1**self.t
        c2 = 1.0 - self.beta2**self.t

        # Update, each intermediate written into the same scratch buffer.
        denominator = np.sqrt(s, out=work)
        denominator += self.eps * math.sqrt(c2)
        update = np.divide(m, denominator, out=work)
        update *= self.lr * math.sqrt(c2) / c1
        params -= update

    def _buffers(self) -> dict[str, Array | None]:
        return {"m": self.m, "s": self.s}


class AdamW(Adam):
    """Adam with decoupled weight decay: p <- p - lr wd p, then Adam.

    Parameters
    ----------
    lr, beta1, beta2, eps : see Adam
    weight_decay : float, default 0.01
        wd, >= 0.
    decay_mask : array or None
        1 where a parameter decays (weights), 0 where it does not (biases),
        laid out like the parameters; None decays every parameter.
    """

    name = "adamw"

    def __init__(
        self,
        lr: float,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
        weight_decay: float = 0.01,
        decay_mask: Array | None = None,
    ):
        super().__init__(lr, beta1, beta2, eps)
        if not (is_real(weight_decay) and weight_decay >= 0):
            raise ConfigError(
                f"weight_decay must be a finite number >= 0, got {weight_decay!r}"
            )
        self.weight_decay = float(weight_decay)
        self.decay_mask = decay_mask

    def step(self, params: Array, grad: Array) -> None:
        # Decay, from the weights before this step's Adam update.
        if self.weight_decay:
            shrink = self.lr * self.weight_decay
            decay = np.multiply(params, shrink, out=self._scratch(params))
            if self.decay_mask is not None:
                decay *= self.decay_mask
            params -= decay
        super().step(params, grad)


OPTIMIZERS = ("sgd", "momentum", "nesterov", "adam", "adamw")
"""Names accepted by ``make_optimizer``."""


def make_optimizer(
    name: str,
    lr: float,
    *,
    momentum: float = 0.9,
    weight_decay: float = 0.0,
    decay_mask: Array | None = None,
) -> Optimizer:
    """The optimizer called ``name`` (one of OPTIMIZERS), ready to step."""
    if name == "sgd":
        return GradientDescent(lr)
    if name == "momentum":
        return Momentum(lr, momentum)
    if name == "nesterov":
        return Nesterov(lr, momentum)
    if name == "adam":
        return Adam(lr)
    if name == "adamw":
        return AdamW(lr, weight_decay=weight_decay, decay_mask=decay_mask)
    raise ConfigError(
        f"unknown optimizer {name!r}; expected one of {', '.join(OPTIMIZERS)}"
    )


# ---------------------------------------------------------------------------
# Learning-rate schedules
# ---------------------------------------------------------------------------


class Schedule:
    """Base class: the learning rate for each epoch, from a base rate.

    ``lr_at(epoch)`` gives the rate for epoch ``epoch`` (counted from 0);
    ``update(value)`` is told a monitored cost after each epoch (only
    reduce-on-plateau uses it).
    """

    name = "schedule"

    def __init__(self, base_lr: float):
        _check_positive("learning rate", base_lr)
        self.base_lr = float(base_lr)

    def lr_at(self, epoch: int) -> float:
        raise NotImplementedError

    def update(self, value: float) -> None:
        """Take note of the epoch's monitored cost; most schedules ignore it."""

    def rebase(self, base_lr: float) -> None:
        """Go on from another base rate: every rate to come scales with it."""
        _check_positive("learning rate", base_lr)
        self.base_lr = float(base_lr)

    def state_dict(self) -> dict[str, Any]:
        return {"name": self.name, "base_lr": self.base_lr}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state.get("name") != self.name:
            raise ConfigError(
                f"schedule state is for {state.get('name')!r}, not "
                f"{self.name!r}; resume with the schedule that saved it"
            )
        self.base_lr = float(state["base_lr"])


class Constant(Schedule):
    """The same rate at every epoch."""

    name = "constant"

    def lr_at(self, epoch: int) -> float:
        return self.base_lr


class StepDecay(Schedule):
    """The rate times ``gamma`` every ``step_size`` epochs."""

    name = "step"

    def __init__(self, base_lr: float, step_size: int = 30, gamma: float = 0.1):
        super().__init__(base_lr)
        if not (is_whole(step_size) and step_size >= 1):
            raise ConfigError(
                f"step size must be a whole number >= 1, got {step_size!r}"
            )
        _check_positive("gamma", gamma)
        self.step_size, self.gamma = int(step_size), float(gamma)

    def lr_at(self, epoch: int) -> float:
        return self.base_lr * self.gamma ** (epoch // self.step_size)


class Cosine(Schedule):
    """Half a cosine from the base rate at epoch 0 down to ``min_lr``.

    lr(e) = min_lr + (base - min_lr) (1 + cos(pi e / epochs)) / 2, so the
    last epoch, e = epochs - 1, still has a small rate, and ``min_lr`` is
    reached just after it; epochs past the end stay at ``min_lr``.
    """

    name = "cosine"

    def __init__(self, base_lr: float, epochs: int, min_lr: float = 0.0):
        super().__init__(base_lr)
        if not (is_whole(epochs) and epochs >= 1):
            raise ConfigError(
                f"cosine schedule needs epochs >= 1, got {epochs!r}"
            )
        self.epochs, self.min_lr = int(epochs), float(min_lr)

    def lr_at(self, epoch: int) -> float:
        fraction = min(epoch, self.epochs) / self.epochs
        wave = 0.5 * (1.0 + math.cos(math.pi * fraction))
        return self.min_lr + (self.base_lr - self.min_lr) * wave


class ReduceOnPlateau(Schedule):
    """Multiply the rate by ``factor`` when a cost stops improving.

    When more than ``patience`` epochs in a row bring no new lowest value
    (lower than the best by more than ``threshold`` times the best), the
    rate is multiplied by ``factor``, never going below ``min_lr``, and
    the count starts again.
    """

    name = "plateau"

    def __init__(
        self,
        base_lr: float,
        factor: float = 0.5,
        patience: int = 10,
        min_lr: float = 0.0,
        threshold: float = 1e-4,
    ):
        super().__init__(base_lr)
        if not (is_real(factor) and 0 < factor < 1):
            raise ConfigError(
                f"plateau factor must lie strictly between 0 and 1, got {factor!r}"
            )
        if not (is_whole(patience) and patience >= 0):
            raise ConfigError(
                f"plateau patience must be a whole number >= 0, got {patience!r}"
            )
        self.factor, self.patience = float(factor), int(patience)
        self.min_lr, self.threshold = float(min_lr), float(threshold)
        self.lr = self.base_lr
        self.best = math.inf
        self.bad_epochs = 0

    def lr_at(self, epoch: int) -> float:
        return self.lr

    def update(self, value: float) -> None:
        margin = (
            0.0 if math.isinf(self.best) else self.threshold * abs(self.best)
        )
        if value < self.best - margin:
            self.best, self.bad_epochs = value, 0
            return
        self.bad_epochs += 1
        if self.bad_epochs > self.patience:
            self.lr = max(self.lr * self.factor, self.min_lr)
            self.bad_epochs = 0

    def rebase(self, base_lr: float) -> None:
        """The rate reached so far keeps its ratio to the base rate."""
        before = self.base_lr
        super().rebase(base_lr)
        self.lr = max(self.lr * (self.base_lr / before), self.min_lr)

    def state_dict(self) -> dict[str, Any]:
        return {
            **super().state_dict(),
            "lr": self.lr,
            "best": self.best,
            "bad_epochs": self.bad_epochs,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.lr = float(state["lr"])
        self.best = float(state["best"])
        self.bad_epochs = int(state["bad_epochs"])


SCHEDULES = ("constant", "step", "cosine", "plateau")
"""Names accepted by ``make_schedule``."""


def make_schedule(
    name: str,
    base_lr: float,
    epochs: int,
    *,
    step_size: int = 30,
    gamma: float = 0.1,
    factor: float = 0.5,
    patience: int = 10,
) -> Schedule:
    """The schedule called ``name`` (one of SCHEDULES) over ``epochs``."""
    if name == "constant":
        return Constant(base_lr)
    if name == "step":
        return StepDecay(base_lr, step_size, gamma)
    if name == "cosine":
        return Cosine(base_lr, epochs)
    if name == "plateau":
        return ReduceOnPlateau(base_lr, factor, patience)
    raise ConfigError(
        f"unknown schedule {name!r}; expected one of {', '.join(SCHEDULES)}"
    )


def _check_positive(name: str, value: float) -> None:
    if not (is_real(value) and value > 0):
        raise ConfigError(f"{name} must be a finite number > 0, got {value!r}")


def _check_unit(name: str, value: float) -> None:
    if not (is_real(value) and 0 <= value < 1):
        raise ConfigError(f"{name} must lie in [0, 1), got {value!r}")
