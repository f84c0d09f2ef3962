"""BarenetClassifier: scikit-learn's own checks, and what a user relies on."""

from __future__ import annotations

import dataclasses
import inspect
import pickle
import subprocess
import sys

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import barenet
from barenet.errors import ConfigError, ModelFileError
from barenet.functions import OUTPUTS
from barenet.network import Network
from barenet.sklearn import (
    LOG_SCORES,
    BarenetClassifier,
    expected_failed_checks,
)
from barenet.training import TrainConfig, train


@parametrize_with_checks(
    [
        BarenetClassifier(),
        BarenetClassifier(
            (10,),
            activation="tanh",
            output="softmax",
            init="glorot",
            optimizer="adam",
            schedule="cosine",
            epochs=200,
            lr=0.02,
            l2=0.01,
        ),
        # Set-ups whose sample weights cannot match repeated rows to the
        # check's tolerance; expected_failed_checks says why.
        BarenetClassifier((10,), dtype="float32"),
        BarenetClassifier(
            (10,),
            output="softmax",
            optimizer="adam",
            batch_size=16,
            dropout=0.1,
            epochs=100,
            lr=0.02,
            l2=0.01,
        ),
        BarenetClassifier((6,), validation=0.2, epochs=60),
    ],
    expected_failed_checks=expected_failed_checks,
)
def test_scikit_learn_estimator_checks(estimator, check):
    check(estimator)


def test_only_the_set_ups_that_must_fail_a_check_are_expected_to():
    assert expected_failed_checks(BarenetClassifier()) == {}
    expected = expected_failed_checks(
        BarenetClassifier(batch_size=8, dtype="float32")
    )
    assert expected == {
        "check_sample_weight_equivalence_on_dense_data": (
            "mini-batches of repeated rows differ from weighted; float32 "
            "rounds weighted and repeated sums apart"
        )
    }
    expected = expected_failed_checks(BarenetClassifier(validation=0.1))
    assert expected == {
        "check_sample_weight_equivalence_on_dense_data": (
            "the validation split holds rows out, and copies of a row may "
            "fall on both sides of it where the weighted row falls on one"
        )
    }


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def small(**params) -> BarenetClassifier:
    """A quick network for tests: one hidden layer of 8, 100 epochs."""
    return BarenetClassifier(**{"hidden": (8,), "epochs": 100, **params})


# -- the estimator trains barenet's network with barenet's training -----------


def test_fit_is_barenet_training_with_the_same_seed(iris):
    X, y = iris
    clf = BarenetClassifier((6,), epochs=40, lr=0.5, random_state=3).fit(X, y)
    net = Network([4, 6, 3], seed=3)
    history = train(net, X, y, TrainConfig(epochs=40, lr=0.5, seed=3))
    np.testing.assert_array_equal(clf.network_.params, net.params)
    assert clf.loss_curve_ == history["cost"]
    assert clf.best_loss_ == min(history["cost"]) == history["cost"][-1]
    assert clf.n_iter_ == 40 and clf.n_features_in_ == 4
    assert clf.validation_scores_ is None
    assert [W.shape for W in clf.coefs_] == [(4, 6), (6, 3)]
    assert [b.shape for b in clf.intercepts_] == [(6,), (3,)]


def test_coefs_and_intercepts_are_the_networks_parameters(iris):
    X, y = iris
    clf = small(random_state=0).fit(X, y)
    clf.coefs_[-1][...] = 0.0
    clf.intercepts_[-1][...] = [0.0, 5.0, 0.0]
    assert (clf.predict(X) == 1).all()


def test_every_training_option_is_a_parameter():
    params = set(inspect.signature(BarenetClassifier).parameters)
    # seed is random_state; the network's shape comes from hidden and data;
    # max_params guards the loading of model files, not training.
    config = {f.name for f in dataclasses.fields(TrainConfig)} - {"seed"}
    network = set(inspect.signature(Network).parameters) - {
        "sizes",
        "seed",
        "max_params",
    }
    assert config | network <= params
    assert {"hidden", "random_state", "warm_start", "verbose"} <= params
    # Parameters are stored unchanged, even when fit would refuse them.
    clf = BarenetClassifier(hidden="wide", lr=-1, activation=["x"])
    assert clf.get_params()["hidden"] == "wide"
    assert clf.get_params()["activation"] == ["x"]


def test_labels_of_any_type(iris):
    X, y = iris
    ints = small(random_state=0).fit(X, y)
    species = np.array(["setosa", "versicolor", "virginica"])
    names = small(random_state=0).fit(X, species[y])
    assert names.classes_.tolist() == ["setosa", "versicolor", "virginica"]
    # (Fractional floats would be a regression target to scikit-learn.)
    floats = small(random_state=0).fit(X, y * 10.0 - 7)
    assert floats.classes_.tolist() == [-7.0, 3.0, 13.0]
    # The labels are encoded as their index in the sorted classes_, so the
    # three train the same network and agree on every prediction.
    guess = ints.predict(X)
    assert names.predict(X).tolist() == species[guess].tolist()
    assert floats.predict(X).tolist() == (guess * 10.0 - 7).tolist()
    assert names.score(X, species[y]) == ints.score(X, y) > 0.9


def test_probabilities_come_from_the_outputs(iris):
    X, y = iris
    for output in ("sigmoid", "softmax"):
        clf = small(output=output, random_state=0).fit(X, y)
        P = clf.network_.predict_proba(X)
        if output == "sigmoid":
            P = P / P.sum(axis=1, keepdims=True)
        np.testing.assert_allclose(clf.predict_proba(X), P, rtol=1e-12)
        np.testing.assert_allclose(
            np.exp(clf.predict_log_proba(X)), P, rtol=1e-12
        )
        np.testing.assert_array_equal(
            clf.predict(X), clf.classes_[P.argmax(axis=1)]
        )


def test_log_probabilities_stay_finite_when_outputs_saturate():
    clf = small(output="sigmoid", random_state=0).fit(
        [[0.0], [1.0], [2.0], [3.0]], ["a", "a", "b", "b"]
    )
    clf.coefs_[-1][...] = [[800.0, -800.0]] * 8
    clf.intercepts_[-1][...] = 0.0
    clf.coefs_[0][...] = 1.0
    clf.intercepts_[0][...] = 0.0
    # Output a's logit is about 8 * 800, b's about -8 * 800: in
    # probabilities b is exactly 0, but its log is still about -6400.
    log_p = clf.predict_log_proba([[3.0]])
    assert np.isfinite(log_p).all() and log_p[0, 1] < -6000
    assert clf.predict_proba([[3.0]])[0].tolist() == [1.0, 0.0]
    # Every output barenet offers has its log-probabilities here.
    assert set(LOG_SCORES) == set(OUTPUTS)


def test_sample_weight_counts_rows(iris):
    X, y = iris
    counts = np.random.default_rng(0).integers(0, 3, len(y))
    weighted = small(random_state=1).fit(X, y, sample_weight=counts)
    rows = np.repeat(np.arange(len(y)), counts)
    repeated = small(random_state=1).fit(X[rows], y[rows])
    np.testing.assert_allclose(
        weighted.network_.params, repeated.network_.params, atol=1e-10
    )
    np.testing.assert_allclose(
        weighted.loss_curve_, repeated.loss_curve_, rtol=1e-12
    )


def test_warm_start_goes_on_where_the_last_fit_stopped(iris):
    X, y = iris
    once = small(epochs=30, random_state=0).fit(X, y)
    twice = small(epochs=15, random_state=0, warm_start=True)
    twice.fit(X, y).fit(X, y)
    np.testing.assert_array_equal(twice.network_.params, once.network_.params)
    assert twice.loss_curve_ == once.loss_curve_ and twice.n_iter_ == 30
    # Without warm_start a second fit starts again from new weights.
    cold = small(epochs=15, random_state=0)
    first = cold.fit(X, y).network_.params.copy()
    np.testing.assert_array_equal(cold.fit(X, y).network_.params, first)
    assert cold.n_iter_ == 15


def test_partial_fit_makes_one_pass_per_call(iris):
    X, y = iris
    stream = small(random_state=0)
    for _ in range(5):
        stream.partial_fit(X, y, classes=[0, 1, 2])
    batch = small(epochs=5, random_state=0).fit(X, y)
    np.testing.assert_array_equal(stream.network_.params, batch.network_.params)
    assert stream.n_iter_ == 5 and len(stream.loss_curve_) == 5
    # A batch may hold some classes only; the outputs cover all declared.
    first = small(random_state=0).partial_fit(X[:50], y[:50], classes=[0, 1, 2])
    assert first.predict_proba(X).shape == (150, 3)


def test_works_in_pipeline_cross_validation_and_grid_search(iris):
    X_raw, y = load_iris(return_X_y=True)
    pipeline = make_pipeline(
        StandardScaler(), BarenetClassifier((8,), epochs=300, random_state=0)
    )
    scores = cross_val_score(pipeline, X_raw, y, cv=5)
    assert scores.shape == (5,) and scores.min() >= 0.85
    # The pipeline's prediction is the scaler, then the network.
    pipeline.fit(X_raw, y)
    scaled = StandardScaler().fit(X_raw).transform(X_raw)
    network = pipeline[-1]
    np.testing.assert_array_equal(
        pipeline.predict(X_raw), network.predict(scaled)
    )

    search = GridSearchCV(
        BarenetClassifier((8,), random_state=0),
        {"epochs": [1, 300], "output": ["sigmoid", "softmax"]},
        cv=3,
    )
    search.fit(*iris)
    # One epoch cannot learn iris; 300 can.
    assert search.best_params_["epochs"] == 300
    assert search.best_score_ > 0.85
    one_epoch = search.cv_results_["param_epochs"] == 1
    assert search.cv_results_["mean_test_score"][one_epoch].max() < 0.8


def test_early_stopping_is_barenets(iris):
    X, y = iris
    options = {"validation": 0.2, "patience": 5, "optimizer": "adam"}
    clf = BarenetClassifier(
        (8,), epochs=400, lr=0.3, random_state=1, **options
    ).fit(X, y)
    net = Network([4, 8, 3], seed=1)
    config = TrainConfig(epochs=400, lr=0.3, seed=1, **options)
    history = train(net, X, y, config)
    np.testing.assert_array_equal(clf.network_.params, net.params)
    assert clf.validation_scores_ == history["validation_accuracy"]
    assert clf.loss_curve_ == history["cost"]
    assert clf.n_iter_ == len(history) < 400, "it stopped early"


def test_convolutions_and_augmentation_are_barenets(semeion, tmp_path):
    X, y = semeion.X[::8], semeion.y[::8]
    options = {"augment": True, "max_shift": 1, "dropout": 0.2}
    clf = BarenetClassifier(
        (10,),
        conv=((4, 3),),
        activation="relu",
        epochs=3,
        random_state=2,
        **options,
    )
    clf.fit(X, y)
    net = Network([256, 10, 10], conv=[(4, 3)], activation="relu", seed=2)
    train(net, X, y, TrainConfig(epochs=3, seed=2, **options))
    np.testing.assert_array_equal(clf.network_.params, net.params)
    same = BarenetClassifier.load(clf.save(tmp_path / "conv.npz"))
    assert same.get_params() == clf.get_params()
    np.testing.assert_array_equal(same.predict_proba(X), clf.predict_proba(X))


def test_partial_fit_keeps_the_optimizers_state(iris):
    X, y = iris
    options = {"optimizer": "adam", "lr": 0.01, "batch_size": 32}
    stream = small(epochs=6, random_state=0, **options)
    for _ in range(6):
        stream.partial_fit(X, y, classes=[0, 1, 2])
    batch = small(epochs=6, random_state=0, **options).fit(X, y)
    np.testing.assert_array_equal(stream.network_.params, batch.network_.params)
    assert stream.loss_curve_ == batch.loss_curve_


def test_verbose_prints_the_cost_of_each_epoch(iris, capsys):
    small(epochs=3, verbose=True, random_state=0).fit(*iris)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(",")[0] for line in lines] == [
        "Epoch 1",
        "Epoch 2",
        "Epoch 3",
    ]
    quiet = small(epochs=3, random_state=0).fit(*iris)
    assert capsys.readouterr().out == ""
    assert lines[2] == f"Epoch 3, cost = {quiet.loss_curve_[2]:.8f}"


def test_float32_trains_in_float32(iris):
    X, y = iris
    clf = small(dtype="float32", random_state=0).fit(X, y)
    assert clf.network_.params.dtype == np.float32
    assert clf.predict_proba(X).dtype == np.float32
    assert clf.score(X, y) > 0.9


# -- bad use gets scikit-learn's kind of error ------------------------------


def test_predicting_before_fit_is_not_fitted_error():
    with pytest.raises(
        NotFittedError,
        match=r"This BarenetClassifier instance is not fitted yet\. Call 'fit'",
    ):
        BarenetClassifier().predict([[1.0, 2.0]])
    with pytest.raises(NotFittedError):
        BarenetClassifier().coefs_  # noqa: B018


def test_a_wrong_feature_count_is_named(iris):
    X, y = iris
    clf = small(random_state=0).fit(X, y)
    message = (
        "X has 3 features, but BarenetClassifier is expecting 4 features as "
        "input; pass the 4 columns it was fitted on"
    )
    with pytest.raises(ValueError, match=message):
        clf.predict(X[:, :3])
    with pytest.raises(ValueError, match=message):
        clf.partial_fit(X[:, :3], y)


def test_partial_fit_labels_must_be_declared(iris):
    X, y = iris
    with pytest.raises(
        ValueError, match="classes is required on the first call to partial_fit"
    ):
        small().partial_fit(X, y)
    clf = small(random_state=0).partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(
        ValueError,
        match=r"y has labels \[7\] that are not in classes_=\[0, 1, 2\]; "
        r"declare every label in the first call",
    ):
        clf.partial_fit(X[:2], [0, 7])
    with pytest.raises(
        ValueError, match=r"classes=\[0, 1\] differs from classes_=\[0, 1, 2\]"
    ):
        clf.partial_fit(X, y, classes=[0, 1])
    fresh = small()
    with pytest.raises(
        ValueError, match=r"y has labels \[9\] that are not in classes_="
    ):
        fresh.partial_fit(X[:3], [0, 1, 9], classes=[0, 1])
    assert not hasattr(fresh, "classes_"), "a refused first call fits nothing"


def test_one_class_only_is_refused(iris):
    X, _ = iris
    with pytest.raises(
        ValueError,
        match=r"y holds one class only, \['a'\]; a classifier needs samples "
        "of at least two classes",
    ):
        small().fit(X[:5], ["a"] * 5)
    with pytest.raises(ValueError, match=r"y holds one class only, \[3\]"):
        small().partial_fit(X[:5], [3] * 5, classes=[3])


def test_a_validation_split_too_small_is_refused(iris):
    X, y = iris
    rows = np.r_[0:4, 50:54, 100:104]  # 4 samples of each of 3 classes
    with pytest.raises(
        ValueError,
        match=r"validation=0\.1 of 12 samples holds out 1\.2, too few to "
        r"hold one sample of each of the 3 classes; raise validation to at "
        r"least 0\.25",
    ):
        small(validation=0.1, patience=3).fit(X[rows], y[rows])
    clf = small(validation=0.25, patience=3, random_state=0)
    assert len(clf.fit(X[rows], y[rows]).validation_scores_) == clf.n_iter_
    with pytest.raises(ValueError, match="set validation to a fraction"):
        small(patience=3).fit(X, y)
    with pytest.raises(
        ValueError, match=r"partial_fit cannot stop early \(patience=3\)"
    ):
        small(validation=0.2, patience=3).partial_fit(X, y, classes=[0, 1, 2])


def test_warm_start_needs_the_same_classes_and_shape(iris):
    X, y = iris
    clf = small(warm_start=True, random_state=0).fit(X, y)
    with pytest.raises(
        ValueError,
        match=r"whose classes were \[0, 1, 2\], but y has \[0, 1\]",
    ):
        clf.fit(X[y < 2], y[y < 2])
    clf.set_params(hidden=(4, 4))
    with pytest.raises(
        ValueError,
        match=r"warm_start goes on with the network of the last fit, whose "
        r"hidden is \(8,\), but hidden=\(4, 4\) asks for \(4, 4\); set hidden "
        r"back to \(8,\), or set warm_start=False to start anew",
    ):
        clf.fit(X, y)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"hidden": "wide"}, "hidden must be a tuple of hidden-layer widths"),
        ({"hidden": (8, 0)}, r"got \(8, 0\)"),
        ({"epochs": 0}, "epochs must be a whole number >= 1, got 0"),
        ({"lr": -1.0}, "lr must be a finite number > 0, got -1.0"),
        ({"l2": np.nan}, "l2 must be a finite number >= 0, got nan"),
        ({"batch_size": 0}, "batch_size must be a whole number >= 1"),
        ({"activation": "swish"}, "unknown activation 'swish'"),
        ({"output": "linear"}, "unknown output 'linear'"),
        ({"init": "zeros"}, "unknown init 'zeros'"),
        (
            {"conv": ((4, 3),), "image_shape": (3, 3)},
            "convolutional layers need image rows: 4 inputs are not 3x3",
        ),
        ({"dtype": "float16"}, "dtype must be one of float64, float32"),
        ({"random_state": "x"}, "random_state must be a whole number >= 0"),
        ({"warm_start": "yes"}, "warm_start must be True or False"),
        ({"optimizer": "lbfgs"}, "unknown optimizer 'lbfgs'"),
        ({"schedule": "linear"}, "unknown schedule 'linear'"),
        ({"momentum": "high"}, r"momentum must lie in \[0, 1\), got 'high'"),
        ({"dropout": 1.0}, r"dropout must lie in \[0, 1\), got 1\.0"),
        (
            {"augment": True, "image_shape": (1, 3)},
            r"augmentation needs images of 1x3 = 3 pixels per row, got X of "
            r"shape \(150, 4\)",
        ),
        ({"patience": 0, "validation": 0.2}, "patience must be a whole"),
    ],
)
def test_bad_parameters_are_named_in_fit(params, message, iris):
    clf = small(**params)  # the constructor accepts anything
    with pytest.raises(ConfigError, match=message):
        clf.fit(*iris)


# -- saving -------------------------------------------------------------------


def test_saves_to_a_barenet_model_file(iris, tmp_path):
    X, y = iris
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    clf = small(hidden=(5, 4), output="softmax", random_state=2).fit(X, names)
    path = clf.save(tmp_path / "iris.npz")
    same = BarenetClassifier.load(path)
    assert same.get_params() == clf.get_params()
    assert same.classes_.tolist() == clf.classes_.tolist()
    np.testing.assert_array_equal(same.predict_proba(X), clf.predict_proba(X))
    assert same.loss_curve_ == clf.loss_curve_ and same.n_iter_ == 100
    # The file is an ordinary model: barenet reads its network.
    net = barenet.load_model(path)
    np.testing.assert_array_equal(net.params, clf.network_.params)
    # A loaded estimator trains on, as warm_start or partial_fit would.
    same.partial_fit(X, names)
    clf.partial_fit(X, names)
    np.testing.assert_array_equal(same.network_.params, clf.network_.params)


def test_model_files_it_cannot_use_are_refused(iris, tmp_path):
    X, y = iris
    plain = barenet.save_model(Network([4, 3]), tmp_path / "plain.npz")
    with pytest.raises(
        ModelFileError, match=r"was not saved by BarenetClassifier\.save"
    ):
        BarenetClassifier.load(plain)
    days = np.array(["2026-01-01", "2026-01-02", "2026-01-03"], "M8[D]")
    clf = small(epochs=1).fit(X, days[y])
    with pytest.raises(
        ModelFileError, match="save this estimator with pickle instead"
    ):
        clf.save(tmp_path / "tuples.npz")
    assert not (tmp_path / "tuples.npz").exists()


def test_pickles(iris):
    X, y = iris
    clf = small(random_state=0).fit(X, y)
    same = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(same.predict_proba(X), clf.predict_proba(X))
    # The copy's coefs_ are still its network's parameters.
    same.coefs_[0][...] = 0.0
    assert not same.network_.params[: 4 * 8].any()


def test_the_core_does_not_import_scikit_learn():
    code = (
        "import sys, barenet, barenet.cli, barenet.io, barenet.plots\n"
        "barenet.cli.build_parser()  # every subcommand imported\n"
        "assert 'sklearn' not in sys.modules, 'barenet imported sklearn'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_readme_example_runs(capsys):
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    block = readme.split("## In scikit-learn", 1)[1].split("```python\n")[1]
    code = block.split("```", 1)[0]
    exec(compile(code, "README.md", "exec"), {})
    assert float(capsys.readouterr().out) > 0.9


# -- the command line reads the estimator's model files -----------------------


@pytest.fixture(scope="module")
def numbered(semeion, tmp_path_factory):
    """An estimator trained on Semeion digits labelled 1..10, saved."""
    X, y = semeion.X[::4], semeion.y[::4] + 1
    clf = BarenetClassifier((12,), epochs=60, random_state=0).fit(X, y)
    path = clf.save(tmp_path_factory.mktemp("numbered") / "m.npz")
    return clf, path, X, y


def test_predict_shows_the_labels_the_estimator_saved(
    numbered, tmp_path, capsys
):
    from barenet.cli import main

    clf, path, X, _ = numbered
    table = tmp_path / "rows.csv"
    np.savetxt(table, X[:6], fmt="%g", delimiter=",")
    capsys.readouterr()
    assert main(["predict", str(path), "--csv", str(table)]) == 0
    shown = [line.split()[2] for line in capsys.readouterr().out.splitlines()]
    assert shown == [str(label) for label in clf.predict(X[:6])]
    assert "10" in {str(c) for c in clf.classes_}


def test_evaluate_matches_the_estimators_labels_by_name(
    numbered, tmp_path, capsys
):
    from barenet.cli import main

    clf, path, X, y = numbered
    table = tmp_path / "labelled.csv"
    rows = np.column_stack([X, y])
    header = ",".join([f"p{i}" for i in range(X.shape[1])] + ["digit"])
    np.savetxt(table, rows, fmt="%g", delimiter=",", header=header, comments="")
    capsys.readouterr()
    status = main(
        ["evaluate", str(path), "--csv", str(table), "--label", "digit"]
    )
    assert status == 0
    out = capsys.readouterr().out
    assert f"Accuracy: {clf.score(X, y):.2%} (argmax)" in out
    # The per-class table names the labels 1..10, not the units 0..9.
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if "precision" in line)
    names = [line.split()[0] for line in lines[start + 1 : start + 11]]
    assert names == [str(k) for k in range(1, 11)]
    # Semeion's own labels are the digits 0..9: its 0 is no class of this
    # model, and is not taken for the model's first output.
    status = main(["evaluate", str(path), "--dataset", "semeion", "--all"])
    assert status == 1
    err = capsys.readouterr().err
    assert (
        "has the class '0', which the model does not know (its classes: "
        "1, 2, 3" in err
    )
