"""The library's error messages, said in the command line's words.

The library names its settings as the Python API does (``image_shape``,
``test size``); a command-line user knows only flags. ``in_flags`` turns
the messages that reach ``main`` through training, whose cause is an
option, into the flags that caused them and says how to fix them from the
command line. Everything else is passed on as it is.

Most options never get here: their types check their ranges, and
``training_options`` checks the ones that must fit together before any
data is loaded.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable

_Rewrite = Callable[[re.Match[str], argparse.Namespace], str]


def _augment(found: re.Match[str], args: argparse.Namespace) -> str:
    fix = "drop --augment" if "augment" in vars(args) else "add --no-augment"
    return (
        f"--augment{_from_preset(args, 'augment')} needs rows that are "
        f"square images, and rows of {found[1]} features are not; {fix}"
    )


def _test_size(found: re.Match[str], args: argparse.Namespace) -> str:
    return f"--test-size {found[1]}; give a smaller --test-size"


_REWRITES: list[tuple[re.Pattern[str], _Rewrite]] = [
    (
        re.compile(
            r"augmentation needs images, but rows of (\d+) features are not "
            r"square images; pass image_shape"
        ),
        _augment,
    ),
    (re.compile(r"test size (.* it must leave .*)"), _test_size),
]


def in_flags(message: str, args: argparse.Namespace) -> str:
    """``message``, with the library's names for settings made flags."""
    for pattern, rewrite in _REWRITES:
        found = pattern.fullmatch(message)
        if found:
            return rewrite(found, args)
    return message


def _from_preset(args: argparse.Namespace, name: str) -> str:
    """' (from --preset best)' if the setting was not typed, else ''."""
    preset = getattr(args, "preset", None)
    if name in vars(args) or preset is None:
        return ""
    return f" (from --preset {preset})"
