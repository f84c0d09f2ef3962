"""The barenet command starts light, and Ctrl-C while it starts is quiet."""

from __future__ import annotations

import subprocess
import sys

import pytest


def python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True
    )


def test_the_command_line_is_built_without_matplotlib():
    found = python(
        "import sys, barenet.cli\n"
        "barenet.cli.build_parser()\n"
        "print(sorted({m.split('.')[0] for m in sys.modules}))\n"
    )
    assert found.returncode == 0, found.stderr
    loaded = found.stdout
    assert "'numpy'" in loaded  # the subcommands are all there
    assert "'matplotlib'" not in loaded
    assert "'PIL'" not in loaded


def test_import_barenet_loads_nothing_until_a_name_is_used():
    found = python(
        "import sys, barenet\n"
        "print('numpy' in sys.modules)\n"
        "net = barenet.Network([4, 3, 2], seed=0)\n"
        "print('numpy' in sys.modules, type(net).__module__)\n"
        "print(barenet.plots.__name__)\n"
    )
    assert found.returncode == 0, found.stderr
    assert found.stdout.splitlines() == [
        "False",
        "True barenet.network",
        "barenet.plots",
    ]


# Ctrl-C arriving while NumPy is imported, i.e. while the command starts:
# the finder below raises KeyboardInterrupt there, as the signal would.
INTERRUPTED_START = """
import sys

class CtrlC:
    def find_spec(self, name, path=None, target=None):
        if name == "numpy":
            raise KeyboardInterrupt

sys.meta_path.insert(0, CtrlC())
from barenet.cli import main  # what the installed barenet script runs
sys.exit(main({argv}))
"""


@pytest.mark.parametrize("argv", [["--version"], ["train", "--help"]])
def test_ctrl_c_while_starting_exits_130_without_a_traceback(argv):
    done = python(INTERRUPTED_START.format(argv=argv))
    assert done.returncode == 130
    assert done.stderr == "barenet: interrupted\n"
    assert done.stdout == ""


def test_an_unknown_name_is_an_attribute_error():
    import barenet

    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        barenet.nothing  # noqa: B018
