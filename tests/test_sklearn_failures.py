"""BarenetClassifier when things go wrong: divergence, fits that fail,
parameters of the wrong kind, settings changed between calls, and model
files whose metadata was tampered with."""

from __future__ import annotations

import copy
import json
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV

from barenet._seal import seal
from barenet.errors import ConfigError, ModelFileError
from barenet.sklearn import BarenetClassifier
from test_sklearn import iris, small  # noqa: F401  (a fixture and a helper)

# -- divergence ---------------------------------------------------------------


def test_divergence_keeps_weights_that_predict(iris, tmp_path):  # noqa: F811
    X, y = iris
    clf = small(activation="relu", lr=1e20, random_state=0)
    with pytest.warns(ConvergenceWarning) as caught:
        clf.fit(X, y)
    # It diverged in epoch 9: epoch 8's weights had a nan cost there, so
    # the weights kept are those of epoch 7, the last with a finite cost.
    assert clf.n_iter_ == 8 and len(clf.loss_curve_) == 8
    assert clf.best_epoch_ == 7
    message = str(caught[0].message)
    assert message.startswith(
        "training diverged in epoch 9: the cost became nan or inf with "
        "learning rate 1e+20; kept the weights from the end of epoch 7"
    )
    assert message.endswith(
        "Counted since the weights were drawn, network_ holds those of "
        "epoch 7 (best_epoch_)"
    )
    # The warning points at the line that called fit.
    assert caught[0].filename == __file__
    P = clf.predict_proba(X)
    assert np.isfinite(P).all()
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    same = BarenetClassifier.load(clf.save(tmp_path / "kept.npz"))
    np.testing.assert_array_equal(same.predict_proba(X), P)
    assert same.best_epoch_ == 7


@pytest.mark.parametrize(
    ("params", "X_scale"),
    [
        ({"lr": 1e300, "dtype": "float32"}, 1.0),
        ({"activation": "relu", "dtype": "float32"}, 1e30),
    ],
    ids=["huge rate", "huge inputs"],
)
def test_divergence_in_the_first_epoch_fits_nothing(params, X_scale, iris):  # noqa: F811
    X, y = iris
    for call in ("fit", "partial_fit"):
        clf = small(epochs=5, random_state=0, **params)
        with pytest.raises(
            ConfigError,
            match=r"training diverged in epoch [12]: .* Nothing usable was "
            "learned, so the estimator is left as it was before this call",
        ):
            if call == "fit":
                clf.fit(X * X_scale, y)
            else:
                clf.partial_fit(X * X_scale, y, classes=[0, 1, 2])
        with pytest.raises(NotFittedError):
            clf.predict(X)


def test_overflowing_sample_weights_are_refused_before_training(iris):  # noqa: F811
    X, y = iris
    clf = small(random_state=0)
    with pytest.raises(
        ConfigError, match="sample_weight sums to more than float64 can hold"
    ):
        clf.fit(X, y, sample_weight=np.full(len(y), 1e308))
    assert not hasattr(clf, "n_iter_")


def test_a_diverging_call_after_a_good_fit_keeps_a_usable_estimator(iris):  # noqa: F811
    X, y = iris
    clf = small(activation="relu", lr=0.1, epochs=20, random_state=0)
    clf.fit(X, y)
    before = clf.network_.params.copy()
    clf.set_params(lr=1e308)
    # partial_fit takes the new rate: its step diverges, and the weights
    # it started from stay.
    with pytest.warns(
        ConvergenceWarning, match="kept the weights from the end of epoch 20"
    ):
        clf.partial_fit(X, y)
    np.testing.assert_array_equal(clf.network_.params, before)
    assert clf.n_iter_ == 21 and clf.best_epoch_ == 20
    # A warm fit starts a new optimizer at the new rate: it diverges in
    # its first step, and the weights stay as they were.
    clf.set_params(warm_start=True)
    with pytest.warns(ConvergenceWarning, match="kept the weights the run"):
        clf.fit(X * 100, y)
    np.testing.assert_array_equal(clf.network_.params, before)
    assert clf.n_iter_ == 21 and clf.best_epoch_ == 20
    # The next call starts a new optimizer from those weights.
    clf.set_params(lr=0.1)
    clf.partial_fit(X, y)
    assert clf.n_iter_ == 22 and np.isfinite(clf.loss_curve_).all()
    assert not np.array_equal(clf.network_.params, before)


def test_a_diverging_partial_fit_keeps_at_worst_the_weights_it_started_from(
    iris,  # noqa: F811
):
    X, y = iris
    clf = small(random_state=0)
    for _ in range(3):
        clf.partial_fit(X, y, classes=[0, 1, 2])
    start = clf.network_.params.copy()
    # A mislabelled row weighs 1e308: the first step's cost is inf. The
    # weights of the epoch before (the second call's) must not come back.
    wrong, w = y.copy(), np.ones(len(y))
    wrong[0], w[0] = 2, 1e308
    with pytest.warns(ConvergenceWarning) as caught:
        clf.partial_fit(X, wrong, sample_weight=w)
    assert "kept the weights this call started from, of epoch 3" in str(
        caught[0].message
    )
    np.testing.assert_array_equal(clf.network_.params, start)
    assert clf.n_iter_ == clf.best_epoch_ == 3


# -- a failed fit leaves the estimator as it was ------------------------------


def test_a_failed_refit_keeps_the_fitted_estimator(iris):  # noqa: F811
    X, y = iris
    clf = small(random_state=0).fit(X, y)
    params, score = clf.network_.params.copy(), clf.score(X, y)
    with pytest.raises(ConfigError, match=r"sample_weight has shape \(149,\)"):
        clf.fit(X, y, sample_weight=np.ones(149))
    with pytest.raises(ValueError, match="y holds one class only"):
        clf.fit(X[:, :3], np.zeros(150))
    np.testing.assert_array_equal(clf.network_.params, params)
    assert clf.score(X, y) == score and clf.n_iter_ == 100
    assert clf.n_features_in_ == 4, "the failed fit's 3 columns are forgotten"


def test_a_failed_first_fit_fits_nothing(iris):  # noqa: F811
    X, y = iris
    for fit in (
        lambda clf: clf.fit(X, np.zeros(150)),
        lambda clf: clf.fit(X, y, sample_weight=np.full(150, np.nan)),
        lambda clf: clf.partial_fit(X, y, classes=[0, 1]),
    ):
        clf = small()
        with pytest.raises(ValueError):
            fit(clf)
        with pytest.raises(NotFittedError, match="is not fitted yet"):
            clf.predict(X)


# -- warm_start and partial_fit go on with the network they made --------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"activation": "relu"},
            r"whose activation is \('sigmoid',\), but activation='relu' asks "
            r"for \('relu',\); set activation back to \('sigmoid',\)",
        ),
        ({"output": "softmax"}, "whose output is 'sigmoid', but output="),
        ({"dtype": "float32"}, "whose dtype is 'float64', but dtype="),
        ({"init": "he"}, "whose init is 'uniform', but init='he'"),
        ({"hidden": (4, 4)}, r"whose hidden is \(8,\), but hidden=\(4, 4\)"),
    ],
)
def test_warm_start_and_partial_fit_refuse_another_network(
    change,
    message,
    iris,  # noqa: F811
):
    X, y = iris
    warm = small(epochs=5, warm_start=True, random_state=0).fit(X, y)
    before = warm.network_.params.copy()
    warm.set_params(**change)
    with pytest.raises(
        ConfigError, match=f"warm_start goes on .*{message}.*warm_start=False"
    ):
        warm.fit(X, y)
    stream = small(random_state=0).partial_fit(X, y, classes=[0, 1, 2])
    stream.set_params(**change)
    with pytest.raises(
        ConfigError, match=f"partial_fit goes on .*{message}.*call fit"
    ):
        stream.partial_fit(X, y)
    np.testing.assert_array_equal(warm.network_.params, before)


def test_partial_fit_refuses_another_optimizer_or_schedule(iris):  # noqa: F811
    X, y = iris
    clf = small(random_state=0).partial_fit(X, y, classes=[0, 1, 2])
    clf.set_params(optimizer="adam")
    with pytest.raises(
        ConfigError,
        match="partial_fit goes on with the optimizer of the calls before, "
        "'sgd', but optimizer='adam'; set it back, or call fit",
    ):
        clf.partial_fit(X, y)
    clf.set_params(optimizer="sgd", schedule="step")
    with pytest.raises(ConfigError, match="with the schedule of the calls"):
        clf.partial_fit(X, y)
    assert clf.n_iter_ == 1


def test_partial_fit_past_a_cosine_schedule_stretches_it(iris):  # noqa: F811
    X, y = iris
    clf = small(schedule="cosine", epochs=3, random_state=0)
    for _ in range(4):
        clf.partial_fit(X, y, classes=[0, 1, 2])
    # The fourth call ends a cosine of 4 epochs: its rate at epoch 3 (from
    # 0) is (1 + cos(3 pi / 4)) / 2 = sin^2(pi / 8).
    rate = clf._state.schedule["base_lr"]
    assert clf._state.optimizer["lr"] == pytest.approx(
        rate * np.sin(np.pi / 8) ** 2, rel=1e-12
    )


# -- every parameter is checked, used or not, and NumPy numbers are numbers ---


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"momentum": np.nan}, r"momentum must lie in \[0, 1\), got nan"),
        ({"step_size": "3"}, "step_size must be a whole number >= 1"),
        ({"max_shift": None}, "max_shift must be a whole number of pixels"),
        ({"weight_decay": np.inf}, "weight_decay must be a finite number"),
        ({"max_scale": 5}, r"max_scale must lie in \[0, 1\)"),
        ({"image_shape": (2.5, 8)}, r"image_shape must be \(height, width\)"),
        ({"image_shape": (1,)}, r"image_shape must be .*got \(1,\)"),
        ({"conv": (8, 3)}, r"conv must be a sequence of \(filters, kernel\)"),
        ({"conv": ((2.9, 3),)}, r"conv must be .*got \(\(2\.9, 3\),\)"),
        ({"activation": b"relu"}, "activation must be a name or a list"),
        ({"verbose": "yes"}, "verbose must be True, False or a whole number"),
        ({"random_state": -1}, "random_state must be a whole number >= 0"),
        ({"random_state": True}, "random_state must be .* got True"),
        ({"plateau_patience": -2}, "plateau_patience must be a whole number"),
    ],
)
def test_every_parameter_is_checked_in_fit(params, message, iris):  # noqa: F811
    with pytest.raises(ConfigError, match=message):
        small(**params).fit(*iris)


def test_numpy_numbers_and_other_spellings_are_accepted(iris, tmp_path):  # noqa: F811
    X, y = iris
    spelled = small(
        hidden=np.int64(8),
        lr=np.float32(0.5),
        optimizer="momentum",
        momentum=np.float32(0.5),
        schedule="step",
        step_size=np.int64(3),
        epochs=np.int64(5),
        dropout=np.float32(0.25),
        dtype=np.float64,
        verbose=0,
        random_state=np.int64(7),
    ).fit(X, y)
    plain = small(
        hidden=8,
        lr=0.5,
        optimizer="momentum",
        momentum=0.5,
        schedule="step",
        step_size=3,
        epochs=5,
        dropout=0.25,
        random_state=7,
    ).fit(X, y)
    # float32(0.5) is exactly 0.5, so both train the same network.
    np.testing.assert_array_equal(
        spelled.network_.params, plain.network_.params
    )
    same = BarenetClassifier.load(spelled.save(tmp_path / "numpy.npz"))
    assert same.random_state == 7 and same.get_params()["hidden"] == 8
    # A grid search hands out NumPy numbers; its best estimator saves.
    search = GridSearchCV(
        small(epochs=5, random_state=0),
        {"batch_size": np.array([16, 32])},
        cv=2,
    ).fit(X, y)
    path = search.best_estimator_.save(tmp_path / "best.npz")
    assert BarenetClassifier.load(path).batch_size in (16, 32)


@pytest.mark.parametrize(
    ("classes", "message"),
    [
        (
            [0, 1, 2, np.nan],
            r"classes=\[0\.0, 1\.0, 2\.0, nan\] are not labels of a classifier "
            r"\(Input classes contains NaN\)",
        ),
        ([0, 1, 2, None], r"\(Unknown label type: unknown\)"),
        ([[0, 1], [2, 2]], r"classes must be a flat list of labels, .*\[\[0"),
        (3, "classes must be a flat list of labels, .* got 3"),
        ([0.5, 1.5], r"\(Unknown label type: continuous\)"),
    ],
)
def test_partial_fit_classes_must_be_labels(classes, message, iris):  # noqa: F811
    clf = small()
    with pytest.raises(ConfigError, match=message):
        clf.partial_fit(*iris, classes=classes)
    assert not hasattr(clf, "classes_")


def test_labels_of_mixed_kinds_are_named(iris):  # noqa: F811
    X, _ = iris
    mixed = np.array(["a", 1] * 75, dtype=object)
    with pytest.raises(ConfigError, match="the labels mix kinds"):
        small().fit(X, mixed)


# -- model files ---------------------------------------------------------------


def test_the_model_file_keeps_the_column_names(iris, tmp_path):  # noqa: F811
    X, y = iris
    frame = pd.DataFrame(X, columns=["sl", "sw", "pl", "pw"])
    clf = small(random_state=0).fit(frame, y)
    same = BarenetClassifier.load(clf.save(tmp_path / "named.npz"))
    assert same.feature_names_in_.tolist() == ["sl", "sw", "pl", "pw"]
    with pytest.raises(ValueError, match="same order as they were in fit"):
        same.predict(frame[frame.columns[::-1]])
    np.testing.assert_array_equal(same.predict(frame), clf.predict(frame))


@pytest.fixture(scope="module")
def saved(iris, tmp_path_factory):  # noqa: F811
    """A model file of string labels, as (its arrays, its metadata)."""
    X, y = iris
    names = np.array(["cat", "dog", "emu"])[y]
    clf = small(epochs=20, random_state=0).fit(X, names)
    path = clf.save(tmp_path_factory.mktemp("saved") / "orig.npz")
    with np.load(path) as archive:
        arrays = {name: archive[name] for name in archive.files}
    return arrays, json.loads(arrays["metadata"].tobytes())


def _edited(saved, path, edit):
    """The file with its metadata edited and its checksum made to match:
    the estimator's own checks stand behind the file's SHA-256, for files
    edited by someone who recomputed it."""
    arrays, meta = saved
    meta = copy.deepcopy(meta)
    edit(meta["info"], meta["info"]["BarenetClassifier"])
    text = json.dumps(meta).encode()
    entries = {k: v for k, v in arrays.items() if k != "sha256"}
    entries["metadata"] = np.frombuffer(text, np.uint8)
    seal(entries)
    np.savez(path, **entries)
    return path


@pytest.mark.parametrize(
    ("edit", "reason"),
    [
        (
            lambda info, s: info["data"].update(classes=["dog", "cat", "emu"]),
            "the classes are not distinct and sorted",
        ),
        (
            lambda info, s: info["data"].update(classes=["cat", "cat", "emu"]),
            "the classes are not distinct and sorted",
        ),
        (
            lambda info, s: s.update(classes_dtype="<U1"),
            r"the classes \['cat', 'dog', 'emu'\] do not fit classes_dtype",
        ),
        (
            lambda info, s: (
                s.update(classes_dtype="|i1"),
                info["data"].update(classes=[1000, 2000, 3000]),
            ),
            "do not fit classes_dtype '|i1'",
        ),
        (
            lambda info, s: info["data"].update(classes=["cat", "dog"]),
            "the classes are not a list of 3 labels, one per output",
        ),
        (
            lambda info, s: info["data"].update(classes=[[1], [1, 2], 3]),
            "the classes are not numbers, strings or booleans",
        ),
        (lambda info, s: s.update(n_iter=float("inf")), "n_iter is inf"),
        (lambda info, s: s.update(n_iter=-7), "n_iter is -7"),
        (lambda info, s: s.update(seed=float("inf")), "seed is inf"),
        (
            lambda info, s: s.update(loss_curve=[10**400] * 20),
            "loss_curve is not a list of finite numbers",
        ),
        (
            lambda info, s: s.update(loss_curve=[1.0]),
            "loss_curve has 1 values for n_iter=20",
        ),
        (
            lambda info, s: s["params"].update(hidden=[9]),
            r"params hidden=\(9,\) do not match the network's \(8,\)",
        ),
        (
            lambda info, s: s["params"].update(lr=-1),
            "lr must be a finite number > 0, got -1",
        ),
        (
            lambda info, s: s.update(feature_names=["a"]),
            "feature_names are not 4 distinct column names",
        ),
        (
            # 2 GB per label, were NumPy asked to make the array.
            lambda info, s: s.update(classes_dtype="<U500000000"),
            "classes_dtype '<U500000000' is wider than the longest label, "
            "3 characters",
        ),
        (
            lambda info, s: s.update(validation_scores=[0.5] * 3),
            "validation_scores has 3 values for n_iter=20",
        ),
        (
            lambda info, s: s.update(validation_scores=[2.0] * 20),
            r"validation_scores is not a list of accuracies in \[0, 1\]",
        ),
    ],
)
def test_tampered_metadata_is_refused_by_name(edit, reason, saved, tmp_path):
    path = _edited(saved, tmp_path / "t.npz", edit)
    with pytest.raises(
        ModelFileError,
        match=f"not a valid barenet model: .*t.npz \\(the BarenetClassifier "
        f"metadata is damaged: {reason}",
    ):
        BarenetClassifier.load(path)


def test_labels_wider_than_they_need_are_saved_as_narrow_as_they_are(
    iris,  # noqa: F811
    tmp_path,
):
    X, y = iris
    names = np.array(["cat", "dog", "emu"], dtype="<U40")[y]
    clf = small(epochs=2, random_state=0).fit(X, names)
    same = BarenetClassifier.load(clf.save(tmp_path / "wide.npz"))
    assert same.classes_.dtype == np.dtype("<U3")
    assert same.classes_.tolist() == ["cat", "dog", "emu"]
    assert same.predict(X).tolist() == clf.predict(X).tolist()


def test_an_untouched_file_loads(saved, tmp_path):
    path = _edited(saved, tmp_path / "t.npz", lambda info, s: None)
    assert BarenetClassifier.load(path).classes_.tolist() == [
        "cat",
        "dog",
        "emu",
    ]


# -- early stopping's figures follow MLPClassifier's ---------------------------


def test_early_stopping_exposes_the_epoch_it_kept(iris):  # noqa: F811
    X, y = iris
    options = {"validation": 0.2, "patience": 5, "optimizer": "adam"}
    clf = BarenetClassifier((8,), epochs=400, lr=0.3, random_state=1, **options)
    clf.fit(X, y)
    assert clf.n_iter_ == clf.best_epoch_ + 5
    assert clf.best_loss_ is None
    assert (
        clf.best_validation_score_
        == clf.validation_scores_[clf.best_epoch_ - 1]
    )
    plain = small(random_state=1).fit(X, y)
    assert plain.best_epoch_ == plain.n_iter_ == 100
    assert plain.best_loss_ == min(plain.loss_curve_)
    assert plain.best_validation_score_ is None
    # Pickled or saved, the figures are the same.
    again = pickle.loads(pickle.dumps(clf))
    assert again.best_epoch_ == clf.best_epoch_


def test_partial_fit_after_early_stopping_trains_from_the_kept_weights(
    iris,  # noqa: F811
):
    X, y = iris
    options = {"validation": 0.2, "patience": 5, "optimizer": "adam"}
    clf = BarenetClassifier((8,), epochs=400, lr=0.3, random_state=1, **options)
    clf.fit(X, y)
    assert clf.best_epoch_ < clf.n_iter_ < 400, "it stopped early"
    clf.set_params(patience=None)
    flipped = (y + 1) % 3
    # The same, pickled: its state of training travels with it.
    for est in (clf, pickle.loads(pickle.dumps(clf))):
        n_iter = est.n_iter_
        for k in range(1, 4):
            before = est.network_.params.copy()
            est.partial_fit(X, flipped)
            assert not np.array_equal(est.network_.params, before)
            assert est.best_epoch_ == est.n_iter_ == n_iter + k
            assert est.best_validation_score_ is None


def test_verbose_as_an_int_prints_and_hidden_as_an_int_is_one_layer(
    iris,  # noqa: F811
    capsys,
):
    clf = small(hidden=5, epochs=2, verbose=1, random_state=0).fit(*iris)
    assert clf.network_.sizes == (4, 5, 3)
    assert capsys.readouterr().out.startswith("Epoch 1, cost = ")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        small(hidden=5, epochs=2, verbose=0).fit(*iris)
    assert capsys.readouterr().out == ""
