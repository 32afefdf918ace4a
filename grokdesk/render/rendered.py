"""What a render gives the views, apart from the renderer: the window shows stored
renders (``ui.transcript.stored_renders``), follows Copy links and knows a math image's
name without loading markdown-it, the math and the rest of
:mod:`grokdesk.render.markdown`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from grokdesk.render.math.html import MathImage
    from grokdesk.render.math.typeset import MathRequest

IMAGE_SCHEME = "grokdesk-math"
"""The scheme of the ``<img src>`` names the window resolves itself
(:class:`~grokdesk.render.math.html.MathImage`)."""
COPY_SCHEME = "grokdesk-copy"
"""Copy buttons are ``<a href="grokdesk-copy:N">``; N indexes :attr:`Rendered.code_blocks`
(offset by the renderer's ``first_code_index``). Parse clicked URLs with
:func:`copy_link_index`."""


@dataclass(frozen=True, slots=True)
class Rendered:
    """HTML for a QTextDocument plus the exact text behind each Copy link, by position."""

    html: str
    code_blocks: list[str]
    table_cells: int = 0
    """Cells shown as tables, to take from the budget of the message's next chunk."""
    math: tuple[MathImage, ...] = ()
    """The typeset math the HTML shows as ``<img>`` (``MathOptions(output="image")``)."""
    pending: tuple[MathRequest, ...] = ()
    """Math shown as source because it is not typeset yet (``MathOptions(only_cached=True)``)."""
    has_math: bool = False
    """Whether the text held math at all: typeset, pending, or shown as its source (no
    math options, or it could not be typeset). A render without math depends on the text
    and the look alone."""


def copy_link_index(url: str) -> int | None:
    """N for a ``grokdesk-copy:N`` URL (as clicked in the view), else None."""
    prefix = COPY_SCHEME + ":"
    if not url.startswith(prefix):
        return None
    number = url[len(prefix) :]
    if not (number.isascii() and number.isdigit()) or len(number) > 9:
        return None
    return int(number)
