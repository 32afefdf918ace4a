"""Math in model output: recognising it in Markdown and typesetting it (no Qt import here).

For exports: ``typeset_svg(latex, display, colour, size_px)`` gives a :class:`TypesetMath`
(SVG text, width, height, depth below the baseline) or None (show the source);
``render_markdown(text, math=MathOptions(colour, size_px))`` puts the SVG inline.
"""

from grokdesk.render.math.html import IMAGE_SCHEME, MathImage, MathOptions
from grokdesk.render.math.typeset import MathRequest, TypesetMath, typeset, typeset_svg

__all__ = ["IMAGE_SCHEME", "MathImage", "MathOptions", "MathRequest", "TypesetMath", "typeset",
           "typeset_svg"]
