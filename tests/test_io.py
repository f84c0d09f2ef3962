"""Model files: round trips, and files that are not models."""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import signal
import subprocess
import sys
import time
import zipfile

import numpy as np
import pytest

from barenet.errors import ModelFileError
from barenet.io import load_model, save_model
from barenet.network import Network


@pytest.fixture
def net():
    net = Network([6, 4, 3], activation="tanh", output="softmax", seed=2)
    net.info = {"data": {"name": "toy"}, "final": {"test_accuracy": 0.5}}
    return net


def test_a_saved_model_loads_and_predicts_exactly_the_same(tmp_path, net, rng):
    path = save_model(net, tmp_path / "model.npz")
    loaded = load_model(path)
    X = rng.normal(0, 1, (9, 6))
    np.testing.assert_array_equal(loaded.predict_proba(X), net.predict_proba(X))
    np.testing.assert_array_equal(loaded.params, net.params)
    assert loaded.architecture() == net.architecture()
    assert loaded.info == net.info


def test_the_file_is_plain_arrays_and_json(tmp_path, net):
    save_model(net, tmp_path / "model.npz")
    with np.load(tmp_path / "model.npz", allow_pickle=False) as z:
        entries = {name: z[name] for name in z.files}
    assert sorted(entries) == ["W0", "W1", "b0", "b1", "metadata", "sha256"]
    meta = json.loads(entries["metadata"].tobytes())
    assert meta["format"] == "barenet-model" and meta["format_version"] == 2
    # The checksum covers every other entry, the metadata's bytes included:
    # worked out here with hashlib alone, as the format describes it.
    assert entries.pop("sha256").tobytes().decode() == _sha256(entries)
    assert meta["architecture"] == {
        "sizes": [6, 4, 3],
        "activations": ["tanh"],
        "output": "softmax",
        "dtype": "float64",
        "init": "uniform",
    }


def test_a_truncated_file_is_not_a_valid_model(tmp_path, net):
    path = save_model(net, tmp_path / "model.npz")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(
        ModelFileError, match=r"^not a valid barenet model: .*model.npz \("
    ):
        load_model(path)


def test_a_pickle_is_refused_without_being_run(tmp_path):
    path = tmp_path / "evil.npz"
    path.write_bytes(pickle.dumps({"W0": np.zeros(3)}))
    with pytest.raises(ModelFileError, match="not a valid barenet model"):
        load_model(path)


def test_an_npz_without_metadata_or_with_edited_weights_is_refused(
    tmp_path, net
):
    plain = tmp_path / "plain.npz"
    np.savez(plain, W0=np.zeros((6, 4)))
    with pytest.raises(ModelFileError, match=r"\(no metadata entry\)"):
        load_model(plain)

    path = save_model(net, tmp_path / "model.npz")
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["W0"][0, 0] += 1.0
    np.savez(path, **arrays)
    with pytest.raises(ModelFileError, match=ALTERED):
        load_model(path)

    arrays["W0"] = np.zeros((4, 6))
    np.savez(path, **arrays)
    with pytest.raises(
        ModelFileError,
        match=r"W0 has shape \(4, 6\), the architecture needs \(6, 4\)",
    ):
        load_model(path)

    arrays["W0"] = np.zeros((5, 4))
    np.savez(path, **arrays)
    with pytest.raises(
        ModelFileError,
        match=r"W0 has shape \(5, 4\), the architecture needs \(6, 4\)",
    ):
        load_model(path)


ALTERED = (
    r"\(the SHA-256 of its entries does not match the one in its sha256 "
    r"entry; the file was altered\)$"
)


def _sha256(entries):
    """SHA-256 over each entry's name, dtype, shape and bytes, by name."""
    h = hashlib.sha256()
    for name in sorted(entries):
        arr = np.ascontiguousarray(entries[name])
        h.update(f"{name}:{arr.dtype.str}:{arr.shape};".encode())
        h.update(arr.tobytes())
    return h.hexdigest()


def _as_version_1(path, edit=lambda meta: None):
    """Rewrite a model file as format version 1 wrote it: no sha256 entry,
    and the SHA-256 of the arrays alone in the metadata."""
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files if k not in ("metadata", "sha256")}
        meta = json.loads(z["metadata"].tobytes())
    meta["format_version"] = 1
    meta["arrays_sha256"] = _sha256(arrays)
    edit(meta)
    text = json.dumps(meta).encode()
    np.savez(path, **arrays, metadata=np.frombuffer(text, dtype=np.uint8))


def test_edited_metadata_is_refused(tmp_path, net):
    # A model that claims a better test accuracy than it had.
    path = save_model(net, tmp_path / "model.npz")
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files}
    meta = json.loads(arrays["metadata"].tobytes())
    meta["info"]["final"]["test_accuracy"] = 0.99
    text = json.dumps(meta).encode()
    arrays["metadata"] = np.frombuffer(text, dtype=np.uint8)
    np.savez(path, **arrays)
    with pytest.raises(ModelFileError, match=ALTERED):
        load_model(path)
    # Without its checksum entry, the file cannot pass for version 2.
    del arrays["sha256"]
    np.savez(path, **arrays)
    with pytest.raises(
        ModelFileError,
        match=r"\(no sha256 entry, which its format version needs; the file "
        r"was altered\)$",
    ):
        load_model(path)


def test_files_of_format_version_1_still_load(tmp_path, net, rng):
    path = save_model(net, tmp_path / "model.npz")
    _as_version_1(path)
    old = load_model(path)
    np.testing.assert_array_equal(old.params, net.params)
    assert old.info == net.info
    # Their arrays are still checked; their metadata never was.
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["b1"][0] += 1.0
    np.savez(path, **arrays)
    with pytest.raises(
        ModelFileError,
        match=r"\(the arrays' SHA-256 does not match the metadata; the file "
        r"was altered\)$",
    ):
        load_model(path)


def test_a_zip_of_something_else_is_refused(tmp_path):
    path = tmp_path / "other.npz"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "hello")
    with pytest.raises(ModelFileError, match="not a valid barenet model"):
        load_model(path)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ModelFileError, match="no model file at"):
        load_model(tmp_path / "absent.npz")
    with pytest.raises(ModelFileError, match="is a folder, not a model file"):
        load_model(tmp_path)


def test_nan_never_reaches_a_saved_model(tmp_path, net):
    previous = save_model(net, tmp_path / "model.npz").read_bytes()
    net.params[3] = np.nan
    with pytest.raises(ModelFileError, match="parameters contain nan or inf"):
        save_model(net, tmp_path / "model.npz")
    assert (tmp_path / "model.npz").read_bytes() == previous
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]


@pytest.mark.parametrize(
    ("flag", "reason"),
    [
        (0x01, r"RuntimeError: File .* is encrypted"),
        (0x20, "patched data"),
    ],
)
def test_zip_entries_that_cannot_be_opened_make_an_invalid_model(
    tmp_path, net, flag, reason
):
    # Mark every entry in the zip's central directory as encrypted (bit 0)
    # or as "compressed patched data" (bit 5): zipfile will not open them.
    raw = bytearray(save_model(net, tmp_path / "m.npz").read_bytes())
    at = raw.find(b"PK\x01\x02")
    while at != -1:
        raw[at + 8] |= flag
        at = raw.find(b"PK\x01\x02", at + 4)
    (tmp_path / "m.npz").write_bytes(bytes(raw))
    with pytest.raises(
        ModelFileError, match=f"not a valid barenet model: .*{reason}"
    ):
        load_model(tmp_path / "m.npz")


def test_a_loaded_model_knows_how_its_weights_were_first_drawn(tmp_path):
    net = Network([3, 2], init="he", seed=0)
    assert load_model(save_model(net, tmp_path / "he.npz")).init == "he"

    # A file from before the architecture recorded it (format version 1):
    # the training settings in its info say, else it is the seed's uniform.
    for info, init in (
        ({"config": {"init": "glorot"}}, "glorot"),
        ({}, "uniform"),
    ):

        def older(meta, info=info):
            del meta["architecture"]["init"]
            meta["info"] = info

        path = save_model(net, tmp_path / "older.npz")
        _as_version_1(path, older)
        assert load_model(path).init == init


def test_float32_models_keep_their_dtype(tmp_path):
    net = Network([3, 2], dtype="float32", seed=0)
    loaded = load_model(save_model(net, tmp_path / "m.npz"))
    assert loaded.params.dtype == np.float32
    np.testing.assert_array_equal(loaded.params, net.params)


SAVER = """
import sys
import numpy as np
from barenet.io import save_model
from barenet.network import Network

net = Network([3000, 1000, 10], seed=0)  # 3 million parameters, 24 MB
for version in range(1, 1000):
    net.params[...] = version
    print(version, flush=True)
    save_model(net, sys.argv[1])
"""


@pytest.mark.parametrize("delay", [0.002, 0.01])
def test_a_process_killed_while_saving_leaves_the_previous_model(
    tmp_path, delay
):
    # The child announces each save, then writes it; killed a few
    # milliseconds after an announcement, it dies in the middle of that
    # save. (A plain numpy.savez to the real name fails this test in most
    # runs: the file is left truncated.)
    path = tmp_path / "model.npz"
    child = subprocess.Popen(
        [sys.executable, "-c", SAVER, str(path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    for _ in range(3):
        version = int(child.stdout.readline())
    time.sleep(delay)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    loaded = load_model(path)
    # The save in progress either finished or left the one before whole.
    assert loaded.params[0] in (version - 1, version)
    assert np.all(loaded.params == loaded.params[0])


def _edit_metadata(path, edit):
    """Rewrite a model file with its metadata changed by ``edit``."""
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files}
    meta = json.loads(arrays["metadata"].tobytes())
    text = edit(meta) if callable(edit) else edit
    if not isinstance(text, str):
        text = json.dumps(text)
    arrays["metadata"] = np.frombuffer(text.encode(), dtype=np.uint8)
    np.savez(path, **arrays)


def _with(meta, **changes):
    meta["architecture"].update(changes)
    return meta


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (
            lambda m: _with(m, sizes=[10**9, 10**9, 3]),
            r"W0 has shape \(6, 4\), the architecture needs "
            r"\(1000000000, 1000000000\)",
        ),
        (
            lambda m: _with(m, sizes=[1] * 5000),
            r"5000 layers, more than any model file holds",
        ),
        (
            lambda m: _with(m, sizes=5),
            r"the architecture's sizes and conv must be lists",
        ),
        (
            lambda m: {**m, "format_version": True},
            r"format version True is not a version number",
        ),
        (
            "[" * 100_000 + "]" * 100_000,
            r"metadata is nested too deeply|metadata does not name the format",
        ),
    ],
    ids=[
        "huge sizes",
        "too many layers",
        "sizes not a list",
        "bool version",
        "deep nesting",
    ],
)
def test_metadata_that_lies_is_refused_before_allocating(
    tmp_path, edit, reason
):
    net = Network([6, 4, 3], seed=0)
    path = save_model(net, tmp_path / "model.npz")
    _edit_metadata(path, edit)
    with pytest.raises(ModelFileError, match=reason):
        load_model(path)


def test_an_array_header_claiming_a_huge_shape_is_refused(tmp_path):
    path = tmp_path / "big.npz"
    with zipfile.ZipFile(path, "w") as z:
        header = io.BytesIO()
        np.lib.format.write_array_header_1_0(
            header,
            {"descr": "<f8", "fortran_order": False, "shape": (10**6, 10**6)},
        )
        z.writestr("W0.npy", b"\x93NUMPY\x01\x00" + header.getvalue()[8:])
    with pytest.raises(
        ModelFileError, match=r"claims shape \(1000000, 1000000\)"
    ):
        load_model(path)


def test_a_compressed_archive_is_refused_unread(tmp_path):
    # A small deflated entry may inflate to gigabytes: never inflated.
    path = tmp_path / "bomb.npz"
    np.savez_compressed(path, metadata=np.zeros(10**6, dtype=np.uint8))
    assert path.stat().st_size < 10_000
    with pytest.raises(ModelFileError, match="is compressed; barenet writes"):
        load_model(path)


def test_a_fifo_or_a_text_file_is_refused_without_hanging(tmp_path):
    fifo = tmp_path / "fifo.npz"
    os.mkfifo(fifo)
    with pytest.raises(ModelFileError, match=r"\(not a regular file\)"):
        load_model(fifo)
    text = tmp_path / "notes.npz"
    text.write_text("garbage")
    with pytest.raises(
        ModelFileError, match=r"\(not an .npz archive \(not a zip file\)\)"
    ):
        load_model(text)


def test_a_model_file_that_cannot_be_read_is_not_called_invalid(
    tmp_path, net, monkeypatch
):
    # As root a file's permissions do not stop reading: the refusal that
    # open() gives anyone else is made here.
    path = save_model(net, tmp_path / "model.npz")

    def refused(path):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("barenet.io.read_npz", refused)
    with pytest.raises(
        ModelFileError, match=r"^cannot read .*model.npz: permission denied$"
    ):
        load_model(path)
