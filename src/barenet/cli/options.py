"""Shared by the subcommands: argument types that reject a bad value
clearly, and the formatter of every command's ``--help``."""

from __future__ import annotations

import argparse
import math
import re
from pathlib import Path


def positive_int(text: str) -> int:
    """A whole number >= 1."""
    value = _int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def non_negative_int(text: str) -> int:
    """A whole number >= 0."""
    value = _int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a whole number, got {text!r}"
        ) from None


def add_threads(parser: argparse.ArgumentParser) -> None:
    """The --threads option of the commands that train."""
    parser.add_argument(
        "--threads",
        type=positive_int,
        metavar="N",
        help="threads per matrix product (default: one per core); on a "
        "machine busy with other work, 1 is often several times faster",
    )


def positive_float(text: str) -> float:
    """A finite number > 0."""
    value = _float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0, got {text}")
    return value


def non_negative_float(text: str) -> float:
    """A finite number >= 0."""
    value = _float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def rows_or_fraction(text: str) -> int | float:
    """A count of rows (whole number >= 1) or a fraction strictly in (0, 1)."""
    try:
        return positive_int(text)
    except argparse.ArgumentTypeError:
        pass
    value = _float(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(
            f"expected a number of rows (like 100) or a fraction between 0 and 1 "
            f"(like 0.2), got {text!r}"
        )
    return value


def folder(text: str) -> Path:
    """A folder's path; an empty one would mean the current folder."""
    if not text:
        raise argparse.ArgumentTypeError(
            "expected a folder, got an empty string; name one (. is the "
            "current folder)"
        )
    return Path(text)


def given_options(
    parser: argparse.ArgumentParser, words: list[str]
) -> frozenset[str]:
    """The destinations of the options that ``words`` give explicitly.

    argparse fills in a default for every option left out, so a default
    cannot be told from the same value typed. It fills in only where the
    namespace holds nothing yet, though: parsed again into a namespace
    where every destination already holds a marker, the markers left are
    the options not given.
    """
    unset = object()
    dests = {a.dest for a in parser._actions if a.dest != argparse.SUPPRESS}
    probe = argparse.Namespace(**dict.fromkeys(dests, unset))
    parser.parse_known_args(words, probe)
    return frozenset(d for d in dests if getattr(probe, d) is not unset)


def path(text: str) -> Path:
    """A path that is not empty (``Path("")`` would mean the current
    folder)."""
    if not text:
        raise argparse.ArgumentTypeError("expected a path, got ''")
    return Path(text)


def _float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected a number, got {text!r}"
        ) from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(
            f"expected a finite number, got {text!r}"
        )
    return value


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """The help of every barenet command: plain text, each default said once.

    Descriptions are module docstrings, written for the code reader too:
    their ````code```` marks are dropped, a line's closing ``::`` becomes
    ``:``, paragraphs are refilled to the terminal's width, and indented
    lines (examples, tables of files) are kept as written.

    An option's default is added after its help, as ``(default: 8000)``,
    unless there is nothing to tell (None, False, an empty list) or the
    help already says it (it mentions a default).
    """

    def _get_help_string(self, action: argparse.Action) -> str:
        text = _plain(action.help or "")
        if _says_nothing(action.default) or "default" in text.lower():
            return text
        if action.option_strings or action.nargs in (
            argparse.OPTIONAL,
            argparse.ZERO_OR_MORE,
        ):
            return f"{text} (default: %(default)s)"
        return text

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        blocks = _plain(text).strip().split("\n\n")
        return "\n\n".join(
            _kept_as_written(block, indent)
            if block.startswith((" ", "\t"))
            else super(HelpFormatter, self)._fill_text(block, width, indent)
            for block in blocks
        )


def _plain(text: str) -> str:
    """Docstring markup removed: ``code`` marks, a closing ``::``."""
    text = text.replace("``", "")
    return re.sub(r"::$", ":", text, flags=re.MULTILINE)


def _says_nothing(default: object) -> bool:
    """Whether "(default: ...)" would tell the reader nothing."""
    return (
        default is None
        or default is False
        or default is argparse.SUPPRESS
        or (isinstance(default, list) and not default)
    )


def _kept_as_written(block: str, indent: str) -> str:
    """An indented block (an example, a table): its lines unchanged."""
    return "\n".join(indent + line for line in block.splitlines())
