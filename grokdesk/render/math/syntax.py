"""Recognising math in Markdown: ``$…$``, ``$$…$$`` (mdit-py-plugins' dollarmath), ``\\(…\\)``
and ``\\[…\\]`` (rules here), all before markdown-it's backslash escapes run.

Dollars follow the usual currency-safe rules: no space after the opening ``$`` nor before the
closing one, no digit right before the opening or after the closing one ("costs $5 and $10"
stays text). Code spans and blocks are never looked into: their rules win at their position,
and inline dollar math never holds a backtick, so a closing ``$`` is never taken from inside
a later code span ("$10 a month, see `$HOME`").

The bracket rules find their closing delimiter with one forward search memoised per text, so
a text full of unclosed ``\\(`` costs linear time (texmath's regular expressions would rescan
to the end for each one). An unclosed ``\\(`` or ``\\[`` stays text with its backslash: while
an answer streams, math not closed yet shows as its source.

Tokens: ``math_inline`` (inline math), ``math_inline_double`` (display math inside a
paragraph; :func:`split_display_math` lifts it out into a ``math_block`` of its own) and
``math_block``; ``markup`` holds the opening delimiter.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.rules_block import StateBlock
    from markdown_it.rules_core import StateCore
    from markdown_it.rules_inline import StateInline
    from markdown_it.token import Token

CLOSERS = {"$": "$", "$$": "$$", "\\(": "\\)", "\\[": "\\]"}
"""The closing delimiter for each opening one (a token's ``markup``)."""
_BRACKETS = {"\\(": ("\\)", "math_inline"), "\\[": ("\\]", "math_inline_double")}
_MEMO = "grokdesk_math_find"
MAX_BLOCK_LINES = 200
"""A ``\\[`` block spans at most this many lines (bounds the work for each line tried)."""


@dataclass(slots=True)
class _Found:
    """The last forward search for one closer in one text: from ``start``, found at ``at``."""

    src: str
    start: int
    at: int


def source_of(token: Token) -> str:
    """The math as written, delimiters included (what copying gives back)."""
    opener = token.markup or "$"
    return f"{opener}{token.content}{CLOSERS.get(opener, opener)}"


def use_math(md: MarkdownIt, *, inline: bool = True) -> None:
    """Add the math rules to ``md`` (``inline=False``: block rules only, for block parses)."""
    from mdit_py_plugins.dollarmath import dollarmath_plugin
    from mdit_py_plugins.dollarmath.index import math_inline_dollar

    dollarmath_plugin(md, allow_labels=False, allow_space=False, allow_digits=False,
                      allow_blank_lines=False, double_inline=True)
    md.inline.ruler.at("math_inline", _without_backticks(
        math_inline_dollar(allow_space=False, allow_digits=False, allow_double=True)))
    md.block.ruler.before("fence", "math_block_brackets", _bracket_block,
                          {"alt": ["paragraph"]})
    if inline:
        md.inline.ruler.before("escape", "math_brackets", _bracket_inline)
        md.core.ruler.after("inline", "math_split", split_display_math)


def _without_backticks(rule: Callable[[StateInline, bool], bool]
                       ) -> Callable[[StateInline, bool], bool]:
    """``rule``, refusing a match that holds a backtick (the closer was in a code span)."""

    def checked(state: StateInline, silent: bool) -> bool:
        start = state.pos
        if not rule(state, True):
            return False
        end, state.pos = state.pos, start
        if "`" in state.src[start:end]:
            return False
        return rule(state, silent)

    return checked


def _find(env: MutableMapping[str, Any], src: str, closer: str, start: int) -> int:
    """``src.find(closer, start)``, reusing the last search for ``closer`` when it answers.

    Calls come with growing ``start`` for one text; an earlier search from before ``start``
    that found nothing, or found a place at or after ``start``, gives the same answer.
    """
    memo: dict[str, _Found] = env.setdefault(_MEMO, {})
    last = memo.get(closer)
    if (last is not None and last.src is src and last.start <= start
            and (last.at < 0 or last.at >= start)):
        return last.at
    at = src.find(closer, start)
    memo[closer] = _Found(src, start, at)
    return at


def _bracket_inline(state: StateInline, silent: bool) -> bool:
    pos = state.pos
    opener = state.src[pos : pos + 2]
    if opener not in _BRACKETS:
        return False
    closer, kind = _BRACKETS[opener]
    end = _find(state.env, state.src, closer, pos + 2)
    content = state.src[pos + 2 : end] if end >= 0 else ""
    if not content.strip():
        # Unclosed (or empty): the delimiter stays text, backslash and all.
        if not silent:
            state.pending += opener
        state.pos = pos + 2
        return True
    if not silent:
        token = state.push(kind, "math", 0)
        token.content = content
        token.markup = opener
    state.pos = end + 2
    return True


def _bracket_block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """``\\[`` starting a line, up to a ``\\]`` that ends a line (the first ``\\]`` after it)."""
    if state.sCount[start_line] - state.blkIndent >= 4:
        return False
    begin = state.bMarks[start_line] + state.tShift[start_line]
    if not state.src.startswith("\\[", begin):
        return False
    end = _find(state.env, state.src, "\\]", begin + 2)
    if end < 0:
        return False
    line = start_line
    last = min(end_line, start_line + MAX_BLOCK_LINES)
    while line < last and state.eMarks[line] < end:
        line += 1
    if line >= last or state.src[end + 2 : state.eMarks[line]].strip():
        return False
    content = state.src[begin + 2 : end]
    if not content.strip() or any(
        not state.src[state.bMarks[n] : state.eMarks[n]].strip()
        for n in range(start_line + 1, line)
    ):
        return False
    if silent:
        return True
    token = state.push("math_block", "math", 0)
    token.block = True
    token.content = content
    token.markup = "\\["
    token.map = [start_line, line + 1]
    state.line = line + 1
    return True


def split_display_math(state: StateCore) -> None:
    """Lift display math out of paragraphs (``text\\n\\[x\\]\\nmore``): a paragraph, a
    ``math_block``, a paragraph. Line breaks next to the math go; empty paragraphs are
    not made."""
    from markdown_it.token import Token

    tokens = state.tokens
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        children = token.children or []
        if (token.type != "inline" or i == 0 or tokens[i - 1].type != "paragraph_open"
                or not any(child.type == "math_inline_double" for child in children)):
            out.append(token)
            i += 1
            continue
        opening, closing = out.pop(), tokens[i + 1]
        run: list[Token] = []
        for child in [*children, None]:
            if child is not None and child.type != "math_inline_double":
                run.append(child)
                continue
            while run and run[0].type in ("softbreak", "hardbreak"):
                run.pop(0)
            while run and run[-1].type in ("softbreak", "hardbreak"):
                run.pop()
            if run:
                out.extend(_paragraph(opening, token, closing, run))
            run = []
            if child is not None:
                block = Token("math_block", "math", 0)
                block.block = True
                block.content = child.content
                block.markup = child.markup
                block.level = opening.level
                block.map = opening.map
                out.append(block)
        i += 2
    state.tokens = out


def _paragraph(opening: Token, inline: Token, closing: Token,
               children: list[Token]) -> list[Token]:
    part = inline.copy()
    part.children = children
    part.content = ""
    return [opening.copy(), part, closing.copy()]
