"""What ``BarenetClassifier.save`` adds to a model file, and its checks.

A model file written by the estimator is an ordinary barenet model file
(see ``barenet.io``) whose ``info`` holds, besides the network:

- ``info["data"]["classes"]``: the labels, output unit k standing for the
  k-th, as JSON numbers, strings or booleans. Models trained by
  ``barenet train --csv`` record their labels in the same place, so the
  command line shows a model's labels whoever trained it
  (``barenet.data.base.recorded_classes``).
- ``info["BarenetClassifier"]``: the estimator's own state, a JSON object::

      classes_dtype          NumPy dtype string of classes_, e.g. "<U9"
                             (strings: as wide as the longest label)
      params                 get_params(), as JSON
      loss_curve             one training cost per epoch (list of numbers)
      validation_scores      one validation accuracy per epoch (null for
                             an epoch without validation), or null
      n_iter                 epochs since the weights were drawn
      best_epoch             the epoch whose weights the file holds
      best_validation_score  early stopping's, or null
      seed                   the seed the weights were drawn from
      feature_names          the columns' names, or null

A model file's SHA-256 covers its metadata (format version 2 on), but
it guards against accidents only, and files of version 1 left the
metadata out: ``restore`` checks every entry it reads (types, ranges,
lengths, labels unique and sorted, their dtype able to hold them exactly
and no wider than they need) and raises ``DamagedState`` naming the first
that is wrong, so that a tampered or truncated file fails with one clear
error, never with an overflow or an index out of range. Whether the
parameters and the network agree is the estimator's own check.

This module does not import scikit-learn; ``barenet.sklearn`` does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from barenet._checks import is_real, is_whole
from barenet._json import plain

KEY = "BarenetClassifier"
"""The key of the estimator's state in a model file's ``info``."""

LABEL_KINDS = "biufUO"
"""dtype kinds classes_ may have in a file: bool, integers, floats,
strings (NumPy's or Python objects)."""


class DamagedState(ValueError):
    """The estimator's state in a model file is not what ``save`` writes."""


@dataclass
class SavedState:
    """The estimator's fitted state as read back from a model file."""

    classes: NDArray[Any]
    params: dict[str, Any]
    loss_curve: list[float]
    validation_scores: list[float] | None
    n_iter: int
    best_epoch: int
    best_validation_score: float | None
    seed: int
    feature_names: NDArray[Any] | None


def labels_to_json(classes: NDArray[Any]) -> list[Any] | None:
    """The labels as JSON values, or None if some label has no JSON form."""
    labels = classes.tolist()
    return labels if _json_labels(labels) else None


def _json_labels(labels: list[Any]) -> bool:
    """Whether every label is a string, a boolean or a finite number."""
    return all(
        isinstance(label, str | int | float | bool)
        and not (isinstance(label, float) and not math.isfinite(label))
        for label in labels
    )


def state_to_json(state: SavedState) -> dict[str, Any]:
    """The ``info["BarenetClassifier"]`` entry for ``state``."""
    names = state.feature_names
    dtype = state.classes.dtype
    if dtype.kind == "U":  # as narrow as the labels, as restore expects
        width = _text_width(state.classes.tolist())
        dtype = np.dtype(f"{dtype.byteorder}U{width}")
    return {
        "classes_dtype": dtype.str,
        "params": plain(state.params),
        "loss_curve": [float(c) for c in state.loss_curve],
        "validation_scores": plain(state.validation_scores),
        "n_iter": int(state.n_iter),
        "best_epoch": int(state.best_epoch),
        "best_validation_score": plain(state.best_validation_score),
        "seed": int(state.seed),
        "feature_names": None if names is None else plain(list(names)),
    }


def restore(
    info: dict[str, Any], n_inputs: int, n_outputs: int, param_names: set[str]
) -> SavedState:
    """Read and check the estimator's state from a model file's ``info``.

    Raises DamagedState naming the first entry that is not as ``save``
    writes it.
    """
    saved = info.get(KEY)
    if not isinstance(saved, dict):
        raise DamagedState(f"info[{KEY!r}] is not an object")
    n_iter = _count(saved, "n_iter", 1, None)
    loss_curve = _numbers(saved, "loss_curve")
    if len(loss_curve) != n_iter:
        raise DamagedState(
            f"loss_curve has {len(loss_curve)} values for n_iter={n_iter}"
        )
    scores = _scores(saved, n_iter)
    best = saved.get("best_validation_score")
    if best is not None and not (is_real(best) and 0 <= best <= 1):
        raise DamagedState(f"best_validation_score is {best!r}")
    return SavedState(
        classes=_classes(info, saved, n_outputs),
        params=_params(saved, param_names),
        loss_curve=loss_curve,
        validation_scores=scores,
        n_iter=n_iter,
        best_epoch=_count(saved, "best_epoch", 0, n_iter, default=n_iter),
        best_validation_score=None if best is None else float(best),
        seed=_count(saved, "seed", 0, None),
        feature_names=_feature_names(saved, n_inputs),
    )


def _count(
    saved: dict[str, Any],
    name: str,
    low: int,
    high: int | None,
    default: int | None = None,
) -> int:
    """A whole number in [low, high] (high None: no bound)."""
    value: Any = saved.get(name, default)
    ok = is_whole(value) and value >= low
    if not ok or (high is not None and value > high):
        bound = "" if high is None else f" and <= {high}"
        raise DamagedState(
            f"{name} is {value!r}, not a whole number >= {low}{bound}"
        )
    return int(value)


def _numbers(
    saved: dict[str, Any],
    name: str,
    low: float = -math.inf,
    high: float = math.inf,
) -> list[float]:
    """A list of finite numbers in [low, high]."""
    values = saved.get(name)
    if not isinstance(values, list) or not all(
        is_real(v) and low <= v <= high for v in values
    ):
        raise DamagedState(f"{name} is not a list of finite numbers")
    return [float(v) for v in values]


def _scores(saved: dict[str, Any], n_iter: int) -> list[float] | None:
    """validation_scores: None, or one accuracy per epoch (null, read as
    nan, for an epoch trained without validation)."""
    scores = saved.get("validation_scores")
    if scores is None:
        return None
    if not isinstance(scores, list) or not all(
        s is None or (is_real(s) and 0 <= s <= 1) for s in scores
    ):
        raise DamagedState(
            "validation_scores is not a list of accuracies in [0, 1] and nulls"
        )
    if len(scores) != n_iter:
        raise DamagedState(
            f"validation_scores has {len(scores)} values for n_iter={n_iter}"
        )
    return [math.nan if s is None else float(s) for s in scores]


def _classes(
    info: dict[str, Any], saved: dict[str, Any], n_outputs: int
) -> NDArray[Any]:
    """The labels, in the dtype they had, one per output, unique, sorted."""
    data = info.get("data")
    labels = data.get("classes") if isinstance(data, dict) else None
    if labels is None:
        labels = saved.get("classes")  # where the first files kept them
    if not isinstance(labels, list) or len(labels) != n_outputs:
        raise DamagedState(
            f"the classes are not a list of {n_outputs} labels, one per output"
        )
    if not _json_labels(labels):
        raise DamagedState("the classes are not numbers, strings or booleans")
    text = saved.get("classes_dtype")
    try:
        dtype = np.dtype(text) if isinstance(text, str) else None
    except TypeError:
        dtype = None
    if dtype is None or dtype.kind not in LABEL_KINDS:
        raise DamagedState(f"classes_dtype {text!r} is not a dtype of labels")
    # Checked before NumPy makes the array: "<U500000000" would take 2 GB
    # for each label.
    if dtype.kind == "U" and dtype.itemsize // 4 > _text_width(labels):
        raise DamagedState(
            f"classes_dtype {text!r} is wider than the longest label, "
            f"{_text_width(labels)} characters"
        )
    try:
        classes = np.asarray(labels, dtype=dtype)
        same = classes.tolist() == labels
        ordered = same and np.array_equal(np.unique(classes), classes)
    except (TypeError, ValueError, OverflowError):
        same = ordered = False
    if not same:
        raise DamagedState(
            f"the classes {labels[:5]!r} do not fit classes_dtype {text!r}"
        )
    if not ordered:
        raise DamagedState("the classes are not distinct and sorted")
    return classes


def _text_width(labels: list[Any]) -> int:
    """Characters of the longest label written as text (NumPy's least
    string width is 1)."""
    return max([1, *(len(str(label)) for label in labels)])


def _params(saved: dict[str, Any], names: set[str]) -> dict[str, Any]:
    """The constructor's parameters, JSON lists turned back into tuples."""
    params = saved.get("params")
    if not isinstance(params, dict) or set(params) != names:
        raise DamagedState("params are not the estimator's parameters")
    params = dict(params)
    for name in ("hidden", "activation", "image_shape"):
        if isinstance(params[name], list):
            params[name] = tuple(params[name])
    conv = params["conv"]
    if isinstance(conv, list) and all(isinstance(c, list) for c in conv):
        params["conv"] = tuple(tuple(c) for c in conv)
    return params


def _feature_names(saved: dict[str, Any], n_inputs: int) -> NDArray[Any] | None:
    """The columns' names (one per input, distinct strings), or None."""
    names = saved.get("feature_names")
    if names is None:
        return None
    if (
        not isinstance(names, list)
        or len(names) != n_inputs
        or not all(isinstance(n, str) for n in names)
        or len(set(names)) != len(names)
    ):
        raise DamagedState(
            f"feature_names are not {n_inputs} distinct column names"
        )
    return np.asarray(names, dtype=object)
