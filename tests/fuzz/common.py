"""Fuzzing settings: a short, reproducible run in ``make test`` and CI; a long, random one
with ``make fuzz`` (``GROKDESK_FUZZ_EXAMPLES=5000``).

The per-example deadline is what "never hangs" means here: an input that takes longer
than it (or loops) fails the test with the input that did it.
"""

from __future__ import annotations

import os
from datetime import timedelta

from hypothesis import HealthCheck, settings

EXAMPLES_ENV = "GROKDESK_FUZZ_EXAMPLES"
LONG_RUN = bool(os.environ.get(EXAMPLES_ENV, "").strip())
EXAMPLES = int(os.environ.get(EXAMPLES_ENV, "").strip() or 50)
DEADLINE = timedelta(seconds=10)

# The short run is derandomized (the same examples every time, nothing saved); the long
# run explores at random and keeps failing examples in .hypothesis/ to replay them.
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=DEADLINE,
    derandomize=not LONG_RUN,
    database=settings().database if LONG_RUN else None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.filter_too_much],
)
