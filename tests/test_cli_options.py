"""barenet train's training options, presets, and what the report records."""

from __future__ import annotations

import json

import numpy as np
import pytest

from barenet.cli import main
from barenet.io import load_model
from barenet.network import Network


def test_options_override_the_preset_and_are_recorded(tmp_path, capsys):
    out = tmp_path / "r"
    status = main(
        [
            "train",
            "--preset",
            "best",
            "--conv",
            "--hidden",
            "16",
            "8",
            "--activation",
            "gelu",
            "tanh",
            "--init",
            "glorot",
            "--epochs",
            "3",
            "--batch-size",
            "64",
            "--validation",
            "0.1",
            "--patience",
            "5",
            "--schedule",
            "step",
            "--step-size",
            "2",
            "--out",
            str(out),
            "--quiet",
        ]
    )
    assert status == 0
    printed = capsys.readouterr().out
    assert (
        "Network: 256-16-8-10, gelu,tanh hidden units, softmax output"
        in printed
    )
    assert "Trained after 3 epochs" in printed
    config = json.loads((out / "report.json").read_text())["config"]
    assert config["preset"] == "best"
    assert config["activation"] == ["gelu", "tanh"]
    assert (config["output"], config["init"]) == ("softmax", "glorot")
    # From the preset, untouched by the options given:
    assert (config["optimizer"], config["augment"]) == ("adam", True)
    assert (config["batch_size"], config["patience"]) == (64, 5)
    history = json.loads((out / "report.json").read_text())["history"]
    assert len(history["validation_cost"]) == 3
    assert history["lr"] == pytest.approx([0.002, 0.002, 0.0002])
    net = load_model(out / "model.npz")
    assert net.activations == ("gelu", "tanh")


@pytest.mark.parametrize("lr", ["1e300", "1e308"])
def test_divergence_exits_1_naming_the_rate_and_saves_usable_weights(
    lr, tmp_path, capsys, semeion
):
    out = tmp_path / "r"
    status = main(
        ["train", "--lr", lr, "--epochs", "5", "--out", str(out), "--quiet"]
    )
    said, err = capsys.readouterr()
    assert status == 1
    # The first step overflowed; the second found the cost nan.
    assert (
        "\nStopped in iteration 2 after " in said
        and " s: training diverged; kept the weights the run started from\n"
        in said
    )
    assert "Trained after" not in said
    assert "training diverged in epoch 2" in err
    assert f"with learning rate {float(lr):g}" in err
    # The first epoch's step overflowed: the weights it ended with have a
    # nan cost, so the model keeps the weights training started from.
    assert "kept the weights the run started from" in err
    net = load_model(out / "model.npz")
    start = Network([256, 30, 20, 10], seed=0)
    np.testing.assert_array_equal(net.params, start.params)
    assert np.isfinite(net.cost(semeion.X, semeion.Y, l2=0.1))
    report = json.loads((out / "report.json").read_text())
    assert report["diverged"] is True and report["epochs_completed"] == 1


def test_divergence_in_the_first_epoch_says_so(tmp_path, capsys):
    out = tmp_path / "r"
    argv = ["--lr", "1e305", "--batch-size", "100", "--epochs", "3"]
    assert main(["train", *argv, "--out", str(out), "--quiet"]) == 1
    said, err = capsys.readouterr()
    lines = said.splitlines()
    # Its first mini-batch overflowed: no epoch ended.
    assert lines[3].startswith("Stopped in epoch 1 after ")
    assert lines[3].endswith(
        " s: training diverged; kept the weights the run started from"
    )
    assert "training diverged in epoch 1: the cost became nan" in err
    report = json.loads((out / "report.json").read_text())
    assert report["epochs_completed"] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--dropout", "1"], "argument --dropout: must be at least 0 and less"),
        (["--optimizer", "rmsprop"], "argument --optimizer: invalid choice"),
        (["--batch-size", "0"], "argument --batch-size: must be at least 1"),
        (["--dtype", "float16"], "argument --dtype: invalid choice: 'float16'"),
        (
            ["--momentum", "1.5"],
            "argument --momentum: must be at least 0 and less than 1, got 1.5",
        ),
        (
            ["--max-shift", "-1"],
            "argument --max-shift: must be 0 or more, got -1",
        ),
        (
            ["--max-rotation", "200"],
            "argument --max-rotation: must be 0 to 180 degrees, got 200",
        ),
        (
            ["--max-scale", "1"],
            "argument --max-scale: must be at least 0 and less than 1, got 1",
        ),
    ],
)
@pytest.mark.parametrize("command", [["train"], ["cv", "5x2"]])
def test_bad_training_options_exit_2(command, args, message, capsys):
    with pytest.raises(SystemExit) as info:
        main([*command, *args])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert f"barenet {command[0]}: error: {message}" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--patience", "3"],
            "--patience stops training when the validation cost stops "
            "falling, but there is no validation split: add --validation 0.1 "
            "(a fraction of the training rows), or drop --patience",
        ),
        (
            ["--momentum", "0.5"],
            "--momentum would change nothing: it is the mu of --optimizer "
            "momentum and nesterov, and this run uses --optimizer sgd (from "
            "--preset seed); add --optimizer momentum, or drop --momentum",
        ),
        (
            ["--preset", "best", "--momentum", "0.5"],
            "--momentum would change nothing: it is the mu of --optimizer "
            "momentum and nesterov, and this run uses --optimizer adam (from "
            "--preset best); add --optimizer momentum, or drop --momentum",
        ),
        (
            ["--optimizer", "adam", "--weight-decay", "0.01"],
            "--weight-decay would change nothing: it is the decoupled weight "
            "decay of --optimizer adamw, and this run uses --optimizer adam; "
            "add --optimizer adamw (--l2 penalises the weights under any "
            "optimizer), or drop --weight-decay",
        ),
        (
            ["--step-size", "10"],
            "--step-size would change nothing: it spaces the decays of "
            "--schedule step, and this run uses --schedule constant (from "
            "--preset seed); add --schedule step, or drop --step-size",
        ),
        (
            ["--schedule", "cosine", "--plateau-patience", "3"],
            "--plateau-patience would change nothing: it belongs to "
            "--schedule plateau, and this run uses --schedule cosine; add "
            "--schedule plateau, or drop --plateau-patience",
        ),
        (
            ["--max-shift", "1"],
            "--max-shift would change nothing: it shapes augmented images, "
            "and augmentation is off (from --preset seed); add --augment, or "
            "drop --max-shift",
        ),
        (
            ["--preset", "best", "--no-augment", "--max-scale", "0.2"],
            "--max-scale would change nothing: it shapes augmented images, "
            "and augmentation is off; add --augment, or drop --max-scale",
        ),
        (
            ["--hidden", "--dropout", "0.2"],
            "--dropout would change nothing: it drops units of the dense "
            "hidden layers, and the network has none; add --hidden N, or "
            "drop --dropout",
        ),
        (
            ["--hidden", "--activation", "relu"],
            "--activation would change nothing: the network has no hidden or "
            "convolutional layers; add --hidden N, or drop --activation",
        ),
    ],
)
@pytest.mark.parametrize("command", [["train"], ["cv", "5x2"]])
def test_options_that_change_nothing_are_refused_by_their_flags(
    command, args, message, tmp_path, capsys
):
    out = ["--out", str(tmp_path / "r")]
    assert main([*command, *args, *out]) == 1
    assert capsys.readouterr().err == (
        f"barenet {command[0]}: error: {message}\n"
    )
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--preset", "best"],
        ["--optimizer", "adam", "--weight-decay", "0"],  # 0: none at all
        ["--hidden", "--dropout", "0"],
        ["--optimizer", "nesterov", "--momentum", "0.5"],
        ["--schedule", "plateau", "--plateau-patience", "2"],
        ["--augment", "--max-shift", "1", "--max-scale", "0.1"],
        ["--hidden", "--conv", "4:3", "--activation", "relu"],
    ],
)
def test_presets_and_options_that_count_are_accepted(args):
    from barenet.cli import build_parser
    from barenet.cli.training_options import recipe_from_args

    parsed = build_parser().parse_args(["train", *args])
    recipe_from_args(parsed).train.check()


@pytest.fixture
def table(tmp_path):
    """A CSV table of 5 features: not images."""
    rng = np.random.default_rng(0)
    rows = ["a,b,c,d,e,label"]
    rows += [
        ",".join(f"{v:.3f}" for v in rng.random(5)) + f",{k % 3}"
        for k in range(60)
    ]
    path = tmp_path / "table.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--augment"],
            "--augment needs rows that are square images, and rows of 5 "
            "features are not; drop --augment",
        ),
        (
            ["--preset", "best", "--conv"],
            "--augment (from --preset best) needs rows that are square "
            "images, and rows of 5 features are not; add --no-augment",
        ),
        (
            ["--test-size", "60"],
            "--test-size 60 gives 60 test rows out of 60; it must leave at "
            "least one row for testing and one for training; give a smaller "
            "--test-size",
        ),
    ],
)
def test_what_the_data_refuses_is_said_in_flags(
    args, message, table, tmp_path, capsys
):
    out = ["--out", str(tmp_path / "r"), "--epochs", "1", "--quiet"]
    assert main(["train", "--csv", str(table), *args, *out]) == 1
    assert capsys.readouterr().err == f"barenet train: error: {message}\n"


def test_dtype_float32_trains_saves_and_reports_float32(tmp_path, capsys):
    out = tmp_path / "r"
    status = main(
        ["train", "--dtype", "float32", "--epochs", "3", "--out", str(out)]
    )
    assert status == 0
    printed = capsys.readouterr().out
    assert "Network: 256-30-20-10, sigmoid units, float32, 8540 parameters" in (
        printed
    )
    report = json.loads((out / "report.json").read_text())
    assert report["config"]["dtype"] == "float32"
    assert report["config"]["architecture"]["dtype"] == "float32"
    net = load_model(out / "model.npz")
    assert net.params.dtype == np.float32


def test_threads_limits_the_matrix_products_while_training(
    tmp_path, monkeypatch, capsys, default_blas_threads
):
    from threadpoolctl import threadpool_info

    seen = []
    import barenet.cli.train as cli_train

    real_train = cli_train.train

    def spy(*args, **kwargs):
        seen.extend(
            info["num_threads"]
            for info in threadpool_info()
            if info["user_api"] == "blas"
        )
        return real_train(*args, **kwargs)

    monkeypatch.setattr(cli_train, "train", spy)
    out = tmp_path / "r"
    args = ["train", "--threads", "1", "--epochs", "2", "--out", str(out)]
    assert main(args) == 0
    assert seen and set(seen) == {1}
    assert json.loads((out / "report.json").read_text())["threads"] == 1


def test_the_network_line_puts_the_input_before_the_convolutions():
    from barenet.cli.training_options import describe_network

    net = Network(
        [256, 256, 10],
        activation="relu",
        output="softmax",
        conv=[(32, 5), (64, 3)],
        seed=0,
    )
    assert describe_network(net) == (
        "256-conv32x5-conv64x3-256-10, relu hidden units, softmax output"
    )
