"""barenet evaluate, end to end, on small models trained for the purpose."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from barenet.cli import main
from barenet.evaluation import holdout_split
from barenet.heldout import rows_digest
from barenet.io import load_model, save_model
from barenet.network import Network

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A small Semeion model trained by the command, seed 3."""
    run = tmp_path_factory.mktemp("trained") / "run"
    status = main(
        [
            "train",
            "--hidden",
            "12",
            "--epochs",
            "40",
            "--seed",
            "3",
            "--out",
            str(run),
            "--quiet",
        ]
    )
    assert status == 0
    return run


def by_hand(net, X, y):
    """Confusion matrix counted one row at a time, apart from barenet's."""
    C = np.zeros((10, 10), dtype=int)
    for row, label in zip(X, y, strict=True):
        C[label, int(np.argmax(net.predict_proba(row)))] += 1
    return C


def test_evaluate_rebuilds_the_test_rows_and_measures_them(
    trained, semeion, capsys
):
    capsys.readouterr()
    assert main(["evaluate", str(trained / "model.npz")]) == 0
    out = capsys.readouterr().out
    folder = trained / "evaluation"

    # Train recorded its test rows: the seeded shuffle's last 100.
    train_report = json.loads((trained / "report.json").read_text())
    _, test_rows = holdout_split(1593, 100, 3)
    split = train_report["data"]["split"]
    assert split["test_rows_sha256"] == rows_digest(test_rows)
    assert split["seed"] == 3 and split["method"] == "holdout"

    # The figures, against a count made row by row.
    net = load_model(trained / "model.npz")
    C = by_hand(net, semeion.X[test_rows], semeion.y[test_rows])
    report = json.loads((folder / "evaluation.json").read_text())
    assert report["confusion"] == C.tolist()
    assert report["n_rows"] == 100
    assert report["accuracy"] == np.trace(C) / 100
    assert report["accuracy"] == train_report["test_accuracy"]
    for k, figures in enumerate(report["per_class"]):
        assert figures["rows"] == C[k].sum()
        assert figures["recall"] == pytest.approx(C[k, k] / C[k].sum())
        if C[:, k].sum():
            assert figures["precision"] == pytest.approx(
                C[k, k] / C[:, k].sum()
            )
    wrong = [
        int(r)
        for r in test_rows
        if net.predict(semeion.X[r])[0] != semeion.y[r]
    ]
    assert sorted(report["wrong_rows"]) == sorted(wrong)

    # What it prints, and the files.
    assert (
        "Data: semeion, 100 rows (the model's test rows, seed 3, same rows by SHA-256)"
        in out
    )
    assert f"Accuracy: {report['accuracy']:.2%} (argmax)" in out
    assert f"Wrong: {len(wrong)} of 100" in out
    text = (folder / "confusion.txt").read_text()
    assert text.split("\n\n")[0] in out  # the per-class table
    assert text.split("\n\n")[1].strip() in out  # the confusion matrix
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        "confusion.png",
        "confusion.txt",
        "evaluation.json",
        "misclassified.png",
        "weights.png",
    ]
    for png in ("confusion.png", "misclassified.png", "weights.png"):
        assert (folder / png).read_bytes()[:8] == PNG
    assert f"Wrote 5 files to {folder}/:" in out


def test_a_changed_data_file_is_refused_unless_all_rows_are_asked_for(
    trained, semeion_path, tmp_path, capsys
):
    changed = tmp_path / "semeion.data"
    lines = semeion_path.read_bytes().splitlines(keepends=True)
    changed.write_bytes(b"".join(lines[:-1]))
    model = str(trained / "model.npz")
    capsys.readouterr()
    assert main(["evaluate", model, "--data", str(changed)]) == 1
    err = capsys.readouterr().err
    assert "is not the data the model was trained on" in err
    assert "measure every row of this one with --all" in err

    out_dir = tmp_path / "all"
    args = ["evaluate", model, "--data", str(changed), "--all"]
    assert main([*args, "--out", str(out_dir)]) == 0
    assert "1592 rows (every row, as --all asks)" in capsys.readouterr().out
    assert (
        json.loads((out_dir / "evaluation.json").read_text())["n_rows"] == 1592
    )


def test_other_data_is_measured_on_every_row(trained, tmp_path, capsys):
    capsys.readouterr()
    out_dir = tmp_path / "usps"
    model = str(trained / "model.npz")
    assert (
        main(["evaluate", model, "--dataset", "usps", "--out", str(out_dir)])
        == 0
    )
    out = capsys.readouterr().out
    assert "Data: usps, 9298 rows (every row: not its training data)" in out
    report = json.loads((out_dir / "evaluation.json").read_text())
    assert sum(c["rows"] for c in report["per_class"]) == 9298


def test_a_model_without_a_record_of_its_data(tmp_path, capsys):
    model = tmp_path / "bare.npz"
    save_model(Network([256, 10], seed=0), model)
    assert main(["evaluate", str(model)]) == 1
    err = capsys.readouterr().err
    assert "does not say which data it was trained on" in err
    assert "--dataset NAME or --csv PATH" in err
    assert main(["evaluate", str(model), "--dataset", "semeion"]) == 0
    weights = tmp_path / "evaluation-semeion" / "weights.png"
    assert weights.read_bytes()[:8] == PNG


def test_an_older_model_file_is_rebuilt_from_its_settings(
    trained, tmp_path, semeion, capsys
):
    net = load_model(trained / "model.npz")
    del net.info["data"]["split"]
    older = tmp_path / "older.npz"
    save_model(net, older)
    capsys.readouterr()
    assert main(["evaluate", str(older)]) == 0
    out = capsys.readouterr().out
    assert "from its seed and test size: an older file, no SHA-256" in out
    evaluated = json.loads(
        (tmp_path / "evaluation" / "evaluation.json").read_text()
    )
    # The same rows as the run held out: the seeded shuffle's last 100.
    _, test_rows = holdout_split(1593, 100, 3)
    C = by_hand(net, semeion.X[test_rows], semeion.y[test_rows])
    assert evaluated["confusion"] == C.tolist()


def test_a_csv_model_answers_with_its_class_names(tmp_path, capsys):
    rng = np.random.default_rng(0)
    rows = ["width,height,kind"]
    for i in range(90):
        kind = ["cat", "dog", "eel"][i % 3]
        centre = {"cat": 0.0, "dog": 3.0, "eel": 6.0}[kind]
        w, h = rng.normal(centre, 0.3, 2)
        rows.append(f"{w:.3f},{h:.3f},{kind}")
    table = tmp_path / "animals.csv"
    table.write_text("\n".join(rows) + "\n")
    run = tmp_path / "run"
    args = ["train", "--csv", str(table), "--hidden", "6", "--epochs", "50"]
    assert main([*args, "--out", str(run), "--quiet"]) == 0
    capsys.readouterr()

    assert main(["evaluate", str(run / "model.npz")]) == 0
    out = capsys.readouterr().out
    assert "Data: animals.csv, 18 rows (the model's test rows, seed 0" in out
    assert "true\\guess" in out and "  cat " in out and "  eel " in out
    # A table has no pictures: figures and matrix only.
    names = sorted(p.name for p in (run / "evaluation").iterdir())
    assert names == ["confusion.png", "confusion.txt", "evaluation.json"]

    moved = tmp_path / "moved.csv"
    shutil.move(table, moved)
    assert main(["evaluate", str(run / "model.npz")]) == 1
    err = capsys.readouterr().err
    assert f"{table}, which is not there any more" in err
    assert main(["evaluate", str(run / "model.npz"), "--csv", str(moved)]) == 0
    # The same table under another name: its test rows, by SHA-256.
    assert "18 rows (the model's test rows" in capsys.readouterr().out


def test_mistakes_are_one_line(trained, tmp_path, capsys):
    model = str(trained / "model.npz")
    afile = tmp_path / "file"
    afile.write_text("x")
    assert main(["evaluate", model, "--out", str(afile)]) == 1
    assert "is a file; give a folder" in capsys.readouterr().err
    assert main(["evaluate", model, "--label", "kind"]) == 1
    assert "--label chooses the label column" in capsys.readouterr().err
    assert main(["evaluate", str(tmp_path / "none.npz")]) == 1
    assert "no model file at" in capsys.readouterr().err


@pytest.mark.parametrize("where", ["afile", "afile/sub"])
def test_a_bad_out_is_refused_before_anything_is_measured(
    where, trained, tmp_path, capsys
):
    (tmp_path / "afile").write_text("x")
    out = tmp_path / where
    model = str(trained / "model.npz")
    capsys.readouterr()
    assert main(["evaluate", model, "--out", str(out)]) == 1
    printed = capsys.readouterr()
    assert printed.out == ""  # no figures printed for nothing
    why = "is a file" if where == "afile" else f"is under the file {out.parent}"
    assert printed.err == (
        f"barenet evaluate: error: --out {out} {why}; give a folder\n"
    )


def test_each_kind_of_rows_gets_its_own_folder(trained, tmp_path, capsys):
    run = tmp_path / "run"
    shutil.copytree(trained, run, ignore=shutil.ignore_patterns("evaluation*"))
    model = str(run / "model.npz")
    assert main(["evaluate", model]) == 0
    held_out = (run / "evaluation" / "evaluation.json").read_bytes()
    assert main(["evaluate", model, "--all"]) == 0
    assert main(["evaluate", model, "--dataset", "semeion"]) == 0
    out = capsys.readouterr().out
    # --all did not replace the figures of the rows the model never saw.
    assert (run / "evaluation" / "evaluation.json").read_bytes() == held_out
    every = json.loads((run / "evaluation-all" / "evaluation.json").read_text())
    assert every["n_rows"] == 1593
    # Its own data named by --dataset: the test rows, as the help says.
    own = json.loads(
        (run / "evaluation-semeion" / "evaluation.json").read_text()
    )
    assert own["n_rows"] == 100
    assert "Data: semeion, 100 rows (the model's test rows" in out
    assert f"Wrote 5 files to {run / 'evaluation-all'}/:" in out
