"""Shared fixtures. Tests read real data from the shared folder.

The data folder is ``$BARENET_DATA``, or ``../shared/data`` beside the
project when that variable is unset. It must exist: a test run without the
data fails at once rather than skipping the tests that need it.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent


def _data_dir() -> Path:
    env = os.environ.get("BARENET_DATA")
    return Path(env) if env else ROOT.parent / "shared" / "data"


def pytest_configure(config: pytest.Config) -> None:
    data = _data_dir()
    if not (data / "semeion" / "semeion.data").is_file():
        raise pytest.UsageError(
            f"the shared data folder is missing: {data} has no "
            "semeion/semeion.data. Set BARENET_DATA to the folder that holds "
            "semeion/, mnist/ and usps/."
        )
    os.environ["BARENET_DATA"] = str(data)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return _data_dir()


@pytest.fixture(scope="session")
def semeion_path(data_dir: Path) -> Path:
    return data_dir / "semeion" / "semeion.data"


@pytest.fixture(scope="session")
def semeion(semeion_path: Path):
    from barenet.data import load_semeion

    return load_semeion(semeion_path)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)
