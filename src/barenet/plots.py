"""Figures of a training run, drawn with matplotlib and saved as PNG.

The figures are built with matplotlib's object API (``Figure``), not
``pyplot``: nothing here opens a window or depends on a display, and
nothing touches global plotting state.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure
from numpy.typing import NDArray

from barenet._files import atomic_write
from barenet.training import History


def plot_cost(history: History, path: str | os.PathLike[str]) -> None:
    """Training cost against iteration, as the seed plots it."""
    fig = Figure(figsize=(6, 4), layout="constrained")
    ax = fig.add_subplot()
    epochs = np.arange(1, len(history["cost"]) + 1)
    ax.plot(epochs, history["cost"], label="training cost")
    if "validation_cost" in history:
        ax.plot(epochs, history["validation_cost"], label="validation cost")
        ax.legend()
    ax.set_xlabel("iteration")
    ax.set_ylabel("cost J")
    ax.set_title("Training cost")
    ax.grid(alpha=0.3)
    _save(fig, path)


def plot_accuracy(history: History, path: str | os.PathLike[str]) -> None:
    """Test accuracy against iteration: argmax, and the seed's exact match."""
    fig = Figure(figsize=(6, 4), layout="constrained")
    ax = fig.add_subplot()
    n = len(history)
    epochs = np.arange(1, n + 1)
    labels = {
        "test_accuracy": "test accuracy (argmax)",
        "test_exact": "test accuracy (exact match, the seed's)",
        "validation_accuracy": "validation accuracy (argmax)",
    }
    for name, label in labels.items():
        if name in history:
            ax.plot(epochs, history[name], label=label)
    ax.set_ylim(0, 1)
    ax.set_xlabel("iteration")
    ax.set_ylabel("accuracy")
    ax.set_title("Accuracy on held-out digits")
    ax.legend(loc="lower right")
    ax.grid(alpha=0.3)
    _save(fig, path)


def plot_digits(
    images: NDArray[np.floating],
    actual: Sequence[int],
    guess: Sequence[int],
    path: str | os.PathLike[str],
) -> None:
    """Digits side by side, each titled with its actual and guessed label.

    ``images`` has shape (n, height, width), ink high.
    """
    n = len(images)
    fig = Figure(figsize=(1.6 * n, 2.0), layout="constrained")
    for i, (image, a, g) in enumerate(zip(images, actual, guess, strict=True)):
        ax = fig.add_subplot(1, n, i + 1)
        ax.imshow(image, cmap="gray_r", interpolation="nearest")
        colour = "black" if a == g else "crimson"
        ax.set_title(f"Actual {a}\nGuess {g}", fontsize=10, color=colour)
        ax.set_xticks([])
        ax.set_yticks([])
    _save(fig, path)


def _save(fig: Figure, path: str | os.PathLike[str]) -> None:
    atomic_write(path, lambda f: fig.savefig(f, format="png", dpi=100))
