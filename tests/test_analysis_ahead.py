"""Churn ahead of the decision (tenure.analysis.ahead): hand-worked rows, names and errors."""

from __future__ import annotations

import doctest
import re

import numpy as np
import pandas as pd
import pytest

from tenure.analysis import ahead as ahead_module
from tenure.analysis import analyze_churn
from tenure.analysis.ahead import ahead_outcome, churn_ahead, parse_ahead_outcome
from tenure.analysis.churn import horizon_days, outcome_label
from tenure.errors import InputError

AS_OF = pd.Timestamp("2024-01-01")


def _frame(rows: list[tuple[str, str | None, str | None]]) -> pd.DataFrame:
    """Rows of (account, churn_date, cancelled_at) at one as-of date, outcomes known to 120 d."""
    ids, churn, request = zip(*rows, strict=True)
    churn_dates = pd.to_datetime(list(churn))
    return pd.DataFrame({
        "account_id": list(ids),
        "as_of_date": AS_OF,
        "active_days_28d": np.arange(len(rows), dtype=float),
        "churned_30d": (churn_dates - AS_OF).days < 30,
        "churned_120d": (churn_dates - AS_OF).days < 120,
        "churn_date": churn_dates,
        "cancelled_at": pd.to_datetime(list(request)),
    })


def test_hand_worked_decisions():
    frame = _frame([
        ("pending", "2024-01-31", "2023-12-20"),     # asked before the snapshot: dropped
        ("soon", "2024-02-29", "2024-01-25"),        # asks on day 24: decided before day 30
        ("day30", "2024-03-31", "2024-01-31"),       # asks on day 30 exactly: in [30, 120)
        ("inside", "2024-05-31", "2024-04-10"),      # asks on day 100: in
        ("day120", "2024-06-30", "2024-04-30"),      # asks on day 120: the window is [30, 120)
        ("no_request", "2024-03-01", None),          # service stops on day 60, no request: in
        ("stays", None, None),                       # no decision within the data: out
    ])
    out = churn_ahead(frame, lead_days=30, horizon_days=90)
    assert out.set_index("account_id")["churned_30_120d"].to_dict() == {
        "day30": True, "inside": True, "day120": False, "no_request": True, "stays": False,
    }
    # The shorter outcomes would mislead next to the new one: they are dropped, the rest kept.
    assert "churned_30d" not in out.columns
    assert "churned_120d" not in out.columns
    assert {"active_days_28d", "churn_date", "cancelled_at"} <= set(out.columns)
    assert out["churned_30_120d"].dtype == bool


def test_no_lead_is_the_decision_within_the_window():
    frame = _frame([("a", "2024-02-29", "2024-01-25"), ("b", "2024-06-30", "2024-04-30"),
                    ("c", "2024-01-31", "2023-12-20")])
    out = churn_ahead(frame, lead_days=0, horizon_days=30)
    # Dated by the request (day 24), not the service stop (day 59); the pending row is gone.
    assert out.set_index("account_id")["churned_0_30d"].to_dict() == {"a": True, "b": False}


def test_names_labels_and_window_length():
    assert ahead_outcome(30, 90) == "churned_30_120d"
    assert parse_ahead_outcome("churned_30_120d") == (30, 120)
    assert parse_ahead_outcome("churned_30d") is None
    assert horizon_days("churned_30_120d") == 90  # snapshots are spaced by the window
    assert horizon_days("churned_30d") == 30
    assert outcome_label("churned_30_120d") == "day-30-to-120 churn"


def test_analysis_spaces_snapshots_by_the_window():
    """Weekly snapshots of one account: analyze_churn keeps one per 90 days."""
    days = pd.date_range("2023-01-02", periods=52, freq="7D")
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({
        "account_id": np.repeat(["a", "b", "c", "d"], len(days)),
        "as_of_date": np.tile(days, 4),
        "active_days_28d": rng.integers(0, 28, 4 * len(days)).astype(float),
        "churned_120d": False,
        "churn_date": pd.NaT,
        "cancelled_at": pd.NaT,
    })
    frame.loc[frame["account_id"] == "a", "cancelled_at"] = pd.Timestamp("2023-10-01")
    frame.loc[frame["account_id"] == "a", "churn_date"] = pd.Timestamp("2023-11-01")
    rows = churn_ahead(frame, lead_days=30, horizon_days=90)
    analysis = analyze_churn(rows, outcome="churned_30_120d", n_bootstrap=0)
    # 52 weeks: snapshots at weeks 0, 13, 26, 39 (91 days apart); "a" is gone once it is
    # within 30 days of its request (from 2023-09-04 on), so it keeps 3.
    assert analysis.observations == 3 * 4 + 3


@pytest.mark.parametrize(
    ("kwargs", "drop", "message"),
    [
        ({"lead_days": -1, "horizon_days": 90}, None, "lead must be 0 or more days"),
        ({"lead_days": 30, "horizon_days": 0}, None, "window at least 1 day"),
        ({"lead_days": 30, "horizon_days": 100}, None,
         ("needs outcomes known 130 days after each as-of date, and the training set's longest "
          "horizon is 120; build it with horizons=(..., 130)")),
        ({"lead_days": 30, "horizon_days": 90}, "cancelled_at", "lacks cancelled_at"),
        ({"lead_days": 30, "horizon_days": 90}, "churned_120d", "longest horizon is 30"),
    ],
)
def test_errors_name_the_fix(kwargs, drop, message):
    frame = _frame([("a", "2024-03-31", "2024-01-31")])
    if drop:
        frame = frame.drop(columns=drop)
    with pytest.raises(InputError, match=re.escape(message)):
        churn_ahead(frame, **kwargs)


def test_module_examples_run():
    failures, tried = doctest.testmod(ahead_module)
    assert tried > 0
    assert failures == 0
