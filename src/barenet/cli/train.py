"""``barenet train``: train a network and write its run folder.

With no options this is the seed experiment: the 256-30-20-10 sigmoid
network, trained by full-batch gradient descent (learning rate 1, L2 0.1,
500 iterations) on Semeion, with the last 100 rows of a seeded shuffle
held out for testing. ``--dataset`` picks MNIST, USPS or scikit-learn's
8x8 digits instead (MNIST and USPS keep their own test sets), and ``--csv``
any table of numbers with a label column; the network's input and output
widths follow the data. ``--preset best`` starts from the settings behind
the README's accuracy figures instead; any option given overrides the
preset's value.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from barenet.cli.checkpoints import (
    Checkpointer,
    Resumed,
    add_checkpoint_options,
    check_same_data,
    load_resumed_data,
    resumed_args,
)
from barenet.cli.options import (
    add_threads,
    folder,
    non_negative_int,
    rows_or_fraction,
)
from barenet.cli.resume import ended_early, has_ended
from barenet.cli.signals import CatchSignals
from barenet.cli.training_options import (
    add_training_options,
    describe_network,
    recipe_from_args,
)
from barenet.data import DATASETS, Dataset, load_csv, load_dataset
from barenet.errors import ConfigError
from barenet.evaluation import accuracy, exact_match
from barenet.heldout import HeldOut, hold_out
from barenet.io import save_model
from barenet.network import Network
from barenet.recipes import Recipe
from barenet.runs import (
    CHECKPOINT,
    MODEL,
    REPORT,
    claim_run_dir,
    environment,
    make_run_dir,
    write_report,
)
from barenet.terminal import can_draw_blocks, draw_digits
from barenet.threads import limit_threads
from barenet.training import History, TrainConfig, TrainState, train


def add_parser(commands: Any) -> None:
    p = commands.add_parser(
        "train",
        help="train a network (by default the seed experiment on Semeion)",
        description=__doc__,
    )
    source = p.add_mutually_exclusive_group()
    source.add_argument(
        "--dataset",
        choices=DATASETS,
        default="semeion",
        help="the data set (digits needs scikit-learn)",
    )
    source.add_argument(
        "--csv",
        type=Path,
        metavar="PATH",
        help="train on a CSV table of numbers with a label column instead",
    )
    p.add_argument(
        "--label",
        metavar="COLUMN",
        help="with --csv: the label column, by header name or index "
        "(default: the column named 'label', else the last)",
    )
    p.add_argument(
        "--data",
        type=Path,
        metavar="PATH",
        help="a local copy of the data set: semeion.data for Semeion, the "
        "folder of its files for MNIST and USPS (default: the cache, "
        "downloading the files once)",
    )
    add_training_options(p)
    p.add_argument(
        "--test-size",
        type=rows_or_fraction,
        metavar="N|F",
        help="test rows: a count, or a fraction like 0.2 (default: MNIST's "
        "and USPS's own test sets, 100 rows of Semeion, else 0.2)",
    )
    p.add_argument(
        "--seed",
        type=non_negative_int,
        default=0,
        help="seed of the shuffle and of the initial weights",
    )
    p.add_argument(
        "--out",
        type=folder,
        metavar="DIR",
        help="run folder (default: runs/<date>-<time>)",
    )
    add_threads(p)
    p.add_argument(
        "--samples",
        type=non_negative_int,
        default=5,
        metavar="N",
        help="test digits to show with their guesses",
    )
    p.add_argument(
        "--quiet",
        action="store_true",
        help="no progress bar and no digit drawings",
    )
    add_checkpoint_options(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    resumed = None
    if args.resume is not None:
        args, resumed = resumed_args(args)
    recipe = recipe_from_args(args)
    config = dataclasses.replace(recipe.train, seed=args.seed)
    config.check()
    _check_conv_has_pictures(args, recipe)
    if resumed:
        with claim_run_dir(args.out):
            return _run(args, recipe, config, args.out, resumed)
    out = make_run_dir(args.out)
    try:
        with claim_run_dir(out):
            return _run(args, recipe, config, out, None)
    finally:
        _remove_if_empty(out)


def _check_conv_has_pictures(args: argparse.Namespace, recipe: Recipe) -> None:
    """Convolutional layers read pictures: a CSV table holds none."""
    if not recipe.conv or args.csv is None:
        return
    layers = " ".join(f"{f}:{k}" for f, k in recipe.conv)
    given = "conv" in vars(args)
    source = "" if given else f" (from --preset {args.preset})"
    raise ConfigError(
        f"--conv {layers}{source} needs pictures, but --csv {args.csv} "
        "holds rows of numbers; train on it without convolutional layers"
        + ("" if given else " (--conv alone removes them)")
    )


def _remove_if_empty(folder: Path) -> None:
    """Remove a run folder that a failed run left empty."""
    with contextlib.suppress(OSError):
        folder.rmdir()  # fails, as it should, unless the folder is empty


def _run(
    args: argparse.Namespace,
    recipe: Recipe,
    config: TrainConfig,
    out: Path,
    resumed: Resumed | None,
) -> int:
    """Load, train, report and write the run folder ``out``."""
    if resumed:
        data = load_resumed_data(_load_data, args, out)
    else:
        data = _load_data(args)
    print(f"Data: X {data.X.shape}, Y {data.Y.shape} from {data.source}")
    if resumed:
        check_same_data(data, resumed, out)

    held = hold_out(data, args.test_size, args.seed)
    train_rows, test_rows = held.train_rows, held.test_rows
    print(
        f"Split: {len(train_rows)} training rows, {len(test_rows)} test rows "
        f"({held.description})"
    )
    net = recipe.network(
        data.X.shape[1], data.n_classes, args.seed, data.image_shape
    )
    print(f"Network: {describe_network(net)}, {len(net.params)} parameters")

    if resumed:
        print(_resuming(out, resumed.state, config))
    # Checkpoints saved before --threads existed do not hold it.
    threads = getattr(args, "threads", None)
    with _StopOnInterrupt() as stop, limit_threads(threads):
        return _train_and_write(
            args, config, data, net, held, out, stop, resumed
        )


def _resuming(out: Path, at: TrainState, config: TrainConfig) -> str:
    """What resuming the run saved in ``out`` at ``at`` does."""
    if not has_ended(at, config.epochs):
        return f"Resuming {out} after step {at.step} of epoch {at.epoch + 1}"
    steps = _count(at.epoch, _steps_name(config))
    return (
        f"Finishing {out}: its training ended after {steps}; writing its files"
    )


def _train_and_write(
    args: argparse.Namespace,
    config: TrainConfig,
    data: Dataset,
    net: Network,
    held: HeldOut,
    out: Path,
    stop: _StopOnInterrupt,
    resumed: Resumed | None,
) -> int:
    """Train ``net``, then print the figures and write the run folder."""
    train_rows, test_rows = held.train_rows, held.test_rows
    checkpointer = Checkpointer(out / CHECKPOINT, args, data, resumed)
    run_files = _RunFiles(args, config, data, net, held, out)
    checkpointer.before_save = lambda state: run_files.write(
        state.history, state.step, checkpointer.seconds(), in_progress=True
    )
    history = _train_with_progress(
        net,
        data.X[train_rows],
        data.y[train_rows],
        _length_to_train(config, resumed),
        data.X[test_rows],
        data.y[test_rows],
        stop,
        quiet=args.quiet,
        image_shape=data.image_shape,
        checkpointer=checkpointer,
        checkpoint_every=args.checkpoint_every,
        resumed=resumed,
    )
    seconds = checkpointer.seconds()
    # From here on a further Ctrl-C must not cut the run folder short.
    stop.finishing = True
    step = history.state.step if history.state is not None else 0
    if history.state is not None:  # every epoch, those before a resume too
        history = history.state.history

    final = run_files.final_figures(history, step)
    _say_results(history, final, _steps_name(config), seconds)
    shown = min(args.samples, len(test_rows))
    if data.image_shape is None:
        shown = 0
    X_shown, y_shown = data.X[test_rows[:shown]], data.y[test_rows[:shown]]
    guesses = net.predict(X_shown) if shown else y_shown
    if shown and not args.quiet:
        _show_digits(data, X_shown, y_shown, guesses)

    # The model first (the most valuable file), then the rest; the report
    # says the run is in progress until the last file is written.
    run_files.write(history, step, seconds, in_progress=True, final=final)
    plots = _write_plots(out, history, data, X_shown, y_shown, guesses)
    run_files.mark_written()
    _say_files(out, [MODEL, REPORT, *plots])
    if history.diverged:
        print(f"barenet train: error: {history.stop_reason}", file=sys.stderr)
        return 1
    if history.interrupted:
        print(f"Resume with: barenet train --resume {out}")
        return stop.exit_status()
    if stop.requested:
        print("(The stop asked for came after training had ended.)")
    return 0


def _length_to_train(
    config: TrainConfig, resumed: Resumed | None
) -> TrainConfig:
    """``config``, or for a run that stopped early, one that ends there."""
    if resumed is None or ended_early(resumed.state) is None:
        return config
    return dataclasses.replace(config, epochs=resumed.state.epoch)


def _say_results(
    history: History, final: dict[str, float], steps: str, seconds: float
) -> None:
    """How training ended, and the figures of the weights kept."""
    print(_outcome(history, steps, seconds))
    if history.stop_reason and not history.diverged:
        print(f"Stopped: {history.stop_reason}")
    if history.best_epoch is not None:
        print(f"Restored the weights of epoch {history.best_epoch}")
    if "cost" in final:
        print(f"Final training cost: {_figure(final['cost'])}")
    print(
        f"Test accuracy: {final['test_accuracy']:.2%} (argmax), "
        f"{final['test_exact']:.2%} (exact match, the seed's measure)"
    )


def _say_files(out: Path, files: list[str]) -> None:
    """Where the run's files went."""
    if (out / CHECKPOINT).exists():
        files.append(CHECKPOINT)
    slash = "" if str(out).endswith("/") else "/"
    print(f"Wrote {len(files)} files to {out}{slash}:")
    for name in files:
        print(f"  {out / name}")


def _outcome(history: History, steps: str, seconds: float) -> str:
    """How training ended: 'Trained after 500 iterations in 0.81 s'."""
    if not history.diverged:
        state = "Stopped (interrupted)" if history.interrupted else "Trained"
        return f"{state} after {_count(len(history), steps)} in {seconds:.2f} s"
    step, kept = steps.removesuffix("s"), history.kept_epoch
    if kept is None:
        weights = "no weights of the run give finite outputs"
    elif kept == 0:
        weights = "kept the weights the run started from"
    else:
        weights = f"kept the weights from the end of {step} {kept}"
    return (
        f"Stopped in {step} {history.diverged_epoch} after {seconds:.2f} s: "
        f"training diverged; {weights}"
    )


def _steps_name(config: TrainConfig) -> str:
    """'iterations' for full batches, as the seed says; else 'epochs'."""
    return "iterations" if config.batch_size is None else "epochs"


def _count(n: int, plural: str) -> str:
    """'1 iteration', '2 iterations'."""
    return f"{n} {plural if n != 1 else plural.removesuffix('s')}"


def _figure(value: float) -> str:
    """A cost to four decimals, or in scientific notation when huge."""
    return f"{value:.4f}" if abs(value) < 1e6 else f"{value:.4e}"


def _load_data(args: argparse.Namespace) -> Dataset:
    """The data set the options name."""
    if args.csv is not None:
        if args.data is not None:
            raise ConfigError(
                "--data names a copy of a data set; with --csv, drop it"
            )
        data = load_csv(args.csv, label=args.label)
        print(f"Labels: column {data.extra['label_column']!r}")
        return data
    if args.label is not None:
        raise ConfigError("--label chooses the label column of a --csv file")
    return load_dataset(args.dataset, args.data, log=_say)


def _say(message: str) -> None:
    print(message, flush=True)


class _RunFiles:
    """A run folder's model.npz and report.json, always written together.

    They are written at the end of the run and, marked ``in_progress``,
    with every checkpoint (before it), so that after a crash the folder's
    model is never older than its checkpoint and the report describes the
    model's weights.
    """

    def __init__(
        self,
        args: argparse.Namespace,
        config: TrainConfig,
        data: Dataset,
        net: Network,
        held: HeldOut,
        out: Path,
    ):
        self.args, self.config, self.data = args, config, data
        self.net, self.held, self.out = net, held, out
        self.report: dict[str, Any] = {}  # as last written

    def final_figures(self, history: History, step: int) -> dict[str, float]:
        """The figures of the weights the network holds: those to be saved.

        Each epoch's figures were measured at its end, and the network
        holds the weights of an epoch's end (the last, or the one early
        stopping or the divergence guard went back to), unless Ctrl-C
        stopped training ``step`` steps into an epoch. Then, and when no
        epoch's end holds these weights, the test figures are measured
        now; no training cost is known for them.
        """
        epoch = _epoch_of_weights(history, step)
        if epoch:
            return {name: v[epoch - 1] for name, v in history.values.items()}
        rows = self.held.test_rows
        return _figures_now(self.net, self.data.X[rows], self.data.y[rows])

    def write(
        self,
        history: History,
        step: int,
        seconds: float,
        in_progress: bool,
        final: dict[str, float] | None = None,
    ) -> None:
        """Write model.npz, then report.json, of the network's weights."""
        held = self.held
        report = _report(
            self.args,
            self.data,
            self.net,
            self.config,
            history,
            final or self.final_figures(history, step),
            seconds,
            (len(held.train_rows), len(held.test_rows)),
        )
        report["data"]["split"] = held.record
        report["in_progress"] = in_progress
        keep = ("config", "data", "final", "created")
        self.net.info = {k: report[k] for k in keep}
        save_model(self.net, self.out / MODEL)
        report["model_file"] = MODEL
        write_report(self.out / REPORT, report)
        self.report = report

    def mark_written(self) -> None:
        """Say in report.json that every file of the run is written."""
        self.report["in_progress"] = False
        write_report(self.out / REPORT, self.report)


def _epoch_of_weights(history: History, step: int) -> int | None:
    """The epoch at whose end the network's weights were, if one was."""
    if history.diverged:
        return history.kept_epoch
    if history.best_epoch is not None:
        return history.best_epoch
    if history.interrupted and step:
        return None
    return len(history)


def _figures_now(
    net: Network, X_test: np.ndarray, y_test: np.ndarray
) -> dict[str, float]:
    """Test figures of the network as it is (no training cost)."""
    with np.errstate(over="ignore", invalid="ignore"):
        P = net.predict_proba(X_test)
    return {
        "test_accuracy": accuracy(y_test, np.argmax(P, axis=1)),
        "test_exact": exact_match(P, y_test),
    }


class _StopOnInterrupt(CatchSignals):
    """Turn Ctrl-C (or SIGTERM) into a request to stop after this step.

    Passed to ``train`` as ``stop``: calling it says whether a stop was
    asked for. A second signal during training interrupts at once; once
    training is over (``finishing``), signals are noted but wait until the
    run folder is written.
    """

    def __init__(self) -> None:
        super().__init__()
        self.requested = False
        self.finishing = False

    def _handle(self, signum: int) -> None:
        if self.requested and not self.finishing:
            raise KeyboardInterrupt
        self.requested = True

    def __call__(self) -> bool:
        return self.requested


def _train_with_progress(
    net: Network,
    X: np.ndarray,
    y: np.ndarray,
    config: TrainConfig,
    X_test: np.ndarray,
    y_test: np.ndarray,
    stop: _StopOnInterrupt,
    quiet: bool,
    image_shape: tuple[int, int] | None,
    checkpointer: Checkpointer,
    checkpoint_every: int | None,
    resumed: Resumed | None,
) -> History:
    """train(), with a progress bar on a terminal unless quiet."""
    with tqdm(
        total=config.epochs,
        initial=resumed.state.epoch if resumed else 0,
        unit="it",
        desc="Training",
        leave=False,
        disable=quiet or not sys.stderr.isatty(),
    ) as bar:

        def progress(history: History) -> None:
            bar.update(1)
            if len(history) % 10 == 0:
                last = history.last()
                bar.set_postfix(
                    cost=f"{last['cost']:.4f}",
                    acc=f"{last['test_accuracy']:.2%}",
                    refresh=False,
                )

        return train(
            net,
            X,
            y,
            config,
            X_test=X_test,
            y_test=y_test,
            callbacks=[progress],
            image_shape=image_shape,
            stop=stop,
            checkpoint=checkpointer,
            checkpoint_every=checkpoint_every,
            resume=resumed.state if resumed else None,
        )


def _show_digits(
    data: Dataset, X: np.ndarray, y: np.ndarray, guesses: np.ndarray
) -> None:
    assert data.image_shape is not None
    images = [row.reshape(data.image_shape) for row in X]
    captions = [
        (f"Actual: {a}", f"Guess:  {g}")
        for a, g in zip(y, guesses, strict=True)
    ]
    ascii_only = not can_draw_blocks(sys.stdout.encoding)
    print(f"\n{_count(len(images), 'test digits')} and the network's guesses:")
    width = shutil.get_terminal_size().columns
    print(draw_digits(images, captions, ascii_only=ascii_only, width=width))
    right = int(np.sum(guesses == y))
    print(
        f"\nRight: {right}\nWrong: {len(y) - right}\n"
        f"Accuracy: {right / len(y):.0%} (of these {len(y)})\n"
    )


def _report(
    args: argparse.Namespace,
    data: Dataset,
    net: Network,
    config: TrainConfig,
    history: History,
    final: dict[str, float],
    seconds: float,
    split: tuple[int, int],
) -> dict[str, Any]:
    return {
        "command": "train",
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "environment": environment(),
        "seed": args.seed,
        "config": {
            **config.to_dict(),
            "preset": args.preset,
            "hidden": list(net.sizes[1:-1]),
            "activation": list(net.activations),
            "output": net.output.name,
            "test_size": split[1] if args.test_size is None else args.test_size,
            "architecture": net.architecture(),
            "init": net.init,
            "dtype": net.dtype.name,
        },
        "data": {**data.describe(), "n_train": split[0], "n_test": split[1]},
        "training_seconds": round(seconds, 4),
        "threads": getattr(args, "threads", None),
        "epochs_completed": len(history),
        "best_epoch": history.best_epoch,
        "stop_reason": history.stop_reason,
        "diverged": history.diverged,
        "interrupted": history.interrupted,
        "final": final,
        "test_accuracy": final["test_accuracy"],
        "test_exact": final["test_exact"],
        "history": history.to_dict(),
    }


def _write_plots(
    out: Path,
    history: History,
    data: Dataset,
    X: np.ndarray,
    y: np.ndarray,
    guesses: np.ndarray,
) -> list[str]:
    """The run's figures; returns the names of the files written."""
    # matplotlib takes a second to import: only runs that plot pay for it.
    from barenet.plots import plot_accuracy, plot_cost, plot_digits

    files = []
    if len(history):
        plot_cost(history, out / "cost.png")
        plot_accuracy(history, out / "accuracy.png")
        files += ["cost.png", "accuracy.png"]
    if len(y) and data.image_shape is not None:
        plot_digits(
            X.reshape(len(y), *data.image_shape),
            y.tolist(),
            guesses.tolist(),
            out / "samples.png",
        )
        files.append("samples.png")
    return files
