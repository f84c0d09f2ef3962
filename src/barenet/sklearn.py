"""barenet as a scikit-learn classifier: ``BarenetClassifier``.

This module needs scikit-learn (``pip install "barenet[sklearn]"``); the
rest of barenet never imports it. The estimator trains a
``barenet.Network`` with ``barenet.train``, so it learns exactly what the
Python API and ``barenet train`` learn, and it behaves as scikit-learn
expects: parameters are stored unchanged by the constructor and checked
by ``fit``, fitted state ends in ``_``, labels of any type are kept in
``classes_``, and it works in pipelines, grid searches and cross
validation::

    from sklearn.model_selection import cross_val_score
    from barenet.sklearn import BarenetClassifier

    clf = BarenetClassifier(hidden=(30, 20), epochs=500, random_state=0)
    cross_val_score(clf, X, y, cv=5)

Its parameters carry barenet's names. For readers who know
``sklearn.neural_network.MLPClassifier``: ``hidden`` is
``hidden_layer_sizes``, ``l2`` is ``alpha`` (the same lambda / (2m)
convention), ``lr`` is ``learning_rate_init``, ``epochs`` is ``max_iter``,
and ``batch_size=None`` means every row in one batch.

Probabilities. With ``output="softmax"`` the network's outputs are the
class probabilities. With ``output="sigmoid"`` (the seed's) each output is
its own unit's estimate for its class, and the ten need not add up to 1;
``predict_proba`` divides them by their sum so that each row is a
distribution, which leaves the most probable class unchanged. Both are
computed from the logits, so that ``predict_log_proba`` stays finite.

A fitted estimator saves to a barenet model file (``save`` and
``BarenetClassifier.load``) as well as through pickle.
"""

from __future__ import annotations

import dataclasses
import numbers
import os
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from barenet.errors import ConfigError, ModelFileError
from barenet.functions import Array, log_softmax, softmax, softplus
from barenet.io import load_model, save_model
from barenet.network import DTYPES, Network
from barenet.training import History, TrainConfig, TrainState, train


def _sigmoid_log_scores(Z: Array) -> Array:
    # log sigmoid(z) = -softplus(-z): finite for every finite z.
    return -softplus(-Z)


LOG_SCORES: dict[str, Callable[[Array], Array]] = {
    "softmax": lambda Z: Z,
    "sigmoid": _sigmoid_log_scores,
}
"""For each output, log-scores L from logits Z such that softmax(L) is the
estimator's predict_proba: for softmax the logits themselves, for sigmoid
log sigmoid(Z), whose softmax is sigmoid(Z) divided by its row sum."""

_FORMAT = "BarenetClassifier"

_CONFIG_FIELDS = tuple(
    f.name for f in dataclasses.fields(TrainConfig) if f.name != "seed"
)
"""TrainConfig's settings; each is a parameter of the same name (the seed
comes from random_state)."""

_REAL_PARAMS = (
    "lr",
    "l2",
    "momentum",
    "weight_decay",
    "dropout",
    "max_rotation",
    "max_scale",
    "validation",
)


class BarenetClassifier(ClassifierMixin, BaseEstimator):
    """A barenet network as a scikit-learn classifier.

    The defaults train the seed experiment's network: sigmoid units,
    weights uniform in [-1, 1], full-batch gradient descent with learning
    rate 1 and L2 strength 0.1, for 500 epochs.

    Parameters
    ----------
    hidden : tuple of int, default (30, 20)
        Widths of the hidden layers; ``()`` for none. The input width is
        the number of features, the output width the number of classes.
    activation : str or tuple of str, default "sigmoid"
        Activation of the hidden layers: one name for all, or one per
        hidden layer (sigmoid, tanh, relu, leaky_relu, gelu).
    output : {"sigmoid", "softmax"}, default "sigmoid"
        Output units and their cost: sigmoid units with per-output
        cross-entropy (the seed's), or a softmax with categorical
        cross-entropy.
    init : {"uniform", "glorot", "he"}, default "uniform"
        Initial weights; see ``barenet.network.INITIALISATIONS``.
    conv : tuple of (filters, kernel), default ()
        Convolutional layers before the hidden ones, each with ``filters``
        filters of ``kernel`` x ``kernel`` pixels and 2x2 max pooling (see
        ``barenet.conv``); rows must be images (see ``image_shape``). Their
        activations come first when ``activation`` gives one per layer.
    epochs : int, default 500
        Passes over the training rows in ``fit``. ``partial_fit`` always
        makes one.
    lr : float, default 1.0
        Learning rate (the base rate of the schedule).
    l2 : float, default 0.1
        L2 strength lambda: the cost adds lambda / (2m) times the sum of
        squared weights (biases are not penalised).
    batch_size : int or None, default None
        Rows per gradient step; None means all rows in one step.
    optimizer : {"sgd", "momentum", "nesterov", "adam", "adamw"}, \
default "sgd"
        Update rule; see ``barenet.optim``.
    momentum : float, default 0.9
        mu of the momentum and nesterov optimizers.
    weight_decay : float, default 0.0
        Decoupled weight decay of adamw.
    schedule : {"constant", "step", "cosine", "plateau"}, default "constant"
        Learning-rate schedule over ``epochs``; see ``barenet.optim``.
    step_size : int, default 30
        Epochs between the step schedule's decays.
    dropout : float, default 0.0
        Probability of dropping each hidden unit in training steps.
    augment : bool, default False
        Train each epoch on freshly shifted, rotated (and scaled) copies of
        the images; rows must be images (see ``image_shape``).
    max_shift, max_rotation, max_scale : default 2, 10.0, 0.0
        Largest shift (pixels), rotation (degrees) and relative change of
        size of augmentation.
    image_shape : (int, int) or None, default None
        How each row folds into an image, for ``conv`` and ``augment``;
        None means square images.
    validation : float, default 0.0
        Fraction of the training rows held out, class by class, and
        measured after every epoch (``validation_scores_``); 0 for none.
    patience : int or None, default None
        Early stopping: stop after this many epochs without a lower
        validation cost, and keep the weights of the best epoch. Needs
        ``validation``; not available in ``partial_fit``.
    plateau_patience : int or None, default None
        For ``schedule="plateau"``: epochs in a row without a lower
        validation cost (training cost without ``validation``) that pass
        before the rate is halved. None means half of ``patience`` with
        early stopping, so that the rate drops before training stops, and
        10 without.
    dtype : {"float64", "float32"}, default "float64"
        Floating type of the network and its arithmetic.
    random_state : int, RandomState instance or None, default None
        Seeds the initial weights and the mini-batch shuffles. An int gives
        the same network as ``barenet.Network(..., seed=random_state)``.
    warm_start : bool, default False
        If True, ``fit`` goes on from the weights of the previous fit
        instead of drawing new ones.
    verbose : bool, default False
        If True, print the cost after every epoch.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels, sorted; output unit k stands for ``classes_[k]``.
    network_ : barenet.Network
        The trained network.
    coefs_ : list of ndarray
        Each layer's weights, shape (n_in, n_out): views into
        ``network_.params``.
    intercepts_ : list of ndarray
        Each layer's biases, shape (n_out,): views into ``network_.params``.
    loss_curve_ : list of float
        The training cost at each epoch since the weights were drawn.
    best_loss_ : float
        The smallest value in ``loss_curve_``.
    validation_scores_ : list of float or None
        With ``validation``, the accuracy on the held-out rows after each
        epoch; otherwise None.
    n_iter_ : int
        Epochs run since the weights were drawn.
    n_features_in_ : int
        Number of features seen in ``fit``.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = BarenetClassifier(hidden=(8,), random_state=0).fit(X, y)
    >>> clf.predict(X[:3])
    array([0, 0, 0])
    """

    def __init__(
        self,
        hidden: tuple[int, ...] = (30, 20),
        *,
        activation: str | tuple[str, ...] = "sigmoid",
        output: str = "sigmoid",
        init: str = "uniform",
        conv: tuple[tuple[int, int], ...] = (),
        epochs: int = 500,
        lr: float = 1.0,
        l2: float = 0.1,
        batch_size: int | None = None,
        optimizer: str = "sgd",
        momentum: float = 0.9,
        weight_decay: float = 0.0,
        schedule: str = "constant",
        step_size: int = 30,
        dropout: float = 0.0,
        augment: bool = False,
        max_shift: int = 2,
        max_rotation: float = 10.0,
        max_scale: float = 0.0,
        image_shape: tuple[int, int] | None = None,
        validation: float = 0.0,
        patience: int | None = None,
        plateau_patience: int | None = None,
        dtype: str = "float64",
        random_state: int | np.random.RandomState | None = None,
        warm_start: bool = False,
        verbose: bool = False,
    ):
        self.hidden = hidden
        self.activation = activation
        self.output = output
        self.init = init
        self.conv = conv
        self.epochs = epochs
        self.lr = lr
        self.l2 = l2
        self.batch_size = batch_size
        self.optimizer = optimizer
        self.momentum = momentum
        self.weight_decay = weight_decay
        self.schedule = schedule
        self.step_size = step_size
        self.dropout = dropout
        self.augment = augment
        self.max_shift = max_shift
        self.max_rotation = max_rotation
        self.max_scale = max_scale
        self.image_shape = image_shape
        self.validation = validation
        self.patience = patience
        self.plateau_patience = plateau_patience
        self.dtype = dtype
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose

    # -- training ---------------------------------------------------------

    def fit(
        self, X: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> BarenetClassifier:
        """Train on X and labels y for ``epochs`` passes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Labels of any type; at least two distinct ones.
        sample_weight : array-like of shape (n_samples,), optional
            How many times each row counts: a weight of 2 is the row
            twice, 0 leaves it out. None counts every row once.

        Returns
        -------
        self
        """
        again = self.warm_start and hasattr(self, "network_")
        X_, y_ = self._check_data(X, y, reset=not again)
        classes = _classes_of(y_)
        self._check_validation_size(len(y_), len(classes))
        if again:
            self._check_warm_start(classes)
        else:
            self._start(X_.shape[1], classes)
        # Each fit starts a new optimizer from the current weights.
        config = self._train_config(self._seed + self.n_iter_)
        self._train(X_, y_, config, sample_weight)
        return self

    def partial_fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
        classes: ArrayLike | None = None,
        sample_weight: ArrayLike | None = None,
    ) -> BarenetClassifier:
        """Train for one pass over X and y, going on from the current weights.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        classes : array-like of shape (n_classes,), optional
            Every label that any call will see. Required on the first call
            (the network needs one output per class from the start);
            afterwards it may be omitted, or must equal ``classes_``.
        sample_weight : array-like of shape (n_samples,), optional
            As in ``fit``.

        Returns
        -------
        self
        """
        first = not hasattr(self, "network_")
        X_, y_ = self._check_data(X, y, reset=first)
        if self.patience is not None:
            raise ConfigError(
                f"partial_fit cannot stop early (patience={self.patience!r}): "
                "early stopping needs the epochs of a fit; set patience=None, "
                "or call fit"
            )
        if first:
            if classes is None:
                raise ConfigError(
                    "classes is required on the first call to partial_fit: "
                    "pass every label the data can hold, e.g. "
                    "partial_fit(X, y, classes=np.unique(all_labels))"
                )
            declared = _classes_of(np.asarray(classes))
            _encode(y_, declared)  # every label must be declared
            self._start(X_.shape[1], declared)
        elif classes is not None and not np.array_equal(
            np.unique(np.asarray(classes)), self.classes_
        ):
            raise ConfigError(
                f"classes={_shown(np.unique(np.asarray(classes)))} differs "
                f"from classes_={_shown(self.classes_)} of the first call; "
                "omit classes after the first call, or fit anew"
            )
        # One epoch of the run that the earlier calls made: the optimizer,
        # the schedule and the shuffles go on where they stopped.
        config = self._train_config(self._seed)
        config.epochs = max(self.epochs, self._run_epochs + 1)
        self._train(X_, y_, config, sample_weight, self._state, one_epoch=True)
        return self

    def _check_data(
        self, X: ArrayLike, y: ArrayLike, reset: bool
    ) -> tuple[Array, NDArray[Any]]:
        """Check the settings and (X, y) once, at the door."""
        self._check_params()
        if not reset:
            self._check_n_features(X)
        dtype = self.network_.dtype if not reset else np.dtype(self.dtype)
        X_, y_ = validate_data(self, X, y, dtype=dtype, reset=reset)
        check_classification_targets(y_)
        return X_, y_

    def _check_n_features(self, X: Any) -> None:
        """The error scikit-learn gives for a wrong width, with its fix."""
        shape = getattr(X, "shape", None)
        if shape is None or len(shape) != 2:
            return  # validate_data checks other inputs
        if shape[1] != self.n_features_in_:
            raise ConfigError(
                f"X has {shape[1]} features, but BarenetClassifier is "
                f"expecting {self.n_features_in_} features as input; pass "
                f"the {self.n_features_in_} columns it was fitted on, in "
                "the same order (or fit it anew on the new columns)"
            )

    def _check_validation_size(self, n_samples: int, n_classes: int) -> None:
        """A validation split must hold at least one row of each class."""
        if not (self.validation and self.validation * n_samples < n_classes):
            return
        raise ConfigError(
            f"validation={self.validation!r} of {n_samples} samples holds out "
            f"{self.validation * n_samples:.3g}, too few to hold one sample of "
            f"each of the {n_classes} classes; raise validation to at least "
            f"{n_classes / n_samples:.3g}, give more samples, or set "
            "validation=0 (and patience=None)"
        )

    def _check_params(self) -> None:
        """Raise ConfigError naming the first parameter out of range."""
        _check_hidden(self.hidden)
        for name in _REAL_PARAMS:
            value = getattr(self, name)
            if not isinstance(value, numbers.Real) or isinstance(value, bool):
                raise ConfigError(f"{name} must be a number, got {value!r}")
        if self.dtype not in DTYPES:
            raise ConfigError(
                f"dtype must be one of {', '.join(DTYPES)}, got {self.dtype!r}"
            )
        for name in ("warm_start", "verbose", "augment"):
            if not isinstance(getattr(self, name), bool | np.bool_):
                raise ConfigError(
                    f"{name} must be True or False, got {getattr(self, name)!r}"
                )
        self._train_config(0).check()
        # Network() checks activation, output, init, conv and image_shape
        # when fit draws the network.

    def _train_config(self, seed: int) -> TrainConfig:
        """Every training option, from the parameter of the same name."""
        options = {name: getattr(self, name) for name in _CONFIG_FIELDS}
        return TrainConfig(**options, seed=seed)

    def _new_network(self, n_in: int, n_out: int, seed: int) -> Network:
        return Network(
            [n_in, *self.hidden, n_out],
            activation=self.activation,
            output=self.output,
            init=self.init,
            seed=seed,
            dtype=self.dtype,
            conv=self.conv,
            image_shape=self.image_shape,
        )

    def _start(self, n_features: int, classes: NDArray[Any]) -> None:
        """Draw a new network for these classes; forget earlier training."""
        self._seed = _seed_from(self.random_state)
        self.classes_ = classes
        self.network_ = self._new_network(
            n_features, len(classes), seed=self._seed
        )
        self.loss_curve_: list[float] = []
        self.validation_scores_: list[float] | None = None
        self.n_iter_ = 0
        self._state: Any = None
        self._run_epochs = 0

    def _check_warm_start(self, classes: NDArray[Any]) -> None:
        if not np.array_equal(classes, self.classes_):
            raise ConfigError(
                f"warm_start goes on from the last fit, whose classes were "
                f"{_shown(self.classes_)}, but y has {_shown(classes)}; give "
                "y the same classes, or set warm_start=False to start anew"
            )
        shape = [self.n_features_in_, *self.hidden, len(classes)]
        conv = [(int(f), int(k)) for f, k in self.conv]
        if list(self.network_.sizes) != shape or self.network_.conv != conv:
            raise ConfigError(
                f"warm_start goes on from the last fit's network "
                f"{list(self.network_.sizes)} (conv {self.network_.conv}), but "
                f"hidden={self.hidden!r} and conv={self.conv!r} ask for "
                f"{shape} (conv {conv}); set warm_start=False to start anew"
            )

    def _train(
        self,
        X: Array,
        y: NDArray[Any],
        config: TrainConfig,
        sample_weight: ArrayLike | None,
        resume: TrainState | None = None,
        one_epoch: bool = False,
    ) -> None:
        """Run barenet's training and record its history."""
        callbacks: list[Callable[[History], bool | None]] = []
        if self.verbose:
            callbacks.append(self._report)
        if one_epoch:
            callbacks.append(lambda history: True)  # stop after this epoch
        history = train(
            self.network_,
            X,
            _encode(y, self.classes_),
            config,
            callbacks=callbacks,
            sample_weight=sample_weight,
            image_shape=self.image_shape,
            resume=resume,
        )
        self._record(history, resumed=resume is not None)

    def _record(self, history: History, resumed: bool) -> None:
        """Fitted attributes from a run's history.

        ``history.state`` is kept as it is, for the next partial_fit to
        resume; ``_run_epochs`` counts the epochs of that run.
        """
        self._state = history.state
        self._run_epochs = len(history) + (self._run_epochs if resumed else 0)
        self.loss_curve_ = [*self.loss_curve_, *history["cost"]]
        self.n_iter_ += len(history)
        self.best_loss_ = min(self.loss_curve_, default=float("inf"))
        if "validation_accuracy" in history:
            scores = history["validation_accuracy"]
            self.validation_scores_ = [
                *(self.validation_scores_ or []),
                *scores,
            ]
        if history.diverged:
            warnings.warn(str(history.stop_reason), ConvergenceWarning, 2)

    def _report(self, history: History) -> None:
        epoch = self.n_iter_ + len(history)
        print(f"Epoch {epoch}, cost = {history['cost'][-1]:.8f}")

    # -- prediction -------------------------------------------------------

    def predict(self, X: ArrayLike) -> NDArray[Any]:
        """The most probable class of each sample, shape (n_samples,)."""
        L = self._log_scores(X)
        return self.classes_[np.argmax(L, axis=1)]

    def predict_proba(self, X: ArrayLike) -> Array:
        """Class probabilities, shape (n_samples, n_classes); rows sum to 1.

        Column k is the probability of ``classes_[k]``. For sigmoid outputs
        these are the outputs divided by their row sum.
        """
        return softmax(self._log_scores(X))

    def predict_log_proba(self, X: ArrayLike) -> Array:
        """The logarithm of ``predict_proba``, computed from the logits."""
        return log_softmax(self._log_scores(X))

    def _log_scores(self, X: ArrayLike) -> Array:
        check_is_fitted(self)
        self._check_n_features(X)
        X_ = validate_data(self, X, dtype=self.network_.dtype, reset=False)
        Z = self.network_.logits(X_)
        return LOG_SCORES[self.network_.output.name](Z)

    @property
    def coefs_(self) -> list[Array]:
        check_is_fitted(self)
        return self.network_.weights

    @property
    def intercepts_(self) -> list[Array]:
        check_is_fitted(self)
        return self.network_.biases

    # -- model files ------------------------------------------------------

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the fitted estimator to a barenet model file.

        The file is an ordinary barenet model (``barenet.load_model`` reads
        its network); its metadata also holds the labels, this estimator's
        parameters and its training curves, which ``BarenetClassifier.load``
        restores. The optimizer's state is not kept: ``partial_fit`` on a
        loaded estimator starts a new optimizer from the saved weights
        (which changes nothing for plain "sgd"). Labels must be numbers,
        strings or booleans; for others use pickle.
        """
        check_is_fitted(self)
        net = self.network_.copy()
        net.info[_FORMAT] = {
            "classes": _labels_to_json(self.classes_, path),
            "classes_dtype": self.classes_.dtype.str,
            "params": self._json_params(),
            "loss_curve": list(self.loss_curve_),
            "validation_scores": self.validation_scores_,
            "n_iter": self.n_iter_,
            "seed": self._seed,
        }
        return save_model(net, path)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> BarenetClassifier:
        """Read an estimator written by ``save``; checks the file first."""
        net = load_model(path)
        saved = net.info.pop(_FORMAT, None)
        if not isinstance(saved, dict):
            raise ModelFileError(
                f"{path} is a barenet model but was not saved by "
                "BarenetClassifier.save; read it with barenet.load_model"
            )
        try:
            return cls._restore(net, saved)
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelFileError(
                f"not a valid barenet model: {path} (the {_FORMAT} "
                f"metadata is damaged: {type(exc).__name__}: {exc})"
            ) from None

    @classmethod
    def _restore(cls, net: Network, saved: dict[str, Any]) -> BarenetClassifier:
        params = dict(saved["params"])
        for name in ("hidden", "activation", "image_shape"):
            if isinstance(params[name], list):
                params[name] = tuple(params[name])
        params["conv"] = tuple(tuple(c) for c in params["conv"])
        est = cls(**params)
        est.classes_ = np.asarray(
            saved["classes"], dtype=np.dtype(saved["classes_dtype"])
        )
        if est.classes_.shape != (net.n_outputs,):
            raise ValueError(
                f"{len(est.classes_)} classes for {net.n_outputs} outputs"
            )
        est.network_ = net
        est.n_features_in_ = net.n_inputs
        est.loss_curve_ = [float(c) for c in saved["loss_curve"]]
        est.n_iter_ = int(saved["n_iter"])
        est.best_loss_ = min(est.loss_curve_, default=float("inf"))
        scores = saved.get("validation_scores")
        est.validation_scores_ = None if scores is None else list(scores)
        est._seed = int(saved["seed"])
        est._state = None  # the optimizer's state is not saved
        est._run_epochs = 0
        return est

    def _json_params(self) -> dict[str, Any]:
        params = self.get_params()
        if not isinstance(params["random_state"], int | None):
            # A RandomState object has served its purpose: the seed it gave
            # is saved beside the parameters.
            params["random_state"] = None
        for name in ("hidden", "activation", "image_shape"):
            if isinstance(params[name], tuple | list):
                params[name] = list(params[name])
        params["conv"] = [list(c) for c in params["conv"]]
        return params


# -- helpers --------------------------------------------------------------


def _check_hidden(hidden: Any) -> None:
    ok = isinstance(hidden, Sequence) and not isinstance(hidden, str)
    ok = ok and all(
        isinstance(n, int | np.integer) and not isinstance(n, bool) and n >= 1
        for n in hidden
    )
    if not ok:
        raise ConfigError(
            f"hidden must be a tuple of hidden-layer widths, each a whole "
            f"number >= 1 (or () for no hidden layer), got {hidden!r}"
        )


def _seed_from(random_state: Any) -> int:
    """An int seed: random_state itself if an int, else drawn from it."""
    if isinstance(random_state, numbers.Integral) and not isinstance(
        random_state, bool
    ):
        return int(random_state)
    try:
        rng = check_random_state(random_state)
    except ValueError:
        raise ConfigError(
            f"random_state must be an int, a numpy RandomState or None, "
            f"got {random_state!r}"
        ) from None
    return int(rng.randint(np.iinfo(np.int32).max))


def _classes_of(y: NDArray[Any]) -> NDArray[Any]:
    """The sorted distinct labels; at least two."""
    classes = np.unique(y)
    if len(classes) < 2:
        raise ConfigError(
            f"y holds one class only, {_shown(classes)}; a classifier needs "
            "samples of at least two classes to tell apart"
        )
    return classes


def _encode(y: NDArray[Any], classes: NDArray[Any]) -> NDArray[np.intp]:
    """Each label's index in ``classes``; every label must be there."""
    index = np.searchsorted(classes, y)
    index[index == len(classes)] = 0
    unknown = classes[index] != y
    if np.any(unknown):
        raise ConfigError(
            f"y has labels {_shown(np.unique(y[unknown]))} that are not in "
            f"classes_={_shown(classes)}; declare every label in the first "
            "call, partial_fit(X, y, classes=...), or fit anew"
        )
    return index


def _shown(labels: NDArray[Any]) -> str:
    """Labels as a short list for an error message."""
    items = labels.tolist()
    text = repr(items[:10])
    return text if len(items) <= 10 else text[:-1] + f", ... ({len(items)})]"


def _labels_to_json(
    classes: NDArray[Any], path: str | os.PathLike[str]
) -> list[Any]:
    labels = classes.tolist()
    if not all(isinstance(c, str | int | float | bool) for c in labels):
        raise ModelFileError(
            f"cannot save {path}: a model file holds labels that are "
            f"numbers, strings or booleans, and classes_ is "
            f"{_shown(classes)}; save this estimator with pickle instead"
        )
    return labels
