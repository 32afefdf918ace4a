"""What Pygments lexes, counted: lexing is the slow part of rendering code."""

from __future__ import annotations

from typing import Any

import pygments
import pytest

from grokdesk.render import highlight


def count_lexing(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every code Pygments lexes from now on, in order; nothing highlighted is remembered."""
    lexed: list[str] = []

    def counted(code: str, lexer: Any, formatter: Any) -> str:
        lexed.append(code)
        return str(pygments.highlight(code, lexer, formatter))

    monkeypatch.setattr(highlight, "highlight", counted)
    highlight.forget_highlights()
    return lexed


def python_lines(count: int) -> str:
    """``count`` lines of plain Python, no construct spanning lines."""
    return "".join(f"value_{n} = compute({n}, factor=2.5)  # step {n}\n" for n in range(count))
