"""The web API under attack: odd pictures, odd folders, odd clients.

Each test holds a fault once found by attacking ``barenet serve``: a
drawing whose preprocessed pixels rounded past 1 (a 500), a thin strip
of 2,000,000 pixels (seconds and gigabytes), image requests that held
every worker thread while waiting to be decoded, unexpected errors that
came back as plain text and closed the connection. The app is driven
with FastAPI's test client, directly as an ASGI application (to send
requests at once, or a client that hangs up), or by uvicorn in a thread
on 127.0.0.1 (to see the connection itself).
"""

from __future__ import annotations

import contextlib
import http.client
import io
import json
import logging
import os
import socket
import threading
from pathlib import Path

import anyio
import numpy as np
import pytest
import uvicorn
from fastapi.testclient import TestClient
from PIL import Image

import barenet.web.app as web_app
from barenet.io import save_model
from barenet.network import Network
from barenet.web.app import DECODERS, create_app
from barenet.web.catalog import ModelCatalog


def png(grey):
    """PNG bytes of grey levels (0 black, 1 white)."""
    buffer = io.BytesIO()
    Image.fromarray((255 * np.asarray(grey)).astype(np.uint8)).save(
        buffer, "PNG"
    )
    return buffer.getvalue()


def runs_with(tmp_path, *kinds):
    """A runs folder with one small model of each kind (its data set)."""
    widths = {"semeion": 256, "usps": 256, "mnist": 784}
    runs = tmp_path / "runs"
    for kind in kinds:
        net = Network([widths[kind], 10], output="softmax", seed=1)
        net.info = {"data": {"name": kind, "preprocessing": kind}}
        (runs / kind).mkdir(parents=True)
        save_model(net, runs / kind / "model.npz")
    return runs


def post_png(client, data, model):
    return client.post(
        "/api/predict",
        content=data,
        params={"model": model},
        headers={"Content-Type": "image/png"},
    )


# -- answers always fit their schema ---------------------------------------


@pytest.mark.parametrize("kind", ["mnist", "usps"])
def test_a_drawing_whose_mean_rounded_past_one_is_answered(tmp_path, kind):
    grey = np.ones((81, 103))
    grey[1:68, 1:90] = 0.0
    app = create_app(ModelCatalog(runs_with(tmp_path, kind)))
    with TestClient(app) as client:
        answer = post_png(client, png(grey), kind)
    assert answer.status_code == 200, answer.text
    assert max(answer.json()["input"]["pixels"]) == 1.0


def test_a_pixel_past_one_never_turns_an_answer_into_an_error(
    tmp_path, monkeypatch
):
    """Whatever preprocessing gives, the answer's pixels are in 0..1."""
    real = web_app.predict_image

    def overshooting(*args, **kwargs):
        guess = real(*args, **kwargs)
        guess.seen.x[guess.seen.x == 1.0] = 1.0000000000000002
        return guess

    monkeypatch.setattr(web_app, "predict_image", overshooting)
    grey = np.ones((40, 40))
    grey[5:35, 15:25] = 0.0
    with TestClient(create_app(ModelCatalog(runs_with(tmp_path, "usps")))) as c:
        answer = post_png(c, png(grey), "usps")
    assert answer.status_code == 200, answer.text
    assert max(answer.json()["input"]["pixels"]) == 1.0


def test_a_thin_strip_of_two_million_pixels_is_read(tmp_path):
    strip = np.ones((1, 2_000_000))
    strip[0, 800_000:1_200_000] = 0.0  # a line of 400,000 pixels
    data = png(strip)
    assert len(data) < 10_000
    with TestClient(
        create_app(ModelCatalog(runs_with(tmp_path, "mnist")))
    ) as c:
        answer = post_png(c, data, "mnist")
    assert answer.status_code == 200, answer.text
    pixels = np.reshape(answer.json()["input"]["pixels"], (28, 28))
    assert np.flatnonzero(pixels.any(axis=1)).tolist() == [14]  # one row
    assert np.count_nonzero(pixels) == 20  # 20 pixels across, as MNIST's


# -- unexpected errors -------------------------------------------------------


def failing_app(tmp_path, monkeypatch):
    """The app with a fault planted in its model listing."""

    def broken(self):
        raise RuntimeError("a planted fault")

    monkeypatch.setattr(ModelCatalog, "models", broken)
    return create_app(ModelCatalog(runs_with(tmp_path, "semeion")))


def test_an_unexpected_error_is_a_json_500_logged_with_its_traceback(
    tmp_path, monkeypatch, caplog
):
    app = failing_app(tmp_path, monkeypatch)
    with TestClient(app) as client, caplog.at_level(logging.ERROR):
        answer = client.get("/api/models")
    assert answer.status_code == 500
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.json() == {"detail": web_app.INTERNAL_ERROR}
    [record] = caplog.records
    assert record.name == "barenet.web"
    assert record.getMessage() == "unexpected error answering GET /api/models"
    assert "RuntimeError: a planted fault" in caplog.text


@contextlib.contextmanager
def live_server(app):
    """uvicorn serving ``app`` in a thread on 127.0.0.1; yields the port."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="critical"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]})
    thread.start()
    try:
        while not server.started and thread.is_alive():
            threading.Event().wait(0.01)
        yield sock.getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()


def test_after_an_unexpected_error_the_connection_still_serves(
    tmp_path, monkeypatch
):
    app = failing_app(tmp_path, monkeypatch)
    with (
        live_server(app) as port,
        contextlib.closing(
            http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        ) as connection,
    ):
        connection.request("GET", "/api/models")
        failed = connection.getresponse()
        assert (failed.status, json.loads(failed.read())) == (
            500,
            {"detail": web_app.INTERNAL_ERROR},
        )
        connection.request("GET", "/")  # the same connection
        page = connection.getresponse()
        assert (page.status, page.read()[:15]) == (200, b"<!doctype html>")


# -- images wait their turn; everything else goes on ------------------------


async def call(app, method, path, body=b"", content_type="image/png"):
    """One request to the ASGI app: (status, body)."""
    sent = []
    pending = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive():
        if pending:
            return pending.pop()
        await anyio.sleep_forever()

    async def send(message):
        sent.append(message)

    await app(
        {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(b"content-type", content_type.encode())],
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80),
        },
        receive,
        send,
    )
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


def test_other_requests_are_answered_while_images_wait_to_be_decoded(
    tmp_path, monkeypatch
):
    """48 images, each decode held until the model listing has answered:
    more than the 40 worker threads that answer the other routes. Images
    waiting their turn must not hold those threads."""
    real = web_app.predict_image
    listed = threading.Event()
    decoding = []

    def held(*args, **kwargs):
        decoding.append(1)
        listed.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(web_app, "predict_image", held)
    app = create_app(ModelCatalog(runs_with(tmp_path, "semeion")))
    grey = np.ones((40, 40))
    grey[5:35, 15:25] = 0.0
    image = png(grey)
    statuses = []

    async def predict():
        statuses.append((await call(app, "POST", "/api/predict", image))[0])

    async def main():
        with anyio.fail_after(20):
            async with anyio.create_task_group() as group:
                for _ in range(48):
                    group.start_soon(predict)
                while len(decoding) < DECODERS:
                    await anyio.sleep(0.01)
                status, body = await call(app, "GET", "/api/models")
                listed.set()
                assert status == 200
                assert json.loads(body)["default"] == "semeion"

    anyio.run(main)
    assert statuses == [200] * 48
    assert len(decoding) == 48


# -- names that are not text -------------------------------------------------


def test_folder_names_and_model_text_that_are_not_unicode_are_escaped(
    tmp_path,
):
    """A run folder named with the byte 0xE9 (Latin-1 for é) and a model
    whose data name holds a lone surrogate: every route answers, with
    each escaped, and the escaped id chooses the model."""
    runs = runs_with(tmp_path, "semeion")
    latin = Path(os.fsdecode(os.fsencode(runs) + b"/caf\xe9-run"))
    latin.mkdir()
    net = Network([256, 10], output="softmax", seed=2)
    net.info = {
        "data": {
            "name": "sem\ud800",
            "preprocessing": "semeion",
            "classes": [f"c\udfff{k}" for k in range(10)],
        }
    }
    save_model(net, latin / "model.npz")
    os.utime(latin / "model.npz", (1, 1))  # older: not the default
    with TestClient(create_app(ModelCatalog(runs))) as client:
        listing = client.get("/api/models")
        assert listing.status_code == 200, listing.text
        latin_facts = listing.json()["models"][1]
        assert latin_facts["id"] == "caf\\xe9-run"
        assert latin_facts["path"] == f"{runs}/caf\\xe9-run/model.npz"
        assert latin_facts["dataset"] == "sem\\ud800"
        assert latin_facts["labels"][3] == "c\\udfff3"
        chosen = client.get("/api/model", params={"model": "caf\\xe9-run"})
        assert chosen.json() == latin_facts
        answer = client.post(
            "/api/predict",
            params={"model": "caf\\xe9-run"},
            content=json.dumps({"pixels": [1.0] * 256}),
            headers={"Content-Type": "application/json"},
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["label"].startswith("c\\udfff")
        assert answer.json()["model"] == "caf\\xe9-run"
        missing = client.get("/api/model", params={"model": "nope"})
        assert missing.status_code == 404
        assert missing.json()["detail"].endswith(
            "the models there are: semeion, caf\\xe9-run"
        )


def test_a_runs_folder_whose_name_is_not_unicode_is_escaped(tmp_path):
    runs = Path(os.fsdecode(os.fsencode(tmp_path) + b"/r\xff"))
    with TestClient(create_app(ModelCatalog(runs))) as client:
        listing = client.get("/api/models").json()
        assert listing["runs"] == f"{tmp_path}/r\\xff"
        assert listing["hint"].startswith(
            f"no model to use: {tmp_path}/r\\xff "
        )
        missing = client.get("/api/model")
        assert missing.status_code == 404
        assert f"{tmp_path}/r\\xff holds no" in missing.json()["detail"]


# -- clients that hang up, files that change ---------------------------------


def test_a_client_that_hangs_up_mid_upload_is_let_go_quietly(
    tmp_path, caplog, asgi_predict_scope
):
    """Content-Length 5000, 100 bytes, then the client is gone: the app
    ends without an answer, an exception or a log line."""
    app = create_app(ModelCatalog(runs_with(tmp_path, "semeion")))
    messages = [
        {"type": "http.request", "body": b"\0" * 100, "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent = []

    async def receive():
        return messages.pop(0)

    async def send(message):
        sent.append(message)

    scope = asgi_predict_scope((b"content-length", b"5000"))
    with caplog.at_level(logging.INFO):
        anyio.run(app, scope, receive, send)
    assert sent == [] and messages == []
    assert caplog.records == []


def test_a_model_file_swapped_with_its_size_and_time_kept_is_reloaded(
    tmp_path,
):
    """Rewritten in place, then renamed over, each time with the same size
    and modification time: a new model each time."""
    runs = runs_with(tmp_path, "semeion")
    path = runs / "semeion" / "model.npz"
    first = os.stat(path)
    catalog = ModelCatalog(runs, rescan_after=3600)
    before = catalog.get("semeion").net.weights[0].copy()

    def swap_in(seed, how):
        net = Network([256, 10], output="softmax", seed=seed)
        net.info = {"data": {"name": "semeion", "preprocessing": "semeion"}}
        other = save_model(net, tmp_path / "other.npz")
        assert os.stat(other).st_size == first.st_size
        if how == "in place":  # the same inode
            path.write_bytes(other.read_bytes())
        else:
            os.replace(other, path)
        os.utime(path, ns=(first.st_atime_ns, first.st_mtime_ns))
        assert os.stat(path).st_mtime_ns == first.st_mtime_ns
        return net.weights[0]

    changed = swap_in(7, "in place")
    np.testing.assert_array_equal(
        catalog.get("semeion").net.weights[0], changed
    )
    swap_in(1, "renamed over")
    np.testing.assert_array_equal(catalog.get("semeion").net.weights[0], before)


# -- which models, by which ids ----------------------------------------------


def test_a_pinned_file_other_than_its_runs_model_keeps_its_own_id(
    tmp_path, monkeypatch
):
    runs = runs_with(tmp_path, "semeion")
    other = save_model(Network([256, 10], seed=3), runs / "semeion" / "b.npz")
    catalog = ModelCatalog(runs, pinned=other)
    assert [e.id for e in catalog.entries()] == [str(other), "semeion"]
    assert catalog.default_id() == str(other)
    # A bare file name gets ./ so that it never equals a run folder's name.
    monkeypatch.chdir(tmp_path)
    save_model(Network([256, 10], seed=4), tmp_path / "mine.npz")
    (runs / "mine.npz").mkdir()
    save_model(Network([256, 10], seed=5), runs / "mine.npz" / "model.npz")
    catalog = ModelCatalog(runs, pinned="mine.npz")
    ids = [e.id for e in catalog.entries()]
    assert ids == ["./mine.npz", "mine.npz", "semeion"]
    # A run's own model file is known by its run's id, and listed once.
    catalog = ModelCatalog(runs, pinned=runs / "mine.npz" / "model.npz")
    assert [e.id for e in catalog.entries()] == ["mine.npz", "semeion"]


def test_a_pinned_model_deleted_while_serving_gives_way_and_says_so(tmp_path):
    runs = runs_with(tmp_path, "semeion")
    mine = save_model(Network([256, 10], seed=3), tmp_path / "mine.npz")
    pixels = json.dumps({"pixels": [1.0] * 256})
    with TestClient(create_app(ModelCatalog(runs, pinned=mine))) as client:
        assert client.get("/api/models").json()["default"] == str(mine)
        mine.unlink()
        listing = client.get("/api/models").json()
        assert listing["default"] == "semeion"
        assert listing["models"][0]["id"] == str(mine)
        gone = (
            f"its file {mine} is gone: deleted or moved since the server "
            "listed it"
        )
        assert listing["models"][0]["error"] == gone
        answer = client.post(
            "/api/predict",
            content=pixels,
            headers={"Content-Type": "application/json"},
        )
        assert answer.json()["model"] == "semeion"
        answer = client.post(
            "/api/predict",
            params={"model": str(mine)},
            content=pixels,
            headers={"Content-Type": "application/json"},
        )
        assert answer.status_code == 422
        assert answer.json()["detail"] == (
            f"the model '{mine}' cannot be used: {gone}. Choose another"
        )


def test_links_that_lead_out_of_the_runs_folder_are_not_followed(tmp_path):
    """A run folder, or a model file, that is a symbolic link counts only
    if it leads to a place inside the runs folder."""
    runs = runs_with(tmp_path, "semeion")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    save_model(Network([256, 10], seed=3), elsewhere / "model.npz")
    (runs / "out").symlink_to(elsewhere)
    (runs / "file-out").mkdir()
    (runs / "file-out" / "model.npz").symlink_to(elsewhere / "model.npz")
    (runs / "latest").symlink_to(runs / "semeion")
    ids = [e.id for e in ModelCatalog(runs).entries()]
    assert sorted(ids) == ["latest", "semeion"]


def test_the_runs_folder_is_scanned_again_only_when_it_may_have_changed(
    tmp_path, monkeypatch
):
    """Many requests, one scan; a new run folder, a new scan; and with no
    change to the folder, a scan no older than ``rescan_after``."""
    import barenet.web.catalog as catalog_module

    scans = []
    real = catalog_module.find_models

    def counted(root):
        scans.append(root)
        return real(root)

    monkeypatch.setattr(catalog_module, "find_models", counted)
    runs = runs_with(tmp_path, "semeion")
    pixels = json.dumps({"pixels": [1.0] * 256})
    catalog = ModelCatalog(runs, rescan_after=3600)
    with TestClient(create_app(catalog)) as client:
        for _ in range(5):
            assert client.get("/api/models").status_code == 200
            answer = client.post(
                "/api/predict",
                content=pixels,
                headers={"Content-Type": "application/json"},
            )
            assert answer.status_code == 200
        assert len(scans) == 1
        (runs / "later").mkdir()
        save_model(Network([256, 10], seed=3), runs / "later" / "model.npz")
        assert client.get("/api/models").json()["default"] == "later"
        assert len(scans) == 2

        # A model written into a run folder already there: within
        # rescan_after seconds (none here).
        (runs / "empty").mkdir()
        assert len(client.get("/api/models").json()["models"]) == 2
        save_model(Network([256, 10], seed=4), runs / "empty" / "model.npz")
        catalog.rescan_after = 0.0
        assert client.get("/api/models").json()["default"] == "empty"


# -- the contract: what is read, what every refusal looks like ---------------


def image_bytes(fmt):
    grey = np.full((40, 40), 255, dtype=np.uint8)
    grey[5:35, 15:25] = 0
    buffer = io.BytesIO()
    Image.fromarray(grey).save(buffer, fmt)
    return buffer.getvalue()


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF"])
@pytest.mark.parametrize("kind", ["image/png", "image/jpeg"])
def test_only_png_and_jpeg_files_are_read_whatever_the_type_says(
    tmp_path, fmt, kind
):
    with TestClient(
        create_app(ModelCatalog(runs_with(tmp_path, "semeion")))
    ) as c:
        answer = c.post(
            "/api/predict",
            content=image_bytes(fmt),
            headers={"Content-Type": kind},
        )
        assert answer.status_code == 422
        assert answer.json() == {
            "detail": "the uploaded image: not an image barenet can read "
            "(expected PNG or JPEG)"
        }
        # PNG and JPEG are read under either type: browsers mix them up.
        for data in (image_bytes("PNG"), image_bytes("JPEG")):
            answer = c.post(
                "/api/predict", content=data, headers={"Content-Type": kind}
            )
            assert answer.status_code == 200, answer.text


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"pixels": ["1"] + [0.0] * 255}, "pixels[0]"),
        ({"pixels": [0.0, True] + [0.0] * 254}, "pixels[1]"),
        ({"features": [0.0] * 255 + ["0.5"]}, "features[255]"),
        ({"features": [False] * 256}, "features[0]"),
    ],
)
def test_json_numbers_must_be_numbers(tmp_path, body, where):
    with TestClient(
        create_app(ModelCatalog(runs_with(tmp_path, "semeion")))
    ) as c:
        answer = c.post(
            "/api/predict",
            content=json.dumps(body),
            headers={"Content-Type": "application/json"},
        )
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith(
        f"invalid JSON body: {where}: Input should be a valid number"
    )


@pytest.mark.parametrize("path", ["/", "/static/app.js"])
@pytest.mark.parametrize(
    "ranges",
    ["bytes=abc", "bytes=5-1", "bytes=999999-", "items=1-2", "bytes=0-10"],
)
def test_every_file_is_sent_whole_whatever_the_range(tmp_path, path, ranges):
    with TestClient(
        create_app(ModelCatalog(runs_with(tmp_path, "semeion")))
    ) as c:
        whole = c.get(path)
        answer = c.get(path, headers={"Range": ranges, "If-Range": "x"})
    assert answer.status_code == whole.status_code == 200
    assert answer.content == whole.content
    assert "accept-ranges" not in answer.headers
