"""Finding data files: the local cache, downloads, and checksums.

Every remote file has a home in the cache folder::

    <cache>/<data set>/<original file name>

The cache folder is ``$BARENET_DATA`` when set, else the platform's user
cache folder for barenet (``~/.cache/barenet`` on Linux). A cache laid out
this way can be filled by hand: a folder holding ``semeion/semeion.data``
is a full cache for Semeion.

A missing file is downloaded once from its public URL, or from a mirror
with the same layout named by ``$BARENET_MIRROR`` (or the ``mirror``
argument), checked against its published MD5, and only then moved into
place. Nothing half-downloaded or corrupt is ever left under the real name.
"""

from __future__ import annotations

import hashlib
import http.client
import itertools
import os
import stat
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import platformdirs

from barenet._files import atomic_open
from barenet.errors import DataError, WriteError

DATA_ENV = "BARENET_DATA"
MIRROR_ENV = "BARENET_MIRROR"
_CHUNK = 1 << 16
DOWNLOAD_LIMIT = 64 << 20
"""Most bytes barenet downloads for a file whose size it does not know."""
DOWNLOAD_SECONDS = 600.0
"""Longest a download may take in all, however steadily bytes trickle in."""


@dataclass(frozen=True)
class RemoteFile:
    """A public data file: where it lives in the cache and on the web."""

    dataset: str
    name: str
    url: str
    md5: str
    size: int | None = None
    """The file's size in bytes, when published: a longer download stops."""

    def url_from(self, mirror: str | None) -> str:
        """The URL to download from: the mirror's copy, if a mirror is set."""
        if mirror:
            return f"{mirror.rstrip('/')}/{self.dataset}/{self.name}"
        return self.url


def data_home() -> Path:
    """The cache folder: ``$BARENET_DATA``, else the user cache folder."""
    env = os.environ.get(DATA_ENV)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_cache_dir("barenet"))


def cached_path(remote: RemoteFile) -> Path:
    """Where ``remote`` lives (or will live) in the cache."""
    return data_home() / remote.dataset / remote.name


def file_digests(path: Path) -> tuple[str, str]:
    """The (md5, sha256) hex digests of a file's bytes."""
    md5, sha = hashlib.md5(usedforsecurity=False), hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            md5.update(chunk)
            sha.update(chunk)
    return md5.hexdigest(), sha.hexdigest()


def check_regular_file(path: Path, what: str) -> None:
    """Raise DataError unless ``path`` is an existing regular file.

    Checked before opening, so that a folder, a FIFO or a device named by
    mistake gives an error instead of a hang or a stranger failure.
    """
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise DataError(
            f"cannot read {what} {path}: {exc.strerror or exc}"
        ) from None
    if not stat.S_ISREG(mode):
        kind = "a folder" if stat.S_ISDIR(mode) else "not a regular file"
        raise DataError(f"{what} {path} is {kind}; give the path of the file")


def fetch(
    remote: RemoteFile,
    *,
    mirror: str | None = None,
    timeout: float = 60.0,
    log: Callable[[str], None] | None = None,
) -> Path:
    """The path of ``remote`` in the cache, downloading it first if missing.

    A cached file is checked against the published MD5 each time; a
    mismatch is an error rather than a silent download over the user's file.
    ``timeout`` bounds each wait for the server; the whole download is
    bounded by DOWNLOAD_SECONDS, and its size by ``remote.size`` (or
    DOWNLOAD_LIMIT when that is unknown).

    Raises
    ------
    DataError
        The download failed, or a file's checksum is wrong. The message says
        how to supply the file by hand.
    """
    path = cached_path(remote)
    if path.exists() or path.is_symlink():
        check_regular_file(path, "the cached file")
        try:
            md5, _ = file_digests(path)
        except OSError as exc:
            raise DataError(
                f"cannot read the cached file {path}: {exc.strerror or exc}"
            ) from None
        if md5 != remote.md5:
            raise DataError(
                f"the cached file {path} has md5 {md5}, expected {remote.md5}: "
                "it is damaged or a different file. Delete it to download it "
                "again, or pass --data PATH to use it anyway."
            )
        return path
    env_mirror = os.environ.get(MIRROR_ENV)
    url = remote.url_from(mirror if mirror is not None else env_mirror)
    if log:
        log(f"Downloading {url}")
    _download(url, path, remote, timeout)
    return path


def _download(url: str, path: Path, remote: RemoteFile, timeout: float) -> None:
    """Download url to path via a temporary file, checking size and MD5."""
    how = (
        f"To supply it by hand, download {remote.url} yourself and either pass "
        f"its path (--data PATH on the command line), or save it as {path} "
        f"(set {DATA_ENV} to choose another cache folder)."
    )
    # The folders this download makes, the deepest first: a download that
    # fails takes them away again, so that it leaves nothing behind.
    made = list(
        itertools.takewhile(
            lambda folder: not folder.exists(),
            [path.parent, *path.parent.parents],
        )
    )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(
            f"cannot use the cache folder {path.parent}: "
            f"{exc.strerror or exc}. Set {DATA_ENV} to a folder you can "
            "write to."
        ) from None
    try:
        _save(url, path, remote, timeout, how)
    except BaseException:
        for folder in made:
            try:
                folder.rmdir()
            except OSError:
                break  # not empty (or not ours to remove): leave the rest
        raise


def _save(
    url: str, path: Path, remote: RemoteFile, timeout: float, how: str
) -> None:
    """Download url into path (atomically), or a DataError saying why not."""

    def fail(reason: str) -> DataError:
        return DataError(
            f"could not download {remote.name} from {url}: {reason}. {how}"
        )

    try:
        with atomic_open(path) as out:
            digest, received = _copy(url, out, remote, timeout)
            if remote.size is not None and received != remote.size:
                raise fail(
                    f"the download ended after {received} of "
                    f"{remote.size} bytes; nothing was saved"
                )
            if digest != remote.md5:
                raise fail(
                    f"its md5 is {digest}, expected {remote.md5}; nothing "
                    "was saved"
                )
    except DataError:
        raise
    except WriteError as exc:
        raise DataError(
            f"cannot save {remote.name} in the cache folder {path.parent}: "
            f"{exc.strerror}. Set {DATA_ENV} to a folder you can write to."
        ) from None
    except urllib.error.HTTPError as exc:
        raise fail(f"HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise fail(str(exc.reason)) from None
    except (OSError, ValueError, http.client.HTTPException) as exc:
        # ValueError: a malformed URL; HTTPException: a reply that is not
        # valid HTTP (bad status line, header too long, broken chunks).
        raise fail(f"{type(exc).__name__}: {exc}".rstrip(": ")) from None


def _copy(
    url: str, out: BinaryIO, remote: RemoteFile, timeout: float
) -> tuple[str, int]:
    """Stream url into out; returns (md5 hex digest, bytes received)."""
    limit = remote.size if remote.size is not None else DOWNLOAD_LIMIT
    deadline = time.monotonic() + DOWNLOAD_SECONDS
    digest = hashlib.md5(usedforsecurity=False)
    received = 0
    with urllib.request.urlopen(url, timeout=timeout) as response:
        while chunk := response.read(_CHUNK):
            received += len(chunk)
            if received > limit:
                raise DataError(
                    f"could not download {remote.name} from {url}: the "
                    f"server sent more than the expected {limit} bytes; "
                    "nothing was saved"
                )
            if time.monotonic() > deadline:
                raise DataError(
                    f"could not download {remote.name} from {url}: it took "
                    f"longer than {DOWNLOAD_SECONDS:.0f} s; nothing was saved"
                )
            digest.update(chunk)
            out.write(chunk)
    return digest.hexdigest(), received
