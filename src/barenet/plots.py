"""Figures of a training run and of a model, drawn with matplotlib as PNG.

Training: the cost and accuracy curves, and sample digits with their
guesses. A model (``barenet evaluate``): its confusion matrix, a gallery
of the digits it got wrong, and its first layer's weights drawn as
pictures.

The figures are built with matplotlib's object API (``Figure``), not
``pyplot``: nothing here opens a window or depends on a display, and
nothing touches global plotting state.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure
from numpy.typing import NDArray

from barenet._files import atomic_write
from barenet.conv import Conv2D
from barenet.errors import ConfigError
from barenet.network import Network
from barenet.training import History


def plot_cost(history: History, path: str | os.PathLike[str]) -> None:
    """Training cost against iteration (epoch, with mini-batches), as the
    seed plots it."""
    fig = Figure(figsize=(6, 4), layout="constrained")
    ax = fig.add_subplot()
    epochs = np.arange(1, len(history["cost"]) + 1)
    ax.plot(epochs, history["cost"], label="training cost")
    if "validation_cost" in history:
        ax.plot(epochs, history["validation_cost"], label="validation cost")
        ax.legend()
    ax.set_xlabel(_steps(history))
    ax.set_ylabel("cost J")
    ax.set_title("Training cost")
    ax.grid(alpha=0.3)
    _save(fig, path)


def plot_accuracy(history: History, path: str | os.PathLike[str]) -> None:
    """Test accuracy against iteration (epoch, with mini-batches): argmax,
    and the seed's exact match."""
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
    ax.set_xlabel(_steps(history))
    ax.set_ylabel("accuracy")
    ax.set_title("Accuracy on held-out digits")
    ax.legend(loc="lower right")
    ax.grid(alpha=0.3)
    _save(fig, path)


def _steps(history: History) -> str:
    """What the x-axis counts: the seed's full-batch iterations, or epochs
    of several mini-batch steps each."""
    return "iteration" if history.steps_per_epoch in (None, 1) else "epoch"


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


def plot_confusion(
    C: NDArray[np.integer],
    classes: Sequence[str],
    path: str | os.PathLike[str],
    title: str = "Confusion matrix",
) -> None:
    """The confusion matrix: rows true class, columns guess, counts written.

    Each cell's colour is its share of its row (of the true class's rows),
    so that a small class's mistakes show as clearly as a large one's.
    Counts are written in the cells up to 30 classes.
    """
    n = len(classes)
    side = min(max(4.0, 0.45 * n + 2.0), 20.0)
    fig = Figure(figsize=(side + 1.0, side), layout="constrained")
    ax = fig.add_subplot()
    rows = np.maximum(C.sum(axis=1, keepdims=True), 1)
    share = C / rows
    shown = ax.imshow(share, cmap="Blues", vmin=0.0, vmax=1.0)
    if n <= 30:
        for (i, j), count in np.ndenumerate(C):
            if count:
                colour = "white" if share[i, j] > 0.5 else "black"
                ax.text(
                    j, i, str(count), ha="center", va="center", color=colour
                )
    ticks = np.arange(n)
    ax.set_xticks(ticks, [str(c) for c in classes])
    ax.set_yticks(ticks, [str(c) for c in classes])
    ax.set_xlabel("guess")
    ax.set_ylabel("true class")
    ax.set_title(title)
    fig.colorbar(shown, ax=ax, label="share of the true class's rows")
    _save(fig, path)


def plot_gallery(
    images: NDArray[np.floating],
    actual: Sequence[str],
    guess: Sequence[str],
    path: str | os.PathLike[str],
    title: str = "",
    columns: int = 10,
) -> None:
    """Digits in a grid, each titled with its true and guessed label.

    ``images`` has shape (n, height, width), ink high, n >= 1.
    """
    n = len(images)
    if n == 0:
        raise ConfigError("a gallery needs at least one image")
    cols = min(n, columns)
    rows = math.ceil(n / cols)
    fig = Figure(
        figsize=(1.25 * cols + 0.2, 1.5 * rows + 0.5), layout="constrained"
    )
    for i, (image, a, g) in enumerate(zip(images, actual, guess, strict=True)):
        ax = fig.add_subplot(rows, cols, i + 1)
        ax.imshow(image, cmap="gray_r", interpolation="nearest")
        colour = "black" if a == g else "crimson"
        ax.set_title(f"true {a}\nguess {g}", fontsize=8, color=colour)
        ax.set_xticks([])
        ax.set_yticks([])
    if title:
        fig.suptitle(title)
    _save(fig, path)


def first_layer_images(
    net: Network, image_shape: Sequence[int] | None = None
) -> NDArray[np.floating]:
    """The first layer's weights as pictures, shape (n_pictures, h, w).

    A convolutional first layer gives its filters, (filters, k, k). A
    dense one gives, for each of its units, the weights from every input
    pixel laid out as the input image, (units, *image_shape): that unit
    answers most to ink where its weights are large and positive.
    """
    layer = net.layers[0]
    if isinstance(layer, Conv2D):
        k, c = layer.k, layer.c_in
        # W's rows run over the patch: (row i, column j, channel), channel last.
        filters = layer.W.reshape(k, k, c, layer.c_out)[:, :, 0, :]
        return np.moveaxis(filters, -1, 0).copy()
    if image_shape is None or math.prod(image_shape) != layer.n_in:
        raise ConfigError(
            f"the first layer takes {layer.n_in} inputs, which do not fold "
            f"into the image shape {image_shape}; its weights are not pictures"
        )
    return layer.W.T.reshape(layer.n_out, *image_shape).copy()


def plot_weights(
    pictures: NDArray[np.floating],
    path: str | os.PathLike[str],
    title: str = "First layer weights",
    limit: int = 100,
) -> None:
    """Weight pictures (n, h, w) in a grid: red positive, blue negative.

    Each picture is scaled to its own largest absolute weight, so that the
    pattern of every unit shows; white is 0. At most ``limit`` are drawn.
    """
    shown = pictures[:limit]
    n = len(shown)
    cols = min(n, max(1, math.ceil(math.sqrt(n))))
    rows = math.ceil(n / cols)
    fig = Figure(
        figsize=(1.1 * cols + 0.3, 1.1 * rows + 0.6), layout="constrained"
    )
    for i, picture in enumerate(shown):
        ax = fig.add_subplot(rows, cols, i + 1)
        scale = float(np.max(np.abs(picture))) or 1.0
        ax.imshow(
            picture,
            cmap="RdBu_r",
            vmin=-scale,
            vmax=scale,
            interpolation="nearest",
        )
        ax.set_xticks([])
        ax.set_yticks([])
    more = f" (first {n} of {len(pictures)})" if n < len(pictures) else ""
    fig.suptitle(title + more)
    _save(fig, path)


def _save(fig: Figure, path: str | os.PathLike[str]) -> None:
    atomic_write(path, lambda f: fig.savefig(f, format="png", dpi=100))
