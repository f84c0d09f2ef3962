"""The two forms of a layer's weight gradient, timed side by side.

dW = A.T @ delta is the same product as (delta.T @ A).T. This times both
(the second with its copy back into dW's layout) for the first layers of
the seed's and MNIST's networks, on one thread and on two: the figures
behind ``barenet.network.gradient_transposed``, which takes the second
form for layers of at most 32 units on one thread only.

    python benchmarks/gradient_forms.py [--repeats 7]

Each time is the median of ``--repeats`` rounds of many products, in
microseconds a product; the machine should be otherwise idle.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np

from barenet.threads import limit_threads

SHAPES = [
    ("seed, 256 pixels to 30 units", 1493, 256, 30),
    ("MNIST, 784 pixels to 512 units", 128, 784, 512),
    ("MNIST, 512 units to 256", 128, 512, 256),
]
"""(what, rows of a batch, n_in, n_out)."""


def microseconds(product: Callable[[], None], repeats: int) -> float:
    """Median time of one call, over ``repeats`` rounds of 50 calls."""
    product()
    rounds = []
    for _ in range(repeats):
        started = time.perf_counter()
        for _ in range(50):
            product()
        rounds.append((time.perf_counter() - started) / 50 * 1e6)
    return statistics.median(rounds)


def forms(
    A: np.ndarray, delta: np.ndarray, repeats: int
) -> tuple[float, float]:
    """Microseconds of A.T @ delta, and of (delta.T @ A).T copied back."""
    dW = np.empty((A.shape[1], delta.shape[1]))
    dW_t = np.empty((delta.shape[1], A.shape[1]))

    def plain() -> None:
        np.matmul(A.T, delta, out=dW)

    def transposed() -> None:
        np.matmul(delta.T, A, out=dW_t)
        dW[...] = dW_t.T

    return microseconds(plain, repeats), microseconds(transposed, repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"{'layer':32} {'threads':>7} {'A.T @ d':>9} {'(d.T @ A).T':>12}")
    for what, m, n_in, n_out in SHAPES:
        A, delta = rng.random((m, n_in)), rng.random((m, n_out))
        for threads in (1, 2):
            with limit_threads(threads):
                plain, transposed = forms(A, delta, args.repeats)
            print(f"{what:32} {threads:>7} {plain:>9.0f} {transposed:>12.0f}")


if __name__ == "__main__":
    main()
