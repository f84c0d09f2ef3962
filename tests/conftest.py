"""Shared fixtures. Tests read real data from the shared folder.

The data folder is ``$BARENET_DATA``, or ``../shared/data`` beside the
project when that variable is unset. It must exist: a test run without the
data fails at once rather than skipping the tests that need it.
"""

from __future__ import annotations

import http.server
import io
import os
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

# scikit-learn's estimator checks include one of array-API dispatch, which
# runs only when SciPy was imported with this set; it must be set before
# anything imports SciPy.
os.environ.setdefault("SCIPY_ARRAY_API", "1")

# Every test computes with one BLAS thread: the tests' matrices are small,
# and on a machine busy with other work two threads can make training
# several times slower (see barenet.threads). Commands the tests start as
# subprocesses inherit these variables; the tests' own process is limited
# by the session fixture below, before any test runs.
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

ROOT = Path(__file__).resolve().parent.parent


def _data_dir() -> Path:
    env = os.environ.get("BARENET_DATA")
    return Path(env) if env else ROOT.parent / "shared" / "data"


def pytest_configure(config: pytest.Config) -> None:
    data = _data_dir()
    if not (data / "semeion" / "semeion.data").is_file():
        raise pytest.UsageError(
            f"the shared data folder is missing: {data} has no "
            "semeion/semeion.data. Set BARENET_DATA to the folder that holds "
            "semeion/, mnist/ and usps/."
        )
    os.environ["BARENET_DATA"] = str(data)


_DEFAULT_BLAS_THREADS: list[int] = []


@pytest.fixture(scope="session", autouse=True)
def one_blas_thread():
    """Limit BLAS to one thread for the session; see the note at the top."""
    from threadpoolctl import threadpool_info, threadpool_limits

    _DEFAULT_BLAS_THREADS[:] = [
        info["num_threads"]
        for info in threadpool_info()
        if info["user_api"] == "blas"
    ]
    with threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.fixture
def default_blas_threads():
    """BLAS's own thread count again, for tests of choosing the count."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=max(_DEFAULT_BLAS_THREADS, default=1)):
        yield max(_DEFAULT_BLAS_THREADS, default=1)


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return _data_dir()


@pytest.fixture(scope="session")
def semeion_path(data_dir: Path) -> Path:
    return data_dir / "semeion" / "semeion.data"


@pytest.fixture(scope="session")
def semeion(semeion_path: Path):
    from barenet.data import load_semeion

    return load_semeion(semeion_path)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)


@pytest.fixture
def mirror(tmp_path, semeion_path):
    """An HTTP server on 127.0.0.1 serving a folder laid out like the cache."""
    root = tmp_path / "mirror"
    (root / "semeion").mkdir(parents=True)
    shutil.copy(semeion_path, root / "semeion" / "semeion.data")
    for name in ("mnist", "usps"):  # served, never changed: links will do
        (root / name).symlink_to(semeion_path.parent.parent / name)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(root), **kwargs)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("BARENET_DATA", str(cache))
    monkeypatch.delenv("BARENET_MIRROR", raising=False)
    return cache


@pytest.fixture(scope="session")
def trained_runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A runs folder with one run of ``barenet train --quiet`` in it.

    The seed's network trained on Semeion (500 iterations, about a
    second), made once per test session for the tests of ``barenet
    serve``; its folder is ``runs/20260101-120000``.
    """
    from barenet.cli import main

    runs = tmp_path_factory.mktemp("trained") / "runs"
    status = main(["train", "--quiet", "--out", str(runs / "20260101-120000")])
    assert status == 0
    return runs


@pytest.fixture(scope="session")
def digit_image():
    """A function drawing a 16x16 digit as an image file's bytes.

    ``digit_image(pixels, scale=10, fmt="PNG", light_on_dark=False)``:
    each pixel (0 paper, 1 ink) becomes a scale x scale block, on a margin
    of paper as wide as two blocks.
    """
    from PIL import Image

    def draw(pixels, scale=10, fmt="PNG", light_on_dark=False):
        ink = np.pad(np.asarray(pixels).reshape(16, 16), 2)
        grey = ink if light_on_dark else 1 - ink
        big = np.kron(grey, np.ones((scale, scale)))
        buffer = io.BytesIO()
        Image.fromarray((255 * big).astype(np.uint8)).save(buffer, fmt)
        return buffer.getvalue()

    return draw


class ServerProcess:
    """A ``barenet serve`` process started by a test, and its address."""

    def __init__(
        self,
        args: list[str],
        cwd: Path | None,
        timeout: float,
        preexec_fn: Callable[[], object] | None = None,
    ):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "barenet", "serve", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=cwd,
            preexec_fn=preexec_fn,
        )
        self.said: list[str] = []
        self.url = self._wait_for_url(timeout)

    def _wait_for_url(self, timeout: float) -> str:
        """Read what the server says until it names its address."""
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        text = ""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.5)
            chunk = os.read(fd, 4096).decode() if ready else ""
            if ready and not chunk:  # it exited
                break
            text += chunk
            self.said = text.splitlines()
            for line in self.said:
                if line.startswith("Serving on ") and text.endswith("\n"):
                    return line.split()[2]
        self.stop()
        raise AssertionError(f"barenet serve did not start: {text!r}")

    def stop(self) -> tuple[int, str, str]:
        """Ctrl-C it; returns (exit status, rest of stdout, stderr)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            out, err = self.process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, err = self.process.communicate()
        return self.process.returncode, out, err


@pytest.fixture(scope="session")
def start_server():
    """A function starting ``barenet serve --port 0 ARGS`` on 127.0.0.1.

    ``start_server(*args, cwd=None, preexec_fn=None)`` returns a
    ServerProcess once the server is listening (``preexec_fn`` runs in the
    child before barenet starts: to lower a limit, say); every one still
    running is stopped at the end of the session.
    """
    started: list[ServerProcess] = []

    def start(
        *args: str,
        cwd: Path | None = None,
        preexec_fn: Callable[[], object] | None = None,
    ) -> ServerProcess:
        server = ServerProcess(list(args), cwd, 60, preexec_fn)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def asgi_predict_scope():
    """Makes the ASGI scope of a POST to /api/predict from 127.0.0.1, with
    more headers, for tests that feed an app its request body piece by
    piece."""
    return _asgi_predict_scope


def _asgi_predict_scope(*headers: tuple[bytes, bytes]) -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/predict",
        "raw_path": b"/api/predict",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"image/png"), *headers],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
