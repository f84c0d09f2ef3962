"""How many threads the matrix products use.

NumPy hands every matrix product to its BLAS library (OpenBLAS in the
wheels from PyPI), which starts one thread per core and shares each large
product among them. On an idle machine that is the fastest way; on a
machine busy with other work it can be the slowest, because each product
waits for its last thread to be given a core: the seed experiment, which
is a few thousand small products, was measured 10 to 20 times slower on
two threads than on one while other programs kept both cores busy.

Small products gain nothing from sharing, and OpenBLAS already runs them
on one thread (on the shapes barenet's benchmarks use, two threads were
never slower than one on an idle machine). So barenet does not choose a
count itself; ``limit_threads`` lets the user choose one for a block of
code, through threadpoolctl, and ``blas_threads`` tells the count in
force, for code that picks the form of a product by it (see
``barenet.network.gradient_transposed``).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from threadpoolctl import ThreadpoolController, threadpool_limits

from barenet.errors import ConfigError


@contextmanager
def limit_threads(threads: int | None) -> Iterator[None]:
    """Run the block with at most ``threads`` BLAS threads.

    None leaves the count as it is.

    Examples
    --------
    >>> with limit_threads(1):
    ...     pass  # train here, one thread per matrix product
    """
    if threads is None:
        yield
        return
    if not (isinstance(threads, int) and threads >= 1):
        raise ConfigError(
            f"threads must be a whole number >= 1, or None, got {threads!r}"
        )
    with threadpool_limits(limits=threads, user_api="blas"):
        yield


@functools.cache
def _blas_libraries() -> list[Any]:
    """threadpoolctl's handles on the loaded BLAS libraries, found once
    (finding them takes a millisecond; asking one its count, a
    microsecond)."""
    return ThreadpoolController().select(user_api="blas").lib_controllers


def blas_threads() -> int:
    """How many threads BLAS may use now: what ``limit_threads``,
    threadpoolctl or OPENBLAS_NUM_THREADS (and the like) set; 1 without
    BLAS."""
    counts = [library.num_threads for library in _blas_libraries()]
    return max(1, min(counts)) if counts else 1
