"""Math SVG, checked element by element, for the exported page (inline) or its print (images).

The typesetter's SVG is ours, not the model's, but it holds the model's LaTeX turned into
shapes (and perhaps as a title), so it passes through the same kind of allow-list as the
rest of the page: a few drawing elements, attributes whose values cannot name anything
outside the file (no ``url(``, no ``href``), and a fill that follows the text colour.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from grokdesk.export.page.tree import Element

MATH_SCHEME = "grokdesk-math"
"""Print pages refer to their math images as ``grokdesk-math:N`` (document resources)."""

_ELEMENTS = frozenset({"svg", "g", "path", "rect", "line", "polyline", "polygon", "circle",
                       "ellipse", "title", "desc", "text", "tspan"})
_ATTRIBUTES = frozenset({
    "d", "x", "y", "x1", "y1", "x2", "y2", "dx", "dy", "width", "height", "viewbox",
    "transform", "fill", "stroke", "stroke-width", "stroke-linecap", "stroke-linejoin",
    "fill-rule", "fill-opacity", "stroke-opacity", "opacity", "points", "r", "cx", "cy",
    "rx", "ry", "font-family", "font-size", "font-style", "font-weight", "text-anchor",
    "preserveaspectratio", "aria-label", "aria-hidden", "role",
})
_CASED = {"viewbox": "viewBox", "preserveaspectratio": "preserveAspectRatio"}
_PAINT = frozenset({"fill", "stroke"})
_SAFE_VALUE = re.compile(r"[-\w\s.,#%()+'\"]*", re.ASCII)
_LENGTH = re.compile(r"\s*(-?[0-9]*\.?[0-9]+)\s*(px|pt|em|ex)?\s*$")
_VALIGN = re.compile(r"vertical-align:\s*(-?[0-9]*\.?[0-9]+)(px|pt|em|ex)", re.ASCII)
_UNIT_PX = {None: 1.0, "px": 1.0, "pt": 4 / 3, "em": 16.0, "ex": 8.0}
SVG_NS = "http://www.w3.org/2000/svg"


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _safe(value: str) -> bool:
    squeezed = re.sub(r"\s+", "", value).lower()
    return (_SAFE_VALUE.fullmatch(value) is not None and "url(" not in squeezed
            and "expression(" not in squeezed)


def length_px(value: str | None) -> float | None:
    """A CSS length (px, pt, em, ex, or a bare number) in pixels; None if it is not one."""
    found = _LENGTH.match(value or "")
    if found is None:
        return None
    return float(found.group(1)) * _UNIT_PX[found.group(2)]


def baseline_shift(element: Element) -> float | None:
    """The ``vertical-align`` length an SVG carries, in pixels (negative: below the line)."""
    found = _VALIGN.search(element.attrs.get("style", ""))
    return None if found is None else float(found.group(1)) * _UNIT_PX[found.group(2)]


def _attributes(element: Element, fill: str) -> str:
    parts: list[str] = []
    for name, value in element.attrs.items():
        if name not in _ATTRIBUTES or not _safe(value):
            continue
        if name in _PAINT and value.strip().lower() != "none":
            value = fill
        parts.append(f' {_CASED.get(name, name)}="{_esc(value)}"')
    return "".join(parts)


def _markup(element: Element, fill: str) -> str:
    parts: list[str] = []
    for child in element.children:
        if isinstance(child, str):
            if element.tag in ("title", "desc", "text", "tspan"):
                parts.append(_esc(child))
        elif child.tag in _ELEMENTS and child.tag != "svg":
            parts.append(f"<{child.tag}{_attributes(child, fill)}>{_markup(child, fill)}"
                         f"</{child.tag}>")
    return "".join(parts)


def _root(element: Element, fill: str, extra: str) -> str:
    return (f'<svg xmlns="{SVG_NS}"{_attributes(element, fill)}{extra}>'
            f"{_markup(element, fill)}</svg>")


def inline_svg(element: Element) -> str:
    """The SVG for an HTML page: class ``math``, painted in the text's colour."""
    shift = baseline_shift(element)
    style = f' style="vertical-align:{shift:.2f}px"' if shift is not None else ""
    return _root(element, "currentColor", f' class="math" role="img"{style}')


@dataclass(frozen=True, slots=True)
class MathImage:
    """One equation of a print page: its name as a resource, SVG text and size in pixels."""

    name: str
    svg: str
    width: float | None
    height: float | None
    shift: float | None

    def img_tag(self) -> str:
        size = ""
        if self.width is not None and self.height is not None:
            size = f' width="{self.width:.2f}" height="{self.height:.2f}"'
        align = "baseline" if not self.shift else "middle"
        return f'<img src="{self.name}"{size} style="vertical-align:{align}">'


def math_image(element: Element, number: int) -> MathImage:
    """The SVG as a black image for printing, named ``grokdesk-math:number``."""
    return MathImage(f"{MATH_SCHEME}:{number}", _root(element, "#000000", ""),
                     length_px(element.attrs.get("width")),
                     length_px(element.attrs.get("height")), baseline_shift(element))
