"""Training options: gradients of every activation and output, dropout,
early stopping, the divergence guard, and settings that are refused."""

from __future__ import annotations

import dataclasses

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


OVERFITTING = TrainConfig(
    epochs=300,
    lr=0.05,
    l2=0.0,
    optimizer="adam",
    validation=0.4,
    patience=5,
    batch_size=8,
)
"""A high rate on a large network: 72 rows are overfitted, so the
validation cost falls, then rises, and patience stops the run."""


def separable(rng, n=120):
    X = rng.normal(0, 1, (n, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    return X, y


def test_early_stopping_restores_the_best_epoch(rng):
    X, y = separable(rng)
    # A large network with a high rate overfits 72 rows: the validation
    # cost falls, then rises, and training stops after `patience` epochs.
    net = Network([4, 64, 2], activation="relu", output="softmax", seed=0)
    config = OVERFITTING
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


def test_a_run_resumed_without_patience_keeps_its_own_weights(rng):
    X, y = separable(rng)
    net = Network([4, 64, 2], activation="relu", output="softmax", seed=0)
    config = OVERFITTING
    stopped = train(net, X, y, config)
    assert stopped.best_epoch is not None
    assert stopped.best_epoch < len(stopped)
    kept = net.params.copy()
    # The same run goes on for two epochs without early stopping: the
    # weights are those of its last epoch, not the earlier best's.
    more = dataclasses.replace(config, epochs=len(stopped) + 2, patience=None)
    snapshots = []
    history = train(
        net,
        X,
        1 - y,
        more,
        resume=stopped.state,
        callbacks=[lambda h: snapshots.append(net.params.copy())],
    )
    assert len(history) == 2 and history.best_epoch is None
    assert not np.array_equal(net.params, kept)
    np.testing.assert_array_equal(net.params, snapshots[-1])
    assert history.state is not None and history.state.best is None


def test_validation_figures_come_from_held_out_rows(rng):
    X, y = separable(rng, 100)
    history = train(
        Network([4, 3, 2], seed=0), X, y, TrainConfig(epochs=3, validation=0.2)
    )
    assert len(history["validation_accuracy"]) == 3
    # 20 held-out rows: every accuracy is a multiple of 1/20.
    acc = np.array(history["validation_accuracy"]) * 20
    np.testing.assert_allclose(acc, np.round(acc), atol=1e-12)


def test_divergence_keeps_the_last_weights_whose_cost_was_finite(rng):
    X, y = separable(rng)
    X = X * 1e3
    net = Network([4, 8, 2], activation="relu", output="softmax", seed=0)
    kept = [net.params.copy()]  # the weights at the end of each epoch
    history = train(
        net,
        X,
        y,
        TrainConfig(epochs=50, lr=1e50, l2=0.0),
        callbacks=[lambda h: kept.append(net.params.copy())],
    )
    epoch = len(history) + 1
    assert epoch >= 4, "two epochs before the last finished one"
    assert history.diverged and history.stop_reason is not None
    assert history.stop_reason.startswith(
        f"training diverged in epoch {epoch}: the cost became nan or inf "
        "with learning rate 1e+50; kept the weights from the end of epoch "
        f"{epoch - 2}, the last whose cost was finite"
    )
    # The last finished epoch's weights are finite, but the diverged epoch
    # measured their cost before its step: nan. The weights put back are
    # one epoch older, whose cost the last finished epoch recorded.
    Y = np.eye(2)[y]
    assert np.isfinite(kept[-1]).all()
    last = net.copy()
    last.params[...] = kept[-1]
    with np.errstate(over="ignore", invalid="ignore"):
        assert not np.isfinite(last.cost(X, Y))
    assert (history.kept_epoch, history.diverged_epoch) == (epoch - 2, epoch)
    np.testing.assert_array_equal(net.params, kept[epoch - 2])
    assert net.cost(X, Y) == pytest.approx(history["cost"][-1], rel=1e-12)
    assert np.isfinite(net.predict_proba(X)).all()


def test_divergence_in_the_first_epoch_leaves_a_consistent_history(rng):
    X, y = separable(rng)
    net = Network([4, 8, 2], dtype="float32", seed=0)
    start = net.params.copy()
    config = TrainConfig(epochs=5, lr=1e300, schedule="step", validation=0.25)
    history = train(net, X, y, config, X_test=X[:10], y_test=y[:10])
    # The first step's cost was finite, its update overflowed float32: the
    # run ends with no epoch recorded and the starting weights.
    assert history.diverged and len(history) == 0
    assert history.kept_epoch == 0
    assert history.values == {
        name: []
        for name in (
            "cost",
            "lr",
            "test_accuracy",
            "test_exact",
            "validation_cost",
            "validation_accuracy",
        )
    }
    assert history.last() == {}
    assert "kept the weights the run started from" in (
        history.stop_reason or ""
    )
    np.testing.assert_array_equal(net.params, start)


def test_divergence_within_a_mini_batch_epoch_keeps_its_starting_weights(rng):
    X, y = separable(rng)
    net = Network([4, 8, 2], activation="relu", output="softmax", seed=0)
    start = net.params.copy()
    history = train(
        net, X * 1e3, y, TrainConfig(epochs=5, lr=1e300, batch_size=10)
    )
    # The first step already overflows; the weights are the epoch's first.
    assert history.diverged and len(history) == 0
    assert history["cost"] == [] and history.kept_epoch == 0
    assert history.diverged_epoch == 1
    assert history.stop_reason is not None
    assert history.stop_reason.startswith("training diverged in epoch 1: ")
    np.testing.assert_array_equal(net.params, start)


def test_the_last_epochs_weights_are_checked_too(rng):
    # No step follows the last epoch to measure its weights' cost: their
    # outputs on the training rows are checked instead.
    X, y = separable(rng)
    net = Network([4, 8, 2], activation="relu", seed=0)
    start = net.params.copy()
    history = train(net, X, y, TrainConfig(epochs=1, lr=1e300))
    assert history.diverged and len(history) == 1
    assert history.diverged_epoch == 1
    assert (history.stop_reason or "").startswith(
        "training diverged in epoch 1: the outputs became nan or inf"
    )
    np.testing.assert_array_equal(net.params, start)
    assert np.isfinite(net.predict_proba(X)).all()


def test_divergence_names_the_sample_weights_beside_the_rate(rng):
    X, y = separable(rng)
    net = Network([4, 8, 2], dtype="float32", seed=0)
    # Weights of 1e-40 sum to about 1e-38: lambda / (2 s) is about 1e37,
    # and the penalty's gradient overflows float32 in the first step.
    history = train(
        net, X, y, TrainConfig(epochs=3), sample_weight=np.full(len(y), 1e-40)
    )
    assert history.diverged
    reason = history.stop_reason or ""
    assert "with learning rate 1 and sample weights summing to 1.2e-38" in (
        reason
    )
    # With L2, the penalty is divided by the weights' sum: rescaling them
    # changes it, and the advice says so.
    assert reason.endswith(
        "or sample weights nearer 1 (dividing them all by their mean c "
        "leaves the data's part of the cost as it is but multiplies the L2 "
        "penalty by c, which is divided by their sum; divide l2 by c too to "
        "keep it)"
    )
    history = train(
        Network([4, 8, 2], dtype="float32", seed=0),
        X,
        y,
        TrainConfig(epochs=3, lr=1e38, l2=0.0),
        sample_weight=np.full(len(y), 2.0),
    )
    assert history.diverged
    assert (history.stop_reason or "").endswith(
        "or sample weights nearer 1 (only their ratios matter: dividing them "
        "all by their mean changes nothing else)"
    )
    # Weights whose sum overflows are refused before training.
    with pytest.raises(
        ConfigError,
        match=r"sample_weight sums to more than float64 can hold \(the "
        r"largest weight is 1e\+308\); divide the weights by their mean",
    ):
        train(
            Network([4, 2]),
            X,
            y,
            TrainConfig(epochs=1),
            sample_weight=np.full(len(y), 1e308),
        )


def test_kept_weights_that_still_give_nan_are_reported(rng):
    X, y = separable(rng, 40)
    X[0] = 3e38  # the largest float32 is 3.4e38: a sum of two overflows
    net = Network([4, 8, 2], activation="relu", dtype="float32", seed=0)
    history = train(net, X, y, TrainConfig(epochs=3))
    assert history.diverged and history.kept_epoch is None
    assert (history.stop_reason or "").endswith(
        "Even those weights give nan or inf outputs on some training rows: "
        "X holds values too large for float32; scale it down"
    )


def test_the_plateau_schedule_acts_before_early_stopping_stops(rng):
    X, y = separable(rng)
    config = TrainConfig(
        epochs=300,
        lr=0.05,
        l2=0.0,
        optimizer="adam",
        validation=0.4,
        patience=6,
        batch_size=8,
    )
    runs = {}
    for schedule in ("constant", "plateau"):
        net = Network([4, 64, 2], activation="relu", output="softmax", seed=0)
        runs[schedule] = train(
            net, X, y, dataclasses.replace(config, schedule=schedule)
        )
    constant, plateau = runs["constant"], runs["plateau"]
    # The plateau schedule's patience is half of early stopping's: 3 epochs
    # without a lower validation cost are let pass, the fourth halves the
    # rate, well before the 6 that stop training.
    best = int(np.argmin(constant["validation_cost"][:-1]))
    rates = plateau["lr"]
    first_drop = next(e for e, lr in enumerate(rates) if lr < 0.05)
    assert rates[first_drop] == 0.025
    assert first_drop < len(plateau) - 1
    assert plateau["cost"][:first_drop] == constant["cost"][:first_drop]
    assert plateau["cost"] != constant["cost"][: len(plateau)]
    assert best < first_drop
    # Its own setting, when given, wins.
    config = dataclasses.replace(config, schedule="plateau", plateau_patience=0)
    net = Network([4, 64, 2], activation="relu", output="softmax", seed=0)
    own = train(net, X, y, config)
    drop = next(e for e, lr in enumerate(own["lr"]) if lr < 0.05)
    costs = own["validation_cost"]
    assert costs[drop - 1] >= min(costs[: drop - 1])


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
