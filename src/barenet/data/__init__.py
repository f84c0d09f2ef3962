"""Data sets as arrays: loaders, the cache, and label helpers.

Every loader returns a ``Dataset`` (see ``barenet.data.base``): X of shape
(n_samples, n_features) and integer labels y, plus where they came from.
"""

from barenet.data.base import Dataset, check_labels, one_hot
from barenet.data.cache import RemoteFile, data_home, fetch
from barenet.data.semeion import SEMEION, load_semeion, parse_semeion

__all__ = [
    "SEMEION",
    "Dataset",
    "RemoteFile",
    "check_labels",
    "data_home",
    "fetch",
    "load_semeion",
    "one_hot",
    "parse_semeion",
]
