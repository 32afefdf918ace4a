"""The longest line of an imported file that a pattern may read, checked before it does.

Front matter and marker lines are matched with regular expressions; capping their
length first bounds the work any line can cause, whatever the patterns. Message
text is never matched line by line, so its lines may be longer.
"""

from __future__ import annotations

MAX_LINE_CHARS = 1 << 20


def too_long(line: str) -> bool:
    """Whether ``line`` may not be given to a pattern."""
    return len(line) > MAX_LINE_CHARS


def describe(line_no: int) -> str:
    """The refusal for line ``line_no`` (1-based), without the file's name."""
    return f"line {line_no} is longer than {MAX_LINE_CHARS:,} characters"
