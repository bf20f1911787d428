"""tenure.schema.cents: every money amount Tenure writes back is an exact Decimal to the cent."""

from __future__ import annotations

import doctest
from decimal import Decimal

import numpy as np
import pytest

from tenure import schema
from tenure.schema import cents


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1234.5, Decimal("1234.50")),
        (np.float64(19.99), Decimal("19.99")),   # numpy floats, as pandas hands them back
        (0.125, Decimal("0.12")),                # half to even, as DuckDB rounds decimals
        (0.135, Decimal("0.14")),
        (Decimal("3.456"), Decimal("3.46")),
        (7, Decimal("7.00")),
        (-2.5, Decimal("-2.50")),
        (None, None),
        (float("nan"), None),
    ],
)
def test_cents(value, expected):
    got = cents(value)
    assert got == expected
    if expected is not None:
        assert got.as_tuple().exponent == -2  # always two places: decimal(18,2)


def test_module_examples_run():
    failures, tried = doctest.testmod(schema)
    assert tried > 0
    assert failures == 0
