"""Values made ready for JSON: plain Python, and no nan or inf.

Reports and model metadata are JSON, which has no nan or infinity and no
NumPy types. ``plain`` turns NumPy scalars and arrays into Python numbers
and lists, and a non-finite float into ``None`` (``null``), so that a run
whose cost overflowed still gets a valid report that says so.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np


def plain(value: Any) -> Any:
    """``value`` with NumPy types made Python's and nan/inf made None."""
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, np.generic):
        return plain(value.item())
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value
