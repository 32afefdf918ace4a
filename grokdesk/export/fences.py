"""Embedding arbitrary text in Markdown without it leaking into the surrounding document.

Three small tools: a code fence longer than any backtick run in the text (so the text
cannot close it), a scan for a fence the text opens and never closes (so the exporter
can close it and keep the next message out of a code block), and a reversible escape
for lines that look like grokdesk's own markers (so message text can never be mistaken
for structure).
"""

from __future__ import annotations

import re
from functools import cache

from markdown_it import MarkdownIt

MARKER_PREFIX = "<!-- grokdesk:"

# Message text is unbounded, so the only pattern it meets has one repeat of one character.
_BACKTICK_RUN = re.compile(r"`+")
# Where the parser breaks lines (it reads a lone CR as one).
_LINE_BREAK = re.compile(r"\r\n?|\n")
# A line that may start a list item, a block quote, an HTML block or a link reference
# definition: inside those a fence line may not be what it looks like. It reads at most
# the first 13 characters of a line (_NOT_PLAIN_SPAN), whatever the line's length; the
# group is the character that says which.
_NOT_PLAIN = re.compile(r" {0,3}([-+*>\[<]|\d{1,9}[.)])")
_NOT_PLAIN_SPAN = 13


def longest_backtick_run(text: str) -> int:
    """Length of the longest run of consecutive backticks in ``text``."""
    return max((len(m.group()) for m in _BACKTICK_RUN.finditer(text)), default=0)


def fence_for(text: str) -> str:
    """A backtick fence that no line of ``text`` can close: longer than any run in it."""
    return "`" * max(3, longest_backtick_run(text) + 1)


def unclosed_fence(text: str) -> str | None:
    """The fence a top-level code block of ``text`` opens and never closes, if any.

    Decided by the same CommonMark parser that reads the file back, not by a line scan:
    a fence line inside an HTML block (``</details>`` on the line before, say) opens no
    code block, and closing it anyway would open one that swallows what follows.
    Returning the opener itself gives a line that is guaranteed to close it.
    """
    if "```" not in text and "~~~" not in text:
        return None
    lines = _LINE_BREAK.split(text)
    if _every_fence_closes(lines):
        return None
    tokens = _block_parser().parse(text)
    last = tokens[-1] if tokens else None
    if last is None or last.type != "fence" or last.level != 0 or last.map is None:
        return None
    start, end = last.map
    if end < len(lines) and any(line.strip() for line in lines[end:]):
        return None
    closing = _fence(lines[end - 1]) if end - 1 > start else None
    if (closing is not None and closing[0][0] == last.markup[0]
            and len(closing[0]) >= len(last.markup) and not closing[1].strip(" \t")):
        return None
    return last.markup


def _every_fence_closes(lines: list[str]) -> bool:
    """Whether a scan of ``lines`` sees every top-level code fence closed; False where it
    cannot be sure, and the parser decides. Most texts are spared the parse.

    After a line that may start a list item or a block quote, a fence line at the left
    margin is still a top-level one: it cannot continue an item or a quote (only a
    paragraph continues lazily), so it closes them. An indented fence line may belong to
    them: unsure. After a line that may start an HTML block or a link reference
    definition, a fence line may be neither: only no fence line at all is a sure answer.
    """
    opened: str | None = None
    contained = False
    for index, line in enumerate(lines):
        fence = _fence(line)
        if opened is not None:
            if (fence is not None and fence[0][0] == opened[0]
                    and len(fence[0]) >= len(opened) and not fence[1].strip(" \t")):
                opened = None
            continue
        if (start := _NOT_PLAIN.match(line[:_NOT_PLAIN_SPAN])) is not None:
            if start.group(1) in "<[":
                return not any(_fence(rest) for rest in lines[index:])
            contained = True
        if fence is None:
            continue
        if contained and line[0] == " ":
            return False
        if fence[0][0] == "~" or "`" not in fence[1]:
            opened = fence[0]
    return opened is None


@cache
def _block_parser() -> MarkdownIt:
    """CommonMark's block rules only: whether a fence is closed needs no inline parsing."""
    return MarkdownIt("commonmark").disable(["inline"], ignoreInvalid=True)


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
