"""The seed experiment's speed: barenet against the per-sample loop.

Both train the 256-30-20-10 sigmoid network on the same 1493 Semeion rows
from the same initial weights for 500 full-batch iterations (learning rate
1, L2 0.1). The per-sample loop is ``barenet.reference``: the seed's
algorithm, back-propagating one sample at a time. The script checks that
both end with the same weights (to 1e-8) and prints the times and ratio.

    python benchmarks/seed_speed.py [--iterations 500] [--repeats 5]

Data comes from the cache (``BARENET_DATA``) or ``--data PATH``.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from barenet import (
    Network,
    TrainConfig,
    holdout_split,
    load_semeion,
    reference,
    train,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="path of semeion.data")
    parser.add_argument("--iterations", type=int, default=500)
    parser.add_argument(
        "--repeats", type=int, default=5, help="barenet timings"
    )
    args = parser.parse_args()

    data = load_semeion(args.data)
    rows, _ = holdout_split(len(data.y), 100, seed=0)
    X, y, Y = data.X[rows], data.y[rows], data.Y[rows]
    start = Network([256, 30, 20, 10], seed=0)
    config = TrainConfig(epochs=args.iterations, lr=1.0, l2=0.1)

    times = []
    for _ in range(args.repeats):
        net = start.copy()
        t0 = time.perf_counter()
        train(net, X, y, config)
        times.append(time.perf_counter() - t0)
    fast = statistics.median(times)

    t0 = time.perf_counter()
    thetas = reference.train(
        X, Y, reference.thetas_from(start), 1.0, 0.1, args.iterations
    )
    slow = time.perf_counter() - t0

    expected = start.copy()
    reference.load_thetas(expected, thetas)
    gap = float(np.max(np.abs(net.params - expected.params)))
    rows_ = [
        ("per-sample loop (barenet.reference)", f"{slow:.2f} s"),
        (f"barenet (median of {args.repeats})", f"{fast:.3f} s"),
        ("speed-up", f"{slow / fast:.1f} x"),
        ("largest weight difference", f"{gap:.1e}"),
    ]
    print(
        f"seed experiment: {X.shape[0]} rows, 256-30-20-10, "
        f"{args.iterations} iterations"
    )
    for name, value in rows_:
        print(f"  {name:<38}{value:>10}")
    if gap >= 1e-8:
        raise SystemExit("the two implementations disagree")


if __name__ == "__main__":
    main()
