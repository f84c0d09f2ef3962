"""``barenet train`` on other data: named data sets and CSV tables."""

from __future__ import annotations

import json

import pytest

from barenet.cli import main
from barenet.io import load_model

FEW = ("--epochs", "2", "--hidden", "8", "--samples", "2")


def test_train_on_usps_keeps_its_own_test_set(tmp_path, capsys):
    out = tmp_path / "r"
    status = main(["train", "--dataset", "usps", "--out", str(out), *FEW])
    assert status == 0
    said = capsys.readouterr().out
    assert "Data: X (9298, 256), Y (9298, 10)" in said
    assert (
        "Split: 7291 training rows, 2007 test rows (USPS's own test set)"
        in said
    )
    assert "Actual: " in said
    report = json.loads((out / "report.json").read_text())
    assert report["data"]["preprocessing"] == "usps"
    assert report["data"]["n_test"] == 2007
    net = load_model(out / "model.npz")
    assert net.sizes == (256, 8, 10)
    assert net.info["data"]["preprocessing"] == "usps"


def test_a_test_size_overrides_the_own_split(tmp_path, capsys):
    args = ["train", "--dataset", "usps", "--epochs", "1", "--quiet"]
    assert (
        main([*args, "--test-size", "0.5", "--out", str(tmp_path / "r")]) == 0
    )
    assert "Split: 4649 training rows, 4649 test rows (seed 0)" in (
        capsys.readouterr().out
    )


def test_train_on_a_csv_table_takes_its_widths_from_the_data(tmp_path, capsys):
    rows = ["x1,x2,x3,kind"] + [
        f"{i % 7},{i % 3},{i % 5},{'abc'[i % 3]}" for i in range(60)
    ]
    table = tmp_path / "t.csv"
    table.write_text("\n".join(rows) + "\n")
    out = tmp_path / "r"
    status = main(
        [
            "train",
            "--csv",
            str(table),
            "--label",
            "kind",
            "--out",
            str(out),
            *FEW,
        ]
    )
    assert status == 0
    said = capsys.readouterr().out
    assert "Labels: column 'kind'" in said
    assert "Split: 48 training rows, 12 test rows (seed 0)" in said
    assert "Actual" not in said  # a table holds no pictures to draw
    assert sorted(p.name for p in out.iterdir()) == [
        "accuracy.png",
        "cost.png",
        "model.npz",
        "report.json",
    ]
    net = load_model(out / "model.npz")
    assert net.sizes == (3, 8, 3)
    assert net.info["data"]["classes"] == ["a", "b", "c"]
    assert net.info["data"]["preprocessing"] is None


def test_data_option_mistakes(tmp_path, capsys):
    assert main(["train", "--label", "x", "--out", str(tmp_path / "a")]) == 1
    assert "--label chooses the label column of a --csv file" in (
        capsys.readouterr().err
    )
    with pytest.raises(SystemExit) as info:
        main(["train", "--dataset", "usps", "--csv", "t.csv"])
    assert info.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["train", "--dataset", "cifar"])
    assert "invalid choice: 'cifar'" in capsys.readouterr().err


def test_conv_layers_are_refused_before_anything_runs(tmp_path, capsys):
    # A table of four numbers per row would pass for 2x2 pictures: it must
    # be refused because it is a table, before the file is even read.
    table = tmp_path / "absent.csv"
    out = tmp_path / "r"
    args = ["train", "--csv", str(table), "--out", str(out)]
    assert main([*args, "--conv", "4:3"]) == 1
    assert capsys.readouterr().err == (
        f"barenet train: error: --conv 4:3 needs pictures, but --csv {table} "
        "holds rows of numbers; train on it without convolutional layers\n"
    )
    assert main([*args, "--preset", "best"]) == 1
    assert capsys.readouterr().err == (
        "barenet train: error: --conv 32:5 64:3 (from --preset best) needs "
        f"pictures, but --csv {table} holds rows of numbers; train on it "
        "without convolutional layers (--conv alone removes them)\n"
    )
    assert not out.exists()

    # Semeion's pictures are 16x16: a 17x17 kernel cannot fit.
    assert main(["train", "--conv", "4:17", "--out", str(out)]) == 1
    assert capsys.readouterr().err.endswith(
        "error: a convolutional layer's 17x17 kernel is larger than the "
        "16x16 images it receives; use kernels of at most 15x15 there, or "
        "fewer convolutional layers (each one's 2x2 pooling halves the "
        "images)\n"
    )
    assert not out.exists()
