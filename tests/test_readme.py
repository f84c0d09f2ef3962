"""The README's promises: its test command is CI's, and its code runs."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def test_ci_runs_the_readme_test_command_verbatim():
    ci = (ROOT / ".ci" / "run").read_text().strip().splitlines()
    command = (
        next(b for b in _blocks("sh") if "pytest" in b).strip().splitlines()[-1]
    )
    assert ci[-1] == command


def test_the_python_api_example_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = next(b for b in _blocks("python") if "import barenet" in b)
    exec(compile(code, "README.md", "exec"), {})
    assert (tmp_path / "model.npz").is_file()
