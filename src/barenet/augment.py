"""Image augmentation: new training images from old, by small motions.

A network that sees each digit only where it was written learns that
position; one that sees it moved a pixel or two, or turned a few degrees,
learns the digit. ``augment_images`` draws, for every image, a rotation
angle, a scale and a whole-pixel shift from a seeded generator, and
resamples the image under that motion::

    source = centre + R(-angle) (target - centre - shift) / scale

Every target pixel looks up the source point that the motion brings to it
(the inverse map, so no target pixel is left unfilled) and takes the
bilinear mix of the four pixels around that point; points outside the
image read as background, 0. A pure shift lands exactly on pixels and
copies them unchanged.

Images are rows of X, as everywhere in barenet: ``X`` has shape
(n_samples, height * width), row-major, ink high.
"""

from __future__ import annotations

import math

import numpy as np

from barenet._checks import is_real, is_whole
from barenet.errors import ConfigError
from barenet.functions import Array


def augment_images(
    X: Array,
    image_shape: tuple[int, int],
    rng: np.random.Generator,
    *,
    max_shift: int = 2,
    max_rotation: float = 10.0,
    max_scale: float = 0.0,
) -> Array:
    """Randomly shifted, rotated and scaled copies of the images in X.

    Parameters
    ----------
    X : array of shape (n_samples, height * width)
    image_shape : (height, width)
    rng : numpy Generator
        Draws every image's motion; the same seed gives the same images.
    max_shift : int, default 2
        Shifts are whole pixels, drawn uniformly from -max_shift..max_shift
        in each direction.
    max_rotation : float, default 10
        Angles are drawn uniformly from +-max_rotation degrees.
    max_scale : float, default 0
        Scales are drawn uniformly from 1 +- max_scale.

    Returns
    -------
    array of the shape and dtype of X

    Examples
    --------
    >>> X = np.zeros((1, 25)); X[0, 12] = 1.0  # a dot in the middle
    >>> moved = augment_images(X, (5, 5), np.random.default_rng(0),
    ...                        max_shift=1, max_rotation=0)
    >>> float(moved.sum())
    1.0
    """
    h, w = image_shape
    n = X.shape[0]
    if X.ndim != 2 or X.shape[1] != h * w:
        raise ConfigError(
            f"augmentation needs images of {h}x{w} = {h * w} pixels per "
            f"row, got X of shape {X.shape}"
        )
    if not (is_whole(max_shift) and 0 <= max_shift < min(h, w)):
        raise ConfigError(
            f"max_shift must be a whole number of pixels from 0 to "
            f"{min(h, w) - 1}, got {max_shift!r}"
        )
    if not (
        is_real(max_rotation)
        and 0 <= max_rotation <= 180
        and is_real(max_scale)
        and 0 <= max_scale < 1
    ):
        raise ConfigError(
            f"max_rotation must lie in [0, 180] degrees and max_scale in "
            f"[0, 1), got {max_rotation!r} and {max_scale!r}"
        )

    # Each image's motion.
    angle = np.deg2rad(rng.uniform(-max_rotation, max_rotation, n))
    scale = np.asarray(rng.uniform(1.0 - max_scale, 1.0 + max_scale, n))
    shift = rng.integers(-max_shift, max_shift + 1, (n, 2))

    # Source point of every target pixel, by the inverse map.
    sy, sx = _source_points(angle, scale, shift, h, w)
    return _bilinear(X.reshape(n, h, w), sy, sx).reshape(n, h * w)


def _source_points(
    angle: np.ndarray, scale: np.ndarray, shift: np.ndarray, h: int, w: int
) -> tuple[Array, Array]:
    """Row and column, (n, h, w) each, that each target pixel reads from."""
    cy, cx = (h - 1) / 2.0, (w - 1) / 2.0
    rows, cols = np.mgrid[0:h, 0:w].astype(np.float64)
    dy = rows[None] - cy - shift[:, 0, None, None]
    dx = cols[None] - cx - shift[:, 1, None, None]
    cos = (np.cos(angle) / scale)[:, None, None]
    sin = (np.sin(angle) / scale)[:, None, None]
    # Rotating by -angle undoes the forward rotation by +angle.
    return cy + cos * dy + sin * dx, cx - sin * dy + cos * dx


def _bilinear(images: Array, sy: Array, sx: Array) -> Array:
    """Sample images (n, h, w) at points (sy, sx), 0 outside the image."""
    n, h, w = images.shape

    # A border of zeros, so that any point outside reads background.
    padded = np.zeros((n, h + 2, w + 2), dtype=images.dtype)
    padded[:, 1:-1, 1:-1] = images

    # The four neighbours, as indices into the padded images.
    y0, x0 = np.floor(sy), np.floor(sx)
    fy, fx = (sy - y0).astype(images.dtype), (sx - x0).astype(images.dtype)
    iy, ix = y0.astype(np.intp) + 1, x0.astype(np.intp) + 1
    y0, y1 = np.clip(iy, 0, h + 1), np.clip(iy + 1, 0, h + 1)
    x0, x1 = np.clip(ix, 0, w + 1), np.clip(ix + 1, 0, w + 1)
    k = np.arange(n)[:, None, None]

    # Weighted mix: each neighbour counts by how near the point lies.
    top = padded[k, y0, x0] * (1 - fx) + padded[k, y0, x1] * fx
    bottom = padded[k, y1, x0] * (1 - fx) + padded[k, y1, x1] * fx
    return top * (1 - fy) + bottom * fy


def square_shape(n_features: int) -> tuple[int, int]:
    """(side, side) for square images of n_features pixels, or an error."""
    side = math.isqrt(n_features)
    if side * side != n_features:
        raise ConfigError(
            f"augmentation needs images, but rows of {n_features} features "
            "are not square images; pass image_shape"
        )
    return side, side
