"""The models a server can use: found in a runs folder, loaded once, described.

A ``ModelCatalog`` answers three questions for the web app:

- which models are there? Every ``model.npz`` in a run folder directly
  inside the runs folder (see ``barenet.runs.find_models``), newest first,
  plus the one named on the command line, if any. A run folder or model
  file that is a symbolic link counts only if it leads to a place inside
  the runs folder: the runs folder is all a server shows;
- which is the default? The named one while its file is there, else the
  newest that reads pictures, else the newest that loads;
- what is model ``id``? Its network and a short description (architecture,
  data set, test accuracy, its classes' labels, the preprocessing its
  pictures need and the image size that gives; see ``barenet.images``).

Every model barenet saves can be served. Most read pictures; a model of a
table (``barenet train --csv``, or an estimator fitted on other rows)
reads rows of numbers instead: its ``preprocessing`` is None, and the API
takes its input as numbers only.

A model's ``id`` is its run folder's name (``20261204-154818``), or, for a
named model other than a run's ``model.npz``, its path as given (with
``./`` before a bare file name, so it never equals a run folder's name).
Only ids from the listing are ever opened, so a request cannot make the
server read another file.

Everything the catalog says is valid Unicode (``readable``): a folder name
that is not UTF-8 has its undecodable bytes written as ``\xe9``, and text
in a model file that holds a lone surrogate has it written as ``\ud800``.
Such a name is still the model's id, sent back as it is shown.

Loaded networks are cached and reloaded only when their file changes:
another file in its place, or a change of size, modification time or
status-change time (which no one can set back). The runs folder is
scanned again when it changes (a run folder added, removed or renamed)
and at least every ``RESCAN_AFTER`` seconds (a model written into a run
folder that was there), so a model trained while the server runs shows
up on a page loaded a moment later, while a folder of thousands of runs
is not scanned for every request. The catalog is safe to use from
several threads.
"""

from __future__ import annotations

import os
import re
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from barenet.data.base import class_names
from barenet.errors import BarenetError, ConfigError
from barenet.images import GEOMETRIES, preprocessing_of
from barenet.io import load_model
from barenet.network import Network
from barenet.runs import RUN_FILES, find_models


class ModelNotFoundError(BarenetError, LookupError):
    """No model has the requested id, or there is no model at all."""


@dataclass(frozen=True)
class ModelEntry:
    """A model file and the id the API knows it by."""

    id: str
    path: Path


@dataclass(frozen=True)
class LoadedModel:
    """A loaded network with its description, or why it cannot be used.

    ``net`` is None exactly when ``error`` says what went wrong.
    ``preprocessing`` is None for a model that reads rows of numbers
    rather than pictures (and for one that cannot be used).
    """

    entry: ModelEntry
    net: Network | None
    error: str | None
    preprocessing: str | None

    @property
    def input_shape(self) -> tuple[int, int] | None:
        """(height, width) of the images the network reads."""
        if self.preprocessing is None:
            return None
        return GEOMETRIES[self.preprocessing].shape

    @property
    def reads(self) -> str | None:
        """ "pictures", "numbers" (rows of a table), or None if unusable."""
        if self.net is None:
            return None
        return "numbers" if self.preprocessing is None else "pictures"

    def describe(self) -> dict[str, Any]:
        """JSON-ready facts about the model, as ``GET /api/model`` shows."""
        net = self.net
        info = net.info if net is not None else {}
        data = _dict(info.get("data"))
        final = _dict(info.get("final"))
        accuracy = final.get("test_accuracy")
        height, width = self.input_shape or (None, None)
        facts = {
            "id": self.entry.id,
            "path": str(self.entry.path),
            "architecture": _architecture(net),
            "dataset": _text(data.get("name")),
            "test_accuracy": accuracy if _is_fraction(accuracy) else None,
            "created": _text(info.get("created")),
            "reads": self.reads,
            "n_inputs": net.n_inputs if net is not None else None,
            "labels": (
                class_names(info, net.n_outputs) if net is not None else None
            ),
            "preprocessing": self.preprocessing,
            "input_width": width,
            "input_height": height,
            "error": self.error,
        }
        return {key: _readable_json(value) for key, value in facts.items()}


RESCAN_AFTER = 2.0
"""Seconds a scan of the runs folder is used for, unless the folder
changes sooner (a run folder added, removed or renamed)."""


@dataclass(frozen=True)
class _Scan:
    """The run folders' models found at one time."""

    stamp: int | None  # the runs folder's modification time, ns
    when: float  # time.monotonic() of the scan
    entries: tuple[ModelEntry, ...]


class ModelCatalog:
    """The models in ``runs`` (a folder of run folders), and ``pinned``.

    Parameters
    ----------
    runs : path
        The folder whose run folders hold ``model.npz`` files. It need not
        exist yet.
    pinned : path, optional
        A model file chosen by the user; it is listed first and is the
        default while its file is there.
    rescan_after : float, default RESCAN_AFTER
        Seconds a scan of ``runs`` is used for (see ``RESCAN_AFTER``).
    """

    def __init__(
        self,
        runs: str | os.PathLike[str] = "runs",
        pinned: str | os.PathLike[str] | None = None,
        rescan_after: float = RESCAN_AFTER,
    ):
        self.runs = Path(runs)
        self.pinned = Path(pinned) if pinned is not None else None
        self.rescan_after = rescan_after
        self._lock = threading.Lock()
        self._cache: dict[Path, tuple[tuple[int, ...], LoadedModel]] = {}
        self._scan: _Scan | None = None
        self._default: tuple[_Scan, ModelEntry | None] | None = None

    def entries(self) -> list[ModelEntry]:
        """Every model's id and path: the pinned one first, then newest first."""
        found = list(self._scanned().entries)
        if self.pinned is None:
            return found
        pinned = self._pinned_entry()
        return [pinned, *(e for e in found if e.id != pinned.id)]

    def models(self) -> list[LoadedModel]:
        """Every model, loaded (or with the reason it cannot be)."""
        return [self._load(entry) for entry in self.entries()]

    def default_id(self) -> str | None:
        """The pinned model's id (unless its file is gone), else the newest
        that reads pictures, else the newest usable one, else None."""
        if self.pinned is not None and self.pinned.exists():
            return self._pinned_entry().id
        scan = self._scanned()
        with self._lock:
            known = self._default
        if known is not None and known[0] is scan:
            chosen = known[1]
            if chosen is None or self._load(chosen).net is not None:
                return chosen.id if chosen else None
            scan = self._scanned(again=True)  # the default went bad
        usable = [m for m in map(self._load, scan.entries) if m.net is not None]
        chosen = next(
            (
                model.entry
                for wanted in ("pictures", "numbers")
                for model in usable
                if model.reads == wanted
            ),
            None,
        )
        with self._lock:
            self._default = (scan, chosen)
        return chosen.id if chosen else None

    def get(self, model_id: str | None = None) -> LoadedModel:
        """The model with this id (the default if None), loaded.

        Raises ModelNotFoundError when there is no such model, or no model
        at all. A model whose file is broken is returned with its
        ``error`` set; the caller decides what to tell.
        """
        entries = self.entries()
        if model_id is None:
            model_id = self.default_id()
            if model_id is None:
                raise ModelNotFoundError(self.how_to_train())
        for entry in entries:
            if entry.id == model_id:
                return self._load(entry)
        known = ", ".join(e.id for e in entries) or "none"
        raise ModelNotFoundError(
            f"no model {model_id!r} in {self.shown_runs}; the models there "
            f"are: {known}"
        )

    @property
    def shown_runs(self) -> str:
        """The runs folder's name, ``readable``."""
        return readable(str(self.runs))

    def how_to_train(self) -> str:
        """What to say when there is no model to use."""
        return (
            f"no model to use: {self.shown_runs} holds no run folder with a "
            "model.npz. Train one with 'barenet train' (about a second), "
            "then reload the page; or start the server with --model PATH"
        )

    def _pinned_entry(self) -> ModelEntry:
        """The pinned model's entry: a run's own ``model.npz`` is known by
        its run's id; any other file by its path, which holds a slash, so
        that it can never hide a run folder of the same name."""
        assert self.pinned is not None
        path = self.pinned
        if path.name == RUN_FILES[0] and _same(path.parent.parent, self.runs):
            return ModelEntry(readable(path.parent.name), path)
        shown = str(path) if "/" in str(path) else f"./{path}"
        return ModelEntry(readable(shown), path)

    def _scanned(self, again: bool = False) -> _Scan:
        """The run folders' models, from a scan at most ``rescan_after``
        seconds old and made since the runs folder last changed (or a new
        one, ``again``)."""
        stamp = _mtime(self.runs)
        now = time.monotonic()
        with self._lock:
            scan = self._scan
        if (
            not again
            and scan is not None
            and scan.stamp == stamp
            and now - scan.when < self.rescan_after
        ):
            return scan
        root = self.runs.resolve()
        entries = tuple(
            ModelEntry(readable(model.parent.name), model)
            for model in find_models(self.runs)
            if _stays_inside(model, root)
        )
        scan = _Scan(stamp, now, entries)
        with self._lock:
            self._scan = scan
        return scan

    def _load(self, entry: ModelEntry) -> LoadedModel:
        """Load (or take from the cache) one model; never raises for bad files."""
        try:
            stat = entry.path.stat()
            # A file replaced by another (a new inode), or rewritten in
            # place with its size and time put back (a new ctime, which
            # no one can set), is a new model.
            stamp = (
                stat.st_ino,
                stat.st_size,
                stat.st_mtime_ns,
                stat.st_ctime_ns,
            )
        except FileNotFoundError:
            gone = (
                f"its file {entry.path} is gone: deleted or moved since the "
                "server listed it"
            )
            return LoadedModel(entry, None, readable(gone), None)
        except OSError as exc:
            error = f"cannot read {entry.path}: {exc.strerror or exc}"
            return LoadedModel(entry, None, readable(error), None)
        with self._lock:
            cached = self._cache.get(entry.path)
        if (
            cached is not None
            and cached[0] == stamp
            and cached[1].entry == entry
        ):
            return cached[1]
        loaded = _load_entry(entry)
        with self._lock:
            self._cache[entry.path] = (stamp, loaded)
        return loaded


def _load_entry(entry: ModelEntry) -> LoadedModel:
    try:
        net = load_model(entry.path)
    except BarenetError as exc:
        return LoadedModel(entry, None, str(exc), None)
    try:
        kind = preprocessing_of(net)
    except ConfigError:
        return LoadedModel(entry, net, None, None)  # it reads numbers
    height, width = GEOMETRIES[kind].shape
    if height * width != net.n_inputs:
        error = (
            f"it takes {net.n_inputs} inputs, but its data's preprocessing "
            f"({kind}) makes {height}x{width} images"
        )
        return LoadedModel(entry, None, error, None)
    return LoadedModel(entry, net, None, kind)


def _architecture(net: Network | None) -> str | None:
    """'256-30-20-10 (sigmoid units, sigmoid output)'; convolutional layers
    follow the input as conv32x5 (32 filters of 5x5 pixels)."""
    if net is None:
        return None
    layers = [str(net.sizes[0])]
    layers += [f"conv{f}x{k}" for f, k in net.conv]
    layers += [str(n) for n in net.sizes[1:]]
    hidden = ",".join(sorted(set(net.activations))) or "no hidden"
    return f"{'-'.join(layers)} ({hidden} units, {net.output.name} output)"


_SURROGATE = re.compile("[\ud800-\udfff]")


def readable(text: str) -> str:
    """``text`` as valid Unicode, fit for a JSON answer.

    Python reads a file name that is not UTF-8 with each undecodable byte
    as a surrogate (U+DC80 to U+DCFF); JSON in a model file may hold lone
    surrogates too. Neither can be encoded, so each is written as an
    escape: ``caf\\xe9-run`` for the byte, ``\\ud800`` for the rest.
    """
    return _SURROGATE.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # a byte that did not decode
        return f"\\x{code - 0xDC00:02x}"
    return f"\\u{code:04x}"


def _readable_json(value: Any) -> Any:
    """``value`` with every string in it (or in its list) ``readable``."""
    if isinstance(value, str):
        return readable(value)
    if isinstance(value, list):
        return [_readable_json(v) for v in value]
    return value


def _mtime(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


def _stays_inside(model: Path, root: Path) -> bool:
    """Whether a run's model file, followed through any link in the run
    folder or the file, is inside ``root`` (the resolved runs folder)."""
    try:
        if not (model.is_symlink() or model.parent.is_symlink()):
            return True  # a plain file in a plain folder of the runs folder
        return model.resolve().is_relative_to(root)
    except OSError:
        return False


def _same(a: Path, b: Path) -> bool:
    """Whether two paths name the same folder."""
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _is_fraction(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and 0 <= value <= 1
    )
