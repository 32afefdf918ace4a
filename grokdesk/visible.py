"""Characters that act instead of showing, replaced by visible ``<U+XXXX>`` markers.

Model answers, server messages and imported files are untrusted text. On a terminal a
control character is a command: ``ESC ] 52`` writes the clipboard, ``ESC ] 0`` the window
title, ``ESC [ 2J`` clears the screen. Bidi controls reorder what the reader sees
("Trojan Source"); zero-width characters hide text. The window shows such characters in
code as markers and the command line shows them the same way everywhere, through
:func:`mark_invisible`, so both agree on what counts as invisible.

Newline and tab are ordinary text. ZWJ and ZWNJ are left alone: emoji and many scripts
need them.
"""

from __future__ import annotations

import io
import json
import math
import re
from collections.abc import Callable
from typing import TextIO

INVISIBLE_RE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 (but tab and newline), DEL, C1
    "\u061c\u200b\u200e\u200f\u2028\u2029\u202a-\u202e\u2060\u2066-\u2069\ufeff"
    "\ud800-\udfff"  # lone surrogates: cannot be written as UTF-8 at all
    "\U000e0000-\U000e007f]"  # tag characters
)
"""Control, bidi, zero-width and tag characters, and lone surrogates."""

_CRLF = "\r\n"


def marker(char: str) -> str:
    """The visible stand-in for one invisible character."""
    return f"<U+{ord(char):04X}>"


def mark_invisible(text: str, mark: Callable[[str], str] = marker) -> str:
    """``text`` with every invisible character replaced by ``mark(char)``."""
    return INVISIBLE_RE.sub(lambda match: mark(match.group()), text)


def terminal_text(text: str) -> str:
    """``text`` fit to print: line ends made ``\\n``, every other control shown as a marker.

    Works on any piece of a longer text (a streamed delta): each character is judged
    alone, so an escape sequence split across pieces is still harmless.
    """
    return mark_invisible(text.replace(_CRLF, "\n"))


def _json_escape(char: str) -> str:
    code = ord(char)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def terminal_json(data: object) -> str:
    """``data`` as indented JSON that says exactly the same and is safe to print.

    ``json.dumps`` escapes C0 controls only; the other invisible characters can occur
    only inside strings, where a ``\\uXXXX`` escape means the same character.
    """
    return mark_invisible(json.dumps(_finite(data), ensure_ascii=False, indent=2,
                                     allow_nan=False), _json_escape)


def _finite(data: object) -> object:
    """``data`` with every NaN or infinite number (a damaged row's) as null: JSON has no
    spelling for them, and ``Infinity`` would break the reader of the output."""
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {key: _finite(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [_finite(value) for value in data]
    return data


class VisibleWriter(io.TextIOBase, TextIO):
    """A text stream that passes everything written through :func:`terminal_text`.

    The command line wraps stdout and stderr in one, so no message, answer or log line
    can forget to. ``raw`` is the stream underneath, for output the user asked to get
    unchanged (``--raw``).
    """

    def __init__(self, raw: TextIO) -> None:
        super().__init__()
        self.raw = raw

    def write(self, text: str) -> int:
        self.raw.write(terminal_text(text))
        return len(text)

    def flush(self) -> None:
        if not self.raw.closed:
            self.raw.flush()

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self.raw.isatty()
