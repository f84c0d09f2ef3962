"""Cross-validation: train a recipe on each fold, measure it on the rest.

``cross_validate`` takes a ``Recipe`` and a list of folds (from
``barenet.evaluation``: ``five_by_two`` or ``stratified_kfold``), trains a
fresh network on each fold's training rows and measures its accuracy on
the fold's test rows. Every fold's network starts from the same seed, so
two recipes measured on the same folds differ only by their settings.

The figures are kept as data in a ``CVResult``: one ``FoldResult`` per
fold, the mean and the standard deviation (the sample standard deviation,
n - 1 in the denominator, as is usual for CV figures). A result may hold
fewer folds than were planned (a run stopped part-way); its figures are
then those of the folds done, and none at all before the first.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from barenet.evaluation import Fold, accuracy
from barenet.recipes import Recipe


@dataclass(frozen=True)
class FoldResult:
    """One fold's figures."""

    fold: int
    n_train: int
    n_test: int
    accuracy: float
    seconds: float
    epochs: int


@dataclass
class CVResult:
    """Figures of a cross-validation run, fold by fold."""

    protocol: str
    folds: list[FoldResult] = field(default_factory=list)

    @property
    def accuracies(self) -> NDArray[np.float64]:
        return np.array([f.accuracy for f in self.folds])

    @property
    def mean(self) -> float:
        """Mean accuracy over the folds; nan before the first fold."""
        if not self.folds:
            return float("nan")
        return float(np.mean(self.accuracies))

    @property
    def std(self) -> float:
        """Sample standard deviation over folds; 0 for a single fold."""
        if len(self.folds) < 2:
            return 0.0
        return float(np.std(self.accuracies, ddof=1))

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready figures; the mean is None before the first fold."""
        return {
            "protocol": self.protocol,
            "mean_accuracy": self.mean if self.folds else None,
            "std_accuracy": self.std if self.folds else None,
            "folds": [vars(f) for f in self.folds],
        }


def cross_validate(
    recipe: Recipe,
    X: NDArray[np.floating],
    y: NDArray[np.integer],
    folds: Sequence[Fold],
    *,
    protocol: str,
    n_classes: int,
    seed: int | None = 0,
    image_shape: tuple[int, int] | None = None,
    on_fold: Callable[[FoldResult], None] | None = None,
) -> CVResult:
    """Train and test ``recipe`` on every fold; see the module docstring.

    ``on_fold``, if given, is called with each fold's result as soon as
    it is known (the command line shows progress with it).
    """
    result = CVResult(protocol)
    for i, (train_rows, test_rows) in enumerate(folds):
        started = time.perf_counter()
        net, history = recipe.fit(
            X[train_rows],
            y[train_rows],
            n_classes=n_classes,
            seed=seed,
            image_shape=image_shape,
        )
        fold = FoldResult(
            fold=i + 1,
            n_train=int(train_rows.size),
            n_test=int(test_rows.size),
            accuracy=accuracy(y[test_rows], net.predict(X[test_rows])),
            seconds=time.perf_counter() - started,
            epochs=len(history),
        )
        result.folds.append(fold)
        if on_fold is not None:
            on_fold(fold)
    return result
