"""``barenet predict``: read digits from pictures, or classes from rows.

    barenet predict MODEL IMAGE...      pictures (PNG, JPEG, BMP, GIF, TIFF)
    barenet predict MODEL --csv FILE    rows of numbers, one prediction each

Each picture goes through the preprocessing its model's training data
needs, as recorded in the model file (``barenet.images``). The command
shows the digit, every class's probability and the picture the network
saw, drawn in the terminal; ``--json`` prints the same as JSON for
scripts. A picture that cannot be read (blank, damaged, too large) is
reported on its own line; the others are still read, and the exit status
is then 1.

In a CSV file every column is a feature except the label column, if the
file has one: the one named by --label NAME|INDEX; else the model's own
label column, found by its name in the header, or by its position when
the rows are one column wider than the model's input.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import numpy as np

from barenet.cli.tables import arrange_columns, check_range
from barenet.cli.text import printable
from barenet.data.base import class_names, recorded_labels
from barenet.data.table import load_features
from barenet.errors import (
    BarenetError,
    ConfigError,
    DataError,
    InputOverflowError,
)
from barenet.images import GEOMETRIES, preprocessing_of
from barenet.io import load_model
from barenet.network import Network
from barenet.prediction import ImagePrediction, predict_image
from barenet.terminal import can_draw_blocks, draw_digits


def add_parser(commands: Any) -> None:
    p = commands.add_parser(
        "predict",
        help="read digits from pictures (or classes from CSV rows) with a model",
        description=__doc__,
    )
    p.add_argument("model", type=Path, help="a model file (model.npz)")
    p.add_argument(
        "images", type=Path, nargs="*", metavar="IMAGE", help="pictures to read"
    )
    p.add_argument(
        "--csv",
        type=Path,
        metavar="FILE",
        help="predict every row of this CSV file of numbers instead",
    )
    p.add_argument(
        "--label",
        metavar="NAME|INDEX",
        help="with --csv: the column that holds labels, left out (default: "
        "the model's own label column when the file has it, by name, or "
        "by position when the rows are one column wider than the model's "
        "input; else none)",
    )
    p.add_argument(
        "--preprocessing",
        choices=list(GEOMETRIES),
        help="override the preprocessing the model file records",
    )
    p.add_argument(
        "--json", action="store_true", help="print JSON instead of text"
    )
    # Pictures may also follow options: barenet predict MODEL --json A.png
    p.set_defaults(run=run, trailing="images")


def run(args: argparse.Namespace) -> int:
    if bool(args.images) == (args.csv is not None):
        raise ConfigError(
            "give pictures to read (barenet predict MODEL IMAGE...) or a "
            "table of rows (barenet predict MODEL --csv FILE), not both"
            if args.images
            else "nothing to predict: give one or more pictures after the "
            "model, or --csv FILE"
        )
    if args.label is not None and args.csv is None:
        raise ConfigError(
            "--label names the label column of a --csv file; pictures have none"
        )
    net = load_model(args.model)
    if args.csv is not None:
        return _predict_rows(net, args.csv, args.label, args.json)
    kind = args.preprocessing or preprocessing_of(net)
    results: list[tuple[Path, ImagePrediction | BarenetError]] = []
    for path in args.images:
        try:
            results.append((path, predict_image(net, path, kind=kind)))
        except BarenetError as exc:
            results.append((path, exc))
    if args.json:
        labels = _labels(net)
        records = [_record(path, r, labels) for path, r in results]
        print(json.dumps(records, indent=2))
    else:
        _show(net, results)
    return 1 if any(isinstance(r, BarenetError) for _, r in results) else 0


def _labels(net: Network) -> list[Any]:
    """Each output's label for --json, as the model records it (a number
    stays a number), else the output's number as text."""
    labels = recorded_labels(net.info, net.n_outputs)
    return class_names(net.info, net.n_outputs) if labels is None else labels


def _record(
    path: Path, result: ImagePrediction | BarenetError, labels: list[Any]
) -> dict[str, Any]:
    """One picture's reading for --json: ``digit`` is the output unit,
    ``class`` its label (the same unless the model records labels)."""
    if isinstance(result, BarenetError):
        return {"file": str(path), "error": str(result)}
    return {
        "file": str(path),
        "class": labels[result.digit],
        **result.to_dict(),
    }


def _show(
    net: Network, results: list[tuple[Path, ImagePrediction | BarenetError]]
) -> None:
    """Each picture's reading in words, then the pictures as seen."""
    names = class_names(net.info, net.n_outputs)
    seen, captions = [], []
    for path, result in results:
        if isinstance(result, BarenetError):
            print(printable(f"{path}: error: {result}"), file=sys.stderr)
            continue
        odds = "  ".join(
            f"{name}:{p:.2f}"
            for name, p in zip(names, result.probabilities, strict=True)
        )
        print(f"{path}: {names[result.digit]}   ({odds})")
        seen.append(result.seen.image)
        captions.append(
            (
                path.name[: result.seen.image.shape[1] + 2],
                f"read: {names[result.digit]}",
            )
        )
    if seen:
        ascii_only = not can_draw_blocks(sys.stdout.encoding)
        width = shutil.get_terminal_size().columns
        print("\nWhat the network saw:")
        print(draw_digits(seen, captions, ascii_only=ascii_only, width=width))


def _predict_rows(
    net: Network, path: Path, label: str | None, as_json: bool
) -> int:
    data = net.info.get("data")
    data = data if isinstance(data, dict) else {}
    column, index = data.get("label_column"), data.get("label_index")
    X, header = load_features(
        path,
        label,
        n_features=net.n_inputs,
        label_column=column if isinstance(column, str) else None,
        label_index=index if type(index) is int else None,
    )
    X = arrange_columns(X, header, net, path)
    if X.shape[1] != net.n_inputs:
        fix = "give the columns it was trained on"
        if label is None and X.shape[1] == net.n_inputs + 1:
            fix = (
                "if one column holds labels, name it with --label NAME or "
                "--label INDEX (0 is the first column)"
            )
        raise ConfigError(
            f"{path} has {X.shape[1]} features per row, but the model takes "
            f"{net.n_inputs}; {fix}"
        )
    check_range(X, net, path, header)
    try:
        P = net.predict_proba(X)
    except InputOverflowError as exc:
        raise DataError(
            f"{path}, row {exc.row + 1}: too large for this model, whose "
            f"outputs overflow to inf or nan (the row's largest value is "
            f"{float(np.max(np.abs(X[exc.row]))):.3g}); scale the rows like "
            "the data the model was trained on"
        ) from None
    names = class_names(net.info, net.n_outputs)
    best = np.argmax(P, axis=1)
    if as_json:
        labels = _labels(net)
        records = [
            {"row": i + 1, "class": labels[k], "probabilities": p.tolist()}
            for i, (k, p) in enumerate(zip(best, P, strict=True))
        ]
        print(json.dumps(records, indent=2))
        return 0
    for i, (k, p) in enumerate(zip(best, P, strict=True), start=1):
        print(f"row {i}: {names[k]} ({p[k]:.2f})")
    return 0
