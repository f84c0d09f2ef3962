"""Reading pictures with a trained network: what the command line shows.

``predict_image`` runs a picture through the preprocessing its model's
training data needs (``barenet.images``) and returns the digit, every
class's probability, and the picture the network saw::

    net = barenet.load_model("runs/x/model.npz")
    guess = barenet.predict_image(net, "my-seven.png")
    guess.digit, guess.probabilities, guess.seen.image

For a model with sigmoid outputs (the seed's) each probability is that
output unit's own estimate that the digit is its class, so the ten need
not add up to 1; a softmax model's do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from barenet.errors import ConfigError
from barenet.images import (
    MAX_PIXELS,
    Preprocessed,
    preprocess,
    preprocessing_of,
)
from barenet.network import Network


@dataclass(frozen=True)
class ImagePrediction:
    """A network's reading of one picture.

    Attributes
    ----------
    digit : int
        The most probable class.
    probabilities : ndarray of shape (n_classes,)
        The network's output for each class.
    seen : Preprocessed
        The input vector and the picture the network saw.
    """

    digit: int
    probabilities: NDArray[np.float64]
    seen: Preprocessed

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: digit, probabilities, preprocessing, polarity, image."""
        return {
            "digit": self.digit,
            "probabilities": [float(p) for p in self.probabilities],
            "preprocessing": self.seen.kind,
            "polarity": self.seen.polarity,
            "original_size": list(self.seen.original_size),
            "image": self.seen.image.tolist(),
        }


def predict_image(
    net: Network,
    image: Any,
    *,
    kind: str | None = None,
    max_pixels: int = MAX_PIXELS,
    name: str | None = None,
) -> ImagePrediction:
    """Read the digit in ``image`` with ``net``.

    Parameters
    ----------
    net : Network
        A trained model, usually from ``barenet.load_model``.
    image : bytes, path, binary file, PIL image or 2-D array
        See ``barenet.images.preprocess``.
    kind : str, optional
        The preprocessing; by default the one the model file records.
    max_pixels, name
        As for ``barenet.images.preprocess``.

    Raises
    ------
    ImageError
        The picture cannot be read or is blank.
    ConfigError
        The model does not read pictures, or not of this kind's size.
    """
    kind = kind or preprocessing_of(net)
    seen = preprocess(image, kind, max_pixels=max_pixels, name=name)
    if seen.x.size != net.n_inputs:
        raise ConfigError(
            f"the {kind} preprocessing gives {seen.x.size} features, but the "
            f"model takes {net.n_inputs}; use the preprocessing of the data "
            "the model was trained on"
        )
    probabilities = net.predict_proba(seen.x)[0]
    return ImagePrediction(int(np.argmax(probabilities)), probabilities, seen)
