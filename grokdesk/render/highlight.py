"""Pygments syntax highlighting as inline-styled spans for QTextDocument.

This module imports Pygments at the top, so ``grokdesk.render.markdown`` imports it only when a
fenced block names a language: Pygments costs startup time that most windows never need.
QTextDocument has no stylesheet classes for us to target, hence ``noclasses=True``.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pygments import highlight
from pygments.formatters.html import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

MAX_HIGHLIGHT_CHARS = 20_000
"""Larger blocks are shown plain: a finished block is highlighted whole in one tick of the
event loop, about 5 ms per thousand characters."""

_MAX_LANG_CHARS = 40
COMMON_LANGUAGES = ("python", "bash", "javascript", "json")
"""The fences answers name most: :func:`prepare` compiles their lexers ahead."""


@lru_cache(maxsize=128)
def _lexer(lang: str) -> Any | None:
    """Lexer for a fence's language name; cached, because unknown names scan plugin entry points."""
    try:
        return get_lexer_by_name(lang, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


def prepare() -> None:
    """Compile the lexers of :data:`COMMON_LANGUAGES` (a worker thread, before the first
    answer): a lexer's first use compiles its regular expressions, tens of milliseconds
    that would otherwise fall on a redraw of a streaming answer."""
    for lang in COMMON_LANGUAGES:
        _lexer(lang)


HIGHLIGHTS_KEPT = 32
"""Highlighted blocks remembered: a streamed answer's finished block is rendered again as
it moves from the unfinished tail to the finished part, and again in the answer's final
rendering, while Pygments takes about 5 ms per thousand characters."""

GROWING_WHOLE_CHARS = 2_000
"""A streaming block up to this size is highlighted whole at each redraw (about 10 ms),
so that it is remembered as it will be once finished."""
GROWING_PIECE_CHARS = 1_000
"""A larger streaming block is highlighted in pieces of whole lines, each at least this
long (the last one excepted): :func:`highlight_growing`."""
PIECES_KEPT = 64
"""Pieces of streaming blocks remembered: three blocks of the largest size highlighted."""


@lru_cache(maxsize=8)
def _formatter(style: str) -> Any:
    return HtmlFormatter(style=style, noclasses=True, nowrap=True)


def style_colors(style: str) -> tuple[str, str | None]:
    """(background, default text colour or None) of a Pygments style, for tests and theming."""
    from pygments.styles import get_style_by_name
    from pygments.token import Token

    cls = get_style_by_name(style)
    text = cls.style_for_token(Token.Text)["color"]
    return str(cls.background_color), (f"#{text}" if text else None)


def highlight_code(code: str, lang: str, style: str) -> str | None:
    """Highlighted HTML spans for ``code`` (no wrapper element), or None to show it plain.

    None means: no or unknown language (we never guess: guessing is slow and often wrong), a block
    too big to highlight quickly, or a lexer that failed on odd input.
    """
    if not _may_highlight(code, lang):
        return None
    return _highlight_block(code, lang, style)


def highlight_growing(code: str, lang: str, style: str) -> str | None:
    """:func:`highlight_code` for a block still streaming: pieces of whole lines (at least
    :data:`GROWING_PIECE_CHARS` each), each highlighted on its own and remembered.

    A redraw then lexes only the last piece. Lexing the whole block again at every redraw
    took 40 % of the event loop while a 12,000-character block streamed, and ticks of up
    to 40 ms. A construct that crosses a piece's first line (a long docstring) may be
    coloured wrongly there until the block is finished and highlighted whole, in one tick.
    Blocks up to :data:`GROWING_WHOLE_CHARS` are highlighted whole.
    """
    if not _may_highlight(code, lang):  # shown plain once finished, so plain now
        return None
    if len(code) <= GROWING_WHOLE_CHARS:
        return _highlight_block(code, lang, style)
    highlighted: list[str] = []
    for piece in _pieces(code):
        spans = _highlight_piece(piece, lang, style)
        if spans is None:
            return None
        highlighted.append(spans)
    return "".join(highlighted)


def _pieces(code: str) -> list[str]:
    """Whole lines gathered from the start into pieces of :data:`GROWING_PIECE_CHARS` or
    more: as the block grows, only its last piece changes."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for line in code.splitlines(keepends=True):
        current.append(line)
        size += len(line)
        if size >= GROWING_PIECE_CHARS:
            pieces.append("".join(current))
            current, size = [], 0
    if current:
        pieces.append("".join(current))
    return pieces


def _may_highlight(code: str, lang: str) -> bool:
    return bool(lang) and len(lang) <= _MAX_LANG_CHARS and len(code) <= MAX_HIGHLIGHT_CHARS


@lru_cache(maxsize=HIGHLIGHTS_KEPT)
def _highlight_block(code: str, lang: str, style: str) -> str | None:
    return _highlight(code, lang, style)


@lru_cache(maxsize=PIECES_KEPT)
def _highlight_piece(code: str, lang: str, style: str) -> str | None:
    return _highlight(code, lang, style)


def forget_highlights() -> None:
    """Drop every remembered highlight (benchmarks and tests start from none)."""
    _highlight_block.cache_clear()
    _highlight_piece.cache_clear()


def _highlight(code: str, lang: str, style: str) -> str | None:
    lexer = _lexer(lang.lower())
    if lexer is None:
        return None
    try:
        out = str(highlight(code, lexer, _formatter(style)))
    except Exception:  # a lexer bug on hostile input must not break the transcript
        return None
    if not code.endswith("\n") and out.endswith("\n"):
        out = out[:-1]
    return out
