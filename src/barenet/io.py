"""The model file: NumPy arrays and JSON metadata in one ``.npz``, no pickle.

A model file is a zip archive as written by ``numpy.savez`` holding:

- ``W0, b0, W1, b1, ...``: each layer's weights (n_in, n_out) and biases
  (n_out,), in the network's dtype;
- ``metadata``: UTF-8 JSON as a uint8 array, with the format name and
  version, the architecture (sizes, activations, output, dtype, init) and
  the network's ``info`` (hyperparameters, data, figures);
- ``sha256``: the SHA-256 of all the entries above, the metadata's bytes
  included (see ``barenet._seal``).

Loading uses ``allow_pickle=False``, so a file can never run code. Every
array's dtype and shape is checked against the architecture, values must
be finite, and the SHA-256 must match; anything else is a ModelFileError
"not a valid barenet model: PATH (reason)". Files of format version 1,
whose checksum covered the arrays but not the metadata, still load.
Saving is atomic (see ``barenet._files``) and refuses parameters that are
not finite.
"""

from __future__ import annotations

import itertools
import json
import os
import struct
import tokenize
import zipfile
import zlib
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
from numpy.typing import NDArray

from barenet._checks import is_whole
from barenet._files import atomic_open
from barenet._json import plain
from barenet._npz import NpzError, read_npz
from barenet._seal import SEAL, broken_seal, seal
from barenet.errors import BarenetError, ModelFileError
from barenet.network import Network

FORMAT = "barenet-model"
FORMAT_VERSION = 2
"""Version 2 seals the metadata too (``barenet._seal``); 1 still loads."""
MAX_METADATA_BYTES = 1 << 24
"""Largest metadata entry read (16 MiB; a model's is a few kilobytes)."""


def save_model(net: Network, path: str | os.PathLike[str]) -> Path:
    """Write ``net`` (architecture, weights and ``info``) to ``path``.

    The folder must exist. Returns the path written. Raises WriteError if
    the file cannot be written (no space, no permission), and
    ModelFileError if the network cannot be saved (nan parameters).
    """
    path = Path(path)
    if not np.all(np.isfinite(net.params)):
        raise ModelFileError(
            f"refusing to save {path}: the network's parameters contain nan or "
            "inf (training diverged; try a smaller learning rate)"
        )
    arrays = _layer_arrays(net)
    metadata = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "architecture": {**net.architecture(), "init": net.init},
        "info": plain(net.info),
    }
    try:
        text = json.dumps(metadata, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ModelFileError(
            f"cannot save {path}: info is not plain JSON ({exc})"
        ) from None
    arrays["metadata"] = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    seal(arrays)
    # A failure to write is a WriteError naming the file.
    with atomic_open(path) as f:
        np.savez(f, **arrays)  # type: ignore[arg-type]
    return path


def load_model(path: str | os.PathLike[str]) -> Network:
    """Read a model file written by ``save_model``; checks everything first.

    Nothing the file claims is allocated before it is checked against what
    the file holds, so a small hostile file cannot exhaust memory.
    """
    path = Path(path)
    if path.is_dir():
        raise ModelFileError(f"{path} is a folder, not a model file")
    try:
        arrays = read_npz(path)
    except FileNotFoundError:
        raise ModelFileError(f"no model file at {path}") from None
    except NpzError as exc:
        _invalid(path, str(exc))
    except OSError as exc:
        refused = cannot_read(path, exc)
        if refused is not None:
            raise refused from None
        _invalid(path, f"{type(exc).__name__}: {exc}")
    except READ_ERRORS as exc:
        _invalid(path, f"{type(exc).__name__}: {exc}")
    try:
        return _from_arrays(path, arrays)
    except ModelFileError:
        raise
    except BarenetError as exc:
        _invalid(path, str(exc))


def cannot_read(path: Path, exc: OSError) -> ModelFileError | None:
    """ "cannot read PATH: permission denied" when the file system refused
    to open ``path`` (the file may be fine), else None: an OSError raised
    on the archive's content (it names no file) means a damaged file."""
    if exc.filename is None:
        return None
    reason = (exc.strerror or str(exc)).lower()
    return ModelFileError(f"cannot read {path}: {reason}")


READ_ERRORS = (
    OSError,
    ValueError,
    KeyError,
    EOFError,
    TypeError,
    IndexError,
    struct.error,
    zlib.error,
    zipfile.BadZipFile,
    NotImplementedError,  # zipfile: an unknown version or compression
    RuntimeError,  # zipfile: an encrypted member
    SyntaxError,  # numpy: an array header that is not a Python literal
    tokenize.TokenError,  # numpy: an array header cut short
)
"""What reading a damaged ``.npz`` can raise, from zipfile, zlib or NumPy."""

MAX_LAYERS = 1000
"""More layers than any model file holds."""


def _from_arrays(path: Path, arrays: dict[str, NDArray[Any]]) -> Network:
    """Check the arrays of a model file and build its network."""
    raw = arrays.pop("metadata", None)
    if raw is None:
        _invalid(path, "no metadata entry")
    digest = arrays.pop(SEAL, None)
    meta = _read_metadata(path, raw)
    arch = meta["architecture"]
    depth = len(arch["sizes"]) + len(arch.get("conv") or ())
    if depth > MAX_LAYERS:
        _invalid(path, f"{depth} layers, more than any model file holds")

    _check_dense_shapes(path, arch, arrays)

    # The architecture may not need more parameters than the file holds:
    # checked before the network allocates them.
    held = sum(int(a.size) for a in arrays.values())
    net = Network(
        arch["sizes"],
        activation=arch["activations"],
        output=arch["output"],
        dtype=arch["dtype"],
        conv=arch.get("conv"),
        image_shape=arch.get("image_shape"),
        init=_init_of(meta),
        max_params=held,
    )
    expected = {f"{kind}{i}" for i in range(len(net.layers)) for kind in "Wb"}
    if set(arrays) != expected:
        found = sorted(arrays)
        _invalid(
            path, f"arrays {_few(found)}, expected {_few(sorted(expected))}"
        )

    # Every array must have the dtype and shape the architecture implies.
    for i, layer in enumerate(net.layers):
        for name, target in ((f"W{i}", layer.W), (f"b{i}", layer.b)):
            arr = arrays[name]
            if arr.dtype != net.dtype or arr.shape != target.shape:
                _invalid(
                    path,
                    f"{name} is {arr.dtype} {arr.shape}, the architecture "
                    f"needs {net.dtype} {target.shape}",
                )
    reason = broken_seal(arrays, raw, digest, meta)
    if reason is not None:
        _invalid(path, f"{reason}; the file was altered")

    for i, layer in enumerate(net.layers):
        layer.W[...] = arrays[f"W{i}"]
        layer.b[...] = arrays[f"b{i}"]
    if not np.all(np.isfinite(net.params)):
        _invalid(path, "the parameters contain nan or inf")
    info = meta.get("info", {})
    net.info = info if isinstance(info, dict) else {}
    return net


def _check_dense_shapes(
    path: Path, arch: dict[str, Any], arrays: dict[str, NDArray[Any]]
) -> None:
    """For a network of dense layers only, the arrays' names and shapes
    follow from the sizes alone: compare them before building anything."""
    sizes = arch["sizes"]
    if arch.get("conv") or not all(is_whole(n) for n in sizes):
        return  # conv layers' shapes need the network; checked after it
    for i, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        for name, shape in ((f"W{i}", (n_in, n_out)), (f"b{i}", (n_out,))):
            arr = arrays.get(name)
            if arr is None:
                _invalid(path, f"no array {name}, which layer {i} needs")
            if arr.shape != shape:
                _invalid(
                    path,
                    f"{name} has shape {arr.shape}, the architecture needs "
                    f"{shape}",
                )


def _few(names: list[str], shown: int = 8) -> str:
    """A list of names, cut short when long."""
    if len(names) <= shown:
        return str(names)
    return f"[{', '.join(names[:shown])}, ... ({len(names)} in all)]"


def _init_of(meta: dict[str, Any]) -> str:
    """How the weights were first drawn: recorded with the architecture,
    else (files from before it was) in the training settings, else the
    seed's uniform."""
    init = meta["architecture"].get("init")
    info = meta.get("info")
    config = info.get("config") if isinstance(info, dict) else None
    if init is None and isinstance(config, dict):
        init = config.get("init")
    return init if isinstance(init, str) else "uniform"


def _read_metadata(path: Path, raw: NDArray[Any]) -> dict[str, Any]:
    if raw.dtype != np.uint8 or raw.ndim != 1:
        _invalid(path, "metadata is not a byte string")
    if raw.size > MAX_METADATA_BYTES:
        _invalid(path, f"metadata of {raw.size} bytes, far more than a model's")
    try:
        meta = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        _invalid(path, f"metadata is not JSON ({exc})")
    except RecursionError:
        _invalid(path, "metadata is nested too deeply to be a model's")
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        _invalid(path, f"metadata does not name the format {FORMAT!r}")
    version = meta.get("format_version")
    if not (isinstance(version, int) and is_whole(version) and version >= 1):
        _invalid(path, f"format version {version!r} is not a version number")
    if version > FORMAT_VERSION:
        _invalid(
            path,
            f"format version {version!r}; this barenet reads versions up to "
            f"{FORMAT_VERSION} (upgrade barenet to read newer files)",
        )
    arch = meta.get("architecture")
    if not isinstance(arch, dict) or not {
        "sizes",
        "activations",
        "output",
        "dtype",
    } <= set(arch):
        _invalid(path, "metadata lacks a complete architecture")
    if not isinstance(arch["sizes"], list) or not isinstance(
        arch.get("conv") or [], list
    ):
        _invalid(path, "the architecture's sizes and conv must be lists")
    if version == 1 and not isinstance(meta.get("arrays_sha256"), str):
        _invalid(path, "metadata lacks the arrays' SHA-256")
    return meta


def _layer_arrays(net: Network) -> dict[str, NDArray[Any]]:
    arrays: dict[str, NDArray[Any]] = {}
    for i, layer in enumerate(net.layers):
        arrays[f"W{i}"] = np.ascontiguousarray(layer.W)
        arrays[f"b{i}"] = np.ascontiguousarray(layer.b)
    return arrays


def _invalid(path: Path, reason: str) -> NoReturn:
    raise ModelFileError(f"not a valid barenet model: {path} ({reason})")
