"""The web API through FastAPI's test client: answers, and every refusal.

The model is the session's trained Semeion network (``trained_runs``);
the right answers come from the same network called directly, and the
images are Semeion test digits drawn larger, which the Semeion
preprocessing must turn back into exactly the original 16x16 pixels.
"""

from __future__ import annotations

import asyncio
import io
import json
import re

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from barenet.evaluation import holdout_split
from barenet.io import load_model, save_model
from barenet.network import Network
from barenet.prediction import predict_image
from barenet.web.app import MAX_BODY_BYTES, create_app
from barenet.web.catalog import ModelCatalog

RUN = "20260101-120000"


@pytest.fixture(scope="module")
def client(trained_runs):
    with TestClient(create_app(ModelCatalog(trained_runs))) as client:
        yield client


@pytest.fixture(scope="module")
def net(trained_runs):
    return load_model(trained_runs / RUN / "model.npz")


@pytest.fixture(scope="module")
def test_rows(semeion):
    _, rows = holdout_split(len(semeion.y), 100, seed=0)
    return rows


def post_json(client, body, **params):
    return client.post(
        "/api/predict",
        content=json.dumps(body),
        params=params,
        headers={"Content-Type": "application/json"},
    )


def post_image(client, data, kind="image/png"):
    return client.post(
        "/api/predict", content=data, headers={"Content-Type": kind}
    )


# -- what a model is ------------------------------------------------------


def test_the_models_list_describes_the_trained_run(client, trained_runs):
    report = json.loads((trained_runs / RUN / "report.json").read_text())
    answer = client.get("/api/models")
    assert answer.status_code == 200
    assert answer.json() == {
        "runs": str(trained_runs),
        "default": RUN,
        "hint": None,
        "models": [
            {
                "id": RUN,
                "path": str(trained_runs / RUN / "model.npz"),
                "architecture": "256-30-20-10 (sigmoid units, sigmoid output)",
                "dataset": "semeion",
                "test_accuracy": report["test_accuracy"],
                "created": report["created"],
                "reads": "pictures",
                "n_inputs": 256,
                "labels": [str(d) for d in range(10)],
                "preprocessing": "semeion",
                "input_width": 16,
                "input_height": 16,
                "error": None,
            }
        ],
    }
    assert client.get("/api/model").json() == answer.json()["models"][0]
    assert client.get("/api/model", params={"model": RUN}).status_code == 200


def test_an_unknown_model_is_404_naming_the_known_ones(client):
    answer = client.get("/api/model", params={"model": "../etc"})
    assert answer.status_code == 404
    assert answer.json()["detail"].startswith(
        "no model '../etc' in "
    ) and answer.json()["detail"].endswith(f"the models there are: {RUN}")
    answer = post_json(client, {"pixels": [1.0] * 256}, model="nope")
    assert answer.status_code == 404


# -- answers --------------------------------------------------------------


def test_json_pixels_get_the_networks_own_answer(
    client, net, semeion, test_rows
):
    X = semeion.X[test_rows[:20]]
    expected = net.predict_proba(X)
    for x, p in zip(X, expected, strict=True):
        answer = post_json(client, {"pixels": x.tolist()})
        assert answer.status_code == 200
        body = answer.json()
        np.testing.assert_allclose(body["probabilities"], p, rtol=1e-12)
        assert body["digit"] == int(np.argmax(p))
        assert body["label"] == str(body["digit"])
        assert body["input"] == {
            "width": 16,
            "height": 16,
            "pixels": x.tolist(),
        }
        assert body["preprocessing"] is None and body["polarity"] is None
        assert body["model"] == RUN


@pytest.mark.parametrize(
    ("fmt", "kind", "light_on_dark", "polarity"),
    [
        ("PNG", "image/png", False, "dark on light"),
        ("PNG", "image/png", True, "light on dark"),
        ("JPEG", "image/jpeg", False, "dark on light"),
    ],
)
def test_an_image_file_is_preprocessed_back_to_the_digit(
    client,
    net,
    semeion,
    test_rows,
    digit_image,
    fmt,
    kind,
    light_on_dark,
    polarity,
):
    x = semeion.X[test_rows[3]]
    data = digit_image(x, fmt=fmt, light_on_dark=light_on_dark)
    answer = post_image(client, data, kind)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["input"]["pixels"] == x.tolist()
    assert body["digit"] == int(net.predict(x)[0])
    assert (body["preprocessing"], body["polarity"]) == ("semeion", polarity)


def test_the_input_shown_gives_the_same_answer_when_sent_back(
    client, semeion, digit_image
):
    first = post_image(client, digit_image(semeion.X[40], scale=7)).json()
    again = post_json(client, {"pixels": first["input"]["pixels"]}).json()
    assert again["probabilities"] == first["probabilities"]


# -- refusals -------------------------------------------------------------


def refusal(answer, status, pattern):
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/json"
    assert re.search(pattern, answer.json()["detail"]), answer.json()


@pytest.mark.parametrize("kind", ["text/plain", "image/gif", ""])
def test_a_wrong_content_type_is_415(client, kind):
    answer = client.post(
        "/api/predict", content=b"3", headers={"Content-Type": kind}
    )
    found = f"Content-Type '{kind}'" if kind else "no Content-Type"
    refusal(
        answer,
        415,
        rf"^cannot read a body with {found}: send a PNG or JPEG file",
    )


@pytest.mark.parametrize(
    ("data", "pattern"),
    [
        (b"", r"not an image barenet can read \(expected PNG or JPEG\)$"),
        (b"GIF89a but not really", r"not an image barenet can read"),
    ],
)
def test_bytes_that_are_no_image_are_422(client, data, pattern):
    refusal(post_image(client, data), 422, r"^the uploaded image: " + pattern)


def test_a_truncated_image_is_422(client, semeion, digit_image):
    data = digit_image(semeion.X[0], fmt="JPEG")
    refusal(
        post_image(client, data[: len(data) // 2], "image/jpeg"),
        422,
        r"^cannot decode the uploaded image: the file is damaged or truncated",
    )


@pytest.mark.parametrize(
    ("body", "pattern"),
    [
        (b"{", r"^invalid JSON body: body: Invalid JSON"),
        (b"[]", r"^invalid JSON body: body: Input should be an object"),
        (b"{}", r"^invalid JSON body: pixels: Field required$"),
        (b'{"pixels": 3}', r"^invalid JSON body: pixels: Input should be a"),
        (
            b'{"pixels": [0, 1.5]}',
            r"^invalid JSON body: pixels\[1\]: Input "
            r"should be less than or equal to 1$",
        ),
        (b'{"pixels": [-1]}', r"pixels\[0\]: Input should be greater than"),
        (b'{"pixels": ["ink"]}', r"pixels\[0\]: Input should be a valid"),
        (b'{"pixels": [NaN]}', r"pixels\[0\]: Input should be a finite number"),
        (b'{"pixels": [1], "x": 2}', r"x: Extra inputs are not permitted"),
    ],
)
def test_malformed_json_is_422_saying_where(client, body, pattern):
    answer = client.post(
        "/api/predict",
        content=body,
        headers={"Content-Type": "application/json"},
    )
    refusal(answer, 422, pattern)


@pytest.mark.parametrize("count", [0, 255, 257, 784])
def test_the_wrong_pixel_count_is_422(client, count):
    refusal(
        post_json(client, {"pixels": [1.0] * count}),
        422,
        rf"^expected 256 pixel values \(16x16, row by row\) for the model "
        rf"'{RUN}', found {count}$",
    )


def test_a_blank_drawing_is_422(client, digit_image):
    refusal(
        post_json(client, {"pixels": [0.0] * 256}),
        422,
        r"^the drawing is blank: no pixel has any ink",
    )
    refusal(
        post_image(client, digit_image(np.zeros(256))),
        422,
        r"^the uploaded image is blank: no pixel differs from the background",
    )


def test_an_image_over_the_pixel_limit_is_422_before_decoding(client):
    buffer = io.BytesIO()
    Image.new("L", (2000, 1001), 255).save(buffer, "PNG")
    assert len(buffer.getvalue()) < 20_000  # small file, large image
    refusal(
        post_image(client, buffer.getvalue()),
        422,
        r"^the uploaded image is too large: its header claims 2,002,000 "
        r"pixels \(2000x1001\), the limit is 2,000,000",
    )


def test_a_body_declared_over_1_mb_is_413(client):
    answer = client.post(
        "/api/predict",
        content=b"\0" * (MAX_BODY_BYTES + 1),
        headers={"Content-Type": "image/png"},
    )
    refusal(
        answer,
        413,
        r"^the body is 1,000,001 bytes; the limit is 1,000,000 bytes \(1 MB\)",
    )


def test_a_streamed_body_is_cut_off_once_past_1_mb(
    trained_runs, asgi_predict_scope
):
    """Without a Content-Length the body is refused part-way, not read whole.

    The app is driven as an ASGI server would drive it, with 64 KiB
    chunks of a 10 MB body; it must stop asking for more after 1 MB.
    """
    app = create_app(ModelCatalog(trained_runs))
    chunk, chunks = 65_536, 160
    asked = 0
    sent = []

    async def receive():
        nonlocal asked
        asked += 1
        return {
            "type": "http.request",
            "body": b"\0" * chunk,
            "more_body": asked < chunks,
        }

    async def send(message):
        sent.append(message)

    scope = asgi_predict_scope()
    asyncio.run(app(scope, receive, send))
    assert sent[0]["status"] == 413
    assert asked == MAX_BODY_BYTES // chunk + 1  # 16 chunks: 1,048,576 bytes
    assert json.loads(sent[1]["body"])["detail"].startswith(
        "the body is more than 1,000,000 bytes"
    )


# -- no model, broken models ------------------------------------------------


def test_without_a_model_every_route_says_how_to_train_one(tmp_path):
    with TestClient(create_app(ModelCatalog(tmp_path / "runs"))) as client:
        listing = client.get("/api/models").json()
        assert listing["default"] is None and listing["models"] == []
        assert "Train one with 'barenet train'" in listing["hint"]
        for answer in (
            client.get("/api/model"),
            post_json(client, {"pixels": [1.0] * 256}),
        ):
            refusal(answer, 404, r"^no model to use: .* holds no run folder")
        assert client.get("/").status_code == 200


def test_a_model_trained_while_the_server_runs_is_picked_up(tmp_path, net):
    runs = tmp_path / "runs"
    with TestClient(create_app(ModelCatalog(runs))) as client:
        assert client.get("/api/models").json()["default"] is None
        (runs / "later").mkdir(parents=True)
        save_model(net, runs / "later" / "model.npz")
        assert client.get("/api/models").json()["default"] == "later"
        answer = post_json(client, {"pixels": [1.0] * 256})
        assert answer.status_code == 200 and answer.json()["model"] == "later"


def test_an_mnist_model_reads_28x28_pictures(tmp_path, semeion, digit_image):
    """A model whose data is MNIST: pictures are framed as MNIST's were."""
    mnist = Network([784, 10], output="softmax", seed=3)
    mnist.info = {"data": {"name": "mnist", "preprocessing": "mnist"}}
    (tmp_path / "runs" / "m").mkdir(parents=True)
    save_model(mnist, tmp_path / "runs" / "m" / "model.npz")
    with TestClient(create_app(ModelCatalog(tmp_path / "runs"))) as client:
        facts = client.get("/api/model").json()
        assert (facts["input_width"], facts["input_height"]) == (28, 28)
        assert facts["preprocessing"] == "mnist"

        # Drawn 17 times larger, its area averages once rounded past 1,
        # which the answer's schema refused: a server error.
        image = digit_image(semeion.X[0], scale=17)
        answer = post_image(client, image).json()
        seen = predict_image(mnist, image)  # the library, called directly
        assert answer["input"]["width"] == answer["input"]["height"] == 28
        assert answer["input"]["pixels"] == seen.seen.x.tolist()
        assert answer["probabilities"] == seen.probabilities.tolist()
        assert answer["preprocessing"] == "mnist"
        refusal(
            post_json(client, {"pixels": [1.0] * 256}),
            422,
            r"^expected 784 pixel values \(28x28, row by row\) for the model "
            r"'m', found 256$",
        )


def test_a_broken_model_is_listed_but_never_the_default(tmp_path, net):
    runs = tmp_path / "runs"
    (runs / "good").mkdir(parents=True)
    save_model(net, runs / "good" / "model.npz")
    (runs / "zzz-broken").mkdir()
    (runs / "zzz-broken" / "model.npz").write_bytes(b"not a zip")
    with TestClient(create_app(ModelCatalog(runs))) as client:
        listing = client.get("/api/models").json()
        assert listing["default"] == "good"
        broken = next(m for m in listing["models"] if m["id"] == "zzz-broken")
        assert broken["architecture"] is None
        assert broken["error"].startswith("not a valid barenet model")
        refusal(
            post_json(client, {"pixels": [1.0] * 256}, model="zzz-broken"),
            422,
            r"^the model 'zzz-broken' cannot be used: not a valid barenet",
        )


# -- the page and the schema ------------------------------------------------


def test_the_page_and_everything_it_loads_come_from_barenet(client):
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<canvas id="pad"' in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    links = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert {"/static/app.js", "/static/style.css"} <= set(links)
    for link in links:
        assert link.startswith(("/", "data:")), link
        if link.startswith("/"):
            assert client.get(link).status_code == 200, link
    for name in ("app.js", "style.css"):
        text = client.get(f"/static/{name}").text
        assert not re.search(r"https?://|@import|url\(", text), name


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/api/models",
        "/api/model",
        f"/api/model?model={RUN}",
        "/api/model?model=nope",
        "/openapi.json",
        "/static/app.js",
        "/static/style.css",
        "/no-such-page",
    ],
)
def test_head_gets_what_get_gets_without_the_body(client, path):
    head, get = client.head(path), client.get(path)
    assert head.status_code == get.status_code
    assert head.content == b""
    assert len(get.content) > 0
    for name in ("content-type", "content-security-policy"):
        assert head.headers[name] == get.headers[name]
    assert head.headers["content-length"] == str(len(get.content))


def test_head_is_refused_where_get_is(client):
    for answer in (client.head("/api/predict"), client.get("/api/predict")):
        assert answer.status_code == 405
        assert answer.headers["allow"] == "POST"


def test_the_openapi_schema_describes_the_api(client):
    schema = client.get("/openapi.json").json()
    assert set(schema["paths"]) == {"/api/models", "/api/model", "/api/predict"}
    predict = schema["paths"]["/api/predict"]["post"]
    assert set(predict["requestBody"]["content"]) == {
        "application/json",
        "image/png",
        "image/jpeg",
    }
    assert {"200", "404", "413", "415", "422"} <= set(predict["responses"])
    assert client.get("/docs").status_code == 404  # its scripts need a CDN
