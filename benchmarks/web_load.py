"""Load test of ``barenet serve`` on loopback: many predictions at once.

Starts ``barenet serve`` on 127.0.0.1 (a free port) with the seed's
network trained on Semeion, then sends ``--requests`` predictions from
``--clients`` concurrent clients, each on its own keep-alive connection.
Every request is a PNG of a Semeion test digit drawn 10 times larger (the
page's own kind of request: decode, find the ink, crop, stretch,
threshold, predict); ``--json`` sends the 256 pixel values instead.

An answer counts as an error unless it is 200 and names the digit the
same network gives when called directly, in this process, on the same
request body. The report
gives the count, the errors, the wall time, the throughput and the
latency percentiles. Traffic goes to 127.0.0.1 only; the run is bounded
by the number of requests and a timeout on each.

    python benchmarks/web_load.py                      # 2,000 from 8 clients
    python benchmarks/web_load.py --requests 200 --clients 2 --json

Needs the ``web`` extra and the Semeion data (``$BARENET_DATA`` or the
cache); trains its own model first (about a second) unless given
``--model``.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import platform
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from PIL import Image

import barenet
from barenet.cli import main as barenet_main

TIMEOUT = 30.0  # seconds, for each request and for the server to start


def main() -> int:
    args = parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        model = args.model or train_model(Path(tmp))
        net = barenet.load_model(model)
        bodies, expected = make_requests(net, args.json)
        server, url = start_server(model)
        try:
            results = run_clients(url, bodies, expected, args)
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=TIMEOUT)
    report(results, args)
    return 0 if not any(r[1] for r in results) else 1


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--requests", type=int, default=2000)
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--model", type=Path, help="model file (default: train)")
    p.add_argument(
        "--json", action="store_true", help="send pixel values, not PNGs"
    )
    return p.parse_args()


def train_model(folder: Path) -> Path:
    """The seed experiment, trained quietly into ``folder``."""
    out = folder / "run"
    with open(os.devnull, "w") as quiet:
        stdout, sys.stdout = sys.stdout, quiet
        try:
            status = barenet_main(["train", "--quiet", "--out", str(out)])
        finally:
            sys.stdout = stdout
    if status != 0:
        raise SystemExit("training failed")
    return out / "model.npz"


def make_requests(
    net: barenet.Network, as_json: bool
) -> tuple[list[tuple[str, bytes]], list[int]]:
    """(Content-Type, body) for each of 100 test digits, and their answers.

    The answers are the network's, called in this process on the same
    input (``barenet.predict_image`` for a PNG): a server under load must
    give exactly what it gives one request at a time.
    """
    data = barenet.load_semeion()
    _, rows = barenet.holdout_split(len(data.y), 100, seed=0)
    bodies, expected = [], []
    for x in data.X[rows]:
        if as_json:
            body = json.dumps({"pixels": x.tolist()}).encode()
            bodies.append(("application/json", body))
            expected.append(int(net.predict(x)[0]))
        else:
            body = png_of(x)
            bodies.append(("image/png", body))
            expected.append(barenet.predict_image(net, body).digit)
    return bodies, expected


def png_of(x: np.ndarray) -> bytes:
    """A 16x16 digit drawn dark on white, 10 times larger, with a margin."""
    ink = np.pad(x.reshape(16, 16), 2)
    big = np.kron(1 - ink, np.ones((10, 10)))
    buffer = io.BytesIO()
    Image.fromarray((255 * big).astype(np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


def start_server(model: Path) -> tuple[subprocess.Popen[bytes], str]:
    """``barenet serve --port 0 --model MODEL``, once it is listening."""
    command = ["barenet", "serve", "--port", "0", "--model", str(model)]
    server = subprocess.Popen(
        [sys.executable, "-m", *command, "--runs", str(model.parent)],
        stdout=subprocess.PIPE,
    )
    assert server.stdout is not None
    said = b""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline and server.poll() is None:
        ready, _, _ = select.select([server.stdout], [], [], 0.5)
        if ready:
            said += os.read(server.stdout.fileno(), 4096)
        for line in said.decode().splitlines():
            if line.startswith("Serving on ") and said.endswith(b"\n"):
                return server, line.split()[2]
    server.kill()
    raise SystemExit(f"barenet serve did not start: {said.decode()!r}")


def run_clients(
    url: str,
    bodies: list[tuple[str, bytes]],
    expected: list[int],
    args: argparse.Namespace,
) -> list[tuple[float, str]]:
    """Send the requests from ``args.clients`` threads; (seconds, error)."""
    host, port = url.removeprefix("http://").rstrip("/").split(":")
    results: list[tuple[float, str]] = [(0.0, "not sent")] * args.requests
    shares = [
        range(c, args.requests, args.clients) for c in range(args.clients)
    ]

    def client(indices: range) -> None:
        connection = http.client.HTTPConnection(
            host, int(port), timeout=TIMEOUT
        )
        for i in indices:
            kind, body = bodies[i % len(bodies)]
            started = time.perf_counter()
            try:
                connection.request(
                    "POST", "/api/predict", body, {"Content-Type": kind}
                )
                answer = connection.getresponse()
                text = answer.read()
                error = check(answer.status, text, expected[i % len(bodies)])
            except (OSError, http.client.HTTPException) as exc:
                error = f"{type(exc).__name__}: {exc}"
                connection.close()
                connection = http.client.HTTPConnection(
                    host, int(port), timeout=TIMEOUT
                )
            results[i] = (time.perf_counter() - started, error)
        connection.close()

    threads = [threading.Thread(target=client, args=(s,)) for s in shares]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    args.wall = time.perf_counter() - started
    return results


def check(status: int, text: bytes, digit: int) -> str:
    if status != 200:
        return f"status {status}: {text[:200]!r}"
    answer = json.loads(text)
    if answer["digit"] != digit:
        return f"digit {answer['digit']}, the network says {digit}"
    return ""


def report(results: list[tuple[float, str]], args: argparse.Namespace) -> None:
    seconds = np.array([r[0] for r in results]) * 1000
    errors = [r[1] for r in results if r[1]]
    p50, p90, p99 = np.percentile(seconds, [50, 90, 99])
    kind = "JSON pixel values" if args.json else "PNG images (200x200)"
    print(
        f"barenet serve on 127.0.0.1: {args.requests} predictions of "
        f"{kind} from {args.clients} concurrent clients"
    )
    load = os.getloadavg()[0]
    print(
        f"  machine         {os.cpu_count()} cores, {platform.machine()}, "
        f"load average {load:.1f} at the end"
    )
    print(f"  errors          {len(errors)}")
    print(f"  wall time       {args.wall:.2f} s")
    print(f"  throughput      {args.requests / args.wall:.0f} requests/s")
    print(
        f"  latency (ms)    p50 {p50:.1f}  p90 {p90:.1f}  p99 {p99:.1f}  "
        f"max {seconds.max():.1f}"
    )
    for error in errors[:5]:
        print(f"  error: {error}")


if __name__ == "__main__":
    sys.exit(main())
