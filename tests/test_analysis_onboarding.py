"""Onboarding: milestone times, funnel by hand, milestone retention and a planted stick point."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tenure.analysis.onboarding import (
    DEFAULT_MILESTONES,
    milestone_retention,
    milestone_times,
    monthly_hazards,
    onboarding_funnel,
    stick_point,
)
from tenure.errors import InputError


def _accounts() -> pd.DataFrame:
    return pd.DataFrame({"account_id": ["a", "b", "c", "d"],
                         "created_at": pd.to_datetime(["2024-01-01 09:00"] * 4)})


def _events() -> pd.DataFrame:
    rows = [
        ("a", "integration_setup", "2024-01-02 09:00"),  # day 1
        ("a", "invite_user", "2024-01-04 21:00"),  # day 3.5
        ("a", "create_report", "2024-01-03 09:00"),  # day 2 (before the invite)
        ("a", "create_report", "2024-01-20 09:00"),  # later repeat: the first counts
        ("b", "integration_setup", "2024-01-11 09:00"),  # day 10
        ("b", "create_report", "2024-03-01 09:00"),  # day 60: outside 30 days
        ("c", "invite_user", "2023-12-31 09:00"),  # before sign-up (imported): day 0
        ("d", "login", "2024-01-01 10:00"),  # not a milestone
    ]
    return pd.DataFrame(rows, columns=["account_id", "event_name", "occurred_at"])


def test_milestone_times_by_hand():
    times = milestone_times(_events(), _accounts()).set_index("account_id")
    assert times.loc["a", ["days_to_integration_setup", "days_to_invite_user",
                           "days_to_create_report", "days_to_first_value"]].tolist() == [
        1.0, 3.5, 2.0, 2.0]
    assert times.loc["b", "days_to_create_report"] == 60.0
    assert times.loc["c", "days_to_invite_user"] == 0.0
    assert times.loc["d"].drop("created_at").isna().all()


def test_funnel_by_hand():
    """Within 30 days: integration a, b; invite a, c; report a (b's is day 60).

    Sequential: step 1 a, b (conversion 2/4); step 2 a (1/2; b stuck, c skipped step 1);
    step 3 a (1/1).
    """
    funnel = onboarding_funnel(milestone_times(_events(), _accounts()), within_days=30)
    assert funnel["milestone"].tolist() == list(DEFAULT_MILESTONES)
    assert funnel["reached"].tolist() == [2, 2, 1]
    assert funnel["share_of_accounts"].tolist() == [0.5, 0.5, 0.25]
    assert funnel["reached_all_so_far"].tolist() == [2, 1, 1]
    assert funnel["conversion"].tolist() == [0.5, 0.5, 1.0]
    assert funnel["stuck"].tolist() == [2, 1, 0]
    assert funnel["median_days"].tolist() == [5.5, 1.75, 2.0]


def test_funnel_names_the_missing_milestone():
    times = milestone_times(_events(), _accounts(), milestones=["invite_user"])
    with pytest.raises(InputError, match="days_to_integration_setup"):
        onboarding_funnel(times)


def _lifetimes_with_milestone(n: int = 2000, seed: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Half the customers set up an integration within a week; they churn at half the hazard."""
    rng = np.random.default_rng(seed)
    ids = [f"a{i}" for i in range(n)]
    integrated = rng.random(n) < 0.5
    rate = np.where(integrated, 0.04, 0.08)
    t = rng.exponential(1 / rate)
    censor = rng.uniform(1, 24, n)
    lifetimes = pd.DataFrame({"account_id": ids, "duration": np.minimum(t, censor),
                              "churned": t < censor})
    times = pd.DataFrame({
        "account_id": ids,
        "days_to_integration_setup": np.where(integrated, rng.uniform(0, 7, n), np.nan),
        "days_to_invite_user": rng.uniform(0, 20, n),
    })
    return times, lifetimes


def test_milestone_retention_finds_the_planted_difference():
    times, lifetimes = _lifetimes_with_milestone()
    out = milestone_retention(times, lifetimes, milestones=["integration_setup", "invite_user"],
                              within_days=14, horizon_months=6)
    integ = out[out["milestone"] == "integration_setup"].set_index("reached")
    # Exponential retention at 6 months: exp(-0.04 * 6) = 0.787 vs exp(-0.08 * 6) = 0.619.
    assert integ.loc[True, "retention"] == pytest.approx(np.exp(-0.24), abs=0.04)
    assert integ.loc[False, "retention"] == pytest.approx(np.exp(-0.48), abs=0.04)
    assert integ["p_value"].iloc[0] < 1e-6
    invite = out[out["milestone"] == "invite_user"]
    assert invite["p_value"].iloc[0] > 0.01
    # Landmark: customers who left within the first 14 days are not compared.
    short = (lifetimes["duration"] * 30.436875 < 14).sum()
    assert integ["customers"].sum() == len(lifetimes) - short


def _planted_hazard(n: int = 20000, seed: int = 9) -> pd.DataFrame:
    """Monthly churn 15% in months 0-2, then 3% for good; sign-ups spread over 36 months."""
    rng = np.random.default_rng(seed)
    months = np.zeros(n)
    alive = np.ones(n, dtype=bool)
    churned = np.zeros(n, dtype=bool)
    censor = rng.uniform(1, 36, n)
    for m in range(36):
        p = 0.15 if m < 3 else 0.03
        leaves = alive & (rng.random(n) < p)
        when = m + rng.random(n)
        stop = alive & (leaves | (when >= censor))
        churned |= stop & leaves & (when < censor)
        months = np.where(stop, np.minimum(when, censor), months)
        alive &= ~stop
    months = np.where(alive, censor, months)
    return pd.DataFrame({"duration": months, "churned": churned})


def test_stick_point_is_where_the_planted_hazard_settles():
    result = stick_point(_planted_hazard())
    assert result.month == 3
    assert result.long_run_hazard == pytest.approx(0.03, rel=0.15)
    hazards = result.hazards.set_index("month")
    assert hazards.loc[0, "hazard"] == pytest.approx(0.15, rel=0.15)


def test_monthly_hazards_by_hand():
    """Durations 0.5 (churn), 1.2 (censored), 1.5 (churn), 2.5 (censored), 2.7 (churn).

    Month 0: at risk 5, 1 churn: 1/5. Month 1: at risk 4, 1 churn, 1 censored: 1/3.5.
    Month 2: at risk 2, 1 churn, 1 censored: 1/1.5.
    """
    life = pd.DataFrame({"duration": [0.5, 1.2, 1.5, 2.5, 2.7],
                         "churned": [True, False, True, False, True]})
    table = monthly_hazards(life, min_at_risk=1, window=2)
    assert table["at_risk"].tolist() == [5, 4, 2]
    assert table["hazard"].tolist() == pytest.approx([1 / 5, 1 / 3.5, 1 / 1.5])
    # Pooled over [0, 2): 2 churns over 5 + 3.5 exposure.
    assert table.loc[0, "smoothed"] == pytest.approx(2 / 8.5)
    assert table.loc[1, "later_hazard"] == pytest.approx(2 / 5)
