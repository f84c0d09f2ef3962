"""barenet cv: its options, where its results go, and what survives a stop."""

from __future__ import annotations

import json
import signal
import subprocess
import sys

import pytest

import barenet.cli.cv as cli_cv
from barenet.cli import main

QUICK = ["--hidden", "6", "--epochs", "3"]


def cv(*args):
    return main(["cv", "kfold", "2", *QUICK, *args])


@pytest.fixture
def no_training(monkeypatch):
    """Make loading the data fail loudly: the checks must come first."""

    def load(*args, **kwargs):
        raise AssertionError("the data was loaded before --out was checked")

    monkeypatch.setattr(cli_cv, "load_semeion", load)


def test_a_negative_seed_is_refused_like_trains(capsys):
    with pytest.raises(SystemExit) as info:
        main(["cv", "5x2", "--seed", "-1"])
    assert info.value.code == 2
    assert capsys.readouterr().err.endswith(
        "barenet cv: error: argument --seed: must be 0 or more, got -1\n"
    )


def test_by_default_the_results_go_to_a_new_file_in_runs(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    assert cv() == 0
    assert cv() == 0
    written = sorted((tmp_path / "runs").iterdir())
    assert len(written) == 2  # the second run took a new name
    for path in written:
        assert path.name.startswith("cv-") and path.suffix == ".json"
        report = json.loads(path.read_text())
        assert report["folds_done"] == report["folds_planned"] == 2
        assert report["complete"] is True and report["interrupted"] is False
    assert f"Wrote runs/{written[1].name}\n" in capsys.readouterr().out


def test_a_file_that_is_not_a_cv_result_is_kept(tmp_path, capsys, no_training):
    model = tmp_path / "model.npz"
    model.write_bytes(b"PK\x03\x04 not json")
    assert cv("--out", str(model)) == 1
    assert capsys.readouterr().err == (
        f"barenet cv: error: --out {model} already exists and is not a "
        "result of barenet cv; choose another name, or add --overwrite to "
        "replace it\n"
    )
    assert model.read_bytes() == b"PK\x03\x04 not json"


@pytest.mark.parametrize(
    ("where", "message"),
    [
        (
            "folder",
            "--out {path} is a folder; give a file name, such as "
            "{path}/cv.json",
        ),
        (
            "missing/cv.json",
            "--out {path}: {parent} does not exist; create "
            "the folder first, or choose another place",
        ),
        (
            "afile/cv.json",
            "--out {path}: {parent} is not a folder; create "
            "the folder first, or choose another place",
        ),
    ],
)
def test_a_bad_out_is_refused_before_any_training(
    where, message, tmp_path, capsys, no_training
):
    (tmp_path / "folder").mkdir()
    (tmp_path / "afile").write_text("x")
    path = tmp_path / where
    assert cv("--out", str(path)) == 1
    expected = message.format(path=path, parent=path.parent)
    assert capsys.readouterr().err == f"barenet cv: error: {expected}\n"


def test_an_empty_out_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        cv("--out", "")
    assert info.value.code == 2
    assert "argument --out: expected a path, got ''" in capsys.readouterr().err


def test_an_earlier_result_is_replaced_and_overwrite_replaces_any_file(
    tmp_path,
):
    out = tmp_path / "cv.json"
    out.write_text(json.dumps({"command": "cv", "folds": []}))
    assert cv("--out", str(out)) == 0
    assert len(json.loads(out.read_text())["folds"]) == 2
    other = tmp_path / "notes.txt"
    other.write_text("my notes")
    assert cv("--out", str(other), "--overwrite") == 0
    assert json.loads(other.read_text())["complete"] is True


def test_threads_limits_the_matrix_products_of_every_fold(
    tmp_path, monkeypatch, default_blas_threads
):
    from threadpoolctl import threadpool_info

    seen = []
    real = cli_cv.cross_validate

    def spy(*args, **kwargs):
        seen.extend(
            info["num_threads"]
            for info in threadpool_info()
            if info["user_api"] == "blas"
        )
        return real(*args, **kwargs)

    monkeypatch.setattr(cli_cv, "cross_validate", spy)
    out = tmp_path / "cv.json"
    assert cv("--threads", "1", "--out", str(out)) == 0
    assert seen and set(seen) == {1}
    assert json.loads(out.read_text())["threads"] == 1


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_stopped_run_keeps_every_finished_fold(signum, tmp_path):
    out = tmp_path / "cv.json"
    # Twenty folds of half a second or more: the signal comes long before
    # the last, even on a machine too busy to send it at once.
    command = [sys.executable, "-m", "barenet", "cv", "kfold", "20"]
    command += ["--hidden", "6", "--epochs", "500", "--threads", "1"]
    command += ["--out", str(out)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("  fold  1:"):
                break
        # Written as the fold finished, before it was shown: a kill now
        # would lose nothing but the fold in progress.
        early = json.loads(out.read_text())
        proc.send_signal(signum)
        printed = line + proc.stdout.read()
        assert proc.wait(timeout=120) == 128 + signum
    assert early["folds_done"] >= 1 and early["complete"] is False
    report = json.loads(out.read_text())
    done = printed.count("  fold ")
    assert 1 <= done < 20
    assert report["folds_done"] == len(report["folds"]) == done
    assert report["folds_planned"] == 20
    assert (report["interrupted"], report["complete"]) == (True, False)
    assert f"Interrupted after {done} of 20 folds\n" in printed
    mean = sum(f["accuracy"] for f in report["folds"]) / done
    assert report["mean_accuracy"] == pytest.approx(mean)
