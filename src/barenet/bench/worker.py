"""One measurement in a fresh process: ``python -m barenet.bench.worker SPEC``.

Each contender trains in a process of its own, so that its memory can be
measured alone and the thread pools of one library cannot disturb
another's. The parent sets the BLAS and OpenMP thread counts in the
environment before the process starts. SPEC is JSON:

    {"task": "train", "experiment": {...}, "contender": "torch",
     "dtype": "float32", "threads": 2, "params_out": "/tmp/p.npy",
     "data_path": null}
    {"task": "peak", "dtypes": ["float64", "float32"], "size": 2048}

The worker prints one line of JSON: for "train", the seconds of the
training call (on the clock, and of CPU time over all the process's
threads), the bytes of the training data and the process's peak memory
while training; for "peak", the GFLOP/s of a square matrix product in
each dtype.

Peak memory: after the data is loaded (and the loader's own copies
freed), the process's resident memory is noted and its high-water mark
reset (Linux: ``/proc/self/clear_refs``). The figure reported is the new
high-water mark minus what the process held before, plus the data: the
training data in its working dtype and everything training allocated.
"""

from __future__ import annotations

import gc
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from barenet.bench.contenders import prepare
from barenet.bench.experiments import Experiment, load_data


def main(argv: list[str]) -> None:
    spec = json.loads(argv[0])
    if spec["task"] == "peak":
        result: dict[str, Any] = {
            dtype: matmul_gflops(dtype, spec.get("size", 2048))
            for dtype in spec["dtypes"]
        }
    else:
        result = train_once(spec)
    print(json.dumps(result))


def train_once(spec: dict[str, Any]) -> dict[str, Any]:
    """Set a contender up, then time one training run and its memory."""
    fields = spec["experiment"]
    experiment = Experiment(**{**fields, "sizes": tuple(fields["sizes"])})
    X, y = load_data(experiment, spec["dtype"], spec.get("data_path"))
    run = prepare(spec["contender"], experiment, X, y, spec["threads"])
    gc.collect()

    held = _memory("VmRSS")
    can_reset = _reset_peak_memory()
    started, cpu_started = time.perf_counter(), time.process_time()
    params = run()
    seconds = time.perf_counter() - started
    cpu_seconds = time.process_time() - cpu_started
    peak = _memory("VmHWM")

    data_bytes = X.nbytes + y.nbytes
    if params is not None:  # the products alone train no weights
        np.save(spec["params_out"], np.asarray(params, dtype=np.float64))
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "data_bytes": data_bytes,
        "peak_bytes": (
            peak - held + data_bytes
            if can_reset and peak is not None and held is not None
            else None
        ),
    }


def matmul_gflops(dtype: str, n: int) -> float:
    """The best GFLOP/s of an n x n matrix product, over a few tries."""
    rng = np.random.default_rng(0)
    A = rng.random((n, n)).astype(dtype)
    B = rng.random((n, n)).astype(dtype)
    out = np.empty((n, n), dtype)
    np.matmul(A, B, out=out)
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        np.matmul(A, B, out=out)
        best = min(best, time.perf_counter() - started)
    return 2 * n**3 / best / 1e9


def _memory(field: str) -> int | None:
    """A figure of /proc/self/status in bytes (None where there is none)."""
    try:
        text = Path("/proc/self/status").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return None


def _reset_peak_memory() -> bool:
    """Make VmHWM start again from the present; False where Linux is not."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


if __name__ == "__main__":
    main(sys.argv[1:])
