"""Tables read for a model by ``barenet predict --csv`` and ``barenet
evaluate --csv``: columns by the names the model records, labels as the
model holds them, and numbers too large for the model's type."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris

from barenet.cli import main
from barenet.data import load_csv
from barenet.errors import ConfigError
from barenet.network import Network
from barenet.sklearn import BarenetClassifier

COLUMNS = ["sl", "sw", "pl", "pw"]


@pytest.fixture(scope="module")
def iris_frame():
    X, y = load_iris(return_X_y=True)
    return pd.DataFrame(X, columns=COLUMNS), y


def fitted(X, labels, tmp_path, name, **params):
    """An estimator fitted on (X, labels) and saved: (it, its file)."""
    clf = BarenetClassifier((6,), epochs=100, random_state=0, **params)
    clf.fit(X, labels)
    return clf, clf.save(tmp_path / f"{name}.npz")


def accuracy_said(capsys) -> str:
    out = capsys.readouterr().out
    return next(line for line in out.splitlines() if line.startswith("Acc"))


def test_columns_are_taken_by_the_names_the_model_records(
    iris_frame, tmp_path, capsys
):
    frame, y = iris_frame
    species = np.array(["setosa", "versicolor", "virginica"])[y]
    clf, model = fitted(frame, species, tmp_path, "named")
    shuffled = frame[["pw", "pl", "sw", "sl"]]
    rows = tmp_path / "rows.csv"
    shuffled.to_csv(rows, index=False)
    assert main(["predict", str(model), "--csv", str(rows), "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert [r["class"] for r in records] == clf.predict(frame).tolist()

    labelled = tmp_path / "labelled.csv"
    shuffled.assign(species=species).to_csv(labelled, index=False)
    args = ["evaluate", str(model), "--csv", str(labelled)]
    assert main([*args, "--out", str(tmp_path / "ev")]) == 0
    assert accuracy_said(capsys).startswith(
        f"Accuracy: {clf.score(frame, species):.2%} (argmax)"
    )

    # Columns the model does not know, or lacks: named, not guessed.
    frame.rename(columns={"pw": "petal"}).to_csv(rows, index=False)
    assert main(["predict", str(model), "--csv", str(rows)]) == 1
    assert capsys.readouterr().err == (
        f"barenet predict: error: {rows}: the model reads the columns 'sl', "
        "'sw', 'pl', 'pw' by name, and the header has no column 'pw'; "
        "columns the model does not take: 'petal'; give a header with "
        "exactly those names, in any order\n"
    )
    # Without a header, columns are taken in order, as before.
    np.savetxt(rows, frame.to_numpy(), fmt="%g", delimiter=",")
    assert main(["predict", str(model), "--csv", str(rows), "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert [r["class"] for r in records] == clf.predict(frame).tolist()


@pytest.mark.parametrize(
    "names",
    [
        # Beyond 2**53 a float cannot tell them apart.
        [2**53, 2**53 + 1, 2**53 + 2],
        # Strings that read as the same number are three labels.
        ["01", "1", "1.0"],
    ],
    ids=["whole numbers past 2**53", "numbers as strings"],
)
def test_evaluate_matches_labels_as_the_model_holds_them(
    names, iris_frame, tmp_path, capsys
):
    frame, y = iris_frame
    labels = np.array(
        names, dtype=object if isinstance(names[0], str) else None
    )
    clf, model = fitted(frame.to_numpy(), labels[y], tmp_path, "labels")
    table = tmp_path / "labelled.csv"
    frame.assign(label=[str(v) for v in labels[y]]).to_csv(table, index=False)
    args = ["evaluate", str(model), "--csv", str(table)]
    assert main([*args, "--out", str(tmp_path / "ev")]) == 0
    score = clf.score(frame.to_numpy(), labels[y])
    assert accuracy_said(capsys).startswith(f"Accuracy: {score:.2%} (argmax)")


def test_json_classes_keep_the_kind_of_the_labels(iris_frame, tmp_path, capsys):
    frame, y = iris_frame
    rows = tmp_path / "rows.csv"
    frame.iloc[:3].to_csv(rows, index=False)
    for labels in (y * 10, y > 0):
        _, model = fitted(frame, labels, tmp_path, "kinds")
        assert main(["predict", str(model), "--csv", str(rows), "--json"]) == 0
        classes = [r["class"] for r in json.loads(capsys.readouterr().out)]
        assert {type(c) for c in classes} == {type(labels[0].item())}


def test_a_number_too_large_for_float32_is_named_by_its_place(
    iris_frame, tmp_path, capsys
):
    frame, y = iris_frame
    _, model = fitted(frame, y, tmp_path, "f32", dtype="float32")
    rows = tmp_path / "big.csv"
    rows.write_text("sl,sw,pl,pw\n1,2,3,4\n5,6,1e300,7\n")
    assert main(["predict", str(model), "--csv", str(rows)]) == 1
    assert capsys.readouterr().err == (
        f"barenet predict: error: {rows}, row 2, column 3 (pl): 1e+300 is too "
        "large for this model, which computes in float32 (at most 3.4e+38); "
        "scale that column down\n"
    )
    with pytest.raises(
        ConfigError,
        match=r"^X\[1, 2\] is 1e\+300, too large for float32, whose largest "
        r"number is 3\.4e\+38: scale X down$",
    ):
        Network([4, 3], dtype="float32").predict(
            [[1, 2, 3, 4], [5, 6, 1e300, 7]]
        )


def test_tables_tell_whole_numbers_apart_exactly(tmp_path):
    table = tmp_path / "t.csv"
    table.write_text(
        "a,label\n1,9007199254740993\n2,9007199254740992\n3,9007199254740992.0\n"
    )
    data = load_csv(table)
    assert data.extra["classes"] == ["9007199254740992", "9007199254740993"]
    assert data.y.tolist() == [1, 0, 0]
    table.write_text("a,label\n1,1\n2,01\n3,1.0\n4,2\n")
    assert load_csv(table).extra["classes"] == ["1", "2"]
    texts = load_csv(table, labels_as_text=True)
    assert texts.extra["classes"] == ["01", "1", "1.0", "2"]
    assert texts.y.tolist() == [1, 0, 2, 3]
