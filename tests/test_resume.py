"""Runs that survive interruption: step-level stops, checkpoints, resume.

The claim under test: a run stopped at any step and resumed from its
checkpoint ends with the same weights, bit for bit, and the same history
as a run that was never stopped.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from barenet.checkpoint import load_checkpoint, save_checkpoint
from barenet.cli import main
from barenet.cli import train as train_command
from barenet.errors import ConfigError, ModelFileError
from barenet.heldout import hold_out
from barenet.io import load_model
from barenet.network import Network
from barenet.training import TrainConfig, train

# Everything that draws random numbers or keeps state: mini-batch
# shuffles, dropout, augmentation, Adam's moments, a plateau schedule,
# a validation split and early stopping.
CONFIG = TrainConfig(
    epochs=4,
    lr=0.01,
    l2=0.001,
    batch_size=64,
    optimizer="adam",
    schedule="plateau",
    dropout=0.2,
    augment=True,
    validation=0.1,
    patience=3,
    seed=5,
)


def network():
    return Network([256, 16, 10], activation="relu", output="softmax", seed=5)


@pytest.fixture(scope="module")
def rows(semeion):
    return (
        semeion.X[:500],
        semeion.y[:500],
        semeion.X[500:600],
        semeion.y[500:600],
    )


def run(rows, config=CONFIG, **options):
    X, y, X_test, y_test = rows
    net = network()
    history = train(net, X, y, config, X_test=X_test, y_test=y_test, **options)
    return net, history


def stop_after(n_checks):
    """A stop function that says yes on its n-th call (once per step)."""
    calls = []

    def stop():
        calls.append(1)
        return len(calls) >= n_checks

    return stop


@pytest.mark.parametrize(
    ("n_checks", "where"),
    [(3, (0, 3)), (7, (0, 7)), (8, (1, 0)), (15, (1, 7)), (22, (2, 6))],
)
def test_a_run_stopped_at_any_step_resumes_bit_identical(rows, n_checks, where):
    # 450 training rows in batches of 64: 8 steps an epoch. stop() is asked
    # after steps 1..7 and once more after the epoch has ended: 8 times.
    whole, whole_history = run(rows)
    states = []
    _, history = run(rows, stop=stop_after(n_checks), checkpoint=states.append)
    assert history.interrupted and len(states) == 1
    state = states[0]
    assert (state.epoch, state.step) == where
    if state.step:
        assert history.stop_reason == (
            f"interrupted after step {state.step} of epoch {state.epoch + 1}"
        )
    assert len(history) == state.epoch  # the unfinished epoch is not recorded

    resumed, resumed_history = run(rows, resume=state)
    np.testing.assert_array_equal(resumed.params, whole.params)
    # The call's own history holds its epochs; its state, every epoch.
    joined = resumed_history.state.history
    assert joined.values == whole_history.values
    assert len(resumed_history) == len(whole_history) - state.epoch
    assert joined.best_epoch == whole_history.best_epoch
    assert not resumed_history.interrupted


def test_checkpoints_every_n_epochs_round_trip_through_a_file(rows, tmp_path):
    whole, _ = run(rows)
    saved = []
    run(rows, checkpoint=saved.append, checkpoint_every=2)
    assert [(s.epoch, s.step) for s in saved] == [(2, 0), (4, 0)]
    path = save_checkpoint(tmp_path / "c.npz", saved[0], {"note": "x"})
    state, extra = load_checkpoint(path)
    assert extra == {"note": "x"}
    resumed, _ = run(rows, resume=state)
    np.testing.assert_array_equal(resumed.params, whole.params)


def test_full_batch_runs_resume_too(rows):
    config = TrainConfig(epochs=6, seed=1)
    whole, _ = run(rows, config)
    states = []
    run(rows, config, stop=stop_after(3), checkpoint=states.append)
    assert (states[0].epoch, states[0].step) == (3, 0)
    resumed, _ = run(rows, config, resume=states[0])
    np.testing.assert_array_equal(resumed.params, whole.params)


def test_a_state_from_another_network_is_refused(rows):
    states = []
    run(rows, stop=stop_after(2), checkpoint=states.append)
    X, y, _, _ = rows
    with pytest.raises(ConfigError, match=r"the saved run has 4282 parameters"):
        train(Network([256, 8, 10], seed=0), X, y, CONFIG, resume=states[0])


def test_damaged_checkpoints_are_named(rows, tmp_path):
    states = []
    run(rows, stop=stop_after(2), checkpoint=states.append)
    path = save_checkpoint(tmp_path / "c.npz", states[0])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(
        ModelFileError, match=r"^not a valid barenet checkpoint: .*c.npz \("
    ):
        load_checkpoint(path)
    with np.load(save_checkpoint(path, states[0])) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["params"][0] += 1
    np.savez(path, **arrays)
    altered = (
        r"\(the SHA-256 of its entries does not match the one in its sha256 "
        r"entry\)$"
    )
    with pytest.raises(ModelFileError, match=altered):
        load_checkpoint(path)
    # The metadata is covered too: here, the run's saved options.
    with np.load(save_checkpoint(path, states[0], {"args": {"lr": 0.01}})) as z:
        arrays = {k: z[k] for k in z.files}
    text = arrays["metadata"].tobytes().replace(b'"lr": 0.01', b'"lr": 0.02')
    arrays["metadata"] = np.frombuffer(text, dtype=np.uint8)
    np.savez(path, **arrays)
    with pytest.raises(ModelFileError, match=altered):
        load_checkpoint(path)


# -- pausing between calls (History.state) ---------------------------------


@pytest.mark.parametrize(
    "options",
    [
        {"optimizer": "adam", "schedule": "step", "step_size": 3},
        {"optimizer": "nesterov", "schedule": "plateau", "dropout": 0.3},
        {"optimizer": "adamw", "weight_decay": 0.01, "schedule": "cosine"},
    ],
    ids=["adam-step", "nesterov-plateau-dropout", "adamw-cosine"],
)
def test_resumed_training_equals_training_without_a_pause(options, rng):
    X = rng.normal(0, 1, (40, 5))
    y = rng.integers(0, 3, 40)
    config = TrainConfig(epochs=10, lr=0.05, batch_size=8, seed=4, **options)
    whole = Network([5, 6, 3], seed=0)
    history = train(whole, X, y, config)

    paused = Network([5, 6, 3], seed=0)
    first = train(paused, X, y, config, callbacks=[lambda h: len(h) == 4])
    assert len(first) == 4 and first.state is not None
    assert first.state.epoch == 4
    rest = train(paused, X, y, config, resume=first.state)
    assert len(rest) == 6 and rest.state.epoch == 10
    np.testing.assert_array_equal(paused.params, whole.params)
    assert first["cost"] + rest["cost"] == history["cost"]


def test_a_finished_run_resumed_trains_nothing_and_ends_the_same(rows):
    config = dataclasses.replace(CONFIG, epochs=4, lr=0.05)
    saved = []
    net, done = run(rows, config, checkpoint=saved.append)
    # The run's end was handed over with its last weights, before early
    # stopping put back those of its best epoch, the third.
    assert [(s.epoch, s.step) for s in saved] == [(4, 0)]
    assert done.stop_reason is None and done.best_epoch == 3
    assert not np.array_equal(saved[0].params, net.params)

    again, history = run(rows, config, resume=saved[0])
    assert len(history) == 0 and history.best_epoch == done.best_epoch
    np.testing.assert_array_equal(again.params, net.params)
    assert history.state.history.values == done.state.history.values

    X, y = rows[:2]
    with pytest.raises(
        ConfigError,
        match=r"has done 4 epochs, but config\.epochs is 3; set it to 4 or "
        "more",
    ):
        train(
            network(),
            X,
            y,
            dataclasses.replace(config, epochs=3),
            resume=saved[0],
        )
    X, y, _, _ = rows
    stopped = train(network(), X, y, config, stop=stop_after(11)).state
    assert stopped.epoch == 1 and stopped.step > 0
    with pytest.raises(
        ConfigError,
        match=r"has done 1 epochs and part of the next, but config\.epochs "
        "is 1; set it to 2 or more",
    ):
        one = dataclasses.replace(config, epochs=1)
        train(network(), X, y, one, resume=stopped)
    with pytest.raises(ConfigError, match="optimizer state is for 'adam'"):
        train(
            network(),
            X,
            y,
            dataclasses.replace(config, optimizer="sgd"),
            resume=saved[0],
        )


def test_a_run_extended_from_its_end_equals_a_longer_one(rows):
    saved = []
    config = dataclasses.replace(CONFIG, epochs=3)
    run(rows, config, checkpoint=saved.append, checkpoint_every=2)
    # Every second epoch, and the end.
    assert [(s.epoch, s.step) for s in saved] == [(2, 0), (3, 0)]
    longer = dataclasses.replace(CONFIG, epochs=5)
    net, history = run(rows, longer, resume=saved[-1])
    whole, expected = run(rows, longer)
    np.testing.assert_array_equal(net.params, whole.params)
    assert history.state.history.values == expected.values


# -- the command: Ctrl-C, then --resume -------------------------------------

ARGS = [
    "train",
    *("--hidden", "16", "--batch-size", "50", "--epochs", "60"),
    *("--optimizer", "adam", "--lr", "0.01", "--checkpoint-every", "1"),
    *("--quiet", "--samples", "0"),
]


def test_ctrl_c_saves_a_loadable_model_and_resume_finishes_the_same(tmp_path):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    whole = subprocess.run(
        [sys.executable, "-m", "barenet", *ARGS, "--out", str(tmp_path / "a")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert whole.returncode == 0, whole.stderr

    # Ctrl-C once the first checkpoint is written: the run stops after the
    # step in progress and saves everything.
    out = tmp_path / "b"
    child = subprocess.Popen(
        [sys.executable, "-m", "barenet", *ARGS, "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    deadline = time.monotonic() + 120
    while not (out / "checkpoint.npz").exists():
        assert time.monotonic() < deadline and child.poll() is None
        time.sleep(0.01)
    child.send_signal(signal.SIGINT)
    said, errors = child.communicate(timeout=120)
    assert child.returncode == 130, errors
    assert "Stopped (interrupted) after" in said
    assert f"Resume with: barenet train --resume {out}" in said
    report = json.loads((out / "report.json").read_text())
    assert report["interrupted"] is True
    assert report["stop_reason"].startswith("interrupted after")
    interrupted = load_model(out / "model.npz")
    assert interrupted.sizes == (256, 16, 10)

    assert main(["train", "--resume", str(out), "--quiet"]) == 0
    finished = load_model(out / "model.npz")
    np.testing.assert_array_equal(
        finished.params, load_model(tmp_path / "a" / "model.npz").params
    )
    report = json.loads((out / "report.json").read_text())
    expected = json.loads((tmp_path / "a" / "report.json").read_text())
    assert report["history"] == expected["history"]
    assert report["interrupted"] is False


def test_resume_mistakes(tmp_path, capsys):
    assert main(["train", "--resume", str(tmp_path)]) == 1
    assert f"{tmp_path} holds no checkpoint.npz: only runs started with" in (
        capsys.readouterr().err
    )
    table = tmp_path / "t.csv"
    table.write_text("a,b\n" + "".join(f"{i},{i % 2}\n" for i in range(20)))
    out = tmp_path / "r"
    args = ["train", "--csv", str(table), "--epochs", "2", "--quiet"]
    assert main([*args, "--checkpoint-every", "1", "--out", str(out)]) == 0
    table.write_text("a,b\n" + "".join(f"{i},{i % 3}\n" for i in range(20)))
    capsys.readouterr()
    # (Both epochs are done: a third is asked for, to reach the data.)
    assert main(["train", "--resume", str(out), "--epochs", "3"]) == 1
    assert f"the data changed since the run in {out} was saved" in (
        capsys.readouterr().err
    )


# -- what the run folder holds after a stop or a crash ----------------------

# 1493 training rows in batches of 50: 30 steps an epoch, and the stop
# request is asked after steps 1 to 29 and once after the epoch.
SMALL = [
    "train",
    *("--hidden", "16", "--batch-size", "50", "--epochs", "6"),
    *("--optimizer", "adam", "--lr", "0.01", "--quiet", "--samples", "0"),
]


def _interrupt_at(monkeypatch, call, effect):
    """Make the n-th question 'stop now?' of barenet train do ``effect``."""
    calls = []

    def asked(self):
        calls.append(1)
        if len(calls) == call:
            effect(self)
        return self.requested

    monkeypatch.setattr(train_command._StopOnInterrupt, "__call__", asked)


def _test_figures(net, semeion):
    """Accuracy and exact match on the default test rows, worked out here."""
    rows = hold_out(semeion, None, 0).test_rows
    P = net.predict_proba(semeion.X[rows])
    y = semeion.y[rows]
    wanted = np.eye(10, dtype=bool)[y]
    return {
        "test_accuracy": float(np.mean(P.argmax(axis=1) == y)),
        "test_exact": float(np.mean(np.all((P > 0.5) == wanted, axis=1))),
    }


def test_ctrl_c_inside_an_epoch_reports_the_figures_of_the_saved_weights(
    tmp_path, monkeypatch, semeion, capsys
):
    def ctrl_c(stop):
        stop.requested, stop.signal = True, signal.SIGINT

    _interrupt_at(monkeypatch, 40, ctrl_c)  # step 10 of epoch 2
    out = tmp_path / "r"
    assert main([*SMALL, "--out", str(out)]) == 130
    report = json.loads((out / "report.json").read_text())
    assert report["stop_reason"] == "interrupted after step 10 of epoch 2"
    assert report["epochs_completed"] == 1
    saved = load_model(out / "model.npz")
    figures = _test_figures(saved, semeion)
    # No training cost was measured for these weights: none is claimed.
    assert report["final"] == figures
    assert saved.info["final"] == figures
    assert report["test_accuracy"] == figures["test_accuracy"]
    # Ten steps on, they read the test rows otherwise than epoch 1's did.
    assert figures["test_accuracy"] != report["history"]["test_accuracy"][0]
    said = capsys.readouterr().out
    assert f"Test accuracy: {figures['test_accuracy']:.2%} (argmax)" in said
    assert "Final training cost" not in said

    # Its second epoch is under way: it cannot end after its first.
    monkeypatch.undo()
    assert main(["train", "--resume", str(out), "--epochs", "1"]) == 1
    assert capsys.readouterr().err == (
        f"barenet train: error: --epochs 1: the run in {out} has done 1 "
        "epochs already; give more than 1 to train it further\n"
    )


def test_a_run_stopped_between_epochs_may_end_where_it_is(
    tmp_path, monkeypatch, capsys
):
    def ctrl_c(stop):
        stop.requested, stop.signal = True, signal.SIGINT

    _interrupt_at(monkeypatch, 30, ctrl_c)  # after epoch 1's last step
    out = tmp_path / "r"
    assert main([*SMALL, "--out", str(out)]) == 130
    stopped = load_model(out / "model.npz").params
    monkeypatch.undo()
    capsys.readouterr()
    assert main(["train", "--resume", str(out), "--epochs", "1"]) == 0
    assert (
        f"Finishing {out}: its training ended after 1 epoch; writing its "
        "files\n"
    ) in capsys.readouterr().out
    report = json.loads((out / "report.json").read_text())
    assert report["epochs_completed"] == 1 and report["config"]["epochs"] == 1
    assert (report["interrupted"], report["stop_reason"]) == (False, None)
    assert report["in_progress"] is False
    np.testing.assert_array_equal(load_model(out / "model.npz").params, stopped)


def test_after_a_crash_the_model_and_report_are_the_checkpoints(
    tmp_path, monkeypatch, semeion, capsys
):
    def crash(stop):
        raise MemoryError  # anything that kills the command mid-run

    _interrupt_at(monkeypatch, 5 * 30 + 7, crash)  # inside epoch 6
    out = tmp_path / "r"
    assert main([*SMALL, "--checkpoint-every", "2", "--out", str(out)]) == 1
    assert "not enough memory" in capsys.readouterr().err
    state, _ = load_checkpoint(out / "checkpoint.npz")
    assert (state.epoch, state.step) == (4, 0)
    saved = load_model(out / "model.npz")
    np.testing.assert_array_equal(saved.params, state.params)
    report = json.loads((out / "report.json").read_text())
    assert report["in_progress"] is True
    assert report["epochs_completed"] == 4
    history = report["history"]
    assert report["final"] == {name: v[3] for name, v in history.items()}
    assert (
        report["final"]["test_accuracy"]
        == (_test_figures(saved, semeion)["test_accuracy"])
    )

    # Resumed, the run ends as one never stopped, and says it is done.
    monkeypatch.undo()
    assert main(["train", "--resume", str(out), "--quiet"]) == 0
    whole = tmp_path / "whole"
    assert main([*SMALL, "--out", str(whole)]) == 0
    np.testing.assert_array_equal(
        load_model(out / "model.npz").params,
        load_model(whole / "model.npz").params,
    )
    assert json.loads((out / "report.json").read_text())["in_progress"] is False


def _killed_in(monkeypatch, name):
    """Make barenet train's ``name`` die as a SIGKILL would, at its call."""

    def killed(*args, **kwargs):
        raise MemoryError  # main turns it into exit status 1, files as they are

    monkeypatch.setattr(train_command, name, killed)


@pytest.mark.parametrize("killed_in", ["_say_results", "_write_plots"])
def test_a_run_killed_after_training_is_finished_by_resume(
    killed_in, tmp_path, monkeypatch, capsys
):
    # Killed once training is over: before the model of the end is
    # written, or while its figures are drawn.
    out = tmp_path / "r"
    argv = [*SMALL, "--checkpoint-every", "4", "--out", str(out)]
    _killed_in(monkeypatch, killed_in)
    assert main(argv) == 1
    monkeypatch.undo()
    # The run's end was saved, though no multiple of 4.
    assert load_checkpoint(out / "checkpoint.npz")[0].epoch == 6
    assert json.loads((out / "report.json").read_text())["in_progress"]
    assert not (out / "cost.png").exists()

    # The same command again would start the run anew over it.
    capsys.readouterr()
    assert main(argv) == 1
    assert capsys.readouterr().err == (
        f"barenet train: error: --out {out} holds a run that did not finish "
        "(model.npz, report.json, checkpoint.npz); continue it with barenet "
        f"train --resume {out}, or choose another --out\n"
    )

    # SIGKILL leaves the temporary file of the write it cut short.
    (out / ".cost.png.k2_x9q0z.tmp").write_bytes(b"\x89PNG half")
    assert main(["train", "--resume", str(out)]) == 0
    assert not (out / ".cost.png.k2_x9q0z.tmp").exists()
    said = capsys.readouterr().out
    assert (
        f"Finishing {out}: its training ended after 6 epochs; writing its "
        "files\n"
    ) in said
    whole = tmp_path / "whole"
    assert main([*SMALL, "--out", str(whole)]) == 0
    np.testing.assert_array_equal(
        load_model(out / "model.npz").params,
        load_model(whole / "model.npz").params,
    )
    report = json.loads((out / "report.json").read_text())
    expected = json.loads((whole / "report.json").read_text())
    assert report["history"] == expected["history"]
    assert report["in_progress"] is False
    for name in ("cost.png", "accuracy.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # Finished now: nothing is left to do, but to train it further, which
    # starts from its end, not from its checkpoint of epoch 4.
    capsys.readouterr()
    assert main(["train", "--resume", str(out)]) == 1
    assert "has done all its 6 epochs" in capsys.readouterr().err
    assert main(["train", "--resume", str(out), "--epochs", "7"]) == 0
    assert f"Resuming {out} after step 0 of epoch 7\n" in (
        capsys.readouterr().out
    )
    longer = whole / "7"
    assert main([*SMALL, "--epochs", "7", "--out", str(longer)]) == 0
    np.testing.assert_array_equal(
        load_model(out / "model.npz").params,
        load_model(longer / "model.npz").params,
    )


def test_a_folder_holding_only_a_checkpoint_is_not_started_over(
    tmp_path, capsys
):
    out = tmp_path / "r"
    assert (
        main(
            [
                *SMALL,
                "--epochs",
                "1",
                "--checkpoint-every",
                "1",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    for name in ("model.npz", "report.json", "cost.png", "accuracy.png"):
        (out / name).unlink()
    capsys.readouterr()
    assert main([*SMALL, "--out", str(out)]) == 1
    assert capsys.readouterr().err == (
        f"barenet train: error: --out {out} holds a run that did not finish "
        "(checkpoint.npz); continue it with barenet train --resume "
        f"{out}, or choose another --out\n"
    )


def test_a_run_that_stopped_early_is_finished_without_training(
    tmp_path, monkeypatch, capsys
):
    argv = [
        *("train", "--hidden", "16", "--batch-size", "50", "--epochs", "12"),
        *("--optimizer", "adam", "--lr", "0.3", "--validation", "0.1"),
        *("--patience", "2", "--quiet", "--samples", "0"),
    ]
    whole = tmp_path / "whole"
    assert main([*argv, "--out", str(whole)]) == 0
    expected = json.loads((whole / "report.json").read_text())
    assert expected["stop_reason"].startswith("early stopping")
    assert expected["epochs_completed"] == 6

    out = tmp_path / "r"
    _killed_in(monkeypatch, "_write_plots")
    assert main([*argv, "--checkpoint-every", "4", "--out", str(out)]) == 1
    monkeypatch.undo()
    capsys.readouterr()
    # Finished as it was: no seventh epoch, the best weights put back.
    assert main(["train", "--resume", str(out)]) == 0
    assert "Finishing" in capsys.readouterr().out
    report = json.loads((out / "report.json").read_text())
    for key in ("history", "stop_reason", "best_epoch", "final"):
        assert report[key] == expected[key], key
    np.testing.assert_array_equal(
        load_model(out / "model.npz").params,
        load_model(whole / "model.npz").params,
    )
    assert main(["train", "--resume", str(out), "--epochs", "20"]) == 1
    assert capsys.readouterr().err == (
        f"barenet train: error: the run in {out} stopped early "
        f"({expected['stop_reason']}), so more epochs would not change it; "
        "to train for longer, start a new run with a larger --patience\n"
    )


def test_a_stop_asked_for_after_training_ended_exits_0(
    tmp_path, monkeypatch, capsys
):
    plots = train_command._write_plots

    def ctrl_c_then_plot(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGINT)
        return plots(*args, **kwargs)

    monkeypatch.setattr(train_command, "_write_plots", ctrl_c_then_plot)
    out = tmp_path / "r"
    assert main([*SMALL, "--epochs", "1", "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert said.endswith(
        "(The stop asked for came after training had ended.)\n"
    )
    report = json.loads((out / "report.json").read_text())
    assert report["interrupted"] is False and report["in_progress"] is False
    assert (out / "cost.png").exists()


# -- what --resume takes from its command line -------------------------------

SHORT = [
    "train",
    *("--hidden", "8", "--batch-size", "100", "--quiet", "--samples", "0"),
]


def test_resume_sets_the_length_and_honours_what_leaves_the_run_alone(
    tmp_path, semeion_path, capsys
):
    run = tmp_path / "run"
    assert (
        main(
            [
                *SHORT,
                "--epochs",
                "4",
                "--checkpoint-every",
                "2",
                "--out",
                str(run),
            ]
        )
        == 0
    )
    assert main(["train", "--resume", str(run)]) == 1
    assert capsys.readouterr().err == (
        f"barenet train: error: the run in {run} has done all its 4 epochs; "
        "to train it further, give --epochs N with N above 4\n"
    )
    assert main(["train", "--resume", str(run), "--epochs", "4"]) == 1
    assert capsys.readouterr().err == (
        f"barenet train: error: --epochs 4: the run in {run} has done 4 "
        "epochs already; give more than 4 to train it further\n"
    )

    # Six epochs in all, on another copy of the same file, one thread, the
    # network's own --hidden repeated: as if it had been 6 from the start.
    copy = tmp_path / "copy.data"
    copy.write_bytes(semeion_path.read_bytes())
    argv = ["--epochs", "6", "--threads", "1", "--data", str(copy)]
    assert main(["train", "--resume", str(run), *argv, "--hidden", "8"]) == 0
    whole = tmp_path / "whole"
    assert main([*SHORT, "--epochs", "6", "--out", str(whole)]) == 0
    np.testing.assert_array_equal(
        load_model(run / "model.npz").params,
        load_model(whole / "model.npz").params,
    )
    report = json.loads((run / "report.json").read_text())
    assert report["threads"] == 1
    assert report["data"]["source"] == str(copy)
    assert report["epochs_completed"] == 6
    assert report["config"]["epochs"] == 6


def test_resume_refuses_what_would_change_the_experiment(
    tmp_path, semeion_path, monkeypatch, capsys
):
    run = tmp_path / "run"
    # Five epochs, killed while writing its files: --resume would finish it.
    argv = ["--epochs", "5", "--schedule", "cosine", "--lr", "0.5"]
    _killed_in(monkeypatch, "_write_plots")
    assert (
        main([*SHORT, *argv, "--checkpoint-every", "2", "--out", str(run)]) == 1
    )
    monkeypatch.undo()
    capsys.readouterr()
    refused = [
        (
            ["--lr", "0.1"],
            "cannot take --lr 0.1: the run has --lr 0.5. Drop that option, "
            "or train with it in a new run",
        ),
        (
            ["--seed", "3", "--batch-size", "full", "--no-augment"],
            "cannot take --batch-size full or --seed 3: the run has "
            "--batch-size 100 and --seed 0. Drop those options, or train "
            "with them in a new run",
        ),
        (
            ["--hidden", "--dataset", "usps"],
            "cannot take --hidden (none) or --dataset usps: the run has "
            "--hidden 8 and --dataset semeion.",
        ),
        (
            ["--preset", "best"],
            "cannot take --preset best: the run has --preset seed.",
        ),
    ]
    for options, message in refused:
        assert main(["train", "--resume", str(run), *options]) == 1
        err = capsys.readouterr().err
        assert err.startswith(
            f"barenet train: error: --resume {run} goes on with the run as it "
            "was started, so it "
        ), err
        assert message in err
        assert err.endswith("(the same command without --resume)\n")

    # A cosine's learning rate follows the run's length.
    assert main(["train", "--resume", str(run), "--epochs", "6"]) == 1
    assert capsys.readouterr().err == (
        f"barenet train: error: --epochs 6 cannot change the length of the "
        f"run in {run}: its learning rate follows a cosine over its 5 "
        "epochs. Train for 6 epochs in a new run instead (the command "
        "without --resume)\n"
    )
    assert (
        main(["train", "--resume", str(run), "--out", str(tmp_path / "x")]) == 1
    )
    assert capsys.readouterr().err == (
        f"barenet train: error: --resume {run} writes into the run's own "
        f"folder, so it takes no --out {tmp_path / 'x'}; to keep that folder "
        "as it is, copy it and resume the copy\n"
    )
    other = tmp_path / "other.data"
    other.write_bytes(
        semeion_path.read_bytes().replace(b"1.0000", b"0.0000", 1)
    )
    assert main(["train", "--resume", str(run), "--data", str(other)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(
        f"barenet train: error: the data changed since the run in {run} was "
        f"saved: {other} has MD5 "
    )
    assert err.endswith(
        ", the run's data had cb545d371d2ce14ec121470795a77432; resume with "
        "the same data (--data or --csv may name an identical copy)\n"
    )


def test_resume_takes_the_runs_own_label_column_by_name_or_index(
    tmp_path, capsys
):
    table = tmp_path / "t.csv"
    table.write_text(
        "a,kind,c\n" + "".join(f"{i},{i % 2},{i % 3}\n" for i in range(20))
    )
    out = tmp_path / "r"
    args = ["train", "--csv", str(table), "--label", "kind", "--quiet"]
    assert (
        main(
            [
                *args,
                "--epochs",
                "2",
                "--checkpoint-every",
                "1",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["train", "--resume", str(out), "--label", "c"]) == 1
    assert "cannot take --label c: the run has --label kind." in (
        capsys.readouterr().err
    )
    for same in ("kind", "1", "-2"):
        argv = ["--label", same, "--epochs", "2", "--quiet"]
        assert main(["train", "--resume", str(out), *argv]) == 1
        # Taken: what stops it is the length, checked after the options.
        assert capsys.readouterr().err.endswith(
            "has done 2 epochs already; give more than 2 to train it further\n"
        )
    assert (
        main(["train", "--resume", str(out), "--label", "1", "--epochs", "4"])
        == 0
    )


def test_a_run_with_a_relative_data_path_resumes_from_elsewhere(
    tmp_path, semeion_path, monkeypatch, capsys
):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "semeion.data").write_bytes(semeion_path.read_bytes())
    monkeypatch.chdir(tmp_path / "a")
    argv = ["--epochs", "2", "--checkpoint-every", "1", "--out", "run"]
    assert main([*SHORT, "--data", "semeion.data", *argv]) == 0
    run = tmp_path / "a" / "run"

    monkeypatch.chdir(tmp_path / "b")
    assert main(["train", "--resume", "../a/run", "--epochs", "3"]) == 0
    report = json.loads((run / "report.json").read_text())
    assert report["data"]["source"] == str(tmp_path / "a" / "semeion.data")
    assert report["epochs_completed"] == 3

    # Gone: the message names the file and what to do.
    (tmp_path / "a" / "semeion.data").unlink()
    capsys.readouterr()
    assert main(["train", "--resume", "../a/run", "--epochs", "4"]) == 1
    assert capsys.readouterr().err == (
        "barenet train: error: cannot read the Semeion file "
        f"{tmp_path / 'a' / 'semeion.data'}: No such file or directory. To "
        "resume the run in ../a/run, give --data PATH naming a copy of its "
        "data\n"
    )
