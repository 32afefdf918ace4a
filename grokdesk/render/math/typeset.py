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
from collections import OrderedDict
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

MAX_LATEX_CHARS = 4000
"""Longer math is shown as source: a page of LaTeX is no longer one readable equation."""
CACHE_SIZE = 2048
MARGIN_PX = 1.0
"""Room around the ink, so antialiased edges are not clipped."""

_COLOUR_RE = re.compile(r"#[0-9a-fA-F]{6}|currentColor")
_UNKNOWN_COMMAND_RE = re.compile(r"<m[ion][^>]*>\\")
_BRACE_RE = re.compile(r"\\.|([{}])")
_ENVIRONMENT_RE = re.compile(r"\\(?:begin|end)\s*\{([^}]*)\}")
_REWRITES = (
    # Wrappers that only say "display this": their content is the equation.
    (re.compile(r"\\(?:begin|end)\s*\{(?:equation|displaymath)\*?\}"), ""),
    # Centred lines, one per row.
    (re.compile(r"\\begin\s*\{gather\*?\}"), r"\\begin{array}{c}"),
    (re.compile(r"\\end\s*\{gather\*?\}"), r"\\end{array}"),
)
_UNARY_MINUS_RE = re.compile(
    r"(^|[=<>(\[{,&]|\\\\|\\begin\{[^}]*\}(?:\{[^}]*\})?"
    r"|\\(?:le|ge|leq|geq|neq|ne|approx|equiv|sim|to|in|pm|mp)(?![A-Za-z]))"
    r"(\s*)-(?!-)")
"""A minus that starts a term: TeX spaces it as a sign, ziamath as a subtraction."""
_ENVIRONMENTS = frozenset({
    "matrix", "pmatrix", "bmatrix", "Bmatrix", "vmatrix", "Vmatrix", "smallmatrix", "array",
    "cases", "align", "align*", "aligned", "split",
    *(f"{name}*" for name in ("matrix", "pmatrix", "bmatrix", "Bmatrix", "vmatrix", "Vmatrix")),
})
_SVG_TAGS = frozenset({"svg", "path", "rect", "g", "line", "polyline", "polygon", "title"})
_NS = "{http://www.w3.org/2000/svg}"
_typesetting = threading.Lock()
"""ziamath keeps global state: one equation at a time (the window typesets in a thread)."""


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


class MathRequest(NamedTuple):
    """What to typeset: the cache key (see :func:`math_request`)."""

    latex: str
    display: bool
    colour: str
    size_px: float


@dataclass(frozen=True, slots=True)
class CacheInfo:
    hits: int
    misses: int
    size: int


class _Cache:
    """A bounded, thread-safe memo of typeset results (None included)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._results: OrderedDict[MathRequest, TypesetMath | None] = OrderedDict()
        self.hits = self.misses = 0

    def lookup(self, request: MathRequest) -> tuple[bool, TypesetMath | None]:
        with self._lock:
            if request not in self._results:
                return False, None
            self._results.move_to_end(request)
            self.hits += 1
            return True, self._results[request]

    def store(self, request: MathRequest, result: TypesetMath | None) -> None:
        with self._lock:
            self.misses += 1
            self._results[request] = result
            while len(self._results) > self._size:
                self._results.popitem(last=False)


_cache = _Cache(CACHE_SIZE)


def math_request(latex: str, display: bool, colour: str, size_px: float) -> MathRequest:
    """The normalised request for these arguments; ValueError for a bad colour or size."""
    if not _COLOUR_RE.fullmatch(colour):
        raise ValueError(f"colour must be #rrggbb or currentColor, not {colour!r}")
    if not 1.0 <= size_px <= 400.0:
        raise ValueError(f"size_px must be between 1 and 400, not {size_px!r}")
    hex_colour = colour.startswith("#")
    return MathRequest(latex.strip(), display, colour.lower() if hex_colour else colour,
                       round(size_px, 2))


def typeset_svg(latex: str, display: bool, colour: str, size_px: float) -> TypesetMath | None:
    """``latex`` (without delimiters) as SVG, or None when it cannot be typeset faithfully.

    ``colour`` is ``#rrggbb``, or ``currentColor`` for an SVG that takes the colour of the
    HTML around it (an exported page with light and dark styles); ``size_px`` the font size
    of the surrounding text in pixels. Never raises for any ``latex``; raises ValueError for
    a bad colour or size (a caller's mistake). Results, None included, are cached.
    """
    return typeset(math_request(latex, display, colour, size_px))


def typeset(request: MathRequest) -> TypesetMath | None:
    """:func:`typeset_svg` for a request: from the cache, or typeset now (in any thread)."""
    known, result = _cache.lookup(request)
    if known:
        return result
    result = _typeset(request)
    _cache.store(request, result)
    return result


def typeset_uncached(request: MathRequest) -> TypesetMath | None:
    """Typeset without the cache: for a worker process, whose caller keeps the result
    (:func:`store`)."""
    return _typeset(request)


def store(request: MathRequest, result: TypesetMath | None) -> None:
    """Keep a result typeset elsewhere (see :func:`typeset_uncached`)."""
    _cache.store(request, result)


def cached(request: MathRequest) -> tuple[bool, TypesetMath | None]:
    """Whether ``request`` was typeset already, and its result: never typesets."""
    if not request.latex or len(request.latex) > MAX_LATEX_CHARS:
        return True, None
    return _cache.lookup(request)


def clear_cache() -> None:
    """Forget every result: the benchmark, and a test, typeset from cold."""
    with _cache._lock:
        _cache._results.clear()


def cache_info() -> CacheInfo:
    """The cache's hits and misses (for tests and the benchmark)."""
    return CacheInfo(_cache.hits, _cache.misses, len(_cache._results))


def _typeset(request: MathRequest) -> TypesetMath | None:
    latex, display, colour, size_px = request
    if not latex or len(latex) > MAX_LATEX_CHARS:
        return None
    try:
        with _typesetting, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _typeset_now(latex, display, colour, size_px)
    except Exception:  # any failure of the typesetter (RecursionError too) means "show the source"
        return None


def _typeset_now(latex: str, display: bool, colour: str, size_px: float) -> TypesetMath | None:
    ziamath = _ziamath()
    from ziamath.tex import tex2mml

    # One font object serves every equation, and ziamath switches its OpenType script for
    # the length of each \text (kerning for text, no script-size glyphs) and back after;
    # an equation that fails inside one (``\text{}``) leaves it switched, and each later
    # equation would be typeset with other glyphs. So each starts from the math script.
    ziamath.zmath.loadedfonts["default"].language("math", "")

    if not _balanced(latex):
        return None
    for pattern, replacement in _REWRITES:
        latex = pattern.sub(replacement, latex)
    latex = _UNARY_MINUS_RE.sub(r"\1\2{-}", latex)
    if any(name.strip() not in _ENVIRONMENTS for name in _ENVIRONMENT_RE.findall(latex)):
        return None
    from xml.etree import ElementTree

    mathml = tex2mml(latex, inline=not display)
    if _UNKNOWN_COMMAND_RE.search(mathml):
        return None
    root: Element = ElementTree.fromstring(mathml)
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


def _balanced(latex: str) -> bool:
    """Whether braces pair up (ziamath would quietly close what a slip left open)."""
    depth = 0
    for brace in _BRACE_RE.findall(latex):
        if not brace:  # an escaped character: \{ is a brace to show, not a group
            continue
        depth += 1 if brace == "{" else -1
        if depth < 0:
            return False
    return depth == 0


def _safe(svg: str) -> bool:
    """Only drawing elements and no links: the SVG goes into exports as it is."""
    from xml.etree import ElementTree

    for element in ElementTree.fromstring(svg).iter():
        if element.tag.removeprefix(_NS) not in _SVG_TAGS:
            return False
        if any("href" in name or name.startswith("on") for name in element.attrib):
            return False
    return True


@cache
def _ziamath() -> Any:
    """ziamath, configured once: its import loads a font, so it waits for the first equation."""
    import ziamath
    from ziamath.config import config

    config.svg2 = False
    config.precision = 2
    return ziamath
