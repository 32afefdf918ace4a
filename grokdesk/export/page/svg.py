"""Math SVG, checked element by element, for the exported HTML page.

The typesetter's SVG is ours, not the model's, but it holds the model's LaTeX turned into
shapes (and as a label), so it passes through the same kind of allow-list as the rest of
the page: a few drawing elements, attributes whose values cannot name anything outside
the file (no ``url(``, no ``href``), and a fill that follows the text colour (so the dark
theme shows light math).
"""

from __future__ import annotations

import html
import re

from grokdesk.export.page.tree import Element

_ELEMENTS = frozenset({"g", "path", "rect", "line", "polyline", "polygon", "circle", "ellipse",
                       "title", "desc"})
_ATTRIBUTES = frozenset({
    "d", "x", "y", "x1", "y1", "x2", "y2", "width", "height", "viewbox", "transform", "fill",
    "stroke", "stroke-width", "stroke-linecap", "stroke-linejoin", "fill-rule", "fill-opacity",
    "stroke-opacity", "opacity", "points", "r", "cx", "cy", "rx", "ry", "preserveaspectratio",
})
_CASED = {"viewbox": "viewBox", "preserveaspectratio": "preserveAspectRatio"}
_PAINT = frozenset({"fill", "stroke"})
_SAFE_VALUE = re.compile(r"[-\w\s.,#%()+]*", re.ASCII)
_VALIGN = re.compile(r"vertical-align:\s*(-?[0-9]{1,4}(?:\.[0-9]{1,4})?)px", re.ASCII)
_CLASSES = ("math", "math-inline", "math-display")


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _safe(value: str) -> bool:
    return _SAFE_VALUE.fullmatch(value) is not None and "url(" not in value.lower()


def _attributes(element: Element) -> str:
    parts: list[str] = []
    for name, value in element.attrs.items():
        if name not in _ATTRIBUTES or not _safe(value):
            continue
        if name in _PAINT and value.strip().lower() != "none":
            value = "currentColor"
        parts.append(f' {_CASED.get(name, name)}="{_esc(value)}"')
    return "".join(parts)


def _markup(element: Element) -> str:
    parts: list[str] = []
    for child in element.children:
        if isinstance(child, str):
            if element.tag in ("title", "desc"):
                parts.append(_esc(child))
        elif child.tag in _ELEMENTS:
            parts.append(f"<{child.tag}{_attributes(child)}>{_markup(child)}</{child.tag}>")
    return "".join(parts)


def inline_svg(element: Element) -> str:
    """The ``<svg>`` for an HTML page: only drawing, painted in the text's colour, with its
    label (the LaTeX, for screen readers) and its place on the baseline kept. No ``xmlns``:
    HTML puts ``<svg>`` in its namespace anyway, and the page names no address at all."""
    classes = [c for c in element.attrs.get("class", "").split() if c in _CLASSES]
    extra = f' class="{" ".join(classes) or "math"}" role="img"'
    label = element.attrs.get("aria-label")
    if label:
        extra += f' aria-label="{_esc(label)}"'
    shift = _VALIGN.search(element.attrs.get("style", ""))
    if shift is not None:
        extra += f' style="vertical-align:{shift.group(1)}px"'
    return f"<svg{extra}{_attributes(element)}>{_markup(element)}</svg>"
