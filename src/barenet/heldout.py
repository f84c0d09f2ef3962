"""The rows a model is tested on: chosen once, recorded, rebuilt later.

``barenet train`` holds out its test rows in one of two ways:

- ``own``: the data set's own test set, the rows from ``test_start`` on
  (MNIST and USPS come with one);
- ``holdout``: the last ``test_size`` rows of a shuffle seeded by
  ``seed`` (``barenet.evaluation.holdout_split``), as in the seed
  experiment.

``hold_out`` makes that choice and returns, besides the rows, a record
of it, which training writes into the model file under
``info["data"]["split"]``::

    {"method": "holdout", "seed": 0, "test_size": 100,
     "n_rows": 1593, "n_test": 100, "test_rows_sha256": "9c1e..."}

``rebuild`` turns the record back into the same rows of the same data,
and proves it: the SHA-256 of the sorted row numbers must equal the one
recorded. Models written before the record existed are rebuilt from the
seed and test size in their configuration, without that proof.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from barenet.data.base import Dataset
from barenet.errors import DataError
from barenet.evaluation import holdout_split


@dataclass(frozen=True)
class HeldOut:
    """Training rows, test rows, and the record of how they were chosen."""

    train_rows: NDArray[np.intp]
    test_rows: NDArray[np.intp]
    record: dict[str, Any]
    checked: bool = True
    """False when the rows were rebuilt without a recorded SHA-256."""

    @property
    def description(self) -> str:
        """'seed 0', or "MNIST's own test set"."""
        if self.record["method"] == "own":
            return f"{self.record['data'].upper()}'s own test set"
        return f"seed {self.record['seed']}"


def hold_out(
    data: Dataset, test_size: int | float | None, seed: int | None
) -> HeldOut:
    """Choose the test rows of ``data`` as ``barenet train`` does.

    Parameters
    ----------
    data : Dataset
    test_size : int, float or None
        Rows (int) or a fraction of the rows (float) for a seeded
        hold-out. None means the data set's own test set if it has one,
        else 100 rows of Semeion or 20% of anything else.
    seed : int or None
        Seed of the shuffle.

    Returns
    -------
    HeldOut
    """
    own = data.own_split()
    if test_size is None and own is not None:
        return _held_out(data, *own, method="own", seed=None, test_size=None)
    if test_size is None:
        test_size = 100 if data.name == "semeion" else 0.2
    train_rows, test_rows = holdout_split(len(data.y), test_size, seed)
    return _held_out(
        data,
        train_rows,
        test_rows,
        method="holdout",
        seed=seed,
        test_size=test_size,
    )


def rebuild(data: Dataset, info: dict[str, Any]) -> HeldOut:
    """The rows a model recorded in ``info`` as its test rows, from ``data``.

    ``data`` must be the very data the model was trained on. Raises
    DataError if the record does not fit the data, or if the rebuilt rows
    are not the recorded ones.
    """
    facts = info.get("data")
    if not isinstance(facts, dict):
        facts = {}
    record = facts.get("split")
    if not isinstance(record, dict):
        return _from_config(data, info, facts)
    if record.get("n_rows") != len(data.y):
        raise DataError(
            f"the model's test rows were chosen among {record.get('n_rows')} "
            f"rows, but {data.source} has {len(data.y)} rows; give the data "
            "it was trained on"
        )
    if record.get("method") == "own":
        held = hold_out(data, None, None)
    else:
        held = hold_out(data, record.get("test_size"), record.get("seed"))
    if held.record["test_rows_sha256"] != record.get("test_rows_sha256"):
        raise DataError(
            f"the test rows rebuilt from {data.source} are not the ones the "
            "model recorded (their SHA-256 differs); the data or NumPy's "
            "shuffle has changed since training"
        )
    return held


def rows_digest(rows: ArrayLike) -> str:
    """SHA-256 of the row numbers, sorted, as little-endian int64."""
    ordered = np.sort(np.asarray(rows, dtype=np.int64)).astype("<i8")
    return hashlib.sha256(ordered.tobytes()).hexdigest()


def _held_out(
    data: Dataset,
    train_rows: NDArray[np.intp],
    test_rows: NDArray[np.intp],
    *,
    method: str,
    seed: int | None,
    test_size: int | float | None,
    checked: bool = True,
) -> HeldOut:
    record = {
        "method": method,
        "data": data.name,
        "seed": seed,
        "test_size": test_size,
        "n_rows": len(data.y),
        "n_test": len(test_rows),
        "test_rows_sha256": rows_digest(test_rows),
    }
    return HeldOut(train_rows, test_rows, record, checked)


def _from_config(
    data: Dataset, info: dict[str, Any], facts: dict[str, Any]
) -> HeldOut:
    """Rows of a model without a split record, from its configuration."""
    config = info.get("config")
    if not isinstance(config, dict) or "test_size" not in config:
        raise DataError(
            "the model file does not record which rows it was tested on; "
            "evaluate it on data it never saw with --all"
        )
    n_test = facts.get("n_test")
    own = data.own_split()
    if own is not None and n_test == len(own[1]):
        held = hold_out(data, None, None)
    else:
        held = hold_out(data, config["test_size"], config.get("seed"))
    if n_test is not None and len(held.test_rows) != n_test:
        raise DataError(
            f"the model was tested on {n_test} rows, but its settings give "
            f"{len(held.test_rows)} rows of {data.source}; give the data it "
            "was trained on, or evaluate on every row with --all"
        )
    return HeldOut(held.train_rows, held.test_rows, held.record, False)
