"""One money formatter for every face: no exponent, two significant digits below $1."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grokdesk.money import format_usd

PLAIN_DOLLARS = re.compile(r"-?<?\$\d{1,3}(,\d{3})*\.\d{2,8}")


@pytest.mark.parametrize(
    ("cost", "shown"),
    [
        (6.15e-05, "$0.000062"),
        (0.00123, "$0.0012"),
        (0.0123, "$0.012"),
        (0.5, "$0.50"),
        (0.000012345, "$0.000012"),
        (1234.5, "$1,234.50"),
        (0.0, "$0.00"),
        (0.0003, "$0.0003"),
        (0.010, "$0.01"),
        (0.0996, "$0.10"),
        (0.999, "$1.00"),
        (6e-9, "$0.00000001"),
        (1e-12, "<$0.00000001"),
        (-0.0012, "-$0.0012"),
    ],
)
def test_two_significant_digits_and_never_an_exponent(cost: float, shown: str) -> None:
    assert format_usd(cost) == shown


@pytest.mark.parametrize("cost", [math.nan, math.inf, -math.inf])
def test_a_cost_that_is_not_a_number_is_shown_as_unknown(cost: float) -> None:
    assert format_usd(cost) == "$?"


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_every_float_gives_plain_dollars(cost: float) -> None:
    text = format_usd(cost)
    assert "e" not in text.lower()
    assert text == "$?" or PLAIN_DOLLARS.fullmatch(text), text


@given(st.floats(min_value=1e-6, max_value=1e9))
def test_the_figure_is_within_rounding_of_the_cost(cost: float) -> None:
    shown = float(format_usd(cost).lstrip("<$").replace(",", ""))
    assert shown == pytest.approx(cost, rel=0.05, abs=0.005 if cost >= 1 else 0)
