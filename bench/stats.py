"""Small statistics for benchmark samples: medians and percentiles, no numpy needed."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence


def median(samples: Sequence[float]) -> float:
    return float(statistics.median(samples))


def percentile(samples: Sequence[float], share: float) -> float:
    """The ``share`` (0-1) quantile by the nearest-rank method: a value that was observed."""
    ordered = sorted(samples)
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(share * len(ordered)))
    return float(ordered[rank - 1])


def rounded(samples: Sequence[float], digits: int = 2) -> list[float]:
    """Samples as stored in results.json: short, but every one kept."""
    return [round(s, digits) for s in samples]
