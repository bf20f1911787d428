"""Property: on any small set of events, the usage measures equal a brute-force count.

The brute force reads the raw events for each account and as-of date, with the window written
out as ``as_of - window <= day < as_of``; Tenure goes through slices and window maps.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tenure.measures import MeasuresConfig, compute_measures, wide_measures
from tenure.warehouse import Warehouse

FIRST = date(2024, 3, 4)
DATES = [FIRST, FIRST + timedelta(days=7), FIRST + timedelta(days=14)]
NAMES = ["login", "export", "api_call"]
CONFIG = MeasuresConfig.model_validate(
    {
        "defaults": "replace",
        "measures": [
            {"name": "logins_exports_10d", "kind": "event_count",
             "events": ["login", "export"], "window_days": 10},
            {"name": "users_7d", "kind": "active_users", "window_days": 7},
            {"name": "days_14d", "kind": "active_days", "window_days": 14},
            {"name": "features_7d", "kind": "feature_breadth", "window_days": 7},
            {"name": "last_seen", "kind": "days_since_last_activity"},
        ],
    }
)

events_strategy = st.lists(
    st.tuples(
        st.sampled_from(["a", "b"]),
        st.sampled_from(["u1", "u2", "u3"]),
        st.sampled_from(NAMES),
        st.integers(min_value=-30 * 24 * 60, max_value=20 * 24 * 60),  # minutes from FIRST
    ),
    max_size=40,
)


def _tables(events: list[tuple[str, str, str, int]]) -> dict[str, pa.Table]:
    start = datetime.combine(FIRST, time())
    subscriptions = pa.table(
        {
            "subscription_id": ["a1", "b1"],
            "account_id": ["a", "b"],
            "plan": ["team", "team"],
            "quantity": [3, 5],
            "mrr": pa.array([Decimal("117.00"), Decimal("195.00")], type=pa.decimal128(18, 2)),
            "start_date": [date(2024, 1, 1), date(2024, 1, 1)],
            "end_date": pa.array([None, None], type=pa.date32()),
        }
    )
    table = pa.table(
        {
            "account_id": pa.array([e[0] for e in events], type=pa.string()),
            "user_id": pa.array([e[1] for e in events], type=pa.string()),
            "event_name": pa.array([e[2] for e in events], type=pa.string()),
            "occurred_at": pa.array(
                [start + timedelta(minutes=e[3]) for e in events], type=pa.timestamp("us")
            ),
        }
    )
    return {"subscriptions": subscriptions, "events": table}


def _brute_force(events: list[tuple[str, str, str, int]], account: str, as_of: date) -> dict:
    start = datetime.combine(FIRST, time())
    rows = [(u, n, (start + timedelta(minutes=m)).date()) for a, u, n, m in events
            if a == account]

    def window(days: int) -> list[tuple[str, str, date]]:
        return [r for r in rows if as_of - timedelta(days=days) <= r[2] < as_of]

    before = [r[2] for r in rows if r[2] < as_of]
    return {
        "logins_exports_10d": sum(1 for r in window(10) if r[1] in {"login", "export"}),
        "users_7d": len({r[0] for r in window(7)}),
        "days_14d": len({r[2] for r in window(14)}),
        "features_7d": len({r[1] for r in window(7)}),
        "last_seen": (as_of - max(before)).days if before else None,
    }


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events=events_strategy)
def test_usage_measures_equal_a_brute_force_count(
    events: list[tuple[str, str, str, int]],
) -> None:
    with Warehouse(":memory:") as wh:
        wh.replace_tables(_tables(events))
        wide = wide_measures(compute_measures(wh, config=CONFIG, as_of_dates=DATES),
                             config=CONFIG)
    assert len(wide) == len(DATES) * 2
    for row in wide.to_dict("records"):
        expected = _brute_force(events, row["account_id"], row["as_of_date"])
        for name, value in expected.items():
            if value is None:
                assert row[name] != row[name], name  # NaN
            else:
                assert row[name] == pytest.approx(value), name
