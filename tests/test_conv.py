"""The convolutional layer: gradients, a convolution worked by hand, files."""

from __future__ import annotations

import numpy as np
import pytest

from barenet.errors import ConfigError
from barenet.io import load_model, save_model
from barenet.network import Network
from test_network import numerical_gradient, relative_error


@pytest.mark.parametrize("activation", ["relu", "tanh", "gelu"])
@pytest.mark.parametrize("output", ["sigmoid", "softmax"])
def test_gradient_check_of_a_convolutional_network(activation, output, rng):
    # 8x8 images -> conv 3 filters 3x3 -> 4x4x3 -> conv 2 filters 3x3 ->
    # 2x2x2 -> dense 5 -> 3 outputs.
    net = Network(
        [64, 5, 3],
        conv=[(3, 3), (2, 3)],
        activation=activation,
        output=output,
        init="he",
        seed=4,
    )
    for layer in net.layers:
        layer.b[...] = rng.normal(0, 0.3, layer.b.shape)
    X = rng.normal(0, 1, (4, 64))
    Y = np.eye(3)[rng.integers(0, 3, 4)]
    cost, grad = net.cost_and_gradient(X, Y, l2=0.3)
    assert cost == pytest.approx(net.cost(X, Y, l2=0.3), rel=1e-14)
    error = relative_error(grad, numerical_gradient(net, X, Y, 0.3))
    assert error < 1e-7, f"relative error {error:.2e}"


def test_convolution_and_pooling_worked_by_hand():
    # One 4x4 image, one 3x3 filter that sums the 4-neighbourhood and the
    # centre (a plus sign), bias -1, relu, then 2x2 max pooling.
    net = Network([16, 1], conv=[(1, 3)], activation="relu", seed=0)
    conv = net.layers[0]
    conv.W[...] = np.array([0, 1, 0, 1, 1, 1, 0, 1, 0.0]).reshape(9, 1)
    conv.b[...] = -1.0
    image = np.array([[1, 0, 0, 0], [0, 0, 0, 0], [0, 0, 2, 0], [0, 0, 0, 3.0]])
    Z, pooled = conv.forward(image.reshape(1, 16))
    # Plus-sums (zero padding) minus 1: e.g. pixel (2, 2) sees 2 + 0 + 0
    # + 0 + 0 = 2 -> 1; pixel (3, 3) sees 3 + 0 + 0 -> 2; pixel (2, 3)
    # sees 2 + 3 -> 4.
    expected_Z = np.array(
        [[0, 0, -1, -1], [0, -1, 1, -1], [-1, 1, 1, 4], [-1, -1, 4, 2.0]]
    )
    np.testing.assert_allclose(Z.reshape(4, 4), expected_Z)
    np.testing.assert_allclose(pooled.reshape(2, 2), [[0, 1], [1, 4]])


def test_a_convolutional_model_file_round_trips(tmp_path, rng):
    net = Network(
        [64, 4, 2], conv=[(2, 3)], activation="relu", output="softmax", seed=1
    )
    X = rng.normal(0, 1, (5, 64))
    save_model(net, tmp_path / "m.npz")
    same = load_model(tmp_path / "m.npz")
    assert same.conv == [(2, 3)] and same.image_shape == (8, 8)
    np.testing.assert_array_equal(same.predict_proba(X), net.predict_proba(X))


def test_odd_images_and_non_images_are_refused():
    with pytest.raises(ConfigError, match="an even height and width, got 3x3"):
        Network([36, 2], conv=[(2, 3), (2, 3)])
    with pytest.raises(ConfigError, match="10 inputs are not 3x3 images"):
        Network([10, 2], conv=[(2, 3)])


def test_a_kernel_larger_than_its_image_is_refused():
    with pytest.raises(
        ConfigError,
        match=r"^a convolutional layer's 17x17 kernel is larger than the "
        r"16x16 images it receives; use kernels of at most 15x15 there, or "
        r"fewer convolutional layers \(each one's 2x2 pooling halves the "
        r"images\)$",
    ):
        Network([256, 10], conv=[(4, 17)])
    # 16x16 -> 8x8 -> 4x4: the third layer's 5x5 kernel does not fit.
    with pytest.raises(
        ConfigError, match=r"5x5 kernel is larger than the 4x4 images .* 3x3"
    ):
        Network([256, 10], conv=[(4, 5), (4, 5), (4, 5)])
    # The largest odd kernel that fits is allowed.
    assert Network([256, 10], conv=[(1, 15)]).layers[0].k == 15
