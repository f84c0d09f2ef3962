"""Accuracy on Semeion: barenet's presets against scikit-learn, same folds.

Runs, on the same folds in one run, under 5x2 cross-validation and
stratified 10-fold (both seeded with --seed):

- barenet, preset ``seed`` (the original experiment);
- barenet, preset ``best`` (see the README's Accuracy section);
- scikit-learn's MLPClassifier, choosing on each training fold, by an
  inner 3-fold search, among hidden layers (100,) and (256,) and L2 alpha
  1e-4 and 1e-2 (adam, up to 500 iterations, early stopping off);
- scikit-learn's SVC with an RBF kernel, choosing C in 1, 10, 100 the same
  way (gamma "scale").

barenet's folds go through ``barenet.crossval.cross_validate``, the code
behind ``barenet cv``, one fold at a time. Every (model, protocol, fold)
is one task; ``--jobs N`` runs N tasks at once in separate processes,
each with one BLAS thread (the folds and seeds are the same, so the
figures are too). Prints each fold's accuracy as soon as it is known,
then one table of mean +- standard deviation per model and protocol, how
often the best preset beats each other model fold by fold, and the total
wall time. With ``--json FILE`` every finished fold is written to FILE at
once, so a run that is stopped keeps what it measured. Needs scikit-learn
(``pip install scikit-learn``); it is a benchmark dependency only.

    python benchmarks/accuracy.py --jobs 2    # everything, two at a time
    python benchmarks/accuracy.py --only 5x2 --models best svm
"""

from __future__ import annotations

import argparse
import functools
import json
import multiprocessing
import os
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

import numpy as np

from barenet.crossval import cross_validate
from barenet.data import Dataset, load_semeion
from barenet.evaluation import Fold, five_by_two, stratified_kfold
from barenet.recipes import PRESETS

MODELS = ("seed", "best", "mlp", "svm")
LABELS = {
    "seed": "barenet --preset seed",
    "best": "barenet --preset best",
    "mlp": "scikit-learn MLPClassifier",
    "svm": "scikit-learn SVC (RBF)",
}
Task = tuple[str, str, int, int]
"""(model, protocol, seed, fold index)."""


def sklearn_mlp(X: np.ndarray, y: np.ndarray, X_test: np.ndarray) -> np.ndarray:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import GridSearchCV
    from sklearn.neural_network import MLPClassifier

    grid = {"hidden_layer_sizes": [(100,), (256,)], "alpha": [1e-4, 1e-2]}
    search = GridSearchCV(
        MLPClassifier(max_iter=500, random_state=0), grid, cv=3
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    return search.predict(X_test)


def sklearn_svm(X: np.ndarray, y: np.ndarray, X_test: np.ndarray) -> np.ndarray:
    from sklearn.model_selection import GridSearchCV
    from sklearn.svm import SVC

    search = GridSearchCV(SVC(kernel="rbf"), {"C": [1, 10, 100]}, cv=3)
    search.fit(X, y)
    return search.predict(X_test)


SKLEARN: dict[str, Callable[..., np.ndarray]] = {
    "mlp": sklearn_mlp,
    "svm": sklearn_svm,
}


@functools.cache
def semeion() -> Dataset:
    return load_semeion()


@functools.cache
def folds_of(protocol: str, seed: int) -> list[Fold]:
    y = semeion().y
    if protocol == "5x2":
        return five_by_two(y, seed)
    return stratified_kfold(y, 10, seed)


def run_task(task: Task) -> tuple[Task, float, float]:
    """Train and test one model on one fold: (task, accuracy, seconds)."""
    name, protocol, seed, i = task
    data, fold = semeion(), folds_of(protocol, seed)[i]
    started = time.perf_counter()
    if name in PRESETS:
        result = cross_validate(
            PRESETS[name],
            data.X,
            data.y,
            [fold],
            protocol=protocol,
            n_classes=data.n_classes,
            seed=seed,
            image_shape=data.image_shape,
        )
        acc = result.mean
    else:
        train_rows, test_rows = fold
        guesses = SKLEARN[name](
            data.X[train_rows], data.y[train_rows], data.X[test_rows]
        )
        acc = float(np.mean(guesses == data.y[test_rows]))
    return task, acc, time.perf_counter() - started


def run_all(tasks: list[Task], jobs: int, json_path: str | None) -> dict:
    """Every task, ``jobs`` at a time; fold results by model and protocol."""
    results: dict[str, dict[str, dict[int, tuple[float, float]]]] = {}

    def record(task: Task, acc: float, seconds: float) -> None:
        name, protocol, _, i = task
        results.setdefault(name, {}).setdefault(protocol, {})[i] = (
            acc,
            seconds,
        )
        print(
            f"  {name} {protocol} fold {i + 1}: {acc:.2%} ({seconds:.0f} s)",
            flush=True,
        )
        if json_path:
            with open(json_path, "w") as f:
                json.dump(figures_of(results), f, indent=2)

    if jobs == 1:
        for task in tasks:
            record(*run_task(task))
        return results
    # Fresh interpreters that read one BLAS thread from the environment:
    # N single-threaded workers share the cores better than N pools.
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = "1"
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(jobs, mp_context=context) as pool:
        pending = [pool.submit(run_task, task) for task in tasks]
        for done in as_completed(pending):
            record(*done.result())
    return results


def figures_of(results: dict) -> dict[str, dict[str, dict[str, Any]]]:
    """Mean, sample std, summed fold seconds and the folds, in fold order."""
    figures: dict[str, dict[str, dict[str, Any]]] = {}
    for name, by_protocol in results.items():
        for protocol, folds in by_protocol.items():
            accs = [folds[i][0] for i in sorted(folds)]
            figures.setdefault(name, {})[protocol] = {
                "mean": float(np.mean(accs)),
                "std": float(np.std(accs, ddof=1)) if len(accs) > 1 else 0.0,
                "seconds": sum(folds[i][1] for i in folds),
                "folds": accs,
            }
    return figures


def print_table(figures: dict, protocols: list[str]) -> None:
    print()
    print("| model | " + " | ".join(protocols) + " | seconds (sum of folds) |")
    print("|---|" + "---|" * len(protocols) + "---|")
    for name in MODELS:
        if name not in figures:
            continue
        row = figures[name]
        cells = [
            f"{row[p]['mean']:.2%} +- {row[p]['std']:.2%}" for p in protocols
        ]
        seconds = sum(row[p]["seconds"] for p in protocols)
        print(
            f"| {LABELS[name]} | " + " | ".join(cells) + f" | {seconds:.0f} |"
        )


def print_paired(figures: dict[str, dict[str, dict]]) -> None:
    """Fold by fold, how often the best preset beats each other model."""
    if "best" not in figures:
        return
    print()
    for name, row in figures.items():
        for protocol, cell in row.items():
            if name == "best" or protocol not in figures["best"]:
                continue
            ours = np.array(figures["best"][protocol]["folds"])
            theirs = np.array(cell["folds"])
            print(
                f"best vs {name}, {protocol}: ahead on "
                f"{int(np.sum(ours > theirs))}, level on "
                f"{int(np.sum(ours == theirs))}, behind on "
                f"{int(np.sum(ours < theirs))} of {ours.size} folds; "
                f"mean difference {np.mean(ours - theirs):+.2%}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--only", choices=["5x2", "10-fold"], help="one protocol only"
    )
    parser.add_argument(
        "--models", nargs="+", default=list(MODELS), choices=MODELS
    )
    parser.add_argument(
        "--jobs", type=int, default=1, help="folds trained at once (processes)"
    )
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    started = time.perf_counter()
    protocols = [args.only] if args.only else ["5x2", "10-fold"]
    # The slowest models first, so that the workers finish together.
    tasks = [
        (name, protocol, args.seed, i)
        for name in sorted(
            args.models, key=("best", "mlp", "svm", "seed").index
        )
        for protocol in protocols
        for i in range(len(folds_of(protocol, args.seed)))
    ]
    results = run_all(tasks, max(1, args.jobs), args.json)
    figures = figures_of(results)
    print_table(figures, protocols)
    print_paired(figures)
    wall = time.perf_counter() - started
    print(
        f"\nTotal wall time: {wall:.0f} s ({wall / 60:.1f} min), "
        f"{args.jobs} job(s) at a time"
    )


if __name__ == "__main__":
    main()
