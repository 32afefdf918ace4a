"""Unix times as dates and text, by total functions: a stored time never breaks a view.

``datetime`` only knows the years 1 to 9999, and a time inside that range in UTC can
fall outside it in a zone west (or east) of UTC. Imports therefore accept only times
at least a day inside the range (:func:`is_representable`), and everything that shows
a stored time goes through :func:`local_moment` / :func:`format_time`, which clamp
whatever a damaged or older history holds (infinities, huge values, non-numbers)
instead of raising.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, tzinfo

#: 0001-01-02 00:00 UTC: still in the year 1 in every time zone.
EARLIEST = -62135510400.0
#: 9999-12-31 00:00 UTC: still in the year 9999 in every time zone.
LATEST = 253402214400.0
RANGE_TEXT = "a time between the years 1 and 9999"
DEFAULT_PATTERN = "%Y-%m-%d %H:%M"


def is_representable(value: object) -> bool:
    """Whether ``value`` is a finite number of seconds that is a date in every zone."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        seconds = float(value)
    except OverflowError:  # an int too large for a float
        return False
    return math.isfinite(seconds) and EARLIEST <= seconds <= LATEST


def clamp(value: object) -> float:
    """``value`` moved into the representable range; a non-number (or NaN) is the epoch."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0
    try:
        seconds = float(value)
    except OverflowError:
        seconds = math.inf if value > 0 else -math.inf
    if math.isnan(seconds):
        return 0.0
    return min(max(seconds, EARLIEST), LATEST)


def local_moment(value: object, tz: tzinfo | None = None) -> datetime:
    """The (clamped) time as an aware datetime in ``tz``, the local zone when None."""
    moment = datetime.fromtimestamp(clamp(value), UTC)
    try:
        return moment.astimezone(tz) if tz is not None else moment.astimezone()
    except (OverflowError, ValueError, OSError):  # a zone rule beyond the clamp's margin
        return moment


def format_time(value: object, pattern: str = DEFAULT_PATTERN,
                tz: tzinfo | None = None) -> str:
    """``value`` formatted with ``strftime`` in ``tz`` (local when None); never raises."""
    moment = local_moment(value, tz)
    try:
        return moment.strftime(pattern)
    except (ValueError, OverflowError):
        return datetime.fromtimestamp(0.0, UTC).strftime(pattern)


def duration_text(seconds: float) -> str:
    """A duration the way people say it: "0.8 s", "12 s", "2 min 5 s"."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes, rest = divmod(whole, 60)
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"
