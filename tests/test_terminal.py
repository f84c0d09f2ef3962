"""Digits drawn with block characters."""

from __future__ import annotations

import numpy as np

from barenet.terminal import can_draw_blocks, draw_digit, draw_digits


def test_two_pixels_per_cell():
    image = np.array([[1, 0, 1, 0], [1, 1, 0, 0]], dtype=float)
    assert draw_digit(image) == ["\u2588\u2584\u2580 "]
    assert draw_digit(image, ascii_only=True) == ["#.' "]


def test_an_odd_height_gets_a_blank_last_half_row():
    assert draw_digit(np.ones((3, 2))) == ["\u2588\u2588", "\u2580\u2580"]


def test_grey_levels_are_drawn_in_shades_one_pixel_per_two_columns():
    # Levels go to the nearest of 0, 1/4, 1/2, 3/4, 1: 0.2 is nearer 1/4
    # than 0, 0.6 nearer 1/2 than 3/4, 0.9 nearer 1 than 3/4.
    image = np.array([[0.0, 0.2, 0.6], [0.75, 0.9, 1.0]])
    assert draw_digit(image) == [
        "  \u2591\u2591\u2592\u2592",
        "\u2593\u2593\u2588\u2588\u2588\u2588",
    ]
    assert draw_digit(image, ascii_only=True) == ["  ..::", "++####"]
    # One grey pixel is enough; black and white alone keeps half blocks.
    binary = np.eye(2)
    assert draw_digit(binary) == ["\u2580\u2584"]
    binary[0, 1] = 0.5
    assert draw_digit(binary) == ["\u2588\u2588\u2592\u2592", "  \u2588\u2588"]


def test_frames_captions_and_balanced_rows():
    images = [np.eye(2)] * 5
    text = draw_digits(images, [("a",)] * 5, ascii_only=True, width=22)
    # Blocks are 4 wide with gaps of 2, so 4 fit in 22 columns; 5 blocks
    # then go in balanced rows of 3 and 2 rather than 4 and 1.
    assert text.split("\n") == [
        "+--+  +--+  +--+",
        "|'.|  |'.|  |'.|",
        "+--+  +--+  +--+",
        "a     a     a",
        "",
        "+--+  +--+",
        "|'.|  |'.|",
        "+--+  +--+",
        "a     a",
    ]


def test_encodings():
    assert can_draw_blocks("utf-8")
    assert not can_draw_blocks("ascii")
    assert not can_draw_blocks("no-such-codec")
