"""MNIST, USPS, CSV tables and the 8x8 digits: real files and bad ones."""

from __future__ import annotations

import gzip
import hashlib
import struct

import numpy as np
import pytest

from barenet.data import (
    MNIST_FILES,
    USPS_FILES,
    load_csv,
    load_dataset,
    load_digits,
    load_mnist,
    load_usps,
    parse_idx,
    parse_usps,
)
from barenet.errors import ConfigError, DataError

# -- MNIST and IDX ----------------------------------------------------------


@pytest.fixture(scope="module")
def mnist(data_dir):
    return load_mnist(data_dir / "mnist")


def test_mnist_has_its_published_shape_split_and_counts(mnist):
    assert mnist.X.shape == (70000, 784) and mnist.X.dtype == np.float64
    assert mnist.image_shape == (28, 28) and mnist.preprocessing == "mnist"
    train, test = mnist.own_split()
    assert (len(train), len(test)) == (60000, 10000)
    assert np.bincount(mnist.y[test]).tolist() == [
        980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009,
    ]  # fmt: skip
    # The first training digit is a 5 and the first test digit a 7.
    assert (mnist.y[0], mnist.y[60000]) == (5, 7)
    assert mnist.X.min() == 0.0 and mnist.X.max() == 1.0


def test_mnist_pixels_are_the_file_bytes_over_255(mnist, data_dir):
    raw = gzip.decompress(
        (data_dir / "mnist" / "t10k-images-idx3-ubyte.gz").read_bytes()
    )
    first = np.frombuffer(raw[16 : 16 + 784], dtype=np.uint8)
    np.testing.assert_array_equal(mnist.X[60000] * 255, first)


def test_the_mnist_files_carry_the_published_checksums():
    assert {r.name: r.md5 for r in MNIST_FILES.values()} == {
        "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    }


def idx_images(pixels):
    n, rows, cols = pixels.shape
    header = struct.pack(">IIII", 2051, n, rows, cols)
    return header + pixels.astype(np.uint8).tobytes()


def idx_labels(labels):
    return struct.pack(">II", 2049, len(labels)) + bytes(labels)


def test_idx_raw_and_gzip_are_told_apart_by_content():
    pixels = np.arange(2 * 3 * 4).reshape(2, 3, 4)
    raw = idx_images(pixels)
    np.testing.assert_array_equal(parse_idx(raw), pixels)
    np.testing.assert_array_equal(parse_idx(gzip.compress(raw)), pixels)
    assert parse_idx(idx_labels([3, 1, 4])).tolist() == [3, 1, 4]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            idx_images(np.zeros((2, 3, 4)))[:-5],
            r"^f: truncated: the header promises 2 images of 3x4 pixels, 24 "
            r"bytes after the 16-byte header, found 19$",
        ),
        (
            idx_labels([1, 2]) + b"\x00",
            r"^f: oversized: the header promises 2 labels, 2 bytes after the "
            r"8-byte header, found 3$",
        ),
        (
            struct.pack(">IIII", 2052, 1, 1, 1) + b"\x00",
            r"^f: expected an IDX file starting with the magic number 2051 "
            r"\(images\) or 2049 \(labels\), found 2052",
        ),
        (
            b"\x00\x00",
            r"^f: truncated header: expected at least 8 bytes, found 2",
        ),
        (
            struct.pack(">III", 2051, 1, 28),
            r"^f: truncated header: expected at least 16 bytes, found 12$",
        ),
        (
            struct.pack(">IIII", 2051, 5, 0, 28),
            r"^f: the header gives images of 0x28 pixels",
        ),
        (
            struct.pack(">IIII", 2051, 2**31, 2**16, 2**16),
            r"^f: the header promises [\d,]+ bytes, more than the",
        ),
        (gzip.compress(idx_labels([1]))[:-6], r"^f: damaged gzip data"),
    ],
)
def test_bad_idx_files_say_what_was_expected_and_found(data, message):
    with pytest.raises(DataError, match=message):
        parse_idx(data, "f")


def test_an_idx_file_of_the_wrong_kind_is_refused():
    with pytest.raises(
        DataError, match=r"magic number 2049 \(labels\), found 2051"
    ):
        parse_idx(idx_images(np.zeros((1, 2, 2))), "f", magic=2049)


def test_mnist_from_a_folder_of_raw_files(tmp_path):
    # Raw files under their names without .gz: 2 training digits, 1 test.
    pictures = np.random.default_rng(0).integers(0, 256, (3, 28, 28))
    files = {
        "train-images-idx3-ubyte": idx_images(pictures[:2]),
        "train-labels-idx1-ubyte": idx_labels([4, 2]),
        "t10k-images-idx3-ubyte": idx_images(pictures[2:]),
        "t10k-labels-idx1-ubyte": idx_labels([9]),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    data = load_mnist(tmp_path)
    assert data.y.tolist() == [4, 2, 9] and data.test_start == 2
    np.testing.assert_array_equal(data.X * 255, pictures.reshape(3, -1))

    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(idx_labels([9, 9]))
    with pytest.raises(DataError, match=r"2 labels for 1 images; the image"):
        load_mnist(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(idx_labels([12]))
    with pytest.raises(
        DataError, match=r"label 0 is 12, expected a digit 0..9"
    ):
        load_mnist(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(
        DataError, match=r"has no t10k-labels-idx1-ubyte.gz \(nor t10k-labels"
    ):
        load_mnist(tmp_path)


def test_mnist_downloads_from_a_mirror_and_checks_every_file(
    mirror, empty_cache
):
    _, url = mirror
    said = []
    data = load_dataset("mnist", mirror=url, log=said.append)
    assert data.X.shape == (70000, 784)
    assert said == [
        f"Downloading {url}/mnist/{r.name}" for r in MNIST_FILES.values()
    ]
    for remote in MNIST_FILES.values():
        cached = empty_cache / "mnist" / remote.name
        assert hashlib.md5(cached.read_bytes()).hexdigest() == remote.md5


# -- USPS -------------------------------------------------------------------


def test_usps_has_its_published_shape_split_and_counts(data_dir):
    usps = load_usps(data_dir / "usps")
    assert usps.X.shape == (9298, 256) and usps.test_start == 7291
    assert usps.X.min() == 0.0 and usps.X.max() == 1.0
    train, test = usps.own_split()
    assert np.bincount(usps.y[train]).tolist() == [
        1194, 1005, 731, 658, 652, 556, 664, 645, 542, 644,
    ]  # fmt: skip
    assert np.bincount(usps.y[test]).tolist() == [
        359, 264, 198, 166, 200, 160, 170, 147, 166, 177,
    ]  # fmt: skip
    first = gzip.decompress((data_dir / "usps" / "zip.test.gz").read_bytes())
    fields = first.split(b"\n")[0].split()
    assert usps.y[7291] == int(float(fields[0]))
    np.testing.assert_allclose(
        usps.X[7291] * 2 - 1, [float(v) for v in fields[1:]], atol=1e-12
    )


def usps_line(label="3.0000", value="-1", n=256):
    return f"{label} " + " ".join([value] * n) + " \n"


def test_usps_parses_raw_text_and_maps_minus_one_to_background():
    X, y = parse_usps((usps_line() + usps_line("7", "1")).encode())
    assert y.tolist() == [3, 7]
    assert X[0].max() == 0.0 and X[1].min() == 1.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            usps_line(n=255),
            r"^z, line 1: expected 257 fields \(the digit, then",
        ),
        (
            usps_line(label="10"),
            r"^z, line 1: expected a digit 0..9 first, found '10'",
        ),
        (usps_line(label="2.5"), r"expected a digit 0..9 first, found '2.5'"),
        (
            usps_line(value="1.5"),
            r"expected grey value 1 in \[-1, 1\], found '1.5'",
        ),
        (usps_line(value="x"), r"expected a number in field 2, found 'x'"),
        (
            usps_line(value="nan"),
            r"expected grey value 1 in \[-1, 1\], found 'nan'",
        ),
        ("\n\n", r"^z: no data rows found"),
    ],
)
def test_bad_usps_lines_are_named(text, message):
    with pytest.raises(DataError, match=message):
        parse_usps(text.encode(), "z")


def test_usps_files_carry_the_published_checksums():
    assert [r.md5 for r in USPS_FILES.values()] == [
        "206835541ea704bcfb4b6eea872678bf",
        "f9350e940232b89f1dc8f8eacac88625",
    ]


# -- CSV tables -------------------------------------------------------------


def write(tmp_path, text, name="t.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_csv_with_a_header_and_a_label_by_name(tmp_path):
    path = write(tmp_path, "kind,a,b\ndog,1,2\ncat,3,4\ndog,5,6\n")
    data = load_csv(path, label="kind")
    assert data.X.tolist() == [[1, 2], [3, 4], [5, 6]]
    assert data.y.tolist() == [1, 0, 1] and data.n_classes == 2
    assert data.extra == {
        "classes": ["cat", "dog"],
        "label_column": "kind",
        "label_index": 0,
        "feature_names": ["a", "b"],
    }
    assert data.image_shape is None and data.preprocessing is None
    assert data.md5 == hashlib.md5(path.read_bytes()).hexdigest()


def test_csv_without_a_header_label_by_index_and_numeric_classes(tmp_path):
    path = write(tmp_path, "1.5,2,10\n3,4,2.0\n5,6,2\n7,8,10\n")
    data = load_csv(path)  # the last column by default
    assert data.X.tolist() == [[1.5, 2], [3, 4], [5, 6], [7, 8]]
    # Classes sort by value (2 before 10); "2.0" and "2" are one class.
    assert data.extra["classes"] == ["2", "10"]
    assert data.y.tolist() == [1, 0, 0, 1]
    assert data.extra["feature_names"] is None
    assert data.extra["label_column"] == "2"  # no header: by index
    assert data.extra["label_index"] == 2
    first = load_csv(path, label="0")
    assert first.extra["classes"] == ["1.5", "3", "5", "7"]
    assert load_csv(path, label=-2).X.tolist() == [
        [1.5, 10], [3, 2], [5, 2], [7, 10],
    ]  # fmt: skip


def test_csv_defaults_to_a_column_named_label_and_reads_semicolons(tmp_path):
    path = write(tmp_path, "Label;x\n0;0.5\n1;0.25\n")
    data = load_csv(path)
    assert data.extra["label_column"] == "Label"
    assert data.X.tolist() == [[0.5], [0.25]]


@pytest.mark.parametrize(
    ("text", "label", "message"),
    [
        (
            "a,b\n1,x\n2,y\n",
            "c",
            r"t.csv: no column named 'c'; the header has a, b",
        ),
        (
            "1,x\n2,y\n",
            "b",
            r"the file has no header, so the label column cannot",
        ),
        ("1,x\n2,y\n", 5, r"label column 5 is out of range; the file has 2"),
        ("a,b\n1,x\n2\n", None, r"t.csv, line 3: expected 2 fields, found 1"),
        (
            "a,b,c\n1,2,x\n1,oops,y\n",
            None,
            r"t.csv, line 3: expected a finite number in column 1 \(b\), found 'oops'",
        ),
        (
            "a,b\n1,x\ninf,y\n",
            None,
            r"line 3: expected a finite number in column 0",
        ),
        ("a,b\n1,x\n2,x\n", None, r"holds one class only \('x'\)"),
        ("a\n1\n", None, r"expected at least two columns"),
        ("a,b\n", None, r"a header but no data rows"),
        ("", None, r"no rows found"),
    ],
)
def test_bad_csv_files_say_where_and_why(tmp_path, text, label, message):
    with pytest.raises(DataError, match=message):
        load_csv(write(tmp_path, text), label=label)


@pytest.mark.parametrize(
    ("labels", "classes", "y"),
    [
        # Whole numbers are compared exactly, however many digits they have.
        (
            ["99999999999999999999", "99999999999999999998", "5"],
            ["5", "99999999999999999998", "99999999999999999999"],
            [2, 1, 0],
        ),
        # Among words, every label is compared by its text.
        (["x", "1", "1.0", "-2"], ["-2", "1", "1.0", "x"], [3, 1, 2, 0]),
    ],
)
def test_csv_labels_keep_their_classes_apart(tmp_path, labels, classes, y):
    text = "a,label\n" + "".join(f"{i},{c}\n" for i, c in enumerate(labels))
    data = load_csv(write(tmp_path, text))
    assert data.extra["classes"] == classes and data.y.tolist() == y


def test_an_empty_csv_label_is_refused_with_its_line(tmp_path):
    with pytest.raises(
        DataError,
        match=r"t.csv, line 3: expected a label in column 2 \(label\), found "
        r"an empty field$",
    ):
        load_csv(write(tmp_path, "a,b,label\n1,2,x\n3,4, \n5,6,y\n"))


def test_a_missing_csv_file(tmp_path):
    with pytest.raises(DataError, match=r"cannot read a CSV file .*nope.csv"):
        load_csv(tmp_path / "nope.csv")


# -- scikit-learn's digits, and loading by name -----------------------------


def test_the_8x8_digits_scaled_to_0_1():
    from sklearn.datasets import load_digits as sklearn_digits

    data = load_digits()
    original = sklearn_digits()
    assert data.X.shape == (1797, 64) and data.image_shape == (8, 8)
    np.testing.assert_array_equal(data.X * 16, original.data)
    np.testing.assert_array_equal(data.y, original.target)
    assert data.own_split() is None and data.preprocessing == "digits"


def test_load_dataset_by_name(semeion_path):
    assert load_dataset("semeion", semeion_path).X.shape == (1593, 256)
    with pytest.raises(ConfigError, match=r"unknown data set 'emnist'"):
        load_dataset("emnist")
    with pytest.raises(ConfigError, match="they take no --data"):
        load_dataset("digits", semeion_path)


def test_a_small_network_learns_mnist_from_a_subset(mnist):
    # The README's benchmark trains on all 60,000 rows for 97.5%; a tenth
    # of them for 2 epochs already reads the full test set above 88%.
    from barenet.evaluation import accuracy
    from barenet.network import Network
    from barenet.training import TrainConfig, train

    train_rows, test_rows = mnist.own_split()
    rows = train_rows[:6000]
    net = Network(
        [784, 32, 10], activation="relu", output="softmax", init="he", seed=0
    )
    config = TrainConfig(
        epochs=2, lr=0.002, l2=0.0, batch_size=32, optimizer="adam"
    )
    train(net, mnist.X[rows], mnist.y[rows], config)
    assert len(test_rows) == 10000
    guesses = net.predict(mnist.X[test_rows])
    assert accuracy(mnist.y[test_rows], guesses) >= 0.88
