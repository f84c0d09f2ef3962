"""Ctrl-C and SIGTERM caught while a command works, for it to end well.

A command that must leave usable files behind (a run folder, a results
file) takes both signals over for as long as it works, whatever it
inherited (a command started in the background of a script ignores
SIGINT), and puts the previous handlers back after. What a signal does is
the subclass's ``_handle``; the first signal's number gives the exit
status, 128 plus the number (130 for Ctrl-C), as a shell expects.
"""

from __future__ import annotations

import signal
from types import FrameType
from typing import Any, Self


class CatchSignals:
    """A ``with`` block in which SIGINT and SIGTERM go to ``_handle``."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.signal: int | None = None
        """The first signal that came, if any."""
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> Self:
        for number in self.SIGNALS:
            self._previous[number] = signal.signal(number, self._caught)
        return self

    def __exit__(self, *exc: object) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)

    def _caught(self, signum: int, frame: FrameType | None) -> None:
        self.signal = self.signal or signum
        self._handle(signum)

    def _handle(self, signum: int) -> None:
        """What a signal does; by default, interrupt at once."""
        raise KeyboardInterrupt

    def exit_status(self) -> int:
        """128 plus the first signal's number, or 0 if none came."""
        return 128 + self.signal if self.signal else 0
