"""Data sets as arrays: loaders, the cache, and label helpers.

Every loader returns a ``Dataset`` (see ``barenet.data.base``): X of shape
(n_samples, n_features) and integer labels y, plus where they came from.

    load_semeion    UCI Semeion, 1593 digits of 16x16 black and white
    load_mnist      MNIST, 70,000 digits of 28x28 grey (IDX files)
    load_usps       USPS, 9,298 digits of 16x16 grey (ESL text files)
    load_digits     scikit-learn's 1,797 digits of 8x8 (needs scikit-learn)
    load_csv        any CSV table of numbers with a label column

``load_dataset(name)`` picks one of the first four by name.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from barenet.data.base import Dataset, check_labels, one_hot
from barenet.data.cache import RemoteFile, data_home, fetch
from barenet.data.digits import load_digits
from barenet.data.mnist import MNIST_FILES, load_mnist, parse_idx
from barenet.data.semeion import SEMEION, load_semeion, parse_semeion
from barenet.data.table import load_csv, parse_csv
from barenet.data.usps import USPS_FILES, load_usps, parse_usps
from barenet.errors import ConfigError

DATASETS = ("semeion", "mnist", "usps", "digits")
"""The data sets known by name."""


def load_dataset(
    name: str,
    path: str | os.PathLike[str] | None = None,
    *,
    mirror: str | None = None,
    log: Callable[[str], None] | None = None,
) -> Dataset:
    """Load a data set by name (one of ``DATASETS``).

    ``path`` is a local copy: the file for Semeion, the folder of the
    files for MNIST and USPS; by default the cache, downloading once.
    """
    if name == "semeion":
        return load_semeion(path, mirror=mirror, log=log)
    if name == "mnist":
        return load_mnist(path, mirror=mirror, log=log)
    if name == "usps":
        return load_usps(path, mirror=mirror, log=log)
    if name == "digits":
        if path is not None:
            raise ConfigError(
                "the 8x8 digits come with scikit-learn; they take no --data"
            )
        return load_digits()
    raise ConfigError(
        f"unknown data set {name!r}; expected one of {', '.join(DATASETS)}, "
        "or a CSV file"
    )


__all__ = [
    "DATASETS",
    "MNIST_FILES",
    "SEMEION",
    "USPS_FILES",
    "Dataset",
    "RemoteFile",
    "check_labels",
    "data_home",
    "fetch",
    "load_csv",
    "load_dataset",
    "load_digits",
    "load_mnist",
    "load_semeion",
    "load_usps",
    "one_hot",
    "parse_csv",
    "parse_idx",
    "parse_semeion",
    "parse_usps",
]
