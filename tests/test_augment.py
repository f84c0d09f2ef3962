"""Augmentation: moved digits keep their label and about their ink."""

from __future__ import annotations

import numpy as np
import pytest

from barenet.augment import augment_images
from barenet.errors import ConfigError


def test_a_pure_shift_moves_pixels_exactly():
    image = np.zeros((5, 5))
    image[1, 2] = 1.0
    image[3, 1] = 0.5
    X = np.repeat(image.reshape(1, 25), 50, axis=0)
    moved = augment_images(
        X, (5, 5), np.random.default_rng(0), max_shift=1, max_rotation=0
    ).reshape(50, 5, 5)
    seen = set()
    for m in moved:
        # Each copy is the image moved by a whole pixel or none, nothing
        # lost (the dots stay inside), nothing blurred.
        (r1, c1), (r2, c2) = np.argwhere(m == 1.0)[0], np.argwhere(m == 0.5)[0]
        assert (r2 - r1, c2 - c1) == (2, -1) and m.sum() == 1.5
        seen.add((int(r1) - 1, int(c1) - 2))
    assert seen == {(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)}


def test_a_quarter_turn_of_a_bar_is_the_other_bar():
    bar = np.zeros((7, 7))
    bar[3, 1:6] = 1.0
    turned = augment_images(
        bar.reshape(1, 49),
        (7, 7),
        np.random.default_rng(0),
        max_shift=0,
        max_rotation=90,
    )
    # A draw of exactly +-90 degrees is unlikely; check the map itself by
    # forcing the angle through a generator that always returns the edge.

    class Edge:
        def uniform(self, low, high, n):
            return np.full(n, high)

        def integers(self, low, high, size):
            return np.zeros(size, dtype=int)

    turned = augment_images(
        bar.reshape(1, 49), (7, 7), Edge(), max_shift=0, max_rotation=90
    ).reshape(7, 7)
    np.testing.assert_allclose(turned, bar.T, atol=1e-12)


def test_augmented_digits_keep_their_label_and_ink(semeion):
    X, y = semeion.X[:300], semeion.y[:300]
    rng = np.random.default_rng(1)
    moved = augment_images(X, (16, 16), rng, max_shift=2, max_rotation=10)
    assert moved.shape == X.shape and moved.dtype == X.dtype
    assert moved.min() >= 0.0 and moved.max() <= 1.0
    # Augmentation makes inputs only: each row stays the row of its label,
    # which training pairs with it.
    # A Semeion digit fills its 16x16 box, so a shift of two pixels can
    # push up to two rows or columns of ink out; rotation's interpolation
    # spreads ink but keeps its total close. Measured on these rows the
    # ratio lies in [0.59, 0.99], median 0.86; the bounds leave a margin.
    ratio = moved.sum(axis=1) / X.sum(axis=1)
    assert ratio.min() > 0.5 and ratio.max() < 1.1
    assert np.median(ratio) > 0.8
    again = augment_images(
        X, (16, 16), np.random.default_rng(1), max_shift=2, max_rotation=10
    )
    np.testing.assert_array_equal(moved, again)
    assert y.shape == (300,)


def test_bad_settings_are_named():
    X = np.zeros((2, 16))
    with pytest.raises(ConfigError, match=r"images of 3x3 = 9 pixels per row"):
        augment_images(X, (3, 3), np.random.default_rng(0))
    with pytest.raises(ConfigError, match="max_shift must be a whole number"):
        augment_images(X, (4, 4), np.random.default_rng(0), max_shift=4)
    # NumPy's numbers are numbers.
    moved = augment_images(
        X,
        (4, 4),
        np.random.default_rng(0),
        max_shift=np.int64(1),
        max_rotation=np.float32(5.0),
        max_scale=np.float64(0.1),
    )
    assert moved.shape == X.shape
