"""Math in model output: recognising it in Markdown and typesetting it (no Qt import here).

For exports: ``typeset_svg(latex, display, colour, size_px)`` gives a :class:`TypesetMath`
(SVG text, width, height, depth below the baseline) or None (show the source);
``render_markdown(text, math=MathOptions(colour, size_px))`` puts the SVG inline.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grokdesk.render.math.html import IMAGE_SCHEME, MathImage, MathOptions
    from grokdesk.render.math.typeset import MathRequest, TypesetMath, typeset_svg

__all__ = ["IMAGE_SCHEME", "MathImage", "MathOptions", "MathRequest", "TypesetMath",
           "typeset_svg"]

_HTML_NAMES = frozenset({"IMAGE_SCHEME", "MathImage", "MathOptions"})


def __getattr__(name: str) -> Any:
    """Each name loads its module on first use: the views' math options and images need
    no typesetting code (:mod:`grokdesk.render.math.typeset`, whose ``typeset`` is
    imported from there: the package's ``typeset`` is that module)."""
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = "html" if name in _HTML_NAMES else "typeset"
    return getattr(import_module(f"{__name__}.{module}"), name)
