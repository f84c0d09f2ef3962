"""Data files too large for memory are refused, not read.

A raw file's size is checked before it is read (an IDX header says how
long its file must be); a CSV file is turned into numbers as it is read,
so the memory it takes follows the numbers kept, not the text.
"""

from __future__ import annotations

import gzip
import struct
import tracemalloc

import numpy as np
import pytest

from barenet.data import load_csv, load_mnist, load_usps, parse_usps
from barenet.data.table import MAX_COLUMNS
from barenet.errors import DataError

HUGE = 1 << 40
"""A sparse file of 1 TiB: no disk space, but far too much to read."""


def sparse(path, start=b"", size=HUGE):
    with open(path, "wb") as f:
        f.write(start)
        f.truncate(size)
    return path


def test_a_huge_raw_idx_file_is_refused_from_its_header(tmp_path):
    header = struct.pack(">IIII", 2051, 1, 28, 28)
    labels = struct.pack(">II", 2049, 1) + b"\x07"
    sparse(tmp_path / "train-images-idx3-ubyte", header)
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(labels)
    (tmp_path / "t10k-images-idx3-ubyte").write_bytes(header + bytes(784))
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(labels)
    with pytest.raises(
        DataError,
        match=r"train-images-idx3-ubyte: oversized: the header promises 1 "
        r"images of 28x28 pixels, 784 bytes after the 16-byte header, found "
        r"1,099,511,627,760$",
    ):
        load_mnist(tmp_path)


def test_a_huge_raw_usps_file_is_refused_by_its_size(tmp_path):
    sparse(tmp_path / "zip.train", b"3 ")
    with pytest.raises(
        DataError,
        match=r"^a USPS file .*zip.train is larger than 67,108,864 bytes, far "
        r"more than USPS holds; check the path$",
    ):
        load_usps(tmp_path)


def test_a_huge_raw_csv_file_is_refused_by_its_size(tmp_path):
    path = sparse(tmp_path / "big.csv", b"a,b\n1,x\n")
    with pytest.raises(
        DataError,
        match=r"^a CSV file .*big.csv is larger than 1,073,741,824 bytes, the "
        r"most barenet reads from a CSV file$",
    ):
        load_csv(path)


def test_parsing_a_csv_file_takes_memory_in_proportion_to_its_numbers(
    tmp_path,
):
    # 40,000 rows of 50 two-digit numbers: 2,000,000 numbers, 16 MB as
    # float64, from 6 MB of text. Lists of the fields as Python strings
    # would take some 120 MB.
    row = ",".join(["12"] * 50)
    text = "".join(f"{row},{'ab'[i % 2]}\n" for i in range(40_000))
    path = tmp_path / "t.csv.gz"
    path.write_bytes(gzip.compress(text.encode(), compresslevel=1))
    tracemalloc.start()
    try:
        data = load_csv(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert data.X.shape == (40_000, 50) and data.X.nbytes == 16_000_000
    assert peak < 3 * data.X.nbytes


def test_a_row_of_too_many_fields_is_refused_before_it_is_split(tmp_path):
    path = tmp_path / "t.csv.gz"
    path.write_bytes(gzip.compress(b"1," * MAX_COLUMNS + b"x\n"))
    with pytest.raises(
        DataError,
        match=r"t.csv.gz, line 1: expected at most 100,000 fields in a row, "
        r"found more$",
    ):
        load_csv(path)


def test_a_quoted_line_break_does_not_hide_a_row_s_fields(tmp_path):
    half = b"1," * (MAX_COLUMNS // 2)
    path = tmp_path / "t.csv"
    path.write_bytes(half + b'"a\nb",' + half + b"x\n")
    with pytest.raises(
        DataError, match=r"line 2: expected at most 100,000 fields in a row"
    ):
        load_csv(path)


def test_the_number_of_values_read_from_a_csv_file_is_capped(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a,b,label\n1,2,x\n3,4,y\n5,6,x\n")
    assert load_csv(path, max_values=6).X.shape == (3, 2)
    with pytest.raises(
        DataError,
        match=r"^.*t.csv, line 4: the table holds more than 5 numbers \(2 "
        r"rows of 2\), the most this call reads; split the file, or raise "
        r"the limit with load_csv\(path, max_values=N\)$",
    ):
        load_csv(path, max_values=5)


def test_csv_lines_are_counted_across_the_chunks_text_is_read_in(tmp_path):
    # 1.4 MB of text: read in more than one chunk; the bad field is late.
    lines = ["a,b,label", *(["1,2,x", "3,4,y"] * 100_000)]
    lines[199_000] = "1,oops,x"
    path = tmp_path / "t.csv"
    path.write_text("\r\n".join(lines) + "\r\n")
    with pytest.raises(
        DataError,
        match=r"t.csv, line 199001: expected a finite number in column 1 "
        r"\(b\), found 'oops'$",
    ):
        load_csv(path)
    lines[199_000] = "1,2,x"
    path.write_text("\r\n".join(lines) + "\r\n")
    assert load_csv(path).X.shape == (200_000, 2)


def test_usps_lines_are_checked_a_chunk_at_a_time_with_their_numbers():
    line = "4 " + " ".join(["-1"] * 256) + "\n"
    lines = [line] * 5000
    lines[4500] = "4 " + " ".join(["-1"] * 255 + ["2"]) + "\n"
    with pytest.raises(
        DataError,
        match=r"^z, line 4501: expected grey value 256 in \[-1, 1\], found "
        r"'2'$",
    ):
        parse_usps("".join(lines).encode(), "z")
    lines[4500] = line
    X, y = parse_usps("".join(lines).encode(), "z")
    assert X.shape == (5000, 256) and np.all(X == 0) and np.all(y == 4)
