"""``barenet serve``: a page to draw digits and watch a trained network read them.

It serves on http://127.0.0.1:8000 by default, reachable from this machine
only; ``--host 0.0.0.0`` opens it to the network. The model is ``--model
PATH``, or else the newest in the runs folder, and the page offers every
model there. Needs the ``web`` extra: ``pip install 'barenet[web]'``.
"""

from __future__ import annotations

import argparse
import errno
import importlib.util
import ipaddress
import socket
from pathlib import Path
from typing import Any

from barenet.errors import ConfigError
from barenet.io import load_model


def add_parser(commands: Any) -> None:
    p = commands.add_parser(
        "serve",
        help="serve a page to draw digits and see the network's guesses",
        description=__doc__,
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (0.0.0.0: every network interface)",
    )
    p.add_argument(
        "--port",
        type=_port,
        default=8000,
        help="TCP port (0: any free port)",
    )
    p.add_argument(
        "--model",
        type=Path,
        metavar="PATH",
        help="model file to use first (default: the newest in the runs folder)",
    )
    p.add_argument(
        "--runs",
        type=Path,
        default=Path("runs"),
        metavar="DIR",
        help="folder of run folders whose models the page offers",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    _require_web_extra()
    from barenet.web.app import create_app
    from barenet.web.catalog import ModelCatalog
    from barenet.web.server import serve

    if args.runs.exists() and not args.runs.is_dir():
        raise ConfigError(
            f"--runs {args.runs} is a file, not a folder; give the folder "
            "whose run folders hold the models (barenet train makes them "
            "in runs)"
        )
    if args.model is not None:
        load_model(args.model)  # a bad file is one line now, not a 4xx later
    catalog = ModelCatalog(args.runs, pinned=args.model)
    _say_which_model(catalog)

    sock = _listen(args.host, args.port)
    host, port = sock.getsockname()[:2]
    shown = f"[{host}]" if ":" in host else host
    print(f"Serving on http://{shown}:{port}/ (Ctrl-C stops)", flush=True)
    if _reaches_beyond(host):
        print(
            "Note: listening beyond this machine; anyone who can reach it "
            "can use the page and the API.",
            flush=True,
        )
    try:
        serve(create_app(catalog), sock)
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
    print("Stopped.")
    return 0


def _require_web_extra() -> None:
    missing = [
        name
        for name in ("fastapi", "uvicorn")
        if importlib.util.find_spec(name) is None
    ]
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        raise ConfigError(
            f"barenet serve needs {' and '.join(missing)}, which {verb} not "
            "installed; install the web extra with: pip install 'barenet[web]'"
        )


def _say_which_model(catalog: Any) -> None:
    """One line on the model in use (and one more if it reads no pictures);
    a pinned model that cannot be used is an error."""
    default = catalog.default_id()
    if default is None:
        print(
            f"No model yet: {catalog.how_to_train()}. The page says so "
            "until there is one.",
            flush=True,
        )
        return
    model = catalog.get(default)
    if model.error is not None:
        raise ConfigError(
            f"the model {model.entry.path} cannot be used: {model.error}"
        )
    facts = model.describe()
    accuracy = facts["test_accuracy"]
    figures = [
        facts["architecture"].split(" ")[0],
        facts["dataset"] or "data unknown",
        f"test accuracy {accuracy:.2%}" if accuracy is not None else None,
    ]
    print(
        f"Model: {facts['path']} ({', '.join(f for f in figures if f)})",
        flush=True,
    )
    if model.reads == "numbers":
        print(
            f"It reads rows of {facts['n_inputs']} numbers, not pictures: "
            "the page cannot read a drawing with it, and POST /api/predict "
            'takes its rows as JSON {"features": [...]}.',
            flush=True,
        )


def _listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket on (host, port), or a ConfigError saying why not.

    An IPv6 address may be written in brackets, as in a URL: [::1].
    """
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        infos = socket.getaddrinfo(
            bare, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except socket.gaierror as exc:
        raise ConfigError(
            f"--host {host}: not an address of this machine ({exc.strerror})"
        ) from None
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise ConfigError(
                f"port {port} on {host} is already in use; stop what uses "
                "it, or choose another port with --port"
            ) from None
        raise ConfigError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}"
        ) from None
    return sock


def _reaches_beyond(address: str) -> bool:
    """Whether a listening socket's address may be reached from other
    machines: any address but loopback (127.0.0.0/8, ::1)."""
    return not ipaddress.ip_address(address.split("%")[0]).is_loopback


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a port number, got {text!r}"
        ) from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(
            f"a port is between 0 and 65535, got {value}"
        )
    return value
