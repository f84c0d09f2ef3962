"""The training curves count the seed's iterations, or epochs."""

from __future__ import annotations

import numpy as np
import pytest

import barenet.plots as plots
from barenet.network import Network
from barenet.training import TrainConfig, train


@pytest.mark.parametrize(
    ("batch_size", "steps", "label"),
    [(None, 1, "iteration"), (40, 1, "iteration"), (16, 3, "epoch")],
)
def test_the_x_axis_says_epoch_when_an_epoch_is_several_steps(
    batch_size, steps, label, rng, monkeypatch, tmp_path
):
    X = rng.random((40, 4))
    y = np.arange(40) % 2
    net = Network([4, 3, 2], seed=0)
    config = TrainConfig(epochs=2, batch_size=batch_size, l2=0.0)
    history = train(net, X, y, config, X_test=X, y_test=y)
    assert history.steps_per_epoch == steps  # 40 rows: 16 + 16 + 8
    drawn = []
    monkeypatch.setattr(plots, "_save", lambda fig, path: drawn.append(fig))
    plots.plot_cost(history, tmp_path / "cost.png")
    plots.plot_accuracy(history, tmp_path / "accuracy.png")
    assert [fig.axes[0].get_xlabel() for fig in drawn] == [label, label]
