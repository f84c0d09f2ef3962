"""scikit-learn's MLPClassifier as a second implementation of the seed.

MLPClassifier trains the seed's exact model when it is set up as below;
each point follows from scikit-learn's documented loss and update rules:

- Targets. Given Y as a 2-D array of one-hot rows, MLPClassifier sees a
  multilabel problem: one logistic output unit per column, and a binary
  log loss summed over the columns and averaged over the samples. That is
  the seed's cost, sum_k -(Y log P + (1 - Y) log(1 - P)) averaged over m.
- Hidden units. activation="logistic" is the sigmoid.
- L2. scikit-learn adds (alpha / 2) * sum W^2 / n_samples to that mean,
  biases excluded: alpha is lambda, and its /2 and /n_samples are the
  lambda / (2m) of barenet's cost. With sample weights both the mean and
  the penalty divide by the sum of the weights instead of n_samples, as
  barenet's weighted cost does.
- Update. solver="sgd" with learning_rate="constant",
  learning_rate_init=1 and momentum=0 is w <- w - 1 * gradient; a
  batch_size of all rows with shuffle=False makes each iteration one
  full-batch step, as in the seed.
- Layout. coefs_[l] is (n_in, n_out) and intercepts_[l] is (n_out,), the
  layout of barenet's weights and biases.

Starting weights. scikit-learn draws its own, but coefs_ and intercepts_
are public, and with warm_start=True a later call reuses whatever they
hold. So one fit with max_iter=1 builds the model (its weights are then
replaced), and each partial_fit call ("a single iteration over the given
data") is one iteration of the seed.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from barenet.evaluation import holdout_split
from barenet.network import Network
from barenet.sklearn import BarenetClassifier
from barenet.training import TrainConfig, train

ITERATIONS = 20
HIDDEN = (30, 20)


def mlp_from(net: Network, X, Y, l2: float) -> MLPClassifier:
    """An MLPClassifier set up as the seed, holding net's weights."""
    mlp = MLPClassifier(
        hidden_layer_sizes=HIDDEN,
        activation="logistic",
        solver="sgd",
        alpha=l2,
        batch_size=X.shape[0],
        learning_rate="constant",
        learning_rate_init=1.0,
        momentum=0.0,
        nesterovs_momentum=False,
        shuffle=False,
        max_iter=1,
        warm_start=True,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit(X, Y)
    assert mlp.out_activation_ == "logistic"
    mlp.coefs_ = [W.copy() for W in net.weights]
    mlp.intercepts_ = [b.copy() for b in net.biases]
    return mlp


def largest_difference(weights, biases, mlp: MLPClassifier) -> float:
    pairs = [
        *zip(weights, mlp.coefs_, strict=True),
        *zip(biases, mlp.intercepts_, strict=True),
    ]
    return max(float(np.max(np.abs(a - b))) for a, b in pairs)


@pytest.fixture(scope="module")
def seed_rows(semeion):
    """The seed experiment's 1493 training rows (the split of seed 0)."""
    rows, _ = holdout_split(len(semeion.y), 100, seed=0)
    return semeion.X[rows], semeion.y[rows], semeion.Y[rows]


def test_seed_training_equals_mlpclassifier_at_every_iteration(seed_rows):
    X, y, Y = seed_rows
    net = Network([256, *HIDDEN, 10], seed=0)
    mlp = mlp_from(net, X, Y, l2=0.1)
    for iteration in range(ITERATIONS):
        history = train(net, X, y, TrainConfig(epochs=1, lr=1.0, l2=0.1))
        mlp.partial_fit(X, Y)
        # Both record the cost at the weights the step started from.
        assert history["cost"][0] == pytest.approx(
            mlp.loss_curve_[-1], rel=1e-10
        ), f"cost at iteration {iteration}"
        difference = largest_difference(net.weights, net.biases, mlp)
        assert difference < 1e-10, f"iteration {iteration}: {difference:.1e}"
    # The run moved the weights well beyond that tolerance.
    assert (
        largest_difference(
            net.weights,
            net.biases,
            mlp_from(Network([256, *HIDDEN, 10], seed=0), X, Y, 0.1),
        )
        > 0.1
    )


def test_weighted_estimator_equals_mlpclassifier_at_every_iteration(
    seed_rows,
):
    X, y, Y = seed_rows
    w = np.random.default_rng(3).integers(0, 4, len(y)).astype(float)
    # The estimator with random_state=0 draws the weights of Network(seed=0).
    clf = BarenetClassifier(HIDDEN, lr=1.0, l2=0.1, random_state=0)
    mlp = mlp_from(Network([256, *HIDDEN, 10], seed=0), X, Y, l2=0.1)
    for iteration in range(ITERATIONS):
        clf.partial_fit(X, y, classes=np.arange(10), sample_weight=w)
        mlp.partial_fit(X, Y, sample_weight=w)
        assert clf.loss_curve_[-1] == pytest.approx(
            mlp.loss_curve_[-1], rel=1e-10
        ), f"cost at iteration {iteration}"
        difference = largest_difference(clf.coefs_, clf.intercepts_, mlp)
        assert difference < 1e-10, f"iteration {iteration}: {difference:.1e}"
    assert clf.n_iter_ == ITERATIONS
