"""What every data loader returns: a ``Dataset`` of X and integer labels y.

    X   (n_samples, n_features) float64, one sample per row
    y   (n_samples,) int64, class indices 0 .. n_classes - 1

For image data sets each row of X is the image flattened row by row, ink
high in 0..1 (0 background, 1 full ink), and ``image_shape`` says how to
fold it back; ``preprocessing`` names the steps that make a new picture
look like the data set's own (see ``barenet.images``). A model trained on
the data records that name, so that it can read pictures later.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from barenet._checks import is_whole
from barenet.errors import ConfigError


@dataclass(frozen=True)
class Dataset:
    """Samples, labels, and where they came from."""

    X: NDArray[np.float64]
    y: NDArray[np.int64]
    name: str
    n_classes: int
    image_shape: tuple[int, int] | None = None
    preprocessing: str | None = None
    test_start: int | None = None
    source: str = ""
    md5: str = ""
    sha256: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def own_split(self) -> tuple[NDArray[np.intp], NDArray[np.intp]] | None:
        """Row indices (train, test) of the data set's own split, if it has one.

        MNIST and USPS come with a test set of their own, kept in the last
        rows from ``test_start`` on; results on them are comparable with
        published ones only on that split.
        """
        if self.test_start is None:
            return None
        rows = np.arange(len(self.y))
        return rows[: self.test_start], rows[self.test_start :]

    @property
    def Y(self) -> NDArray[np.floating]:
        """The labels as one-hot rows, shape (n_samples, n_classes)."""
        return one_hot(self.y, self.n_classes)

    def describe(self) -> dict[str, Any]:
        """JSON-ready facts about the data (not the data itself)."""
        return {
            "name": self.name,
            "source": self.source,
            "md5": self.md5,
            "sha256": self.sha256,
            "n_samples": int(self.X.shape[0]),
            "n_features": int(self.X.shape[1]),
            "n_classes": self.n_classes,
            "image_shape": list(self.image_shape) if self.image_shape else None,
            "preprocessing": self.preprocessing,
            "test_start": self.test_start,
            **self.extra,
        }


def one_hot(
    y: ArrayLike, n_classes: int, dtype: DTypeLike = np.float64
) -> NDArray[np.floating]:
    """Rows of zeros with a one in column y[i], shape (len(y), n_classes)."""
    labels = check_labels(y, n_classes)
    Y = np.zeros((labels.shape[0], n_classes), dtype=dtype)
    Y[np.arange(labels.shape[0]), labels] = 1
    return Y


def check_labels(y: ArrayLike, n_classes: int) -> NDArray[np.int64]:
    """y as a 1-D int64 array of class indices in [0, n_classes), or an error."""
    if not (is_whole(n_classes) and n_classes >= 1):
        raise ConfigError(
            f"n_classes must be a whole number >= 1, got {n_classes!r}"
        )
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise ConfigError(
            f"labels y must be 1-D (one class index per sample), got shape "
            f"{arr.shape}"
        )
    kind = arr.dtype.kind
    whole = kind in "iu" or (
        kind == "f" and bool(np.all(np.isfinite(arr) & (arr == np.round(arr))))
    )
    if arr.size and not whole:
        raise ConfigError(
            f"labels y must be whole numbers 0..{n_classes - 1}, got "
            f"{arr.dtype} values"
        )
    # Range first, in the labels' own type: a huge value must not wrap
    # around when cast to int64.
    outside = (arr < 0) | (arr >= n_classes)
    if arr.size and np.any(outside):
        bad = arr[outside][0]
        shown = int(bad) if kind in "iu" else float(bad)
        raise ConfigError(
            f"label {shown} is outside 0..{n_classes - 1}: the network has "
            f"{n_classes} outputs, one per class"
        )
    return arr.astype(np.int64)


def recorded_labels(
    info: Any, n_outputs: int
) -> list[str | int | float | bool] | None:
    """The class labels a model records, as recorded, or None if none.

    A model trained on data with named classes (``barenet train --csv``, or
    ``BarenetClassifier.save``) records them in ``info["data"]["classes"]``:
    output unit k stands for the k-th. Labels are kept as JSON strings,
    numbers or booleans; a list that is not one label per output is no
    record.
    """
    data = info.get("data") if isinstance(info, dict) else None
    labels = data.get("classes") if isinstance(data, dict) else None
    if not isinstance(labels, list) or len(labels) != n_outputs:
        return None
    if not all(isinstance(c, str | int | float) for c in labels):
        return None
    return labels


def recorded_classes(info: Any, n_outputs: int) -> list[str] | None:
    """The class labels a model records (``recorded_labels``), as text."""
    labels = recorded_labels(info, n_outputs)
    return None if labels is None else [str(c) for c in labels]


def class_names(info: Any, n_outputs: int) -> list[str]:
    """The names of a model's classes: its recorded labels, else 0, 1, ..."""
    recorded = recorded_classes(info, n_outputs)
    return recorded or [str(k) for k in range(n_outputs)]


def label_key(label: str) -> int | float | str:
    """How a class name is matched to another: by value if it is a number
    ("3", "3.0" and 3 are one class; whole numbers exactly, however many
    digits), else by its text."""
    try:
        value = float(label)
    except ValueError:
        return label
    if not math.isfinite(value):
        return label
    try:
        exact = Decimal(label.strip())
    except ArithmeticError:  # a spelling float() reads and Decimal not
        return value
    whole = exact == exact.to_integral_value()
    return int(exact) if whole else value
