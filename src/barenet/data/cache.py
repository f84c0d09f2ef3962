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
import os
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from barenet._files import atomic_open
from barenet.errors import DataError

DATA_ENV = "BARENET_DATA"
MIRROR_ENV = "BARENET_MIRROR"
_CHUNK = 1 << 16


@dataclass(frozen=True)
class RemoteFile:
    """A public data file: where it lives in the cache and on the web."""

    dataset: str
    name: str
    url: str
    md5: str

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

    Raises
    ------
    DataError
        The download failed, or a file's checksum is wrong. The message says
        how to supply the file by hand.
    """
    path = cached_path(remote)
    if path.exists():
        md5, _ = file_digests(path)
        if md5 != remote.md5:
            raise DataError(
                f"the cached file {path} has md5 {md5}, expected {remote.md5}: "
                "it is damaged or a different file. Delete it to download it "
                "again, or pass --data PATH to use it anyway."
            )
        return path
    url = remote.url_from(
        mirror if mirror is not None else os.environ.get(MIRROR_ENV)
    )
    if log:
        log(f"Downloading {url}")
    _download(url, path, remote, timeout)
    return path


def _download(url: str, path: Path, remote: RemoteFile, timeout: float) -> None:
    """Download url to path via a temporary file, checking the MD5."""
    how = (
        f"To supply it by hand, download {remote.url} yourself and either pass "
        f"--data PATH, or save it as {path} (set {DATA_ENV} to choose another "
        "cache folder)."
    )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_open(path) as out:
            digest = hashlib.md5(usedforsecurity=False)
            with urllib.request.urlopen(url, timeout=timeout) as response:
                while chunk := response.read(_CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
            if digest.hexdigest() != remote.md5:
                raise DataError(
                    f"downloaded {remote.name} from {url}, but its md5 is "
                    f"{digest.hexdigest()}, expected {remote.md5}; nothing was "
                    f"saved. {how}"
                )
    except DataError:
        raise
    except urllib.error.HTTPError as exc:
        raise DataError(
            f"could not download {remote.name} from {url}: HTTP {exc.code} "
            f"{exc.reason}. {how}"
        ) from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise DataError(
            f"could not download {remote.name} from {url}: {reason}. {how}"
        ) from None
