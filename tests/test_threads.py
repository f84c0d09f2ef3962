"""limit_threads, the BLAS thread count inside a block, restored after;
in_parallel, long elementwise passes shared among as many threads."""

from __future__ import annotations

import multiprocessing
import threading

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from barenet.errors import ConfigError
from barenet.optim import OPTIMIZERS, make_optimizer
from barenet.threads import PART_SIZE, in_parallel, limit_threads


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


def test_in_parallel_covers_every_element_once_in_parts():
    n = 3 * PART_SIZE + 5
    seen = np.zeros(n, dtype=np.int64)
    parts = []
    threads = set()

    def work(part):
        parts.append((part.start, part.stop))
        threads.add(threading.get_ident())
        seen[part] += 1

    with limit_threads(3):
        in_parallel(n, work)
    assert seen.min() == seen.max() == 1
    assert sorted(parts) == [
        (0, n // 3),
        (n // 3, 2 * n // 3),
        (2 * n // 3, n),
    ]
    # This thread does the first part, the pool's threads the others.
    assert threading.get_ident() in threads and len(threads) >= 2
    parts.clear()
    with limit_threads(1):
        in_parallel(n, work)
    assert parts == [(0, n)]
    with limit_threads(3):
        in_parallel(PART_SIZE + 1, work)  # too short to share
    assert parts[-1] == (0, PART_SIZE + 1)


def test_a_failing_part_raises_after_the_others_end():
    n = 2 * PART_SIZE
    done = []

    def work(part):
        if part.start:
            raise ValueError(f"part from {part.start}")
        done.append(part.start)

    with (
        limit_threads(2),
        pytest.raises(ValueError, match=f"part from {n // 2}"),
    ):
        in_parallel(n, work)
    assert done == [0]


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_optimizers_on_shared_threads_give_the_same_bits(name, rng):
    # 3 parts of a large vector against one pass over all of it.
    n = 3 * PART_SIZE + 7
    mask = (rng.random(n) < 0.5).astype(np.float64)
    results = []
    for threads in (1, 3):
        params = np.linspace(-1.0, 1.0, n)
        opt = make_optimizer(name, 0.01, weight_decay=0.1, decay_mask=mask)
        with limit_threads(threads):
            for step in range(3):
                opt.step(params, np.sin(params * (step + 1)))
        results.append(params)
    np.testing.assert_array_equal(results[0], results[1])
    assert not np.array_equal(results[0], np.linspace(-1.0, 1.0, n))


def _step_in_child(queue):
    params = np.ones(2 * PART_SIZE)
    with limit_threads(2):
        make_optimizer("sgd", 0.5).step(params, np.ones_like(params))
    queue.put(float(params.sum()))


def test_a_forked_child_starts_its_own_threads():
    # The parent's pool has threads; a child made by fork has none of them.
    with limit_threads(2):
        in_parallel(2 * PART_SIZE, lambda part: None)
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_step_in_child, args=(queue,))
    child.start()
    child.join(timeout=60)
    assert child.exitcode == 0
    # One step of gradient descent: 1 - 0.5 * 1 everywhere.
    assert queue.get(timeout=5) == 0.5 * 2 * PART_SIZE
