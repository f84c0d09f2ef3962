"""The training loop: epochs of gradient steps, and a history of figures.

``train`` runs gradient descent on a network. Each epoch visits the
training rows once, in mini-batches or (the default, as in the seed) as
one full batch; after each epoch it records the figures in a ``History``:

- ``cost``: the mean of the costs computed during the epoch's steps. For a
  full batch this is exactly J at the weights the step started from, the
  value the seed plots.
- ``test_accuracy`` and ``test_exact``: if test data is given, accuracy on
  it after the epoch by argmax and by the seed's exact-match rule (see
  ``barenet.evaluation``).
- ``validation_cost`` and ``validation_accuracy``: with a validation
  split, the unpenalised cost and the accuracy on it after the epoch,
  each row counted by its sample weight, if any.

Around the gradient steps (``TrainConfig`` lists every option): an
optimizer and a learning-rate schedule from ``barenet.optim``; dropout in
the network's training pass; fresh augmented images every epoch; early
stopping, which restores the weights of the epoch with the lowest
validation cost; and a divergence guard, which stops at the first cost or
weight that is not finite and puts back the latest weights whose cost was
seen to be finite, so that nothing non-finite is left to save.

The library prints nothing. To watch or stop training, pass callbacks:
each is called as ``callback(history)`` after every epoch, and training
stops after the epoch in which one returns True. To stop sooner, pass
``stop``, a function asked after every gradient step (Ctrl-C sets it in
the command line): training then stops after that step.

A run can be continued exactly where it stopped. ``TrainState`` holds all
that changes while training (weights, optimizer and schedule state, the
random generators, the history, the position inside the epoch); with
``checkpoint`` and ``checkpoint_every``, ``train`` hands one over every few
epochs, when ``stop`` ends a run and when the run ends, and
``train(..., resume=state)`` carries on from it. A resumed run ends with
the same weights, bit for bit, as one that was never stopped.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from barenet._checks import check_seed, is_real, is_whole
from barenet._json import plain
from barenet.augment import augment_images, square_shape
from barenet.data.base import check_labels, one_hot
from barenet.errors import ConfigError
from barenet.evaluation import accuracy, exact_match, stratified_split
from barenet.functions import Array
from barenet.network import Network, check_image_shape, check_sample_weight
from barenet.optim import OPTIMIZERS, SCHEDULES, make_optimizer, make_schedule


@dataclass
class TrainConfig:
    """Settings of a training run. The defaults are the seed experiment's.

    Parameters
    ----------
    epochs : int, default 500
        Passes over the training rows. With full batches, one epoch is one
        gradient step (the seed calls them iterations).
    lr : float, default 1.0
        Learning rate: the base rate that the schedule starts from.
    l2 : float, default 0.1
        L2 strength lambda; the penalty is lambda / (2m) times the sum of
        squared weights (biases are not penalised).
    batch_size : int or None, default None
        Rows per gradient step; None means all training rows at once.
    seed : int or None, default 0
        Seed of the shuffles between mini-batch epochs, of the dropout
        masks, of the augmentation and of the validation split.
    optimizer : str, default "sgd"
        One of ``barenet.optim.OPTIMIZERS``: sgd, momentum, nesterov, adam,
        adamw.
    momentum : float, default 0.9
        mu of the momentum and nesterov optimizers.
    weight_decay : float, default 0.0
        Decoupled weight decay of adamw (weights only).
    schedule : str, default "constant"
        Learning-rate schedule, one of ``barenet.optim.SCHEDULES``:
        constant, step (times 0.1 every ``step_size`` epochs), cosine (half
        a cosine from ``lr`` at the first epoch towards 0, which it reaches
        just after the last), plateau (halved when more than
        ``plateau_patience`` epochs in a row bring no lower validation
        cost, or training cost without validation).
    step_size : int, default 30
        Epochs between the step schedule's decays.
    dropout : float, default 0.0
        Probability of dropping each hidden unit during training steps.
    augment : bool, default False
        Train each epoch on freshly moved copies of the images (see
        ``barenet.augment``); needs rows that are images.
    max_shift : int, default 2
        Largest shift of augmentation, in pixels.
    max_rotation : float, default 10.0
        Largest rotation of augmentation, in degrees.
    max_scale : float, default 0.0
        Largest relative change of size of augmentation.
    validation : float, default 0.0
        Fraction of the training rows held out, class by class, to watch
        ``validation_cost`` and ``validation_accuracy``; 0 for none.
    patience : int or None, default None
        Early stopping: stop after this many epochs without a lower
        validation cost, and restore the weights of the best epoch. Needs
        ``validation``.
    plateau_patience : int or None, default None
        Epochs in a row without a lower watched cost that the plateau
        schedule lets pass before it halves the rate. None means half of
        ``patience`` with early stopping (so that the rate drops before
        training stops), else 10.
    """

    epochs: int = 500
    lr: float = 1.0
    l2: float = 0.1
    batch_size: int | None = None
    seed: int | None = 0
    optimizer: str = "sgd"
    momentum: float = 0.9
    weight_decay: float = 0.0
    schedule: str = "constant"
    step_size: int = 30
    dropout: float = 0.0
    augment: bool = False
    max_shift: int = 2
    max_rotation: float = 10.0
    max_scale: float = 0.0
    validation: float = 0.0
    patience: int | None = None
    plateau_patience: int | None = None

    def check(self) -> None:
        """Raise ConfigError naming the first setting out of range.

        Every setting is checked, whether or not this run uses it, so that a
        mistake shows at once rather than when the setting comes into play.
        """
        for ok, problem in self._rules():
            if not ok:
                raise ConfigError(problem)
        check_seed(self.seed)
        if self.patience is not None and not self.validation:
            raise ConfigError(
                "early stopping (patience) watches a validation split: set "
                "validation to a fraction such as 0.1"
            )

    def _rules(self) -> list[tuple[bool, str]]:
        """(holds, what is wrong otherwise) for every setting, in order."""
        s = self
        return [
            (
                is_whole(s.epochs) and s.epochs >= 1,
                f"epochs must be a whole number >= 1, got {s.epochs!r}",
            ),
            (
                is_real(s.lr) and s.lr > 0,
                f"lr must be a finite number > 0, got {s.lr!r}",
            ),
            (
                is_real(s.l2) and s.l2 >= 0,
                f"l2 must be a finite number >= 0, got {s.l2!r}",
            ),
            (
                s.batch_size is None
                or (is_whole(s.batch_size) and s.batch_size >= 1),
                f"batch_size must be a whole number >= 1, or None for full "
                f"batches, got {s.batch_size!r}",
            ),
            (
                isinstance(s.optimizer, str) and s.optimizer in OPTIMIZERS,
                f"unknown optimizer {s.optimizer!r}; expected one of "
                f"{', '.join(OPTIMIZERS)}",
            ),
            (
                is_real(s.momentum) and 0 <= s.momentum < 1,
                f"momentum must lie in [0, 1), got {s.momentum!r}",
            ),
            (
                is_real(s.weight_decay) and s.weight_decay >= 0,
                f"weight_decay must be a finite number >= 0, got "
                f"{s.weight_decay!r}",
            ),
            (
                isinstance(s.schedule, str) and s.schedule in SCHEDULES,
                f"unknown schedule {s.schedule!r}; expected one of "
                f"{', '.join(SCHEDULES)}",
            ),
            (
                is_whole(s.step_size) and s.step_size >= 1,
                f"step_size must be a whole number >= 1, got {s.step_size!r}",
            ),
            (
                is_real(s.dropout) and 0 <= s.dropout < 1,
                f"dropout must lie in [0, 1), got {s.dropout!r}",
            ),
            (
                isinstance(s.augment, bool | np.bool_),
                f"augment must be True or False, got {s.augment!r}",
            ),
            (
                is_whole(s.max_shift) and s.max_shift >= 0,
                f"max_shift must be a whole number of pixels >= 0, got "
                f"{s.max_shift!r}",
            ),
            (
                is_real(s.max_rotation) and 0 <= s.max_rotation <= 180,
                f"max_rotation must lie in [0, 180] degrees, got "
                f"{s.max_rotation!r}",
            ),
            (
                is_real(s.max_scale) and 0 <= s.max_scale < 1,
                f"max_scale must lie in [0, 1), got {s.max_scale!r}",
            ),
            (
                is_real(s.validation) and 0 <= s.validation < 1,
                f"validation must be a fraction in [0, 1), got "
                f"{s.validation!r}",
            ),
            (
                s.patience is None
                or (is_whole(s.patience) and s.patience >= 1),
                f"patience must be a whole number >= 1, or None, got "
                f"{s.patience!r}",
            ),
            (
                s.plateau_patience is None
                or (is_whole(s.plateau_patience) and s.plateau_patience >= 0),
                f"plateau_patience must be a whole number >= 0, or None, got "
                f"{s.plateau_patience!r}",
            ),
        ]

    def checked(self) -> TrainConfig:
        """``check``, then a copy whose NumPy numbers are Python's.

        NumPy's small integers wrap or overflow in arithmetic (a batch size
        of ``np.int8(4)`` and 150 rows), Python's do not.
        """
        self.check()
        return dataclasses.replace(
            self,
            **{
                name: value.item()
                for name, value in dataclasses.asdict(self).items()
                if isinstance(value, np.generic)
            },
        )

    def to_dict(self) -> dict[str, Any]:
        """The settings as plain Python values, ready for JSON."""
        return {
            name: plain(value)
            for name, value in dataclasses.asdict(self).items()
        }

    def plateau_wait(self) -> int:
        """The plateau schedule's patience: its own, else derived."""
        if self.plateau_patience is not None:
            return int(self.plateau_patience)
        return 10 if self.patience is None else int(self.patience) // 2


@dataclass
class History:
    """Per-epoch figures by name, e.g. ``history["cost"][epoch]``.

    ``train`` gives every figure it records a list from the start, all of
    the same length, so ``history["cost"]`` is ``[]`` when training
    stopped inside its first epoch.

    ``best_epoch`` (counted from 1) is the epoch whose weights early
    stopping restored; ``stop_reason`` says why training ended before its
    last epoch, if it did; ``diverged`` is True when that reason is a
    non-finite cost or weight, and then ``diverged_epoch`` is the epoch
    (counted from 1) in which that was found and ``kept_epoch`` the epoch
    whose end the weights were put back to (0: the weights the run started
    from), or None if no weights of the run give finite outputs on the
    training rows; ``interrupted`` is True when ``stop`` ended it.
    ``steps_per_epoch`` is the number of gradient steps in an epoch (1
    with full batches, when an epoch is the seed's iteration), or None
    before the first epoch.
    ``state`` is where training stopped (a ``TrainState``), for
    ``train(..., resume=history.state)``; its own ``history`` holds every
    epoch since the run began, while a resumed call's History holds the
    epochs of that call alone. Epochs are counted from the start of the
    run, resumed or not.
    """

    values: dict[str, list[float]] = field(default_factory=dict)
    best_epoch: int | None = None
    stop_reason: str | None = None
    diverged: bool = False
    interrupted: bool = False
    state: TrainState | None = None
    kept_epoch: int | None = None
    diverged_epoch: int | None = None
    steps_per_epoch: int | None = None

    def append(self, figures: dict[str, float]) -> None:
        """Record one epoch's figures."""
        for name, value in figures.items():
            self.values.setdefault(name, []).append(float(value))

    def __getitem__(self, name: str) -> list[float]:
        return self.values[name]

    def __contains__(self, name: object) -> bool:
        return name in self.values

    def __len__(self) -> int:
        """Number of epochs recorded."""
        return max((len(v) for v in self.values.values()), default=0)

    def last(self) -> dict[str, float]:
        """The latest epoch's figures."""
        return {name: v[-1] for name, v in self.values.items() if v}

    def to_dict(self) -> dict[str, list[float]]:
        return {name: list(v) for name, v in self.values.items()}


Callback = Callable[[History], bool | None]


@dataclass
class TrainState:
    """Everything that changes while training: enough to resume exactly.

    Attributes
    ----------
    epoch : int
        Epochs completed.
    step : int
        Gradient steps taken in the epoch after those (0 between epochs).
    params : ndarray
        The network's parameters.
    optimizer, schedule : dict
        Their ``state_dict()``.
    rngs : dict
        ``bit_generator.state`` of the shuffling, dropout and augmentation
        generators. In the middle of an epoch, shuffling and augmentation
        are given as they were when the epoch began, so that resuming
        draws the epoch's order and images again.
    history : History
    costs : list of float
        Costs of the steps taken in the current epoch.
    last_good : ndarray
        The latest parameters whose cost was seen to be finite, for the
        divergence guard: those at the start of the current epoch once its
        first step's cost was finite, else those at the start of the
        previous epoch.
    best : (cost, epoch, params) or None
        Early stopping's best epoch so far.
    """

    epoch: int
    step: int
    params: Array
    optimizer: dict[str, Any]
    schedule: dict[str, Any]
    rngs: dict[str, Any]
    history: History
    costs: list[float]
    last_good: Array
    best: tuple[float, int, Array] | None


def train(
    net: Network,
    X: ArrayLike,
    y: ArrayLike,
    config: TrainConfig | None = None,
    *,
    X_test: ArrayLike | None = None,
    y_test: ArrayLike | None = None,
    callbacks: Sequence[Callback] = (),
    sample_weight: ArrayLike | None = None,
    image_shape: tuple[int, int] | None = None,
    stop: Callable[[], bool] | None = None,
    checkpoint: Callable[[TrainState], object] | None = None,
    checkpoint_every: int | None = None,
    resume: TrainState | None = None,
) -> History:
    """Train ``net`` in place on samples X with integer labels y.

    Parameters
    ----------
    net : Network
        Its output width is the number of classes; labels are 0..n_outputs-1.
    X : array of shape (n_samples, n_inputs)
    y : array of shape (n_samples,)
    config : TrainConfig, optional
        Defaults to the seed experiment's settings.
    X_test, y_test : arrays, optional
        Held-out data, measured after every epoch.
    callbacks : sequence of callables
        Each called as ``callback(history)`` after every epoch; returning
        True stops training.
    sample_weight : array of shape (n_samples,), optional
        How many times each training row counts (see
        ``barenet.network``); None counts each once. Every gradient step
        uses its batch's weights; a mini-batch whose weights are all 0
        holds nothing to learn from and is skipped. The validation split
        is drawn from the labels alone; its figures count each held-out
        row by its weight, so both sides need a row of positive weight.
    image_shape : (height, width), optional
        How rows fold into images, for augmentation; square images are
        assumed when not given.
    stop : callable, optional
        Asked ``stop()`` after every gradient step; when it returns True,
        training stops after that step and ``history.interrupted`` is True.
        The epoch in progress is not recorded in the history.
    checkpoint : callable, optional
        Called as ``checkpoint(state)`` with a ``TrainState`` after every
        ``checkpoint_every`` epochs (if given), when ``stop`` ends the run,
        and when the run ends otherwise than by diverging (unless it was
        just called there), always before early stopping puts back its
        best weights: a run resumed from its last state is extended from
        where it ended.
    checkpoint_every : int, optional
        Epochs between calls of ``checkpoint``.
    resume : TrainState, optional
        Continue a run from this state (``history.state`` of an earlier
        call, or a checkpoint), given the same network shape, data, config
        and seed as the run that saved it: epochs are counted on from those
        done, up to ``config.epochs`` in all, and everything (optimizer,
        schedule, shuffles, dropout, augmentation, early stopping, the
        position inside an epoch) carries on as if training had never
        paused. Resumed with ``patience=None``, the run no longer stops
        early and forgets the best epoch it had; resumed between epochs,
        a divergence puts back at worst the weights it resumed from. A
        state that has done all ``config.epochs`` trains nothing: the call
        ends the run as it would have ended (early stopping's best weights
        put back, the outputs checked) and returns.

    Returns
    -------
    History
        One value per epoch for ``cost`` and, with test data,
        ``test_accuracy`` and ``test_exact``; with a validation split,
        ``validation_cost`` and ``validation_accuracy``; with a schedule
        other than constant, ``lr``. If a cost or weight stops being
        finite, training stops, ``history.diverged`` is True, and the
        weights are put back to the latest ones whose cost was seen to be
        finite (``history.kept_epoch`` says whose). A diverged run's
        ``state`` is not for resuming: its optimizer has taken the step
        that diverged.
    """
    config = (config or TrainConfig()).checked()
    X_ = net.check_X(X)
    labels = _labels(y, X_.shape[0], net.n_outputs, "y")
    w = check_sample_weight(sample_weight, X_.shape[0], net.dtype)
    net.check_dropout(config.dropout)
    image_shape = check_image_shape(image_shape)
    if config.augment and image_shape is None:
        image_shape = square_shape(X_.shape[1])
    test = None
    if X_test is not None or y_test is not None:
        if X_test is None or y_test is None:
            raise ConfigError("give both X_test and y_test, or neither")
        Xt = net.check_X(X_test)
        test = (Xt, _labels(y_test, Xt.shape[0], net.n_outputs, "y_test"))
    validation = None
    if config.validation:
        kept, held = stratified_split(labels, config.validation, config.seed)
        validation = _Rows(X_[held], labels[held], _part(w, held))
        X_, labels = X_[kept], labels[kept]
        _check_split_weights(w, kept, held, config.validation)
        w = _part(w, kept)
    Y = one_hot(labels, net.n_outputs, net.dtype)
    if checkpoint_every is not None and not (
        isinstance(checkpoint_every, int) and checkpoint_every >= 1
    ):
        raise ConfigError(
            f"checkpoint_every must be a whole number >= 1, got "
            f"{checkpoint_every!r}"
        )
    run = _Run(net, config, image_shape)
    run.stop, run.checkpoint = stop, checkpoint
    run.checkpoint_every = checkpoint_every
    if resume is not None:
        run.restore(resume)
    return run.loop(X_, Y, w, test, validation, callbacks)


class _Run:
    """The state of one training run: optimizer, schedule, generators."""

    def __init__(
        self,
        net: Network,
        config: TrainConfig,
        image_shape: tuple[int, int] | None,
    ):
        self.net, self.config, self.image_shape = net, config, image_shape
        self.optimizer = make_optimizer(
            config.optimizer,
            config.lr,
            momentum=config.momentum,
            weight_decay=config.weight_decay,
            decay_mask=net.weight_mask(),
        )
        self.schedule = make_schedule(
            config.schedule,
            config.lr,
            config.epochs,
            step_size=config.step_size,
            patience=config.plateau_wait(),
        )
        self.dropout = net.check_dropout(config.dropout)
        # Shuffling keeps the generator of the seed; dropout and
        # augmentation draw from their own, so that turning one on does
        # not change the others' draws.
        self.shuffle_rng = np.random.default_rng(config.seed)
        extra = np.random.SeedSequence(config.seed).spawn(2)
        self.dropout_rng = np.random.default_rng(extra[0])
        self.augment_rng = np.random.default_rng(extra[1])
        self.history = History()
        self.past = History()  # epochs of earlier calls, when resumed
        self.last_good = net.params.copy()
        # The weights this call started from, at the end of start_epoch:
        # a divergence never goes back past them.
        self.start, self.start_epoch = net.params.copy(), 0
        self.best: tuple[float, int, Array] | None = None
        # Where the run stands, and how it may be stopped and saved.
        self.epoch, self.step = 0, 0
        self.costs: list[float] = []
        self.epoch_rngs = self._rng_states()
        self.stop: Callable[[], bool] | None = None
        self.checkpoint: Callable[[TrainState], object] | None = None
        self.checkpoint_every: int | None = None
        self.saved_at: tuple[int, int] | None = None  # (epoch, step)

    def loop(
        self,
        X: Array,
        Y: Array,
        w: Array | None,
        test: tuple[Array, np.ndarray] | None,
        validation: _Rows | None,
        callbacks: Sequence[Callback],
    ) -> History:
        """Run the epochs; see ``train``."""
        history, config = self.history, self.config
        for name in _figure_names(config, test, validation):
            history.values.setdefault(name, [])
        for epoch in range(self.epoch, config.epochs):
            self.optimizer.lr = self.schedule.lr_at(epoch)
            figures = self._epoch(epoch, X, Y, w)
            if figures is None:
                break
            figures.update(self._measure(test, validation))
            if not np.isfinite(figures.get("validation_cost", 0.0)):
                self._diverged(epoch, "the validation cost", X, w)
                break
            history.append(figures)
            watched = figures.get("validation_cost", figures["cost"])
            self.schedule.update(watched)
            stop = self._early_stop(epoch, watched)
            self.epoch, self.step, self.costs = epoch + 1, 0, []
            every = self.checkpoint_every
            if every and self.epoch % every == 0:
                self._save()
            if any([bool(callback(history)) for callback in callbacks]):
                break
            if stop:
                break
            more = self.epoch < config.epochs
            if more and self.stop is not None and self.stop():
                self._interrupt()
                break
        ended = not (history.diverged or history.interrupted)
        if ended and self.saved_at != (self.epoch, self.step):
            self._save()  # the run's end, to be extended from
        self._restore_best()
        if ended:
            self._check_outputs(X, w)
        history.state = self.state()
        return history

    def _measure(
        self,
        test: tuple[Array, np.ndarray] | None,
        validation: _Rows | None,
    ) -> dict[str, float]:
        """The figures of the weights as they are after an epoch."""
        figures: dict[str, float] = {}
        if self.config.schedule != "constant":
            figures["lr"] = self.optimizer.lr
        # Weights on their way to diverging may overflow here; the caller
        # and the next step's cost catch what that leads to.
        with np.errstate(over="ignore", invalid="ignore"):
            if test is not None:
                figures.update(_test_figures(self.net, *test))
            if validation is not None:
                figures.update(_validation_figures(self.net, validation))
        return figures

    def _check_outputs(self, X: Array, w: Array | None) -> None:
        """The last epoch's weights have no next step to measure their cost:
        check that they give finite outputs on the training rows."""
        if not _finite_outputs(self.net, X):
            self._diverged(max(self.epoch - 1, 0), "the outputs", X, w)

    def _interrupt(self) -> None:
        """Mark the run as stopped by ``stop`` and hand over its state."""
        where = f"step {self.step} of epoch {self.epoch + 1}"
        if self.step == 0:
            where = f"epoch {self.epoch}"
        self.history.interrupted = True
        self.history.stop_reason = f"interrupted after {where}"
        self._save()

    def _save(self) -> None:
        """Hand the run's state to ``checkpoint``, if there is one."""
        if self.checkpoint:
            self.checkpoint(self.state())
            self.saved_at = (self.epoch, self.step)

    def _rng_states(self) -> dict[str, Any]:
        return {
            # Each read of ``state`` builds a new dictionary of plain
            # numbers: a copy already.
            name: rng.bit_generator.state
            for name, rng in (
                ("shuffle", self.shuffle_rng),
                ("dropout", self.dropout_rng),
                ("augment", self.augment_rng),
            )
        }

    def state(self) -> TrainState:
        """Where the run stands; see ``TrainState``."""
        rngs = self._rng_states()
        if self.step:  # mid-epoch: the epoch's own draws, to be replayed
            rngs["shuffle"] = copy.deepcopy(self.epoch_rngs["shuffle"])
            rngs["augment"] = copy.deepcopy(self.epoch_rngs["augment"])
        best = self.best
        return TrainState(
            epoch=self.epoch,
            step=self.step,
            params=self.net.params.copy(),
            optimizer=self.optimizer.state_dict(),
            schedule=self.schedule.state_dict(),
            rngs=rngs,
            history=_joined(self.past, self.history),
            costs=list(self.costs),
            last_good=self.last_good.copy(),
            best=None if best is None else (best[0], best[1], best[2].copy()),
        )

    def restore(self, state: TrainState) -> None:
        """Continue from ``state``: the inverse of ``state()``."""
        if state.params.shape != self.net.params.shape:
            raise ConfigError(
                f"the saved run has {state.params.size} parameters, this "
                f"network {self.net.params.size}: resume with the network "
                "the run was saved from"
            )
        np.copyto(self.net.params, state.params)
        self.optimizer.load_state_dict(state.optimizer)
        self.schedule.load_state_dict(state.schedule)
        # The rate is a setting like the others, which all come from this
        # call's config: the schedule goes on from config.lr.
        self.schedule.rebase(self.config.lr)
        for name, rng in (
            ("shuffle", self.shuffle_rng),
            ("dropout", self.dropout_rng),
            ("augment", self.augment_rng),
        ):
            rng.bit_generator.state = copy.deepcopy(state.rngs[name])
        self.epoch_rngs = self._rng_states()
        needed = state.epoch + (1 if state.step else 0)
        if self.config.epochs < needed:
            part = " and part of the next" if state.step else ""
            raise ConfigError(
                f"the run to resume has done {state.epoch} epochs{part}, but "
                f"config.epochs is {self.config.epochs}; set it to {needed} "
                "or more"
            )
        # This call's history starts empty; the epochs before it are kept
        # apart, to be joined again in state().
        self.past = _joined(state.history, History())
        if state.epoch == self.config.epochs and not state.history.interrupted:
            # Nothing left to train: the run ends again as it ended.
            self.history.stop_reason = state.history.stop_reason
        self.epoch, self.step = state.epoch, state.step
        self.saved_at = (state.epoch, state.step)
        self.costs = list(state.costs)
        np.copyto(self.last_good, state.last_good)
        if not state.step:
            # Between epochs: the weights handed over are where this call
            # starts, and the divergence guard goes back no further.
            self.start_epoch = state.epoch
            np.copyto(self.start, state.params)
        best = state.best
        if self.config.patience is None:
            best = None  # this run does not stop early
        self.best = None if best is None else (best[0], best[1], best[2].copy())

    def _epoch(
        self, epoch: int, X: Array, Y: Array, w: Array | None
    ) -> dict[str, float] | None:
        """One pass over the rows; None if training diverged in it."""
        net, config = self.net, self.config
        if self.step == 0:  # a new epoch (not one resumed part-way)
            self.epoch_rngs = self._rng_states()
            self.costs = []
        rows = X  # as given, for the divergence guard's check
        if config.augment:
            assert self.image_shape is not None
            X = augment_images(
                X,
                self.image_shape,
                self.augment_rng,
                max_shift=config.max_shift,
                max_rotation=config.max_rotation,
                max_scale=config.max_scale,
            )
        costs = self.costs
        n_steps = _n_batches(X.shape[0], config.batch_size)
        self.history.steps_per_epoch = n_steps
        batches = _batches(
            X, Y, w, config.batch_size, self.shuffle_rng, skip=self.step
        )
        # Overflow on the way to divergence is not worth a warning: the
        # checks below catch its result and say what happened.
        with np.errstate(over="ignore", invalid="ignore"):
            for Xb, Yb, wb in batches:
                self.step += 1
                if wb is not None and not np.any(wb > 0):
                    continue
                cost, grad = net._cost_and_gradient(
                    Xb, Yb, config.l2, wb, self.dropout, self.dropout_rng
                )
                if not np.isfinite(cost):
                    self._diverged(epoch, "the cost", rows, w)
                    return None
                if not costs:
                    # The epoch's first cost was of these weights, and
                    # finite: the divergence guard may go back to them.
                    np.copyto(self.last_good, net.params)
                self.optimizer.step(net.params, grad)
                costs.append(cost)
                if self.step < n_steps and self.stop and self.stop():
                    break  # Ctrl-C, say: stop after this step
        # A weight that is not finite makes the next step's cost not finite,
        # which the check above catches; so the weights need checking only
        # once, after the epoch's last step, not at every step.
        if not np.all(np.isfinite(net.params)):
            self._diverged(epoch, "a weight", rows, w)
            return None
        if self.step < n_steps:  # stopped part-way through the epoch
            self._interrupt()
            return None
        # train() made sure some row has a positive weight, so some batch
        # of every epoch does, and took a step.
        assert costs, "an epoch without a single step"
        return {"cost": math.fsum(costs) / len(costs)}

    def _diverged(
        self, epoch: int, what: str, X: Array, w: Array | None
    ) -> None:
        """Put back the latest weights seen to work; say why training stopped.

        ``last_good`` holds the latest weights whose cost was finite: those
        of the epoch's start if its first step got that far, else of the
        previous epoch's start. Their outputs on every training row are
        checked too, since a cost measured on one mini-batch speaks for
        that batch alone.
        """
        np.copyto(self.net.params, self.last_good)
        kept = self.epoch if self.costs else max(self.epoch - 1, 0)
        whose = "the weights the run started from"
        if kept < self.start_epoch:
            # Those are a call before this one's: keep this call's start.
            np.copyto(self.net.params, self.start)
            kept = self.start_epoch
            whose = f"the weights this call started from, of epoch {kept}"
        elif kept:
            whose = (
                f"the weights from the end of epoch {kept}, the last whose "
                "cost was finite"
            )
        history = self.history
        history.diverged, history.diverged_epoch = True, epoch + 1
        history.kept_epoch = kept
        cause = f"with learning rate {self.optimizer.lr:g}"
        fix = f"Try a smaller learning rate (lr = {self.config.lr:g} now)"
        if w is not None:
            total = float(np.sum(w, dtype=np.float64))
            cause += f" and sample weights summing to {total:.3g}"
            fix += f", or sample weights nearer 1 ({_rescaling(self.config)})"
        history.stop_reason = (
            f"training diverged in epoch {epoch + 1}: {what} became nan or "
            f"inf {cause}; kept {whose}. {fix}"
        )
        if not _finite_outputs(self.net, X):
            history.kept_epoch = None
            history.stop_reason += (
                f". Even those weights give nan or inf outputs on some "
                f"training rows: X holds values too large for "
                f"{self.net.dtype.name}; scale it down"
            )

    def _early_stop(self, epoch: int, watched: float) -> bool:
        """Track the best validation cost; True when patience runs out."""
        patience = self.config.patience
        if patience is None:
            return False
        if self.best is None or watched < self.best[0]:
            self.best = (watched, epoch, self.net.params.copy())
            return False
        if epoch - self.best[1] >= patience:
            self.history.stop_reason = (
                f"early stopping: no lower validation cost for {patience} "
                f"epochs after epoch {self.best[1] + 1}"
            )
            return True
        return False

    def _restore_best(self) -> None:
        """Early stopping's end: put back the best epoch's weights.

        Only a run that stops early does so. A run resumed without
        patience may carry the best epoch of the run before it, whose
        weights are not this run's to restore.
        """
        if self.config.patience is not None and self.best is not None:
            np.copyto(self.net.params, self.best[2])
            self.history.best_epoch = self.best[1] + 1


def _rescaling(config: TrainConfig) -> str:
    """What dividing every sample weight by their mean c changes."""
    if not config.l2:
        return (
            "only their ratios matter: dividing them all by their mean "
            "changes nothing else"
        )
    return (
        "dividing them all by their mean c leaves the data's part of the "
        "cost as it is but multiplies the L2 penalty by c, which is divided "
        "by their sum; divide l2 by c too to keep it"
    )


def _batches(
    X: Array,
    Y: Array,
    w: Array | None,
    batch_size: int | None,
    rng: np.random.Generator,
    skip: int = 0,
) -> Iterator[tuple[Array, Array, Array | None]]:
    """The epoch's batches (X, Y, weights): all at once, or shuffled slices.

    ``skip`` leaves out the first batches, already taken before a resume.
    """
    n = X.shape[0]
    if batch_size is None or batch_size >= n:
        if not skip:
            yield X, Y, w
        return
    order = rng.permutation(n)
    for start in range(skip * batch_size, n, batch_size):
        rows = order[start : start + batch_size]
        yield X[rows], Y[rows], None if w is None else w[rows]


def _joined(past: History, now: History) -> History:
    """One history of the epochs in ``past`` and then ``now``; flags of now."""
    names = [*past.values, *(k for k in now.values if k not in past.values)]
    values = {
        name: [*past.values.get(name, []), *now.values.get(name, [])]
        for name in names
    }
    return History(
        values,
        best_epoch=now.best_epoch,
        stop_reason=now.stop_reason,
        diverged=now.diverged,
        interrupted=now.interrupted,
        kept_epoch=now.kept_epoch,
        diverged_epoch=now.diverged_epoch,
        steps_per_epoch=now.steps_per_epoch or past.steps_per_epoch,
    )


def _figure_names(
    config: TrainConfig, test: object, validation: object
) -> list[str]:
    """The names of the figures ``train`` records each epoch."""
    names = ["cost"]
    if config.schedule != "constant":
        names.append("lr")
    if test is not None:
        names += ["test_accuracy", "test_exact"]
    if validation is not None:
        names += ["validation_cost", "validation_accuracy"]
    return names


def _finite_outputs(net: Network, X: Array, chunk: int = 256) -> bool:
    """Whether the network's logits on every row of X are finite.

    Most often a bound on the logits proves it at once (see
    ``Network.logits_bound``): a forward pass over every training row
    would cost as much as a third of an epoch. Otherwise rows go through
    in chunks, so that a convolutional network on a large data set needs
    no more memory than a few training batches.
    """
    # A margin of a factor 1e6 covers the rounding of the bound itself.
    if net.logits_bound(X) < float(np.finfo(net.dtype).max) * 1e-6:
        return True
    with np.errstate(over="ignore", invalid="ignore"):
        return all(
            bool(np.all(np.isfinite(net._logits(X[i : i + chunk]))))
            for i in range(0, X.shape[0], chunk)
        )


def _n_batches(n: int, batch_size: int | None) -> int:
    """Gradient steps in an epoch of n rows."""
    if batch_size is None or batch_size >= n:
        return 1
    return -(-n // batch_size)


def _test_figures(net: Network, X: Array, y: np.ndarray) -> dict[str, float]:
    P = net.output.probabilities(net._logits(X))
    return {
        "test_accuracy": accuracy(y, np.argmax(P, axis=1)),
        "test_exact": exact_match(P, y),
    }


@dataclass(frozen=True)
class _Rows:
    """Rows of samples, their labels and their sample weights (or None)."""

    X: Array
    y: np.ndarray
    w: Array | None


def _part(w: Array | None, rows: np.ndarray) -> Array | None:
    return None if w is None else w[rows]


def _check_split_weights(
    w: Array | None, kept: np.ndarray, held: np.ndarray, fraction: float
) -> None:
    """Both sides of a validation split need a row of positive weight."""
    if w is None:
        return
    for rows, side, use in (
        (kept, "into the validation split", "is left to learn from"),
        (held, "outside the validation split", "is left to measure it"),
    ):
        if not np.any(w[rows] > 0):
            raise ConfigError(
                f"every row with a positive sample_weight fell {side} "
                f"({fraction:g} of the rows are held out), so none {use}; "
                "give more rows a positive weight, or train without "
                "validation"
            )


def _validation_figures(net: Network, rows: _Rows) -> dict[str, float]:
    """Cost and accuracy on the held-out rows, each counted by its weight
    (a row of weight 0 counts for nothing)."""
    Z = net._logits(rows.X)
    Y = one_hot(rows.y, net.n_outputs, net.dtype)
    guess = np.argmax(Z, axis=1)
    share = accuracy(rows.y, guess)
    if rows.w is not None:
        w = rows.w.astype(np.float64)
        share = float(np.dot(w, guess == rows.y) / np.sum(w))
    return {
        "validation_cost": net._cost_from_logits(Z, Y, 0.0, rows.w),
        "validation_accuracy": share,
    }


def _labels(
    y: ArrayLike, n_samples: int, n_classes: int, name: str
) -> np.ndarray:
    labels = check_labels(y, n_classes)
    if labels.shape[0] != n_samples:
        raise ConfigError(
            f"{name} has {labels.shape[0]} labels for {n_samples} samples; "
            "give one label per row of X"
        )
    return labels
