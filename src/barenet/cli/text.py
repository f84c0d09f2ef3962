"""Text from files made safe to show in a terminal.

A model's labels, a CSV file's header or a file's name may hold characters
a terminal acts on instead of showing: ESC starts sequences that recolour,
move the cursor or clear the screen, CR returns to the start of the line,
BEL rings. ``printable`` writes each such character as a Python escape
(``\\x1b``), so that what is printed is what the file holds. The command
line passes all it prints through it (see ``barenet.cli``). No imports
beyond the standard library: it is loaded before anything else.
"""

from __future__ import annotations


def printable(text: str, keep: str = "\n\t") -> str:
    """``text`` with every character that is not printable (``str.
    isprintable``: controls, format characters such as bidirectional
    overrides, separators other than the space) written as a Python
    escape, ``"\\x1b[31m"`` for ESC [31m; characters in ``keep`` stay."""
    if text.isprintable():
        return text
    return "".join(
        c if c.isprintable() or c in keep else _escaped(c) for c in text
    )


def _escaped(c: str) -> str:
    code = ord(c)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"
