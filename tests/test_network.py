"""The network: a cost worked out by hand, gradient checks, an oracle."""

from __future__ import annotations

import math

import numpy as np
import pytest

from barenet import reference
from barenet.errors import ConfigError
from barenet.network import Network


def numerical_gradient(net, X, Y, l2, h=1e-5):
    """Central differences of the cost, one parameter at a time."""
    grad = np.empty_like(net.params)
    for i in range(net.params.size):
        saved = net.params[i]
        net.params[i] = saved + h
        up = net.cost(X, Y, l2)
        net.params[i] = saved - h
        down = net.cost(X, Y, l2)
        net.params[i] = saved
        grad[i] = (up - down) / (2 * h)
    return grad


def relative_error(a, b):
    return np.linalg.norm(a - b) / max(
        np.linalg.norm(a) + np.linalg.norm(b), 1e-300
    )


@pytest.mark.parametrize(
    "hidden", [[5], [6, 4], [5, 4, 3]], ids=["1 hidden", "2 hidden", "3 hidden"]
)
def test_gradient_matches_central_differences(hidden, rng):
    net = Network([7, *hidden, 3], seed=1)
    X = rng.normal(0, 1, (11, 7))
    Y = np.eye(3)[rng.integers(0, 3, 11)]
    cost, grad = net.cost_and_gradient(X, Y, l2=0.7)
    assert cost == pytest.approx(net.cost(X, Y, l2=0.7), rel=1e-15)
    error = relative_error(grad, numerical_gradient(net, X, Y, 0.7))
    assert error < 1e-7, f"relative error {error:.2e}"


def test_cost_of_a_two_sample_example_worked_out_by_hand():
    # Network 2-1-2. The hidden unit sees x1 with weight ln 3; the output
    # weights are 0 and the output biases +-ln 3, so for both samples the
    # outputs are sigmoid(ln 3) = 3/4 and sigmoid(-ln 3) = 1/4.
    net = Network([2, 1, 2], seed=0)
    net.weights[0][...] = [[math.log(3)], [0.0]]
    net.biases[0][...] = [0.0]
    net.weights[1][...] = [[0.0, 0.0]]
    net.biases[1][...] = [math.log(3), -math.log(3)]
    X = np.array([[1.0, 0.0], [0.0, 1.0]])
    Y = np.array([[1.0, 0.0], [0.0, 1.0]])
    # Sample 1 (target 1, 0): -ln(3/4) - ln(1 - 1/4) = 2 ln(4/3).
    # Sample 2 (target 0, 1): -ln(1 - 3/4) - ln(1/4) = 2 ln 4.
    # Mean over m = 2: ln(4/3) + ln 4 = ln(16/3).
    assert net.cost(X, Y) == pytest.approx(math.log(16 / 3), rel=1e-14)
    # L2 with lambda = 0.5: lambda/(2m) * (ln 3)^2 = (ln 3)^2 / 8; the
    # biases (+-ln 3) are not penalised.
    expected = math.log(16 / 3) + math.log(3) ** 2 / 8
    assert net.cost(X, Y, l2=0.5) == pytest.approx(expected, rel=1e-14)


def test_gradient_equals_the_per_sample_reference(rng, semeion):
    net = Network([256, 30, 20, 10], seed=3)
    rows = rng.choice(len(semeion.y), 60, replace=False)
    X, Y = semeion.X[rows], semeion.Y[rows]
    cost, grad = net.cost_and_gradient(X, Y, l2=0.1)
    thetas = reference.thetas_from(net)
    assert cost == pytest.approx(reference.cost(X, Y, 0.1, thetas), rel=1e-12)
    twin = net.copy()
    reference.load_thetas(twin, reference.grads(X, Y, 0.1, thetas))
    np.testing.assert_allclose(grad, twin.params, rtol=1e-10, atol=1e-14)


def test_huge_inputs_give_finite_cost_and_gradient(rng):
    net = Network([4, 3, 2], seed=0)
    X = np.array([[1e4, -1e4, 1e4, -1e4], [-1e4, 1e4, 0.0, 1e4]])
    Y = np.eye(2)
    cost, grad = net.cost_and_gradient(X, Y, l2=0.1)
    assert np.isfinite(cost) and np.all(np.isfinite(grad))
    assert np.all(np.isfinite(net.predict_proba(X)))


def test_parameters_are_views_into_one_flat_vector():
    net = Network([3, 2, 2], seed=0)
    assert net.params.size == 3 * 2 + 2 + 2 * 2 + 2
    net.params[...] = np.arange(net.params.size)
    np.testing.assert_array_equal(net.weights[0], [[0, 1], [2, 3], [4, 5]])
    np.testing.assert_array_equal(net.biases[0], [6, 7])
    np.testing.assert_array_equal(net.weights[1], [[8, 9], [10, 11]])
    np.testing.assert_array_equal(net.biases[1], [12, 13])


def test_seeded_initialisation_is_uniform_in_minus_one_one_and_repeatable():
    a, b = (
        Network([256, 30, 20, 10], seed=7),
        Network([256, 30, 20, 10], seed=7),
    )
    np.testing.assert_array_equal(a.params, b.params)
    assert a.params.min() >= -1 and a.params.max() <= 1
    assert abs(a.params.mean()) < 0.05 and a.params.std() == pytest.approx(
        1 / 3**0.5, rel=0.05
    )
    assert not np.array_equal(
        a.params, Network([256, 30, 20, 10], seed=8).params
    )


def test_one_sample_as_a_1d_array_gives_one_prediction():
    net = Network([4, 3, 2], seed=0)
    x = np.array([0.1, 0.2, 0.3, 0.4])
    assert net.predict_proba(x).shape == (1, 2)
    assert net.predict(x).shape == (1,)
    np.testing.assert_array_equal(
        net.predict_proba(x), net.predict_proba(x[None, :])
    )


def test_wrong_inputs_are_named_with_the_fix():
    net = Network([4, 3, 2], seed=0)
    with pytest.raises(
        ConfigError,
        match=r"X has shape \(5, 3\) \(3 features, one sample per row\), but "
        r"this network takes 4 features",
    ):
        net.predict(np.zeros((5, 3)))
    with pytest.raises(ConfigError, match="X contains nan or inf"):
        net.predict(np.array([[0, np.nan, 0, 0]]))
    with pytest.raises(
        ConfigError, match=r"Y has shape \(2, 3\), expected \(2, 2\)"
    ):
        net.cost(np.zeros((2, 4)), np.zeros((2, 3)))
    with pytest.raises(
        ConfigError, match="l2 must be a finite number >= 0, got -1"
    ):
        net.cost(np.zeros((2, 4)), np.zeros((2, 2)), l2=-1)
    with pytest.raises(
        ConfigError, match="sizes must be at least two positive whole numbers"
    ):
        Network([4])
    with pytest.raises(
        ConfigError, match="got 1 activations for 2 hidden layers"
    ):
        Network([4, 3, 3, 2], activation=["tanh"])
    with pytest.raises(
        ConfigError, match="dtype must be one of float64, float32"
    ):
        Network([4, 2], dtype="int32")


def test_a_pickled_network_keeps_its_layers_as_views(rng):
    import pickle

    net = Network([4, 3, 2], activation="tanh", output="softmax", seed=0)
    net.info = {"data": "test"}
    same = pickle.loads(pickle.dumps(net))
    X = rng.normal(0, 1, (3, 4))
    np.testing.assert_array_equal(same.predict_proba(X), net.predict_proba(X))
    assert same.info == {"data": "test"} and repr(same) == repr(net)
    # Writing the flat vector must still move every layer's weights.
    same.params[...] = 0.0
    assert not same.weights[0].any() and not same.biases[1].any()


def test_settings_of_the_wrong_kind_are_named():
    with pytest.raises(
        ConfigError, match=r"seed must be a whole number >= 0, or None .*got -1"
    ):
        Network([4, 2], seed=-1)
    with pytest.raises(ConfigError, match=r"seed must be .* got 1.5"):
        Network([4, 2], seed=1.5)
    with pytest.raises(
        ConfigError,
        match=r"sizes must be at least two positive whole numbers .*True",
    ):
        Network([4, True])
    with pytest.raises(ConfigError, match=r"sizes must be .*1e\+300"):
        Network([4, 1e300])
    with pytest.raises(
        ConfigError, match="activation must be a name or a list of names, got 5"
    ):
        Network([4, 3, 2], activation=5)
    with pytest.raises(
        ConfigError,
        match="activation must be a name or a list of names, got None",
    ):
        Network([4, 3, 2], activation=None)
    with pytest.raises(ConfigError, match=r"unknown output \[\]"):
        Network([4, 2], output=[])
    with pytest.raises(
        ConfigError, match=r"l2 must be a finite number >= 0, got 'a'"
    ):
        Network([4, 2]).cost(np.zeros((1, 4)), np.zeros((1, 2)), l2="a")
    # NumPy's integers are whole numbers too.
    assert Network([np.int64(4), np.int32(2)], seed=np.int64(3)).sizes == (4, 2)


def test_inputs_that_are_not_real_numbers_are_refused():
    net = Network([2, 2], seed=0)
    with pytest.raises(
        ConfigError,
        match=r"X must hold real numbers, .* got an array of complex128 values",
    ):
        net.predict(np.array([[1 + 2j, 0]]))
    with pytest.raises(
        ConfigError,
        match=r"X must hold real numbers, .* got an array of <U1 values",
    ):
        net.predict([["a", "b"]])
    with pytest.raises(
        ConfigError,
        match=r"X must hold real numbers, .* got an array of object values",
    ):
        net.predict([[10**400, 0]])
    assert net.predict(np.array([[True, False]])).shape == (1,)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"conv": (8, 3)}, r"conv must be a sequence of \(filters, kernel\)"),
        ({"conv": (("a", 3),)}, r"pairs of whole numbers >= 1.*\('a', 3\)"),
        ({"conv": ((8, 3, 1),)}, r"got \(\(8, 3, 1\),\)"),
        ({"conv": ((2.9, 3),)}, r"got \(\(2\.9, 3\),\)"),
        ({"image_shape": (1,)}, r"image_shape must be \(height, width\)"),
        ({"image_shape": (-8, -8)}, r"two whole numbers >= 1.*\(-8, -8\)"),
        ({"image_shape": "88"}, "or None for square images; got '88'"),
        ({"image_shape": (2.5, 8)}, r"got \(2\.5, 8\)"),
        ({"activation": b"relu"}, "activation must be a name or a list"),
    ],
)
def test_layer_settings_of_the_wrong_shape_are_named(options, message):
    with pytest.raises(ConfigError, match=message):
        Network([64, 5, 2], **options)


def test_one_dropout_rate_may_be_a_numpy_number():
    net = Network([4, 3, 3, 2])
    assert net.check_dropout(np.float32(0.25)) == [0.25, 0.25]
    with pytest.raises(
        ConfigError, match=r"dropout must be a rate in \[0, 1\)"
    ):
        net.check_dropout("0.2")


def test_sample_weights_must_be_real_and_sum_to_a_number():
    X, Y = np.zeros((2, 4)), np.eye(2)
    net = Network([4, 2], seed=0)
    with pytest.raises(
        ConfigError,
        match="sample_weight must be numbers, one per sample; got an array "
        "of complex128 values",
    ):
        net.cost(X, Y, sample_weight=np.ones(2) + 1j)
    with pytest.raises(ConfigError, match="sample_weight sums to more than"):
        net.cost(X, Y, sample_weight=[1e308, 1e308])


def _largest_z(net, X):
    """The largest |Z| of any layer on the rows of X, by a forward pass."""
    largest, A = 0.0, X
    for layer in net.layers:
        Z, A = layer.forward(A)
        largest = max(largest, float(np.max(np.abs(Z))))
    return largest


@pytest.mark.parametrize(
    "activation", ["sigmoid", "tanh", "relu", "leaky_relu", "gelu"]
)
def test_the_logits_bound_holds_and_is_not_loose_beyond_reason(activation, rng):
    net = Network([6, 5, 4, 3], activation=activation, seed=2)
    X = rng.normal(0, 3, (200, 6))
    bound = net.logits_bound(X)
    assert _largest_z(net, X) <= bound < 1e4


def test_the_logits_bound_by_hand():
    # One sigmoid unit, then one output: |z1| <= 2 * (1 + 3) + 0.5 = 8.5,
    # its output is at most 1, so |z2| <= 1 * 4 + 1 = 5.
    net = Network([2, 1, 1], seed=0)
    net.layers[0].W[...] = [[1.0], [-3.0]]
    net.layers[0].b[...] = [0.5]
    net.layers[1].W[...] = [[-4.0]]
    net.layers[1].b[...] = [1.0]
    X = np.array([[2.0, -2.0], [0.0, 1.0]])
    assert net.logits_bound(X) == 8.5
    assert _largest_z(net, X) == 8.5  # the first row reaches it


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_a_sigmoid_layer_of_small_inputs_still_bounds_what_follows(dtype):
    # Every unit of the first layer has z = 0, so gives sigmoid(0) = 1/2,
    # more than |z|. Its outputs are bounded by 1, so the next layer's
    # |Z| by 3 * 1e30 (really 1.5e30) and the last's by 3e30 * 3 * 1e30
    # = 9e60 (really 4.5e60): beyond float32, whose outputs overflow.
    net = Network([4, 3, 3, 2], activation=["sigmoid", "relu"], dtype=dtype)
    first, second, last = net.layers
    first.W[...], first.b[...] = 0.0, 0.0
    second.W[...], second.b[...] = 1e30, 0.0
    last.W[...], last.b[...] = 1e30, 0.0
    X = np.ones((5, 4), dtype)
    assert net.logits_bound(X) == pytest.approx(9e60, rel=1e-6)
    if dtype == "float64":
        assert _largest_z(net, X) == pytest.approx(4.5e60)


def test_no_rows_have_no_outputs_to_bound():
    assert Network([3, 2, 2], seed=0).logits_bound(np.zeros((0, 3))) == 0.0


def test_the_logits_bound_is_inf_when_it_overflows():
    net = Network([2, 3, 2], activation="relu", seed=0)
    net.layers[0].W[...] = 1e200
    assert net.logits_bound(np.full((1, 2), 1e200)) == math.inf
    conv = Network([16, 3], conv=[(2, 3)], seed=0)
    assert conv.logits_bound(np.zeros((1, 16))) == math.inf


def test_both_forms_of_the_weight_gradient_agree(rng):
    # Narrow layers on one thread take dW as (delta.T @ A).T, on two
    # threads as A.T @ delta; wide layers always the latter.
    from barenet.network import gradient_transposed
    from barenet.threads import limit_threads

    net = Network([40, 30, 33, 4], seed=3)
    X = rng.normal(0, 1, (300, 40))
    Y = np.eye(4)[rng.integers(0, 4, 300)]
    grads = {}
    for threads in (1, 2):
        with limit_threads(threads):
            assert gradient_transposed(30) == (threads == 1)
            assert not gradient_transposed(33)
            grads[threads] = net.cost_and_gradient(X, Y, 0.1)[1].copy()
    np.testing.assert_allclose(grads[2], grads[1], rtol=1e-12, atol=1e-15)
