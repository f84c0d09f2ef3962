"""Argument types shared by subcommands: each rejects a bad value clearly."""

from __future__ import annotations

import argparse
import math


def positive_int(text: str) -> int:
    """A whole number >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a whole number, got {text!r}"
        ) from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def non_negative_int(text: str) -> int:
    """A whole number >= 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a whole number, got {text!r}"
        ) from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def positive_float(text: str) -> float:
    """A finite number > 0."""
    value = _float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0, got {text}")
    return value


def non_negative_float(text: str) -> float:
    """A finite number >= 0."""
    value = _float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def rows_or_fraction(text: str) -> int | float:
    """A count of rows (whole number >= 1) or a fraction strictly in (0, 1)."""
    try:
        return positive_int(text)
    except argparse.ArgumentTypeError:
        pass
    value = _float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(
            f"expected a number of rows (like 100) or a fraction between 0 and 1 "
            f"(like 0.2), got {text!r}"
        )
    return value


def _float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a number, got {text!r}"
        ) from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(
            f"expected a finite number, got {text!r}"
        )
    return value


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Help that shows defaults, but not "(default: None)" for options whose
    absence the help text itself explains, and keeps the description's
    paragraphs."""

    def _get_help_string(self, action: argparse.Action) -> str:
        if action.default is None or action.default is False:
            return action.help or ""
        return super()._get_help_string(action) or ""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        paragraphs = text.replace("``", "").strip().split("\n\n")
        return "\n\n".join(
            super(HelpFormatter, self)._fill_text(p, width, indent)
            for p in paragraphs
        )
