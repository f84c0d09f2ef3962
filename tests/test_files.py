"""Atomic writes when the disk is full: a WriteError naming the file.

A process's file size limit (RLIMIT_FSIZE) makes every write past it fail
as a full disk does (EFBIG instead of ENOSPC), so each case runs in a
child process of its own with a limit set.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

SAVES = textwrap.dedent(
    """
    import resource, sys
    from barenet._files import atomic_write
    from barenet.errors import WriteError
    from barenet.io import save_model
    from barenet.network import Network

    net = Network([256, 30, 20, 10], seed=0)  # 69,520 bytes of weights
    path = sys.argv[1]
    saves = {
        "model": lambda: save_model(net, path),
        "in one write": lambda: atomic_write(path, lambda f: f.write(bytes(20000))),
        "when flushed": lambda: atomic_write(path, lambda f: f.write(bytes(5000))),
    }
    told = []
    for limit in LIMITS:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
        for name, save in saves.items():
            try:
                save()
                told.append(f"{limit} {name}: saved")
            except WriteError as exc:
                told.append(f"{limit} {name}: {exc}")
    # Standard output may be a file: the limit goes before it is written.
    resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY,) * 2)
    print("\\n".join(told))
    """
)
LIMITS = (100, 4000, 9000, 17000, 40000)


def test_every_failure_to_write_is_a_write_error_naming_the_file(tmp_path):
    # Writes fail at each step in turn: the zip entries' headers, the data,
    # the seek back to the start of the zip directory, the last flush.
    path = tmp_path / "model.npz"
    path.write_bytes(b"the previous file")
    done = subprocess.run(
        [sys.executable, "-c", f"LIMITS = {LIMITS}\n{SAVES}", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stderr == ""
    told = f"cannot write {path}: File too large"
    assert done.stdout.splitlines() == [
        f"{limit} {name}: {told if limit < size else 'saved'}"
        for limit in LIMITS
        for name, size in (
            ("model", 69_520),
            ("in one write", 20_000),
            ("when flushed", 5_000),
        )
    ]
    # Failed saves left the last one that succeeded.
    assert path.read_bytes() == bytes(5000)


@pytest.mark.parametrize("limit", [4096, 16384, 24000])
def test_barenet_train_on_a_full_disk_says_so_in_one_line(tmp_path, limit):
    # The model file (about 20 kB) fails part-way or at its end; with
    # 24,000 bytes the model is saved and a 25 kB plot fails.
    out = tmp_path / "run"
    script = (
        "import resource, sys; from barenet.cli import main; "
        f"resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit})); "
        "sys.exit(main(sys.argv[1:]))"
    )
    train = ["train", "--hidden", "8", "--epochs", "2", "--out", str(out)]
    done = subprocess.run(
        [sys.executable, "-c", script, *train],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1
    assert done.stderr.startswith(f"barenet train: error: cannot write {out}/")
    assert done.stderr.endswith(": File too large\n")
    assert done.stderr.count("\n") == 1
