"""Embedding arbitrary text in Markdown without it leaking into the surrounding document.

Three small tools: a code fence longer than any backtick run in the text (so the text
cannot close it), a scan for a fence the text opens and never closes (so the exporter
can close it and keep the next message out of a code block), and a reversible escape
for lines that look like grokdesk's own markers (so message text can never be mistaken
for structure).
"""

from __future__ import annotations

import re

MARKER_PREFIX = "<!-- grokdesk:"

_BACKTICK_RUN = re.compile(r"`+")
_FENCE_OPEN = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
_FENCE_CLOSE = re.compile(r"^ {0,3}(`{3,}|~{3,})[ \t]*$")
_NEEDS_ESCAPE = re.compile(r"^(\\*)(<!-- grokdesk:)", re.MULTILINE)
_ESCAPED = re.compile(r"^\\(\\*<!-- grokdesk:)", re.MULTILINE)


def longest_backtick_run(text: str) -> int:
    """Length of the longest run of consecutive backticks in ``text``."""
    return max((len(m.group()) for m in _BACKTICK_RUN.finditer(text)), default=0)


def fence_for(text: str) -> str:
    """A backtick fence that no line of ``text`` can close: longer than any run in it."""
    return "`" * max(3, longest_backtick_run(text) + 1)


def unclosed_fence(text: str) -> str | None:
    """The fence a top-level code block of ``text`` opens and never closes, if any.

    Follows CommonMark's rules for fences outside containers: an opener of three or
    more backticks (whose info string holds no backtick) or tildes, closed by a line
    of the same character at least as long. Returning the opener itself gives a line
    that is guaranteed to close it.
    """
    open_fence: str | None = None
    for line in text.split("\n"):
        if open_fence is None:
            opened = _FENCE_OPEN.match(line)
            if opened is None:
                continue
            fence, info = opened.groups()
            if fence[0] == "`" and "`" in info:
                continue
            open_fence = fence
        else:
            closed = _FENCE_CLOSE.match(line)
            if (closed is not None and closed.group(1)[0] == open_fence[0]
                    and len(closed.group(1)) >= len(open_fence)):
                open_fence = None
    return open_fence


def escape_markers(text: str) -> str:
    """Prefix one backslash to every line that starts with (backslashes and) a marker."""
    return _NEEDS_ESCAPE.sub(r"\\\1\2", text)


def unescape_markers(text: str) -> str:
    """Undo :func:`escape_markers`."""
    return _ESCAPED.sub(r"\1", text)
