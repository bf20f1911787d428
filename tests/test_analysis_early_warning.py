"""Early warning: a planted leading measure shows a longer lead time than a lagging one."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tenure.analysis.early_warning import churn_dates, early_warning, tenure_band

START = pd.Timestamp("2023-01-02")


def _weekly_snapshots(n_accounts: int = 300, weeks: int = 60, seed: int = 11) -> tuple[
    pd.DataFrame, pd.DataFrame
]:
    """Weekly snapshots of accounts; a third churn at a random week after week 30.

    * ``active_days_28d`` (leading): churners fade linearly over the 120 days before churn,
      from their normal level (about 15) down to about 3.
    * ``urgent_tickets_90d`` (lagging): churners raise urgent tickets only in the last 10 days.
    * ``noise``: no relation to churn.
    """
    rng = np.random.default_rng(seed)
    churns = rng.random(n_accounts) < 0.35
    churn_week = rng.integers(30, weeks, n_accounts)
    churned_at = {
        f"a{i}": START + pd.Timedelta(weeks=int(churn_week[i]), days=3)
        for i in range(n_accounts) if churns[i]
    }
    rows = []
    for i in range(n_accounts):
        account = f"a{i}"
        plan = "pro" if i % 3 == 0 else "basic"
        tenure0 = float(rng.integers(0, 30))
        for w in range(weeks):
            as_of = START + pd.Timedelta(weeks=w)
            end = churned_at.get(account)
            if end is not None and as_of >= end:
                break
            days_left = (end - as_of).days if end is not None else 10_000
            fade = np.clip(days_left / 120, 0, 1) if end is not None else 1.0
            rows.append({
                "account_id": account, "as_of_date": as_of.date(), "plan": plan,
                "tenure_months": tenure0 + w * 7 / 30.4,
                "active_days_28d": max(0.0, 3 + 12 * fade + rng.normal(0, 3)),
                "urgent_tickets_90d": float(rng.poisson(2.5 if days_left < 10 else 0.3)),
                "noise": rng.normal(),
            })
    dates = pd.DataFrame({"account_id": list(churned_at), "churned_at": list(churned_at.values())})
    return pd.DataFrame(rows), dates


@pytest.fixture(scope="module")
def result():
    frame, dates = _weekly_snapshots()
    return early_warning(frame, dates, measures=["active_days_28d", "urgent_tickets_90d", "noise"])


def test_leading_measure_leads_and_lagging_measure_lags(result):
    lead = result.lead_times.set_index("measure")
    assert lead.loc["active_days_28d", "signal"] == "leading"
    assert lead.loc["active_days_28d", "direction"] == "lower"
    # Fading starts 120 days out; it is detectable well before, but not at the very start.
    assert 49 <= lead.loc["active_days_28d", "lead_time_days"] <= 119
    assert lead.loc["urgent_tickets_90d", "signal"] == "lagging"
    assert lead.loc["urgent_tickets_90d", "direction"] == "higher"
    assert lead.loc["urgent_tickets_90d", "lead_time_days"] <= 7
    assert lead.loc["active_days_28d", "lead_time_days"] > lead.loc[
        "urgent_tickets_90d", "lead_time_days"]
    assert lead.loc["noise", "signal"] == "none"
    assert lead.index[0] == "active_days_28d"


def test_by_lag_compares_churners_with_three_matched_rows_each(result):
    by_lag = result.by_lag
    assert sorted(by_lag["lag_days"].unique()) == list(range(0, 181, 7))
    at_zero = by_lag[(by_lag["measure"] == "active_days_28d") & (by_lag["lag_days"] == 0)].iloc[0]
    assert at_zero["retained"] == 3 * at_zero["churners"]
    assert at_zero["churner_median"] < at_zero["retained_median"]
    assert at_zero["effect"] < -0.5
    far = by_lag[(by_lag["measure"] == "active_days_28d") & (by_lag["lag_days"] == 175)].iloc[0]
    assert not far["significant"]


def test_churn_dates_prefer_the_cancellation_request():
    lifetimes = pd.DataFrame({"account_id": ["a", "b", "c"], "churned": [True, True, False],
                              "end_date": pd.to_datetime(["2024-03-01", "2024-04-01",
                                                          "2024-05-01"]).date})
    cancels = pd.DataFrame({"account_id": ["a", "a"],
                            "cancelled_at": pd.to_datetime(["2024-02-10", "2024-05-01"])})
    out = churn_dates(lifetimes, cancels).set_index("account_id")["churned_at"]
    assert out.to_dict() == {"a": pd.Timestamp("2024-02-10"), "b": pd.Timestamp("2024-04-01")}


def test_tenure_bands_are_half_open():
    bands = tenure_band(pd.Series([0.0, 2.99, 3.0, 11.9, 12.0, 30.0]))
    assert bands.tolist() == ["0-3", "0-3", "3-6", "6-12", "12-24", "24+"]
