"""``barenet serve`` as a user starts it, and the models it finds.

Servers run as real processes on 127.0.0.1 with a port the system picks
(``--port 0``), and are stopped with Ctrl-C (SIGINT).
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import urllib.request

import pytest

from barenet.cli import main
from barenet.io import load_model, save_model
from barenet.runs import find_models
from barenet.web.catalog import ModelCatalog, ModelNotFoundError

RUN = "20260101-120000"


def get_json(url):
    with urllib.request.urlopen(url, timeout=10) as answer:
        return json.loads(answer.read())


@pytest.fixture(scope="module")
def net(trained_runs):
    return load_model(trained_runs / RUN / "model.npz")


def make_runs(root, net, names_and_times):
    """Run folders holding the model, with the given modification times."""
    for name, when in names_and_times:
        (root / name).mkdir(parents=True)
        save_model(net, root / name / "model.npz")
        os.utime(root / name / "model.npz", (when, when))


# -- finding models -----------------------------------------------------------


def test_models_are_found_newest_first(tmp_path, net):
    runs = tmp_path / "runs"
    make_runs(runs, net, [("a", 1_000), ("b", 3_000), ("c", 2_000)])
    (runs / "empty").mkdir()
    (runs / "model.npz").write_bytes(b"not in a run folder")
    assert find_models(runs) == [
        runs / name / "model.npz" for name in ("b", "c", "a")
    ]
    assert find_models(tmp_path / "nowhere") == []


def test_a_model_named_on_the_command_line_comes_first(tmp_path, net):
    runs = tmp_path / "runs"
    make_runs(runs, net, [("old", 1_000), ("new", 2_000)])
    outside = tmp_path / "mine.npz"
    save_model(net, outside)
    assert [e.id for e in ModelCatalog(runs).entries()] == ["new", "old"]
    assert ModelCatalog(runs).default_id() == "new"
    pinned = ModelCatalog(runs, pinned=outside)
    assert [e.id for e in pinned.entries()] == [str(outside), "new", "old"]
    assert pinned.default_id() == str(outside)
    inside = ModelCatalog(runs, pinned=runs / "old" / "model.npz")
    assert [e.id for e in inside.entries()] == ["old", "new"]


def test_a_changed_model_file_is_loaded_again(tmp_path, net):
    runs = tmp_path / "runs"
    make_runs(runs, net, [("r", 1_000)])
    catalog = ModelCatalog(runs)
    assert (
        catalog.get("r").describe()["test_accuracy"]
        == net.info["final"]["test_accuracy"]
    )
    changed = net.copy()
    changed.info = {**net.info, "final": {"test_accuracy": 0.25}}
    save_model(changed, runs / "r" / "model.npz")
    os.utime(runs / "r" / "model.npz", (2_000, 2_000))
    assert catalog.get("r").describe()["test_accuracy"] == 0.25


def test_no_model_at_all_says_how_to_train_one(tmp_path):
    catalog = ModelCatalog(tmp_path / "runs")
    with pytest.raises(ModelNotFoundError, match=r"Train one with 'barenet tr"):
        catalog.get()


# -- the command ------------------------------------------------------------


def test_serve_uses_the_newest_model_and_stops_on_ctrl_c(
    trained_runs, start_server
):
    path = trained_runs / RUN / "model.npz"
    accuracy = load_model(path).info["final"]["test_accuracy"]
    server = start_server("--runs", str(trained_runs))
    assert server.said[0] == (
        f"Model: {path} (256-30-20-10, semeion, test accuracy {accuracy:.2%})"
    )
    assert server.url.startswith("http://127.0.0.1:")
    assert get_json(server.url + "api/model")["id"] == RUN
    # HEAD, then GET on the same connection: HEAD's answer has no body.
    host, port = server.url.split("/")[2].split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.request("HEAD", "/")
    head = connection.getresponse()
    assert (head.status, head.read()) == (200, b"")
    connection.request("GET", "/")
    page = connection.getresponse().read()
    assert head.getheader("content-length") == str(len(page))
    assert page.startswith(b"<!doctype html>")
    connection.close()
    status, out, err = server.stop()
    assert (status, out, err) == (0, "Stopped.\n", "")


def test_serve_without_a_model_starts_and_says_how_to_train(
    tmp_path, start_server
):
    server = start_server(cwd=tmp_path)
    assert server.said[0].startswith("No model yet: no model to use: runs ")
    assert get_json(server.url + "api/models")["default"] is None
    assert server.stop()[0] == 0


def run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "barenet", "serve", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_port_in_use_is_one_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("--port", str(port), "--runs", str(tmp_path))
    assert result.returncode == 1
    assert result.stderr == (
        f"barenet serve: error: port {port} on 127.0.0.1 is already in use; "
        "stop what uses it, or choose another port with --port\n"
    )


def test_a_bad_model_file_is_one_line(tmp_path):
    (tmp_path / "model.npz").write_bytes(b"nope")
    result = run_cli("--model", str(tmp_path / "model.npz"))
    assert result.returncode == 1
    assert result.stderr.startswith(
        "barenet serve: error: not a valid barenet model: "
    )
    assert "Traceback" not in result.stderr


def test_a_bad_port_is_refused(capsys):
    with pytest.raises(SystemExit) as info:
        main(["serve", "--port", "70000"])
    assert info.value.code == 2
    assert "a port is between 0 and 65535, got 70000" in capsys.readouterr().err


def test_without_the_web_extra_serve_says_what_to_install(monkeypatch, capsys):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "uvicorn" else real(name, *a),
    )
    assert main(["serve"]) == 1
    assert capsys.readouterr().err == (
        "barenet serve: error: barenet serve needs uvicorn, which is not "
        "installed; install the web extra with: pip install 'barenet[web]'\n"
    )


def test_the_core_never_imports_the_web_framework():
    code = (
        "import sys, barenet, barenet.cli, barenet.io, barenet.images\n"
        "from barenet.cli import build_parser\n"
        "build_parser().parse_args(['serve', '--help'])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True
    )
    assert result.returncode == 0 and "--runs DIR" in result.stdout
    check = (
        "import sys, barenet, barenet.cli\n"
        "barenet.cli.build_parser()  # every subcommand imported\n"
        "web = {'fastapi', 'uvicorn', 'starlette', 'pydantic'}\n"
        "print(sorted(web & {m.split('.')[0] for m in sys.modules}))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True
    )
    assert result.stdout == "[]\n", result.stderr


@pytest.mark.parametrize("host", ["127.0.0.2", "[::1]"])
def test_a_loopback_address_is_not_said_to_reach_beyond(
    tmp_path, start_server, host
):
    server = start_server("--host", host, "--runs", str(tmp_path))
    assert server.url.startswith(f"http://{host}:")
    assert get_json(server.url + "api/models")["models"] == []
    said_before = list(server.said)
    assert server.stop() == (0, "Stopped.\n", "")
    assert not [line for line in said_before if line.startswith("Note:")]


def test_which_addresses_reach_beyond_this_machine():
    from barenet.cli.serve import _reaches_beyond

    for address in ("127.0.0.1", "127.0.0.2", "127.255.0.1", "::1"):
        assert not _reaches_beyond(address), address
    for address in ("0.0.0.0", "::", "192.168.1.2", "10.0.0.1", "fe80::1%2"):
        assert _reaches_beyond(address), address


def test_runs_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "passwd").write_text("root:x:0:0\n")
    result = run_cli("--runs", str(tmp_path / "passwd"), "--port", "0")
    assert result.returncode == 1
    assert result.stderr == (
        f"barenet serve: error: --runs {tmp_path / 'passwd'} is a file, not "
        "a folder; give the folder whose run folders hold the models "
        "(barenet train makes them in runs)\n"
    )
