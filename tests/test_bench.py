"""The benchmark: its arithmetic, its contenders' agreement, its report."""

from __future__ import annotations

import dataclasses
import importlib.util
import json

import numpy as np
import pytest

from barenet.bench import runner
from barenet.bench.contenders import prepare
from barenet.bench.experiments import MNIST, SEED, Experiment, flops, load_data
from barenet.bench.report import comparison_table, plot_scaling, scaling_table
from barenet.cli import main

TINY_SEED = Experiment(
    name="tiny",
    sizes=(20, 8, 6, 3),
    activation="sigmoid",
    output="sigmoid",
    init="uniform",
    optimizer="sgd",
    lr=1.0,
    l2=0.1,
    batch_size=None,
    epochs=6,
    data="random",
    n_samples=150,
)
"""The seed's algorithm on a tiny random problem."""

TINY_ADAM = dataclasses.replace(
    TINY_SEED,
    activation="relu",
    output="softmax",
    init="he",
    optimizer="adam",
    lr=0.01,
    l2=0.0,
    batch_size=32,
    epochs=1,
)
"""The MNIST experiment's algorithm on a tiny random problem."""

HAVE_TORCH = importlib.util.find_spec("torch") is not None


def test_flops_follow_the_formula_worked_by_hand():
    # Layers 3-4-2: products 3*4 + 4*2 = 20; the first layer sends no
    # error down, so per row 2 (3 * 20 - 12) = 96; 5 rows, 2 epochs.
    tiny = dataclasses.replace(
        TINY_SEED, sizes=(3, 4, 2), n_samples=5, epochs=2
    )
    assert flops(tiny) == 960
    # The seed: 2 (3 * 8480 - 7680) * 1493 rows * 500 iterations.
    assert flops(SEED) == 26_515_680_000
    assert flops(MNIST) == pytest.approx(144.44544e9)


def test_every_contender_ends_with_barenets_weights():
    X, y = load_data(TINY_SEED, "float64")
    ours = prepare("barenet", TINY_SEED, X, y, 1)()
    names = ["loop", "sklearn"] + (["torch"] if HAVE_TORCH else [])
    for name in names:
        theirs = prepare(name, TINY_SEED, X, y, 1)()
        np.testing.assert_allclose(theirs, ours, rtol=0, atol=1e-12)


def test_mini_batches_come_in_the_same_order_for_every_contender():
    # Plain gradient descent on shuffled mini-batches: scikit-learn (and
    # PyTorch) see barenet's batches, so the weights agree.
    experiment = dataclasses.replace(TINY_ADAM, optimizer="sgd", lr=0.1)
    X, y = load_data(experiment, "float64")
    ours = prepare("barenet", experiment, X, y, 1)()
    for name in ["sklearn"] + (["torch"] if HAVE_TORCH else []):
        theirs = prepare(name, experiment, X, y, 1)()
        np.testing.assert_allclose(theirs, ours, rtol=0, atol=1e-12)


@pytest.mark.skipif(not HAVE_TORCH, reason="PyTorch is not installed")
def test_torch_adam_ends_with_barenets_weights():
    X, y = load_data(TINY_ADAM, "float64")
    ours = prepare("barenet", TINY_ADAM, X, y, 1)()
    theirs = prepare("torch", TINY_ADAM, X, y, 1)()
    np.testing.assert_allclose(theirs, ours, rtol=0, atol=1e-12)


@pytest.mark.parametrize("experiment", [TINY_SEED, TINY_ADAM])
def test_the_products_alone_are_the_experiments_arithmetic(
    experiment, monkeypatch
):
    # Every product of the floor, counted as 2 m k n, adds up to the
    # experiment's FLOPs: full batches, and 150 rows in batches of 32
    # (four of 32 and one of 22).
    X, y = load_data(experiment, "float64")
    run = prepare("products", experiment, X, y, 1)
    counted = []
    matmul = np.matmul

    def counting(a, b, out=None):
        counted.append(2 * a.shape[0] * a.shape[1] * b.shape[1])
        return matmul(a, b, out=out)

    monkeypatch.setattr(np, "matmul", counting)
    assert run() is None  # no weights: nothing is trained
    assert sum(counted) == flops(experiment)
    steps = 6 if experiment.batch_size is None else 5
    assert len(counted) == steps * (3 * 3 - 1)


def test_the_worker_times_one_run_in_a_process_of_its_own(tmp_path):
    out = tmp_path / "params.npy"
    result = runner.run_worker(
        {
            "task": "train",
            "experiment": dataclasses.asdict(TINY_ADAM),
            "contender": "barenet",
            "dtype": "float32",
            "threads": 1,
            "params_out": str(out),
        },
        threads=1,
    )
    assert result["seconds"] > 0 and result["cpu_seconds"] > 0
    X, y = load_data(TINY_ADAM, "float32")
    assert result["data_bytes"] == X.nbytes + y.nbytes
    # The data is part of the peak; on Linux the peak is measured.
    assert result["peak_bytes"] is None or result["peak_bytes"] >= X.nbytes
    expected = prepare("barenet", TINY_ADAM, X, y, 1)()
    np.testing.assert_array_equal(np.load(out), expected)


def test_a_failing_worker_is_one_line_naming_the_contender():
    spec = {
        "task": "train",
        "experiment": dataclasses.asdict(TINY_ADAM),
        "contender": "loop",
        "dtype": "float64",
        "threads": 1,
        "params_out": "unused.npy",
    }
    with pytest.raises(
        runner.BenchError,
        match="the loop run failed: ValueError: the per-sample loop runs "
        "the seed's algorithm only",
    ):
        runner.run_worker(spec, threads=1)


def test_compare_gives_a_row_per_contender_and_dtype(monkeypatch):
    monkeypatch.setattr(runner.os, "getloadavg", lambda: (0.25, 0.5, 1.0))
    result = runner.compare(
        TINY_SEED,
        ["barenet", "products", "loop"],
        threads=1,
        repeats=1,
        loop_epochs=2,
        peak_size=128,
    )
    rows = {(r["contender"], r["dtype"]): r for r in result["rows"]}
    assert list(rows) == [
        ("barenet", "float64"),
        ("barenet", "float32"),
        ("products", "float64"),
        ("products", "float32"),
        ("loop", "float64"),
    ]
    floor = rows[("products", "float64")]
    assert floor["max_weight_difference"] is None
    assert floor["barenet_speedup"] == pytest.approx(
        floor["seconds"] / rows[("barenet", "float64")]["seconds"]
    )
    loop = rows[("loop", "float64")]
    # The loop ran 2 of 6 iterations: its time is scaled by 3, and its
    # weights are compared with barenet's after 2 iterations.
    assert loop["epochs_run"] == 2
    assert loop["seconds"] == pytest.approx(3 * loop["runs"][0])
    assert loop["max_weight_difference"] < 1e-12
    assert loop["barenet_speedup"] == pytest.approx(
        loop["seconds"] / rows[("barenet", "float64")]["seconds"]
    )
    assert loop["gflops"] == pytest.approx(
        flops(TINY_SEED) / loop["seconds"] / 1e9
    )
    assert result["load_average"] == 0.25
    assert result["environment"]["blas"][0]["internal_api"] == "openblas"
    json.dumps(result, allow_nan=False)  # the report is plain JSON


RESULT = {
    "experiment": dataclasses.asdict(TINY_SEED),
    "description": TINY_SEED.describe(),
    "flops": 2.5e9,
    "threads": 2,
    "matmul_peak_gflops": {"float64": 50.0, "float32": 100.0},
    "rows": [
        {
            "contender": "barenet",
            "label": "barenet",
            "dtype": "float64",
            "seconds": 0.5,
            "cpu_seconds": 0.9,
            "runs": [0.5, 0.6],
            "epochs_run": 6,
            "samples_per_second": 1800.0,
            "gflops": 5.0,
            "percent_of_peak": 10.0,
            "peak_bytes": 3 * 2**20,
            "data_bytes": 1000,
            "barenet_speedup": 1.0,
            "max_weight_difference": None,
        },
        {
            "contender": "loop",
            "label": "per-sample loop",
            "dtype": "float64",
            "seconds": 12.25,
            "cpu_seconds": 12.0,
            "runs": [12.25],
            "epochs_run": 2,
            "samples_per_second": 73.5,
            "gflops": 0.2,
            "percent_of_peak": 0.4,
            "peak_bytes": None,
            "data_bytes": 1000,
            "barenet_speedup": 24.5,
            "max_weight_difference": 2e-15,
        },
    ],
}


def test_the_comparison_table_reads_as_expected():
    text = comparison_table(RESULT)
    lines = text.splitlines()
    assert lines[0].startswith("tiny: 150 rows of random, 20-8-6-3 sigmoid")
    assert lines[1] == (
        "2.5 GFLOP of matrix products; 2 threads; median of 2 runs; "
        "matrix-product peak 50.0 GFLOP/s (float64), 100.0 (float32)"
    )
    assert lines[3].split() == [
        "contender",
        "dtype",
        "time",
        "cpu",
        "time",
        "samples/s",
        "GFLOP/s",
        "%",
        "peak",
        "peak",
        "mem",
        "barenet",
        "max",
        "|dw|",
    ]
    assert lines[4].split() == [
        "barenet",
        "float64",
        "0.500",
        "s",
        "0.900",
        "s",
        "1.80",
        "k",
        "5.0",
        "10",
        "3.0",
        "MiB",
        "-",
        "-",
    ]
    assert lines[5].split()[3:] == [
        "12.2",
        "s*",
        "12.0",
        "s",
        "74",
        "0.2",
        "0",
        "n/a",
        "24.5x",
        "2.0e-15",
    ]
    assert lines[-1] == "* from 2 of 6 iterations, scaled to all of them."


SCALING = {
    "threads": 2,
    "axes": {
        axis: [
            {
                "value": v,
                "sizes": [784, 32, 32, 10],
                "n_rows": 1000,
                "flops": 1e9,
                "seconds": {
                    "barenet float64": 0.1 * v,
                    "barenet float32": 0.05 * v,
                },
            }
            for v in (1, 2, 4)
        ]
        for axis in ("samples", "width", "depth")
    },
}


def test_the_scaling_table_and_figure(tmp_path):
    text = scaling_table(SCALING)
    assert text.splitlines()[2].split() == [
        "samples",
        "rows",
        "layers",
        "GFLOP",
        "barenet",
        "float64",
        "barenet",
        "float32",
    ]
    assert text.splitlines()[5].split() == [
        "4",
        "1000",
        "784-32-32-10",
        "1.0",
        "0.400",
        "0.200",
    ]
    plot_scaling(SCALING, tmp_path / "scaling.png")
    assert (tmp_path / "scaling.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_asking_for_a_library_that_is_missing_is_one_line(
    monkeypatch, capsys, tmp_path
):
    monkeypatch.setattr(runner, "available", lambda name: name != "torch")
    monkeypatch.setattr(
        "barenet.cli.bench.available", lambda name: name != "torch"
    )
    status = main(
        ["bench", "--contenders", "torch", "--out", str(tmp_path / "b")]
    )
    assert status == 1
    assert capsys.readouterr().err == (
        "barenet bench: error: torch is not installed; install it (pip "
        "install torch) or leave it out of --contenders\n"
    )


def test_unknown_experiments_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["bench", "cifar"])
    assert info.value.code == 2
    assert (
        "argument EXPERIMENT: unknown experiment 'cifar'; expected one of "
        "seed, mnist, scaling" in capsys.readouterr().err
    )


@pytest.mark.parametrize(
    "command, message",
    [
        (
            ["mnist", "--contenders", "loop"],
            "the per-sample loop runs the seed experiment only, not mnist; "
            "add other --contenders, or bench seed",
        ),
        (
            ["scaling", "--contenders", "barenet", "products"],
            "scaling times barenet and torch only, not products; leave it "
            "out of --contenders",
        ),
    ],
)
def test_contenders_an_experiment_cannot_run_are_one_line(
    command, message, capsys, tmp_path
):
    status = main(["bench", *command, "--out", str(tmp_path / "b")])
    assert status == 1
    assert capsys.readouterr().err == f"barenet bench: error: {message}\n"
    assert not (tmp_path / "b").exists()


def test_a_table_without_barenet_has_no_ratios():
    # Only the products alone ran: there is nothing to compare them with.
    floor = {
        **RESULT["rows"][0],
        "contender": "products",
        "label": "products alone",
        "barenet_speedup": None,
    }
    text = comparison_table({**RESULT, "rows": [floor]})
    row = text.splitlines()[4].split()
    assert row[:3] == ["products", "alone", "float64"]
    assert row[-2:] == ["-", "-"]
    assert "products alone: the same matrix products" in text


def test_the_table_says_the_load_before_the_run_and_one_run():
    one = {**RESULT["rows"][0], "runs": [0.5]}
    result = {
        **RESULT,
        "rows": [one],
        "load_average": 1.5,
        "environment": {"cpus": 2},
    }
    lines = comparison_table(result).splitlines()
    assert "; median of 1 run; " in lines[1]
    assert lines[2] == (
        "load average before the run: 1.50 on 2 cores (other work slows "
        "every contender)"
    )
