"""Optimizers and schedules: first steps against values worked by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from barenet.errors import ConfigError
from barenet.optim import (
    Adam,
    AdamW,
    Cosine,
    GradientDescent,
    Momentum,
    Nesterov,
    ReduceOnPlateau,
    StepDecay,
    make_optimizer,
)

# Two steps from p0 with gradients g1 then g2 (the gradients are given,
# not computed, so every expected value below is plain arithmetic).
P0 = [1.0, -2.0]
G1 = np.array([1.0, -2.0])
G2 = np.array([0.5, 0.5])


def two_steps(optimizer):
    p = np.array(P0)
    optimizer.step(p, G1)
    first = p.copy()
    optimizer.step(p, G2)
    return first, p


def test_gradient_descent():
    first, second = two_steps(GradientDescent(0.1))
    # p - 0.1 g, twice.
    np.testing.assert_allclose(first, [0.9, -1.8], rtol=0, atol=1e-15)
    np.testing.assert_allclose(second, [0.85, -1.85], rtol=0, atol=1e-15)


def test_momentum():
    first, second = two_steps(Momentum(0.1, momentum=0.9))
    # v1 = -0.1 g1 = (-0.1, 0.2); p1 = p0 + v1.
    np.testing.assert_allclose(first, [0.9, -1.8], rtol=0, atol=1e-15)
    # v2 = 0.9 v1 - 0.1 g2 = (-0.14, 0.13); p2 = p1 + v2.
    np.testing.assert_allclose(second, [0.76, -1.67], rtol=0, atol=1e-15)


def test_nesterov():
    first, second = two_steps(Nesterov(0.1, momentum=0.9))
    # v1 = (-0.1, 0.2); p1 = p0 + 0.9 v1 - 0.1 g1 = (0.81, -1.62).
    np.testing.assert_allclose(first, [0.81, -1.62], rtol=0, atol=1e-15)
    # v2 = (-0.14, 0.13); p2 = p1 + 0.9 v2 - 0.1 g2 = (0.634, -1.553).
    np.testing.assert_allclose(second, [0.634, -1.553], rtol=0, atol=1e-15)


def test_adam():
    first, second = two_steps(Adam(0.1))
    # Step 1: m_hat = g1 and s_hat = g1^2, so the step is lr * sign(g1)
    # (up to eps = 1e-8 beside |g| = 1 and 2).
    np.testing.assert_allclose(first, [0.9, -1.9], rtol=0, atol=1e-8)
    # Step 2: m = 0.9 (0.1, -0.2) + 0.1 (0.5, 0.5) = (0.14, -0.13);
    # s = 0.999 (0.001, 0.004) + 0.001 (0.25, 0.25) = (0.001249, 0.004246);
    # bias corrections 1 - 0.9^2 = 0.19 and 1 - 0.999^2 = 0.001999.
    expected = [
        0.9 - 0.1 * (0.14 / 0.19) / math.sqrt(0.001249 / 0.001999),
        -1.9 - 0.1 * (-0.13 / 0.19) / math.sqrt(0.004246 / 0.001999),
    ]
    np.testing.assert_allclose(second, expected, rtol=0, atol=1e-8)


def plain_adam(p, grads, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    """Adam exactly as written in the optim module's docstring."""
    m, s = np.zeros_like(p), np.zeros_like(p)
    for t, g in enumerate(grads, start=1):
        m = beta1 * m + (1 - beta1) * g
        s = beta2 * s + (1 - beta2) * g**2
        m_hat, s_hat = m / (1 - beta1**t), s / (1 - beta2**t)
        p = p - lr * m_hat / (np.sqrt(s_hat) + eps)
    return p


def test_adam_in_place_equals_the_textbook_formula(rng):
    # Gradients over five orders of magnitude, some near eps, for 50 steps.
    p0 = rng.normal(0, 1, 200)
    grads = [rng.normal(0, 1, 200) * 10.0 ** rng.uniform(-9, 2, 200)]
    grads += [rng.normal(0, 1, 200) for _ in range(49)]
    p = p0.copy()
    optimizer = Adam(0.01)
    for g in grads:
        optimizer.step(p, g)
    np.testing.assert_allclose(
        p, plain_adam(p0, grads, 0.01), rtol=1e-12, atol=1e-15
    )


def test_steps_leave_the_gradient_untouched(rng):
    for name in ["sgd", "momentum", "nesterov", "adam", "adamw"]:
        p, g = rng.normal(0, 1, 10), rng.normal(0, 1, 10)
        kept = g.copy()
        make_optimizer(name, 0.1, weight_decay=0.1).step(p, g)
        np.testing.assert_array_equal(g, kept)


def test_adamw_decays_weights_only():
    optimizer = AdamW(0.1, weight_decay=0.5, decay_mask=np.array([1.0, 0.0]))
    first, _ = two_steps(optimizer)
    # Decay: p0 * (1 - 0.1 * 0.5) on the weight only = (0.95, -2); then
    # Adam's first step, 0.1 * sign(g1).
    np.testing.assert_allclose(first, [0.85, -1.9], rtol=0, atol=1e-8)


@pytest.mark.parametrize(
    "name", ["sgd", "momentum", "nesterov", "adam", "adamw"]
)
def test_state_dict_resumes_exactly(name):
    a = make_optimizer(name, 0.05, weight_decay=0.1)
    p = np.array(P0)
    a.step(p, G1)
    state = a.state_dict()
    b = make_optimizer(name, 0.05, weight_decay=0.1)
    b.load_state_dict(state)
    q = p.copy()
    a.step(p, G2)
    b.step(q, G2)
    np.testing.assert_array_equal(p, q)
    assert state["t"] == 1 and state["name"] == name
    values = [v for v in state.values() if isinstance(v, np.ndarray)]
    assert all(v.dtype == np.float64 for v in values)


def test_loading_another_optimizers_state_is_refused():
    with pytest.raises(
        ConfigError, match="optimizer state is for 'adam', not 'momentum'"
    ):
        Momentum(0.1).load_state_dict(Adam(0.1).state_dict())


def test_schedules():
    step = StepDecay(1.0, step_size=2, gamma=0.1)
    assert [step.lr_at(e) for e in range(5)] == pytest.approx(
        [1, 1, 0.1, 0.1, 0.01]
    )
    cosine = Cosine(1.0, epochs=4)
    # (1 + cos(pi e / 4)) / 2 for e = 0..4.
    assert [cosine.lr_at(e) for e in range(5)] == pytest.approx(
        [1, (1 + math.sqrt(0.5)) / 2, 0.5, (1 - math.sqrt(0.5)) / 2, 0],
        abs=1e-15,
    )
    plateau = ReduceOnPlateau(1.0, factor=0.5, patience=2)
    rates = []
    for value in [3, 2, 2, 2, 2, 2, 2, 1]:
        plateau.update(value)
        rates.append(plateau.lr_at(0))
    # 3 and 2 improve; the third epoch in a row without a new best halves
    # the rate and starts counting again.
    assert rates == [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5]
    resumed = ReduceOnPlateau(1.0, factor=0.5, patience=2)
    resumed.load_state_dict(plateau.state_dict())
    assert resumed.lr_at(0) == 0.5 and resumed.best == 1


def test_bad_settings_are_named():
    with pytest.raises(
        ConfigError, match="learning rate must be a finite number > 0, got 0"
    ):
        Adam(0)
    with pytest.raises(ConfigError, match=r"momentum must lie in \[0, 1\)"):
        Momentum(0.1, momentum=1.5)
    with pytest.raises(ConfigError, match="unknown optimizer 'rmsprop'"):
        make_optimizer("rmsprop", 0.1)


def test_numpy_numbers_are_numbers():
    # A grid search hands out NumPy scalars; they are settings like any.
    momentum = make_optimizer(
        "momentum", np.float32(0.5), momentum=np.float32(0.5)
    )
    assert momentum.lr == 0.5 and momentum.momentum == 0.5
    step = StepDecay(np.float64(1.0), step_size=np.int64(2))
    assert [step.lr_at(e) for e in range(3)] == pytest.approx([1, 1, 0.1])
    assert Cosine(1.0, epochs=np.int64(4)).lr_at(2) == pytest.approx(0.5)
    assert AdamW(0.1, weight_decay=np.float32(0.5)).weight_decay == 0.5
    with pytest.raises(
        ConfigError, match=r"step size must be a whole number >= 1, got 2\.0"
    ):
        StepDecay(1.0, step_size=2.0)
    with pytest.raises(
        ConfigError, match="plateau patience must be a whole number >= 0"
    ):
        ReduceOnPlateau(1.0, patience=-1)
