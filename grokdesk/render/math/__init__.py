"""Math in model output: recognising it in Markdown and typesetting it (no Qt import here).

For exports: ``typeset_svg(latex, display, colour, size_px)`` gives a :class:`TypesetMath`
(SVG text, width, height, depth below the baseline) or None (show the source);
``render_markdown(text, math=MathOptions(colour, size_px))`` puts the SVG inline.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from grokdesk.render.math.html import MathImage, MathOptions
    from grokdesk.render.math.typeset import MathRequest, TypesetMath, typeset_svg
    from grokdesk.render.rendered import IMAGE_SCHEME

__all__ = ["IMAGE_SCHEME", "MathImage", "MathOptions", "MathRequest", "TypesetMath",
           "typeset_svg"]

_MODULES = {"IMAGE_SCHEME": "grokdesk.render.rendered",
            "MathImage": f"{__name__}.html", "MathOptions": f"{__name__}.html"}


def __getattr__(name: str) -> Any:
    """Each name loads its module on first use: the views' math options and images need
    no typesetting code (:mod:`grokdesk.render.math.typeset`, whose ``typeset`` is
    imported from there: the package's ``typeset`` is that module)."""
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(_MODULES.get(name, f"{__name__}.typeset")), name)
