"""When to try a request again, and how long to wait first.

Only answers that say "later" are retried (429 and 5xx); a bad key or a wrong model
will not fix itself, and an unreachable service should fail fast for the user.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounded exponential backoff that honours the server's Retry-After."""

    max_retries: int = 3
    backoff_base: float = 1.0
    max_backoff: float = 30.0

    def should_retry(self, status_code: int, attempt: int) -> bool:
        """Whether attempt number ``attempt`` (0 = the first) may be followed by another."""
        return attempt < self.max_retries and (status_code == 429 or status_code >= 500)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed attempt ``attempt``, never above ``max_backoff``."""
        wanted = retry_after if retry_after is not None else self.backoff_base * 2**attempt
        return max(0.0, min(wanted, self.max_backoff))


def parse_retry_after(headers: httpx.Headers, now: datetime | None = None) -> float | None:
    """Seconds the server asks us to wait: ``retry-after-ms``, or ``Retry-After`` as
    seconds or as an HTTP date. None when absent or unreadable."""
    millis = _seconds(headers.get("retry-after-ms"))
    if millis is not None:
        return millis / 1000
    value = headers.get("retry-after")
    if value is None:
        return None
    seconds = _seconds(value)
    if seconds is not None:
        return seconds
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _seconds(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return max(0.0, seconds) if math.isfinite(seconds) else None
