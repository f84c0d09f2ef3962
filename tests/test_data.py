"""Semeion: the real file, malformed files, and the download cache."""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import socket
import threading
from pathlib import Path

import numpy as np
import pytest

from barenet.data import SEMEION, load_semeion, one_hot, parse_semeion
from barenet.data.cache import fetch
from barenet.errors import ConfigError, DataError


def test_the_real_file_gives_the_published_shape_and_counts(semeion):
    assert semeion.X.shape == (1593, 256)
    assert semeion.Y.shape == (1593, 10)
    assert semeion.X.dtype == np.float64
    assert set(np.unique(semeion.X)) == {0.0, 1.0}
    counts = np.bincount(semeion.y, minlength=10).tolist()
    assert counts == [161, 162, 159, 159, 161, 159, 161, 158, 155, 158]
    assert semeion.md5 == SEMEION.md5
    assert semeion.sha256 == (
        "f43228ae3da5ea6a3c95069d53450b86166770e3b719dcc333182128fe08d4b1"
    )


def test_first_row_matches_the_file_text(semeion_path, semeion):
    first = semeion_path.read_text().split("\n")[0].split()
    assert semeion.X[0].tolist() == [float(v) for v in first[:256]]
    assert semeion.y[0] == first[256:].index("1")


def _line(pixels="0.0000 " * 256, labels="1 0 0 0 0 0 0 0 0 0 "):
    return (pixels + labels).encode() + b"\r\n"


def test_a_small_valid_file_parses_with_crlf_and_trailing_spaces():
    text = _line() + _line(labels="0 0 0 0 0 0 0 0 0 1 ") + b"\r\n"
    X, y = parse_semeion(text, "small.data")
    assert X.shape == (2, 256) and y.tolist() == [0, 9]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            _line(pixels="0.0000 " * 255),
            r"bad.data, line 2: expected 266 fields \(256 pixels, then 10 label "
            r"columns\), found 265 fields",
        ),
        (
            _line(labels="0 1 0 0 0 1 0 0 0 0 "),
            r"bad.data, line 2: expected exactly one of the 10 label columns set "
            r"to 1, found 2 \(digits \[1, 5\]\) set",
        ),
        (
            _line(labels="0 0 0 0 0 0 0 0 0 0 "),
            "bad.data, line 2: expected exactly one of the 10 label columns set "
            "to 1, found none set",
        ),
        (
            _line(pixels="0.0000 " * 40 + "abc " + "0.0000 " * 215),
            "bad.data, line 2: expected a number in field 41, found 'abc'",
        ),
        (
            _line(pixels="0.5000 " + "0.0000 " * 255),
            r"bad.data, line 2: expected pixel 1 \(field 1\) to be 0 or 1, found 0.5",
        ),
        (
            _line(labels="0 0 2 0 0 0 0 0 0 0 "),
            r"bad.data, line 2: expected label column 3 \(field 259\) to be 0 or "
            r"1, found 2.0",
        ),
        (
            _line()[:-30] + "é".encode() + b"\r\n",
            "bad.data, line 2: expected plain text",
        ),
    ],
    ids=[
        "265 fields",
        "two-hot",
        "no label",
        "not a number",
        "grey pixel",
        "label 2",
        "not ascii",
    ],
)
def test_a_bad_line_is_named_with_what_was_expected_and_found(line, message):
    with pytest.raises(DataError, match=message):
        parse_semeion(_line() + line + _line(), "bad.data")


def test_a_byte_order_mark_is_skipped_and_gzip_is_named():
    text = _line() + _line(labels="0 0 0 0 0 0 0 0 0 1 ")
    X, y = parse_semeion(b"\xef\xbb\xbf" + text, "bom.data")
    np.testing.assert_array_equal(X, parse_semeion(text)[0])
    assert y.tolist() == [0, 9]
    with pytest.raises(
        DataError,
        match=r"^gz.data: the file is gzip-compressed; barenet reads the "
        r"Semeion file as plain text: decompress it first \(gunzip\)$",
    ):
        parse_semeion(gzip.compress(text), "gz.data")


def test_a_number_too_large_is_said_to_be_so_not_inf():
    line = _line(pixels="0.0000 " * 6 + "1e400 " + "0.0000 " * 249)
    with pytest.raises(
        DataError,
        match=r"^big.data, line 1: expected a number in field 7, found "
        r"'1e400' \(too large for a 64-bit float, whose largest is about "
        r"1.8e308\)$",
    ):
        parse_semeion(line, "big.data")
    line = _line(pixels="inf " + "0.0000 " * 255)
    with pytest.raises(DataError, match=r"to be 0 or 1, found inf$"):
        parse_semeion(line, "big.data")


def test_an_empty_file_is_an_error():
    with pytest.raises(DataError, match=r"empty.data: no data rows found"):
        parse_semeion(b"\r\n\r\n", "empty.data")


def test_a_missing_local_file_says_which_path(tmp_path):
    with pytest.raises(
        DataError, match=r"cannot read the Semeion file .*nope.data"
    ):
        load_semeion(tmp_path / "nope.data")


def test_one_hot_and_its_errors():
    np.testing.assert_array_equal(one_hot([2, 0], 3), [[0, 0, 1], [1, 0, 0]])
    with pytest.raises(ConfigError, match=r"label 10 is outside 0..9"):
        one_hot([1, 10], 10)
    with pytest.raises(ConfigError, match="labels y must be whole numbers"):
        one_hot([0.5], 10)


# -- downloads, against a server on 127.0.0.1 --------------------------------


def closed_port_url():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_download_fills_the_cache_once(mirror, empty_cache):
    root, url = mirror
    messages = []
    data = load_semeion(mirror=url, log=messages.append)
    cached = empty_cache / "semeion" / "semeion.data"
    assert data.X.shape == (1593, 256)
    assert hashlib.md5(cached.read_bytes()).hexdigest() == SEMEION.md5
    assert messages == [f"Downloading {url}/semeion/semeion.data"]
    # A second load reads the cache: the mirror may vanish.
    shutil.rmtree(root)
    messages.clear()
    assert load_semeion(mirror=url, log=messages.append).X.shape == (1593, 256)
    assert messages == []


def test_a_wrong_checksum_leaves_nothing_behind(mirror, empty_cache):
    root, url = mirror
    served = root / "semeion" / "semeion.data"
    served.write_bytes(served.read_bytes().replace(b"1.0000", b"0.0000", 1))
    with pytest.raises(
        DataError, match=r"its md5 is [0-9a-f]{32}, expected cb545d37"
    ):
        fetch(SEMEION, mirror=url)
    assert list(empty_cache.rglob("*")) == []  # not even its folder


def test_no_network_says_how_to_supply_the_file(empty_cache):
    url = closed_port_url()
    with pytest.raises(DataError) as info:
        fetch(SEMEION, mirror=url, timeout=5)
    message = str(info.value)
    assert message.startswith(
        f"could not download semeion.data from {url}/semeion/semeion.data:"
    )
    assert "(--data PATH on the command line)" in message
    assert str(empty_cache / "semeion" / "semeion.data") in message
    assert list(empty_cache.rglob("*")) == []  # not even its folder


def test_a_missing_remote_file_is_a_download_error(mirror, empty_cache):
    root, url = mirror
    (root / "semeion" / "semeion.data").unlink()
    with pytest.raises(
        DataError,
        match=r"could not download semeion.data .*: HTTP 404 File not found",
    ):
        fetch(SEMEION, mirror=url)


def test_a_damaged_cached_file_is_reported_not_replaced(empty_cache):
    cached = empty_cache / "semeion" / "semeion.data"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"not the file")
    with pytest.raises(
        DataError, match=r"the cached file .* has md5 .*Delete it"
    ):
        fetch(SEMEION, mirror=closed_port_url())
    assert cached.read_bytes() == b"not the file"


def test_the_shared_folder_is_a_full_cache(data_dir, monkeypatch):
    monkeypatch.setenv("BARENET_DATA", str(data_dir))
    assert (
        fetch(SEMEION, mirror=closed_port_url())
        == Path(data_dir) / "semeion" / "semeion.data"
    )


@pytest.fixture
def raw_server():
    """A TCP server on 127.0.0.1 that answers every request with given bytes."""
    replies = []
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def serve():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                conn.sendall(replies[0])

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield replies, f"http://127.0.0.1:{listener.getsockname()[1]}"
    listener.close()


def test_a_reply_that_is_not_http_is_a_download_error(raw_server, empty_cache):
    replies, url = raw_server
    replies.append(b"HELLO THIS IS NOT HTTP\r\n\r\n")
    with pytest.raises(
        DataError, match=r"could not download semeion.data .*BadStatusLine"
    ):
        fetch(SEMEION, mirror=url, timeout=5)
    assert list(empty_cache.rglob("*.tmp")) == []


def test_a_download_longer_than_the_file_stops(mirror, empty_cache):
    root, url = mirror
    served = root / "semeion" / "semeion.data"
    served.write_bytes(served.read_bytes() + b" " * 100_000)
    with pytest.raises(
        DataError, match=r"the server sent more than the expected 2889702 bytes"
    ):
        fetch(SEMEION, mirror=url)
    assert list(empty_cache.rglob("*.data")) == []


def test_a_short_download_says_how_much_arrived(mirror, empty_cache):
    root, url = mirror
    served = root / "semeion" / "semeion.data"
    served.write_bytes(served.read_bytes()[:1000])
    with pytest.raises(
        DataError, match=r"the download ended after 1000 of 2889702 bytes"
    ):
        fetch(SEMEION, mirror=url)


def test_a_malformed_mirror_url_is_a_download_error(empty_cache):
    with pytest.raises(
        DataError,
        match=r"could not download semeion.data from http://127.0.0.1:abc/",
    ):
        fetch(SEMEION, mirror="http://127.0.0.1:abc")


def test_a_cached_folder_or_fifo_is_an_error_not_a_hang(empty_cache):
    cached = empty_cache / "semeion" / "semeion.data"
    cached.mkdir(parents=True)
    with pytest.raises(
        DataError, match=r"the cached file .*semeion.data is a folder"
    ):
        fetch(SEMEION)
    cached.rmdir()
    os.mkfifo(cached)
    with pytest.raises(DataError, match=r"semeion.data is not a regular file"):
        fetch(SEMEION)
    with pytest.raises(
        DataError, match=r"the Semeion file .* is not a regular file"
    ):
        load_semeion(cached)


def test_a_downloaded_file_is_readable_by_others(mirror, empty_cache):
    _, url = mirror
    path = fetch(SEMEION, mirror=url)
    mask = os.umask(0o022)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask


def test_lines_ending_in_cr_alone_get_a_hint():
    text = _line().replace(b"\r\n", b"\r") * 3
    with pytest.raises(
        DataError, match=r"found 798 fields \(lines seem to end in CR alone"
    ):
        parse_semeion(text, "mac.data")
