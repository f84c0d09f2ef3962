"""Measuring a classifier, and splitting data to measure it honestly.

Two accuracies appear in barenet's reports:

- ``accuracy``: the share of samples whose most probable class (the
  argmax of the outputs) is the true class. This is the usual measure.
- ``exact_match``: the seed's measure. Every output is thresholded at 0.5
  and the whole vector must equal the one-hot label, so a sample with two
  outputs above 0.5, or none, counts as wrong even when the argmax is right.

Per class, from the confusion matrix C (C[i, j] counts the rows of true
class i that were guessed as class j):

- ``precision`` of class k: C[k, k] / sum_i C[i, k], the share of the
  guesses "k" that were right;
- ``recall`` of class k: C[k, k] / sum_j C[k, j], the share of the rows
  of class k that were found.

A class that was never guessed has no precision, and one with no rows no
recall: both are nan, never a made-up 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from barenet._checks import check_seed, is_real, is_whole
from barenet.data.base import check_labels
from barenet.errors import ConfigError
from barenet.network import Network


def accuracy(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Share of predictions equal to the true labels."""
    t, p = np.asarray(y_true), np.asarray(y_pred)
    if t.shape != p.shape or t.ndim != 1 or t.size == 0:
        raise ConfigError(
            f"y_true and y_pred must be 1-D, non-empty and of equal length, "
            f"got shapes {t.shape} and {p.shape}"
        )
    return float(np.mean(t == p))


def exact_match(P: ArrayLike, y_true: ArrayLike) -> float:
    """The seed's accuracy: share of rows where (P > 0.5) is the one-hot label."""
    probs, labels = np.asarray(P), np.asarray(y_true)
    if probs.ndim != 2 or labels.shape != (probs.shape[0],) or labels.size == 0:
        raise ConfigError(
            f"P must be (n_samples, n_classes) and y_true (n_samples,), got "
            f"shapes {probs.shape} and {labels.shape}"
        )
    labels = check_labels(labels, probs.shape[1])
    predicted = probs > 0.5
    wanted = np.zeros_like(predicted)
    wanted[np.arange(labels.size), labels] = True
    return float(np.mean(np.all(predicted == wanted, axis=1)))


def confusion_matrix(
    y_true: ArrayLike, y_pred: ArrayLike, n_classes: int
) -> NDArray[np.int64]:
    """C of shape (n_classes, n_classes): C[i, j] counts true i guessed j.

    Examples
    --------
    >>> confusion_matrix([0, 0, 1, 2], [0, 1, 1, 1], 3).tolist()
    [[1, 1, 0], [0, 1, 0], [0, 1, 0]]
    """
    accuracy(y_true, y_pred)  # checks the shapes
    t, p = np.asarray(y_true), np.asarray(y_pred)
    for name, v in (("y_true", t), ("y_pred", p)):
        if not np.issubdtype(v.dtype, np.integer):
            raise ConfigError(
                f"{name} must hold class numbers, got {v.dtype} values"
            )
        outside = v[(v < 0) | (v >= n_classes)]
        if outside.size:
            raise ConfigError(
                f"{name} holds class {int(outside[0])}, outside the "
                f"{n_classes} classes 0..{n_classes - 1}"
            )
    C = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(C, (t, p), 1)
    return C


def precision_recall(
    C: NDArray[np.integer],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per-class precision and recall from a confusion matrix.

    Returns two arrays of shape (n_classes,); see the module docstring.
    nan marks a class never guessed (precision) or without rows (recall).
    """
    right = np.diag(C).astype(np.float64)
    guessed, actual = C.sum(axis=0), C.sum(axis=1)

    # 0 / 0 is undefined, not 0: leave nan where nothing was counted.
    precision = np.full(right.shape, np.nan)
    recall = np.full(right.shape, np.nan)
    np.divide(right, guessed, out=precision, where=guessed > 0)
    np.divide(right, actual, out=recall, where=actual > 0)
    return precision, recall


@dataclass(frozen=True)
class Evaluation:
    """A network's answers on labelled rows, and the figures they give.

    Attributes
    ----------
    y_true, y_pred : (n_samples,) int arrays
        True classes and the network's guesses (argmax).
    P : (n_samples, n_classes) array
        The network's output probabilities.
    confusion : (n_classes, n_classes) int array
        C[i, j] counts rows of true class i guessed as j.
    precision, recall : (n_classes,) arrays
        Per class; nan where undefined (see the module docstring).
    accuracy, exact : float
        Accuracy by argmax, and by the seed's exact match.
    """

    y_true: NDArray[np.int64]
    y_pred: NDArray[np.intp]
    P: NDArray[np.floating]
    confusion: NDArray[np.int64]
    precision: NDArray[np.float64]
    recall: NDArray[np.float64]
    accuracy: float
    exact: float

    @property
    def wrong(self) -> NDArray[np.intp]:
        """Positions (into y_true) of the misclassified rows, in order."""
        return np.flatnonzero(self.y_true != self.y_pred)

    def to_dict(self, classes: list[str] | None = None) -> dict[str, Any]:
        """JSON-ready figures; undefined precision or recall is None."""
        names = classes or [str(k) for k in range(len(self.recall))]
        per_class = [
            {
                "class": name,
                "rows": int(self.confusion[k].sum()),
                "precision": _or_none(self.precision[k]),
                "recall": _or_none(self.recall[k]),
            }
            for k, name in enumerate(names)
        ]
        return {
            "n_rows": int(self.y_true.size),
            "accuracy": self.accuracy,
            "exact_match": self.exact,
            "n_wrong": int(self.wrong.size),
            "per_class": per_class,
            "confusion": self.confusion.tolist(),
        }

    def per_class_text(self, classes: list[str] | None = None) -> str:
        """A table of each class's rows, precision and recall."""
        names = classes or [str(k) for k in range(len(self.recall))]
        width = max(5, *(len(n) for n in names))
        lines = [f"{'class':>{width}}  precision     recall   rows"]
        for k, name in enumerate(names):
            lines.append(
                f"{name:>{width}}  {_percent(self.precision[k]):>9}  "
                f"{_percent(self.recall[k]):>9}  {self.confusion[k].sum():>5}"
            )
        return "\n".join(lines)

    def confusion_text(self, classes: list[str] | None = None) -> str:
        """The confusion matrix as text: rows true class, columns guess.

        Zeros are written as '.', so that the mistakes stand out.
        """
        names = classes or [str(k) for k in range(len(self.recall))]
        C = self.confusion
        cell = max(3, len(str(C.max())), *(len(n) for n in names)) + 1
        label = max(10, *(len(n) for n in names))
        corner = "true\\guess"
        head = f"{corner:>{label}}" + "".join(f"{n:>{cell}}" for n in names)
        lines = [head]
        for name, row in zip(names, C, strict=True):
            counts = "".join(f"{c if c else '.':>{cell}}" for c in row)
            lines.append(f"{name:>{label}}{counts}")
        return "\n".join(lines)


def evaluate(net: Network, X: ArrayLike, y: ArrayLike) -> Evaluation:
    """Run ``net`` on rows X with true classes y and measure it.

    Parameters
    ----------
    net : Network
    X : array of shape (n_samples, n_inputs)
    y : array of shape (n_samples,), classes 0 .. net.n_outputs - 1

    Returns
    -------
    Evaluation
    """
    X_ = net.check_X(X)
    labels = np.asarray(y)
    if labels.shape != (X_.shape[0],):
        raise ConfigError(
            f"y has shape {labels.shape}, expected ({X_.shape[0]},): one "
            "class per row of X"
        )
    P = net.predict_proba(X_)
    guesses = np.argmax(P, axis=1)
    C = confusion_matrix(labels, guesses, net.n_outputs)
    precision, recall = precision_recall(C)
    return Evaluation(
        y_true=labels.astype(np.int64),
        y_pred=guesses,
        P=P,
        confusion=C,
        precision=precision,
        recall=recall,
        accuracy=accuracy(labels, guesses),
        exact=exact_match(P, labels),
    )


def _percent(value: float) -> str:
    return "-" if np.isnan(value) else f"{value:.2%}"


def _or_none(value: float) -> float | None:
    return None if np.isnan(value) else float(value)


def holdout_split(
    n_samples: int, test_size: int | float, seed: int | None
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Indices (train, test) for a seeded shuffle with the last rows held out.

    ``test_size`` is a number of rows (int >= 1) or a fraction of the rows
    (float strictly between 0 and 1, rounded to the nearest row). The seed
    drives ``numpy.random.default_rng(seed).permutation``; the test set is
    the last ``test_size`` rows of that permutation, as in the seed
    experiment.
    """
    check_seed(seed)
    n_test = count_test_rows(n_samples, test_size)
    order = np.random.default_rng(seed).permutation(n_samples)
    return order[:-n_test], order[-n_test:]


def count_test_rows(n_samples: int, test_size: int | float) -> int:
    """How many rows ``test_size`` means for ``n_samples``; checks the range."""
    if not (is_whole(n_samples) and n_samples >= 0):
        raise ConfigError(
            f"n_samples must be a whole number >= 0, got {n_samples!r}"
        )
    if not is_real(test_size):
        raise ConfigError(f"test size must be a number, got {test_size!r}")
    if is_whole(test_size):
        n_test = int(test_size)
    else:
        if not 0.0 < test_size < 1.0:
            raise ConfigError(
                f"a fractional test size must lie strictly between 0 and 1, "
                f"got {test_size}; give a whole number for a count of rows"
            )
        n_test = round(test_size * n_samples)
    if not 1 <= n_test <= n_samples - 1:
        raise ConfigError(
            f"test size {test_size} gives {n_test} test rows out of {n_samples}; "
            f"it must leave at least one row for testing and one for training"
        )
    return n_test


# ---------------------------------------------------------------------------
# Stratified splits and cross-validation folds
# ---------------------------------------------------------------------------

Fold = tuple[NDArray[np.intp], NDArray[np.intp]]
"""(train rows, test rows) of one fold, as sorted row indices."""


def _dealt(y: NDArray[np.int64], k: int, rng: np.random.Generator) -> NDArray:
    """A part number 0..k-1 for each row, dealing each class out evenly.

    Each class's rows are shuffled, then all rows, class after class, are
    dealt to the parts in turn like cards. Every class then splits among
    the parts as evenly as it can (counts differ by at most one), and so
    do the parts' sizes.
    """
    order = np.concatenate(
        [rng.permutation(np.flatnonzero(y == c)) for c in np.unique(y)]
    )
    part = np.empty(y.size, dtype=np.intp)
    part[order] = np.arange(y.size) % k
    return part


def stratified_split(y: ArrayLike, fraction: float, seed: int | None) -> Fold:
    """Rows (kept, held out), holding out ``fraction`` of each class.

    Used for the validation split of early stopping. Each class gives
    ``round(fraction * its count)`` rows, at least one.
    """
    labels = _check_fold_labels(y)
    if not 0.0 < fraction < 1.0:
        raise ConfigError(
            f"a validation fraction must lie strictly between 0 and 1, got "
            f"{fraction!r}"
        )
    rng = np.random.default_rng(seed)
    held = []
    for c in np.unique(labels):
        rows = rng.permutation(np.flatnonzero(labels == c))
        n = min(max(1, round(fraction * rows.size)), rows.size - 1)
        held.append(rows[:n])
    out = np.sort(np.concatenate(held))
    keep = np.setdiff1d(np.arange(labels.size), out)
    if keep.size == 0 or out.size == 0:
        raise ConfigError(
            f"cannot hold out {fraction} of {labels.size} rows: each class "
            "needs at least two rows"
        )
    return keep, out


def stratified_kfold(y: ArrayLike, k: int, seed: int | None) -> list[Fold]:
    """k folds: each row is tested exactly once, classes spread evenly.

    Returns a list of k (train, test) pairs; the test parts are disjoint
    and together cover every row.
    """
    labels = _check_fold_labels(y)
    if not (isinstance(k, int) and 2 <= k <= labels.size):
        raise ConfigError(
            f"k-fold needs a whole number k from 2 to the number of rows "
            f"({labels.size}), got {k!r}"
        )
    part = _dealt(labels, k, np.random.default_rng(seed))
    return [
        (np.flatnonzero(part != i), np.flatnonzero(part == i)) for i in range(k)
    ]


def five_by_two(y: ArrayLike, seed: int | None) -> list[Fold]:
    """The 5x2 protocol: five stratified halvings, each used both ways.

    Returns ten (train, test) pairs: for each of five seeded halvings into
    A and B, first train on A and test on B, then the reverse.
    """
    labels = _check_fold_labels(y)
    rng = np.random.default_rng(seed)
    folds: list[Fold] = []
    for _ in range(5):
        part = _dealt(labels, 2, rng)
        a, b = np.flatnonzero(part == 0), np.flatnonzero(part == 1)
        folds += [(a, b), (b, a)]
    return folds


def _check_fold_labels(y: ArrayLike) -> NDArray[np.int64]:
    labels = np.asarray(y)
    if labels.ndim != 1 or labels.size < 2:
        raise ConfigError(
            f"labels must be 1-D with at least two rows, got shape {labels.shape}"
        )
    if not np.issubdtype(labels.dtype, np.integer):
        raise ConfigError(
            f"labels must be whole class numbers, got {labels.dtype} values"
        )
    return labels.astype(np.int64)
