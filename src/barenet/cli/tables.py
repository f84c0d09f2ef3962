"""Rows of a CSV table read for a model, by what the model records.

``barenet predict --csv`` and ``barenet evaluate --csv`` hand a table's
rows to a model. A model may record more than its width:

- **Column names.** ``barenet train --csv`` keeps the table's header in
  ``info["data"]["feature_names"]``, ``BarenetClassifier.save`` the
  DataFrame's columns in its own entry (``barenet.estimator_file``).
  When a model records them and the table has a header, the columns are
  taken by name, in the model's order, and a table that lacks some or has
  others is refused, naming them. Without either, columns are taken by
  position.
- **Labels.** A model's labels (``info["data"]["classes"]``) are matched
  to a table's label texts as the model holds them. A model saved by
  ``BarenetClassifier`` keeps their kinds: a string matches its own text
  only ("1", "1.0" and "01" are three labels), a whole number matches
  exactly (however many digits), a float by value, a boolean by the words
  true and false. A model of ``barenet train --csv`` holds its labels as
  that command read them, numbers by their value ("3" and "3.0" are one
  class), and is matched the same way.
- **Range.** A float32 model cannot take a number beyond 3.4e38; such a
  value is named by its row and column before the model sees it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from barenet.data.base import label_key, recorded_labels
from barenet.errors import DataError
from barenet.estimator_file import KEY
from barenet.network import Network, too_large


def recorded_feature_names(info: Any, n_inputs: int) -> list[str] | None:
    """The column names a model was trained on, or None if it records none
    (or records something other than n_inputs distinct names)."""
    if not isinstance(info, dict):
        return None
    for entry in (info.get("data"), info.get(KEY)):
        names = entry.get("feature_names") if isinstance(entry, dict) else None
        if (
            isinstance(names, list)
            and len(names) == n_inputs
            and all(isinstance(n, str) for n in names)
            and len({n.strip() for n in names}) == n_inputs
        ):
            return [n.strip() for n in names]
    return None


def arrange_columns(
    X: NDArray[np.float64],
    header: list[str] | None,
    net: Network,
    source: str | Path,
) -> NDArray[np.float64]:
    """X's columns in the order of the model's names, found in the header.

    Unchanged if the model records no names or the table has no header.
    """
    wanted = recorded_feature_names(net.info, net.n_inputs)
    if wanted is None or header is None:
        return X
    have = [name.strip() for name in header]
    twice = sorted({n for n in have if n in wanted and have.count(n) > 1})
    missing = [n for n in wanted if n not in have]
    extra = [n for n in have if n not in wanted]
    if twice or missing or extra:
        problems = [
            f"{label} {_listed(names)}"
            for label, names in (
                ("no column", missing),
                ("columns the model does not take:", extra),
                ("more than one column", twice),
            )
            if names
        ]
        raise DataError(
            f"{source}: the model reads the columns {_listed(wanted)} by "
            f"name, and the header has {'; '.join(problems)}; give a "
            "header with exactly those names, in any order"
        )
    order = [have.index(name) for name in wanted]
    return X if order == list(range(len(have))) else X[:, order]


def check_range(
    X: NDArray[np.float64],
    net: Network,
    source: str | Path,
    header: list[str] | None,
) -> None:
    """Refuse a value too large for the model's floating type, by place."""
    big = too_large(X, net.dtype)
    if big is None:
        return
    row, column = big
    name = f" ({header[column].strip()})" if header is not None else ""
    raise DataError(
        f"{source}, row {row + 1}, column {column + 1}{name}: "
        f"{float(X[row, column]):g} is too large for this model, which "
        f"computes in {net.dtype.name} (at most "
        f"{float(np.finfo(net.dtype).max):.3g}); scale that column down"
    )


def labels_as_text(info: Any, n_outputs: int) -> bool:
    """Whether a table's labels must be read as texts, each its own class,
    to be matched to the model's (those of an estimator, as strings)."""
    labels = recorded_labels(info, n_outputs)
    typed = isinstance(info, dict) and isinstance(info.get(KEY), dict)
    return (
        typed
        and labels is not None
        and any(isinstance(label, str) for label in labels)
    )


def label_index(
    info: Any, n_outputs: int, texts: list[str]
) -> list[int | None] | None:
    """For each label text, the model's class it is (None if no class), or
    None if the model records no labels."""
    labels = recorded_labels(info, n_outputs)
    if labels is None:
        return None
    typed = isinstance(info, dict) and isinstance(info.get(KEY), dict)
    if not typed:
        index = {label_key(str(label)): k for k, label in enumerate(labels)}
        return [index.get(label_key(text)) for text in texts]
    kinds = {_kind(label): k for k, label in enumerate(labels)}
    return [
        next((kinds[key] for key in _readings(text) if key in kinds), None)
        for text in texts
    ]


def _kind(label: str | int | float | bool) -> tuple[str, Any]:
    """A recorded label with its kind: booleans are no numbers here."""
    if isinstance(label, bool):
        return ("bool", label)
    if isinstance(label, str):
        return ("text", label)
    return ("number", label)


def _readings(text: str) -> list[tuple[str, Any]]:
    """What a label text may stand for: itself, a number, a boolean."""
    readings: list[tuple[str, Any]] = [("text", text)]
    value = label_key(text)
    if not isinstance(value, str):
        readings.append(("number", value))
    if text.strip().lower() in ("true", "false"):
        readings.append(("bool", text.strip().lower() == "true"))
    return readings


def _listed(names: list[str]) -> str:
    shown = ", ".join(repr(n) for n in names[:8])
    return shown + (f", ... ({len(names)})" if len(names) > 8 else "")
