"""Pictures made ready for a network: decoding, ink, and geometry.

Most cases draw a known 16x16 design larger, off-centre, or in another
image mode, and check that the Semeion preprocessing gives the design
back exactly: stretching a crop drawn at whole-number scales is exact.
"""

from __future__ import annotations

import io
import os
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from barenet.errors import ConfigError, ImageError
from barenet.images import (
    GEOMETRIES,
    find_ink,
    fit,
    ink_threshold,
    preprocess,
    preprocessing_of,
    resize,
    thicken,
)
from barenet.network import Network
from barenet.prediction import predict_image

# A "4" that touches all four borders, and is symmetric in neither axis.
FOUR = """
####........####
####........####
####........####
####........####
####........####
####........####
################
################
############.###
............####
............####
............####
............####
............####
............####
............####
"""
DESIGN = np.array(
    [[c == "#" for c in row] for row in FOUR.strip().splitlines()], dtype=float
)


def drawn(
    design=DESIGN,
    scale=(4, 2),
    canvas=(100, 120),
    at=(10, 70),
    ink=0,
    paper=255,
):
    """The design drawn larger on a canvas: uint8 grey levels."""
    big = np.kron(design, np.ones(scale))
    grey = np.full(canvas, paper, dtype=np.uint8)
    h, w = big.shape
    grey[at[0] : at[0] + h, at[1] : at[1] + w] = np.where(big > 0, ink, paper)
    return grey


def encoded(image, fmt="PNG", **options):
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def test_a_design_drawn_larger_off_centre_and_not_square_comes_back():
    seen = preprocess(encoded(Image.fromarray(drawn())), "semeion")
    np.testing.assert_array_equal(seen.image, DESIGN)
    np.testing.assert_array_equal(seen.x, DESIGN.reshape(-1))
    assert seen.polarity == "dark on light"
    assert seen.original_size == (120, 100)


def test_rgba_on_a_transparent_black_background_is_laid_on_white():
    # Transparent pixels are black too: ignoring alpha would see no digit.
    alpha = 255 - drawn()  # opaque where the ink is
    rgba = np.zeros((*alpha.shape, 4), dtype=np.uint8)
    rgba[..., 3] = alpha
    seen = preprocess(encoded(Image.fromarray(rgba)), "semeion")
    np.testing.assert_array_equal(seen.image, DESIGN)
    la = Image.fromarray(rgba).convert("LA")
    np.testing.assert_array_equal(preprocess(encoded(la)).image, DESIGN)


def test_white_strokes_on_transparent_are_read_from_the_alpha_channel():
    # A drawing app's white pen: every pixel is white, and only the alpha
    # channel tells the strokes (opaque) from the background (clear).
    rgba = np.full((100, 120, 4), 255, dtype=np.uint8)
    rgba[..., 3] = 255 - drawn()
    seen = preprocess(encoded(Image.fromarray(rgba)), "semeion")
    np.testing.assert_array_equal(seen.image, DESIGN)
    assert seen.polarity == "light on dark"  # laid on black paper
    # Soft edges: half-transparent white is half ink.
    rgba[..., 3] //= 2
    la = Image.fromarray(rgba).convert("LA")
    np.testing.assert_array_equal(preprocess(encoded(la)).image, DESIGN)


def test_light_ink_on_dark_is_found_and_read_the_same():
    seen = preprocess(Image.fromarray(drawn(ink=230, paper=20)), "semeion")
    assert seen.polarity == "light on dark"
    np.testing.assert_array_equal(seen.image, DESIGN)


@pytest.mark.parametrize(
    ("fmt", "image"),
    [
        ("GIF", Image.fromarray(drawn(ink=40, paper=200)).convert("P")),
        ("BMP", Image.fromarray(drawn()).convert("1")),
        ("JPEG", Image.fromarray(drawn()).convert("RGB")),
        ("PNG", Image.fromarray(drawn().astype(np.uint16) * 257)),
        ("TIFF", Image.fromarray(drawn().astype(np.float32) * 3.5)),
    ],
)
def test_every_format_and_mode_gives_the_same_input(fmt, image):
    data = encoded(image, fmt)
    assert Image.open(io.BytesIO(data)).format == fmt
    np.testing.assert_array_equal(preprocess(data).image, DESIGN)


def test_a_palette_gif_with_a_transparent_colour():
    rgba = np.zeros((100, 120, 4), dtype=np.uint8)
    rgba[..., 0] = 255  # transparent red
    rgba[drawn() == 0] = (0, 0, 90, 255)  # opaque dark blue ink
    image = Image.fromarray(rgba).convert("P")
    image.info["transparency"] = image.getpixel((0, 0))
    data = encoded(image, "GIF", transparency=image.getpixel((0, 0)))
    np.testing.assert_array_equal(preprocess(data).image, DESIGN)


def test_a_2x2_image_is_stretched_to_16x16():
    seen = preprocess(np.array([[0.0, 1.0], [1.0, 0.0]]), "semeion")
    expected = np.kron(np.eye(2), np.ones((8, 8)))
    np.testing.assert_array_equal(seen.image, expected)


def test_real_semeion_digits_drawn_big_and_inverted_come_back(semeion):
    # Rows whose ink touches all four borders: the crop is the whole digit.
    images = semeion.X.reshape(-1, 16, 16)
    full = [
        i
        for i, im in enumerate(images[:200])
        if im[0].any() and im[-1].any() and im[:, 0].any() and im[:, -1].any()
    ]
    assert len(full) > 100
    for i in full:
        grey = drawn(
            images[i],
            scale=(3, 5),
            canvas=(60, 90),
            at=(7, 4),
            ink=255,
            paper=0,
        )
        np.testing.assert_array_equal(preprocess(grey).image, images[i])


@pytest.mark.parametrize("kind", list(GEOMETRIES))
def test_every_preprocessing_keeps_ink_within_0_and_1(semeion, kind):
    """Area averages may round past 1; the network's input must not.

    Semeion digits drawn 17 times larger on a margin of 10 pixels: with
    MNIST's geometry, most of them came out with a pixel at 1 + 7e-16.
    """
    for pixels in semeion.X[:60]:
        ink = np.pad(np.kron(pixels.reshape(16, 16), np.ones((17, 17))), 10)
        x = preprocess(1 - ink, kind).x
        assert x.min() >= 0 and x.max() <= 1
        assert x.max() == 1  # the strongest stroke is full ink


@pytest.mark.parametrize("level", [255, 0, 128])
def test_a_blank_image_is_an_error_not_a_guess(level):
    with pytest.raises(ImageError, match=r"^blank.png is blank: no pixel"):
        preprocess(encoded(Image.new("L", (40, 30), level)), name="blank.png")


def photo(design=DESIGN):
    """The design drawn dark on paper as a phone photographs it: lit from
    the left (grey 240) and falling off to the right (150), with the soft
    shadow of a hand in the lower left, 80 grey levels deep."""
    h, w = 100, 120
    yy, xx = np.mgrid[0:h, 0:w]
    paper = np.linspace(240, 150, w)[None, :] + 0.0 * yy
    paper -= 80 * np.exp(-(((yy - 75) / 12) ** 2 + ((xx - 22) / 12) ** 2))
    big = np.kron(design, np.ones((4, 2)))
    grey = paper.copy()
    grey[10:74, 50:82] = np.where(big > 0, 30, grey[10:74, 50:82])
    return grey.astype(np.uint8)


def test_uneven_light_and_shadows_stay_out_of_the_inks_box():
    # With a fixed level, the dim right-hand paper (90 below the left)
    # and the shadow count as ink, and the box spans the whole picture.
    grey = photo()
    ink, polarity = find_ink(grey / 255)
    assert polarity == "dark on light"
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(0))
    assert (rows[0], rows[-1], cols[0], cols[-1]) == (10, 73, 50, 81)
    np.testing.assert_array_equal(preprocess(grey).image, DESIGN)


def test_otsus_threshold_worked_by_hand():
    # Levels 0, 0, 0, 0.25, 1, 1. Split after 0: weights 1/2 and 1/2,
    # means 0 and 3/4, between-class variance 1/4 * 9/16 = 0.1406. Split
    # after 0.25: weights 2/3 and 1/3, means 1/16 and 1, variance
    # 2/9 * (15/16)^2 = 0.1953, the larger. 0.25 falls in bin 64 of 256,
    # whose upper edge 65/256 is the threshold.
    levels = np.array([0.0, 0.0, 0.0, 0.25, 1.0, 1.0])
    assert ink_threshold(levels) == 65 / 256
    # Two levels only: just above the lower one.
    assert ink_threshold(np.array([0.0, 0.0, 1.0])) == 1 / 256


def test_a_thin_straight_one_stays_a_stroke():
    # A 1 drawn 100 pixels tall and 5 wide. Stretched to fill 16x16 it
    # would be a solid block; across it is stretched at most twice as
    # much as down: 5 * 16/100 * 2 = 1.6 columns, widened to the
    # narrowest allowed, 3, and centred.
    grey = np.ones((140, 140))
    grey[20:120, 70:75] = 0.0
    expected = np.zeros((16, 16))
    expected[:, 6:9] = 1.0
    np.testing.assert_array_equal(preprocess(grey, "semeion").image, expected)
    # A box 30 wide and 100 tall: 30 * 0.16 * 2 = 9.6, so 10 columns.
    grey = np.ones((140, 140))
    grey[20:120, 50:80] = 0.0
    expected = np.zeros((16, 16))
    expected[:, 3:13] = 1.0
    np.testing.assert_array_equal(preprocess(grey, "semeion").image, expected)
    # Half as wide as tall or more: the width is filled, as before.
    grey[20:120, 50:100] = 0.0
    assert preprocess(grey, "semeion").image.min() == 1.0


def test_faint_specks_do_not_make_a_digit():
    grey = np.full((30, 30), 200, dtype=np.uint8)
    grey[10, 10] = 190  # 4% darker: noise, not ink
    with pytest.raises(ImageError, match="is blank"):
        preprocess(grey)


def _png_header(width, height):
    def chunk(kind, body):
        crc = zlib.crc32(kind + body)
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def test_a_header_claiming_30000x30000_is_refused_before_decoding():
    # The file holds no pixel data at all, so decoding it would fail with
    # another message: this one can only come from the header.
    with pytest.raises(
        ImageError,
        match=r"^huge.png is too large: its header claims 900,000,000 pixels, "
        r"the limit is 40,000,000; scale the picture down",
    ):
        preprocess(_png_header(30000, 30000), name="huge.png")


def test_the_pixel_limit_is_a_parameter():
    with pytest.raises(
        ImageError, match=r"claims 6,000 pixels \(100x60\), the limit is 5,000"
    ):
        preprocess(_png_header(100, 60), max_pixels=5000, name="x")
    with pytest.raises(ImageError, match=r"claims 6,000 pixels \(100x60\)"):
        preprocess(np.zeros((60, 100)), max_pixels=5000)


def test_files_that_are_not_images_or_are_damaged(tmp_path):
    with pytest.raises(
        ImageError,
        match=r"^notes.txt: not an image barenet can read \(expected PNG, "
        r"JPEG, BMP, GIF or TIFF\)$",
    ):
        preprocess(b"hello", name="notes.txt")
    data = encoded(Image.fromarray(drawn()))
    cut = tmp_path / "cut.png"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageError, match=r"^cannot decode .*cut.png: the file"):
        preprocess(cut)
    with pytest.raises(ImageError, match=r"^no image file at .*nope.png$"):
        preprocess(tmp_path / "nope.png")
    with pytest.raises(ImageError, match=r"shape \(height, width\), found "):
        preprocess(np.zeros((4, 4, 3)))


def test_mnist_fits_20x20_keeping_aspect_and_centres_by_mass():
    grey = np.ones((50, 50))
    grey[5:15, 30:35] = 0.0  # a 10x5 bar, off-centre
    seen = preprocess(grey, "mnist")
    # Scaled to 20x10; its mass centre (10, 5) goes to (14, 14).
    expected = np.zeros((28, 28))
    expected[4:24, 9:19] = 1.0
    np.testing.assert_array_equal(seen.image, expected)
    assert seen.x.shape == (784,)


def test_mnist_centres_the_mass_not_the_box():
    ink = np.zeros((20, 20))
    ink[:, :4] = 1.0  # an L: heavy on the left and at the bottom
    ink[16:, :] = 1.0
    seen = fit(ink, "mnist")
    mass = seen.sum()
    cy = (seen.sum(axis=1) @ (np.arange(28) + 0.5)) / mass
    cx = (seen.sum(axis=0) @ (np.arange(28) + 0.5)) / mass
    assert abs(cy - 14) <= 0.5 and abs(cx - 14) <= 0.5
    box_left = np.flatnonzero(seen.any(axis=0))[0]
    assert box_left > 4  # pushed right of the centred box's column 4


def test_grey_levels_are_kept_for_mnist_and_binarised_for_semeion():
    ink = np.zeros((4, 4))
    ink[:, :2] = 1.0
    ink[:, 2:] = 0.4
    assert sorted(np.unique(fit(ink, "mnist")).tolist()) == [0.0, 0.4, 1.0]
    assert sorted(np.unique(fit(ink, "semeion")).tolist()) == [0.0, 1.0]
    # 0.4 * 255 = 102 is below the threshold of 127, 0.5 * 255 above it.
    assert fit(ink, "semeion")[:, 8:].max() == 0.0
    ink[:, 2:] = 0.5
    assert fit(ink, "semeion").min() == 1.0


def test_usps_and_digits_shapes():
    ink = np.zeros((30, 10))
    ink[:, 3:7] = 1.0
    usps = fit(ink, "usps")
    assert usps.shape == (16, 16)
    assert np.flatnonzero(usps.any(axis=0)).tolist() == [7, 8]  # 16 / 30 * 4
    # In 32x32 the bar is 4 wide at columns 14..17: half of block 3 and
    # half of block 4.
    digits = fit(ink, "digits")
    assert digits.tolist() == [[0, 0, 0, 0.5, 0.5, 0, 0, 0]] * 8
    assert GEOMETRIES["digits"].shape == (8, 8)


def test_find_ink_scales_the_strongest_stroke_to_one():
    grey = np.full((5, 5), 0.9)
    grey[2, 2], grey[2, 3] = 0.4, 0.65
    ink, polarity = find_ink(grey)
    assert polarity == "dark on light"
    assert ink[2, 2] == 1.0 and ink[2, 3] == pytest.approx(0.5)
    assert ink.sum() == pytest.approx(1.5)


def test_resize_averages_areas():
    np.testing.assert_allclose(
        resize(np.array([[1.0, 2.0, 3.0, 4.0]]), 1, 2), [[1.5, 3.5]]
    )
    np.testing.assert_allclose(
        resize(np.array([[0.0, 3.0]]), 1, 3), [[0.0, 1.5, 3.0]]
    )
    np.testing.assert_allclose(
        resize(np.eye(2), 4, 4), np.kron(np.eye(2), np.ones((2, 2)))
    )


def test_a_model_says_which_preprocessing_it_needs():
    net = Network([784, 10], seed=0)
    assert preprocessing_of(net) == "mnist"  # no record: by width
    net.info = {"data": {"name": "usps", "preprocessing": "usps"}}
    net2 = Network([256, 10], seed=0)
    net2.info = {"data": {"name": "usps", "preprocessing": "usps"}}
    assert preprocessing_of(net2) == "usps"
    table = Network([5, 3], seed=0)
    table.info = {"data": {"name": "iris.csv", "preprocessing": None}}
    with pytest.raises(
        ConfigError,
        match=r"this model takes 5 features from iris.csv that are not images",
    ):
        preprocessing_of(table)


def test_a_model_without_a_record_is_matched_by_its_input_width():
    """As BarenetClassifier.save writes them: labels, no preprocessing."""
    for width, kind in ((256, "semeion"), (784, "mnist"), (64, "digits")):
        net = Network([width, 10], seed=0)
        net.info = {"data": {"classes": list(range(10))}}
        assert preprocessing_of(net) == kind
    # A table that happens to have 64 columns records that it is no image.
    table = Network([64, 3], seed=0)
    table.info = {"data": {"name": "t.csv", "preprocessing": None}}
    with pytest.raises(ConfigError, match=r"64 features from t.csv that"):
        preprocessing_of(table)
    unnamed = Network([5, 3], seed=0)
    with pytest.raises(ConfigError, match=r"5 features from unknown data"):
        preprocessing_of(unnamed)


def test_predict_image_gives_the_networks_own_probabilities():
    net = Network([256, 12, 10], seed=3)
    net.info = {"data": {"preprocessing": "semeion"}}
    guess = predict_image(net, drawn())
    expected = net.predict_proba(DESIGN.reshape(1, -1))[0]
    np.testing.assert_array_equal(guess.probabilities, expected)
    assert guess.digit == int(np.argmax(expected))
    record = guess.to_dict()
    assert record["preprocessing"] == "semeion"
    assert record["image"] == DESIGN.tolist()
    with pytest.raises(
        ConfigError,
        match="the mnist preprocessing gives 784 features, but the model takes 256",
    ):
        predict_image(net, drawn(), kind="mnist")


def test_a_lab_picture_is_read_by_its_lightness(tmp_path):
    # Pillow converts CIELAB to no other mode; its lightness band is grey.
    lab = Image.merge(
        "LAB",
        [
            Image.fromarray(drawn()),
            Image.new("L", (120, 100), 128),
            Image.new("L", (120, 100), 128),
        ],
    )
    path = tmp_path / "lab.tif"
    lab.save(path)
    with Image.open(path) as saved:
        assert saved.mode == "LAB"
    np.testing.assert_array_equal(preprocess(path).image, DESIGN)


def test_nan_and_infinite_grey_levels_are_named(tmp_path):
    grey = drawn().astype(np.float32)
    grey[0, 0] = np.nan
    path = tmp_path / "nan.tif"
    Image.fromarray(grey).save(path)
    with pytest.raises(
        ImageError,
        match=r"^.*nan.tif holds 1 grey level that is NaN \(not a number\); "
        r"every pixel needs a finite grey level$",
    ):
        preprocess(path)
    grey[:2] = np.inf
    with pytest.raises(
        ImageError,
        match=r"^the picture holds 240 grey levels that are infinite; every",
    ):
        preprocess(grey, name="the picture")


def test_a_folder_or_a_pipe_is_no_image_file(tmp_path):
    (tmp_path / "pics").mkdir()
    with pytest.raises(ImageError, match=r"^.*pics is a folder, not an image"):
        preprocess(tmp_path / "pics")
    os.mkfifo(tmp_path / "pipe.png")
    with pytest.raises(
        ImageError,
        match=r"^.*pipe.png is not a regular file \(a device, pipe or "
        r"socket\); give an image file$",
    ):
        preprocess(tmp_path / "pipe.png")


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.int64, bool])
def test_an_array_of_0_and_1_is_black_and_white_whatever_its_dtype(dtype):
    grey = (drawn() // 255).astype(dtype)
    assert set(np.unique(grey).tolist()) <= {0, 1}
    np.testing.assert_array_equal(preprocess(grey).image, DESIGN)


@pytest.mark.parametrize("shape", [(1000, 1), (1, 1000), (1000, 2)])
def test_a_line_one_pixel_wide_is_dark_on_light(shape):
    # A strip whose middle 60% is ink: its edges are all ink and paper
    # alike, so the paper is told by its two ends.
    grey = np.ones(shape)
    if shape[0] > shape[1]:
        grey[200:800] = 0.0
    else:
        grey[:, 200:800] = 0.0
    seen = preprocess(grey, "mnist")
    assert seen.polarity == "dark on light"
    assert seen.image.max() == 1.0


def test_strokes_one_pixel_thin_survive_shrinking():
    # A 7 drawn with lines 1 pixel wide on 200x200: shrunk 6 to 10 times,
    # its strokes would average to greys of 0.1 to 0.16 and vanish.
    grey = np.ones((200, 200))
    grey[20:180, 150] = 0.0
    grey[20, 50:151] = 0.0
    seven = np.zeros((16, 16))
    seven[0, :] = seven[:, -1] = 1.0
    np.testing.assert_array_equal(preprocess(grey, "semeion").image, seven)
    mnist = preprocess(grey, "mnist").image
    bar, stem = mnist[8, 4:17], mnist[9:, 16]
    assert bar.min() > 0.5 and stem.min() > 0.5


def test_thicken_adds_only_what_a_stroke_lacks():
    line = np.zeros((9, 40))
    line[4, 5:35] = 1.0  # 1 pixel thick
    # Cells of 3 rows: the line (its width estimated as 2 * 30 / 62) grows
    # by what it lacks, rounded up, to 4 rows; with cells of 1 row, it stays.
    thick = thicken(line, 3.0, 1.0)
    np.testing.assert_array_equal(thick[2:6, 5:35], 1.0)
    assert thick.sum() == 120
    np.testing.assert_array_equal(thicken(line, 1.0, 1.0), line)
    np.testing.assert_array_equal(thicken(line, 0.5, 0.5), line)
