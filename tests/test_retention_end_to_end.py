"""From subscription lines through account_months to retention, unit economics and cohorts.

The subscription lines below replay the golden story of ``test_retention_data.golden_rows`` with
mid-month dates, an open-ended line, a same-month join-and-leave and a trial line, so the
expected values are the hand-worked ones of ``test_retention.py`` and ``test_cohorts.py``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import ibis
import pandas as pd
import pyarrow as pa
import pytest

from tenure.metrics.cohorts import cohort_matrix, cohort_retention
from tenure.metrics.mrr import account_months
from tenure.metrics.retention import retention_by_month
from tenure.metrics.unit_economics import unit_economics_by_month
from test_unit_economics import GOLDEN_SPEND, spend_table

CON = ibis.duckdb.connect()
SCHEMA = pa.schema([
    ("subscription_id", pa.string()), ("account_id", pa.string()), ("plan", pa.string()),
    ("mrr", pa.decimal128(18, 2)), ("start_date", pa.date32()), ("end_date", pa.date32()),
    ("cancelled_at", pa.date32()), ("is_trial", pa.bool_()),
])
LINES = [
    # a: 100 from Jan 10, upgraded to 150 on Feb 15, cut to 120 on Apr 10 (open-ended).
    ("s1", "a", "pro", "100", date(2024, 1, 10), date(2024, 2, 15), None, False),
    ("s2", "a", "pro", "150", date(2024, 2, 15), date(2024, 4, 10), None, False),
    ("s3", "a", "pro", "120", date(2024, 4, 10), None, None, False),
    # b: 200 in Jan and Feb, gone at the end of March, back at 50 on Apr 5.
    ("s4", "b", "team", "200", date(2024, 1, 1), date(2024, 3, 1), date(2024, 2, 10), False),
    ("s5", "b", "team", "50", date(2024, 4, 5), None, None, False),
    # c: 80 from Feb 3, 60 from Mar 20.
    ("s6", "c", "pro", "80", date(2024, 2, 3), date(2024, 3, 20), None, False),
    ("s7", "c", "pro", "60", date(2024, 3, 20), None, None, False),
    # d: joins on Mar 5 and leaves on Mar 25.
    ("s8", "d", "team", "40", date(2024, 3, 5), date(2024, 3, 25), None, False),
    # e: a free trial that never converts is never a customer.
    ("s9", "e", "pro", "0", date(2024, 1, 5), date(2024, 1, 19), None, True),
]


@pytest.fixture(scope="module")
def am() -> ibis.Table:
    rows = [dict(zip(SCHEMA.names, line, strict=True)) for line in LINES]
    for row in rows:
        row["mrr"] = Decimal(row["mrr"])
    subscriptions = ibis.memtable(pa.Table.from_pylist(rows, schema=SCHEMA))
    return account_months(subscriptions, start=date(2024, 1, 1), end=date(2024, 5, 1))


def test_retention_from_subscriptions(am: ibis.Table) -> None:
    monthly = CON.execute(retention_by_month(am).order_by("month"))
    assert list(monthly.customers) == [2, 3, 2, 3]
    assert list(monthly.mrr) == [Decimal(300), Decimal(430), Decimal(210), Decimal(230)]
    assert list(monthly.churned_mrr) == [Decimal(0), Decimal(0), Decimal(-240), Decimal(0)]
    assert list(monthly.logo_churn_rate[1:]) == pytest.approx([0.0, 1 / 3, 0.0])
    assert list(monthly.grr[1:]) == pytest.approx([1.0, 210 / 430, 180 / 210])
    assert list(monthly.nrr[1:]) == pytest.approx([350 / 300, 210 / 430, 180 / 210])
    assert list(monthly.net_mrr_churn_rate[1:]) == pytest.approx([-50 / 300, 220 / 430,
                                                                  -20 / 210])
    assert monthly.quick_ratio.iloc[2] == pytest.approx(40 / 260)
    assert monthly.quick_ratio.iloc[3] == pytest.approx(50 / 30)


def test_unit_economics_from_subscriptions(am: ibis.Table) -> None:
    frame = CON.execute(unit_economics_by_month(am, spend_table(GOLDEN_SPEND)).order_by("month"))
    assert list(frame.new_customers) == [2, 1, 1, 0]
    assert frame.ltv.iloc[2] == Decimal("441.00")
    assert list(frame.profit) == [Decimal("-360.00"), Decimal("144.00"), Decimal("47.00"),
                                  Decimal("154.00")]


def test_cohorts_from_subscriptions(am: ibis.Table) -> None:
    long = CON.execute(cohort_retention(am))
    matrix = cohort_matrix(long, "logo_retention")
    assert list(matrix.index) == [pd.Timestamp(2024, 1, 1), pd.Timestamp(2024, 2, 1)]
    assert list(matrix.iloc[0]) == pytest.approx([1.0, 1.0, 0.5, 1.0])
    revenue = cohort_matrix(long, "revenue_retention")
    assert list(revenue.iloc[1, :3]) == pytest.approx([1.0, 0.75, 0.75])
