"""How ``barenet serve`` runs the app: uvicorn, with deadlines and a cap.

uvicorn alone waits for a client as long as the client likes: a
connection that sends nothing, or half its headers, or a few bytes of a
promised body, stays open, and a few hundred of them use up the
process's file descriptors (every later connection then fails, and
every failure logs a traceback). Ctrl-C waits for every request under
way, a slow upload included. ``serve`` runs uvicorn with ``Limits``:

- **headers**: a request's headers must be in within ``header_timeout``
  seconds of the connection opening or of the previous answer, else the
  connection is closed (idle connections close anyway after
  ``keep_alive`` seconds, as uvicorn does);
- **body**: once its headers are in, the body must be in within
  ``body_timeout`` seconds, else the answer is 408 and the connection
  closes;
- **connections**: at most ``max_connections`` are open at once, and at
  most half the process's limit on open files; one more is answered 503
  and closed at once. Should the files run out all the same (a burst of
  connections is accepted before any is counted), one line says so, not
  a traceback a second;
- **Ctrl-C**: uploads still under way are cut off, answers being worked
  out are given ``graceful`` seconds to finish, then the server stops.

Every refusal is JSON, as the app's own are. The protocol is uvicorn's
HTTP/1.1 one (h11) with these deadlines added.
"""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import math
import resource
import socket
import time
from dataclasses import dataclass
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger("barenet.web")


@dataclass(frozen=True)
class Limits:
    """How long a client may take, and how many may connect; in seconds."""

    header_timeout: float = 10.0
    body_timeout: float = 30.0
    keep_alive: int = 5
    graceful: int = 10
    max_connections: int = 256


def serve(app: Any, sock: socket.socket, limits: Limits = Limits()) -> None:
    """Serve ``app`` on the listening socket ``sock`` until Ctrl-C."""
    server(app, limits).run(sockets=[sock])


def server(app: Any, limits: Limits = Limits()) -> uvicorn.Server:
    """A uvicorn server for ``app`` with ``limits``, not yet started."""
    config = uvicorn.Config(
        app,
        http=protocol(limits),
        timeout_keep_alive=limits.keep_alive,
        timeout_graceful_shutdown=limits.graceful,
        log_level="warning",
        access_log=False,
    )
    return _Server(config)


class _Server(uvicorn.Server):
    """uvicorn's server, telling of a shortage of open files in one line."""

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        asyncio.get_running_loop().set_exception_handler(_ShortOfFiles())
        await super().startup(sockets=sockets)


class _ShortOfFiles:
    """An event-loop error handler: when accepting a connection fails for
    want of file descriptors, asyncio logs a traceback and tries again a
    second later, every second; this says so in one line a minute. Other
    errors go to asyncio's own handler."""

    def __init__(self) -> None:
        self.said = -math.inf

    def __call__(
        self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]
    ) -> None:
        error = context.get("exception")
        if not isinstance(error, OSError) or error.errno not in (
            errno.EMFILE,
            errno.ENFILE,
        ):
            loop.default_exception_handler(context)
            return
        if time.monotonic() - self.said >= 60:
            self.said = time.monotonic()
            soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
            log.warning(
                "barenet serve: too many open files (the limit is %s); new "
                "connections wait until others close",
                soft,
            )


def connection_cap(limits: Limits, open_files: int | None = None) -> int:
    """Connections allowed at once: ``max_connections``, and at most half
    the limit on open files (the soft ``RLIMIT_NOFILE`` if not given), so
    that model files, the page's files and the listening socket always
    have room."""
    if open_files is None:
        open_files = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if open_files == resource.RLIM_INFINITY:
        return limits.max_connections
    return max(1, min(limits.max_connections, open_files // 2))


def protocol(limits: Limits) -> type[H11Protocol]:
    """uvicorn's HTTP/1.1 protocol with ``limits`` enforced."""
    cap = connection_cap(limits)
    return type("BarenetProtocol", (_Protocol,), {"limits": limits, "cap": cap})


class _Protocol(H11Protocol):
    """One connection: uvicorn's, plus the deadlines of ``limits``.

    One timer runs at a time (``_watch``): for the headers when the
    connection opens and after each answer, for the body when a request's
    headers are in, and none while the app works out an answer. When it
    fires it acts only if the connection still waits for the same thing.
    """

    limits: Limits
    cap: int

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        self._timer: asyncio.TimerHandle | None = None
        if len(self.connections) > self.cap:
            self._refuse(
                503,
                "Service Unavailable",
                f"the server has {self.cap} connections open, its limit; "
                "try again in a moment",
            )
            return
        self._watch()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        cycle = self.cycle
        super().data_received(data)
        if self.cycle is not cycle:  # a new request's headers are in
            self._watch()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._watch()

    def shutdown(self) -> None:
        """Ctrl-C: an upload still under way is cut off; the rest as
        uvicorn does (idle connections close, answers finish)."""
        if self._receiving():
            self.transport.close()
        else:
            super().shutdown()

    def send_400_response(self, msg: str) -> None:
        """Bytes that are not HTTP: a JSON 400, as every refusal is."""
        self._refuse(
            400,
            "Bad Request",
            f"not an HTTP request barenet can read ({msg.rstrip('.')})",
        )

    # -- the timer ----------------------------------------------------

    def _watch(self) -> None:
        """Set the timer for what the connection waits for now: the next
        request's headers, or this one's body; none while the app works."""
        self._stop_timer()
        cycle = self.cycle
        if cycle is None or cycle.response_complete:
            delay, waiting = self.limits.header_timeout, "headers"
        elif cycle.more_body:
            delay, waiting = self.limits.body_timeout, "body"
        else:
            return
        self._timer = self.loop.call_later(delay, self._expire, cycle, waiting)

    def _expire(self, cycle: object, waiting: str) -> None:
        """The timer fired: end the connection if it still waits."""
        self._timer = None
        if self.transport.is_closing() or self.cycle is not cycle:
            return
        if waiting == "headers":
            self.transport.close()
        elif self._receiving() and not self.cycle.response_started:
            self._refuse(
                408,
                "Request Timeout",
                f"the body did not arrive within "
                f"{self.limits.body_timeout:g} s; send it again",
            )

    def _stop_timer(self) -> None:
        if getattr(self, "_timer", None) is not None:
            assert self._timer is not None
            self._timer.cancel()
            self._timer = None

    def _receiving(self) -> bool:
        """Whether a request is under way whose body is not all in."""
        cycle = self.cycle
        return (
            cycle is not None
            and not cycle.response_complete
            and cycle.more_body
        )

    def _refuse(self, status: int, reason: str, detail: str) -> None:
        """Answer ``status`` with a JSON detail, and close the connection."""
        body = json.dumps({"detail": detail}).encode()
        head = (
            f"HTTP/1.1 {status} {reason}\r\n"
            "content-type: application/json\r\n"
            f"content-length: {len(body)}\r\n"
            "connection: close\r\n\r\n"
        )
        self.transport.write(head.encode() + body)
        self.transport.close()
