"""Typeset math as HTML: inline ``<svg>`` for exported pages, or ``<img>`` for Qt's views.

QTextDocument cannot show inline SVG, so for the window each equation becomes an ``<img>``
named ``grokdesk-math:<digest>``; the view draws the :class:`MathImage` of that name (its
SVG rasterised at the screen's pixel ratio). Qt places an image either on the baseline
(bottom edge there, nothing below) or, with ``vertical-align: middle``, with its centre a
quarter of the font's x-height above the baseline; inline images are padded with
transparent space so that this centre lands where the math's own baseline then sits on
the text's baseline.
"""

from __future__ import annotations

import html
import math as maths
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from grokdesk.render.rendered import IMAGE_SCHEME

if TYPE_CHECKING:
    from grokdesk.render.math.typeset import TypesetMath



@dataclass(frozen=True, slots=True)
class MathOptions:
    """How :func:`~grokdesk.render.markdown.render_markdown` shows math.

    ``colour`` (``#rrggbb``) and ``size_px`` are the surrounding text's colour and pixel size.
    ``output="svg"`` puts inline ``<svg>`` in the HTML (exports); ``"image"`` puts ``<img>``
    for a QTextDocument and lists the images in ``Rendered.math``; ``x_height_px`` is the
    x-height of the view's font, which Qt's image alignment depends on. With
    ``only_cached`` nothing is typeset during the render: math not typeset yet shows as its
    source and is listed in ``Rendered.pending``, for the caller to typeset elsewhere (the
    window does it in a thread) and render again.
    """

    colour: str
    size_px: float
    output: Literal["svg", "image"] = "svg"
    x_height_px: float = 0.0
    only_cached: bool = False


@dataclass(frozen=True, slots=True)
class MathImage:
    """One ``<img>`` of typeset math in a rendered message, for the view to draw."""

    name: str
    math: TypesetMath
    source: str
    """The math as written, delimiters included: what copying the image gives."""
    pad_top: float = 0.0
    pad_bottom: float = 0.0

    @property
    def width(self) -> float:
        """Whole pixels, so that the picture is drawn unscaled (sharp)."""
        return float(maths.ceil(self.math.width))

    @property
    def height(self) -> float:
        return self.math.height + self.pad_top + self.pad_bottom


def math_image(math: TypesetMath, source: str, x_height_px: float, *, block: bool) -> MathImage:
    """The image for ``math``, padded for Qt's middle alignment unless it is a ``block``,
    and to whole pixels."""
    pad_top = pad_bottom = 0.0
    if not block:
        offset = math.ascent - math.depth - x_height_px / 2
        pad_bottom, pad_top = max(0.0, offset), max(0.0, -offset)
    # Whole pixels high too; the extra is shared out evenly, which keeps the centre.
    natural = math.height + pad_top + pad_bottom
    extra = (maths.ceil(natural) - natural) / 2
    pad_top, pad_bottom = pad_top + extra, pad_bottom + extra
    key = repr((math.latex, math.display, math.colour, math.size_px, pad_top, pad_bottom,
                source))
    import hashlib  # here: it loads OpenSSL (4 ms), and most messages have no math

    digest = hashlib.blake2s(key.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
    return MathImage(f"{IMAGE_SCHEME}:{digest}", math, source, pad_top, pad_bottom)


def image_html(image: MathImage, *, block: bool) -> str:
    """An ``<img>`` for a QTextDocument; a ``block`` gets a centred paragraph of its own."""
    tag = (f'<img src="{image.name}" width="{image.width:.2f}" height="{image.height:.2f}"'
           f' alt="{_esc(image.source)}"')
    if block:
        return f'<p align="center">{tag} /></p>\n'
    return f'{tag} style="vertical-align:middle;" />'


def svg_html(math: TypesetMath, source: str, *, block: bool) -> str:
    """Inline ``<svg>`` on the text's baseline, or a centred ``block`` of its own."""
    label = f'role="img" aria-label="{_esc(source)}"'
    if block:
        svg = math.svg.replace("<svg ", f'<svg class="math math-display" {label} ', 1)
        return f'<div class="math-display" style="text-align:center;">{svg}</div>\n'
    style = f'style="vertical-align:{-math.depth:.2f}px;"'
    return math.svg.replace("<svg ", f'<svg class="math math-inline" {label} {style} ', 1)


def _esc(text: str) -> str:
    return html.escape(text, quote=True)
