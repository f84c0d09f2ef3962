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
code, through threadpoolctl.

barenet's own long elementwise passes (an optimizer's update of a large
network's parameters) are shared among as many threads as BLAS may use:
``in_parallel`` splits such a pass into contiguous parts, one per thread.
NumPy lets go of the interpreter lock inside each pass, so the parts run
at the same time, and as each element's arithmetic is unchanged, so is
every result, to the bit.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
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


PART_SIZE = 65_536
"""The fewest elements ``in_parallel`` gives a thread: below that, handing
work over costs more than it saves (about 50 microseconds a hand-over,
measured, against well under a nanosecond an element for each pass)."""


class _Pool:
    """Worker threads for ``in_parallel``, started on first use.

    A forked child process inherits the pool but not its threads, so the
    pool forgets itself in the child and starts afresh there.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.executor: ThreadPoolExecutor | None = None
        self.size = 0
        self.blas: Any = None  # threadpoolctl's controller of BLAS libraries

    def threads(self) -> int:
        """How many threads BLAS may use now (limit_threads, threadpoolctl,
        OPENBLAS_NUM_THREADS and the like all set it); 1 without BLAS."""
        with self.lock:
            if self.blas is None:
                found = ThreadpoolController().select(user_api="blas")
                self.blas = found.lib_controllers
        counts = [lib.num_threads for lib in self.blas]
        return max(1, min(counts)) if counts else 1

    def executor_for(self, workers: int) -> ThreadPoolExecutor:
        with self.lock:
            if self.executor is None or self.size < workers:
                if self.executor is not None:
                    self.executor.shutdown(wait=False)
                self.executor = ThreadPoolExecutor(
                    workers, thread_name_prefix="barenet"
                )
                self.size = workers
            return self.executor

    def forget(self) -> None:
        self.lock = threading.Lock()
        self.executor, self.size = None, 0


_POOL = _Pool()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_POOL.forget)


def blas_threads() -> int:
    """How many threads BLAS may use now: what ``limit_threads``,
    threadpoolctl or OPENBLAS_NUM_THREADS (and the like) set; 1 without
    BLAS. About a microsecond a call."""
    return _POOL.threads()


def in_parallel(n: int, work: Callable[[slice], object]) -> None:
    """Call ``work(part)`` for contiguous slices that together cover
    ``range(n)``, on as many threads as BLAS may use, each slice at least
    PART_SIZE long; one call of ``work(slice(0, n))`` when n is small.

    ``work`` must touch only its own part of any array it writes. An
    exception in any part is raised here, after every part has ended.
    """
    parts = min(blas_threads(), n // PART_SIZE)
    if parts <= 1:
        work(slice(0, n))
        return
    bounds = [n * i // parts for i in range(parts + 1)]
    slices = [slice(a, b) for a, b in itertools.pairwise(bounds)]
    executor = _POOL.executor_for(parts - 1)
    futures: list[Future[object]] = [
        executor.submit(work, part) for part in slices[1:]
    ]
    try:
        work(slices[0])  # this thread's own part
    finally:
        for future in futures:
            future.exception()  # wait, whatever happens here
    for future in futures:
        future.result()
