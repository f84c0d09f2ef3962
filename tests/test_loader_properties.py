"""Every loader, fed random bytes or randomly edited valid files.

Whatever the bytes, a loader either returns data or raises its documented
error (DataError, or ImageError, a DataError, for pictures): never another
exception, and never a hang (each example has a deadline).
"""

from __future__ import annotations

import contextlib
import gzip
import io
import struct
import tempfile
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from barenet.data import load_csv, parse_idx, parse_semeion, parse_usps
from barenet.errors import DataError
from barenet.images import preprocess

SETTINGS = settings(
    max_examples=150,
    deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.too_slow],
)


def _semeion_file():
    line = "1.0000 0.0000 " * 128 + "0 0 0 1 0 0 0 0 0 0 \r\n"
    return (line * 3).encode()


def _idx_file():
    pixels = np.arange(3 * 4 * 5, dtype=np.uint8).tobytes()
    return struct.pack(">IIII", 2051, 3, 4, 5) + pixels


def _usps_file():
    line = "5.0000 " + " ".join(["-1", "0.5", "1"] * 85 + ["0"]) + "\n"
    return (line * 2).encode()


def _csv_file():
    return b"a,b,label\n1,2.5,cat\n3,-4,dog\n5,6e2,cat\n"


def _image(fmt):
    grey = np.full((12, 10), 255, dtype=np.uint8)
    grey[2:10, 4:7] = 0
    buffer = io.BytesIO()
    Image.fromarray(grey).save(buffer, format=fmt)
    return buffer.getvalue()


def _load_csv(data: bytes):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t.csv"
        path.write_bytes(data)
        return load_csv(path)


LOADERS = {
    "semeion": (parse_semeion, _semeion_file()),
    "idx": (parse_idx, _idx_file()),
    "idx.gz": (parse_idx, gzip.compress(_idx_file(), mtime=0)),
    "usps": (parse_usps, _usps_file()),
    "usps.gz": (parse_usps, gzip.compress(_usps_file(), mtime=0)),
    "csv": (_load_csv, _csv_file()),
    "png": (preprocess, _image("PNG")),
    "gif": (preprocess, _image("GIF")),
    "bmp": (preprocess, _image("BMP")),
    "jpeg": (preprocess, _image("JPEG")),
}


@st.composite
def edited(draw, valid: bytes):
    """A valid file with a few bytes replaced, inserted or deleted, or cut."""
    data = bytearray(valid)
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        kind = draw(st.sampled_from(["replace", "insert", "delete", "cut"]))
        byte = draw(st.integers(0, 255))
        if kind == "replace" and data:
            data[at] = byte
        elif kind == "insert":
            data.insert(at, byte)
        elif kind == "delete" and data:
            del data[at]
        else:
            del data[at:]
    return bytes(data)


def _only_data_errors(load, data):
    with contextlib.suppress(DataError):
        load(data)


def test_the_valid_files_load():
    for load, valid in LOADERS.values():
        load(valid)


@pytest.mark.parametrize("name", LOADERS)
@SETTINGS
@given(data=st.binary(max_size=600))
def test_random_bytes_raise_only_data_errors(name, data):
    load, valid = LOADERS[name]
    _only_data_errors(load, data)
    _only_data_errors(load, valid[:8] + data)  # past the magic numbers


@pytest.mark.parametrize("name", LOADERS)
@SETTINGS
@given(st.data())
def test_edited_files_raise_only_data_errors(name, data):
    load, valid = LOADERS[name]
    _only_data_errors(load, data.draw(edited(valid)))


def _model_file():
    from barenet.io import save_model
    from barenet.network import Network

    net = Network([3, 2], seed=0)
    net.info = {"data": {"name": "toy"}}
    with tempfile.TemporaryDirectory() as folder:
        return save_model(net, Path(folder) / "m.npz").read_bytes()


def _load_model_bytes(data: bytes):
    from barenet.io import load_model

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "m.npz"
        path.write_bytes(data)
        return load_model(path)


MODEL = _model_file()


@SETTINGS
@given(st.one_of(st.binary(max_size=600), edited(MODEL)))
def test_random_and_edited_model_files_are_only_invalid_models(data):
    from barenet.errors import ModelFileError

    with contextlib.suppress(ModelFileError):
        _load_model_bytes(data)
