"""Digits drawn in a terminal with block and shade characters.

A character cell is about twice as tall as it is wide. Black-and-white
images (every pixel 0 or 1, as Semeion's) are drawn two pixels to a cell,
one above the other, with the upper-half block, the lower-half block, the
full block or a space: the pixels come out square and a 16x16 digit takes
16 columns and 8 lines. Images with grey levels (MNIST's, USPS's) are
drawn one pixel to two cells side by side, in five shades (space, light,
medium and dark shade, full block, for levels nearest 0, 1/4, 1/2, 3/4
and 1), so that the greys the network sees are seen too; a 28x28 digit
then takes 56 columns and 28 lines. Terminals that cannot print these
characters get ``#``, ``'``, ``.`` for blocks and `` .:+#`` for shades.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

_UNICODE = {(0, 0): " ", (1, 0): "\u2580", (0, 1): "\u2584", (1, 1): "\u2588"}
_ASCII = {(0, 0): " ", (1, 0): "'", (0, 1): ".", (1, 1): "#"}


_SHADES = " \u2591\u2592\u2593\u2588"
_ASCII_SHADES = " .:+#"


def draw_digit(
    image: NDArray[np.floating], ascii_only: bool = False
) -> list[str]:
    """The lines of one image (height, width), ink high in 0..1.

    Black and white in half blocks; grey levels in shades (see above).
    """
    values = np.asarray(image, dtype=np.float64)
    if not np.all((values == 0) | (values == 1)):
        return _shaded(values, ascii_only)
    cells = _ASCII if ascii_only else _UNICODE
    ink = values >= 0.5
    if ink.shape[0] % 2:
        ink = np.vstack([ink, np.zeros((1, ink.shape[1]), dtype=bool)])
    return [
        "".join(
            cells[int(top), int(bottom)]
            for top, bottom in zip(upper, lower, strict=True)
        )
        for upper, lower in zip(ink[0::2], ink[1::2], strict=True)
    ]


def _shaded(values: NDArray[np.float64], ascii_only: bool) -> list[str]:
    """One line per pixel row, two characters per pixel, nearest shade."""
    shades = _ASCII_SHADES if ascii_only else _SHADES
    levels = np.rint(np.clip(values, 0.0, 1.0) * (len(shades) - 1))
    return ["".join(2 * shades[int(level)] for level in row) for row in levels]


def draw_digits(
    images: Sequence[NDArray[np.floating]],
    captions: Sequence[Sequence[str]],
    ascii_only: bool = False,
    width: int = 80,
    gap: int = 2,
) -> str:
    """Framed images side by side, captions beneath, wrapped to ``width``."""
    blocks = [
        _framed(image, caption, ascii_only)
        for image, caption in zip(images, captions, strict=True)
    ]
    if not blocks:
        return ""
    fits = max(1, (width + gap) // (len(blocks[0][0]) + gap))
    n_rows = -(-len(blocks) // fits)
    per_row = -(-len(blocks) // n_rows)  # balanced: 5 in 3 + 2, not 4 + 1
    rows = []
    for start in range(0, len(blocks), per_row):
        group = blocks[start : start + per_row]
        height = max(len(b) for b in group)
        padded = [b + [" " * len(b[0])] * (height - len(b)) for b in group]
        rows.append(
            "\n".join(
                (" " * gap).join(line).rstrip()
                for line in zip(*padded, strict=True)
            )
        )
    return "\n\n".join(rows)


def _framed(
    image: NDArray[np.floating], caption: Sequence[str], ascii_only: bool
) -> list[str]:
    """One image in a frame, caption lines beneath, all lines of equal width."""
    lines = draw_digit(image, ascii_only)
    inner = len(lines[0])
    corners, hbar, vbar = (
        ("++++", "-", "|")
        if ascii_only
        else ("\u250c\u2510\u2514\u2518", "\u2500", "\u2502")
    )
    framed = [corners[0] + hbar * inner + corners[1]]
    framed += [vbar + line + vbar for line in lines]
    framed.append(corners[2] + hbar * inner + corners[3])
    framed += list(caption)
    width = max(len(row) for row in framed)
    return [row.ljust(width) for row in framed]


def can_draw_blocks(encoding: str | None) -> bool:
    """Whether text in ``encoding`` can hold the block characters."""
    try:
        "\u2580\u2584\u2588\u250c\u2500".encode(encoding or "ascii")
    except (LookupError, UnicodeEncodeError):
        return False
    return True
