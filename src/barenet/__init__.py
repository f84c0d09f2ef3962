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

Each name is imported from its module when first used: ``import barenet``
itself loads nothing heavy.
"""

from __future__ import annotations

import importlib

# Not typing.TYPE_CHECKING: importing typing would cost more than all the
# rest of this module (type checkers read any name TYPE_CHECKING as True).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

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

    __version__: str

# Each public name, and the module it comes from. They are imported when
# first used, so that ``import barenet`` (and so the ``barenet`` command's
# start, and Ctrl-C during it) costs almost nothing.
_HOMES = {
    "Dataset": "data",
    "load_semeion": "data",
    "one_hot": "data",
    "BarenetError": "errors",
    "ConfigError": "errors",
    "DataError": "errors",
    "ImageError": "errors",
    "ModelFileError": "errors",
    "accuracy": "evaluation",
    "exact_match": "evaluation",
    "holdout_split": "evaluation",
    "preprocess": "images",
    "load_model": "io",
    "save_model": "io",
    "Network": "network",
    "ImagePrediction": "prediction",
    "predict_image": "prediction",
    "History": "training",
    "TrainConfig": "training",
    "train": "training",
}


def __getattr__(name: str) -> Any:
    """A public name, a submodule (``barenet.plots``) or ``__version__``,
    imported on first use."""
    if name == "__version__":
        value: Any = _version()
    elif name in _HOMES:
        value = getattr(
            importlib.import_module(f"barenet.{_HOMES[name]}"), name
        )
    elif _is_submodule(name):
        value = importlib.import_module(f"barenet.{name}")
    else:
        raise AttributeError(f"module 'barenet' has no attribute {name!r}")
    globals()[name] = value
    return value


def _is_submodule(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(f"barenet.{name}") is not None


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES, "__version__"})


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("barenet")
    except PackageNotFoundError:  # a source tree that is not installed
        return "0+unknown"


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
