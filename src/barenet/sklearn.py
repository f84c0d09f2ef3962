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

Fitting is all or nothing: everything is checked before training starts,
and training runs on a copy of the network, so a fit or ``partial_fit``
that fails (a bad parameter, bad data, a divergence that leaves nothing
usable) leaves the estimator as it was, fitted or not. A divergence that
leaves usable weights is a ``ConvergenceWarning``.

A fitted estimator saves to a barenet model file (``save`` and
``BarenetClassifier.load``; see ``barenet.estimator_file``) as well as
through pickle.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import (
    check_classification_targets,
    type_of_target,
)
from sklearn.utils.validation import check_is_fitted, validate_data

from barenet import estimator_file
from barenet._checks import is_whole
from barenet.errors import ConfigError, ModelFileError
from barenet.estimator_file import DamagedState, SavedState
from barenet.functions import Array, get_output, log_softmax, softmax, softplus
from barenet.io import load_model, save_model
from barenet.network import (
    INITIALISATIONS,
    Network,
    check_activations,
    check_conv,
    check_dtype,
    check_image_shape,
)
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

_CONFIG_FIELDS = tuple(
    f.name for f in dataclasses.fields(TrainConfig) if f.name != "seed"
)
"""TrainConfig's settings; each is a parameter of the same name (the seed
comes from random_state)."""

_NETWORK_PARAMS = (
    "hidden",
    "conv",
    "image_shape",
    "activation",
    "output",
    "init",
    "dtype",
)
"""The parameters that shape the network: warm_start and partial_fit must
find them as the network was made."""


class BarenetClassifier(ClassifierMixin, BaseEstimator):
    """A barenet network as a scikit-learn classifier.

    The defaults train the seed experiment's network: sigmoid units,
    weights uniform in [-1, 1], full-batch gradient descent with learning
    rate 1 and L2 strength 0.1, for 500 epochs.

    Parameters
    ----------
    hidden : int or tuple of int, default (30, 20)
        Widths of the hidden layers; ``()`` for none, an int for one. The
        input width is the number of features, the output width the number
        of classes.
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
        Passes over the training rows in ``fit``. ``partial_fit`` makes one
        per call, and its schedule spans ``epochs`` calls. Past them, step
        and plateau go on as they would, and cosine is stretched to end
        just after each further call: at call k its rate is lr
        sin^2(pi / 2k), small and shrinking.
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
        measured after every epoch (``validation_scores_``), each row
        counted by its ``sample_weight``; 0 for none.
        ``partial_fit`` holds out that share of each call's own rows.
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
        Floating type of the network and its arithmetic (``np.float32``
        and the like are accepted too).
    random_state : int, RandomState instance or None, default None
        Seeds the initial weights and the mini-batch shuffles. An int gives
        the same network as ``barenet.Network(..., seed=random_state)``.
    warm_start : bool, default False
        If True, ``fit`` goes on from the weights of the previous fit
        instead of drawing new ones, with a new optimizer. The network's
        settings (hidden, conv, image_shape, activation, output, init,
        dtype) must be those of that fit.
    verbose : bool or int, default False
        If True (or an int > 0), print the cost after every epoch.

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
    best_loss_ : float or None
        The smallest value in ``loss_curve_``; None with early stopping
        (``patience``), as in MLPClassifier: see
        ``best_validation_score_``.
    validation_scores_ : list of float or None
        With ``validation``, the accuracy on the held-out rows after each
        epoch since the weights were drawn (nan for epochs trained without
        validation, when it changed between calls); None if no epoch had
        it.
    best_validation_score_ : float or None
        With early stopping, the validation accuracy of the epoch whose
        weights were kept (the one with the lowest validation cost);
        otherwise None.
    best_epoch_ : int
        The epoch, counted from 1 since the weights were drawn, whose
        weights ``network_`` holds: the last one, early stopping's best,
        or after a divergence the last whose cost was finite (0: the
        weights as drawn).
    n_iter_ : int
        Epochs run since the weights were drawn.
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        The columns' names, when X had them (a pandas DataFrame).

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
        hidden: int | tuple[int, ...] = (30, 20),
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
        verbose: bool | int = False,
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

    def __sklearn_is_fitted__(self) -> bool:
        """Fitted once a fit has succeeded: a failed one fits nothing."""
        return hasattr(self, "network_")

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
        sample_weight : array-like of shape (n_samples,), float, optional
            How many times each row counts: a weight of 2 is the row
            twice, 0 leaves it out. One number weighs every row alike;
            None counts every row once.

        Returns
        -------
        self
        """
        with _all_or_nothing(self):
            self._check_params()
            again = self.warm_start and hasattr(self, "network_")
            X_, y_ = self._check_data(X, y, reset=not again)
            classes = _classes_of(y_)
            self._check_validation_size(len(y_), len(classes), "fit")
            if again:
                self._check_same_classes(classes, "warm_start")
                self._check_same_network("warm_start")
                net, seed = self.network_.copy(), self._seed
                before = self.n_iter_
            else:
                seed = _seed_from(self.random_state)
                net = self._new_network(X_.shape[1], len(classes), seed)
                before = 0
            # Each fit starts a new optimizer from the current weights.
            run = _Call(net, classes, seed, n_before=before, fresh=not again)
            history = self._train(run, X_, y_, sample_weight, seed + before)
            self._record(run, history)
        self._warn(history)
        return self

    def partial_fit(
        self,
        X: ArrayLike,
        y: ArrayLike,
        classes: ArrayLike | None = None,
        sample_weight: ArrayLike | None = None,
    ) -> BarenetClassifier:
        """Train for one pass over X and y, going on from the current weights.

        The state of training goes on from call to call as in one run of
        ``fit``: the optimizer's (momentum, Adam's moments), the
        schedule's and the shuffles'. Each call uses the parameters as
        they are when it is made, every one of them, ``lr`` included (the
        schedule's rates scale with it). A new ``optimizer`` or
        ``schedule`` is refused, since the state of the old one would not
        carry over, as is a change of the network's settings; ``fit``
        starts anew. With ``validation``, each call holds out that share
        of its own rows, and needs rows enough to hold one of each class
        it has.

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
        with _all_or_nothing(self):
            self._check_params()
            if self.patience is not None:
                raise ConfigError(
                    f"partial_fit cannot stop early (patience="
                    f"{self.patience!r}): early stopping needs the epochs of "
                    "a fit; set patience=None, or call fit"
                )
            first = not hasattr(self, "network_")
            X_, y_ = self._check_data(X, y, reset=first)
            self._check_validation_size(
                len(y_), len(np.unique(y_)), "partial_fit"
            )
            if first:
                run = self._first_call(X_.shape[1], classes)
            else:
                run = self._next_call(classes)
            _encode(y_, run.classes)  # every label must be declared
            history = self._train(
                run, X_, y_, sample_weight, run.seed, one_epoch=True
            )
            self._record(run, history)
        self._warn(history)
        return self

    def _first_call(self, n_features: int, classes: ArrayLike | None) -> _Call:
        """A new network for partial_fit's first call."""
        if classes is None:
            raise ConfigError(
                "classes is required on the first call to partial_fit: "
                "pass every label the data can hold, e.g. "
                "partial_fit(X, y, classes=np.unique(all_labels))"
            )
        declared = _declared_classes(classes)
        seed = _seed_from(self.random_state)
        net = self._new_network(n_features, len(declared), seed)
        return _Call(net, declared, seed, n_before=0, fresh=True)

    def _next_call(self, classes: ArrayLike | None) -> _Call:
        """partial_fit going on with the fitted network and run."""
        if classes is not None:
            self._check_same_classes(_declared_classes(classes), "partial_fit")
        self._check_same_network("partial_fit")
        state = self._state
        for name in ("optimizer", "schedule"):
            then = (
                getattr(state, name)["name"] if state else getattr(self, name)
            )
            if then != getattr(self, name):
                raise ConfigError(
                    f"partial_fit goes on with the {name} of the calls before, "
                    f"{then!r}, but {name}={getattr(self, name)!r}; set it "
                    "back, or call fit to start anew"
                )
        return _Call(
            self.network_.copy(),
            self.classes_,
            self._seed,
            n_before=self.n_iter_,
            fresh=False,
            resume=self._state,
            run_before=self._run_epochs,
        )

    def _check_data(
        self, X: ArrayLike, y: ArrayLike, reset: bool
    ) -> tuple[Array, NDArray[Any]]:
        """Check (X, y) once, at the door."""
        if not reset:
            self._check_n_features(X)
        dtype = self.network_.dtype if not reset else check_dtype(self.dtype)
        X_, y_ = validate_data(self, X, y, dtype=dtype, reset=reset)
        if _holds_bytes(y_):
            raise ConfigError(
                f"y holds bytes, such as {_shown(y_[:3])}; scikit-learn "
                "takes labels as strings or numbers: decode them first, "
                "e.g. [label.decode() for label in y]"
            )
        try:
            check_classification_targets(y_)
        except TypeError:  # np.unique cannot sort them
            raise _mixed_labels(y_) from None
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

    def _check_validation_size(
        self, n_samples: int, n_classes: int, what: str
    ) -> None:
        """A validation split must hold at least one row of each class."""
        if not (self.validation and self.validation * n_samples < n_classes):
            return
        # Both the split and the rows left to train on need every class.
        per = " per call" if what == "partial_fit" else ""
        if 2 * n_classes > n_samples:
            fix = f"give at least {2 * n_classes} samples{per}"
        else:
            fix = (
                f"raise validation to at least {n_classes / n_samples:.3g}, "
                f"give more samples{per}"
            )
        where, off = "", "(and patience=None)"
        if what == "partial_fit":
            where = "partial_fit holds validation out of each call's rows: "
            off = "for these calls"
        raise ConfigError(
            f"{where}validation={self.validation!r} of {n_samples} samples "
            f"holds out {self.validation * n_samples:.3g}, too few to hold "
            f"one sample of each of the {n_classes} classes; {fix}, or set "
            f"validation=0 {off}"
        )

    def _check_params(self) -> None:
        """Raise ConfigError naming the first parameter out of range.

        Every parameter is checked, used or not, as scikit-learn does.
        """
        hidden = _hidden_widths(self.hidden)
        conv = check_conv(self.conv)
        check_image_shape(self.image_shape)
        check_activations(self.activation, len(conv) + len(hidden))
        get_output(self.output)
        if not (isinstance(self.init, str) and self.init in INITIALISATIONS):
            raise ConfigError(
                f"unknown init {self.init!r}; expected one of "
                f"{', '.join(INITIALISATIONS)}"
            )
        check_dtype(self.dtype)
        for name in ("warm_start", "augment"):
            if not isinstance(getattr(self, name), bool | np.bool_):
                raise ConfigError(
                    f"{name} must be True or False, got {getattr(self, name)!r}"
                )
        verbose = self.verbose
        if not (isinstance(verbose, bool | np.bool_) or is_whole(verbose)):
            raise ConfigError(
                f"verbose must be True, False or a whole number, got "
                f"{verbose!r}"
            )
        _seed_from(self.random_state, draw=False)
        self._train_config(0).check()

    def _check_same_classes(self, classes: NDArray[Any], what: str) -> None:
        if np.array_equal(classes, self.classes_):
            return
        if what == "partial_fit":
            raise ConfigError(
                f"classes={_shown(classes)} differs from classes_="
                f"{_shown(self.classes_)} of the first call; omit classes "
                "after the first call, or fit anew"
            )
        raise ConfigError(
            f"warm_start goes on from the last fit, whose classes were "
            f"{_shown(self.classes_)}, but y has {_shown(classes)}; give "
            "y the same classes, or set warm_start=False to start anew"
        )

    def _check_same_network(self, what: str) -> None:
        """warm_start and partial_fit go on with the network as it was made."""
        made = _network_params(self.network_)
        asked = self._network_params_now()
        for name in _NETWORK_PARAMS:
            if asked[name] == made[name]:
                continue
            fix = (
                "set warm_start=False to start anew"
                if what == "warm_start"
                else "call fit to start anew"
            )
            raise ConfigError(
                f"{what} goes on with the network of the last fit, whose "
                f"{name} is {made[name]!r}, but {name}={getattr(self, name)!r} "
                f"asks for {asked[name]!r}; set {name} back to "
                f"{made[name]!r}, or {fix}"
            )

    def _network_params_now(self) -> dict[str, Any]:
        """The network settings the parameters ask for, in network_'s terms."""
        net = self.network_
        hidden = _hidden_widths(self.hidden)
        conv = check_conv(self.conv)
        shape = check_image_shape(self.image_shape)
        return {
            "hidden": hidden,
            "conv": conv,
            "image_shape": (shape or net.image_shape) if conv else None,
            "activation": check_activations(
                self.activation, len(conv) + len(hidden)
            ),
            "output": self.output,
            "init": self.init,
            "dtype": check_dtype(self.dtype).name,
        }

    def _train_config(self, seed: int) -> TrainConfig:
        """Every training option, from the parameter of the same name."""
        options = {name: getattr(self, name) for name in _CONFIG_FIELDS}
        return TrainConfig(**options, seed=seed)

    def _new_network(self, n_in: int, n_out: int, seed: int) -> Network:
        return Network(
            [n_in, *_hidden_widths(self.hidden), n_out],
            activation=self.activation,
            output=self.output,
            init=self.init,
            seed=seed,
            dtype=self.dtype,
            conv=self.conv,
            image_shape=self.image_shape,
        )

    def _train(
        self,
        run: _Call,
        X: Array,
        y: NDArray[Any],
        sample_weight: ArrayLike | None,
        seed: int,
        one_epoch: bool = False,
    ) -> History:
        """Run barenet's training on the call's network."""
        config = self._train_config(seed)
        callbacks: list[Callable[[History], bool | None]] = []
        if self.verbose > 0:
            callbacks.append(_printer(run.n_before))
        if one_epoch:
            # One epoch of the run that the earlier calls made.
            config.epochs = max(self.epochs, run.run_before + 1)
            callbacks.append(lambda history: True)  # stop after this epoch
        return train(
            run.net,
            X,
            _encode(y, run.classes),
            config,
            callbacks=callbacks,
            sample_weight=_row_weights(sample_weight, len(y)),
            image_shape=check_image_shape(self.image_shape),
            resume=run.resume,
        )

    def _record(self, run: _Call, history: History) -> None:
        """Take the call's network and figures as the fitted state.

        A divergence that left nothing usable is an error instead, and the
        estimator keeps what it had.
        """
        kept = history.kept_epoch
        if history.diverged and (kept is None or (run.fresh and kept == 0)):
            raise ConfigError(
                f"{history.stop_reason}. Nothing usable was learned, so the "
                "estimator is left as it was before this call"
            )
        base = run.n_before - run.run_before  # n_iter_ when the run began
        self.classes_ = run.classes
        self.network_ = run.net
        self._seed = run.seed
        past: list[float] = [] if run.fresh else self.loss_curve_
        self.loss_curve_: list[float] = [*past, *history["cost"]]
        self.n_iter_ = run.n_before + len(history)
        past_scores = None if run.fresh else self.validation_scores_
        self.validation_scores_: list[float] | None = _scores(
            past_scores, run.n_before, history
        )
        self._record_best(history, run, base)
        # A diverged run's optimizer has taken the step that diverged: the
        # next partial_fit starts a new one from the weights kept.
        diverged = history.diverged
        self._state = None if diverged else history.state
        self._run_epochs = 0 if diverged else run.run_before + len(history)

    def _record_best(self, history: History, run: _Call, base: int) -> None:
        """best_epoch_, and best_loss_ / best_validation_score_ as
        MLPClassifier has them (the first None with early stopping, the
        second without)."""
        before = getattr(self, "best_epoch_", 0)
        self.best_epoch_ = self.n_iter_
        if history.best_epoch is not None:
            self.best_epoch_ = base + history.best_epoch
        if history.diverged and history.kept_epoch is not None:
            self.best_epoch_ = base + history.kept_epoch
            if not run.fresh and history.kept_epoch == run.run_before:
                # The weights this call started from: the epoch they were
                # already known by.
                self.best_epoch_ = before
        self.best_loss_: float | None = min(self.loss_curve_)
        self.best_validation_score_: float | None = None
        if self.patience is not None:
            self.best_loss_ = None
            scores = history.values.get("validation_accuracy")
            if scores and history.best_epoch is not None:
                self.best_validation_score_ = scores[history.best_epoch - 1]

    def _warn(self, history: History) -> None:
        """A divergence that left usable weights: warn at the caller's line."""
        if history.diverged:
            warnings.warn(
                f"{history.stop_reason}. Counted since the weights were "
                f"drawn, network_ holds those of epoch {self.best_epoch_} "
                "(best_epoch_)",
                ConvergenceWarning,
                stacklevel=3,
            )

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
        its network, and the command line shows its labels); its metadata
        also holds this estimator's parameters, training curves, the
        column names and the seed, which ``BarenetClassifier.load``
        restores (see ``barenet.estimator_file``).

        The state of training is not saved: the optimizer's (momentum,
        Adam's moments), the schedule's, and the random generators' of the
        mini-batch shuffles, dropout and augmentation. ``partial_fit`` on a
        loaded estimator therefore starts all of them anew from the saved
        weights; it goes on exactly as the saved estimator would only for
        full-batch "sgd" with a constant schedule and no dropout or
        augmentation. To go on exactly in every case, use pickle.

        Labels must be numbers, strings or booleans; for others use pickle.
        """
        check_is_fitted(self)
        labels = estimator_file.labels_to_json(self.classes_)
        if labels is None:
            raise ModelFileError(
                f"cannot save {path}: a model file holds labels that are "
                f"numbers, strings or booleans, and classes_ is "
                f"{_shown(self.classes_)}; save this estimator with pickle "
                "instead"
            )
        net = self.network_.copy()
        data = net.info.get("data")
        net.info["data"] = {
            **(data if isinstance(data, dict) else {}),
            "classes": labels,
        }
        net.info[estimator_file.KEY] = estimator_file.state_to_json(
            self._saved_state()
        )
        return save_model(net, path)

    def _saved_state(self) -> SavedState:
        params = self.get_params()
        random_state = params["random_state"]
        # A RandomState object has served its purpose: the seed it gave is
        # saved beside the parameters.
        params["random_state"] = (
            int(random_state) if is_whole(random_state) else None
        )
        params["dtype"] = check_dtype(params["dtype"]).name
        return SavedState(
            classes=self.classes_,
            params=params,
            loss_curve=self.loss_curve_,
            validation_scores=self.validation_scores_,
            n_iter=self.n_iter_,
            best_epoch=self.best_epoch_,
            best_validation_score=self.best_validation_score_,
            seed=self._seed,
            feature_names=getattr(self, "feature_names_in_", None),
        )

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> BarenetClassifier:
        """Read an estimator written by ``save``; checks the file first."""
        net = load_model(path)
        if not isinstance(net.info.get(estimator_file.KEY), dict):
            raise ModelFileError(
                f"{path} is a barenet model but was not saved by "
                "BarenetClassifier.save; read it with barenet.load_model"
            )
        try:
            return cls._restore(net)
        except (DamagedState, ConfigError) as exc:
            raise ModelFileError(
                f"not a valid barenet model: {path} (the "
                f"{estimator_file.KEY} metadata is damaged: {exc})"
            ) from None

    @classmethod
    def _restore(cls, net: Network) -> BarenetClassifier:
        names = set(cls._get_param_names())
        saved = estimator_file.restore(
            net.info, net.n_inputs, net.n_outputs, names
        )
        del net.info[estimator_file.KEY]
        est = cls(**saved.params)
        est._check_params()
        est.network_ = net
        made, asked = _network_params(net), est._network_params_now()
        wrong = [name for name in _NETWORK_PARAMS if made[name] != asked[name]]
        if wrong:
            raise DamagedState(
                f"params {wrong[0]}={saved.params[wrong[0]]!r} do not match "
                f"the network's {made[wrong[0]]!r}"
            )
        est.classes_ = saved.classes
        est.n_features_in_ = net.n_inputs
        if saved.feature_names is not None:
            est.feature_names_in_ = saved.feature_names
        est.loss_curve_ = saved.loss_curve
        est.n_iter_ = saved.n_iter
        est.best_epoch_ = saved.best_epoch
        est.validation_scores_ = saved.validation_scores
        est.best_validation_score_ = saved.best_validation_score
        est.best_loss_ = (
            None if est.patience is not None else min(saved.loss_curve)
        )
        est._seed = saved.seed
        est._state = None  # the state of training is not saved
        est._run_epochs = 0
        return est


def expected_failed_checks(estimator: BarenetClassifier) -> dict[str, str]:
    """scikit-learn's estimator checks that this set-up cannot pass, and why.

    For ``parametrize_with_checks(..., expected_failed_checks=...)`` (the
    way scikit-learn now takes an estimator's known failures). A weight of
    2 is exactly the row twice in barenet's cost, but scikit-learn's check
    compares two whole trainings, which differ by more than its tolerance
    when rows meet chance or rounding: mini-batches hold repeated rows
    apart, dropout and augmentation draw per row, float32 rounds sums of
    weighted and of repeated rows differently, and a validation split
    draws rows, not units of weight (its figures do count each held-out
    row by its weight).
    """
    reasons = []
    if estimator.batch_size is not None:
        reasons.append("mini-batches of repeated rows differ from weighted")
    if estimator.dropout or estimator.augment:
        reasons.append("dropout and augmentation draw per row")
    if check_dtype(estimator.dtype) == np.float32:
        reasons.append("float32 rounds weighted and repeated sums apart")
    if estimator.validation:
        reasons.append(
            "the validation split holds rows out, and copies of a row may "
            "fall on both sides of it where the weighted row falls on one"
        )
    if not reasons:
        return {}
    return {"check_sample_weight_equivalence_on_dense_data": "; ".join(reasons)}


# -- helpers --------------------------------------------------------------


@dataclasses.dataclass
class _Call:
    """One call of fit or partial_fit: the network it trains, and where
    that network's run stands."""

    net: Network
    classes: NDArray[Any]
    seed: int
    n_before: int  # n_iter_ before the call
    fresh: bool  # a network drawn by this call
    resume: TrainState | None = None
    run_before: int = 0  # epochs of the resumed run before the call


@contextlib.contextmanager
def _all_or_nothing(est: BarenetClassifier) -> Iterator[None]:
    """Put the estimator's attributes back as they were if the block fails.

    Training works on a copy of the network, so the attributes themselves
    are never changed in place before the block succeeds.
    """
    saved = dict(est.__dict__)
    try:
        yield
    except BaseException:
        est.__dict__.clear()
        est.__dict__.update(saved)
        raise


def _scores(
    past: list[float] | None, n_before: int, history: History
) -> list[float] | None:
    """validation_scores_ after a call: one per epoch since the weights were
    drawn (nan for those trained without validation), or None if none had
    it."""
    scores = history.values.get("validation_accuracy")
    if past is None and scores is None:
        return None
    gap = [math.nan] * n_before if past is None else past
    return [*gap, *(scores or [math.nan] * len(history))]


def _printer(n_before: int) -> Callable[[History], None]:
    """verbose's callback: the cost of each epoch, counted since drawn."""

    def report(history: History) -> None:
        epoch = n_before + len(history)
        print(f"Epoch {epoch}, cost = {history['cost'][-1]:.8f}")

    return report


def _network_params(net: Network) -> dict[str, Any]:
    """A network's settings in the terms of ``_network_params_now``."""
    return {
        "hidden": tuple(net.sizes[1:-1]),
        "conv": list(net.conv),
        "image_shape": net.image_shape if net.conv else None,
        "activation": tuple(net.activations),
        "output": net.output.name,
        "init": net.init,
        "dtype": net.dtype.name,
    }


def _hidden_widths(hidden: Any) -> tuple[int, ...]:
    """The hidden layers' widths: an int for one layer, or a sequence."""
    if is_whole(hidden):
        hidden = (hidden,)
    ok = isinstance(hidden, tuple | list | np.ndarray) and all(
        is_whole(n) and n >= 1 for n in hidden
    )
    if not ok:
        raise ConfigError(
            f"hidden must be a tuple of hidden-layer widths, each a whole "
            f"number >= 1, an int for one layer, or () for none; got "
            f"{hidden!r}"
        )
    return tuple(int(n) for n in hidden)


def _row_weights(sample_weight: Any, n_samples: int) -> Any:
    """sample_weight as barenet takes it: one number stands for every row's
    weight, as in scikit-learn. ``train`` checks the weights."""
    if isinstance(sample_weight, int | float | np.number):
        return np.full(n_samples, sample_weight)
    return sample_weight


def _seed_from(random_state: Any, draw: bool = True) -> int:
    """An int seed: random_state itself if an int, else drawn from it.

    With ``draw=False`` only checks random_state (and returns 0), so that
    checking leaves a RandomState's draws to the fit.
    """
    if is_whole(random_state) and random_state >= 0:
        return int(random_state)
    if random_state is None or isinstance(random_state, np.random.RandomState):
        rng = check_random_state(random_state)
        return int(rng.randint(np.iinfo(np.int32).max)) if draw else 0
    raise ConfigError(
        f"random_state must be a whole number >= 0, a numpy RandomState or "
        f"None, got {random_state!r}"
    )


def _classes_of(y: NDArray[Any]) -> NDArray[Any]:
    """The sorted distinct labels; at least two."""
    try:
        classes = np.unique(y)
    except TypeError:
        raise _mixed_labels(y) from None
    if len(classes) < 2:
        raise ConfigError(
            f"y holds one class only, {_shown(classes)}; a classifier needs "
            "samples of at least two classes to tell apart"
        )
    return classes


def _holds_bytes(y: NDArray[Any]) -> bool:
    """Whether some label is bytes (which scikit-learn does not take)."""
    if y.dtype.kind == "S":
        return True
    return y.dtype.kind == "O" and any(isinstance(v, bytes) for v in y.flat)


def _mixed_labels(y: NDArray[Any]) -> ConfigError:
    return ConfigError(
        f"the labels mix kinds that cannot be sorted together, such as "
        f"{_shown(np.asarray(y)[:5])}; give labels of one kind"
    )


def _declared_classes(classes: ArrayLike) -> NDArray[Any]:
    """partial_fit's ``classes``: a flat list of labels, as y's would be."""
    try:
        declared = np.asarray(classes)
    except ValueError:
        declared = None
    if declared is None or declared.ndim != 1:
        raise ConfigError(
            f"classes must be a flat list of labels, such as "
            f"np.unique(all_labels); got {classes!r}"
        )
    try:
        # (Checking whether floats are whole casts nan: no warning.)
        with np.errstate(invalid="ignore"):
            kind = type_of_target(declared, input_name="classes")
        problem = f"Unknown label type: {kind}"
    except (ValueError, TypeError) as exc:
        kind, problem = "", str(exc).rstrip(".")
    if kind not in ("binary", "multiclass"):
        raise ConfigError(
            f"classes={_shown(declared)} are not labels of a classifier "
            f"({problem}); give whole numbers, strings or booleans of one "
            "kind, with no nan or None"
        )
    return _classes_of(declared)


def _encode(y: NDArray[Any], classes: NDArray[Any]) -> NDArray[np.intp]:
    """Each label's index in ``classes``; every label must be there."""
    try:
        index = np.searchsorted(classes, y)
    except TypeError:
        index = np.zeros(len(y), dtype=np.intp)  # y's kind is not classes'
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
