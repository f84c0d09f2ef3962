"""``barenet serve``'s server: deadlines for slow clients, a cap, Ctrl-C.

Most tests run uvicorn in a thread on 127.0.0.1 with the deadlines of
``barenet.web.server`` cut to fractions of a second, and talk to it over
raw sockets, as a slow or hostile client would. Socket timeouts there
only keep a broken server from hanging the test; they measure nothing.
The last tests start ``barenet serve`` itself: Ctrl-C during an upload,
and a low limit on open files.
"""

from __future__ import annotations

import contextlib
import json
import resource
import socket
import threading
import time

import pytest

import barenet.web.app as web_app
from barenet.web.app import create_app
from barenet.web.catalog import ModelCatalog
from barenet.web.server import Limits, connection_cap, server

QUICK = Limits(header_timeout=0.3, body_timeout=0.5, keep_alive=1)
SHORT_OF_FILES = (
    "barenet serve: too many open files (the limit is 64); new connections "
    "wait until others close\n"
)


@contextlib.contextmanager
def running(app, limits):
    """The app served with ``limits`` in a thread; yields its port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    uvicorn_server = server(app, limits)
    thread = threading.Thread(
        target=uvicorn_server.run, kwargs={"sockets": [listener]}
    )
    thread.start()
    try:
        while not uvicorn_server.started and thread.is_alive():
            time.sleep(0.01)
        yield listener.getsockname()[1]
    finally:
        uvicorn_server.should_exit = True
        thread.join(30)
        listener.close()


@pytest.fixture(scope="module")
def app(trained_runs):
    return create_app(ModelCatalog(trained_runs))


def connect(port):
    return socket.create_connection(("127.0.0.1", port), timeout=20)


def read_all(client):
    """Everything the server sends until it closes the connection."""
    chunks = []
    while chunk := client.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def read_one_answer(client):
    """One whole answer from a connection that stays open."""
    raw = b""
    while b"\r\n\r\n" not in raw:
        raw += client.recv(65536)
    head, _, body = raw.partition(b"\r\n\r\n")
    length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
    while len(body) < length:
        body += client.recv(65536)
    return head + b"\r\n\r\n" + body


def answer_of(raw):
    """(status, JSON body) of one raw HTTP answer."""
    head, _, body = raw.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


def test_a_connection_that_sends_nothing_is_closed(app):
    with running(app, QUICK) as port, connect(port) as client:
        assert read_all(client) == b""


def test_headers_that_never_end_are_cut_off(app):
    with running(app, QUICK) as port, connect(port) as client:
        client.sendall(b"GET /api/models HTTP/1.1\r\nHost: x\r\n")
        assert read_all(client) == b""


def test_a_body_that_stops_short_is_a_json_408(app):
    with running(app, QUICK) as port, connect(port) as client:
        client.sendall(
            b"POST /api/predict HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: image/png\r\nContent-Length: 5000\r\n\r\n"
            + b"\0"
            * 100
        )
        assert answer_of(read_all(client)) == (
            408,
            {"detail": "the body did not arrive within 0.5 s; send it again"},
        )


def test_headers_after_an_answer_have_the_same_deadline(app):
    with running(app, QUICK) as port, connect(port) as client:
        client.sendall(b"GET /api/model HTTP/1.1\r\nHost: x\r\n\r\n")
        assert answer_of(read_one_answer(client))[0] == 200
        client.sendall(b"GET /api/model HTTP/1.1\r\n")  # and no more
        assert read_all(client) == b""


def test_an_answer_that_takes_longer_than_the_deadlines_is_awaited(
    app, monkeypatch
):
    real = web_app._answer

    def slow(*args):
        time.sleep(1.0)  # longer than either deadline of QUICK
        return real(*args)

    monkeypatch.setattr(web_app, "_answer", slow)
    body = json.dumps({"pixels": [1.0] * 256}).encode()
    with running(app, QUICK) as port, connect(port) as client:
        client.sendall(
            b"POST /api/predict HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            b"Content-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        status, answer = answer_of(read_all(client))
    assert status == 200 and len(answer["probabilities"]) == 10


def test_connections_over_the_cap_are_a_json_503(app):
    limits = Limits(max_connections=3)
    with running(app, limits) as port:
        held = [connect(port) for _ in range(3)]
        with connect(port) as extra:
            assert answer_of(read_all(extra)) == (
                503,
                {
                    "detail": "the server has 3 connections open, its "
                    "limit; try again in a moment"
                },
            )
        held.pop().close()
        time.sleep(0.2)  # for the server to see it closed
        with connect(port) as again:
            again.sendall(
                b"GET /api/model HTTP/1.1\r\nHost: x\r\n"
                b"Connection: close\r\n\r\n"
            )
            assert read_all(again).startswith(b"HTTP/1.1 200 ")
        for client in held:
            client.close()


def test_the_cap_leaves_half_the_open_files_free():
    limits = Limits(max_connections=256)
    assert connection_cap(limits, open_files=64) == 32
    assert connection_cap(limits, open_files=1024) == 256
    assert connection_cap(limits, open_files=resource.RLIM_INFINITY) == 256
    assert connection_cap(limits, open_files=1) == 1


# -- barenet serve itself ----------------------------------------------------


def test_one_ctrl_c_stops_the_server_during_an_upload(
    trained_runs, start_server
):
    server_process = start_server("--runs", str(trained_runs))
    port = int(server_process.url.rstrip("/").rsplit(":", 1)[1])
    with connect(port) as client:
        client.sendall(
            b"POST /api/predict HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: image/png\r\nContent-Length: 5000\r\n\r\n"
            + b"\0"
            * 100
        )
        time.sleep(0.5)  # the server has the headers and waits for more
        status, out, err = server_process.stop()
    assert (status, out, err) == (0, "Stopped.\n", "")


def test_many_idle_connections_under_a_low_file_limit_lock_nobody_out(
    trained_runs, start_server
):
    """With 64 open files allowed, 100 idle connections: 32 are kept, the
    other 68 answered 503 at once, nothing is logged, and once they go
    the server answers again."""
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    server_process = start_server(
        "--runs",
        str(trained_runs),
        preexec_fn=lambda: resource.setrlimit(
            resource.RLIMIT_NOFILE, (64, hard)
        ),
    )
    port = int(server_process.url.rstrip("/").rsplit(":", 1)[1])
    idle = [connect(port) for _ in range(100)]
    try:
        refused = 0
        for client in idle[32:]:
            status, _ = answer_of(read_all(client))
            refused += status == 503
        assert refused == 68
    finally:
        for client in idle:
            client.close()
    time.sleep(0.2)  # for the server to see them closed
    with connect(port) as client:
        client.sendall(
            b"GET /api/model HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        assert read_all(client).startswith(b"HTTP/1.1 200 ")
    status, out, err = server_process.stop()
    assert (status, out) == (0, "Stopped.\n")
    # A burst may be accepted before any of it is counted, and run out of
    # files for a moment: then one line says so, never a traceback.
    assert err in ("", SHORT_OF_FILES)


def test_bytes_that_are_not_http_get_a_json_400(app):
    with running(app, QUICK) as port, connect(port) as client:
        client.sendall(b"NOT HTTP AT ALL\r\n\r\n")
        status, answer = answer_of(read_all(client))
    assert (status, answer) == (
        400,
        {
            "detail": "not an HTTP request barenet can read (Invalid HTTP "
            "request received)"
        },
    )
