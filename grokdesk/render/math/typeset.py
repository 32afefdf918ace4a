"""LaTeX math to SVG in pure Python (ziamath: LaTeX -> MathML -> glyph outlines), cached.

Why ziamath: no TeX, no network, no JavaScript, a 1.5 MB font and no numpy; it covers what
reasoning models write (fractions, roots, sums, integrals, matrices, ``aligned``, ``cases``,
``\\text``); docs/performance.md has the measurement against matplotlib's mathtext.

The SVG is self-contained (SVG 1.1 paths, no ``<use>``/``<symbol>`` ids that would clash
when several equations share one HTML page) and filled with one colour, so it follows the
theme. What ziamath cannot typeset, or would typeset wrongly (an unknown command it would
print as its name), gives None: the caller shows the source instead. Nothing here raises
for any LaTeX text, and nothing is typeset twice (a bounded cache keyed by source, mode,
colour and size).
"""

from __future__ import annotations

import re
import threading
import warnings
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from xml.etree import ElementTree

MAX_LATEX_CHARS = 4000
"""Longer math is shown as source: a page of LaTeX is no longer one readable equation."""
CACHE_SIZE = 2048
MARGIN_PX = 1.0
"""Room around the ink, so antialiased edges are not clipped."""

_COLOUR_RE = re.compile(r"#[0-9a-fA-F]{6}")
_UNKNOWN_COMMAND_RE = re.compile(r"<m[ion][^>]*>\\")
_ENVIRONMENT_RE = re.compile(r"\\(?:begin|end)\s*\{([^}]*)\}")
_REWRITES = (
    # Wrappers that only say "display this": their content is the equation.
    (re.compile(r"\\(?:begin|end)\s*\{(?:equation|displaymath)\*?\}"), ""),
    # Centred lines, one per row.
    (re.compile(r"\\begin\s*\{gather\*?\}"), r"\\begin{array}{c}"),
    (re.compile(r"\\end\s*\{gather\*?\}"), r"\\end{array}"),
)
_ENVIRONMENTS = frozenset({
    "matrix", "pmatrix", "bmatrix", "Bmatrix", "vmatrix", "Vmatrix", "smallmatrix", "array",
    "cases", "align", "align*", "aligned", "split",
    *(f"{name}*" for name in ("matrix", "pmatrix", "bmatrix", "Bmatrix", "vmatrix", "Vmatrix")),
})
_SVG_TAGS = frozenset({"svg", "path", "rect", "g", "line", "polyline", "polygon", "title"})
_NS = "{http://www.w3.org/2000/svg}"
_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class TypesetMath:
    """One typeset equation: SVG text and its metrics in CSS pixels.

    ``depth`` is how far the SVG reaches below the baseline of its first line: set the SVG
    ``depth`` pixels lower than the surrounding text's baseline (CSS ``vertical-align:
    -{depth}px``) and the math sits on that baseline.
    """

    latex: str
    display: bool
    colour: str
    size_px: float
    svg: str
    width: float
    height: float
    depth: float

    @property
    def ascent(self) -> float:
        """Height above the baseline."""
        return self.height - self.depth


def typeset_svg(latex: str, display: bool, colour: str, size_px: float) -> TypesetMath | None:
    """``latex`` (without delimiters) as SVG, or None when it cannot be typeset faithfully.

    ``colour`` is ``#rrggbb``; ``size_px`` the font size of the surrounding text in pixels.
    Never raises for any ``latex``; raises ValueError for a bad colour or size (a caller's
    mistake). Results, None included, are cached.
    """
    if not _COLOUR_RE.fullmatch(colour):
        raise ValueError(f"colour must be #rrggbb, not {colour!r}")
    if not 1.0 <= size_px <= 400.0:
        raise ValueError(f"size_px must be between 1 and 400, not {size_px!r}")
    source = latex.strip()
    if not source or len(source) > MAX_LATEX_CHARS:
        return None
    return _typeset(source, display, colour.lower(), round(size_px, 2))


def cache_info() -> Any:
    """The cache's hits and misses (for tests and the benchmark)."""
    return _typeset.cache_info()


@lru_cache(maxsize=CACHE_SIZE)
def _typeset(latex: str, display: bool, colour: str, size_px: float) -> TypesetMath | None:
    try:
        with _lock, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _typeset_now(latex, display, colour, size_px)
    except Exception:  # any failure of the typesetter (RecursionError too) means "show the source"
        return None


def _typeset_now(latex: str, display: bool, colour: str, size_px: float) -> TypesetMath | None:
    ziamath = _ziamath()
    from ziamath.tex import tex2mml

    for pattern, replacement in _REWRITES:
        latex = pattern.sub(replacement, latex)
    if any(name.strip() not in _ENVIRONMENTS for name in _ENVIRONMENT_RE.findall(latex)):
        return None
    mathml = tex2mml(latex, inline=not display)
    if _UNKNOWN_COMMAND_RE.search(mathml):
        return None
    root = ElementTree.fromstring(mathml)
    root.attrib["mathcolor"] = colour
    math = ziamath.Math(root, size=size_px, margin=MARGIN_PX)
    svg = math.svg()
    if not _safe(svg):
        return None
    bbox = math.node.bbox
    width = bbox.xmax - bbox.xmin + 2 * MARGIN_PX
    height = bbox.ymax - bbox.ymin + 2 * MARGIN_PX
    if not (0 < width < 100_000 and 0 < height < 100_000):
        return None
    return TypesetMath(latex, display, colour, size_px, svg, width, height,
                       MARGIN_PX - bbox.ymin)


def _safe(svg: str) -> bool:
    """Only drawing elements and no links: the SVG goes into exports as it is."""
    for element in ElementTree.fromstring(svg).iter():
        if element.tag.removeprefix(_NS) not in _SVG_TAGS:
            return False
        if any("href" in name or name.startswith("on") for name in element.attrib):
            return False
    return True


@lru_cache(maxsize=1)
def _ziamath() -> Any:
    """ziamath, configured once: its import loads a font, so it waits for the first equation."""
    import ziamath
    from ziamath.config import config

    config.svg2 = False
    config.precision = 2
    return ziamath
