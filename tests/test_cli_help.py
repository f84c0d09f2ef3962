"""Every command's ``--help``: plain text, and each default said once.

The descriptions are module docstrings, so they hold the code reader's
markup; the help must show none of it, nor "(default: None)" for options
whose help says what happens without them, nor a default twice.
"""

from __future__ import annotations

import argparse
import re

import pytest

from barenet.cli import build_parser, main
from barenet.cli.options import HelpFormatter

COMMANDS = sorted(
    next(
        action.choices
        for action in build_parser()._actions
        if isinstance(action, argparse._SubParsersAction)
    )
)


def help_of(words, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    with pytest.raises(SystemExit) as exit:
        main([*words, "--help"])
    assert exit.value.code == 0
    return capsys.readouterr().out


def option_entries(text):
    """Each option's entry: its line, and the lines of help below it."""
    return re.split(r"\n  (?=\S)", text)[1:]


def test_every_command_is_covered():
    assert COMMANDS == ["bench", "cv", "evaluate", "predict", "serve", "train"]


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_is_plain_text_with_each_default_said_once(
    command, capsys, monkeypatch
):
    text = help_of([command] if command else [], capsys, monkeypatch)
    flat = " ".join(text.split())
    assert text.startswith("usage: barenet")
    assert "``" not in text
    assert "::" not in text
    for nothing in ("None", "False", "[]"):
        assert f"(default: {nothing})" not in flat
    assert re.findall(r"\(default\b(?!: )", flat) == []  # always "(default: "
    for entry in option_entries(text):
        assert entry.count("(default") <= 1, entry
    assert max(len(line) for line in text.splitlines()) <= 80


def test_defaults_worth_telling_are_told(capsys, monkeypatch):
    serve = " ".join(help_of(["serve"], capsys, monkeypatch).split())
    assert "TCP port (0: any free port) (default: 8000)" in serve
    assert "(default: the newest in the runs folder)" in serve
    cv = " ".join(help_of(["cv"], capsys, monkeypatch).split())
    assert "every fold's training (default: 0)" in cv  # 0 is not False
    assert "(default: a new file runs/cv-<date>-<time>.json)" in cv


def test_paragraphs_are_refilled_and_examples_kept_as_written(
    capsys, monkeypatch
):
    text = help_of(["evaluate"], capsys, monkeypatch)
    assert "\n    barenet evaluate runs/20261204-154818/model.npz\n" in text
    assert (
        "\n    misclassified.png  the digits it got wrong, true and guessed "
        "labels\n"
    ) in text
    assert "\nbarenet evaluate: how well a trained model does, and where " in (
        text
    )
    # "(barenet.heldout)" moved up from the start of a docstring line.
    assert "that they are the same (barenet.heldout). --data\n" in text


def test_every_command_uses_the_one_formatter():
    parser = build_parser()
    assert parser.formatter_class is HelpFormatter
    subparsers = next(
        a for a in parser._actions if isinstance(a, argparse._SubParsersAction)
    )
    for name, subparser in subparsers.choices.items():
        assert subparser.formatter_class is HelpFormatter, name
