"""Math in model output: recognising it in Markdown and typesetting it (no Qt import here).

For exports: ``typeset_svg(latex, display, colour, size_px)`` gives a :class:`TypesetMath`
(SVG text, width, height, depth below the baseline) or None (show the source);
``render_markdown(text, math=MathOptions(colour, size_px))`` puts the SVG inline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from grokdesk.lazy_names import lazy_names

if TYPE_CHECKING:
    from grokdesk.render.math.html import MathImage, MathOptions
    from grokdesk.render.math.typeset import MathRequest, TypesetMath, typeset_svg
    from grokdesk.render.rendered import IMAGE_SCHEME

__all__ = ["IMAGE_SCHEME", "MathImage", "MathOptions", "MathRequest", "TypesetMath",
           "typeset_svg"]

# The package's ``typeset`` is its submodule; the function is imported from there.
__getattr__ = lazy_names(__name__, {
    "grokdesk.render.rendered": ("IMAGE_SCHEME",),
    "grokdesk.render.math.html": ("MathImage", "MathOptions"),
    "grokdesk.render.math.typeset": ("MathRequest", "TypesetMath", "typeset_svg"),
})
