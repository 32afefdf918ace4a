"""Code blocks for the exported page: Pygments with CSS classes, invisible characters shown.

The window highlights with inline colours for one theme at a time; a page carries both
themes in its stylesheet, so here tokens get classes (``.code .k`` …) and the colours
come from :mod:`grokdesk.export.page.style`. Invisible characters are replaced by
visible ``<U+XXXX>`` markers, as in the window, because code gets copied and run.
"""

from __future__ import annotations

import html
from functools import lru_cache
from typing import Any

from grokdesk.visible import mark_invisible, marker

MAX_HIGHLIGHT_CHARS = 200_000
"""Larger blocks are exported plain: highlighting them would take seconds each."""

_MAX_LANG_CHARS = 40


@lru_cache(maxsize=128)
def _lexer(lang: str) -> Any | None:
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        return get_lexer_by_name(lang, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


@lru_cache(maxsize=1)
def _formatter() -> Any:
    from pygments.formatters.html import HtmlFormatter

    return HtmlFormatter(nowrap=True)


def _highlighted(code: str, lang: str) -> str | None:
    if not lang or len(lang) > _MAX_LANG_CHARS or len(code) > MAX_HIGHLIGHT_CHARS:
        return None
    lexer = _lexer(lang.lower())
    if lexer is None:
        return None
    from pygments import highlight

    try:
        out = str(highlight(code, lexer, _formatter()))
    except Exception:  # a lexer bug on hostile input must not break the export
        return None
    return out[:-1] if not code.endswith("\n") and out.endswith("\n") else out


def _marked(char: str) -> str:
    return f'<span class="invisible">{html.escape(marker(char))}</span>'


def code_block(code: str, lang: str, *, label: bool = True) -> str:
    """A ``<pre>`` for ``code`` (exact text), highlighted when ``lang`` names a known language.

    The language label (shown when ``label``) is escaped and shortened; the markup is
    ours alone (Pygments' class names and escaped text).
    """
    spans = _highlighted(code, lang)
    inner = mark_invisible(html.escape(code, quote=False) if spans is None else spans, _marked)
    shown = f'<div class="code-lang">{html.escape(lang[:32])}</div>' if lang and label else ""
    return f'<div class="code">{shown}<pre><code>{inner}</code></pre></div>'


def pygments_css(style: str, scope: str) -> str:
    """The token colours of Pygments style ``style``, for elements under ``scope``."""
    from pygments.formatters.html import HtmlFormatter

    rules = HtmlFormatter(style=style).get_style_defs(scope)
    return "\n".join(line for line in str(rules).splitlines()
                     if not line.startswith(("pre {", "td.linenos", "span.linenos",
                                             f"{scope} .hll")))
