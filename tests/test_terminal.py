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
