"""Churn reasons by customers and by MRR, with churned customers lacking a reason listed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from tenure.analysis.reasons import NO_REASON, UNKNOWN_CATEGORY, churn_reasons


def _lifetimes() -> pd.DataFrame:
    return pd.DataFrame({
        "account_id": ["a", "b", "c", "d", "e", "f"],
        "churned": [True, True, True, True, True, False],
        "end_date": [date(2024, 3, 1), date(2024, 3, 1), date(2024, 4, 1), date(2024, 5, 1),
                     date(2024, 5, 1), date(2024, 7, 1)],
        "mrr": [Decimal("10.00"), Decimal("20.00"), Decimal("30.00"), Decimal("40.00"),
                Decimal("0.10"), Decimal("99.00")],
    })


def _cancellations() -> pd.DataFrame:
    return pd.DataFrame({
        "account_id": ["a", "b", "b", "c", "d", "f"],
        "cancelled_at": [date(2024, 2, 10), date(2023, 6, 1), date(2024, 2, 20),
                         date(2024, 4, 15), date(2024, 4, 1), date(2024, 6, 1)],
        "reason_code": ["price", "competitor", "price", "closed", None, "price"],
        "reason_category": ["avoidable", "avoidable", "avoidable", "unavoidable", None,
                            "avoidable"],
    })


def test_reasons_by_hand():
    """a: price (10.00); b: latest before its end is price (20.00), not the 2023 competitor;
    c: its only cancellation is after its service end, so no reason (30.00); d: a cancellation
    without a reason (40.00); e: no cancellation (0.10); f: still a customer, left out.
    Total churned: 5 customers, 100.10 MRR.
    """
    result = churn_reasons(_lifetimes(), _cancellations())
    by_reason = result.by_reason.set_index("reason_code")
    assert by_reason.loc["price", ["customers", "mrr"]].tolist() == [2, Decimal("30.00")]
    assert by_reason.loc["price", "share_customers"] == pytest.approx(2 / 5)
    assert by_reason.loc["price", "share_mrr"] == pytest.approx(30.00 / 100.10)
    assert by_reason.loc[NO_REASON, ["customers", "mrr"]].tolist() == [3, Decimal("70.10")]
    assert "competitor" not in by_reason.index
    by_category = result.by_category.set_index("reason_category")
    assert by_category.loc["avoidable", "customers"] == 2
    assert by_category.loc[UNKNOWN_CATEGORY, "mrr"] == Decimal("70.10")
    assert by_category["share_customers"].sum() == pytest.approx(1.0)
    assert sum(by_category["mrr"]) == Decimal("100.10")
    unexplained = result.unexplained.set_index("account_id")
    assert list(unexplained.index) == ["c", "d", "e"]
    assert unexplained["has_cancellation"].tolist() == [False, True, False]


def test_reasons_in_a_window_of_service_ends():
    result = churn_reasons(_lifetimes(), _cancellations(), since=date(2024, 4, 1),
                           until=date(2024, 5, 1))
    assert result.churned["account_id"].tolist() == ["c"]
    assert result.by_reason["reason_code"].tolist() == [NO_REASON]
