"""Break opportunities in long unbroken runs, so Qt lays them out in linear time.

Qt's line breaker rescans an unbreakable run (letters, digits, CJK-free base64, hex) to
its end for every line it wraps: a 1 MB run takes many seconds. A zero-width space every
:data:`FOLD_WIDTH` characters of such a run gives it a place to break; where the text
fits, nothing moves. The folds are ours, not the model's, and the views drop them from
what they copy: so a zero-width space of the model's own is kept apart, in a span whose
style marks it (:data:`KEPT_MARK_HTML`); a bare one is always a fold. (Marking the folds
instead would cost Qt a format change each: seconds for a megabyte.)

Runs are counted in characters as Qt shows them: tags do not count, an entity is one
character, block tags and whitespace other than no-break spaces end a run. A fold is
never put just before a combining mark, joiner or variation selector (it would detach
it from its base), unless a run of those is longer than the fold width itself.
"""

from __future__ import annotations

import itertools
import re
import unicodedata

FOLD_WIDTH = 64
"""The most characters Qt is given without a break opportunity."""

FOLD_MARK = "\u200b"
KEPT_MARK_HTML = '<span style="font-variant:small-caps;">\u200b</span>'
"""The model's own zero-width space, marked (small caps: a no-op on it) as not a fold."""

BREAKS = " \t\n\r\f\v\u1680\u2000-\u2006\u2008-\u200b\u2028\u2029\u205f\u3000"
"""Where Qt may break a line (no-break spaces U+00A0, U+2007, U+202F are not here)."""

_RUN_RE = re.compile(f"[^{BREAKS}]+")
_TOKEN_RE = re.compile(r"(<[^>]*>)|(&#?[A-Za-z0-9]+;)|([^<&]+)|(&)")
_BLOCK_TAG_RE = re.compile(
    r"</?(?:p|pre|br|hr|td|th|tr|li|ul|ol|h[1-6]|table|thead|tbody|blockquote)\b", re.I
)
_INLINE_TAG_RE = re.compile(r"<[^>]*>")
_ENTITY_RE = re.compile(r"&#?[A-Za-z0-9]+;")
_LONG_RUN_RE = re.compile(f"[^{BREAKS}]{{{FOLD_WIDTH + 1},}}")
_MAX_SHIFT = 16


def _attaches(char: str) -> bool:
    """Whether ``char`` belongs to the character before it (a fold there would split them)."""
    return (
        unicodedata.category(char) in ("Mn", "Mc", "Me")
        or char in "\u200c\u200d"
        or "\ufe00" <= char <= "\ufe0f"
        or "\U000e0100" <= char <= "\U000e01ef"
    )


def fold_cuts(text: str, run: int = 0) -> tuple[list[int], int]:
    """Where to put folds in ``text`` (indices, ascending), which follows ``run`` unbroken
    characters; and the unbroken characters at its end.

    Every run between breaks and folds is at most :data:`FOLD_WIDTH` long.
    """
    cuts: list[int] = []
    position = 0
    for match in _RUN_RE.finditer(text):
        start, end = match.span()
        if start > position:
            run = 0
        position = end
        if run + end - start <= FOLD_WIDTH:
            run += end - start
            continue
        at = start + FOLD_WIDTH - run
        while at < end:
            cut = at
            while cut > at - _MAX_SHIFT and cut > start and _attaches(text[cut]):
                cut -= 1
            if _attaches(text[cut]) or cut <= (cuts[-1] if cuts else -1):
                cut = at
            cuts.append(cut)
            at = cut + FOLD_WIDTH
        run = end - cuts[-1]
    if position < len(text):
        run = 0
    return cuts, run


def fold_text(text: str, run: int = 0, mark: str = FOLD_MARK) -> str:
    """``text`` with ``mark`` at each of its :func:`fold_cuts`."""
    cuts, _ = fold_cuts(text, run)
    if not cuts:
        return text
    return mark.join(text[a:b] for a, b in itertools.pairwise([0, *cuts, len(text)]))


def _needs_folds(html: str) -> bool:
    if FOLD_MARK in html:
        return True
    visible = _ENTITY_RE.sub("x", html)
    visible = _BLOCK_TAG_RE.sub(" ", visible)
    return _LONG_RUN_RE.search(_INLINE_TAG_RE.sub("", visible)) is not None


def fold_html(html: str) -> str:
    """``html`` (ours: tags and escaped text) with folds in long runs and the text's own
    zero-width spaces marked as kept."""
    if not _needs_folds(html):
        return html
    out: list[str] = []
    run = 0
    for match in _TOKEN_RE.finditer(html):
        tag, entity, text, amp = match.groups()
        if tag is not None:
            if _BLOCK_TAG_RE.match(tag):
                run = 0
            out.append(tag)
            continue
        piece = text if text is not None else entity or amp
        if text is None:
            if run >= FOLD_WIDTH:
                out.append(FOLD_MARK)
                run = 0
            out.append(piece)
            run += 1
            continue
        cuts, end_run = fold_cuts(piece, run)
        out.append(FOLD_MARK.join(piece[a:b].replace(FOLD_MARK, KEPT_MARK_HTML)
                                  for a, b in itertools.pairwise([0, *cuts, len(piece)])))
        run = end_run
    return "".join(out)
