"""Test rows are recorded and rebuilt exactly, or refused with a reason."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from barenet.data.base import Dataset
from barenet.errors import DataError
from barenet.evaluation import holdout_split
from barenet.heldout import hold_out, rebuild, rows_digest


def small_dataset(n=50, test_start=None, name="toy"):
    rng = np.random.default_rng(0)
    return Dataset(
        X=rng.random((n, 4)),
        y=np.arange(n) % 3,
        name=name,
        n_classes=3,
        test_start=test_start,
        source="toy.csv",
        sha256="ab" * 32,
    )


def test_semeion_default_is_the_seed_experiments_split(semeion):
    held = hold_out(semeion, None, 0)
    train_rows, test_rows = holdout_split(1593, 100, 0)
    assert np.array_equal(held.test_rows, test_rows)
    assert np.array_equal(held.train_rows, train_rows)
    assert held.description == "seed 0"
    # The digest, computed independently: sorted rows as 8-byte integers.
    by_hand = hashlib.sha256(
        b"".join(int(r).to_bytes(8, "little") for r in sorted(test_rows))
    ).hexdigest()
    assert held.record == {
        "method": "holdout",
        "data": "semeion",
        "seed": 0,
        "test_size": 100,
        "n_rows": 1593,
        "n_test": 100,
        "test_rows_sha256": by_hand,
    }


def test_other_data_hold_out_a_fifth_and_own_splits_are_kept():
    held = hold_out(small_dataset(), None, 3)
    assert len(held.test_rows) == 10 and held.record["test_size"] == 0.2
    own = hold_out(small_dataset(test_start=40, name="usps"), None, 3)
    assert own.test_rows.tolist() == list(range(40, 50))
    assert own.record["method"] == "own" and own.record["seed"] is None
    assert own.description == "USPS's own test set"
    # A test size given wins over the data set's own split.
    sized = hold_out(small_dataset(test_start=40), 5, 3)
    assert sized.record["method"] == "holdout" and len(sized.test_rows) == 5


@pytest.mark.parametrize(
    ("test_start", "test_size", "seed"),
    [(None, 7, 1), (None, 0.3, 2), (40, None, None)],
)
def test_rebuild_gives_back_the_same_rows(test_start, test_size, seed):
    data = small_dataset(test_start=test_start)
    held = hold_out(data, test_size, seed)
    again = rebuild(data, {"data": {"split": held.record}})
    assert np.array_equal(np.sort(again.test_rows), np.sort(held.test_rows))
    assert again.checked


def test_rebuild_refuses_rows_that_are_not_the_recorded_ones():
    data = small_dataset()
    record = dict(hold_out(data, 7, 1).record, test_rows_sha256="0" * 64)
    with pytest.raises(DataError, match="not the ones the model recorded"):
        rebuild(data, {"data": {"split": record}})
    record = dict(hold_out(data, 7, 1).record, n_rows=51)
    with pytest.raises(
        DataError, match=r"chosen among 51 rows, but toy\.csv has 50 rows"
    ):
        rebuild(data, {"data": {"split": record}})


def test_older_models_are_rebuilt_from_their_settings_unchecked():
    data = small_dataset()
    info = {"config": {"test_size": 7, "seed": 1}, "data": {"n_test": 7}}
    held = rebuild(data, info)
    assert np.array_equal(held.test_rows, holdout_split(50, 7, 1)[1])
    assert not held.checked
    with pytest.raises(DataError, match="tested on 9 rows, but its settings"):
        rebuild(data, {**info, "data": {"n_test": 9}})
    with pytest.raises(DataError, match="with --all"):
        rebuild(data, {})


def test_rows_digest_ignores_order():
    assert rows_digest([3, 1, 2]) == rows_digest(np.array([1, 2, 3]))
    assert rows_digest([1, 2]) != rows_digest([1, 3])
