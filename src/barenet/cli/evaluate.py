"""``barenet evaluate``: how well a trained model does, and where it fails.

    barenet evaluate runs/20261204-154818/model.npz

By default the model is measured on the rows it was tested on when it
was trained. Its file records the data set (name, file, SHA-256) and how
the test rows were chosen; the command loads the same data, rebuilds
those rows and checks, by their SHA-256, that they are the same
(``barenet.heldout``). ``--data`` names a local copy of that data.
``--dataset`` or ``--csv`` name the data instead: every row of data that
is not the model's own is measured, and of its own data (the same
SHA-256), the test rows as above. ``--all`` measures every row of the
data, the rows it learned from included (so the figures flatter it).

It prints the accuracy, each class's precision and recall and the
confusion matrix, and writes into a folder beside the model named after
what was measured (``evaluation/`` for its test rows, ``evaluation-all/``
with ``--all``, ``evaluation-NAME/`` for ``--dataset NAME`` or ``--csv
NAME.csv``), or into ``--out DIR``, which is checked before anything is
measured:

    evaluation.json    every figure, per class, and the confusion matrix
    confusion.txt      the per-class table and the confusion matrix
    confusion.png      the confusion matrix as a picture
    misclassified.png  the digits it got wrong, true and guessed labels
    weights.png        the first layer's weights (or filters) as pictures

The pictures need rows that are images; a model of a CSV table gets the
figures and the confusion matrix only.
"""

from __future__ import annotations

import argparse
import dataclasses
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from barenet._files import atomic_write_text
from barenet.cli.options import folder, positive_int
from barenet.cli.tables import (
    arrange_columns,
    check_range,
    label_index,
    labels_as_text,
)
from barenet.cli.text import printable
from barenet.cli.training_options import describe_network
from barenet.data import DATASETS, Dataset, load_csv, load_dataset
from barenet.data.base import class_names, recorded_classes
from barenet.errors import ConfigError, DataError
from barenet.evaluation import Evaluation, evaluate
from barenet.heldout import rebuild
from barenet.io import load_model
from barenet.network import Network
from barenet.runs import environment, write_report


def add_parser(commands: Any) -> None:
    p = commands.add_parser(
        "evaluate",
        help="measure a trained model: accuracy, per class, confusion, errors",
        description=__doc__,
    )
    p.add_argument("model", type=Path, help="a model file (model.npz)")
    source = p.add_mutually_exclusive_group()
    source.add_argument(
        "--dataset",
        choices=DATASETS,
        help="measure on this data set: every row, or, if it is the data "
        "the model was trained on, its test rows",
    )
    source.add_argument(
        "--csv",
        type=Path,
        metavar="PATH",
        help="measure on this CSV table: every row, or, if it is the table "
        "the model was trained on, its test rows",
    )
    p.add_argument(
        "--label",
        metavar="COLUMN",
        help="with --csv: the label column (default: the model's, else "
        "'label', else the last)",
    )
    p.add_argument(
        "--data",
        type=Path,
        metavar="PATH",
        help="a local copy of the data: semeion.data, or the folder of "
        "MNIST's or USPS's files (default: the file recorded in the model, "
        "else the cache)",
    )
    p.add_argument(
        "--all",
        action="store_true",
        help="measure every row of the data, the rows the model learned "
        "from included",
    )
    p.add_argument(
        "--out",
        type=folder,
        metavar="DIR",
        help="folder for the files (default: beside the model, "
        "evaluation/ for its test rows, evaluation-all/ with --all, "
        "evaluation-NAME/ for --dataset NAME or --csv NAME.csv)",
    )
    p.add_argument(
        "--max-shown",
        type=positive_int,
        default=100,
        metavar="N",
        help="most misclassified digits drawn in misclassified.png",
    )
    p.set_defaults(run=run)


@dataclass(frozen=True)
class _Rows:
    """The labelled rows to measure a model on, and how they were chosen."""

    data: Dataset
    rows: np.ndarray
    y: np.ndarray
    how: str


def run(args: argparse.Namespace) -> int:
    out = _out_dir(args)
    net = load_model(args.model)
    print(f"Model: {args.model} ({describe_network(net)})")
    chosen = _rows(net, args)
    data = chosen.data
    print(
        f"Data: {data.name}, {len(chosen.rows)} rows ({chosen.how}) from "
        f"{data.source}"
    )
    result = evaluate(net, data.X[chosen.rows], chosen.y)
    names = class_names(net.info, net.n_outputs)
    # Labels come from files: what a terminal would act on is escaped
    # before the tables are laid out.
    _print_figures(net, result, [printable(n) for n in names])

    _make(out)
    files = _write(out, net, result, names, chosen, args)
    print(f"\nWrote {len(files)} files to {out}/:")
    for name in files:
        print(f"  {out / name}")
    return 0


# -- which rows -------------------------------------------------------------


def _rows(net: Network, args: argparse.Namespace) -> _Rows:
    """Load the data the options name, and choose the rows to measure."""
    facts = net.info.get("data")
    facts = facts if isinstance(facts, dict) else {}
    data, chosen_by_user = _load(facts, args, net)
    if data.extra.get("label_column") is not None:  # a CSV table
        header = data.extra.get("feature_names")
        X = arrange_columns(data.X, header, net, data.source)
        check_range(X, net, data.source, header)
        data = dataclasses.replace(data, X=X)
    if data.X.shape[1] != net.n_inputs:
        raise ConfigError(
            f"{data.source} has {data.X.shape[1]} features per row, but the "
            f"model takes {net.n_inputs}; measure it on data like the data "
            "it was trained on"
        )
    y = _labels_for(net, data)
    everything = np.arange(len(data.y))
    if args.all:
        return _Rows(data, everything, y, "every row, as --all asks")
    if facts.get("sha256") and data.sha256 == facts["sha256"]:
        held = rebuild(data, net.info)
        check = (
            "same rows by SHA-256"
            if held.checked
            else "from its seed and test size: an older file, no SHA-256"
        )
        how = f"the model's test rows, {held.description}, {check}"
        return _Rows(data, held.test_rows, y[held.test_rows], how)
    if chosen_by_user:
        return _Rows(data, everything, y, "every row: not its training data")
    recorded = facts.get("sha256") or "nothing"
    raise DataError(
        f"{data.source} is not the data the model was trained on (its "
        f"SHA-256 is {data.sha256[:16]}..., the model records "
        f"{recorded[:16]}...), so its test rows cannot be rebuilt; give "
        "that data with --data, or measure every row of this one with --all"
    )


def _load(
    facts: dict[str, Any], args: argparse.Namespace, net: Network
) -> tuple[Dataset, bool]:
    """The data set, and whether the user named another data set than the
    model's own."""
    log = _say
    if args.label is not None and args.csv is None:
        raise ConfigError("--label chooses the label column of a --csv file")
    if args.csv is not None:
        if args.data is not None:
            raise ConfigError(
                "--data names a copy of a data set; with --csv, drop it"
            )
        label = args.label or facts.get("label_column")
        as_text = labels_as_text(net.info, net.n_outputs)
        return load_csv(args.csv, label=label, labels_as_text=as_text), True
    if args.dataset is not None:
        return load_dataset(args.dataset, args.data, log=log), True
    name = facts.get("name")
    if name in DATASETS:
        path = args.data or _still_there(facts.get("source"))
        return load_dataset(name, path, log=log), False
    if facts.get("label_column") is not None:
        if args.data is not None:
            raise ConfigError(
                f"the model was trained on the CSV table {name}; give a copy "
                "of it with --csv PATH, not --data"
            )
        source = _still_there(facts.get("source"))
        if source is None:
            raise DataError(
                f"the model was trained on the CSV table "
                f"{facts.get('source')}, which is not there any more; give "
                "its path with --csv PATH"
            )
        return load_csv(source, label=facts["label_column"]), False
    raise ConfigError(
        "the model file does not say which data it was trained on; name it "
        "with --dataset NAME or --csv PATH"
    )


def _still_there(source: object) -> Path | None:
    """The recorded data file or folder, if it still exists."""
    if isinstance(source, str) and source and Path(source).exists():
        return Path(source)
    return None


def _labels_for(net: Network, data: Dataset) -> np.ndarray:
    """The data's labels as the model's class numbers.

    A model that records its classes (trained on a CSV table, or saved by
    BarenetClassifier) knows them by name: the data's labels are matched
    to them as the model holds them (see ``barenet.cli.tables``), whatever
    order the data lists them in. A data set without names calls its
    classes 0, 1, ...
    """
    model_classes = recorded_classes(net.info, net.n_outputs)
    data_classes = data.extra.get("classes")
    if not isinstance(data_classes, list):
        data_classes = [str(k) for k in range(data.n_classes)]
    texts = [str(c) for c in data_classes]
    found = label_index(net.info, net.n_outputs, texts)
    if model_classes is not None and found is not None:
        unknown = [c for c, k in zip(texts, found, strict=True) if k is None]
        if unknown:
            raise DataError(
                f"{data.source} has the class {unknown[0]!r}, which the "
                f"model does not know (its classes: "
                f"{', '.join(map(str, model_classes[:10]))}"
                f"{', ...' if len(model_classes) > 10 else ''})"
            )
        return np.array(found)[data.y]
    if data.n_classes > net.n_outputs:
        raise DataError(
            f"{data.source} has {data.n_classes} classes, but the model has "
            f"{net.n_outputs} outputs; measure it on data with its classes"
        )
    return data.y


# -- what it prints ----------------------------------------------------------


def _print_figures(net: Network, result: Evaluation, names: list[str]) -> None:
    print(
        f"Accuracy: {result.accuracy:.2%} (argmax), {result.exact:.2%} "
        f"(exact match, the seed's measure)"
    )
    recorded = _recorded_accuracy(net)
    if recorded is not None:
        print(f"Recorded when it was trained: {recorded:.2%} (argmax)")
    print(f"Wrong: {result.wrong.size} of {result.y_true.size}")
    print()
    print(result.per_class_text(names))
    print("\nConfusion matrix (rows: true class, columns: guess):")
    print(result.confusion_text(names))


def _recorded_accuracy(net: Network) -> float | None:
    final = net.info.get("final")
    value = final.get("test_accuracy") if isinstance(final, dict) else None
    return float(value) if isinstance(value, int | float) else None


# -- what it writes ----------------------------------------------------------


def _out_dir(args: argparse.Namespace) -> Path:
    """The folder for the files; refused at once if it cannot be one."""
    if args.out is not None:
        out: Path = args.out
    else:
        out = args.model.parent / _default_folder(args)
    # The folder itself, or the nearest part of its path that exists,
    # must be a folder.
    there = next((p for p in (out, *out.parents) if p.exists()), Path("."))
    if not there.is_dir():
        where = "is a file" if there == out else f"is under the file {there}"
        if args.out is not None:
            raise ConfigError(f"--out {out} {where}; give a folder")
        raise ConfigError(
            f"the folder {out} {where}; name another with --out DIR"
        )
    return out


def _default_folder(args: argparse.Namespace) -> str:
    """evaluation, evaluation-all, or evaluation-NAME after the data."""
    if args.all:
        return "evaluation-all"
    if args.dataset is not None:
        return f"evaluation-{args.dataset}"
    if args.csv is not None:
        return f"evaluation-{args.csv.stem}"
    return "evaluation"


def _make(out: Path) -> None:
    """Create the folder for the files."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(
            f"cannot create the folder {out}: {exc.strerror or exc}"
        ) from None


def _write(
    out: Path,
    net: Network,
    result: Evaluation,
    names: list[str],
    chosen: _Rows,
    args: argparse.Namespace,
) -> list[str]:
    """Write the report, the text tables and the pictures; their names."""
    # matplotlib takes a second to import: only here is it needed.
    from barenet.plots import (
        first_layer_images,
        plot_confusion,
        plot_gallery,
        plot_weights,
    )

    data = chosen.data
    report = {
        "command": "evaluate",
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "environment": environment(),
        "model": str(args.model),
        "architecture": net.architecture(),
        "data": {**data.describe(), "rows": chosen.how},
        "recorded_accuracy": _recorded_accuracy(net),
        **result.to_dict(names),
        "wrong_rows": chosen.rows[result.wrong].tolist(),
    }
    write_report(out / "evaluation.json", report)
    escaped = [printable(n) for n in names]
    atomic_write_text(
        out / "confusion.txt",
        f"{result.per_class_text(escaped)}\n\n"
        "Confusion matrix (rows: true class, columns: guess):\n"
        f"{result.confusion_text(escaped)}\n",
    )
    plot_confusion(
        result.confusion,
        names,
        out / "confusion.png",
        title=f"{data.name}: {result.accuracy:.2%} of "
        f"{result.y_true.size} rows right",
    )
    files = ["evaluation.json", "confusion.txt", "confusion.png"]
    if data.image_shape is None:
        return files
    if result.wrong.size:
        wrong = result.wrong[: args.max_shown]
        images = data.X[chosen.rows[wrong]].reshape(-1, *data.image_shape)
        shown = (
            f", first {wrong.size} shown"
            if wrong.size < result.wrong.size
            else ""
        )
        plot_gallery(
            images,
            [names[k] for k in result.y_true[wrong]],
            [names[k] for k in result.y_pred[wrong]],
            out / "misclassified.png",
            title=f"{result.wrong.size} misclassified of "
            f"{result.y_true.size}{shown}",
        )
        files.append("misclassified.png")
    plot_weights(
        first_layer_images(net, data.image_shape),
        out / "weights.png",
        title=("First layer filters" if net.conv else "First layer weights")
        + " (red +, blue -)",
    )
    files.append("weights.png")
    return files


def _say(message: str) -> None:
    print(message, flush=True)
