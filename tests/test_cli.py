"""The barenet command, end to end, as a user runs it."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from barenet.cli import main
from barenet.io import load_model
from barenet.runs import LOCK, claim_run_dir


def run_cli(*args, cwd=None, env=None):
    return subprocess.run(
        [sys.executable, "-m", "barenet", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )


def test_train_end_to_end_writes_every_file(tmp_path):
    result = run_cli("train", "--epochs", "40", "--out", "run", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Data: X (1593, 256), Y (1593, 10)" in out
    assert "Split: 1493 training rows, 100 test rows (seed 0)" in out
    assert "Actual: " in out and "Guess:  " in out and "\u2588" in out
    assert "Right: " in out and "Wrong: " in out
    run = tmp_path / "run"
    names = sorted(p.name for p in run.iterdir())
    assert names == [
        "accuracy.png",
        "cost.png",
        "model.npz",
        "report.json",
        "samples.png",
    ]
    for png in ("accuracy.png", "cost.png", "samples.png"):
        assert (run / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    report = json.loads((run / "report.json").read_text())
    assert report["config"]["epochs"] == 40 and report["config"]["lr"] == 1.0
    assert report["seed"] == 0
    assert report["data"]["md5"] == "cb545d371d2ce14ec121470795a77432"
    assert report["environment"]["numpy"] == np.__version__
    assert report["training_seconds"] > 0
    for name in ("cost", "test_accuracy", "test_exact"):
        assert len(report["history"][name]) == 40
    assert report["test_accuracy"] == report["history"]["test_accuracy"][-1]
    assert f"Test accuracy: {report['test_accuracy']:.2%} (argmax)" in out

    net = load_model(run / "model.npz")
    assert net.sizes == (256, 30, 20, 10)
    assert net.info["config"]["epochs"] == 40


def test_options_change_the_run(tmp_path):
    result = run_cli(
        "train",
        "--hidden",
        "12",
        "--epochs",
        "3",
        "--lr",
        "0.5",
        "--l2",
        "0",
        "--test-size",
        "0.25",
        "--seed",
        "4",
        "--out",
        str(tmp_path / "r"),
        "--quiet",
    )
    assert result.returncode == 0, result.stderr
    assert "Split: 1195 training rows, 398 test rows (seed 4)" in result.stdout
    assert "Actual" not in result.stdout  # --quiet draws no digits
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    assert report["config"]["architecture"]["sizes"] == [256, 12, 10]
    assert (report["config"]["lr"], report["config"]["l2"]) == (0.5, 0.0)
    assert report["data"]["n_test"] == 398


def test_piped_output_has_no_progress_bar(tmp_path):
    result = run_cli("train", "--epochs", "5", "--out", str(tmp_path / "r"))
    assert result.returncode == 0
    assert "Training" not in result.stderr and "it/s" not in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--lr", "-1"], "argument --lr: must be greater than 0, got -1"),
        (
            ["--epochs", "ten"],
            "argument --epochs: expected a whole number, got 'ten'",
        ),
        (
            ["--test-size", "1.5"],
            "argument --test-size: expected a number of rows",
        ),
        (["--l2", "nan"], "argument --l2: expected a finite number, got 'nan'"),
    ],
)
def test_bad_options_exit_2_with_the_reason(args, message, capsys):
    with pytest.raises(SystemExit) as info:
        main(["train", *args])
    assert info.value.code == 2
    assert message in capsys.readouterr().err


def test_a_missing_data_file_is_one_line_not_a_traceback(tmp_path):
    result = run_cli(
        "train",
        "--data",
        str(tmp_path / "nope.data"),
        "--out",
        str(tmp_path / "r"),
    )
    assert result.returncode == 1
    assert result.stderr.startswith(
        "barenet train: error: cannot read the Semeion file"
    )
    assert "Traceback" not in result.stderr


def test_no_network_and_no_cache_says_how_to_supply_the_file(tmp_path):
    env = {
        **os.environ,
        "BARENET_DATA": str(tmp_path / "cache"),
        "BARENET_MIRROR": "http://127.0.0.1:9",
    }
    result = run_cli("train", "--out", str(tmp_path / "r"), env=env)
    assert result.returncode == 1
    assert "could not download semeion.data" in result.stderr
    assert "--data PATH" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "cache" / "semeion" / "semeion.data").exists()


def test_a_run_folder_is_never_overwritten(tmp_path):
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "report.json").write_text("{}")
    result = run_cli("train", "--out", str(tmp_path / "r"))
    assert result.returncode == 1
    assert "already holds a run (report.json)" in result.stderr
    assert (tmp_path / "r" / "report.json").read_text() == "{}"


def test_help_and_version():
    result = run_cli("--help")
    assert result.returncode == 0 and "train" in result.stdout
    result = run_cli("train", "--help")
    for option in (
        "--data",
        "--hidden",
        "--epochs",
        "--lr",
        "--l2",
        "--test-size",
        "--seed",
        "--out",
        "--quiet",
    ):
        assert option in result.stdout
    assert run_cli("--version").stdout.startswith("barenet ")


def test_a_reader_that_goes_away_does_not_lose_the_run(tmp_path):
    # `barenet train | head -1`: the pipe closes after the first line, and
    # with unbuffered output the next print meets a broken pipe at once.
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    command = [
        sys.executable,
        "-m",
        "barenet",
        "train",
        "--epochs",
        "3",
        "--out",
        str(tmp_path / "r"),
    ]
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        assert proc.stdout.readline().startswith(b"Data: X (1593, 256)")
        proc.stdout.close()
        stderr = proc.stderr.read()
        assert proc.wait(timeout=300) == 0
    assert stderr == b""
    assert (tmp_path / "r" / "model.npz").is_file()


def test_no_command_prints_the_help():
    result = run_cli()
    assert result.returncode == 0
    assert result.stdout.startswith("usage: barenet")
    assert "train" in result.stdout


def test_paths_the_terminal_cannot_show_are_escaped(tmp_path):
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    result = run_cli("train", "--data", str(tmp_path / "\u00fc.data"), env=env)
    assert result.returncode == 1
    assert "cannot read the Semeion file" in result.stderr
    assert "\\xfc.data" in result.stderr and "Traceback" not in result.stderr


def test_a_failed_run_leaves_no_empty_folder(tmp_path):
    result = run_cli("train", "--test-size", "1593", cwd=tmp_path)
    assert result.returncode == 1
    assert "--test-size 1593 gives 1593 test rows out of 1593" in result.stderr
    assert list((tmp_path / "runs").iterdir()) == []


def test_seed_and_samples_must_be_whole_numbers_from_zero(tmp_path, capsys):
    for option in ("--seed", "--samples"):
        with pytest.raises(SystemExit) as info:
            main(["train", option, "-1"])
        assert info.value.code == 2
        assert (
            f"argument {option}: must be 0 or more, got -1"
            in capsys.readouterr().err
        )
    result = run_cli(
        "train", "--epochs", "2", "--samples", "0", "--out", str(tmp_path / "r")
    )
    assert result.returncode == 0, result.stderr
    assert "Actual" not in result.stdout
    assert not (tmp_path / "r" / "samples.png").exists()
    result = run_cli(
        "train", "--epochs", "1", "--samples", "1", "--out", str(tmp_path / "s")
    )
    assert "Trained after 1 iteration in" in result.stdout
    assert "1 test digit and the network's guesses:" in result.stdout


@pytest.mark.parametrize(
    "command",
    [
        ["train", "--epochs", "1", "--out"],
        ["train", "--epochs", "1", "--resume"],
        ["bench", "--out"],
        ["evaluate", "model.npz", "--out"],
    ],
    ids=["train --out", "train --resume", "bench --out", "evaluate --out"],
)
def test_an_empty_folder_name_is_refused(
    command, tmp_path, monkeypatch, capsys
):
    # argparse would make "" the current folder, Path("").
    option = command[-1]
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as info:
        main([*command, ""])
    assert info.value.code == 2
    assert (
        f"argument {option}: expected a folder, got an empty string; name "
        "one (. is the current folder)" in capsys.readouterr().err
    )
    assert list(tmp_path.iterdir()) == []


def test_a_folder_in_use_by_another_run_is_refused(tmp_path):
    folder = tmp_path / "r"
    folder.mkdir()
    # This test's own process stands in for another running command.
    with claim_run_dir(folder):
        result = run_cli("train", "--epochs", "1", "--out", str(folder))
    assert result.returncode == 1
    assert (
        f"another barenet command (process {os.getpid()}, started "
        in result.stderr
    )
    assert (
        f") is writing to {folder}; wait for it to finish. If none is "
        f"running, the lock is stale: delete {folder / LOCK} and try again\n"
    ) in result.stderr
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize("named", ["1", "self", "dead", "", "junk"])
def test_a_lock_left_by_a_killed_command_is_taken_over(named, tmp_path):
    # Whatever a lock file says, only a process holding it counts: process
    # ids are given again (a container's first process is always 1), and
    # a killed command's file may hold anything.
    pids = {
        "self": str(os.getpid()),
        "dead": subprocess.run(
            [sys.executable, "-c", "import os; print(os.getpid())"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout,
    }
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / LOCK).write_text(pids.get(named, named) + "\n")
    result = run_cli("train", "--epochs", "1", "--out", str(tmp_path / "r"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "r" / "model.npz").is_file()
    assert not (tmp_path / "r" / LOCK).exists()


def test_a_lock_is_held_before_its_holder_has_written_its_name(tmp_path):
    # A command that has made the lock file but not yet written in it
    # holds the folder all the same.
    folder = tmp_path / "r"
    folder.mkdir()
    fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        result = run_cli("train", "--epochs", "1", "--out", str(folder))
    finally:
        os.close(fd)
    assert result.returncode == 1
    assert "another barenet command is writing to" in result.stderr
    assert (folder / LOCK).read_text() == ""


def test_a_command_removes_its_own_lock_and_no_other(tmp_path):
    folder = tmp_path / "r"
    folder.mkdir()
    with claim_run_dir(folder):
        # Deleted by hand while held, and made again by another command.
        (folder / LOCK).unlink()
        (folder / LOCK).write_text("another command's\n")
    assert (folder / LOCK).read_text() == "another command's\n"
    with claim_run_dir(folder):
        assert (folder / LOCK).read_text().startswith("process ")
    assert not (folder / LOCK).exists()


def test_sigterm_stops_training_and_keeps_the_run(tmp_path):
    command = [
        sys.executable,
        "-m",
        "barenet",
        "train",
        "--epochs",
        "100000",
        "--out",
        str(tmp_path / "r"),
    ]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("Network:"):
                break
        time.sleep(1.0)
        proc.send_signal(signal.SIGTERM)
        out = proc.stdout.read()
        assert proc.wait(timeout=120) == 128 + signal.SIGTERM
    assert "Stopped (interrupted) after" in out
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    assert report["interrupted"] is True
    load_model(tmp_path / "r" / "model.npz")
    assert not (tmp_path / "r" / ".barenet-run").exists()


def test_a_huge_cost_is_reported_readably_and_as_valid_json(tmp_path):
    result = run_cli(
        "train",
        "--epochs",
        "3",
        "--lr",
        "1e6",
        "--quiet",
        "--out",
        str(tmp_path / "r"),
    )
    line = next(
        x
        for x in result.stdout.splitlines()
        if x.startswith("Final training cost")
    )
    assert len(line) < 40, line
    json.loads((tmp_path / "r" / "report.json").read_text())


def test_a_subcommands_mistake_shows_its_own_usage(capsys):
    with pytest.raises(SystemExit) as info:
        main(["train", "--bogus"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: barenet train ")
    assert "barenet train: error: unrecognized arguments: --bogus" in err
