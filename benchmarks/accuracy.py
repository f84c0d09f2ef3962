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

Prints each fold's accuracy as soon as it is known, then one table of
mean +- standard deviation per model and protocol, the seconds each took
and the total wall time. With ``--json FILE`` the figures, fold by fold,
are rewritten to FILE after every model and protocol, so a run that is
stopped keeps what it measured. Needs scikit-learn (``pip install
scikit-learn``); it is a benchmark dependency only.

    python benchmarks/accuracy.py            # everything
    python benchmarks/accuracy.py --only 5x2 --models best svm
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from collections.abc import Callable

import numpy as np

from barenet.crossval import cross_validate
from barenet.data import load_semeion
from barenet.evaluation import Fold, five_by_two, stratified_kfold
from barenet.recipes import PRESETS

Model = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


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


def run_sklearn(
    model: Model,
    X: np.ndarray,
    y: np.ndarray,
    folds: list[Fold],
    on_fold: Callable[[int, float], None],
) -> list[float]:
    accs = []
    for i, (tr, te) in enumerate(folds):
        accs.append(float(np.mean(model(X[tr], y[tr], X[te]) == y[te])))
        on_fold(i + 1, accs[-1])
    return accs


def fold_printer(name: str, protocol: str) -> Callable[[int, float], None]:
    """A callback that prints one line per finished fold, with the time."""
    last = [time.perf_counter()]

    def show(fold: int, acc: float) -> None:
        now = time.perf_counter()
        print(
            f"  {name} {protocol} fold {fold}: {acc:.2%} "
            f"({now - last[0]:.0f} s)",
            flush=True,
        )
        last[0] = now

    return show


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
        "--models",
        nargs="+",
        default=["seed", "best", "mlp", "svm"],
        choices=["seed", "best", "mlp", "svm"],
    )
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()

    run_started = time.perf_counter()
    data = load_semeion()
    protocols = {
        "5x2": five_by_two(data.y, args.seed),
        "10-fold": stratified_kfold(data.y, 10, args.seed),
    }
    if args.only:
        protocols = {args.only: protocols[args.only]}
    figures: dict[str, dict[str, dict[str, float]]] = {}
    for name in args.models:
        figures[name] = {}
        for protocol, folds in protocols.items():
            started = time.perf_counter()
            show = fold_printer(name, protocol)
            if name in PRESETS:
                result = cross_validate(
                    PRESETS[name],
                    data.X,
                    data.y,
                    folds,
                    protocol=protocol,
                    n_classes=data.n_classes,
                    seed=args.seed,
                    image_shape=data.image_shape,
                    on_fold=lambda f, show=show: show(f.fold, f.accuracy),
                )
                accs = result.accuracies.tolist()
            else:
                model = sklearn_mlp if name == "mlp" else sklearn_svm
                accs = run_sklearn(model, data.X, data.y, folds, show)
            figures[name][protocol] = {
                "mean": float(np.mean(accs)),
                "std": float(np.std(accs, ddof=1)),
                "seconds": time.perf_counter() - started,
                "folds": accs,
            }
            if args.json:
                with open(args.json, "w") as f:
                    json.dump(figures, f, indent=2)
            print(
                f"{name:>5} {protocol:>8}: {np.mean(accs):.2%} +- "
                f"{np.std(accs, ddof=1):.2%} "
                f"({figures[name][protocol]['seconds']:.0f} s)",
                flush=True,
            )
    labels = {
        "seed": "barenet --preset seed",
        "best": "barenet --preset best",
        "mlp": "scikit-learn MLPClassifier",
        "svm": "scikit-learn SVC (RBF)",
    }
    print()
    print("| model | " + " | ".join(protocols) + " | seconds |")
    print("|---|" + "---|" * len(protocols) + "---|")
    for name, row in figures.items():
        cells = [f"{row[p]['mean']:.2%} +- {row[p]['std']:.2%}" for p in row]
        seconds = sum(row[p]["seconds"] for p in row)
        print(
            f"| {labels[name]} | " + " | ".join(cells) + f" | {seconds:.0f} |"
        )
    print_paired(figures)
    wall = time.perf_counter() - run_started
    print(f"\nTotal wall time: {wall:.0f} s ({wall / 60:.1f} min)")


if __name__ == "__main__":
    main()
