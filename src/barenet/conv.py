"""A convolutional layer with max pooling, written out with im2col.

Notation (shapes for a batch of m images)::

    A      input rows, each an image (h, w, c_in) flattened   (m, h*w*c_in)
    k      side of the square filters; padding k // 2 keeps h and w
    W      filters, one column per output channel             (k*k*c_in, c_out)
    b      one bias per output channel                        (c_out,)
    cols   im2col(A): one row per pixel, holding the k x k
           patch around it over every input channel            (m*h*w, k*k*c_in)
    Z      cols @ W + b, the pre-activations                   (m, h*w*c_out)
    G      g(Z), the activations                               (m, h*w*c_out)
    out    the largest of each 2x2 block of G, per channel     (m, h/2*w/2*c_out)

The layer is ``conv -> activation -> 2x2 max pooling``, so that its
output is a quarter of the size of G. Images are rows, pixels row-major
with the channel last, as ``barenet.data`` gives them for one channel.

*im2col* turns the convolution into one matrix product: copying every
pixel's patch into a row of ``cols`` costs memory, but then ``cols @ W``
is a single BLAS call, and the backward pass is two more:

    dW = cols.T @ delta                     (delta = d(cost)/dZ per pixel)
    d(cost)/d(cols) = delta @ W.T, folded back onto the pixels (col2im)

Max pooling passes each block's error to the one element that was the
largest (the first one, on ties), and nothing to the other three.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from barenet.errors import ConfigError
from barenet.functions import Activation, Array


class Conv2D:
    """Convolution (same padding, stride 1), activation, 2x2 max pooling.

    Parameters
    ----------
    image_shape : (h, w, c_in)
        Shape of each input image; h and w must be even.
    filters : int
        Output channels c_out.
    kernel : int
        Side k of the square filters, odd.
    activation : Activation
    """

    def __init__(
        self,
        image_shape: tuple[int, int, int],
        filters: int,
        kernel: int,
        activation: Activation,
    ):
        h, w, c = image_shape
        if h % 2 or w % 2:
            raise ConfigError(
                f"a convolutional layer pools 2x2 blocks, so its input must "
                f"have an even height and width, got {h}x{w}; use fewer "
                "convolutional layers"
            )
        if not (kernel >= 1 and kernel % 2 == 1 and filters >= 1):
            raise ConfigError(
                f"a convolutional layer needs an odd kernel size and at least "
                f"one filter, got kernel {kernel} and {filters} filters"
            )
        if kernel > min(h, w):
            # Padding would let it run, but most of every window would be
            # padding: the filter could never see a whole pattern.
            fits = min(h, w) - 1 + min(h, w) % 2  # the largest odd side
            raise ConfigError(
                f"a convolutional layer's {kernel}x{kernel} kernel is larger "
                f"than the {h}x{w} images it receives; use kernels of at most "
                f"{fits}x{fits} there, or fewer convolutional layers (each "
                "one's 2x2 pooling halves the images)"
            )
        self.h, self.w, self.c_in = h, w, c
        self.c_out, self.k = filters, kernel
        self.activation: Activation | None = activation
        self.n_in = h * w * c
        self.n_out = (h // 2) * (w // 2) * filters
        self.n_params = kernel * kernel * c * filters + filters

    @property
    def out_shape(self) -> tuple[int, int, int]:
        """Shape of each output image: (h/2, w/2, c_out)."""
        return self.h // 2, self.w // 2, self.c_out

    def bind(self, params: Array, grad: Array) -> None:
        """Make W, b (and dW, db) views into slices of the flat vectors."""
        rows = self.k * self.k * self.c_in
        n = rows * self.c_out
        self.W = params[:n].reshape(rows, self.c_out)
        self.b = params[n:]
        self.dW = grad[:n].reshape(rows, self.c_out)
        self.db = grad[n:]

    def initialise(self, rng: np.random.Generator, scheme: str) -> None:
        """Draw starting filters; fan in and out count the k x k patch."""
        shape = self.W.shape
        fan_in, fan_out = shape[0], self.k * self.k * self.c_out
        if scheme == "uniform":
            self.W[...] = rng.uniform(-1.0, 1.0, shape)
            self.b[...] = rng.uniform(-1.0, 1.0, self.c_out)
            return
        if scheme == "glorot":
            limit = np.sqrt(6.0 / (fan_in + fan_out))
            self.W[...] = rng.uniform(-limit, limit, shape)
        else:  # "he"
            self.W[...] = rng.normal(0.0, np.sqrt(2.0 / fan_in), shape)
        self.b[...] = 0.0

    # -- forward ----------------------------------------------------------

    def forward(
        self, A: Array, Z: Array | None = None, out: Array | None = None
    ) -> tuple[Array, Array]:
        """Return (Z, pooled g(Z)), both as rows; buffers are not used."""
        m = A.shape[0]
        cols = self._im2col(A)
        Z_ = np.matmul(cols, self.W)
        Z_ += self.b
        Z_ = Z_.reshape(m, self.h * self.w * self.c_out)
        assert self.activation is not None
        G = self.activation.function(Z_)
        pooled, _ = self._pool(G)
        return Z_, pooled

    def _im2col(self, A: Array) -> Array:
        """(m*h*w, k*k*c_in): each pixel's zero-padded k x k patch."""
        m, p = A.shape[0], self.k // 2
        images = A.reshape(m, self.h, self.w, self.c_in)
        padded = np.pad(images, ((0, 0), (p, p), (p, p), (0, 0)))
        # windows[n, y, x, c, i, j] = padded[n, y + i, x + j, c]
        windows = sliding_window_view(padded, (self.k, self.k), axis=(1, 2))
        patches = windows.transpose(0, 1, 2, 4, 5, 3)
        return patches.reshape(m * self.h * self.w, -1)

    def _pool(self, G: Array) -> tuple[Array, np.ndarray]:
        """The max of each 2x2 block, and which of the four it was."""
        m, h2, w2, c = G.shape[0], self.h // 2, self.w // 2, self.c_out
        blocks = (
            G.reshape(m, h2, 2, w2, 2, c)
            .transpose(0, 1, 3, 5, 2, 4)
            .reshape(m, h2, w2, c, 4)
        )
        where = np.argmax(blocks, axis=-1)
        pooled = np.take_along_axis(blocks, where[..., None], axis=-1)
        return pooled.reshape(m, h2 * w2 * c), where

    # -- backward ---------------------------------------------------------

    def delta(self, error: Array, Z: Array, out: Array) -> Array:
        """d(cost)/dZ from d(cost)/d(out), the error at the pooled output.

        ``out`` is unused: the pooling's choices are recomputed from Z.
        """
        assert self.activation is not None
        m, h2, w2, c = Z.shape[0], self.h // 2, self.w // 2, self.c_out
        G = self.activation.function(Z)
        _, where = self._pool(G)

        # Unpool: each block's error goes to its largest element.
        blocks = np.zeros((m, h2, w2, c, 4), dtype=Z.dtype)
        np.put_along_axis(
            blocks, where[..., None], error.reshape(m, h2, w2, c, 1), axis=-1
        )
        spread = (
            blocks.reshape(m, h2, w2, c, 2, 2)
            .transpose(0, 1, 4, 2, 5, 3)
            .reshape(Z.shape)
        )

        # Through the activation.
        return spread * self.activation.derivative(Z, G)

    def gradients(self, A: Array, delta: Array) -> None:
        """Store dW = cols.T @ delta and db = the sums of delta per channel."""
        per_pixel = delta.reshape(-1, self.c_out)
        np.matmul(self._im2col(A).T, per_pixel, out=self.dW)
        np.sum(per_pixel, axis=0, out=self.db)

    def input_error(self, delta: Array, out: Array | None = None) -> Array:
        """d(cost)/dA: delta @ W.T per pixel, folded back by col2im."""
        m, h, w, p, k = delta.shape[0], self.h, self.w, self.k // 2, self.k
        patches = (delta.reshape(-1, self.c_out) @ self.W.T).reshape(
            m, h, w, k, k, self.c_in
        )
        # Every patch element (i, j) of pixel (y, x) came from padded pixel
        # (y + i, x + j): add each back where it came from.
        padded = np.zeros((m, h + 2 * p, w + 2 * p, self.c_in), delta.dtype)
        for i in range(k):
            for j in range(k):
                padded[:, i : i + h, j : j + w, :] += patches[:, :, :, i, j, :]
        return padded[:, p : p + h, p : p + w, :].reshape(m, self.n_in)
