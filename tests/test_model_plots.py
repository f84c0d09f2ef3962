"""Pictures of a model: first-layer weights and filters, confusion, gallery."""

from __future__ import annotations

import numpy as np
import pytest

from barenet.errors import ConfigError
from barenet.network import Network
from barenet.plots import (
    first_layer_images,
    plot_confusion,
    plot_gallery,
    plot_weights,
)

PNG = b"\x89PNG\r\n\x1a\n"


def test_dense_weights_are_each_units_weights_laid_out_as_the_image():
    net = Network([12, 5, 2], seed=1)
    pictures = first_layer_images(net, (3, 4))
    assert pictures.shape == (5, 3, 4)
    for unit in range(5):
        # Unit j's input from pixel (r, c) is W[4 r + c, j] (rows row-major).
        for r in range(3):
            for c in range(4):
                assert pictures[unit, r, c] == net.weights[0][4 * r + c, unit]


def test_dense_weights_need_an_image_that_fits():
    net = Network([12, 5, 2], seed=1)
    with pytest.raises(ConfigError, match=r"12 inputs, which do not fold"):
        first_layer_images(net, (4, 4))
    with pytest.raises(ConfigError, match="not pictures"):
        first_layer_images(net, None)


def test_conv_filters_are_what_the_convolution_applies():
    # Convolving a single dot of ink gives each filter back, mirrored,
    # around the dot: the response at (y, x) is filter[y0 - y + p, x0 - x + p].
    net = Network(
        [64, 3], conv=[(4, 3)], activation="relu", output="softmax", seed=2
    )
    filters = first_layer_images(net)
    assert filters.shape == (4, 3, 3)
    layer = net.layers[0]
    y0, x0, p = 3, 4, 1
    dot = np.zeros((1, 64))
    dot[0, 8 * y0 + x0] = 1.0
    Z, _ = layer.forward(dot)
    Z = Z.reshape(8, 8, 4) - layer.b
    for f in range(4):
        for i in range(3):
            for j in range(3):
                response = Z[y0 - i + p, x0 - j + p, f]
                assert filters[f, i, j] == pytest.approx(response, abs=1e-15)


def test_pictures_are_written(tmp_path):
    C = np.array([[5, 1], [0, 4]])
    plot_confusion(C, ["cat", "dog"], tmp_path / "c.png")
    images = np.random.default_rng(0).random((13, 16, 16))
    plot_gallery(images, ["1"] * 13, ["7"] * 13, tmp_path / "g.png", "wrong")
    plot_weights(images, tmp_path / "w.png", limit=4)
    for name in ("c.png", "g.png", "w.png"):
        assert (tmp_path / name).read_bytes()[:8] == PNG
    with pytest.raises(ConfigError, match="at least one image"):
        plot_gallery(images[:0], [], [], tmp_path / "none.png")
    assert not (tmp_path / "none.png").exists()
