"""Training options shared by ``barenet train`` and ``barenet cv``.

Every option starts from a preset (``--preset seed``, the default, or
``--preset best``); an option given on the command line overrides the
preset's value. The options map one to one onto ``barenet.recipes.Recipe``
and ``barenet.training.TrainConfig``.
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
from barenet.functions import ACTIVATIONS, OUTPUTS
from barenet.network import DTYPES, INITIALISATIONS, Network
from barenet.optim import OPTIMIZERS, SCHEDULES
from barenet.recipes import PRESETS, Recipe

# Options that set a field of TrainConfig: (flag, field, type, help).
_TRAIN_FIELDS: list[tuple[str, str, Any, str]] = [
    ("--epochs", "epochs", positive_int, "epochs (full-batch: iterations)"),
    ("--lr", "lr", positive_float, "learning rate (base rate of a schedule)"),
    ("--l2", "l2", non_negative_float, "L2 strength lambda (weights only)"),
    ("--momentum", "momentum", non_negative_float, "mu of momentum/nesterov"),
    (
        "--weight-decay",
        "weight_decay",
        non_negative_float,
        "decoupled weight decay of adamw (weights only)",
    ),
    ("--step-size", "step_size", positive_int, "epochs between step decays"),
    ("--max-shift", "max_shift", int, "augmentation: largest shift, pixels"),
    (
        "--max-rotation",
        "max_rotation",
        non_negative_float,
        "augmentation: largest rotation, degrees",
    ),
    (
        "--max-scale",
        "max_scale",
        non_negative_float,
        "augmentation: largest relative change of size",
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
    """The preset named by ``--preset``, with the options given applied."""
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
    return recipe


def describe_network(net: Network) -> str:
    """'256-30-20-10, sigmoid units', or the activations and output named."""
    conv = "".join(f"conv{f}x{k}-" for f, k in net.conv)
    shape = conv + "-".join(map(str, net.sizes))
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


def _rate(text: str) -> float:
    """A number in [0, 1)."""
    value = non_negative_float(text)
    if value >= 1:
        raise argparse.ArgumentTypeError(
            f"must be at least 0 and less than 1, got {text}"
        )
    return value
