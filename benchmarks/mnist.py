"""MNIST with a from-scratch network, trained by the ``barenet`` command.

Runs ``barenet train --dataset mnist`` with the settings below (a 784-128-10
network of ReLU units and a softmax output, Adam, mini-batches of 64, ten
epochs, seed 0) into a temporary run folder, then prints the accuracy on
MNIST's own 10,000 test digits from the run's report and the time taken.

    python benchmarks/mnist.py [--epochs 10] [--seed 0] [--threads N]

``--threads`` is passed on to ``barenet train`` (on a busy machine one
thread is much faster than two).

Data come from the cache (``BARENET_DATA``), or are downloaded once.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

SETTINGS = [
    *("--dataset", "mnist", "--hidden", "128", "--activation", "relu"),
    *("--output", "softmax", "--init", "he", "--optimizer", "adam"),
    *("--lr", "0.001", "--l2", "0", "--batch-size", "64"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", default="10")
    parser.add_argument("--seed", default="0")
    parser.add_argument(
        "--threads",
        help="BLAS threads for the training (default: one per core)",
    )
    args = parser.parse_args()
    threads = ["--threads", args.threads] if args.threads else []
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "run"
        command = [
            *("barenet", "train", *SETTINGS, "--epochs", args.epochs),
            *("--seed", args.seed, "--quiet", "--samples", "0"),
            *threads,
        ]
        print(" ".join(command))
        subprocess.run(
            [sys.executable, "-m", "barenet", *command[1:], "--out", str(out)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        report = json.loads((out / "report.json").read_text())
    history = report["history"]["test_accuracy"]
    print(f"  test digits                  {report['data']['n_test']}")
    print(f"  test accuracy (argmax)       {report['test_accuracy']:.2%}")
    print(f"  best epoch's test accuracy   {max(history):.2%}")
    print(f"  training time                {report['training_seconds']:.0f} s")


if __name__ == "__main__":
    main()
