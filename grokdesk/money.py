"""Money as people read it: dollars, never an exponent, two significant digits below $1.

One formatter for every face — an answer's small print, the conversation's total in
the status bar, ``grokdesk show`` and Markdown exports — so the same answer costs the
same everywhere. Costs come from the server, so the function is total: any float,
including NaN, infinities and negatives, gives text and never raises.
"""

from __future__ import annotations

import math

MAX_DECIMALS = 8
"""Below a hundred-millionth of a dollar, the figure says "less than" instead."""
UNKNOWN = "$?"


def format_usd(amount: float) -> str:
    """``0.0000615`` → "$0.000062", ``0.5`` → "$0.50", ``1234.5`` → "$1,234.50"."""
    if not math.isfinite(amount):
        return UNKNOWN
    sign = "-" if amount < 0 else ""
    size = abs(amount)
    if size == 0:
        return "$0.00"
    if size >= 1:
        return f"{sign}${size:,.2f}"
    if size < 10 ** -MAX_DECIMALS / 2:
        return f"{sign}<${10 ** -MAX_DECIMALS:.{MAX_DECIMALS}f}"
    decimals = min(MAX_DECIMALS, max(2, 1 - math.floor(math.log10(size))))
    whole, _, fraction = f"{size:.{decimals}f}".partition(".")
    if decimals > 2:
        fraction = fraction.rstrip("0").ljust(2, "0")
    return f"{sign}${whole}.{fraction}"
