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

# Message text is unbounded, so the only pattern it meets has one repeat of one character.
_BACKTICK_RUN = re.compile(r"`+")


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
        found = _fence(line)
        if found is None:
            continue
        fence, info = found
        if open_fence is None:
            if fence[0] == "`" and "`" in info:
                continue
            open_fence = fence
        elif (fence[0] == open_fence[0] and len(fence) >= len(open_fence)
              and not info.strip(" \t")):
            open_fence = None
    return open_fence


def _fence(line: str) -> tuple[str, str] | None:
    """The fence a line starts with (after up to three spaces) and the rest of the line."""
    rest = line.lstrip(" ")
    if len(line) - len(rest) > 3 or rest[:1] not in ("`", "~"):
        return None
    after = rest.lstrip(rest[0])
    fence = rest[:len(rest) - len(after)]
    return (fence, after) if len(fence) >= 3 else None


def _is_marker(line: str) -> bool:
    """Whether ``line`` is a marker behind any number of backslashes."""
    return line.lstrip("\\").startswith(MARKER_PREFIX)


def escape_markers(text: str) -> str:
    """Prefix one backslash to every line that starts with (backslashes and) a marker."""
    if MARKER_PREFIX not in text:
        return text
    return "\n".join("\\" + line if _is_marker(line) else line for line in text.split("\n"))


def unescape_markers(text: str) -> str:
    """Undo :func:`escape_markers`."""
    if MARKER_PREFIX not in text:
        return text
    return "\n".join(line[1:] if line.startswith("\\") and _is_marker(line) else line
                     for line in text.split("\n"))
