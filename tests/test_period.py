"""Month ranges: parsing, arithmetic across year ends, and the span the data covers."""

from __future__ import annotations

from datetime import date

import ibis
import pytest

from tenure.errors import InputError
from tenure.metrics.period import MonthRange, add_months, data_month_range, parse_month


@pytest.mark.parametrize(
    ("start", "shift", "expected"),
    [
        (date(2024, 1, 1), 1, date(2024, 2, 1)),
        (date(2024, 12, 1), 1, date(2025, 1, 1)),
        (date(2024, 1, 1), -1, date(2023, 12, 1)),
        (date(2024, 3, 1), -15, date(2022, 12, 1)),
        (date(2024, 3, 1), 24, date(2026, 3, 1)),
    ],
)
def test_add_months(start, shift, expected):
    assert add_months(start, shift) == expected


def test_parse_month_accepts_month_and_date():
    assert parse_month("2024-03") == date(2024, 3, 1)
    assert parse_month("2024-03-17") == date(2024, 3, 1)


def test_parse_month_error_names_the_option():
    with pytest.raises(InputError, match=r"--from: '2024/03' is not a month; write it as YYYY-MM"):
        parse_month("2024/03", setting="--from")


def test_inclusive_range_and_months():
    r = MonthRange.inclusive(date(2023, 11, 5), date(2024, 2, 20))
    assert (r.start, r.end) == (date(2023, 11, 1), date(2024, 3, 1))
    assert r.months == [date(2023, 11, 1), date(2023, 12, 1), date(2024, 1, 1), date(2024, 2, 1)]
    assert len(r) == 4


def test_reversed_range_says_how_to_fix():
    with pytest.raises(InputError, match="swap --from and --to"):
        MonthRange(date(2024, 5, 1), date(2024, 2, 1))


def test_data_month_range_ignores_scheduled_future_ends():
    subs = ibis.memtable(
        {
            "start_date": [date(2023, 1, 15), date(2023, 6, 1)],
            "end_date": [None, date(2026, 6, 1)],  # an annual term scheduled to run past the data
            "cancelled_at": [None, date(2023, 8, 3)],
        },
        schema={"start_date": "date", "end_date": "date", "cancelled_at": "date"},
    )
    r = data_month_range(subs)
    assert (r.start, r.end) == (date(2023, 1, 1), date(2023, 9, 1))
