"""Cross-validation folds: disjoint, stratified, covering, seeded."""

from __future__ import annotations

import numpy as np
import pytest

from barenet.errors import ConfigError
from barenet.evaluation import five_by_two, stratified_kfold, stratified_split


def check_stratified(y, part, n_parts):
    """Each class splits among the parts as evenly as possible."""
    for c in np.unique(y):
        counts = np.bincount(part[y == c], minlength=n_parts)
        assert counts.max() - counts.min() <= 1, (c, counts)


def test_kfold_on_semeion_is_disjoint_stratified_covering_and_seeded(semeion):
    y = semeion.y
    folds = stratified_kfold(y, 10, seed=3)
    assert len(folds) == 10
    part = np.full(y.size, -1)
    for i, (train, test) in enumerate(folds):
        assert np.intersect1d(train, test).size == 0
        assert train.size + test.size == y.size
        assert (part[test] == -1).all(), "a row is tested twice"
        part[test] = i
    assert (part >= 0).all(), "every row is tested once"
    check_stratified(y, part, 10)
    sizes = [test.size for _, test in folds]
    assert max(sizes) - min(sizes) <= 1 and sum(sizes) == 1593
    again = stratified_kfold(y, 10, seed=3)
    other = stratified_kfold(y, 10, seed=4)
    assert all(
        np.array_equal(a[1], b[1]) for a, b in zip(folds, again, strict=True)
    )
    assert not np.array_equal(folds[0][1], other[0][1])


def test_five_by_two_uses_each_halving_both_ways(semeion):
    y = semeion.y
    folds = five_by_two(y, seed=0)
    assert len(folds) == 10
    for r in range(5):
        (a, b), (b2, a2) = folds[2 * r], folds[2 * r + 1]
        assert np.array_equal(a, a2) and np.array_equal(b, b2)
        assert np.intersect1d(a, b).size == 0 and a.size + b.size == 1593
        assert abs(a.size - b.size) <= 1
        part = np.zeros(y.size, dtype=int)
        part[b] = 1
        check_stratified(y, part, 2)
    halves = {tuple(folds[2 * r][1][:5]) for r in range(5)}
    assert len(halves) == 5, "the five halvings differ"
    assert all(
        np.array_equal(f[0], g[0])
        for f, g in zip(folds, five_by_two(y, seed=0), strict=True)
    )


def test_stratified_split_holds_out_each_class_in_proportion():
    y = np.repeat(np.arange(3), [10, 20, 30])
    kept, held = stratified_split(y, 0.1, seed=0)
    assert np.bincount(y[held]).tolist() == [1, 2, 3]
    assert np.union1d(kept, held).tolist() == list(range(60))
    assert np.intersect1d(kept, held).size == 0


def test_bad_fold_settings_are_named():
    with pytest.raises(ConfigError, match="k-fold needs a whole number k"):
        stratified_kfold(np.arange(5) % 2, 6, seed=0)
    with pytest.raises(
        ConfigError, match="a validation fraction must lie strictly between"
    ):
        stratified_split(np.arange(5) % 2, 1.0, seed=0)
