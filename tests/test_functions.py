"""Activations and output costs: values, derivatives and stability."""

from __future__ import annotations

import math

import numpy as np
import pytest

from barenet import functions as F
from barenet.errors import ConfigError


def test_sigmoid_matches_the_textbook_formula(rng):
    z = rng.uniform(-30, 30, 1000)
    np.testing.assert_allclose(F.sigmoid(z), 1 / (1 + np.exp(-z)), rtol=1e-15)


def test_softplus_matches_logaddexp(rng):
    z = np.r_[rng.normal(0, 20, 1000), -1e300, 1e300, 0.0]
    np.testing.assert_allclose(F.softplus(z), np.logaddexp(0, z), rtol=1e-15)


def test_sigmoid_is_accurate_far_into_the_tails():
    # In float64 sigmoid(-700) = e^-700 / (1 + e^-700), about 9.86e-305.
    assert F.sigmoid(np.array([-700.0]))[0] == pytest.approx(
        math.exp(-700), rel=1e-14
    )
    # Beyond -745 the true value is below the smallest float64: 0.
    assert F.sigmoid(np.array([-746.0, -1e300, 1e300])).tolist() == [
        0.0,
        0.0,
        1.0,
    ]
    assert F.sigmoid(np.array([-104.0], np.float32)).tolist() == [0.0]


def test_sigmoid_known_values():
    z = np.array([0.0, math.log(3), -math.log(3)])
    np.testing.assert_allclose(F.sigmoid(z), [0.5, 0.75, 0.25], rtol=1e-15)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(F.ACTIVATIONS))
def test_activations_are_finite_without_warnings_on_huge_inputs(name, dtype):
    # pytest turns any warning (overflow included) into an error here.
    act = F.get_activation(name)
    z = np.array([-1e30, -1e4, -1.0, 0.0, 1.0, 1e4, 1e30], dtype=dtype)
    a = act.function(z)
    d = act.derivative(z, a)
    assert a.dtype == dtype and d.dtype == dtype
    assert np.all(np.isfinite(a)) and np.all(np.isfinite(d))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", sorted(F.ACTIVATIONS))
def test_derivatives_write_into_out_even_over_z(name, dtype, rng):
    # Back-propagation writes g'(Z) over Z's own buffer.
    act = F.get_activation(name)
    z = rng.uniform(-4, 4, (50, 3)).astype(dtype)
    z[0] = 0.0
    a = act.function(z)
    expected = act.derivative(z, a)
    out = np.full_like(z, np.nan)
    assert act.derivative(z, a, out=out) is out
    np.testing.assert_array_equal(out, expected)
    assert act.derivative(z, a, out=z) is z
    np.testing.assert_array_equal(z, expected)


@pytest.mark.parametrize("name", sorted(F.ACTIVATIONS))
def test_activation_derivatives_match_central_differences(name, rng):
    act = F.get_activation(name)
    z = rng.uniform(-4, 4, 200)
    z = z[np.abs(z) > 1e-3]  # keep away from the ReLU kinks at 0
    h = 1e-6
    numeric = (act.function(z + h) - act.function(z - h)) / (2 * h)
    np.testing.assert_allclose(
        act.derivative(z, act.function(z)), numeric, atol=1e-8
    )


def test_known_activation_values():
    z = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_array_equal(F.relu(z), [0.0, 0.0, 3.0])
    np.testing.assert_allclose(F.leaky_relu(z), [-0.02, 0.0, 3.0])
    np.testing.assert_allclose(F.tanh(z), np.tanh(z))
    # gelu(z) = z/2 (1 + tanh(sqrt(2/pi) (z + 0.044715 z^3))), by hand at 1:
    inner = math.sqrt(2 / math.pi) * (1 + 0.044715)
    assert F.gelu(np.array([1.0]))[0] == pytest.approx(
        0.5 * (1 + math.tanh(inner))
    )


def test_sigmoid_cross_entropy_equals_the_formula_on_probabilities(rng):
    Z = rng.normal(0, 3, (5, 4))
    Y = np.eye(4)[rng.integers(0, 4, 5)]
    P = 1 / (1 + np.exp(-Z))
    direct = -np.sum(Y * np.log(P) + (1 - Y) * np.log(1 - P), axis=1)
    np.testing.assert_allclose(
        F.sigmoid_cross_entropy(Z, Y), direct, rtol=1e-12
    )


def test_saturated_outputs_give_a_finite_cost():
    # sigmoid(800) is exactly 1 in float64, so log(1 - P) is -inf; computed
    # from the logits the cost stays finite and exact: softplus(800) = 800.
    Z = np.array([[800.0, -800.0]])
    Y = np.array([[0.0, 1.0]])
    assert F.sigmoid(Z)[0, 0] == 1.0
    assert F.sigmoid_cross_entropy(Z, Y)[0] == pytest.approx(1600.0)


def test_softmax_rows_sum_to_one_and_survive_huge_logits(rng):
    Z = np.vstack([rng.normal(0, 5, (20, 10)), [[1000.0] + [-1000.0] * 9]])
    P = F.softmax(Z)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, atol=1e-12)
    Y = np.eye(10)[np.r_[rng.integers(0, 10, 20), 1]]
    cost = F.softmax_cross_entropy(Z, Y)
    assert np.all(np.isfinite(cost))
    assert cost[-1] == pytest.approx(2000.0)  # -log softmax = 1000 - (-1000)


def test_unknown_names_list_the_known_ones():
    with pytest.raises(
        ConfigError,
        match=r"unknown activation 'swish'; expected one of sigmoid, tanh",
    ):
        F.get_activation("swish")
    with pytest.raises(
        ConfigError,
        match=r"unknown output 'linear'; expected one of sigmoid, softmax",
    ):
        F.get_output("linear")
