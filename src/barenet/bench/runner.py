"""Run the contenders side by side and gather their figures.

Every measurement happens in a worker process of its own
(``barenet.bench.worker``), with the BLAS and OpenMP thread counts set in
its environment. Repeats go in rounds, each round running every contender
once, so that a change in the machine's load touches all of them alike;
the figure kept is the median.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_info

from barenet.bench.contenders import LABELS
from barenet.bench.experiments import Experiment, flops, scaling_grid
from barenet.errors import BarenetError

Log = Callable[[str], None]

DTYPES = ("float64", "float32")

THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
)


class BenchError(BarenetError, RuntimeError):
    """A benchmark run failed."""


def available(contender: str) -> bool:
    """Whether the contender's library is installed."""
    module = {"sklearn": "sklearn", "torch": "torch"}.get(contender)
    return module is None or importlib.util.find_spec(module) is not None


def run_worker(spec: dict[str, Any], threads: int) -> dict[str, Any]:
    """Run one worker process; its JSON result, or BenchError."""
    env = dict(os.environ)
    for name in THREAD_VARIABLES:
        env[name] = str(threads)
    done = subprocess.run(
        [sys.executable, "-m", "barenet.bench.worker", json.dumps(spec)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or ["(no message)"]
        what = spec.get("contender", spec["task"])
        raise BenchError(f"the {what} run failed: {lines[-1]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def matmul_peak(
    threads: int, dtypes: list[str], size: int = 2048
) -> dict[str, float]:
    """GFLOP/s of a size x size matrix product, per dtype."""
    return run_worker({"task": "peak", "dtypes": dtypes, "size": size}, threads)


@dataclasses.dataclass
class Entry:
    """One contender in one dtype, and what its runs measured."""

    contender: str
    dtype: str
    epochs: int
    seconds: list[float] = dataclasses.field(default_factory=list)
    cpu_seconds: list[float] = dataclasses.field(default_factory=list)
    peak_bytes: list[int] = dataclasses.field(default_factory=list)
    data_bytes: int = 0
    params: np.ndarray | None = None


def compare(
    experiment: Experiment,
    contenders: list[str],
    *,
    threads: int,
    repeats: int,
    loop_epochs: int = 20,
    data_path: str | None = None,
    peak_size: int = 2048,
    log: Log = lambda _: None,
) -> dict[str, Any]:
    """Time every contender on the experiment; the figures as JSON data.

    The per-sample loop runs ``loop_epochs`` epochs only (it is hundreds of
    times slower), and its time is scaled to the full experiment; its
    weights are compared with barenet's after as many epochs.
    """
    load = load_average()
    dtypes = list(DTYPES)
    entries = [
        Entry(c, d, experiment.epochs)
        for c in contenders
        for d in dtypes
        if c != "loop"
    ]
    if "loop" in contenders:
        short = min(loop_epochs, experiment.epochs)
        entries.append(Entry("loop", "float64", short))
        if short != experiment.epochs:
            # barenet again, as far as the loop goes, to compare weights.
            entries.append(Entry("barenet", "float64", short))

    peaks = []
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(repeats):
            # The peak is measured in every round too, under the same load.
            log(f"round {round_ + 1}/{repeats}: matrix-product peak")
            peaks.append(matmul_peak(threads, dtypes, peak_size))
            for i, entry in enumerate(entries):
                if round_ and _is_check_only(entry, experiment):
                    continue
                log(
                    f"round {round_ + 1}/{repeats}: {entry.contender} "
                    f"{entry.dtype}"
                )
                out = Path(tmp) / f"{i}.npy"
                shortened = experiment.with_epochs(entry.epochs)
                spec = _train_spec(
                    shortened,
                    entry.contender,
                    entry.dtype,
                    threads,
                    out,
                    data_path,
                )
                result = run_worker(spec, threads)
                _record(entry, result, out, round_ == 0)
    peak = {d: statistics.median(p[d] for p in peaks) for d in dtypes}
    return {**_table(experiment, entries, peak, threads), "load_average": load}


def _is_check_only(entry: Entry, experiment: Experiment) -> bool:
    """barenet's short run, kept only to compare weights with the loop."""
    return entry.contender == "barenet" and entry.epochs != experiment.epochs


def _record(
    entry: Entry, result: dict[str, Any], out: Path, first: bool
) -> None:
    entry.seconds.append(result["seconds"])
    entry.cpu_seconds.append(result["cpu_seconds"])
    if result["peak_bytes"] is not None:
        entry.peak_bytes.append(result["peak_bytes"])
    entry.data_bytes = result["data_bytes"]
    if first and out.exists():
        entry.params = np.load(out)


def _table(
    experiment: Experiment,
    entries: list[Entry],
    peak: dict[str, float],
    threads: int,
) -> dict[str, Any]:
    """Per contender: time, speed, share of peak, memory, ratio, agreement."""
    total = flops(experiment)
    barenet = {
        (e.dtype, e.epochs): e for e in entries if e.contender == "barenet"
    }
    rows = []
    for entry in entries:
        if _is_check_only(entry, experiment):
            continue
        # Times of shortened runs are scaled up to the whole experiment.
        scale = experiment.epochs / entry.epochs
        seconds = statistics.median(entry.seconds) * scale
        ours = barenet.get((entry.dtype, experiment.epochs))
        same = barenet.get((entry.dtype, entry.epochs))
        ratio = (
            seconds / statistics.median(ours.seconds)
            if ours is not None and ours.seconds
            else None
        )
        rows.append(
            {
                "contender": entry.contender,
                "label": LABELS[entry.contender],
                "dtype": entry.dtype,
                "seconds": seconds,
                "runs": entry.seconds,
                "cpu_seconds": statistics.median(entry.cpu_seconds) * scale,
                "epochs_run": entry.epochs,
                "samples_per_second": experiment.n_rows
                * experiment.epochs
                / seconds,
                "gflops": total / seconds / 1e9,
                "percent_of_peak": 100
                * total
                / seconds
                / 1e9
                / peak[entry.dtype],
                "peak_bytes": max(entry.peak_bytes, default=None),
                "data_bytes": entry.data_bytes,
                "barenet_speedup": ratio,
                "max_weight_difference": _difference(entry, same),
            }
        )
    return {
        "experiment": dataclasses.asdict(experiment),
        "description": experiment.describe(),
        "flops": total,
        "threads": threads,
        "matmul_peak_gflops": peak,
        "rows": rows,
        "environment": environment(),
    }


def _difference(entry: Entry, same: Entry | None) -> float | None:
    """Largest difference from barenet's weights in the same dtype."""
    if same is None or same is entry:
        return None
    if entry.params is None or same.params is None:
        return None
    return float(np.max(np.abs(entry.params - same.params)))


def scaling(
    contenders: list[str],
    *,
    threads: int,
    repeats: int,
    axes: list[str] | None = None,
    log: Log = lambda _: None,
) -> dict[str, Any]:
    """Seconds per epoch along each axis of ``scaling_grid``.

    One worker per point, contender and dtype; ``repeats`` rounds at each
    point, the median kept.
    """
    grid = scaling_grid()
    results: dict[str, Any] = {
        "threads": threads,
        "load_average": load_average(),
        "axes": {},
    }
    with tempfile.TemporaryDirectory() as tmp:
        params_out = Path(tmp) / "params.npy"
        for axis in axes or list(grid):
            results["axes"][axis] = [
                _scaling_point(
                    f"{axis} {value}",
                    value,
                    experiment,
                    contenders,
                    threads,
                    repeats,
                    params_out,
                    log,
                )
                for value, experiment in grid[axis]
            ]
    results["environment"] = environment()
    return results


def _scaling_point(
    name: str,
    value: int,
    experiment: Experiment,
    contenders: list[str],
    threads: int,
    repeats: int,
    params_out: Path,
    log: Log,
) -> dict[str, Any]:
    """Median seconds per epoch of each contender and dtype at one point."""
    times: dict[str, list[float]] = {}
    for _ in range(repeats):
        for contender in contenders:
            for dtype in DTYPES:
                log(f"{name}: {contender} {dtype}")
                spec = _train_spec(
                    experiment, contender, dtype, threads, params_out
                )
                result = run_worker(spec, threads)
                key = f"{contender} {dtype}"
                times.setdefault(key, []).append(result["seconds"])
    return {
        "value": value,
        "sizes": list(experiment.sizes),
        "n_rows": experiment.n_rows,
        "flops": flops(experiment),
        "seconds": {k: statistics.median(v) for k, v in times.items()},
    }


def _train_spec(
    experiment: Experiment,
    contender: str,
    dtype: str,
    threads: int,
    params_out: Path,
    data_path: str | None = None,
) -> dict[str, Any]:
    """The worker's instructions for one training run."""
    return {
        "task": "train",
        "experiment": dataclasses.asdict(experiment),
        "contender": contender,
        "dtype": dtype,
        "threads": threads,
        "params_out": str(params_out),
        "data_path": data_path,
    }


def load_average() -> float | None:
    """The system's load average over the last minute (None where there is
    none): other work on the machine slows every contender."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def environment() -> dict[str, Any]:
    """Versions and machine, for the record."""
    versions: dict[str, Any] = {
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_model": _cpu_model(),
        "cpus": os.cpu_count(),
        "blas": [
            {
                key: info.get(key)
                for key in ("internal_api", "version", "architecture")
            }
            for info in threadpool_info()
            if info.get("user_api") == "blas"
        ],
    }
    for name in ("sklearn", "torch", "threadpoolctl"):
        if importlib.util.find_spec(name) is not None:
            module = __import__(name)
            versions[name] = getattr(module, "__version__", "?")
    from barenet import __version__

    versions["barenet"] = __version__
    return versions


def _cpu_model() -> str | None:
    """The processor's name from /proc/cpuinfo (Linux), or None."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return None
