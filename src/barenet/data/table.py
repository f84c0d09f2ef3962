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
- **Labels** may be any text or numbers, but never empty. When every
  label is a number, numbers equal in value are one class ("3" and
  "3.0"; whole numbers compared exactly, however many digits), sorted by
  value. When any label is not a number (a word, nan, inf), every label
  is compared by its text: "1" and "1.0" are then two classes, sorted as
  text. y holds each label's index among the classes, and
  ``Dataset.extra["classes"]`` keeps the labels themselves, so that a
  model can answer with them.
- **Features** must all be finite numbers; the first bad one is a
  DataError with its line, column and value.
- **Size.** A file may hold at most ``MAX_CSV_BYTES`` of text and
  ``MAX_COLUMNS`` columns; ``load_csv`` reads at most ``max_values``
  numbers (``MAX_CSV_VALUES`` by default). The text is read a chunk at a
  time and turned into numbers as it goes, so the memory used follows the
  numbers kept, not the length of the text.

Such a table carries no pictures: its ``Dataset`` has no image shape and
no preprocessing, and a model trained on it reads rows, not images.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import numpy as np
from numpy.typing import NDArray

from barenet.data._bytes import content, overflow_note, parse_floats, read_data
from barenet.data.base import Dataset, label_key
from barenet.errors import DataError

MAX_CSV_BYTES = 1 << 30
"""Most text read from one CSV file, compressed or not: 1 GiB."""
MAX_CSV_VALUES = 1 << 27
"""Most numbers read from one CSV file by default: 134,217,728, which take
1 GiB as float64."""
MAX_COLUMNS = 100_000
"""Most fields a row may have."""
MAX_LINE_CHARS = 1 << 24
"""Longest line read, in characters (16 MiB)."""
MAX_CLASSES = 1000
"""Most distinct labels a table may have."""
_CHUNK_VALUES = 1 << 16
"""Numbers converted at a time: rows of text wait for at most this many."""

Row = tuple[int, list[str]]
"""A row of fields, with the number of the line it ends on."""


def load_csv(
    path: str | os.PathLike[str],
    label: str | int | None = None,
    *,
    labels_as_text: bool = False,
    max_values: int = MAX_CSV_VALUES,
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
    max_values : int, default MAX_CSV_VALUES
        Most feature values read; a larger table is a DataError.

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
    raw = _read(path)
    X, labels, names, column, index = _parse(raw, source, label, max_values)
    classes, y = _classes(labels, labels_as_text)
    if len(classes) > MAX_CLASSES:
        _too_many_classes(source, column, f"{len(classes):,}")
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
    data: bytes,
    source: str = "<bytes>",
    label: str | int | None = None,
    max_values: int = MAX_CSV_VALUES,
) -> tuple[NDArray[np.float64], list[str], list[str] | None, str]:
    """Parse CSV bytes into (X, label texts, feature names, label column).

    Feature names are None when the file has no header. Raises DataError
    for anything that is not a table of numbers with a label column.
    """
    return _parse(data, source, label, max_values)[:4]


def _parse(
    data: bytes, source: str, label: str | int | None, max_values: int
) -> tuple[NDArray[np.float64], list[str], list[str] | None, str, int]:
    """parse_csv, and the label column's index."""
    header, body, width = _start(data, source)
    if width < 2:
        raise DataError(
            f"{source}: expected at least two columns (features and a "
            f"label), found {width}"
        )
    at = _label_index(label, header, width, source)
    column = header[at] if header is not None else str(at)
    table = _Table(source, header, width, at, max_values)
    for number, fields in body:
        table.add(number, fields)
    X = table.finish()
    names = header[:at] + header[at + 1 :] if header is not None else None
    return X, table.labels, names, column, at


def load_features(
    path: str | os.PathLike[str],
    label: str | int | None = None,
    *,
    n_features: int | None = None,
    label_column: str | None = None,
    label_index: int | None = None,
    max_values: int = MAX_CSV_VALUES,
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
    header, body, width = _start(_read(path), source)
    if label is not None:
        at: int | None = _label_index(label, header, width, source)
    else:
        at = _recorded_label(
            header, width, n_features, label_column, label_index
        )
    table = _Table(source, header, width, at, max_values, keep_labels=False)
    try:
        for number, fields in body:
            table.add(number, fields)
        X = table.finish()
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


def _read(path: str | os.PathLike[str]) -> bytes:
    return read_data(
        path,
        "a CSV file",
        MAX_CSV_BYTES,
        too_large="the most barenet reads from a CSV file",
    )


def _start(
    data: bytes, source: str
) -> tuple[list[str] | None, Iterator[Row], int]:
    """The header (or None), the data rows to come, and the row width."""
    rows = _rows(data, source)
    first = next(rows, None)
    if first is None:
        raise DataError(f"{source}: no rows found; is this a CSV file?")
    second = next(rows, None)
    header = first[1] if _is_header(first[1], second) else None
    ahead = [row for row in (first, second) if row is not None]
    body = itertools.chain(ahead[1:] if header is not None else ahead, rows)
    return header, body, len(first[1])


class _Table:
    """Rows of fields turned into numbers a chunk at a time, and labels.

    ``skip`` is the index of a column that is no feature, or None. Its
    fields become ``labels`` when ``keep_labels``, else they are dropped.
    """

    def __init__(
        self,
        source: str,
        header: list[str] | None,
        width: int,
        skip: int | None,
        max_values: int,
        keep_labels: bool = True,
    ):
        self.source, self.header, self.width = source, header, width
        self.skip, self.keep_labels = skip, keep_labels
        self.max_rows = max_values // max(width - (skip is not None), 1)
        self.max_values = max_values
        self.labels: list[str] = []
        self._seen: dict[str, str] = {}  # one string per distinct label
        self._chunks: list[NDArray[np.float64]] = []
        self._pending: list[list[str]] = []
        self._lines: list[int] = []
        self._rows = 0

    def add(self, number: int, fields: list[str]) -> None:
        """One row: its label kept, its features queued for conversion."""
        if len(fields) != self.width:
            _fail(self.source, number, f"{self.width} fields", f"{len(fields)}")
        if self._rows == self.max_rows:
            self._too_many_values(number)
        if self.skip is not None:
            label = fields.pop(self.skip)
            if self.keep_labels:
                self._label(number, label.strip())
        self._pending.append(fields)
        self._lines.append(number)
        self._rows += 1
        if len(self._pending) * len(fields) >= _CHUNK_VALUES:
            self._convert()

    def finish(self) -> NDArray[np.float64]:
        """X: every row's features."""
        if not self._rows:
            raise DataError(f"{self.source}: a header but no data rows")
        self._convert()
        return np.concatenate(self._chunks)

    def _label(self, number: int, label: str) -> None:
        if not label:
            _fail(
                self.source,
                number,
                f"a label in column {self.skip}{self._name(self.skip)}",
                "an empty field",
            )
        kept = self._seen.setdefault(label, label)
        if len(self._seen) > MAX_CLASSES:
            column = self._name(self.skip).strip(" ()") or str(self.skip)
            _too_many_classes(self.source, column, f"more than {MAX_CLASSES:,}")
        self.labels.append(kept)

    def _convert(self) -> None:
        if self._pending:
            self._chunks.append(self._numbers())
            self._pending, self._lines = [], []

    def _numbers(self) -> NDArray[np.float64]:
        """The waiting rows as floats; on failure, name the first bad field."""
        X, bad = parse_floats(self._pending)
        if bad is None:
            assert X is not None
            infinite = np.argwhere(~np.isfinite(X))
            if not infinite.size:
                return X
            bad = (int(infinite[0][0]), int(infinite[0][1]))
        i, j = bad
        column = j if self.skip is None or j < self.skip else j + 1
        text = self._pending[i][j]
        _fail(
            self.source,
            self._lines[i],
            f"a finite number in column {column}{self._name(column)}",
            repr(text[:40]) + overflow_note(text),
        )

    def _name(self, column: int | None) -> str:
        if self.header is None or column is None:
            return ""
        return f" ({self.header[column].strip()})"

    def _too_many_values(self, number: int) -> NoReturn:
        n_features = self.width - (self.skip is not None)
        raise DataError(
            f"{self.source}, line {number}: the table holds more than "
            f"{self.max_values:,} numbers ({self.max_rows:,} rows of "
            f"{n_features}), the most this call reads; split the file, or "
            "raise the limit with load_csv(path, max_values=N)"
        )


def _too_many_classes(source: str, column: str, count: str) -> NoReturn:
    raise DataError(
        f"{source}: the label column {column!r} holds {count} different "
        f"values, but barenet takes at most {MAX_CLASSES:,} classes; is it "
        "the right column? (choose it with --label)"
    )


# -- from bytes to rows -----------------------------------------------------


def _rows(data: bytes, source: str) -> Iterator[Row]:
    """Non-blank rows with their line numbers, read as they are needed."""
    lines = _Lines(data, source)
    reader = csv.reader(lines, delimiter=lines.delimiter)
    try:
        for fields in reader:
            lines.fields = 0
            if any(f.strip() for f in fields):
                yield reader.line_num, fields
    except csv.Error as exc:
        _fail(source, reader.line_num, "well-formed CSV", str(exc))


class _Lines:
    """The lines of a CSV file's text, decoded a chunk at a time.

    Raises DataError for text that is not UTF-8, holds NUL, has a line
    longer than ``MAX_LINE_CHARS``, or a row of more than ``MAX_COLUMNS``
    fields, as soon as it is reached. ``delimiter`` is the first line's:
    a comma, unless it has none and has semicolons or tabs.
    """

    def __init__(self, data: bytes, source: str):
        self.source = source
        self.fields = 0  # delimiters seen since the current row began
        self._lines = self._split(data)
        first = next(self._lines, "")
        self.delimiter = ","
        if "," not in first:
            self.delimiter = next((d for d in ";\t" if d in first), ",")
        self._lines = itertools.chain([first] if first else [], self._lines)
        self._number = 0

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self._number += 1
        self.fields += line.count(self.delimiter)
        if self.fields >= MAX_COLUMNS:
            _fail(
                self.source,
                self._number,
                f"at most {MAX_COLUMNS:,} fields in a row",
                "more",
            )
        return line

    def _split(self, data: bytes) -> Iterator[str]:
        """Lines with their ends, split at LF, CRLF or CR alone."""
        decoder = codecs.getincrementaldecoder("utf-8-sig")()
        number, carried = 1, ""  # the line that carried text begins
        for chunk in itertools.chain(
            content(data, self.source, MAX_CSV_BYTES), [b""]
        ):
            text = carried + self._decode(decoder, chunk, number)
            if "\x00" in text:
                at = number + text[: text.index("\x00")].count("\n")
                _fail(self.source, at, "text", "a NUL byte")
            # The last line may go on in the next chunk: it waits for it.
            lines = io.StringIO(text, newline="").readlines()
            carried = lines.pop() if chunk and lines else ""
            for line in lines:
                self._check_length(line, number)
                number += 1
                yield line
            self._check_length(carried, number)

    def _decode(
        self, decoder: codecs.IncrementalDecoder, chunk: bytes, number: int
    ) -> str:
        try:
            return decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            seen = exc.object[: exc.start]
            _fail(
                self.source,
                number + seen.count(b"\n"),
                "UTF-8 text",
                f"the byte 0x{exc.object[exc.start]:02x}",
            )

    def _check_length(self, line: str, number: int) -> None:
        if len(line) > MAX_LINE_CHARS:
            _fail(
                self.source,
                number,
                f"lines of at most {MAX_LINE_CHARS:,} characters",
                "a longer one; is this a CSV file?",
            )


def _is_header(first: list[str], second: Row | None) -> bool:
    """Whether the first row names the columns; see the module docstring."""
    if second is None:
        return not all(_is_number(f) for f in first)
    return any(
        not _is_number(a) and _is_number(b)
        for a, b in zip(first, second[1], strict=False)
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
