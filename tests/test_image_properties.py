"""Preprocessing, for any drawing: the network's input stays in 0..1.

Hypothesis draws random pen strokes on canvases of random sizes and
greys, as a person would on the page or in a paint program, and every
preprocessing must turn them into a picture of its own shape with every
pixel in 0..1: the web API promises that range, and a pixel a rounding
step above 1 was once refused there. Resizing is checked against the
definition of area averaging written as a dense matrix, and on a
2,000,000x1 strip its memory must stay near the strip's own size.
"""

from __future__ import annotations

import tracemalloc
from datetime import timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from barenet.errors import ImageError
from barenet.images import GEOMETRIES, fit, preprocess, resize

SETTINGS = settings(
    max_examples=60,
    deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.too_slow],
)


@st.composite
def drawings(draw):
    """Grey levels of a canvas with a few pen strokes on it."""
    width = draw(st.integers(8, 300))
    height = draw(st.integers(8, 300))
    paper = draw(st.integers(0, 255))
    ink = draw(st.integers(0, 255).filter(lambda v: abs(v - paper) > 40))
    canvas = Image.new("L", (width, height), paper)
    pen = ImageDraw.Draw(canvas)
    for _ in range(draw(st.integers(1, 4))):
        points = draw(
            st.lists(
                st.tuples(
                    st.integers(0, width - 1), st.integers(0, height - 1)
                ),
                min_size=1,
                max_size=8,
            )
        )
        pen.line(points, fill=ink, width=draw(st.integers(1, 25)))
    return np.asarray(canvas, dtype=np.float64) / 255.0


@pytest.mark.parametrize("kind", sorted(GEOMETRIES))
@SETTINGS
@given(grey=drawings())
def test_every_drawing_becomes_an_input_in_0_to_1(kind, grey):
    try:
        seen = preprocess(grey, kind)
    except ImageError as exc:  # a stroke too short to tell from noise
        assert "is blank" in str(exc)
        return
    assert seen.image.shape == GEOMETRIES[kind].shape
    assert seen.x.min() >= 0.0 and seen.x.max() <= 1.0
    if not GEOMETRIES[kind].binarise:
        assert seen.x.max() > 0.0  # binarising may leave a faint line out
    elif GEOMETRIES[kind].pool == 1:
        assert set(np.unique(seen.x)) <= {0.0, 1.0}


@pytest.mark.parametrize("kind", ["mnist", "usps"])
def test_a_block_whose_mean_rounds_past_one_is_still_one(kind):
    """89x67 of full ink framed into 20 or 16 pixels: each mean of ones
    came out 1.0000000000000002 with the matrix product."""
    ink = np.zeros((81, 103))
    ink[1:68, 1:90] = 1.0
    assert fit(ink, kind).max() == 1.0


def dense_area_resize(image, height, width):
    """Area averaging by its definition: R_rows @ image @ R_cols.T, where
    R[i, j] is the share of output pixel i's span that input pixel j
    covers."""

    def shares(n_out, n_in):
        edges = np.linspace(0.0, n_in, n_out + 1)
        left = np.maximum(edges[:-1, None], np.arange(n_in))
        right = np.minimum(edges[1:, None], np.arange(n_in) + 1.0)
        covered = np.clip(right - left, 0.0, None)
        return covered / covered.sum(axis=1, keepdims=True)

    return (
        shares(height, image.shape[0]) @ image @ shares(width, image.shape[1]).T
    )


@SETTINGS
@given(
    image=st.integers(1, 60).flatmap(
        lambda rows: st.integers(1, 60).flatmap(
            lambda cols: st.lists(
                st.floats(0, 1), min_size=rows * cols, max_size=rows * cols
            ).map(lambda v: np.reshape(v, (rows, cols)))
        )
    ),
    height=st.integers(1, 40),
    width=st.integers(1, 40),
)
def test_resize_is_area_averaging_within_the_inputs_range(image, height, width):
    out = resize(image, height, width)
    np.testing.assert_allclose(
        out, dense_area_resize(image, height, width), rtol=0, atol=1e-12
    )
    assert image.min() <= out.min() and out.max() <= image.max()


@pytest.mark.parametrize("kind", sorted(GEOMETRIES))
def test_a_two_million_pixel_strip_costs_memory_of_its_own_size(kind):
    """The strip is 16 MB of grey levels; a matrix of output pixels by
    input width took 1.7 GB. Both orientations, every preprocessing: the
    peak must stay within ten times the strip's own size."""
    strip = np.zeros((1, 2_000_000))
    strip[0, 10:1_999_000] = 1.0
    for ink in (strip, strip.T.copy()):
        tracemalloc.start()
        try:
            framed = fit(ink, kind)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert framed.shape == GEOMETRIES[kind].shape
        assert framed.max() > 0.0
        assert peak < 10 * strip.nbytes, f"{peak:,} bytes"
