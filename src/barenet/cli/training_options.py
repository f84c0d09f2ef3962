"""Training options shared by ``barenet train`` and ``barenet cv``.

Every option starts from a preset (``--preset seed``, the default, or
``--preset best``); an option given on the command line overrides the
preset's value. The options map one to one onto ``barenet.recipes.Recipe``
and ``barenet.training.TrainConfig``.

Each option's type checks its value's range, so a bad value is a usage
error that names the flag. An option that would change nothing (say
``--momentum`` with ``--optimizer adam``, or ``--max-shift`` without
``--augment``) is refused, naming the setting that makes it idle, rather
than silently recorded in the report as if it had counted.
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
from typing import Any

import numpy as np

from barenet.cli.options import (
    non_negative_float,
    non_negative_int,
    positive_float,
    positive_int,
)
from barenet.errors import ConfigError
from barenet.functions import ACTIVATIONS, OUTPUTS
from barenet.network import DTYPES, INITIALISATIONS, Network
from barenet.optim import OPTIMIZERS, SCHEDULES
from barenet.recipes import PRESETS, Recipe


def _rate(text: str) -> float:
    """A number in [0, 1)."""
    value = non_negative_float(text)
    if value >= 1:
        raise argparse.ArgumentTypeError(
            f"must be at least 0 and less than 1, got {text}"
        )
    return value


def _degrees(text: str) -> float:
    """An angle in [0, 180] degrees."""
    value = non_negative_float(text)
    if value > 180:
        raise argparse.ArgumentTypeError(
            f"must be 0 to 180 degrees, got {text}"
        )
    return value


# Options that set a field of TrainConfig: (flag, field, type, help).
_TRAIN_FIELDS: list[tuple[str, str, Any, str]] = [
    ("--epochs", "epochs", positive_int, "epochs (full-batch: iterations)"),
    ("--lr", "lr", positive_float, "learning rate (base rate of a schedule)"),
    ("--l2", "l2", non_negative_float, "L2 strength lambda (weights only)"),
    ("--momentum", "momentum", _rate, "mu of momentum/nesterov, in [0, 1)"),
    (
        "--weight-decay",
        "weight_decay",
        non_negative_float,
        "decoupled weight decay of adamw (weights only)",
    ),
    ("--step-size", "step_size", positive_int, "epochs between step decays"),
    (
        "--max-shift",
        "max_shift",
        non_negative_int,
        "augmentation: largest shift, pixels",
    ),
    (
        "--max-rotation",
        "max_rotation",
        _degrees,
        "augmentation: largest rotation, degrees (0 to 180)",
    ),
    (
        "--max-scale",
        "max_scale",
        _rate,
        "augmentation: largest relative change of size, in [0, 1)",
    ),
    (
        "--patience",
        "patience",
        positive_int,
        "early stopping: epochs without a lower validation cost",
    ),
    (
        "--plateau-patience",
        "plateau_patience",
        non_negative_int,
        "plateau schedule: epochs without a lower cost before the rate is "
        "halved (default: half of --patience, else 10)",
    ),
]


def add_training_options(p: argparse.ArgumentParser) -> None:
    """Declare the network and training options on a subcommand's parser."""
    g = p.add_argument_group(
        "network and training (each defaults to the preset's value)"
    )
    g.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        default="seed",
        help="starting settings: the seed experiment, or the best found",
    )
    g.add_argument(
        "--hidden",
        type=positive_int,
        nargs="*",
        metavar="N",
        default=argparse.SUPPRESS,
        help="widths of the hidden layers (seed: 30 20)",
    )
    g.add_argument(
        "--conv",
        type=_conv_layer,
        nargs="*",
        metavar="F:K",
        default=argparse.SUPPRESS,
        help="convolutional layers before the hidden ones, each F filters "
        "of KxK pixels with 2x2 max pooling (best: 32:5 64:3; --conv alone: "
        "none)",
    )
    g.add_argument(
        "--activation",
        nargs="+",
        choices=list(ACTIVATIONS),
        metavar="NAME",
        default=argparse.SUPPRESS,
        help="hidden activation, one for all or one per hidden layer: "
        + ", ".join(ACTIVATIONS),
    )
    _choice(g, "--output", list(OUTPUTS), "output and its cost")
    _choice(g, "--init", list(INITIALISATIONS), "initial weights")
    _choice(
        g,
        "--dtype",
        list(DTYPES),
        "floating type of weights and arithmetic (float32: about twice as "
        "fast, half the memory)",
    )
    _choice(g, "--optimizer", list(OPTIMIZERS), "update rule")
    _choice(g, "--schedule", list(SCHEDULES), "learning-rate schedule")
    g.add_argument(
        "--batch-size",
        type=_batch_size,
        metavar="N|full",
        default=argparse.SUPPRESS,
        help="rows per step, or 'full' for the whole training set",
    )
    g.add_argument(
        "--dropout",
        type=_rate,
        metavar="P",
        default=argparse.SUPPRESS,
        help="probability of dropping each hidden unit while training",
    )
    g.add_argument(
        "--augment",
        action=argparse.BooleanOptionalAction,
        default=argparse.SUPPRESS,
        help="train on randomly shifted and rotated copies of the images",
    )
    g.add_argument(
        "--validation",
        type=_rate,
        metavar="F",
        default=argparse.SUPPRESS,
        help="fraction of training rows held out (per class) for validation",
    )
    for flag, name, kind, text in _TRAIN_FIELDS:
        g.add_argument(
            flag,
            type=kind,
            dest=name,
            metavar="N"
            if kind in (int, positive_int, non_negative_int)
            else "X",
            default=argparse.SUPPRESS,
            help=text,
        )


def recipe_from_args(args: argparse.Namespace) -> Recipe:
    """The preset named by ``--preset``, with the options given applied.

    Raises ConfigError, in the command line's words, if early stopping has
    no validation split to watch, or if an option given would change
    nothing.
    """
    recipe = copy.deepcopy(PRESETS[args.preset])
    given = vars(args)
    for name in ("hidden", "output", "init", "conv", "dtype"):
        if name in given:
            setattr(recipe, name, given[name])
    if "activation" in given:
        names = given["activation"]
        recipe.activation = names[0] if len(names) == 1 else list(names)
    changes = {
        name: given[name]
        for name in (
            *(field for _, field, _, _ in _TRAIN_FIELDS),
            "optimizer",
            "schedule",
            "dropout",
            "augment",
            "validation",
        )
        if name in given
    }
    if "batch_size" in given:
        changes["batch_size"] = given["batch_size"]
    recipe.train = dataclasses.replace(recipe.train, **changes)
    _check_together(recipe, given, args.preset)
    return recipe


def _check_together(recipe: Recipe, given: dict[str, Any], preset: str) -> None:
    """Refuse settings that do not fit together, naming their flags."""
    t = recipe.train
    if t.patience is not None and not t.validation:
        raise ConfigError(
            "--patience stops training when the validation cost stops "
            "falling, but there is no validation split: add --validation "
            "0.1 (a fraction of the training rows), or drop --patience"
        )
    idle = _idle_options(recipe, given, preset)
    for name, (unused, why, fix) in idle.items():
        if name in given and unused:
            flag = "--" + name.replace("_", "-")
            raise ConfigError(
                f"{flag} would change nothing: {why}; {fix}, or drop {flag}"
            )


def _idle_options(
    recipe: Recipe, given: dict[str, Any], preset: str
) -> dict[str, tuple[bool, str, str]]:
    """For each option that only some settings use: (whether this run
    leaves it idle, why, how to make it count)."""
    t = recipe.train

    def setting(flag: str, value: object) -> str:
        """'--optimizer adam', and where it came from if not typed."""
        typed = flag.removeprefix("--").replace("-", "_") in given
        return f"{flag} {value}" + (
            "" if typed else f" (from --preset {preset})"
        )

    optimizer = setting("--optimizer", t.optimizer)
    schedule = setting("--schedule", t.schedule)
    augment = "" if "augment" in given else f" (from --preset {preset})"
    return {
        "momentum": (
            t.optimizer not in ("momentum", "nesterov"),
            "it is the mu of --optimizer momentum and nesterov, and this "
            f"run uses {optimizer}",
            "add --optimizer momentum",
        ),
        "weight_decay": (
            t.optimizer != "adamw" and t.weight_decay != 0,
            "it is the decoupled weight decay of --optimizer adamw, and "
            f"this run uses {optimizer}",
            "add --optimizer adamw (--l2 penalises the weights under any "
            "optimizer)",
        ),
        "step_size": (
            t.schedule != "step",
            "it spaces the decays of --schedule step, and this run uses "
            f"{schedule}",
            "add --schedule step",
        ),
        "plateau_patience": (
            t.schedule != "plateau",
            f"it belongs to --schedule plateau, and this run uses {schedule}",
            "add --schedule plateau",
        ),
        **{
            name: (
                not t.augment,
                f"it shapes augmented images, and augmentation is off{augment}",
                "add --augment",
            )
            for name in ("max_shift", "max_rotation", "max_scale")
        },
        "dropout": (
            not recipe.hidden and t.dropout != 0,
            "it drops units of the dense hidden layers, and the network has "
            "none",
            "add --hidden N",
        ),
        "activation": (
            not recipe.hidden and not recipe.conv,
            "the network has no hidden or convolutional layers",
            "add --hidden N",
        ),
    }


def describe_network(net: Network) -> str:
    """'256-30-20-10, sigmoid units', or the activations and output named.

    The input's width comes first; convolutional layers follow it, as
    conv32x5 (32 filters of 5x5 pixels), before the dense layers:
    '256-conv32x5-conv64x3-256-10'.
    """
    layers = [str(net.sizes[0])]
    layers += [f"conv{f}x{k}" for f, k in net.conv]
    layers += [str(n) for n in net.sizes[1:]]
    shape = "-".join(layers)
    kinds = set(net.activations) | {net.output.name}
    if len(kinds) == 1:
        text = f"{shape}, {kinds.pop()} units"
    else:
        hidden = ",".join(dict.fromkeys(net.activations)) or "no"
        text = f"{shape}, {hidden} hidden units, {net.output.name} output"
    return text if net.dtype == np.float64 else f"{text}, {net.dtype.name}"


def _choice(
    g: argparse._ArgumentGroup, flag: str, choices: list[str], text: str
) -> None:
    g.add_argument(
        flag,
        choices=choices,
        default=argparse.SUPPRESS,
        help=f"{text}: {', '.join(choices)}",
    )


def _conv_layer(text: str) -> tuple[int, int]:
    """FILTERS:KERNEL, e.g. 32:5."""
    filters, _, kernel = text.partition(":")
    try:
        f, k = int(filters), int(kernel)
    except ValueError:
        f = k = 0
    if f < 1 or k < 1 or k % 2 == 0:
        raise argparse.ArgumentTypeError(
            f"expected FILTERS:KERNEL with an odd kernel, like 32:5, got {text!r}"
        )
    return f, k


def _batch_size(text: str) -> int | None:
    return None if text == "full" else positive_int(text)
