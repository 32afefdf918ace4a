"""Turning untrusted model output into HTML for Qt's rich-text views (no Qt import here).

The names below load their module on first use: a view that shows a stored render, or
folds a line, does not load the Markdown renderer (:mod:`grokdesk.render.rendered`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from grokdesk.lazy_names import lazy_names

if TYPE_CHECKING:
    from grokdesk.render.markdown import (
        DARK,
        LIGHT,
        MAX_MESSAGE_TABLE_CELLS,
        Theme,
        ends_in_code,
        plain_text_to_html,
        render_markdown,
        safe_href,
        split_stable_prefix,
    )
    from grokdesk.render.rendered import COPY_SCHEME, Rendered, copy_link_index

__all__ = [
    "COPY_SCHEME",
    "DARK",
    "LIGHT",
    "MAX_MESSAGE_TABLE_CELLS",
    "Rendered",
    "Theme",
    "copy_link_index",
    "ends_in_code",
    "plain_text_to_html",
    "render_markdown",
    "safe_href",
    "split_stable_prefix",
]

__getattr__ = lazy_names(__name__, {
    "grokdesk.render.rendered": ("COPY_SCHEME", "Rendered", "copy_link_index"),
    "grokdesk.render.markdown": ("DARK", "LIGHT", "MAX_MESSAGE_TABLE_CELLS", "Theme",
                                 "ends_in_code", "plain_text_to_html", "render_markdown",
                                 "safe_href", "split_stable_prefix"),
})
