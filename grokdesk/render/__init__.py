"""Turning untrusted model output into HTML for Qt's rich-text views (no Qt import here)."""

from grokdesk.render.markdown import (
    COPY_SCHEME,
    DARK,
    LIGHT,
    MAX_MESSAGE_TABLE_CELLS,
    Rendered,
    Theme,
    copy_link_index,
    ends_in_code,
    plain_text_to_html,
    render_markdown,
    safe_href,
    split_stable_prefix,
)

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
