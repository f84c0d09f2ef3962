"""BarenetClassifier from call to call: the settings each partial_fit
uses, the validation split of small calls, validation_scores_ when
validation changes between calls, and parameters given as NumPy numbers,
scalars or bytes."""

from __future__ import annotations

import math

import numpy as np
import pytest

from barenet.errors import ConfigError
from barenet.optim import ReduceOnPlateau
from barenet.sklearn import BarenetClassifier
from test_sklearn import iris, small  # noqa: F401  (a fixture and a helper)


def test_each_partial_fit_uses_the_settings_it_is_called_with(iris):  # noqa: F811
    X, y = iris
    clf = small(random_state=0).partial_fit(X, y, classes=[0, 1, 2])
    # Full-batch gradient descent with a constant rate: the next call is
    # one step, W <- W - lr * dJ/dW, with lr and l2 as they are now.
    net = clf.network_.copy()
    _, grad = net.cost_and_gradient(X, np.eye(3)[y], l2=0.5)
    expected = net.params - 0.25 * grad
    clf.set_params(lr=0.25, l2=0.5)
    clf.partial_fit(X, y)
    np.testing.assert_allclose(clf.network_.params, expected, rtol=1e-12)


def test_a_new_rate_scales_a_plateau_schedule_where_it_stands():
    schedule = ReduceOnPlateau(1.0, factor=0.5, patience=0)
    for cost in (3.0, 3.0, 3.0):
        schedule.update(cost)
    assert schedule.lr_at(3) == 0.25  # halved twice
    schedule.rebase(4.0)
    assert schedule.lr_at(3) == 1.0 and schedule.base_lr == 4.0


def test_partial_fit_with_validation_needs_rows_for_every_class(iris):  # noqa: F811
    X, y = iris
    clf = small(validation=0.2, random_state=0)
    clf.partial_fit(X, y, classes=[0, 1, 2])
    with pytest.raises(
        ConfigError,
        match=r"^partial_fit holds validation out of each call's rows: "
        r"validation=0\.2 of 2 samples holds out 0\.4, too few to hold one "
        r"sample of each of the 2 classes; give at least 4 samples per "
        r"call, or set validation=0 for these calls$",
    ):
        clf.partial_fit(X[[0, 50]], y[[0, 50]])
    assert clf.n_iter_ == 1
    clf.partial_fit(
        X[[0, 1, 2, 3, 4, 50, 51, 52, 53, 54]], y[[*[0] * 5, *[1] * 5]]
    )
    assert clf.n_iter_ == 2


def test_validation_scores_line_up_with_the_epochs(iris, tmp_path):  # noqa: F811
    X, y = iris
    clf = small(epochs=3, validation=0.2, warm_start=True, random_state=0)
    clf.fit(X, y)
    clf.set_params(validation=0.0).fit(X, y)
    scores = clf.validation_scores_
    assert len(scores) == clf.n_iter_ == 6
    assert all(0 <= s <= 1 for s in scores[:3])
    assert all(math.isnan(s) for s in scores[3:])
    # A model file keeps the gaps (as nulls), and its loader checks them.
    same = BarenetClassifier.load(clf.save(tmp_path / "gaps.npz"))
    np.testing.assert_array_equal(same.validation_scores_, scores)
    # partial_fit without validation first, then with it.
    stream = small(random_state=0).partial_fit(X, y, classes=[0, 1, 2])
    assert stream.validation_scores_ is None
    stream.set_params(validation=0.2).partial_fit(X, y)
    assert math.isnan(stream.validation_scores_[0])
    assert len(stream.validation_scores_) == stream.n_iter_ == 2


def test_numpy_integers_as_small_as_int8_are_numbers(iris):  # noqa: F811
    X, y = iris
    tiny = small(epochs=2, batch_size=np.int8(4), random_state=0).fit(X, y)
    plain = small(epochs=2, batch_size=4, random_state=0).fit(X, y)
    np.testing.assert_array_equal(tiny.network_.params, plain.network_.params)


def test_a_random_state_beyond_int64_saves_and_loads(iris, tmp_path):  # noqa: F811
    X, y = iris
    clf = small(epochs=2, random_state=2**64).fit(X, y)
    same = BarenetClassifier.load(clf.save(tmp_path / "seed.npz"))
    assert same.random_state == same._seed == 2**64
    np.testing.assert_array_equal(same.network_.params, clf.network_.params)


def test_one_number_as_sample_weight_weighs_every_row(iris):  # noqa: F811
    X, y = iris
    one = small(epochs=5, random_state=0).fit(X, y, sample_weight=2.0)
    each = small(epochs=5, random_state=0)
    each.fit(X, y, sample_weight=np.full(len(y), 2.0))
    np.testing.assert_array_equal(one.network_.params, each.network_.params)
    with pytest.raises(ConfigError, match="sample_weight is zero for every"):
        small().fit(X, y, sample_weight=0)


def test_bytes_labels_are_named_as_bytes(iris):  # noqa: F811
    X, y = iris
    with pytest.raises(
        ConfigError,
        match=r"y holds bytes, such as \[b'a', b'a', b'a'\]; .* decode them",
    ):
        small().fit(X, np.array([b"a", b"b", b"c"])[y])


def test_a_negative_verbose_is_quiet(iris, capsys):  # noqa: F811
    small(epochs=2, verbose=-1).fit(*iris)
    assert capsys.readouterr().out == ""
