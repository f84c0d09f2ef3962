"""``barenet predict``: pictures and rows through a saved model."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image

from barenet.cli import main
from barenet.errors import InputOverflowError
from barenet.io import load_model, save_model
from barenet.network import Network
from barenet.training import TrainConfig, train


@pytest.fixture(scope="module")
def semeion_model(semeion, tmp_path_factory):
    """The seed's network, briefly trained on Semeion, saved."""
    net = Network([256, 30, 20, 10], seed=0)
    train(net, semeion.X, semeion.y, TrainConfig(epochs=60))
    net.info = {"data": semeion.describe()}
    return net, save_model(net, tmp_path_factory.mktemp("m") / "model.npz")


def big_png(path, row):
    """A Semeion row drawn 10 times larger, dark ink on white, as a PNG."""
    grey = np.kron(1 - row.reshape(16, 16), np.ones((10, 10))) * 255
    canvas = np.full((200, 220), 255, dtype=np.uint8)
    canvas[20:180, 30:190] = grey
    Image.fromarray(canvas).save(path)
    return path


def test_predict_reads_pictures_as_the_model_reads_the_data(
    semeion, semeion_model, tmp_path, capsys
):
    net, model = semeion_model
    rows = semeion.X[[0, 1500]]  # both touch all four borders
    files = [big_png(tmp_path / f"d{i}.png", r) for i, r in enumerate(rows)]
    assert main(["predict", str(model), *map(str, files)]) == 0
    said = capsys.readouterr().out
    digits = net.predict(rows)
    P = net.predict_proba(rows)
    for path, digit, p in zip(files, digits, P, strict=True):
        assert f"{path}: {digit}   (0:{p[0]:.2f}  1:{p[1]:.2f}" in said
    assert "What the network saw:" in said and "\u2588" in said
    assert said.count(f"read: {digits[0]}") >= 1


def test_predict_json_gives_probabilities_and_the_picture_seen(
    semeion, semeion_model, tmp_path, capsys
):
    net, model = semeion_model
    path = big_png(tmp_path / "d.png", semeion.X[0])
    assert main(["predict", str(model), str(path), "--json"]) == 0
    [record] = json.loads(capsys.readouterr().out)
    assert record["file"] == str(path)
    assert record["digit"] == int(net.predict(semeion.X[0])[0])
    # A model that records no labels calls its classes by their units.
    assert record["class"] == str(record["digit"])
    np.testing.assert_allclose(
        record["probabilities"], net.predict_proba(semeion.X[0])[0]
    )
    assert record["image"] == semeion.X[0].reshape(16, 16).tolist()
    assert record["preprocessing"] == "semeion"
    assert record["polarity"] == "dark on light"


def test_a_bad_picture_is_one_line_and_the_others_are_still_read(
    semeion, semeion_model, tmp_path, capsys
):
    _, model = semeion_model
    good = big_png(tmp_path / "good.png", semeion.X[0])
    blank = tmp_path / "blank.png"
    Image.new("L", (20, 20), 255).save(blank)
    huge = tmp_path / "huge.bmp"
    header = io.BytesIO()
    Image.new("L", (4, 4)).save(header, format="BMP")
    data = bytearray(header.getvalue())
    data[18:26] = (30000).to_bytes(4, "little") * 2  # width and height
    huge.write_bytes(bytes(data))
    status = main(["predict", str(model), str(blank), str(good), str(huge)])
    assert status == 1
    out, err = capsys.readouterr()
    assert f"{good}: " in out
    assert err.splitlines() == [
        f"{blank}: error: {blank} is blank: no pixel differs from the "
        "background (grey level 1.00) by 0.1 or more, so there is no digit "
        "to read",
        f"{huge}: error: {huge} is too large: its header claims "
        "900,000,000 pixels, the limit is 40,000,000; scale the picture "
        "down (a digit needs no more than a few hundred pixels across)",
    ]


def test_predict_rows_from_a_csv_with_class_names(tmp_path, capsys):
    net = Network([3, 2], output="softmax", seed=1)
    net.info = {"data": {"classes": ["cat", "dog"], "label_column": "kind"}}
    model = save_model(net, tmp_path / "m.npz")
    table = tmp_path / "rows.csv"
    table.write_text("a,kind,b,c\n1,dog,2,3\n-1,cat,0,4\n")
    assert main(["predict", str(model), "--csv", str(table), "--json"]) == 0
    records = json.loads(capsys.readouterr().out)
    P = net.predict_proba([[1, 2, 3], [-1, 0, 4]])
    assert [r["row"] for r in records] == [1, 2]
    assert [r["class"] for r in records] == [
        ["cat", "dog"][k] for k in np.argmax(P, axis=1)
    ]
    np.testing.assert_allclose([r["probabilities"] for r in records], P)

    table.write_text("1,2\n3,4\n")
    assert main(["predict", str(model), "--csv", str(table)]) == 1
    assert (
        f"{table} has 2 features per row, but the model takes 3"
        in capsys.readouterr().err
    )


def test_predict_mistakes_are_one_line(semeion_model, tmp_path, capsys):
    _, model = semeion_model
    assert main(["predict", str(model)]) == 1
    assert "nothing to predict" in capsys.readouterr().err
    fake = tmp_path / "fake.npz"
    fake.write_bytes(b"PK not really")
    assert main(["predict", str(fake), "x.png"]) == 1
    assert capsys.readouterr().err.startswith(
        f"barenet predict: error: not a valid barenet model: {fake} ("
    )
    table = Network([3, 2], seed=0)
    table.info = {"data": {"name": "t.csv", "preprocessing": None}}
    path = save_model(table, tmp_path / "t.npz")
    assert main(["predict", str(path), "x.png"]) == 1
    assert "cannot read a picture" in capsys.readouterr().err


def test_pictures_may_follow_the_options(
    semeion, semeion_model, tmp_path, capsys
):
    net, model = semeion_model
    first = big_png(tmp_path / "a.png", semeion.X[0])
    second = big_png(tmp_path / "b.png", semeion.X[1])
    argv = ["predict", str(model), str(first), "--json", str(second)]
    assert main(argv) == 0
    records = json.loads(capsys.readouterr().out)
    assert [r["file"] for r in records] == [str(first), str(second)]
    assert [r["digit"] for r in records] == net.predict(semeion.X[:2]).tolist()


def test_grey_pictures_are_drawn_with_their_greys(tmp_path, capsys):
    # A model of 784 inputs reads pictures the MNIST way, grey levels kept.
    net = Network([784, 10], seed=0)
    path = tmp_path / "bars.png"
    grey = np.full((60, 60), 255, dtype=np.uint8)
    grey[10:50, 20:24] = 0  # a black bar 40 tall and 4 wide,
    grey[10:50, 24:28] = 128  # and a grey one beside it: ink 127/255
    Image.fromarray(grey).save(path)
    model = save_model(net, tmp_path / "m.npz")
    assert main(["predict", str(model), str(path)]) == 0
    drawing = capsys.readouterr().out.split("What the network saw:\n")[1]
    # Fitted into 20x20 (halved), each bar is 2 pixels wide: the grey one,
    # 0.498, is drawn in medium shade (level 1/2), two characters a pixel.
    rows = [line[1:-1] for line in drawing.splitlines()[1:29]]
    assert len(rows) == 28 and all(len(row) == 56 for row in rows)
    assert rows[14].strip() == "\u2588" * 4 + "\u2592" * 4


def _train_on(table, out, *options):
    args = ["train", "--csv", str(table), "--hidden", "4", "--epochs", "5"]
    assert main([*args, *options, "--quiet", "--out", str(out)]) == 0
    return load_model(out / "model.npz")


def _rows_predicted(capsys, *argv):
    capsys.readouterr()
    assert main(["predict", *argv, "--json"]) == 0
    return [r["probabilities"] for r in json.loads(capsys.readouterr().out)]


def test_rows_without_a_header_with_or_without_their_labels(tmp_path, capsys):
    # Trained on a table without a header, labels in the last column: the
    # model records that column by its index, and finds it there again.
    table = tmp_path / "t.csv"
    rows = [[i % 5, (i * 7) % 3, i % 2, "ab"[i % 2]] for i in range(30)]
    table.write_text("".join(",".join(map(str, r)) + "\n" for r in rows))
    net = _train_on(table, tmp_path / "r")
    assert net.info["data"]["label_column"] == "3"
    model = str(tmp_path / "r" / "model.npz")
    X = np.array([r[:3] for r in rows], dtype=float)
    expected = net.predict_proba(X)
    np.testing.assert_allclose(
        _rows_predicted(capsys, model, "--csv", str(table)), expected
    )
    # The same rows without labels: as wide as the model's input.
    bare = tmp_path / "bare.csv"
    bare.write_text("".join(",".join(map(str, r[:3])) + "\n" for r in rows))
    np.testing.assert_allclose(
        _rows_predicted(capsys, model, "--csv", str(bare)), expected
    )
    # Labels moved to the front: --label says where, by index.
    front = tmp_path / "front.csv"
    front.write_text(
        "".join(",".join(map(str, [r[3], *r[:3]])) + "\n" for r in rows)
    )
    np.testing.assert_allclose(
        _rows_predicted(capsys, model, "--csv", str(front), "--label", "0"),
        expected,
    )


def test_a_header_trained_model_reads_rows_without_the_header(tmp_path, capsys):
    table = tmp_path / "t.csv"
    rows = [[i % 5, "ab"[i % 2], (i * 7) % 3, i % 2] for i in range(30)]
    lines = ["x,kind,y,z", *(",".join(map(str, r)) for r in rows)]
    table.write_text("\n".join(lines) + "\n")
    net = _train_on(table, tmp_path / "r", "--label", "kind")
    assert net.info["data"]["label_index"] == 1
    model = str(tmp_path / "r" / "model.npz")
    expected = net.predict_proba(
        np.array([[r[0], r[2], r[3]] for r in rows], dtype=float)
    )
    bare = tmp_path / "bare.csv"
    bare.write_text("\n".join(lines[1:]) + "\n")
    np.testing.assert_allclose(
        _rows_predicted(capsys, model, "--csv", str(bare)), expected
    )
    # By name, where the header has it elsewhere.
    moved = tmp_path / "moved.csv"
    moved.write_text(
        "kind,x,y,z\n" + "".join(f"{r[1]},{r[0]},{r[2]},{r[3]}\n" for r in rows)
    )
    np.testing.assert_allclose(
        _rows_predicted(capsys, model, "--csv", str(moved)), expected
    )


def test_label_column_mistakes(tmp_path, capsys):
    net = Network([2, 2], seed=0)  # records no label column
    model = save_model(net, tmp_path / "m.npz")
    table = tmp_path / "t.csv"
    table.write_text("1,2,0\n3,4,1\n")
    assert main(["predict", str(model), "--csv", str(table)]) == 1
    assert capsys.readouterr().err == (
        f"barenet predict: error: {table} has 3 features per row, but the "
        "model takes 2; if one column holds labels, name it with --label "
        "NAME or --label INDEX (0 is the first column)\n"
    )
    table.write_text("1,2,x\n3,4,y\n")
    assert main(["predict", str(model), "--csv", str(table)]) == 1
    assert capsys.readouterr().err == (
        f"barenet predict: error: {table}, line 1: expected a finite number "
        "in column 2, found 'x'; if that column holds labels, name it with "
        "--label (its name, or its index from 0)\n"
    )
    argv = ["predict", str(model), "--csv", str(table), "--label", "2"]
    assert main(argv) == 0
    assert capsys.readouterr().out.splitlines()[0].startswith("row 1: ")
    argv = ["predict", str(model), "--csv", str(table), "--label", "kind"]
    assert main(argv) == 1
    assert capsys.readouterr().err == (
        f"barenet predict: error: {table}: the file has no header, so the "
        "label column cannot be found by the name 'kind'; give its index "
        "(0..2)\n"
    )
    assert main(["predict", str(model), "x.png", "--label", "0"]) == 1
    assert capsys.readouterr().err == (
        "barenet predict: error: --label names the label column of a --csv "
        "file; pictures have none\n"
    )


def test_rows_too_large_for_the_network_are_refused_by_row(tmp_path, capsys):
    # 1e308 in every column: the relu layer's sums overflow to inf, and the
    # next layer's sums of inf and -inf give nan.
    net = Network([4, 2, 3], activation="relu", output="softmax", seed=1)
    net.layers[0].W[...] = 1.0
    net.layers[1].W[...] = [[1.0, 1.0, 0.5], [1.0, -1.0, 0.5]]
    net.info = {"data": {"classes": ["a", "b", "c"], "label_column": "y"}}
    model = save_model(net, tmp_path / "m.npz")
    table = tmp_path / "rows.csv"
    table.write_text("p,q,r,s\n1,2,3,4\n1e308,1e308,1e308,1e308\n")
    for options in ([], ["--json"]):
        assert main(["predict", str(model), "--csv", str(table), *options]) == 1
        out, err = capsys.readouterr()
        assert out == ""
        assert err == (
            f"barenet predict: error: {table}, row 2: too large for this "
            "model, whose outputs overflow to inf or nan (the row's largest "
            "value is 1e+308); scale the rows like the data the model was "
            "trained on\n"
        )
    with pytest.raises(
        InputOverflowError,
        match=r"^X\[1\] is too large for this network: its outputs overflow "
        r"to inf or nan \(its largest value is 1e\+308\); scale the input "
        r"like the data the network was trained on$",
    ):
        net.predict_proba([[1, 2, 3, 4], [1e308] * 4])
    with pytest.raises(InputOverflowError, match=r"^X is too large"):
        net.predict([1e308] * 4)
    assert net.predict_proba([[1, 2, 3, 4], [1e300, 0, 0, 0]]).shape == (2, 3)


def test_text_from_files_cannot_steer_the_terminal(tmp_path, capsys):
    # A model's labels and a file's name are printed with every character
    # a terminal would act on (ESC, BEL, CR) written as an escape.
    net = Network([2, 2], output="softmax", seed=0)
    net.info = {"data": {"classes": ["\x1b[31mred\x07", "\rok"]}}
    model = save_model(net, tmp_path / "m.npz")
    table = tmp_path / "rows.csv"
    table.write_text("a,b\n1,2\n-1,-2\n")
    assert main(["predict", str(model), "--csv", str(table)]) == 0
    out = capsys.readouterr().out
    rows = [[1, 2], [-1, -2]]
    shown = ["\\x1b[31mred\\x07", "\\x0dok"]
    P = net.predict_proba(rows)
    assert out.splitlines() == [
        f"row {i + 1}: {shown[k]} ({P[i, k]:.2f})"
        for i, k in enumerate(net.predict(rows))
    ]
    assert "\x1b" not in out and "\r" not in out

    missing = tmp_path / "a\x1b[2Jb.csv"
    assert main(["evaluate", str(model), "--csv", str(missing)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("barenet evaluate: error: ")
    assert "a\\x1b[2Jb.csv" in err and "\x1b" not in err
