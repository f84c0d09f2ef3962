"""Cross-validation: every fold trained afresh, figures kept as data."""

from __future__ import annotations

import json

import numpy as np
import pytest

from barenet.cli import main
from barenet.crossval import cross_validate
from barenet.evaluation import stratified_kfold
from barenet.network import Network
from barenet.recipes import Recipe
from barenet.training import TrainConfig, train


def test_each_fold_is_the_recipe_trained_on_its_rows(semeion):
    X, y = semeion.X[::5], semeion.y[::5]
    recipe = Recipe(hidden=[8], train=TrainConfig(epochs=5))
    folds = stratified_kfold(y, 3, seed=1)
    seen = []
    result = cross_validate(
        recipe,
        X,
        y,
        folds,
        protocol="3-fold",
        n_classes=10,
        on_fold=seen.append,
    )
    assert [f.fold for f in seen] == [1, 2, 3]
    # Fold 2 by hand: the same network and training on the same rows.
    train_rows, test_rows = folds[1]
    net = Network([256, 8, 10], seed=0)
    train(net, X[train_rows], y[train_rows], TrainConfig(epochs=5, seed=0))
    hand = np.mean(net.predict(X[test_rows]) == y[test_rows])
    assert result.folds[1].accuracy == hand
    assert result.mean == pytest.approx(np.mean([f.accuracy for f in seen]))
    assert result.std == pytest.approx(
        np.std([f.accuracy for f in seen], ddof=1)
    )
    assert sum(f.n_test for f in result.folds) == len(y)


def test_barenet_cv_writes_a_report(tmp_path, capsys):
    out = tmp_path / "cv.json"
    status = main(
        [
            "cv",
            "kfold",
            "2",
            "--hidden",
            "6",
            "--epochs",
            "3",
            "--out",
            str(out),
        ]
    )
    assert status == 0
    printed = capsys.readouterr()
    assert "Cross-validating preset 'seed' under 2-fold (2 folds, seed 0)" in (
        printed.out
    )
    assert "fold  1: " in printed.out + printed.err
    report = json.loads(out.read_text())
    assert report["protocol"] == "2-fold" and len(report["folds"]) == 2
    assert [f["n_test"] for f in report["folds"]] == [797, 796]
    assert report["recipe"]["hidden"] == [6]
    assert f"Accuracy: {report['mean_accuracy']:.2%} +- " in printed.out


def test_kfold_without_k_is_one_line(capsys):
    assert main(["cv", "kfold"]) == 1
    assert capsys.readouterr().err == (
        "barenet cv: error: kfold needs the number of folds: barenet cv "
        "kfold 10\n"
    )
