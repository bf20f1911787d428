"""Trial conversion by trial-start month: golden values worked by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import ibis
import pandas as pd
import pytest

from tenure.errors import InputError
from tenure.metrics.trials import trial_metrics

CON = ibis.duckdb.connect()
TRIALS_SCHEMA = {"account_id": "string", "started_at": "date", "ends_at": "date",
                 "converted_at": "date"}
SUBSCRIPTIONS_SCHEMA = {"subscription_id": "string", "account_id": "string", "plan": "string",
                        "mrr": "decimal(18,2)", "start_date": "date", "end_date": "date",
                        "is_trial": "boolean"}
JAN, APR = date(2024, 1, 1), date(2024, 4, 1)


def trials_table() -> ibis.Table:
    rows = [
        ("A", date(2024, 1, 5), date(2024, 1, 19), date(2024, 1, 15)),  # inside, 10 days
        ("B", date(2024, 1, 10), date(2024, 1, 24), date(2024, 2, 3)),  # after the end, 24 days
        ("C", date(2024, 1, 20), date(2024, 2, 3), None),  # never (per the trials table)
        ("D", date(2024, 2, 1), date(2024, 2, 15), date(2024, 2, 8)),  # inside, 7 days
        ("E", date(2023, 12, 28), date(2024, 1, 11), date(2024, 1, 2)),  # before the range
        ("F", date(2024, 4, 2), date(2024, 4, 16), None),  # after the range (end excluded)
    ]
    return ibis.memtable(pd.DataFrame(rows, columns=list(TRIALS_SCHEMA)), schema=TRIALS_SCHEMA)


def subscriptions_table() -> ibis.Table:
    rows = [
        ("s1", "A", "pro", "50", date(2024, 1, 15), None, False),
        ("s2", "B", "pro", "0", date(2024, 1, 10), date(2024, 1, 24), True),  # the trial line
        ("s3", "B", "pro", "50", date(2024, 3, 1), None, False),  # 37 days after the end: late
        ("s4", "C", "team", "80", date(2024, 2, 20), None, False),  # 17 days after the end
        ("s5", "D", "pro", "20", date(2023, 6, 1), None, False),  # before the trial: not it
        ("s6", "D", "team", "30", date(2024, 2, 10), None, None),  # inside the trial
    ]
    frame = pd.DataFrame(rows, columns=list(SUBSCRIPTIONS_SCHEMA))
    frame["mrr"] = frame.mrr.map(Decimal)
    return ibis.memtable(frame, schema=SUBSCRIPTIONS_SCHEMA)


def run(expr: ibis.Table) -> pd.DataFrame:
    return CON.execute(expr.order_by("month")).set_index("month")


def test_from_recorded_conversions_by_hand() -> None:
    frame = run(trial_metrics(trials_table(), start=JAN, end=APR))
    # One row per month of the range, March without trials included.
    assert list(frame.index) == [pd.Timestamp(2024, m, 1) for m in (1, 2, 3)]
    assert list(frame.trials_started) == [3, 1, 0]
    assert list(frame.converted) == [2, 1, 0]
    assert list(frame.converted_within_trial) == [1, 1, 0]
    assert list(frame.converted_after_trial) == [1, 0, 0]
    assert list(frame.conversion_rate[:2]) == pytest.approx([2 / 3, 1.0])
    assert pd.isna(frame.conversion_rate.iloc[2])
    # January: A after 10 days, B after 24 days.
    assert list(frame.median_days_to_convert[:2]) == pytest.approx([17.0, 7.0])
    assert list(frame.mean_days_to_convert[:2]) == pytest.approx([17.0, 7.0])
    assert pd.isna(frame.median_days_to_convert.iloc[2])


def test_from_subscriptions_by_hand() -> None:
    frame = run(trial_metrics(trials_table(), subscriptions_table(), start=JAN, end=APR))
    # A converts on day 10 (inside); B's paid start is 37 days after its trial ended (outside the
    # 30-day window, whatever converted_at says); C converts 17 days after its end (day 31);
    # D's 2023 line predates the trial, its February line (is_trial unknown) converts on day 9.
    assert list(frame.trials_started) == [3, 1, 0]
    assert list(frame.converted) == [2, 1, 0]
    assert list(frame.converted_within_trial) == [1, 1, 0]
    assert list(frame.converted_after_trial) == [1, 0, 0]
    assert list(frame.median_days_to_convert[:2]) == pytest.approx([20.5, 9.0])
    assert list(frame.mean_days_to_convert[:2]) == pytest.approx([20.5, 9.0])


def test_a_longer_window_counts_the_late_purchase() -> None:
    frame = run(trial_metrics(trials_table(), subscriptions_table(), start=JAN, end=APR,
                              conversion_window_days=60))
    # B now converts too, on day 51 (2024-01-10 -> 2024-03-01): days 10, 31, 51.
    assert frame.converted.iloc[0] == 3
    assert frame.median_days_to_convert.iloc[0] == pytest.approx(31.0)
    assert frame.mean_days_to_convert.iloc[0] == pytest.approx(92 / 3)


def test_without_converted_at_nothing_converts() -> None:
    frame = run(trial_metrics(trials_table().drop("converted_at"), start=JAN, end=APR))
    assert list(frame.converted) == [0, 0, 0]
    assert list(frame.conversion_rate[:2]) == pytest.approx([0.0, 0.0])


def test_range_must_be_month_starts() -> None:
    with pytest.raises(InputError, match="month starts"):
        trial_metrics(trials_table(), start=date(2024, 1, 5), end=APR)


def test_missing_trial_column_is_named() -> None:
    with pytest.raises(InputError, match=r"trials table lacks column\(s\) ends_at"):
        trial_metrics(trials_table().drop("ends_at"), start=JAN, end=APR)


def test_negative_window_is_refused() -> None:
    with pytest.raises(InputError, match=r"conversion_window_days must be 0 or more \(found -1\)"):
        trial_metrics(trials_table(), subscriptions_table(), start=JAN, end=APR,
                      conversion_window_days=-1)
