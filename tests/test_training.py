"""The training loop: the seed experiment on real data, and its contract."""

from __future__ import annotations

import json

import numpy as np
import pytest

from barenet import reference
from barenet.data import one_hot
from barenet.errors import ConfigError
from barenet.evaluation import count_test_rows, exact_match, holdout_split
from barenet.network import Network
from barenet.training import History, TrainConfig, train


@pytest.fixture(scope="module")
def golden_runs(semeion):
    """The seed experiment, trained once in each dtype: dtype -> (net, history)."""
    train_rows, test_rows_ = holdout_split(len(semeion.y), 100, seed=0)
    runs = {}
    for dtype in ("float64", "float32"):
        net = Network([256, 30, 20, 10], seed=0, dtype=dtype)
        history = train(
            net,
            semeion.X[train_rows],
            semeion.y[train_rows],
            TrainConfig(),
            X_test=semeion.X[test_rows_],
            y_test=semeion.y[test_rows_],
        )
        runs[dtype] = (net, history)
    return runs


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_golden_run_the_seed_experiment(golden_runs, dtype):
    net, history = golden_runs[dtype]
    assert net.params.dtype == dtype
    assert len(history) == 500
    assert set(history.values) == {"cost", "test_accuracy", "test_exact"}
    cost = np.array(history["cost"])
    assert np.all(np.diff(cost) < 0), "the cost must fall at every iteration"
    assert cost[0] > 5 and cost[-1] < 0.5
    assert history["test_accuracy"][-1] >= 0.85
    # The exact-match rule can only be stricter than the argmax.
    assert all(
        e <= a
        for e, a in zip(
            history["test_exact"], history["test_accuracy"], strict=True
        )
    )


def test_float32_reaches_the_float64_accuracy_on_the_golden_run(golden_runs):
    (net64, h64), (net32, h32) = golden_runs["float64"], golden_runs["float32"]
    assert h32["test_accuracy"][-1] == h64["test_accuracy"][-1]
    assert h32["test_exact"][-1] == h64["test_exact"][-1]
    # float32 keeps about 7 digits; 500 steps later the cost still agrees
    # to 5 of them.
    assert h32["cost"][-1] == pytest.approx(h64["cost"][-1], rel=1e-5)
    np.testing.assert_allclose(net32.params, net64.params, rtol=0, atol=1e-3)


def test_training_equals_the_per_sample_reference(semeion):
    rows = np.arange(0, 1593, 16)
    X, y = semeion.X[rows], semeion.y[rows]
    net = Network([256, 12, 10], seed=5)
    thetas = reference.train(
        X, semeion.Y[rows], reference.thetas_from(net), 1.0, 0.1, 10
    )
    train(net, X, y, TrainConfig(epochs=10))
    expected = net.copy()
    reference.load_thetas(expected, thetas)
    np.testing.assert_allclose(net.params, expected.params, rtol=0, atol=1e-12)


def test_history_cost_is_the_cost_before_each_step(rng):
    X, y = rng.normal(0, 1, (30, 5)), rng.integers(0, 3, 30)
    net = Network([5, 4, 3], seed=0)
    before = net.cost(X, np.eye(3)[y], l2=0.1)
    history = train(net, X, y, TrainConfig(epochs=2))
    assert history["cost"][0] == pytest.approx(before, rel=1e-15)


def test_a_callback_returning_true_stops_training(rng):
    X, y = rng.normal(0, 1, (20, 4)), rng.integers(0, 2, 20)
    seen = []

    def stop_at_three(history: History) -> bool:
        seen.append(len(history))
        return len(history) == 3

    history = train(
        Network([4, 2], seed=0),
        X,
        y,
        TrainConfig(epochs=50),
        callbacks=[stop_at_three],
    )
    assert len(history) == 3 and seen == [1, 2, 3]


def test_mini_batches_are_seeded(rng):
    X, y = rng.normal(0, 1, (50, 4)), rng.integers(0, 3, 50)
    runs = []
    for _ in range(2):
        net = Network([4, 5, 3], seed=0)
        train(net, X, y, TrainConfig(epochs=3, batch_size=8, seed=4))
        runs.append(net.params.copy())
    np.testing.assert_array_equal(runs[0], runs[1])
    full = Network([4, 5, 3], seed=0)
    train(full, X, y, TrainConfig(epochs=3))
    assert not np.allclose(full.params, runs[0])


def test_bad_settings_and_labels_are_named(rng):
    net = Network([4, 2], seed=0)
    X = rng.normal(0, 1, (6, 4))
    with pytest.raises(
        ConfigError, match="epochs must be a whole number >= 1, got 0"
    ):
        train(net, X, [0, 1] * 3, TrainConfig(epochs=0))
    with pytest.raises(
        ConfigError, match="lr must be a finite number > 0, got -1"
    ):
        train(net, X, [0, 1] * 3, TrainConfig(lr=-1))
    with pytest.raises(ConfigError, match="y has 5 labels for 6 samples"):
        train(net, X, [0, 1, 0, 1, 0], TrainConfig(epochs=1))
    with pytest.raises(ConfigError, match=r"label 2 is outside 0\.\.1"):
        train(net, X, [0, 1, 2, 1, 0, 1], TrainConfig(epochs=1))
    with pytest.raises(
        ConfigError, match="give both X_test and y_test, or neither"
    ):
        train(net, X, [0, 1] * 3, TrainConfig(epochs=1), X_test=X)


def test_holdout_split_is_seeded_and_takes_the_last_rows():
    train_rows, test_rows_ = holdout_split(10, 3, seed=1)
    order = np.random.default_rng(1).permutation(10)
    assert test_rows_.tolist() == order[-3:].tolist()
    assert train_rows.tolist() == order[:-3].tolist()
    assert count_test_rows(1593, 0.2) == 319
    with pytest.raises(
        ConfigError,
        match="a fractional test size must lie strictly between 0 and 1",
    ):
        count_test_rows(10, 1.5)
    with pytest.raises(
        ConfigError, match="test size 10 gives 10 test rows out of 10"
    ):
        count_test_rows(10, 10)


def test_labels_out_of_range_are_named_without_wrapping_around():
    with pytest.raises(ConfigError, match=r"label 1e\+20 is outside 0..1"):
        one_hot(np.array([0.0, 1e20]), 2)
    with pytest.raises(
        ConfigError, match=r"label 9223372036854775808 is outside 0..1"
    ):
        one_hot(np.array([0, 2**63], dtype=np.uint64), 2)
    with pytest.raises(
        ConfigError, match=r"labels y must be whole numbers 0\.\.1, got float64"
    ):
        one_hot(np.array([0.0, np.inf]), 2)
    with pytest.raises(ConfigError, match=r"label -1 is outside 0\.\.1"):
        exact_match(np.full((2, 2), 0.7), [0, -1])


def test_settings_accept_numpy_numbers_and_refuse_bools(rng):
    X, y = rng.normal(0, 1, (6, 4)), np.array([0, 1] * 3)
    history = train(
        Network([4, 2], seed=0), X, y, TrainConfig(epochs=np.int64(2))
    )
    assert len(history) == 2
    with pytest.raises(
        ConfigError, match="epochs must be a whole number >= 1, got True"
    ):
        train(Network([4, 2], seed=0), X, y, TrainConfig(epochs=True))
    with pytest.raises(ConfigError, match="seed must be a whole number >= 0"):
        holdout_split(10, 2, seed=-3)
    assert len(holdout_split(10, np.int64(2), seed=0)[1]) == 2


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ({"momentum": np.nan}, r"momentum must lie in \[0, 1\), got nan"),
        ({"momentum": -1}, r"momentum must lie in \[0, 1\), got -1"),
        ({"weight_decay": np.inf}, "weight_decay must be a finite number"),
        ({"step_size": "3"}, "step_size must be a whole number >= 1, got '3'"),
        ({"step_size": None}, "step_size must be a whole number >= 1"),
        ({"augment": "yes"}, "augment must be True or False, got 'yes'"),
        ({"max_shift": None}, "max_shift must be a whole number of pixels"),
        ({"max_rotation": np.nan}, r"max_rotation must lie in \[0, 180\]"),
        ({"max_scale": 5}, r"max_scale must lie in \[0, 1\), got 5"),
        ({"plateau_patience": -1}, "plateau_patience must be a whole number"),
        ({"optimizer": ["sgd"]}, r"unknown optimizer \['sgd'\]"),
    ],
)
def test_every_setting_is_checked_whether_used_or_not(setting, message, rng):
    # The default run is plain full-batch descent: it uses none of these.
    X, y = rng.normal(0, 1, (6, 4)), np.array([0, 1] * 3)
    with pytest.raises(ConfigError, match=message):
        train(Network([4, 2], seed=0), X, y, TrainConfig(**setting))


def test_numpy_numbers_train_like_python_ones_and_record_as_them(rng):
    X, y = rng.normal(0, 1, (40, 16)), np.arange(40) % 2
    plain = dict(
        epochs=3,
        lr=0.5,
        optimizer="momentum",
        momentum=0.5,
        schedule="step",
        step_size=2,
        dropout=0.25,
        augment=True,
        max_shift=1,
        max_rotation=5.0,
    )
    numpy = {
        name: type(value)(value)
        if isinstance(value, str | bool)
        else (np.int64(value) if isinstance(value, int) else np.float32(value))
        for name, value in plain.items()
    }
    nets = []
    for settings in (plain, numpy):
        net = Network([16, 6, 2], seed=0)
        train(net, X, y, TrainConfig(**settings))
        nets.append(net.params)
    np.testing.assert_array_equal(nets[0], nets[1])
    # What a report records is plain JSON, whatever the settings were.
    recorded = TrainConfig(**numpy).to_dict()
    assert json.loads(json.dumps(recorded)) == recorded
    assert type(recorded["epochs"]) is int
    assert type(recorded["lr"]) is float


def test_last_weights_whose_outputs_overflow_are_caught_after_a_sigmoid():
    # A run resumed at its end only checks its weights' outputs. Here the
    # sigmoid layer's z is 0 everywhere (its outputs 1/2, more than z) and
    # the layers after it overflow float32: the run must say it diverged.
    X = np.ones((6, 4), np.float32)
    y = np.array([0, 1, 0, 1, 0, 1])
    config = TrainConfig(epochs=1, lr=1e-30, l2=0.0)
    net = Network([4, 3, 3, 2], activation=["sigmoid", "relu"], dtype="float32")
    state = train(net, X, y, config).state
    assert state is not None
    first, second, last = net.layers
    first.W[...], first.b[...] = 0.0, 0.0
    second.W[...], second.b[...] = 1e30, 0.0
    last.W[...], last.b[...] = 1e30, 0.0
    state.params[...] = net.params
    history = train(net, X, y, config, resume=state)
    assert history.diverged
    assert "the outputs became nan or inf" in (history.stop_reason or "")
