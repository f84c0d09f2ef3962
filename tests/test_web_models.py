"""Every kind of model barenet saves, served by ``barenet serve``.

The kinds: the seed's network on Semeion, a convolutional one, networks
whose data are MNIST, USPS or the 8x8 digits, a model of a CSV table,
and models saved by ``BarenetClassifier.save`` (labels, no data record),
one of pictures and one of a table. For each, the command starts and
names it in one line, the API describes it, and a prediction gives the
answer of the network called directly, with the model's own labels.
The command runs in-process with uvicorn's serving loop replaced by a
stub: everything before it (loading, checking, the socket) is real.
"""

from __future__ import annotations

import json
import os
import re

import numpy as np
import pytest
import uvicorn
from fastapi.testclient import TestClient

from barenet.cli import main
from barenet.data.base import class_names
from barenet.io import load_model, save_model
from barenet.network import Network
from barenet.prediction import predict_image
from barenet.sklearn import BarenetClassifier
from barenet.web.app import create_app
from barenet.web.catalog import ModelCatalog

RUN = "20260101-120000"
WORDS = ["zero", "one", "two", "three", "four"]
WORDS += ["five", "six", "seven", "eight", "nine"]


@pytest.fixture(scope="module")
def models(tmp_path_factory, trained_runs, semeion):
    """kind -> path of a model file of that kind."""
    root = tmp_path_factory.mktemp("kinds")
    paths = {"semeion": trained_runs / RUN / "model.npz"}

    def train(name, *options):
        out = root / name
        assert main(["train", "--quiet", "--out", str(out), *options]) == 0
        paths[name] = out / "model.npz"

    train("conv", "--conv", "4:3", "--hidden", "8", "--epochs", "1")
    table = root / "table.csv"
    rng = np.random.default_rng(0)
    rows = rng.random((40, 4))
    table.write_text(
        "a,b,c,d,label\n"
        + "".join(
            ",".join(f"{v:.3f}" for v in row)
            + f",{'yes' if row[0] > 0.5 else 'no'}\n"
            for row in rows
        )
    )
    train("csv", "--csv", str(table), "--epochs", "5")
    for name, width in (("mnist", 784), ("usps", 256), ("digits", 64)):
        net = Network([width, 12, 10], output="softmax", seed=1)
        net.info = {"data": {"name": name, "preprocessing": name}}
        paths[name] = save_model(net, root / f"{name}.npz")
    words = np.array(WORDS)[semeion.y]
    pictures = BarenetClassifier(hidden=(8,), epochs=5, random_state=0)
    paths["sklearn"] = pictures.fit(semeion.X, words).save(root / "sklearn.npz")
    numbers = BarenetClassifier(hidden=(8,), epochs=5, random_state=0)
    paths["sklearn-table"] = numbers.fit(semeion.X[:, :5], semeion.y + 1).save(
        root / "sklearn-table.npz"
    )
    return paths


PICTURES = ["semeion", "conv", "mnist", "usps", "digits", "sklearn"]
NUMBERS = ["csv", "sklearn-table"]


@pytest.fixture
def no_serving_loop(monkeypatch):
    monkeypatch.setattr(uvicorn.Server, "run", lambda self, sockets: None)


@pytest.mark.parametrize("kind", PICTURES + NUMBERS)
def test_barenet_serve_starts_with_every_kind_of_model(
    kind, models, no_serving_loop, capsys, tmp_path
):
    path = models[kind]
    net = load_model(path)
    status = main(
        ["serve", "--port", "0", "--model", str(path), "--runs", str(tmp_path)]
    )
    out, err = capsys.readouterr()
    assert (status, err) == (0, "")
    lines = out.splitlines()
    data = net.info["data"].get("name", "data unknown")
    shape = re.escape(f"{net.n_inputs}-")
    assert re.fullmatch(
        rf"Model: {re.escape(str(path))} \({shape}\S+, {re.escape(data)}"
        r"(, test accuracy \d+\.\d\d%)?\)",
        lines[0],
    ), lines[0]
    if kind in NUMBERS:
        assert lines[1] == (
            f"It reads rows of {net.n_inputs} numbers, not pictures: the page "
            "cannot read a drawing with it, and POST /api/predict takes its "
            'rows as JSON {"features": [...]}.'
        )
    assert lines[-2].startswith("Serving on http://127.0.0.1:")
    assert lines[-1] == "Stopped."


def test_a_convolutional_model_is_described_layer_by_layer(models):
    facts = ModelCatalog("nowhere", pinned=models["conv"]).get().describe()
    assert facts["architecture"] == (
        "256-conv4x3-8-10 (sigmoid units, sigmoid output)"
    )


def client_for(path):
    return TestClient(create_app(ModelCatalog("nowhere", pinned=path)))


@pytest.mark.parametrize("kind", PICTURES)
def test_a_model_of_pictures_reads_an_image_with_its_labels(
    kind, models, semeion, digit_image
):
    net = load_model(models[kind])
    labels = class_names(net.info, net.n_outputs)
    image = digit_image(semeion.X[7])
    expected = predict_image(net, image)  # the library, called directly
    with client_for(models[kind]) as client:
        facts = client.get("/api/model").json()
        answer = client.post(
            "/api/predict", content=image, headers={"Content-Type": "image/png"}
        )
    assert facts["reads"] == "pictures"
    assert facts["labels"] == labels
    assert facts["n_inputs"] == net.n_inputs
    assert facts["input_width"] * facts["input_height"] == net.n_inputs
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["probabilities"] == expected.probabilities.tolist()
    assert body["digit"] == expected.digit
    assert body["label"] == labels[expected.digit]
    assert body["input"]["pixels"] == expected.seen.x.tolist()


def test_labels_saved_by_the_estimator_name_the_classes(models):
    with client_for(models["sklearn"]) as client:
        facts = client.get("/api/model").json()
    # The estimator keeps its classes sorted: output 0 is "eight".
    assert facts["labels"] == sorted(WORDS)
    assert facts["preprocessing"] == "semeion"  # 256 inputs, no record


@pytest.mark.parametrize("kind", NUMBERS)
def test_a_model_of_a_table_reads_features_and_refuses_pictures(
    kind, models, digit_image, semeion
):
    net = load_model(models[kind])
    labels = class_names(net.info, net.n_outputs)
    row = [0.9, 0.1, 0.4, 0.7, 0.2][: net.n_inputs]
    expected = net.predict_proba(np.array([row]))[0]
    with client_for(models[kind]) as client:
        facts = client.get("/api/model").json()
        answer = client.post(
            "/api/predict",
            content=json.dumps({"features": row}),
            headers={"Content-Type": "application/json"},
        )
        picture = client.post(
            "/api/predict",
            content=digit_image(semeion.X[0]),
            headers={"Content-Type": "image/png"},
        )
        pixels = client.post(
            "/api/predict",
            content=json.dumps({"pixels": [1.0] * net.n_inputs}),
            headers={"Content-Type": "application/json"},
        )
        short = client.post(
            "/api/predict",
            content=json.dumps({"features": row[:-1]}),
            headers={"Content-Type": "application/json"},
        )
    assert facts["reads"] == "numbers" and facts["error"] is None
    assert facts["labels"] == labels
    assert facts["preprocessing"] is facts["input_width"] is None
    assert answer.status_code == 200, answer.text
    body = answer.json()
    np.testing.assert_allclose(body["probabilities"], expected, rtol=1e-12)
    assert body["label"] == labels[int(np.argmax(expected))]
    assert body["input"] is None
    source = f" (from {net.info['data']['name']})" if kind == "csv" else ""
    model_id = str(models[kind])
    reads = (
        f"the model '{model_id}' reads rows of {net.n_inputs} numbers{source}"
    )
    assert (picture.status_code, picture.json()["detail"]) == (
        422,
        f"{reads}, not pictures",
    )
    assert (pixels.status_code, pixels.json()["detail"]) == (
        422,
        f'{reads}, not pixels; send them as {{"features": [...]}}',
    )
    assert (short.status_code, short.json()["detail"]) == (
        422,
        f"expected {net.n_inputs} features for the model '{model_id}', "
        f"found {net.n_inputs - 1}",
    )


def test_a_model_of_pictures_takes_features_too(models, semeion):
    net = load_model(models["semeion"])
    x = semeion.X[11]
    with client_for(models["semeion"]) as client:
        answer = client.post(
            "/api/predict",
            content=json.dumps({"features": x.tolist()}),
            headers={"Content-Type": "application/json"},
        ).json()
    assert answer["probabilities"] == net.predict_proba(x[None, :])[0].tolist()
    assert answer["input"] is None


def test_the_default_model_is_the_newest_that_reads_pictures(models, tmp_path):
    runs = tmp_path / "runs"
    for name, source, when in (
        ("old", "semeion", 1_000),
        ("new", "csv", 2_000),
    ):
        (runs / name).mkdir(parents=True)
        (runs / name / "model.npz").write_bytes(models[source].read_bytes())
        os.utime(runs / name / "model.npz", (when, when))
    catalog = ModelCatalog(runs)
    assert [e.id for e in catalog.entries()] == ["new", "old"]
    assert catalog.default_id() == "old"
    (runs / "old" / "model.npz").unlink()
    assert catalog.default_id() == "new"  # else one that reads numbers


def test_a_pinned_model_that_cannot_be_used_is_one_line(
    tmp_path, no_serving_loop, capsys
):
    net = Network([256, 10], seed=0)
    net.info = {"data": {"name": "mnist", "preprocessing": "mnist"}}
    path = save_model(net, tmp_path / "odd.npz")
    assert main(["serve", "--port", "0", "--model", str(path)]) == 1
    assert capsys.readouterr().err == (
        f"barenet serve: error: the model {path} cannot be used: it takes "
        "256 inputs, but its data's preprocessing (mnist) makes 28x28 "
        "images\n"
    )
