"""Training options: gradients of every activation and output, dropout,
early stopping, the divergence guard, and settings that are refused."""

from __future__ import annotations

import numpy as np
import pytest

from barenet.errors import ConfigError
from barenet.functions import ACTIVATIONS
from barenet.network import Network
from barenet.training import TrainConfig, train
from test_network import numerical_gradient, relative_error


@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_gradient_check_every_activation_and_output(activation, output, rng):
    net = Network(
        [6, 5, 4, 3],
        activation=activation,
        output=output,
        init="glorot",
        seed=2,
    )
    net.biases[0][...] = rng.normal(0, 0.5, 5)
    X = rng.normal(0, 1, (9, 6))
    Y = np.eye(3)[rng.integers(0, 3, 9)]
    cost, grad = net.cost_and_gradient(X, Y, l2=0.3)
    assert cost == pytest.approx(net.cost(X, Y, l2=0.3), rel=1e-14)
    error = relative_error(grad, numerical_gradient(net, X, Y, 0.3))
    assert error < 1e-7, f"relative error {error:.2e}"


def test_gradient_check_with_dropout(rng):
    # The same seed gives the same masks, so the thinned network's cost is
    # a fixed function of the parameters and central differences apply.
    net = Network([6, 5, 4, 3], activation="tanh", output="softmax", seed=3)
    X = rng.normal(0, 1, (8, 6))
    Y = np.eye(3)[rng.integers(0, 3, 8)]

    def cost_and_gradient():
        return net.cost_and_gradient(
            X, Y, 0.2, dropout=[0.5, 0.25], rng=np.random.default_rng(7)
        )

    class Thinned:
        params = net.params

        def cost(self, X, Y, l2):
            return cost_and_gradient()[0]

    cost, grad = cost_and_gradient()
    grad = grad.copy()
    assert cost != pytest.approx(net.cost(X, Y, 0.2))  # units were dropped
    error = relative_error(grad, numerical_gradient(Thinned(), X, Y, 0.2))
    assert error < 1e-7, f"relative error {error:.2e}"


def test_dropout_is_inverted_and_off_at_prediction(rng):
    net = Network([4, 2000, 2], activation="relu", init="he", seed=0)
    X = rng.normal(0, 1, (3, 4))
    before = net.predict_proba(X)
    net.cost_and_gradient(
        X, np.eye(2)[[0, 1, 0]], dropout=0.5, rng=np.random.default_rng(1)
    )
    mask, _ = net._workspace(3).dropout(0)
    # Kept units are scaled by 1 / keep = 2; about half are kept.
    assert set(np.unique(mask)) == {0.0, 2.0}
    assert mask.mean() == pytest.approx(1.0, abs=0.05)
    np.testing.assert_array_equal(net.predict_proba(X), before)


def test_softmax_network_with_logits_of_a_thousand_is_finite(rng):
    net = Network([2, 3], output="softmax", seed=0)
    net.weights[0][...] = [[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 0.0]]
    X = np.array([[1.0, 0.0], [0.0, 1.0]])
    Y = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    cost, grad = net.cost_and_gradient(X, Y, l2=0.1)
    # Sample 1: log-softmax of the target is -2000 (up to the bias terms
    # drawn at initialisation); the gradient is finite everywhere.
    assert np.isfinite(cost) and cost > 1000
    assert np.all(np.isfinite(grad))
    P = net.predict_proba(X)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=0, atol=1e-12)


def separable(rng, n=120):
    X = rng.normal(0, 1, (n, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    return X, y


def test_early_stopping_restores_the_best_epoch(rng):
    X, y = separable(rng)
    # A large network with a high rate overfits 72 rows: the validation
    # cost falls, then rises, and training stops after `patience` epochs.
    net = Network([4, 64, 2], activation="relu", output="softmax", seed=0)
    config = TrainConfig(
        epochs=300,
        lr=0.05,
        l2=0.0,
        optimizer="adam",
        validation=0.4,
        patience=5,
        batch_size=8,
    )
    snapshots = []
    history = train(
        net,
        X,
        y,
        config,
        callbacks=[lambda h: snapshots.append(net.params.copy())],
    )
    costs = history["validation_cost"]
    best = int(np.argmin(costs))
    assert history.best_epoch == best + 1
    assert len(history) == best + 1 + 5 < 300
    np.testing.assert_array_equal(net.params, snapshots[best])
    assert "early stopping" in (history.stop_reason or "")


def test_validation_figures_come_from_held_out_rows(rng):
    X, y = separable(rng, 100)
    history = train(
        Network([4, 3, 2], seed=0), X, y, TrainConfig(epochs=3, validation=0.2)
    )
    assert len(history["validation_accuracy"]) == 3
    # 20 held-out rows: every accuracy is a multiple of 1/20.
    acc = np.array(history["validation_accuracy"]) * 20
    np.testing.assert_allclose(acc, np.round(acc), atol=1e-12)


def test_divergence_stops_and_keeps_the_last_finite_weights(rng):
    X, y = separable(rng)
    net = Network([4, 8, 2], activation="relu", output="softmax", seed=0)
    kept = [net.params.copy()]
    history = train(
        net,
        X * 1e3,
        y,
        TrainConfig(epochs=50, lr=1e150, l2=0.0),
        callbacks=[lambda h: kept.append(net.params.copy())],
    )
    assert history.diverged
    assert np.all(np.isfinite(net.params))
    epoch = len(history) + 1
    assert history.stop_reason is not None
    assert history.stop_reason.startswith(
        f"training diverged in epoch {epoch}: "
    )
    assert "with learning rate 1e+150" in history.stop_reason
    np.testing.assert_array_equal(net.params, kept[-1])


def test_divergence_within_a_mini_batch_epoch_keeps_its_starting_weights(rng):
    X, y = separable(rng)
    net = Network([4, 8, 2], activation="relu", output="softmax", seed=0)
    start = net.params.copy()
    history = train(
        net, X * 1e3, y, TrainConfig(epochs=5, lr=1e300, batch_size=10)
    )
    # The first step already overflows; the weights are the epoch's first.
    assert history.diverged and len(history) == 0
    assert history.stop_reason is not None
    assert history.stop_reason.startswith("training diverged in epoch 1: ")
    np.testing.assert_array_equal(net.params, start)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"optimizer": "lbfgs"}, "unknown optimizer 'lbfgs'; expected one of"),
        ({"schedule": "cyclic"}, "unknown schedule 'cyclic'; expected one of"),
        ({"dropout": 1.0}, r"dropout must lie in \[0, 1\), got 1.0"),
        ({"patience": 3}, "early stopping .patience. watches a validation"),
        ({"validation": 1.5}, "validation must be a fraction in"),
    ],
)
def test_bad_options_are_named(settings, message, rng):
    X, y = separable(rng, 20)
    with pytest.raises(ConfigError, match=message):
        train(Network([4, 2]), X, y, TrainConfig(**settings))


def test_augmentation_needs_images(rng):
    X, y = rng.normal(0, 1, (10, 5)), rng.integers(0, 2, 10)
    with pytest.raises(
        ConfigError, match="rows of 5 features are not square images"
    ):
        train(Network([5, 2]), X, y, TrainConfig(epochs=1, augment=True))


def test_every_option_together_trains_and_is_seeded(semeion):
    rows = np.arange(0, 1593, 4)
    X, y = semeion.X[rows], semeion.y[rows]
    config = TrainConfig(
        epochs=4,
        lr=0.01,
        l2=0.0,
        batch_size=32,
        optimizer="adamw",
        weight_decay=0.01,
        schedule="cosine",
        dropout=0.2,
        augment=True,
        validation=0.1,
        patience=10,
    )
    nets = []
    for _ in range(2):
        net = Network(
            [256, 64, 10],
            activation="gelu",
            output="softmax",
            init="he",
            seed=0,
        )
        history = train(net, X, y, config)
        nets.append(net.params.copy())
    np.testing.assert_array_equal(nets[0], nets[1])
    assert history["lr"][0] == 0.01 and history["lr"][-1] < 0.01
    assert history["validation_accuracy"][-1] > 0.5
