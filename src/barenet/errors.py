"""The exceptions barenet raises for mistakes a user can fix.

Every error here carries a message that names what was wrong, where, what
was expected, what was found, and how to fix it. The command line prints
that message alone, without a traceback. Internal invariants use
``assert`` instead; an ``AssertionError`` is a bug in barenet.
"""

from __future__ import annotations


class BarenetError(Exception):
    """Base class of every error barenet raises on purpose."""


class ConfigError(BarenetError, ValueError):
    """A setting is out of range or inconsistent with another."""


class InputOverflowError(ConfigError):
    """A sample so far beyond a network's scale that its outputs overflow.

    ``row`` is the sample's index in X, so that a caller can say where it
    came from (a line of a file, say).
    """

    def __init__(self, message: str, row: int):
        super().__init__(message)
        self.row = row


class DataError(BarenetError, ValueError):
    """A data file is missing, cannot be downloaded, or is malformed."""


class ModelFileError(BarenetError, ValueError):
    """A file is not a valid barenet model, or a model cannot be saved."""


class ImageError(DataError):
    """An image cannot be read, is too large, or holds no digit."""


class WriteError(BarenetError, OSError):
    """A file could not be written (no space, no permission, not a folder)."""
