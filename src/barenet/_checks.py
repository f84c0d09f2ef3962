"""Small checks of settings, shared by every public entry point.

Python's ``True`` is an ``int`` and NumPy's integers are not, so
``isinstance(x, int)`` alone both lets ``epochs=True`` through and turns
``epochs=np.int64(5)`` away. These helpers say what a setting may be.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from barenet.errors import ConfigError


def is_whole(value: Any) -> bool:
    """Whether ``value`` is an integer (Python's or NumPy's), not a bool."""
    return isinstance(value, int | np.integer) and not isinstance(
        value, bool | np.bool_
    )


def is_real(value: Any) -> bool:
    """Whether ``value`` is a finite real number, not a bool."""
    if not isinstance(
        value, int | float | np.integer | np.floating
    ) or isinstance(value, bool | np.bool_):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int beyond any float
        return False


def check_seed(seed: Any) -> None:
    """A seed for ``numpy.random.default_rng``: None or a whole number >= 0."""
    if seed is not None and not (is_whole(seed) and seed >= 0):
        raise ConfigError(
            f"seed must be a whole number >= 0, or None for a fresh random "
            f"one, got {seed!r}"
        )
