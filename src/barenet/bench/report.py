"""Tables and a figure from the benchmark's figures (which stay JSON data)."""

from __future__ import annotations

import os
from typing import Any

from matplotlib.figure import Figure

from barenet._files import atomic_write


def comparison_table(result: dict[str, Any]) -> str:
    """The side-by-side table of ``runner.compare``, as text."""
    peak = result["matmul_peak_gflops"]
    runs = max(len(row["runs"]) for row in result["rows"])
    lines = [
        f"{result['experiment']['name']}: {result['description']}",
        f"{result['flops'] / 1e9:.1f} GFLOP of matrix products; "
        f"{_threads(result['threads'])}; median of {runs} "
        f"run{'s' if runs != 1 else ''}; "
        f"matrix-product peak {peak['float64']:.1f} GFLOP/s (float64), "
        f"{peak['float32']:.1f} (float32)",
        *_load(result),
        "",
    ]
    header = (
        "contender",
        "dtype",
        "time",
        "cpu time",
        "samples/s",
        "GFLOP/s",
        "% peak",
        "peak mem",
        "barenet",
        "max |dw|",
    )
    table: list[tuple[str, ...]] = [header]
    scaled = []
    for row in result["rows"]:
        mark = ""
        if row["epochs_run"] != result["experiment"]["epochs"]:
            mark = "*"
            scaled.append(row["epochs_run"])
        ratio = row["barenet_speedup"]
        table.append(
            (
                row["label"],
                row["dtype"],
                f"{_seconds(row['seconds'])}{mark}",
                _seconds(row["cpu_seconds"]),
                _count(row["samples_per_second"]),
                f"{row['gflops']:.1f}",
                f"{row['percent_of_peak']:.0f}",
                _bytes(row["peak_bytes"]),
                "-"
                if ratio is None or row["contender"] == "barenet"
                else f"{ratio:.1f}x",
                _difference(row["max_weight_difference"]),
            )
        )
    lines += _aligned(table)
    lines.append("")
    lines += [
        "time: on the clock; cpu time: of every thread of the process. "
        "barenet: the",
        "contender's time over barenet's in the same dtype. max |dw|: the "
        "largest",
        "difference of its final weights from barenet's (same dtype and "
        "steps).",
    ]
    if any(row["contender"] == "products" for row in result["rows"]):
        lines += [
            "products alone: the same matrix products as the training "
            "steps, nothing else: on",
            "an idle machine, no code that hands its products to this BLAS "
            "can train faster.",
        ]
    if scaled:
        lines.append(
            f"* from {scaled[0]} of {result['experiment']['epochs']} "
            "iterations, scaled to all of them."
        )
    if result["experiment"]["optimizer"] == "adam":
        lines += [
            "Adam moves each weight by about lr a step however small its "
            "gradient, so where",
            "the gradient is nearly 0, rounding (float32) or scikit-learn's "
            "eps (added before",
            "the bias correction) turns the step, and such weights drift "
            "apart.",
        ]
    return "\n".join(lines)


def scaling_table(result: dict[str, Any]) -> str:
    """Seconds per epoch along each scaling axis, as text."""
    lines = [
        f"scaling: seconds per epoch, {_threads(result['threads'])}, "
        "random rows, ReLU, softmax, Adam, batches of 128",
        *_load(result),
    ]
    for axis, points in result["axes"].items():
        keys = list(points[0]["seconds"])
        table: list[tuple[str, ...]] = [
            (axis, "rows", "layers", "GFLOP", *keys)
        ]
        for point in points:
            table.append(
                (
                    str(point["value"]),
                    str(point["n_rows"]),
                    "-".join(map(str, point["sizes"])),
                    f"{point['flops'] / 1e9:.1f}",
                    *(f"{point['seconds'][k]:.3f}" for k in keys),
                )
            )
        lines += ["", *_aligned(table)]
    return "\n".join(lines)


def plot_scaling(result: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """Seconds per epoch against rows, width and depth, one panel each."""
    axes = result["axes"]
    fig = Figure(figsize=(4.2 * len(axes), 3.8))
    titles = {
        "samples": "rows (784-256-256-10)",
        "width": "hidden width (784-w-w-10, 10k rows)",
        "depth": "hidden layers of 256 (10k rows)",
    }
    for i, (axis, points) in enumerate(axes.items()):
        ax = fig.add_subplot(1, len(axes), i + 1)
        values = [p["value"] for p in points]
        for key in points[0]["seconds"]:
            ax.plot(
                values,
                [p["seconds"][key] for p in points],
                marker="o",
                label=key,
            )
        if axis != "depth":
            ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(titles.get(axis, axis))
        ax.set_ylabel("seconds per epoch")
        ax.grid(True, which="both", alpha=0.3)
    fig.axes[0].legend(fontsize="small")
    fig.tight_layout()
    atomic_write(path, lambda f: fig.savefig(f, format="png", dpi=100))


def _aligned(rows: list[tuple[str, ...]]) -> list[str]:
    """Columns padded to their widest cell: text left, figures right."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [
            cell.ljust(w) if i < 2 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return lines


def _load(result: dict[str, Any]) -> list[str]:
    """A line with the load average before the run, where it was known."""
    load = result.get("load_average")
    if load is None:
        return []
    cpus = result.get("environment", {}).get("cpus")
    on = f" on {cpus} cores" if cpus else ""
    return [
        f"load average before the run: {load:.2f}{on} (other work slows "
        "every contender)"
    ]


def _threads(n: int) -> str:
    return "1 thread" if n == 1 else f"{n} threads"


def _seconds(s: float) -> str:
    return f"{s:.3f} s" if s < 10 else f"{s:.1f} s"


def _count(n: float) -> str:
    for size, unit in ((1e6, " M"), (1e3, " k")):
        if n >= size:
            return f"{n / size:.2f}{unit}"
    return f"{n:.0f}"


def _bytes(n: int | None) -> str:
    return "n/a" if n is None else f"{n / 2**20:.1f} MiB"


def _difference(d: float | None) -> str:
    return "-" if d is None else f"{d:.1e}"
