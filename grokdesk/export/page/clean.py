"""The window's rendered Markdown remade as plain HTML for the exported page.

:func:`grokdesk.render.render_markdown` makes HTML for Qt's views: inline colours for one
theme, Copy links (``grokdesk-copy:N``), zero-width spaces that let Qt wrap long runs.
A page needs classes (its stylesheet has a light and a dark theme), no Copy links and
no folds. So the HTML is parsed and written again element by element, and only what is
listed here comes out: known tags, with attributes rebuilt by us; links once more through
:func:`~grokdesk.render.safe_href`; math SVG through :mod:`grokdesk.export.page.svg`.
Anything else keeps its text and loses its tag, so nothing the model wrote can become
markup, and a change in the renderer can at worst lose styling, never let markup through.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from grokdesk.export.page import svg
from grokdesk.export.page.code import code_block
from grokdesk.export.page.tree import Element, parse
from grokdesk.render import COPY_SCHEME, LIGHT, Rendered, copy_link_index, safe_href
from grokdesk.render.fold import FOLD_MARK
from grokdesk.render.math import MathImage

_PLAIN = frozenset({"p", "br", "hr", "em", "strong", "s", "del", "ul", "li", "blockquote",
                    "thead", "tbody", "tr", "code", "sub", "sup"})
_HEADINGS = {f"h{n}": f"h{min(n + 2, 6)}" for n in range(1, 7)}
_ALIGNS = frozenset({"left", "center", "right"})
_COLOUR_CLASSES = {LIGHT.marker.lower(): "invisible", LIGHT.muted.lower(): "muted"}
_COLOUR_RE = re.compile(r"(?:^|;)\s*color:\s*(#[0-9a-fA-F]{3,8})")


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


class _Cleaner:
    def __init__(self, rendered: Rendered, images: dict[str, MathImage] | None) -> None:
        self.code_blocks = rendered.code_blocks
        self.math = {image.name: image for image in rendered.math}
        self.images = images
        self.folds = images is not None
        self.pending_code: tuple[int, str] | None = None
        self.out: list[str] = []

    # -- walking

    def children(self, element: Element) -> None:
        for child in element.children:
            if isinstance(child, str):
                self.text(child)
            else:
                self.element(child)

    def text(self, text: str) -> None:
        if not self.folds:
            text = text.replace(FOLD_MARK, "")
        self.out.append(_esc(text))

    def wrap(self, open_tag: str, close_tag: str, element: Element) -> None:
        self.out.append(open_tag)
        self.children(element)
        self.out.append(close_tag)

    def element(self, element: Element) -> None:
        handler: Callable[[Element], None] | None = getattr(self, f"tag_{element.tag}", None)
        if handler is not None:
            handler(element)
        elif element.tag in _PLAIN:
            self.wrap(f"<{element.tag}>", "" if element.tag in ("br", "hr")
                      else f"</{element.tag}>", element)
        elif element.tag in _HEADINGS:
            tag = _HEADINGS[element.tag]
            self.wrap(f"<{tag}>", f"</{tag}>", element)
        else:
            self.children(element)

    # -- the tags that need more than their name

    def tag_p(self, element: Element) -> None:
        link = element.find("a")
        index = copy_link_index(link.attrs.get("href", "")) if link is not None else None
        if index is not None:
            label = element.find("span")
            self.pending_code = (index, label.text() if label is not None else "")
            return
        style = element.attrs.get("style", "")
        if element.attrs.get("align") == "center":  # display math, as an image for Qt
            opening = '<p class="math-display" align="center">'
        else:
            opening = '<p class="pre">' if "pre-wrap" in style else "<p>"
        self.wrap(opening, "</p>", element)

    def tag_pre(self, element: Element) -> None:
        pending, self.pending_code = self.pending_code, None
        if pending is not None and 0 <= pending[0] < len(self.code_blocks):
            self.out.append(code_block(self.code_blocks[pending[0]], pending[1],
                                        label=not self.folds))
        else:
            self.out.append(code_block(element.text().replace(FOLD_MARK, ""), "", label=False))

    def tag_ol(self, element: Element) -> None:
        start = element.attrs.get("start", "")
        valid = start.isascii() and start.isdigit() and len(start) < 10
        self.wrap(f'<ol start="{int(start)}">' if valid else "<ol>", "</ol>", element)

    def tag_table(self, element: Element) -> None:
        """Qt draws cell borders only from the table's attributes, not from CSS."""
        opening = ('<table border="1" cellspacing="0" cellpadding="4">' if self.folds
                   else "<table>")
        self.wrap(opening, "</table>", element)

    def tag_th(self, element: Element) -> None:
        self.cell(element)

    def tag_td(self, element: Element) -> None:
        self.cell(element)

    def cell(self, element: Element) -> None:
        align = element.attrs.get("align", "")
        shown = f' class="{align}"' if align in _ALIGNS else ""
        if shown and self.folds:  # Qt aligns cells by the attribute only
            shown += f' align="{align}"'
        self.wrap(f"<{element.tag}{shown}>", f"</{element.tag}>", element)

    def tag_a(self, element: Element) -> None:
        href = element.attrs.get("href", "")
        target = None if href.startswith(COPY_SCHEME) else safe_href(href)
        if target is None:
            self.children(element)
            return
        self.wrap(f'<a href="{_esc(target)}" rel="noopener noreferrer">', "</a>", element)

    def tag_span(self, element: Element) -> None:
        style = element.attrs.get("style", "")
        if "small-caps" in style and element.text() == FOLD_MARK:
            self.out.append(FOLD_MARK)  # the model's own zero-width space, not a fold
            return
        colour = _COLOUR_RE.search(style)
        name = _COLOUR_CLASSES.get(colour.group(1).lower()) if colour else None
        if name is None:
            self.children(element)
        else:
            self.wrap(f'<span class="{name}">', "</span>", element)

    def tag_div(self, element: Element) -> None:
        if "math-display" in element.attrs.get("class", "").split():
            self.wrap('<div class="math-display">', "</div>", element)
        else:
            self.children(element)

    def tag_img(self, element: Element) -> None:
        """Only typeset math, named as the renderer listed it (print pages only)."""
        image = self.math.get(element.attrs.get("src", ""))
        if image is None or self.images is None:
            return
        self.images[image.name] = image
        align = ' style="vertical-align:middle"' if "middle" in element.attrs.get("style", "") \
            else ""
        self.out.append(f'<img src="{_esc(image.name)}" width="{image.width:.2f}" '
                        f'height="{image.height:.2f}"{align}>')

    def tag_svg(self, element: Element) -> None:
        if self.images is None:
            self.out.append(svg.inline_svg(element))


def clean(rendered: Rendered, images: dict[str, MathImage] | None = None) -> str:
    """``rendered`` as page HTML.

    With ``images`` (a print page), folds stay (Qt lays out the print) and the math images
    the HTML shows are added there by name; else math is inline SVG.
    """
    cleaner = _Cleaner(rendered, images)
    cleaner.children(parse(rendered.html))
    return "".join(cleaner.out)
