"""Recipes: a network's shape and its training settings, under one name.

A ``Recipe`` holds everything that turns data into a trained network: the
hidden layers and their activation, the output, the initialisation, and
a ``TrainConfig``. ``recipe.fit(X, y, seed=...)`` builds the network from
the data's width and number of classes, and trains it. The command line,
cross-validation and the benchmarks all go through it, so that a preset
means the same thing everywhere.

Presets:

- ``seed``: the original experiment, exactly (256-30-20-10 sigmoid units,
  uniform [-1, 1] weights, full-batch gradient descent, lr 1, L2 0.1, 500
  iterations).
- ``best``: the settings behind the README's accuracy figures; the README
  says why each one is there.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from barenet.network import Network
from barenet.training import Callback, History, TrainConfig, train


@dataclass
class Recipe:
    """A network's settings and the training settings for it.

    Parameters
    ----------
    hidden : list of int, default [30, 20]
        Widths of the hidden layers.
    activation : str or list of str, default "sigmoid"
        Hidden activation, one for all or one per hidden layer.
    output : {"sigmoid", "softmax"}, default "sigmoid"
    init : {"uniform", "glorot", "he"}, default "uniform"
    conv : list of (filters, kernel), default []
        Convolutional layers (with 2x2 max pooling) before the dense ones;
        see ``barenet.conv``.
    dtype : {"float64", "float32"}, default "float64"
        Floating type of the weights and of all the arithmetic; float32
        halves the memory and roughly doubles the speed.
    train : TrainConfig
        Defaults to the seed experiment's settings.
    """

    hidden: list[int] = field(default_factory=lambda: [30, 20])
    activation: str | list[str] = "sigmoid"
    output: str = "sigmoid"
    init: str = "uniform"
    conv: list[tuple[int, int]] = field(default_factory=list)
    dtype: str = "float64"
    train: TrainConfig = field(default_factory=TrainConfig)

    def network(
        self,
        n_inputs: int,
        n_classes: int,
        seed: int | None,
        image_shape: tuple[int, int] | None = None,
    ) -> Network:
        """A new network of this recipe's shape, weights drawn from ``seed``."""
        return Network(
            [n_inputs, *self.hidden, n_classes],
            activation=self.activation,
            output=self.output,
            init=self.init,
            seed=seed,
            dtype=self.dtype,
            conv=self.conv,
            image_shape=image_shape if self.conv else None,
        )

    def fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
        *,
        n_classes: int,
        seed: int | None = 0,
        X_test: ArrayLike | None = None,
        y_test: ArrayLike | None = None,
        callbacks: Sequence[Callback] = (),
        image_shape: tuple[int, int] | None = None,
    ) -> tuple[Network, History]:
        """Build a network for (X, y) and train it; ``seed`` drives both.

        The seed draws the initial weights and seeds the training (shuffle,
        dropout, augmentation, validation split).
        """
        n_inputs = np.shape(X)[1]
        net = self.network(n_inputs, n_classes, seed, image_shape)
        config = dataclasses.replace(self.train, seed=seed)
        history = train(
            net,
            X,
            y,
            config,
            X_test=X_test,
            y_test=y_test,
            callbacks=callbacks,
            image_shape=image_shape,
        )
        return net, history

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready settings, for reports."""
        return {
            "hidden": list(self.hidden),
            "activation": self.activation,
            "output": self.output,
            "init": self.init,
            "conv": [list(c) for c in self.conv],
            "dtype": self.dtype,
            "train": self.train.to_dict(),
        }


PRESETS: dict[str, Recipe] = {
    "seed": Recipe(),
    "best": Recipe(
        conv=[(32, 5), (64, 3)],
        hidden=[256],
        activation="relu",
        output="softmax",
        init="he",
        train=TrainConfig(
            epochs=40,
            lr=0.002,
            l2=0.0,
            batch_size=32,
            optimizer="adam",
            schedule="cosine",
            dropout=0.3,
            augment=True,
            max_shift=2,
            max_rotation=12.0,
            max_scale=0.1,
        ),
    ),
}
"""The named recipes of ``barenet train --preset``."""
