"""Support for tests (no tests here): canonical tables built from hand-written tuples."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import pyarrow as pa


def subscriptions_from(lines: Sequence[tuple]) -> pa.Table:
    """``subscriptions`` of single-seat ``team`` lines, one per tuple ``(account_id, mrr text,
    billing_period_months, start_date, end_date or None, cancelled_at or None, is_trial, ...)``;
    anything after ``is_trial`` is the test's own and ignored."""
    n = len(lines)
    return pa.table({
        "subscription_id": [f"s{i}" for i in range(n)],
        "account_id": [r[0] for r in lines],
        "plan": ["team"] * n,
        "quantity": [1] * n,
        "billing_period_months": [r[2] for r in lines],
        "mrr": pa.array([Decimal(r[1]) for r in lines], type=pa.decimal128(18, 2)),
        "start_date": pa.array([r[3] for r in lines], type=pa.date32()),
        "end_date": pa.array([r[4] for r in lines], type=pa.date32()),
        "cancelled_at": pa.array([r[5] for r in lines], type=pa.date32()),
        "is_trial": [r[6] for r in lines],
    })
