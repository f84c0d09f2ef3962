"""Sample weights: rows that count w_i times in the cost and in training."""

from __future__ import annotations

import math

import numpy as np
import pytest

from barenet.errors import ConfigError
from barenet.evaluation import stratified_split
from barenet.network import Network
from barenet.training import TrainConfig, train


def numerical_gradient(net, X, Y, l2, w, h=1e-5):
    """Central differences of the weighted cost, one parameter at a time."""
    grad = np.empty_like(net.params)
    for i in range(net.params.size):
        saved = net.params[i]
        net.params[i] = saved + h
        up = net.cost(X, Y, l2, sample_weight=w)
        net.params[i] = saved - h
        down = net.cost(X, Y, l2, sample_weight=w)
        net.params[i] = saved
        grad[i] = (up - down) / (2 * h)
    return grad


@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
def test_weighted_gradient_matches_central_differences(output, rng):
    net = Network([6, 5, 4, 3], output=output, seed=2)
    X = rng.normal(0, 1, (9, 6))
    Y = np.eye(3)[rng.integers(0, 3, 9)]
    w = rng.uniform(0, 3, 9)
    w[4] = 0.0
    cost, grad = net.cost_and_gradient(X, Y, l2=0.3, sample_weight=w)
    assert cost == pytest.approx(net.cost(X, Y, 0.3, w), rel=1e-15)
    expected = numerical_gradient(net, X, Y, 0.3, w)
    error = np.linalg.norm(grad - expected) / np.linalg.norm(expected)
    assert error < 1e-7, f"relative error {error:.2e}"


def test_weighted_cost_worked_out_by_hand():
    # The 2-1-2 network of test_network's hand-worked cost: sample 1 costs
    # 2 ln(4/3), sample 2 costs 2 ln 4, and the one weight is ln 3.
    net = Network([2, 1, 2], seed=0)
    net.weights[0][...] = [[math.log(3)], [0.0]]
    net.biases[0][...] = [0.0]
    net.weights[1][...] = [[0.0, 0.0]]
    net.biases[1][...] = [math.log(3), -math.log(3)]
    X = np.eye(2)
    Y = np.eye(2)
    # Weights 3 and 1: s = 4, so J = (3 * 2 ln(4/3) + 2 ln 4) / 4 plus
    # lambda / (2s) (ln 3)^2 = (ln 3)^2 / 16 with lambda = 0.5.
    expected = (6 * math.log(4 / 3) + 2 * math.log(4)) / 4
    expected += math.log(3) ** 2 / 16
    cost = net.cost(X, Y, l2=0.5, sample_weight=[3, 1])
    assert cost == pytest.approx(expected, rel=1e-14)


def test_a_weight_of_two_is_the_row_twice_and_zero_removes_it(rng):
    net = Network([4, 3, 2], seed=1)
    X = rng.normal(0, 1, (5, 4))
    Y = np.eye(2)[[0, 1, 1, 0, 1]]
    w = np.array([2.0, 1.0, 0.0, 1.0, 1.0])
    cost, grad = net.cost_and_gradient(X, Y, 0.2, sample_weight=w)
    grad = grad.copy()
    rows = [0, 0, 1, 3, 4]
    cost_rows, grad_rows = net.cost_and_gradient(X[rows], Y[rows], 0.2)
    assert cost == pytest.approx(cost_rows, rel=1e-14)
    np.testing.assert_allclose(grad, grad_rows, rtol=1e-12, atol=1e-15)


def test_weights_of_one_change_nothing(rng):
    net = Network([4, 3, 2], seed=1)
    X = rng.normal(0, 1, (5, 4))
    Y = np.eye(2)[[0, 1, 1, 0, 1]]
    cost, grad = net.cost_and_gradient(X, Y, 0.2)
    grad = grad.copy()
    cost_w, grad_w = net.cost_and_gradient(X, Y, 0.2, sample_weight=[1] * 5)
    # Equal up to rounding: w / m times a number, against division by m.
    assert cost_w == pytest.approx(cost, rel=1e-15)
    np.testing.assert_allclose(grad_w, grad, rtol=1e-15, atol=1e-17)


def test_training_with_weights_equals_training_on_repeated_rows(rng):
    X = rng.normal(0, 1, (12, 4))
    y = rng.integers(0, 3, 12)
    counts = rng.integers(0, 4, 12)
    counts[0] = 1
    weighted, repeated = Network([4, 5, 3], seed=0), Network([4, 5, 3], seed=0)
    config = TrainConfig(epochs=30, lr=0.5, l2=0.1)
    h1 = train(weighted, X, y, config, sample_weight=counts)
    rows = np.repeat(np.arange(12), counts)
    h2 = train(repeated, X[rows], y[rows], config)
    np.testing.assert_allclose(h1["cost"], h2["cost"], rtol=1e-12)
    np.testing.assert_allclose(
        weighted.params, repeated.params, rtol=0, atol=1e-12
    )


def test_mini_batches_whose_weights_are_all_zero_are_skipped(rng):
    X = rng.normal(0, 1, (4, 3))
    y = np.array([0, 1, 0, 1])
    # Batches of one row: the two rows of weight 0 give no step at all, so
    # each epoch records the mean cost of two steps, and training equals
    # training on the two weighted rows alone with batches of one.
    w = np.array([1.0, 0.0, 0.0, 1.0])
    config = TrainConfig(epochs=3, batch_size=1, seed=7)
    net = Network([3, 2], seed=0)
    history = train(net, X, y, config, sample_weight=w)
    assert len(history) == 3
    shuffle = np.random.default_rng(7)
    order = [shuffle.permutation(4) for _ in range(3)]
    twin = Network([3, 2], seed=0)
    for epoch in order:
        for row in epoch:
            if w[row]:
                train(twin, X[[row]], y[[row]], TrainConfig(epochs=1))
    np.testing.assert_allclose(net.params, twin.params, rtol=0, atol=1e-15)


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ([1, 1], r"sample_weight has shape \(2,\), expected \(3,\)"),
        ([1, -2, 1], r"finite and >= 0, found -2\.0 at row 1"),
        ([1, np.nan, 1], r"finite and >= 0, found nan at row 1"),
        ([0, 0, 0], "sample_weight is zero for every sample"),
        (["a", 1, 1], "sample_weight must be numbers"),
    ],
)
def test_bad_sample_weights_are_named(weights, message, rng):
    net = Network([2, 2], seed=0)
    X = rng.normal(0, 1, (3, 2))
    with pytest.raises(ConfigError, match=message):
        net.cost(X, np.eye(2)[[0, 1, 0]], sample_weight=weights)
    with pytest.raises(ConfigError, match=message):
        train(net, X, [0, 1, 0], TrainConfig(epochs=1), sample_weight=weights)


def test_weights_left_only_in_the_validation_split_are_refused(rng):
    X = rng.normal(0, 1, (20, 2))
    y = np.arange(20) % 2
    config = TrainConfig(epochs=1, validation=0.5, seed=3)
    _, held = stratified_split(y, 0.5, 3)
    w = np.zeros(20)
    w[held] = 1.0  # every weighted row is held out for validation
    with pytest.raises(ConfigError, match="fell into the validation split"):
        train(Network([2, 2], seed=0), X, y, config, sample_weight=w)
    # And the other way round: nothing left to measure the network with.
    kept, _ = stratified_split(y, 0.5, 3)
    w = np.zeros(20)
    w[kept] = 1.0
    with pytest.raises(
        ConfigError, match=r"fell outside the validation split .* none is left"
    ):
        train(Network([2, 2], seed=0), X, y, config, sample_weight=w)


def test_validation_figures_count_each_held_out_row_by_its_weight(rng):
    X = rng.normal(0, 1, (60, 3))
    y = (X[:, 0] > 0).astype(int)
    w = rng.integers(0, 4, 60).astype(float)
    config = TrainConfig(epochs=4, lr=0.5, validation=0.25, seed=5)
    net = Network([3, 4, 2], seed=1)
    history = train(net, X, y, config, sample_weight=w)
    # The last epoch's figures, worked out again from the held-out rows.
    _, held = stratified_split(y, 0.25, 5)
    Xv, yv, wv = X[held], y[held], w[held]
    assert (wv == 0).any() and (wv > 1).any()
    right = net.predict(Xv) == yv
    assert history["validation_accuracy"][-1] == pytest.approx(
        sum(wv[right]) / sum(wv), rel=1e-15
    )
    assert history["validation_cost"][-1] == pytest.approx(
        net.cost(Xv, np.eye(2)[yv], 0.0, sample_weight=wv), rel=1e-14
    )
    # Held-out rows of weight 0 count for nothing: whatever they hold,
    # the figures and the training are the same.
    noisy = X.copy()
    noisy[w == 0] = rng.uniform(-50, 50, ((w == 0).sum(), 3))
    again = Network([3, 4, 2], seed=1)
    same = train(again, noisy, y, config, sample_weight=w)
    assert same.to_dict() == history.to_dict()
    np.testing.assert_array_equal(again.params, net.params)
