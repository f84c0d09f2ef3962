"""Any table of numbers with a label column, from a CSV file.

Each row is one sample: numeric feature columns and one label column. The
label column is chosen by name (if the file has a header) or by index
(0 is the first column, -1 the last); by default it is the column named
``label`` if there is one, else the last column.

- **Header.** The first row is a header when one of its fields is not a
  number while the field below it is (or, in a file of one row, when any
  field is not a number); otherwise it is data.
- **Separator.** A comma, unless the first row has none and has semicolons
  or tabs.
- **Labels** may be any text or numbers. The classes are the distinct
  labels, sorted (numerically when all are numbers, which are then one
  class if equal in value: whole numbers exactly), and y holds each
  label's index among them; ``Dataset.extra["classes"]`` keeps the labels
  themselves, so that a model can answer with them.
- **Features** must all be finite numbers; the first bad one is a
  DataError with its line, column and value.

Such a table carries no pictures: its ``Dataset`` has no image shape and
no preprocessing, and a model trained on it reads rows, not images.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
from pathlib import Path
from typing import NoReturn

import numpy as np
from numpy.typing import NDArray

from barenet.data._bytes import gunzip_if_needed, parse_floats, read_file
from barenet.data.base import Dataset, label_key
from barenet.errors import DataError

MAX_CSV_BYTES = 1 << 30
"""Largest (decompressed) CSV file read: 1 GiB."""
MAX_CLASSES = 1000
"""Most distinct labels a table may have."""


def load_csv(
    path: str | os.PathLike[str],
    label: str | int | None = None,
    *,
    labels_as_text: bool = False,
) -> Dataset:
    """Load a CSV file of numeric features and a label column.

    Parameters
    ----------
    path : path
        The file (plain text, or gzip-compressed).
    label : str or int, optional
        The label column: a header name, or an index (negative from the
        end); a string of digits counts as an index. By default the column
        named ``label``, else the last one.
    labels_as_text : bool, default False
        Keep every distinct label text a class of its own, numbers too
        ("1", "1.0" and "01" are then three classes).

    Returns
    -------
    Dataset
        X (n_rows, n_columns - 1), y the class indices; ``extra["classes"]``
        the labels in class order, ``extra["label_column"]`` the column used
        (its header name, or its index as text when the file has no header)
        and ``extra["label_index"]`` its index.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = f.write_text("a,b,kind\\n1,2,cat\\n3,4,dog\\n5,6,cat\\n")
    >>> data = load_csv(f, label="kind")
    >>> data.X.tolist(), data.y.tolist(), data.extra["classes"]
    ([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], [0, 1, 0], ['cat', 'dog'])
    """
    source = str(path)
    raw = read_file(path, "a CSV file")
    X, labels, names, column, index = _parse(raw, source, label)
    classes, y = _classes(labels, labels_as_text)
    if len(classes) > MAX_CLASSES:
        raise DataError(
            f"{source}: the label column {column!r} holds {len(classes):,} "
            f"different values, more than the {MAX_CLASSES:,} classes barenet "
            "takes; is it the right column? (choose it with --label)"
        )
    if len(classes) < 2:
        raise DataError(
            f"{source}: the label column {column!r} holds one class only "
            f"({classes[0]!r}); a classifier needs at least two"
        )
    return Dataset(
        X=X,
        y=y,
        name=Path(path).name,
        n_classes=len(classes),
        source=source,
        md5=hashlib.md5(raw, usedforsecurity=False).hexdigest(),
        sha256=hashlib.sha256(raw).hexdigest(),
        extra={
            "classes": classes,
            "label_column": column,
            "label_index": index,
            "feature_names": names,
        },
    )


def parse_csv(
    data: bytes, source: str = "<bytes>", label: str | int | None = None
) -> tuple[NDArray[np.float64], list[str], list[str] | None, str]:
    """Parse CSV bytes into (X, label texts, feature names, label column).

    Feature names are None when the file has no header. Raises DataError
    for anything that is not a table of numbers with a label column.
    """
    return _parse(data, source, label)[:4]


def _parse(
    data: bytes, source: str, label: str | int | None
) -> tuple[NDArray[np.float64], list[str], list[str] | None, str, int]:
    """parse_csv, and the label column's index."""
    rows = _rows(data, source)
    header = rows[0][1] if _is_header(rows) else None
    body = rows[1:] if header is not None else rows
    width = len(rows[0][1])
    if width < 2:
        raise DataError(
            f"{source}: expected at least two columns (features and a "
            f"label), found {width}"
        )
    if not body:
        raise DataError(f"{source}: a header but no data rows")
    at = _label_index(label, header, width, source)
    column = header[at] if header is not None else str(at)

    labels, values = [], []
    for number, fields in body:
        if len(fields) != width:
            _fail(source, number, f"{width} fields", f"{len(fields)}")
        labels.append(fields[at].strip())
        values.append(fields[:at] + fields[at + 1 :])
    X = _numbers(values, body, at, header, source)
    names = header[:at] + header[at + 1 :] if header is not None else None
    return X, labels, names, column, at


def load_features(
    path: str | os.PathLike[str],
    label: str | int | None = None,
    *,
    n_features: int | None = None,
    label_column: str | None = None,
    label_index: int | None = None,
) -> tuple[NDArray[np.float64], list[str] | None]:
    """Rows of numbers to predict from: (X, column names or None).

    Every column is a feature except the label column, if the file has
    one. That is:

    1. ``label``, when given: a header name, or an index (negative from
       the end; a string of digits counts as an index), as for
       ``load_csv``;
    2. else the column named ``label_column`` (the label column of the
       table a model was trained on), if the header has one;
    3. else, when the rows are one field wider than the ``n_features`` a
       model takes, the column at ``label_index``: where the model's
       table kept its labels. (A model trained on a file without a
       header records that index as its ``label_column``, "4" say.)
    4. else none.

    Same rules and errors as ``load_csv`` otherwise; the caller checks
    the width of X.
    """
    source = str(path)
    rows = _rows(read_file(path, "a CSV file"), source)
    header = rows[0][1] if _is_header(rows) else None
    body = rows[1:] if header is not None else rows
    if not body:
        raise DataError(f"{source}: a header but no data rows")
    width = len(rows[0][1])
    if label is not None:
        at: int | None = _label_index(label, header, width, source)
    else:
        at = _recorded_label(
            header, width, n_features, label_column, label_index
        )
    values = []
    for number, fields in body:
        if len(fields) != width:
            _fail(source, number, f"{width} fields", f"{len(fields)}")
        values.append(fields if at is None else fields[:at] + fields[at + 1 :])
    try:
        X = _numbers(values, body, width if at is None else at, header, source)
    except DataError as exc:
        if at is None and n_features is not None and width == n_features + 1:
            raise DataError(
                f"{exc}; if that column holds labels, name it with --label "
                "(its name, or its index from 0)"
            ) from None
        raise
    names = [h.strip() for h in header] if header is not None else None
    if names is not None and at is not None:
        del names[at]
    return X, names


def _recorded_label(
    header: list[str] | None,
    width: int,
    n_features: int | None,
    label_column: str | None,
    label_index: int | None,
) -> int | None:
    """The column a model's record says holds labels; see load_features."""
    names = [h.strip() for h in header] if header is not None else []
    if label_column is not None and label_column in names:
        return names.index(label_column)
    if n_features is None or width != n_features + 1:
        return None
    if label_index is None and label_column and label_column.isdigit():
        label_index = int(label_column)
    if label_index is not None and 0 <= label_index < width:
        return label_index
    return None


def _rows(data: bytes, source: str) -> list[tuple[int, list[str]]]:
    """Non-blank rows with their line numbers."""
    data = gunzip_if_needed(data, source, MAX_CSV_BYTES)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        _fail(source, line, "UTF-8 text", f"the byte 0x{data[exc.start]:02x}")
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        _fail(source, line, "text", "a NUL byte")
    first = text.split("\n", 1)[0]
    delimiter = ","
    if "," not in first:
        delimiter = next((d for d in ";\t" if d in first), ",")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    try:
        for fields in reader:
            if any(f.strip() for f in fields):
                rows.append((reader.line_num, fields))
    except csv.Error as exc:
        _fail(source, reader.line_num, "well-formed CSV", str(exc))
    if not rows:
        raise DataError(f"{source}: no rows found; is this a CSV file?")
    return rows


def _is_header(rows: list[tuple[int, list[str]]]) -> bool:
    """Whether the first row names the columns; see the module docstring."""
    first = rows[0][1]
    if len(rows) == 1:
        return not all(_is_number(f) for f in first)
    below = rows[1][1]
    return any(
        not _is_number(a) and _is_number(b)
        for a, b in zip(first, below, strict=False)
    )


def _label_index(
    label: str | int | None, header: list[str] | None, width: int, source: str
) -> int:
    """The label column's index in 0..width-1."""
    names = [h.strip() for h in header] if header is not None else None
    if label is None:
        if names is not None and "label" in [n.lower() for n in names]:
            return [n.lower() for n in names].index("label")
        return width - 1
    if isinstance(label, str) and label.lstrip("-").isdigit():
        label = int(label)
    if isinstance(label, int):
        if not -width <= label < width:
            raise DataError(
                f"{source}: label column {label} is out of range; the file "
                f"has {width} columns (0..{width - 1}, or -1 for the last)"
            )
        return label % width
    if names is None:
        raise DataError(
            f"{source}: the file has no header, so the label column cannot "
            f"be found by the name {label!r}; give its index (0..{width - 1})"
        )
    if label not in names:
        shown = ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")
        raise DataError(
            f"{source}: no column named {label!r}; the header has {shown}"
        )
    return names.index(label)


def _numbers(
    values: list[list[str]],
    body: list[tuple[int, list[str]]],
    at: int,
    header: list[str] | None,
    source: str,
) -> NDArray[np.float64]:
    """The features as floats; on failure, name the first bad field."""
    X, bad = parse_floats(values)
    if bad is None:
        assert X is not None
        infinite = np.argwhere(~np.isfinite(X))
        if not infinite.size:
            return X
        bad = (int(infinite[0][0]), int(infinite[0][1]))
    i, j = bad
    column = j if j < at else j + 1
    name = f" ({header[column].strip()})" if header is not None else ""
    _fail(
        source,
        body[i][0],
        f"a finite number in column {column}{name}",
        repr(values[i][j][:40]),
    )


def _classes(
    labels: list[str], as_text: bool = False
) -> tuple[list[str], NDArray[np.int64]]:
    """The distinct labels in order, and each row's index among them."""
    distinct = set(labels)
    numbers: dict[str, int | float] = {}
    for v in distinct:
        key = label_key(v)
        if not isinstance(key, str):
            numbers[v] = key
    if not as_text and len(numbers) == len(distinct):
        # Numeric labels: "3" and "3.0" are the same class, sorted by
        # value; whole numbers are compared exactly, however long.
        ordered = sorted(set(numbers.values()))
        names = [_number_text(v) for v in ordered]
        where = {value: k for k, value in enumerate(ordered)}
        index = {v: where[numbers[v]] for v in distinct}
    else:
        names = sorted(distinct)
        index = {v: k for k, v in enumerate(names)}
    y = np.array([index[v] for v in labels], dtype=np.int64)
    return names, y


def _number_text(value: int | float) -> str:
    return str(value) if isinstance(value, int) else repr(value)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _fail(source: str, line: int, expected: str, found: str) -> NoReturn:
    raise DataError(
        f"{source}, line {line}: expected {expected}, found {found}"
    )
