"""Checkpoints: a training run saved part-way, to be continued exactly.

A checkpoint file holds a ``barenet.training.TrainState`` (see there) in
the same kind of file as a model: a NumPy ``.npz`` archive of arrays and a
``metadata`` entry of UTF-8 JSON, read with ``allow_pickle=False`` and
written atomically, so a crash or kill during a save leaves the previous
checkpoint whole.

    params, last_good, best_params      the network's parameter vectors
    optimizer.<name>                    the optimizer's arrays (Adam's m, s)
    metadata                            everything else: epoch and step,
                                        optimizer and schedule numbers, the
                                        random generators' states, history,
                                        and whatever the caller adds (the
                                        command line keeps its options and
                                        the data set's checksum there)
    sha256                              the SHA-256 of all the entries
                                        above (``barenet._seal``)

Loading checks the format, the SHA-256, and every array's shape against
the parameter vector; anything else is a ModelFileError "not a valid
barenet checkpoint: PATH (reason)". Checkpoints of format version 1,
whose SHA-256 covered the arrays but not the metadata, still load.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
from numpy.typing import NDArray

from barenet._files import atomic_open
from barenet._npz import NpzError, read_npz
from barenet._seal import SEAL, broken_seal, seal
from barenet.errors import ModelFileError
from barenet.io import READ_ERRORS, cannot_read
from barenet.training import History, TrainState

FORMAT = "barenet-checkpoint"
FORMAT_VERSION = 2
READS = (1, 2)
"""Format versions this barenet reads."""


def save_checkpoint(
    path: str | os.PathLike[str],
    state: TrainState,
    extra: dict[str, Any] | None = None,
) -> Path:
    """Write ``state`` (and JSON-ready ``extra``) to ``path`` atomically."""
    path = Path(path)
    arrays: dict[str, NDArray[Any]] = {
        "params": state.params,
        "last_good": state.last_good,
    }
    if state.best is not None:
        arrays["best_params"] = state.best[2]
    optimizer = {}
    for key, value in state.optimizer.items():
        if isinstance(value, np.ndarray):
            arrays[f"optimizer.{key}"] = value
        else:
            optimizer[key] = value
    history = state.history
    metadata = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "epoch": state.epoch,
        "step": state.step,
        "optimizer": optimizer,
        "schedule": state.schedule,
        "rngs": state.rngs,
        "history": {
            "values": history.values,
            "best_epoch": history.best_epoch,
            "stop_reason": history.stop_reason,
            "diverged": history.diverged,
            "interrupted": history.interrupted,
            "kept_epoch": history.kept_epoch,
        },
        "costs": state.costs,
        "best": None if state.best is None else list(state.best[:2]),
        "extra": extra or {},
    }
    # A schedule's "best so far" may be inf before its first epoch, so
    # non-finite numbers are allowed here (never in the arrays).
    text = json.dumps(metadata, allow_nan=True)
    arrays["metadata"] = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    seal(arrays)
    # A failure to write is a WriteError naming the file.
    with atomic_open(path) as f:
        np.savez(f, **arrays)  # type: ignore[arg-type]
    return path


def load_checkpoint(
    path: str | os.PathLike[str],
) -> tuple[TrainState, dict[str, Any]]:
    """Read a checkpoint: (the state, the ``extra`` saved with it)."""
    path = Path(path)
    try:
        return _read(path, read_npz(path))
    except ModelFileError:
        raise
    except FileNotFoundError:
        raise ModelFileError(f"no checkpoint file at {path}") from None
    except NpzError as exc:
        _invalid(path, str(exc))
    except RecursionError:
        _invalid(path, "metadata is nested too deeply to be a checkpoint's")
    except OSError as exc:
        refused = cannot_read(path, exc)
        if refused is not None:
            raise refused from None
        _invalid(path, f"{type(exc).__name__}: {exc}")
    except READ_ERRORS as exc:
        _invalid(path, f"{type(exc).__name__}: {exc}")


def _read(
    path: Path, arrays: dict[str, NDArray[Any]]
) -> tuple[TrainState, dict[str, Any]]:
    raw = arrays.pop("metadata", None)
    if raw is None or raw.dtype != np.uint8 or raw.ndim != 1:
        _invalid(path, "no metadata entry")
    digest = arrays.pop(SEAL, None)
    meta = json.loads(raw.tobytes().decode("utf-8"))
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        _invalid(path, f"metadata does not name the format {FORMAT!r}")
    version = meta.get("format_version")
    if type(version) is not int or version not in READS:
        _invalid(
            path,
            f"format version {version!r}; this barenet reads versions "
            f"{READS[0]} to {READS[-1]}",
        )
    reason = broken_seal(arrays, raw, digest, meta)
    if reason is not None:
        _invalid(path, reason)

    # Every array is a parameter-shaped vector of finite numbers.
    params = arrays.get("params")
    if params is None or params.ndim != 1 or params.dtype.kind != "f":
        _invalid(path, "no parameter vector")
    for name, arr in arrays.items():
        if arr.shape != params.shape or arr.dtype != params.dtype:
            _invalid(
                path,
                f"{name} is {arr.dtype} {arr.shape}, the parameters are "
                f"{params.dtype} {params.shape}",
            )
    if not np.all(np.isfinite(params)):
        _invalid(path, "the parameters contain nan or inf")

    optimizer = dict(meta["optimizer"])
    for name, arr in arrays.items():
        if name.startswith("optimizer."):
            optimizer[name.removeprefix("optimizer.")] = arr
    best = meta["best"]
    history = History(**meta["history"])
    state = TrainState(
        epoch=int(meta["epoch"]),
        step=int(meta["step"]),
        params=params,
        optimizer=optimizer,
        schedule=meta["schedule"],
        rngs=meta["rngs"],
        history=history,
        costs=[float(c) for c in meta["costs"]],
        last_good=arrays["last_good"],
        best=None
        if best is None
        else (float(best[0]), int(best[1]), arrays["best_params"]),
    )
    return state, meta["extra"]


def _invalid(path: Path, reason: str) -> NoReturn:
    raise ModelFileError(f"not a valid barenet checkpoint: {path} ({reason})")
