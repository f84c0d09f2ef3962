"""The 8x8 digits bundled with scikit-learn, when scikit-learn is installed.

1,797 digits from the UCI "Optical Recognition of Handwritten Digits"
test set (E. Alpaydin, C. Kaynak, 1998), as ``sklearn.datasets.load_digits``
ships them: 32x32 black-and-white bitmaps, normalised in size, of which
each 4x4 block was counted to give an 8x8 image of values 0..16. barenet
divides by 16, so that X lies in 0..1 like every other image data set.
The file comes inside scikit-learn, so nothing is downloaded.
"""

from __future__ import annotations

import hashlib

import numpy as np

from barenet.data.base import Dataset
from barenet.errors import DataError


def load_digits() -> Dataset:
    """Load scikit-learn's 8x8 digits: X (1797, 64) in 0..1, y the digits.

    Raises
    ------
    DataError
        scikit-learn is not installed.
    """
    try:
        import sklearn
        from sklearn.datasets import load_digits as sklearn_digits
    except ImportError:
        raise DataError(
            "the 8x8 digits come with scikit-learn, which is not installed: "
            "pip install scikit-learn"
        ) from None
    bunch = sklearn_digits()
    X = np.asarray(bunch.data, dtype=np.float64) / 16.0
    y = np.asarray(bunch.target, dtype=np.int64)
    raw = np.ascontiguousarray(bunch.data, dtype=np.float64).tobytes()
    return Dataset(
        X=X,
        y=y,
        name="digits",
        n_classes=10,
        image_shape=(8, 8),
        preprocessing="digits",
        source=f"scikit-learn {sklearn.__version__} (sklearn.datasets.load_digits)",
        md5=hashlib.md5(raw, usedforsecurity=False).hexdigest(),
        sha256=hashlib.sha256(raw).hexdigest(),
    )
