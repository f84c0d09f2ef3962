"""Confusion matrix, precision and recall, against examples worked by hand."""

from __future__ import annotations

import numpy as np
import pytest

from barenet.errors import ConfigError
from barenet.evaluation import confusion_matrix, evaluate, precision_recall
from barenet.network import Network

# Seven rows of three classes. By hand:
#   true 0: guessed 0, 1         -> row 0 of C: 1 1 0
#   true 1: guessed 1, 1         -> row 1 of C: 0 2 0
#   true 2: guessed 2, 0, 2      -> row 2 of C: 1 0 2
Y_TRUE = [0, 0, 1, 1, 2, 2, 2]
Y_PRED = [0, 1, 1, 1, 2, 0, 2]
C_BY_HAND = [[1, 1, 0], [0, 2, 0], [1, 0, 2]]


def test_confusion_matrix_equals_the_hand_built_one():
    C = confusion_matrix(Y_TRUE, Y_PRED, 3)
    assert C.tolist() == C_BY_HAND
    assert C.dtype == np.int64
    # Every row lands in exactly one cell.
    assert C.sum() == len(Y_TRUE)


def test_confusion_matrix_keeps_classes_that_never_occur():
    C = confusion_matrix([1, 1], [1, 3], 5)
    assert C.shape == (5, 5)
    assert C[1, 1] == 1 and C[1, 3] == 1 and C.sum() == 2


def test_precision_and_recall_by_hand():
    precision, recall = precision_recall(np.array(C_BY_HAND))
    # precision: right / column sum = 1/2, 2/3, 2/2
    np.testing.assert_allclose(precision, [1 / 2, 2 / 3, 1.0], rtol=1e-15)
    # recall: right / row sum = 1/2, 2/2, 2/3
    np.testing.assert_allclose(recall, [1 / 2, 1.0, 2 / 3], rtol=1e-15)


def test_undefined_precision_and_recall_are_nan_not_zero():
    # Class 1 is never guessed; class 2 has no rows.
    C = np.array([[3, 0, 1], [2, 0, 0], [0, 0, 0]])
    precision, recall = precision_recall(C)
    assert precision[0] == 3 / 5 and np.isnan(precision[1])
    assert precision[2] == 0.0  # guessed once, wrongly
    assert recall[0] == 3 / 4 and recall[1] == 0.0 and np.isnan(recall[2])


def test_confusion_matrix_refuses_classes_out_of_range():
    with pytest.raises(
        ConfigError, match=r"y_pred holds class 3, outside the 3 classes 0\.\.2"
    ):
        confusion_matrix([0, 1], [0, 3], 3)
    with pytest.raises(ConfigError, match="y_true must hold class numbers"):
        confusion_matrix([0.5, 1.0], [0, 1], 3)
    with pytest.raises(ConfigError, match="equal length"):
        confusion_matrix([0, 1, 2], [0, 1], 3)


def one_hot_network():
    """A 3-input, 3-class softmax network that guesses the largest input."""
    net = Network([3, 3], output="softmax", seed=0)
    net.weights[0][...] = 10 * np.eye(3)
    net.biases[0][...] = 0
    return net


def test_evaluate_measures_a_network_whose_answers_are_known():
    net = one_hot_network()
    X = np.eye(3)[Y_PRED]  # row i makes the network guess Y_PRED[i]
    result = evaluate(net, X, Y_TRUE)
    assert result.y_pred.tolist() == Y_PRED
    assert result.confusion.tolist() == C_BY_HAND
    assert result.accuracy == pytest.approx(5 / 7)
    assert result.wrong.tolist() == [1, 5]
    np.testing.assert_allclose(result.P.sum(axis=1), 1.0, rtol=1e-12)
    # Softmax of (10, 0, 0): e^10 / (e^10 + 2) > 0.5, the others below.
    assert result.exact == pytest.approx(5 / 7)

    report = result.to_dict(["a", "b", "c"])
    assert report["n_rows"] == 7 and report["n_wrong"] == 2
    assert report["confusion"] == C_BY_HAND
    assert report["per_class"][0] == {
        "class": "a",
        "rows": 2,
        "precision": 0.5,
        "recall": 0.5,
    }


def test_evaluate_reports_undefined_figures_as_none():
    net = one_hot_network()
    result = evaluate(net, np.eye(3)[[0, 0]], [0, 1])
    per_class = result.to_dict()["per_class"]
    assert per_class[1] == {
        "class": "1",
        "rows": 1,
        "precision": None,  # never guessed
        "recall": 0.0,
    }
    assert per_class[2]["recall"] is None  # no rows


def test_text_tables_by_hand():
    net = one_hot_network()
    result = evaluate(net, np.eye(3)[Y_PRED], Y_TRUE)
    assert result.confusion_text(["a", "b", "c"]).splitlines() == [
        "true\\guess   a   b   c",
        "         a   1   1   .",
        "         b   .   2   .",
        "         c   1   .   2",
    ]
    result = evaluate(net, np.eye(3)[[0, 0]], [0, 1])
    assert result.per_class_text().splitlines() == [
        "class  precision     recall   rows",
        "    0     50.00%    100.00%      1",
        "    1          -      0.00%      1",
        "    2          -          -      0",
    ]


def test_evaluate_checks_its_input():
    net = one_hot_network()
    with pytest.raises(
        ConfigError, match=r"y has shape \(2,\), expected \(3,\)"
    ):
        evaluate(net, np.eye(3), [0, 1])
    with pytest.raises(ConfigError, match="outside the 3 classes"):
        evaluate(net, np.eye(3), [0, 1, 7])
