"""barenet: deep learning from scratch in NumPy.

The public API, mirroring ``barenet train``::

    import barenet

    data = barenet.load_semeion()                        # X (1593, 256), y
    train_rows, test_rows = barenet.holdout_split(len(data.y), 100, seed=0)
    net = barenet.Network([256, 30, 20, 10], seed=0)      # the seed's network
    history = barenet.train(
        net, data.X[train_rows], data.y[train_rows],
        barenet.TrainConfig(epochs=500, lr=1.0, l2=0.1),
        X_test=data.X[test_rows], y_test=data.y[test_rows],
    )
    net.predict(data.X[test_rows])                        # digits
    barenet.save_model(net, "model.npz")
    same = barenet.load_model("model.npz")

Module map: ``functions`` (activations and costs), ``network`` (layers,
forward pass, back-propagation), ``optim`` (update rules), ``training``
(the loop and its history), ``evaluation`` (accuracy and splits), ``data``
(loaders and the download cache), ``io`` (model files), ``images`` (pictures
made ready for a network), ``prediction`` (reading pictures), ``plots``
and ``terminal`` (figures), ``cli`` (the ``barenet`` command).
"""

from importlib.metadata import PackageNotFoundError, version

from barenet.data import Dataset, load_semeion, one_hot
from barenet.errors import (
    BarenetError,
    ConfigError,
    DataError,
    ImageError,
    ModelFileError,
)
from barenet.evaluation import accuracy, exact_match, holdout_split
from barenet.images import preprocess
from barenet.io import load_model, save_model
from barenet.network import Network
from barenet.prediction import ImagePrediction, predict_image
from barenet.training import History, TrainConfig, train

try:
    __version__ = version("barenet")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = [
    "BarenetError",
    "ConfigError",
    "DataError",
    "Dataset",
    "History",
    "ImageError",
    "ImagePrediction",
    "ModelFileError",
    "Network",
    "TrainConfig",
    "__version__",
    "accuracy",
    "exact_match",
    "holdout_split",
    "load_model",
    "load_semeion",
    "one_hot",
    "predict_image",
    "preprocess",
    "save_model",
    "train",
]
