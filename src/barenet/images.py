"""Pictures of digits turned into the input a trained network expects.

A network trained on Semeion has only ever seen 16x16 black-and-white
digits stretched to touch all four borders; one trained on MNIST has seen
grey 28x28 digits, 20 pixels at most across, centred by their mass. A
photo or a drawing must go through the same steps before the network can
read it. ``preprocess`` runs the whole pipeline:

1. **Decode** (``read_grey``). PNG, JPEG, BMP, GIF and TIFF files in any
   mode are read with Pillow (the optional extra ``barenet[images]``):
   transparent images (RGBA, LA, palettes with a transparent colour) are
   laid on white, or on black when that shows more ink (white strokes
   whose only trace is the alpha channel, see ``on_paper``), palette and
   colour images become grey by luminance (ITU-R 601, as Pillow's "L"
   mode), 16-bit and float images are scaled to 0..1. The result is grey levels
   G of shape (height, width), 0 black and 1 white. An image whose header
   claims more than ``MAX_PIXELS`` pixels is refused before it is decoded.
   2-D NumPy arrays are taken as grey levels as they are.
2. **Find the ink** (``find_ink``). The background is the median grey of
   the border pixels; ink is whatever differs from it, so dark ink on
   light paper and light ink on a dark screen both work. Ink is scaled so
   that the background is 0 and the strongest stroke is 1, and levels
   below a threshold found in the picture itself by Otsu's method
   (``ink_threshold``, never below ``NOISE_FLOOR``) are background:
   shadows and unevenly lit paper stay out of the ink's bounding box. An
   image with almost no contrast is blank, and blank is an error, never a
   confident guess.
3. **Geometry** (``fit``), as each data set's authors describe theirs:

   ``semeion``  crop to the ink's bounding box, stretch it to fill 16x16
                in both directions (but across at most twice as much as
                down, so a thin straight 1 stays a stroke, as Semeion's
                own narrow 1s do; see ``GEOMETRIES``), binarise at grey
                level 127 of 255;
   ``mnist``    fit the ink's box into 20x20 keeping its aspect ratio,
                then place it in 28x28 with its centre of mass at the
                centre, grey levels kept;
   ``usps``     fit the ink's box into 16x16 keeping its aspect ratio,
                centred, grey levels kept (USPS digits fill the height);
   ``digits``   fit the ink's box into 32x32 keeping its aspect ratio,
                binarise, and count the ink in each 4x4 block (the 8x8
                digits bundled with scikit-learn), scaled to 0..1.

Every image in barenet has ink high: 0 is background, 1 is full ink, the
convention of every data set loader. A model file records which
preprocessing its training data needs (``preprocessing_of``).

Resizing is area averaging written in NumPy (``resize``), so steps 2 and 3
need nothing beyond NumPy; only decoding files needs Pillow. Before a
picture is shrunk, strokes thinner than a pixel of the result are
thickened (``thicken``): averaged away, a line one pixel wide in a large
drawing would vanish.
"""

from __future__ import annotations

import io
import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from barenet.errors import ConfigError, ImageError

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage

    from barenet.network import Network

MAX_PIXELS = 40_000_000
"""Largest image accepted, in pixels (width times height), checked from the
file's header before decoding: a 40-megapixel photo decodes to 320 MB of
grey levels."""

FORMATS = ("PNG", "JPEG", "BMP", "GIF", "TIFF")
"""Image formats read; Pillow is not asked to guess any other."""

MIN_CONTRAST = 0.1
"""Least difference between background and strongest ink, on the 0..1 grey
scale, for an image to count as holding a digit."""

NOISE_FLOOR = 0.2
"""Ink weaker than this share of the strongest stroke is paper texture,
compression noise or shadow, and counts as background."""

MIN_STROKE = 1.0
"""Thinnest stroke kept when a picture is shrunk, in pixels of the picture
the network sees: thinner strokes are thickened first (``thicken``)."""

_ALPHA_MODES = ("RGBA", "RGBa", "LA", "La", "PA")


@dataclass(frozen=True)
class Geometry:
    """How a data set's digits were framed; see the module docstring."""

    name: str
    size: int  # side of the square image the network sees
    box: int  # side of the square the ink's bounding box is fitted into
    keep_aspect: bool
    centre: str  # "box" (the box in the middle) or "mass"
    binarise: bool  # ink above 127 of 255 becomes 1, the rest 0
    pool: int = 1  # side of the blocks averaged after fitting
    # Without keep_aspect: the box is stretched across at most max_stretch
    # times as much as down, and is never made narrower than min_width.
    max_stretch: float | None = None
    min_width: int = 1

    @property
    def shape(self) -> tuple[int, int]:
        """Shape of the picture the network sees."""
        side = self.size // self.pool
        return (side, side)


GEOMETRIES = {
    g.name: g
    for g in (
        # What Semeion's own digits show (semeion.data, 1593 rows): every
        # digit but the 1s fills all 16 columns, and 138 of the 162 1s do
        # too, those written with a flag or a slant. The other 24 are 6 to
        # 15 columns wide, their strokes 3 to 6 pixels thick (5th to 95th
        # percentile of ink per row): Semeion's scaling did not widen a
        # narrow 1 into a block, and stretching a straight thin 1 to 16
        # columns makes a shape no Semeion digit has. So the box is
        # stretched across at most twice as much as down (a shape at least
        # half as wide as tall still fills the width), and kept at least
        # 3 columns wide. The factor 2 was chosen on USPS's 7,291 training
        # digits read by the seed's network (benchmarks/
        # usps_through_pipeline.py has the test digits): 62.3% right,
        # against 52.7% without a cap; 1.5 gives 59.3%, 1.75 61.3%, 2.5
        # 62.3% and 3 61.8%, so 2 is the least stretch of the best.
        Geometry(
            "semeion", 16, 16, False, "box", True, max_stretch=2.0, min_width=3
        ),
        Geometry("mnist", 28, 20, True, "mass", False),
        Geometry("usps", 16, 16, True, "box", False),
        Geometry("digits", 32, 32, True, "box", True, pool=4),
    )
}
"""The preprocessings by name."""

_WIDTHS = {256: "semeion", 784: "mnist", 64: "digits"}
"""The preprocessing of a model that records none, by its input width."""


@dataclass(frozen=True)
class Preprocessed:
    """An image made ready for a network.

    Attributes
    ----------
    x : ndarray of shape (n_features,)
        The network's input: ``image`` flattened row by row.
    image : ndarray of shape (side, side)
        The picture the network sees, ink high in 0..1.
    kind : str
        The preprocessing used, a key of ``GEOMETRIES``.
    polarity : str
        ``"dark on light"`` or ``"light on dark"``, as found in the image.
    original_size : tuple of int
        (width, height) of the image before preprocessing.
    """

    x: NDArray[np.float64]
    image: NDArray[np.float64]
    kind: str
    polarity: str
    original_size: tuple[int, int]


def preprocess(
    image: Any,
    kind: str = "semeion",
    *,
    max_pixels: int = MAX_PIXELS,
    name: str | None = None,
) -> Preprocessed:
    """Turn an image into the input vector of a network trained on ``kind``.

    Parameters
    ----------
    image : bytes, path, binary file, PIL image or 2-D array
        An encoded file (as bytes, a path or an open file), a decoded PIL
        image, or grey levels as a 2-D array (see ``read_grey``).
    kind : {"semeion", "mnist", "usps", "digits"}, default "semeion"
        The preprocessing; ``preprocessing_of(net)`` gives a model's.
    max_pixels : int, default MAX_PIXELS
        Larger images are refused before decoding.
    name : str, optional
        How errors name the image; defaults to the path, or "the image".

    Returns
    -------
    Preprocessed
        ``x`` goes to ``net.predict_proba``; ``image`` is what it shows.

    Raises
    ------
    ImageError
        The image cannot be decoded, is too large, or is blank.

    Examples
    --------
    >>> grey = np.ones((40, 30)); grey[5:35, 12:18] = 0.0  # a dark "1"
    >>> seen = preprocess(grey, "semeion")
    >>> seen.x.shape, seen.image.min(), seen.image.max(), seen.polarity
    ((256,), 1.0, 1.0, 'dark on light')
    """
    geometry = _geometry(kind)
    label = name or _describe(image)
    grey = read_grey(image, max_pixels=max_pixels, name=label)
    ink, polarity = find_ink(grey, name=label)
    seen = fit(ink, geometry.name)
    return Preprocessed(
        x=seen.reshape(-1),
        image=seen,
        kind=geometry.name,
        polarity=polarity,
        original_size=(grey.shape[1], grey.shape[0]),
    )


def preprocessing_of(net: Network) -> str:
    """The preprocessing a model's training data needs.

    Read from the model's metadata (``net.info["data"]["preprocessing"]``);
    models saved without that entry (``BarenetClassifier.save``, say) are
    matched by input width (256 is Semeion, 784 MNIST, 64 the 8x8 digits).
    An entry that is null says the data were not images.

    Raises
    ------
    ConfigError
        The model was trained on data that are not images (a CSV file,
        say), so pictures cannot be fed to it.
    """
    data = net.info.get("data")
    data = data if isinstance(data, dict) else {}
    recorded = data.get("preprocessing")
    if isinstance(recorded, str) and recorded in GEOMETRIES:
        return recorded
    if "preprocessing" not in data and net.n_inputs in _WIDTHS:
        return _WIDTHS[net.n_inputs]
    source = data.get("name")
    source = source if isinstance(source, str) and source else "unknown data"
    raise ConfigError(
        f"this model takes {net.n_inputs} features from {source} "
        "that are not images, so it cannot read a picture; give it rows of "
        "numbers instead (barenet predict MODEL --csv FILE)"
    )


# -- 1. decoding ------------------------------------------------------------


def read_grey(
    image: Any, *, max_pixels: int = MAX_PIXELS, name: str | None = None
) -> NDArray[np.float64]:
    """Decode an image to grey levels, shape (height, width), 0 black, 1 white.

    Arrays are taken as grey levels: booleans, and numbers all 0 or 1
    (a black-and-white image, whatever its dtype), as they are; other
    unsigned integers divided by their dtype's largest value (255 for
    uint8); other numbers as float images are (see ``_scale_wide``).
    """
    label = name or _describe(image)
    if isinstance(image, np.ndarray):
        return _grey_from_array(image, label, max_pixels)
    try:
        from PIL import Image
    except ImportError:
        raise ImageError(
            f"reading {label} needs Pillow, an optional extra: pip install "
            "'barenet[images]'"
        ) from None
    if isinstance(image, Image.Image):
        _check_size(image.size, label, max_pixels)
        return _decode(image, label)
    with _opened(image, label, max_pixels) as picture:
        return _decode(picture, label)


class _opened:
    """Open an encoded image, check its header, and close it afterwards."""

    def __init__(self, source: Any, label: str, max_pixels: int):
        from PIL import Image, UnidentifiedImageError

        if isinstance(source, bytes | bytearray | memoryview):
            source = io.BytesIO(bytes(source))
        elif isinstance(source, str | os.PathLike):
            _check_file(Path(source))
        try:
            with warnings.catch_warnings():
                # barenet applies its own, lower limit just below.
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                self.image = Image.open(source, formats=FORMATS)
        except Image.DecompressionBombError as exc:
            claimed = re.search(r"\((\d+) pixels\)", str(exc))
            _too_large(
                int(claimed.group(1)) if claimed else None, label, max_pixels
            )
        except UnidentifiedImageError:
            raise ImageError(
                f"{label}: not an image barenet can read (expected "
                f"{', '.join(FORMATS[:-1])} or {FORMATS[-1]})"
            ) from None
        except OSError as exc:
            raise ImageError(
                f"cannot read {label}: {exc.strerror or exc}"
            ) from None
        except Exception as exc:  # Pillow's header parsers raise many kinds
            raise ImageError(
                f"cannot decode {label}: the file is damaged or truncated "
                f"({type(exc).__name__}: {exc})"
            ) from None
        try:
            _check_size(self.image.size, label, max_pixels)
        except ImageError:
            self.image.close()
            raise

    def __enter__(self) -> PILImage:
        return self.image

    def __exit__(self, *exc: object) -> None:
        self.image.close()


def _check_file(path: Path) -> None:
    """An ImageError unless ``path`` is a file that may hold an image."""
    if path.is_dir():
        raise ImageError(f"{path} is a folder, not an image file")
    if path.exists() and not path.is_file():
        raise ImageError(
            f"{path} is not a regular file (a device, pipe or socket); give "
            "an image file"
        )
    if not path.exists():
        raise ImageError(f"no image file at {path}")


def _check_size(size: tuple[int, int], label: str, max_pixels: int) -> None:
    width, height = size
    if width < 1 or height < 1:
        raise ImageError(f"{label} has no pixels ({width}x{height})")
    if width * height > max_pixels:
        _too_large(width * height, label, max_pixels, f" ({width}x{height})")


def _too_large(
    pixels: int | None, label: str, max_pixels: int, size: str = ""
) -> None:
    claimed = f"{pixels:,} pixels{size}" if pixels else "too many pixels"
    raise ImageError(
        f"{label} is too large: its header claims {claimed}, the limit is "
        f"{max_pixels:,}; scale the picture down (a digit needs no more than "
        "a few hundred pixels across)"
    )


def _decode(image: PILImage, label: str) -> NDArray[np.float64]:
    """Grey levels of a PIL image; Pillow's many decode errors become one."""
    from PIL import ImageOps

    try:
        image.seek(0)  # the first frame of an animation
        image = ImageOps.exif_transpose(image)  # photos taken sideways
        if image.mode in ("I", "F") or image.mode.startswith("I;16"):
            values = np.asarray(image, dtype=np.float64)
            return _scale_wide(values, image.mode, label)
        if image.mode in _ALPHA_MODES or "transparency" in image.info:
            rgba = np.asarray(image.convert("RGBA"), dtype=np.float64)
            return on_paper(rgba[..., :3] / 255.0, rgba[..., 3] / 255.0)
        if image.mode == "LAB":
            # Pillow converts CIELAB to nothing else; its first band, the
            # lightness L* (0..100 stored as 0..255), is the grey level.
            image = image.getchannel(0)
        grey = np.asarray(image.convert("L"), dtype=np.float64)
    except ImageError:
        raise
    except Exception as exc:  # Pillow raises many kinds on damaged data
        raise ImageError(
            f"cannot decode {label}: the file is damaged or truncated "
            f"({type(exc).__name__}: {exc})"
        ) from None
    return grey / 255.0


def on_paper(
    colour: NDArray[np.float64], alpha: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Grey levels of a transparent picture, laid on the paper that shows it.

    ``colour`` is (height, width, 3) and ``alpha`` (height, width), both in
    0..1. The picture is laid on white paper, as a viewer shows it, unless
    black paper shows more ink: white strokes on a transparent background
    (a drawing app's "white pen") vanish on white, and there the alpha
    channel alone carries the drawing. On black paper such a picture's grey
    level is its alpha, which is then its ink.
    """
    # ITU-R 601 luminance, as Pillow's "L" mode; then "over" compositing.
    luminance = colour @ np.array([0.299, 0.587, 0.114])
    on_black = alpha * luminance
    on_white = on_black + (1.0 - alpha)
    if _strength(on_black)[0].max() > _strength(on_white)[0].max():
        return on_black
    return on_white


def _scale_wide(
    values: NDArray[np.float64], mode: str, label: str
) -> NDArray[np.float64]:
    """16-bit, 32-bit and float grey levels scaled to 0..1.

    16-bit images are divided by 65535. 32-bit integer and float images
    carry no range of their own: values already in 0..1 are kept, values
    up to 255 are divided by 255 (and integers up to 65535 by 65535), and
    anything else is stretched from its minimum to its maximum. Grey
    levels that are nan or infinite are an ImageError naming ``label``.
    """
    if mode.startswith("I;16"):
        return values / 65535.0
    for bad, what in ((np.isnan, "NaN (not a number)"), (np.isinf, "infinite")):
        count = int(np.count_nonzero(bad(values)))
        if count:
            raise ImageError(
                f"{label} holds {count:,} grey level{'s' * (count > 1)} "
                f"that {'are' if count > 1 else 'is'} {what}; every pixel "
                "needs a finite grey level"
            )
    lo, hi = float(values.min()), float(values.max())
    tops = (1.0, 255.0, 65535.0) if mode == "I" else (1.0, 255.0)
    for top in tops:
        if lo >= 0 and hi <= top:
            return values / top
    if hi == lo:
        return np.zeros_like(values)
    return (values - lo) / (hi - lo)


def _grey_from_array(
    array: NDArray[Any], label: str, max_pixels: int
) -> NDArray[np.float64]:
    if array.ndim != 2:
        raise ImageError(
            f"{label}: expected grey levels of shape (height, width), found "
            f"an array of shape {array.shape}"
        )
    _check_size((array.shape[1], array.shape[0]), label, max_pixels)
    if np.issubdtype(array.dtype, np.unsignedinteger) and array.max() > 1:
        return array / float(np.iinfo(array.dtype).max)
    if array.dtype == bool or np.issubdtype(array.dtype, np.number):
        return _scale_wide(array.astype(np.float64), "F", label)
    raise ImageError(f"{label}: expected numbers, found {array.dtype} values")


def _describe(image: Any) -> str:
    if isinstance(image, str | os.PathLike):
        return str(image)
    filename = getattr(image, "filename", None) or getattr(image, "name", None)
    return str(filename) if isinstance(filename, str) else "the image"


# -- 2. ink -----------------------------------------------------------------


def find_ink(
    grey: NDArray[np.float64], name: str = "the image"
) -> tuple[NDArray[np.float64], str]:
    """Ink of a grey image, 0 background to 1 strongest stroke, and polarity.

    Ink weaker than the threshold chosen by ``ink_threshold`` (or than
    ``NOISE_FLOOR``, if that is higher) is background: paper texture,
    shadow and uneven light stay out of the ink's bounding box.

    Raises ImageError if the image is blank: its strongest ink differs
    from the background by less than ``MIN_CONTRAST``.
    """
    strength, polarity, background = _strength(grey)
    contrast = float(strength.max())
    if contrast < MIN_CONTRAST:
        raise ImageError(
            f"{name} is blank: no pixel differs from the background (grey "
            f"level {background:.2f}) by {MIN_CONTRAST} or more, so there is "
            "no digit to read"
        )

    # Scale so the strongest stroke is 1; what is below the threshold is
    # not ink.
    ink = strength / contrast
    ink[ink < max(NOISE_FLOOR, ink_threshold(ink))] = 0.0
    return ink, polarity


def _strength(
    grey: NDArray[np.float64],
) -> tuple[NDArray[np.float64], str, float]:
    """How far each pixel is from the background towards the ink (>= 0),
    the polarity, and the background's grey level.

    The background is the median grey of the border pixels (a median, so
    that a digit touching the border does not count); the ink lies on
    whichever side of it the image reaches farther.
    """
    background = float(np.median(_border(grey)))
    lo, hi = float(grey.min()), float(grey.max())
    if background - lo >= hi - background:
        polarity, strength = "dark on light", background - grey
    else:
        polarity, strength = "light on dark", grey - background
    return np.clip(strength, 0.0, None), polarity, background


def _border(grey: NDArray[np.float64]) -> NDArray[np.float64]:
    """The pixels on the image's edge that tell its background.

    An image less than 3 pixels wide is all left and right edge, so its
    background is told by its top and bottom rows alone (the ends of a
    line one pixel wide); likewise for one less than 3 pixels tall.
    """
    height, width = grey.shape
    sides = []
    if height >= 3 or width < 3:
        sides += [grey[0], grey[-1]]
    if width >= 3 or height < 3:
        sides += [grey[:, 0], grey[:, -1]]
    return np.concatenate(sides)


def ink_threshold(ink: NDArray[np.float64], bins: int = 256) -> float:
    """Otsu's threshold of ink levels in 0..1: where background ends.

    Otsu's method (1979) splits a histogram into two classes, background
    below the threshold and ink above, choosing the split at which the
    two classes' means lie farthest apart, weighted by their sizes: the
    between-class variance w0 * w1 * (mu1 - mu0)^2 is largest. A fixed
    level fails on photographs, whose paper is never evenly lit; this
    level comes from the picture itself.

    Returns the upper edge of the background's last bin: levels at or
    above it are ink. A picture of two levels only gets a threshold just
    above the lower one.
    """
    counts, edges = np.histogram(ink, bins=bins, range=(0.0, 1.0))
    p = counts / counts.sum()
    centres = (edges[:-1] + edges[1:]) / 2

    # Weight and mean of the background class, for every split after bin k.
    w0 = np.cumsum(p)
    m0_sum = np.cumsum(p * centres)
    total = m0_sum[-1]

    # Between-class variance: with w1 = 1 - w0 and the overall mean fixed,
    # w0 * w1 * (mu1 - mu0)^2 = (total * w0 - m0_sum)^2 / (w0 * w1).
    w1 = 1.0 - w0
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (total * w0 - m0_sum) ** 2 / (w0 * w1)
    between[~np.isfinite(between)] = -1.0  # an empty class is no split
    return float(edges[int(np.argmax(between)) + 1])


# -- 3. geometry ------------------------------------------------------------


def fit(ink: NDArray[np.float64], kind: str | Geometry) -> NDArray[np.float64]:
    """Frame an ink image (background 0) the way ``kind``'s digits were.

    ``kind`` names one of ``GEOMETRIES``, or is a ``Geometry`` of one's own
    (``dataclasses.replace(GEOMETRIES["semeion"], max_stretch=None)``, say).
    Returns the picture the network sees, shape ``geometry.shape``.
    """
    g = kind if isinstance(kind, Geometry) else _geometry(kind)
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(0))
    if rows.size == 0:
        raise ImageError("the image holds no ink")
    crop = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]

    # Fit the ink's box into the g.box square, stretched or not.
    height, width = crop.shape
    if g.keep_aspect:
        scale = g.box / max(height, width)
        height = max(1, round(height * scale))
        width = max(1, round(width * scale))
    elif g.max_stretch is None:
        height = width = g.box
    else:
        stretched = round(width * g.box / height * g.max_stretch)
        height, width = g.box, min(g.box, max(g.min_width, stretched))
    crop = thicken(crop, crop.shape[0] / height, crop.shape[1] / width)
    inked = resize(crop, height, width)
    if g.binarise:
        inked = (inked * 255 > 127).astype(np.float64)

    # Place it in the g.size square: box in the middle, or mass at centre.
    top, left = _offsets(inked, g)
    framed = np.zeros((g.size, g.size))
    framed[top : top + height, left : left + width] = inked
    if g.pool > 1:
        framed = resize(framed, g.size // g.pool, g.size // g.pool)

    # Area averages of ink in 0..1 stay in 0..1 in exact arithmetic; in
    # floating point a few end some 1e-16 past 1. Ink is 0..1, exactly.
    return np.clip(framed, 0.0, 1.0)


def thicken(
    ink: NDArray[np.float64], cell_height: float, cell_width: float
) -> NDArray[np.float64]:
    """Ink whose strokes stay at least ``MIN_STROKE`` pixels thick when
    cell_height x cell_width pixels are averaged into one.

    Area averaging makes a stroke one pixel wide, shrunk tenfold, a grey
    of 0.1: binarising then removes it, and no MNIST digit is that faint.
    A stroke's width is estimated as 2 * area / perimeter of the ink (a
    stroke of length L and width w has area L w and a perimeter of about
    2 L), and the ink is dilated (a moving maximum) across each axis by
    what it lacks there. Enlarging (cells of a pixel or less) loses no
    stroke, and leaves the ink as it is.
    """
    mask = ink > 0
    perimeter = (
        np.count_nonzero(np.diff(mask, axis=0))
        + np.count_nonzero(np.diff(mask, axis=1))
        + np.count_nonzero(mask[[0, -1]])
        + np.count_nonzero(mask[:, [0, -1]])
    )
    stroke = 2 * int(np.count_nonzero(mask)) / max(int(perimeter), 1)
    for axis, cell in ((0, cell_height), (1, cell_width)):
        lacking = int(np.ceil(MIN_STROKE * cell - stroke))
        if cell > 1 and lacking > 0:
            ink = _moving_max(ink, lacking + 1, axis)
    return ink


def _moving_max(
    values: NDArray[np.float64], k: int, axis: int
) -> NDArray[np.float64]:
    """The largest of the k values centred on each along ``axis`` (zeros
    beyond the edges), in about log2(k) passes."""
    a = np.moveaxis(values, axis, 0)
    before = (k - 1) // 2
    out = np.pad(a, [(before, k - 1 - before)] + [(0, 0)] * (a.ndim - 1))
    # Windows of `width` values widen to width + step by taking the larger
    # of two windows step apart (step <= width, so they overlap or touch).
    width = 1
    while width < k:
        step = min(width, k - width)
        out = np.maximum(out[:-step], out[step:])
        width += step
    return np.moveaxis(out, 0, axis)


def _offsets(inked: NDArray[np.float64], g: Geometry) -> tuple[int, int]:
    """Top-left corner of the fitted ink inside the g.size square."""
    height, width = inked.shape
    if g.centre == "box":
        return (g.size - height) // 2, (g.size - width) // 2
    # Pixel i covers [i, i + 1]; put the centre of mass at size / 2.
    mass = inked.sum()
    cy = float(inked.sum(axis=1) @ np.arange(height)) / mass + 0.5
    cx = float(inked.sum(axis=0) @ np.arange(width)) / mass + 0.5
    top = min(max(round(g.size / 2 - cy), 0), g.size - height)
    left = min(max(round(g.size / 2 - cx), 0), g.size - width)
    return top, left


def resize(
    image: NDArray[np.float64], height: int, width: int
) -> NDArray[np.float64]:
    """Resample ``image`` to (height, width) by area averaging.

    Each output pixel is the mean of the input over the area it covers,
    shrinking and enlarging alike. One axis is resampled, then the other
    (``_area_means``); the one that leaves the smaller image in between
    goes first, so the work and memory grow with the input's pixels plus
    the output's, whatever the aspect ratio (a 2,000,000x1 strip too).
    The result stays within the input's range: values in 0..1 stay there.
    """
    rows, cols = image.shape
    if height * cols <= rows * width:
        out = _area_means(_area_means(image, height, 0), width, 1)
    else:
        out = _area_means(_area_means(image, width, 1), height, 0)

    # A mean lies between the smallest and largest values it averages;
    # rounding can step just past them (1.0000000000000002), so clip.
    return np.clip(out, image.min(), image.max())


def _area_means(
    values: NDArray[np.float64], n_out: int, axis: int
) -> NDArray[np.float64]:
    """Means of ``values`` along ``axis`` over ``n_out`` equal spans.

    Input pixel j covers [j, j + 1] and output pixel i the span
    [e_i, e_i+1] with e_i = i * n_in / n_out. Output i is the mean of the
    input pixels the span overlaps, each weighted by the overlap. Only
    overlapping pairs (i, j) are formed, at most n_in + n_out of them: a
    matrix of every pair would grow with n_in times n_out.
    """
    v = np.moveaxis(values, axis, -1)
    n_in = v.shape[-1]
    edges = np.linspace(0.0, n_in, n_out + 1)

    # The input pixels first[i] .. last[i] that output pixel i overlaps.
    first = np.floor(edges[:-1]).astype(np.intp)
    last = np.minimum(np.ceil(edges[1:]).astype(np.intp), n_in) - 1
    counts = last - first + 1
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    i = np.repeat(np.arange(n_out), counts)
    j = first[i] + np.arange(counts.sum()) - starts[i]

    # Each pair's share of output i's span, then the weighted sums.
    overlap = np.minimum(edges[i + 1], j + 1.0) - np.maximum(edges[i], j)
    share = overlap / np.add.reduceat(overlap, starts)[i]
    means = np.add.reduceat(v[..., j] * share, starts, axis=-1)
    return np.moveaxis(means, -1, axis)


def _geometry(kind: str) -> Geometry:
    if kind not in GEOMETRIES:
        raise ConfigError(
            f"unknown preprocessing {kind!r}; expected one of "
            f"{', '.join(GEOMETRIES)}"
        )
    return GEOMETRIES[kind]
