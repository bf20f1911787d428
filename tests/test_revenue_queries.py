"""Structure of the revenue facade's queries: how many it runs, and that stored SQL is never stale.

The facade compiles its queries on the first call of a kind and re-runs their SQL afterwards
(tenure.metrics._queries); these tests pin the number of statements per call, that a repeated
call compiles nothing, and that new data or new settings are always seen.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pyarrow as pa
import pytest

from tenure.config import RevenueDefinitions
from tenure.metrics import _queries
from tenure.metrics.revenue import revenue_metrics


def _subscriptions(rows: list[tuple[str, str, str, date, date | None]]) -> pa.Table:
    return pa.table(
        {
            "account_id": [r[0] for r in rows],
            "plan": [r[1] for r in rows],
            "mrr": pa.array([Decimal(r[2]) for r in rows], pa.decimal128(18, 2)),
            "start_date": [r[3] for r in rows],
            "end_date": pa.array([r[4] for r in rows], pa.date32()),
            "cancelled_at": pa.array([None] * len(rows), pa.date32()),
            "is_trial": [False] * len(rows),
        }
    )


@pytest.fixture
def runs(monkeypatch):
    """Every QueryRunner a call makes, to read its counters afterwards."""
    made: list[_queries.QueryRunner] = []
    original = _queries.QueryRunner.__init__

    def recording(self, *args, **kwargs):
        original(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(_queries.QueryRunner, "__init__", recording)
    return made


def test_repeated_call_compiles_nothing_and_sees_new_data(warehouse, runs):
    # a: 10.00 from January 10, running; b: 25.00 over [Jan 20, Feb 5).
    warehouse.replace_tables({"subscriptions": _subscriptions([
        ("a", "basic", "10.00", date(2024, 1, 10), None),
        ("b", "basic", "25.00", date(2024, 1, 20), date(2024, 2, 5)),
    ])})
    first = revenue_metrics(warehouse, start=date(2024, 1, 1), end=date(2024, 3, 1))
    second = revenue_metrics(warehouse, start=date(2024, 1, 1), end=date(2024, 3, 1))
    # Five queries compiled once (account-months, company table, monthly, unit economics,
    # cohorts: five), then run again as stored SQL; two temporary tables dropped.
    assert [r.compiled for r in runs] == [5, 0]
    assert [r.queries for r in runs] == [7, 7]
    assert [str(v) for v in first.monthly["mrr"]] == ["35.00", "10.00"]
    assert [str(v) for v in second.monthly["mrr"]] == ["35.00", "10.00"]
    assert [str(v) for v in second.monthly["churned_mrr"]] == ["0.00", "-25.00"]

    # New data, same shape: the stored SQL runs and reads it (c joins in February at 40.00).
    warehouse.replace_tables({"subscriptions": _subscriptions([
        ("a", "basic", "10.00", date(2024, 1, 10), None),
        ("b", "basic", "25.00", date(2024, 1, 20), date(2024, 2, 5)),
        ("c", "pro", "40.00", date(2024, 2, 3), None),
    ])})
    third = revenue_metrics(warehouse, start=date(2024, 1, 1), end=date(2024, 3, 1))
    assert runs[-1].compiled == 0
    assert [str(v) for v in third.monthly["mrr"]] == ["35.00", "50.00"]
    assert [str(v) for v in third.monthly["new_mrr"]] == ["35.00", "40.00"]


def test_other_settings_compile_a_new_plan(warehouse, runs):
    warehouse.replace_tables({"subscriptions": _subscriptions([
        ("a", "basic", "10.00", date(2024, 1, 10), date(2024, 1, 20)),
    ])})
    included = revenue_metrics(warehouse, start=date(2024, 1, 1), end=date(2024, 2, 1))
    excluded = revenue_metrics(
        warehouse, start=date(2024, 1, 1), end=date(2024, 2, 1),
        definitions=RevenueDefinitions(same_month_join_leave="exclude"),
    )
    assert [r.compiled for r in runs] == [5, 5]
    # Joined and left inside January: new 10.00 and churned -10.00 only when included.
    assert [str(v) for v in included.monthly["new_mrr"]] == ["10.00"]
    assert excluded.monthly.empty  # no paid month-end and the join-and-leave ignored
