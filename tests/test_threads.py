"""limit_threads: the BLAS thread count inside a block, restored after;
blas_threads: the count in force."""

from __future__ import annotations

import pytest
from threadpoolctl import threadpool_info

from barenet.errors import ConfigError
from barenet.threads import blas_threads as threads_in_force
from barenet.threads import limit_threads


def blas_threads():
    return [
        i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"
    ]


def test_the_count_holds_inside_the_block_and_returns_after(
    default_blas_threads,
):
    before = blas_threads()
    with limit_threads(1):
        assert set(blas_threads()) == {1}
    assert blas_threads() == before
    with limit_threads(None):
        assert blas_threads() == before


def test_a_bad_count_is_named():
    with (
        pytest.raises(
            ConfigError,
            match="threads must be a whole number >= 1, or None, got 0",
        ),
        limit_threads(0),
    ):
        pass


def test_the_count_in_force_is_told(default_blas_threads):
    assert threads_in_force() == min(blas_threads()) == default_blas_threads
    with limit_threads(1):
        assert threads_in_force() == 1
    assert threads_in_force() == default_blas_threads
