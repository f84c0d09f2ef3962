"""Going on with training where an earlier call stopped (History.state)."""

from __future__ import annotations

import numpy as np
import pytest

from barenet.errors import ConfigError
from barenet.network import Network
from barenet.training import TrainConfig, train


@pytest.mark.parametrize(
    "options",
    [
        {"optimizer": "adam", "schedule": "step", "step_size": 3},
        {"optimizer": "nesterov", "schedule": "plateau", "dropout": 0.3},
        {"optimizer": "adamw", "weight_decay": 0.01, "schedule": "cosine"},
    ],
    ids=["adam-step", "nesterov-plateau-dropout", "adamw-cosine"],
)
def test_resumed_training_equals_training_without_a_pause(options, rng):
    X = rng.normal(0, 1, (40, 5))
    y = rng.integers(0, 3, 40)
    config = TrainConfig(epochs=10, lr=0.05, batch_size=8, seed=4, **options)
    whole = Network([5, 6, 3], seed=0)
    history = train(whole, X, y, config)

    paused = Network([5, 6, 3], seed=0)
    first = train(paused, X, y, config, callbacks=[lambda h: len(h) == 4])
    assert len(first) == 4 and first.state is not None
    assert first.state["epoch"] == 4
    rest = train(paused, X, y, config, resume=first.state)
    assert len(rest) == 6 and rest.state["epoch"] == 10
    np.testing.assert_array_equal(paused.params, whole.params)
    assert first["cost"] + rest["cost"] == history["cost"]


def test_a_finished_run_has_nothing_left_to_resume(rng):
    X, y = rng.normal(0, 1, (6, 2)), np.array([0, 1] * 3)
    net = Network([2, 2], seed=0)
    done = train(net, X, y, TrainConfig(epochs=3))
    with pytest.raises(
        ConfigError,
        match=r"has done 3 epochs and config\.epochs is 3, so nothing is left "
        "to train; set epochs above 3",
    ):
        train(net, X, y, TrainConfig(epochs=3), resume=done.state)
    with pytest.raises(ConfigError, match="optimizer state is for 'sgd'"):
        train(
            net,
            X,
            y,
            TrainConfig(epochs=5, optimizer="adam"),
            resume=done.state,
        )
