"""Customer lifetimes from the canonical tables, Kaplan-Meier, Cox and remaining lifetime."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from tenure.analysis.lifetimes import customer_lifetimes
from tenure.analysis.survival import (
    cox_design,
    cox_hazards,
    expected_remaining_lifetime,
    kaplan_meier,
)
from tenure.errors import InputError

AS_OF = date(2024, 7, 1)


def _subscriptions() -> pd.DataFrame:
    rows = [
        # a: churned; upgrade mid-way, last paid day 2024-04-30 at 50.00.
        ("s1", "a", "basic", "20.00", date(2024, 1, 1), date(2024, 3, 1), False),
        ("s2", "a", "pro", "50.00", date(2024, 3, 1), date(2024, 5, 1), False),
        # b: trial first (ignored), then open-ended paid line: censored at as_of.
        ("s3", "b", "pro", "0.00", date(2024, 1, 1), date(2024, 1, 15), True),
        ("s4", "b", "pro", "50.00", date(2024, 1, 15), None, False),
        # c: left, came back, still paying: one lifetime from the first start, censored.
        ("s5", "c", "basic", "20.00", date(2024, 1, 1), date(2024, 2, 1), False),
        ("s6", "c", "basic", "20.00", date(2024, 4, 1), date(2025, 4, 1), False),
        # d: service ends exactly on as_of: [start, end) means it has churned.
        ("s7", "d", "basic", "20.00", date(2024, 6, 1), date(2024, 7, 1), False),
        # e: only a trial: never a customer.  f: starts on as_of: not yet a customer.
        ("s8", "e", "pro", "0.00", date(2024, 2, 1), date(2024, 2, 15), True),
        ("s9", "f", "pro", "50.00", date(2024, 7, 1), None, False),
        # g: two lines at once, both end together.
        ("s10", "g", "basic", "20.00", date(2024, 2, 1), date(2024, 6, 1), False),
        ("s11", "g", "addon", "5.50", date(2024, 2, 1), date(2024, 6, 1), False),
    ]
    frame = pd.DataFrame(rows, columns=["subscription_id", "account_id", "plan", "mrr",
                                        "start_date", "end_date", "is_trial"])
    frame["mrr"] = frame["mrr"].map(Decimal)
    return frame


def _accounts() -> pd.DataFrame:
    return pd.DataFrame({"account_id": list("abcdefg"),
                         "industry": ["retail", "media", None, "retail", "media", "retail",
                                      "media"],
                         "owner": ["Ana"] * 7})


def test_customer_lifetimes_cover_the_awkward_cases():
    life = customer_lifetimes(_subscriptions(), _accounts(), as_of=AS_OF).set_index("account_id")
    assert list(life.index) == ["a", "b", "c", "d", "g"]
    assert life.loc["a", ["start_date", "end_date", "churned"]].tolist() == [
        date(2024, 1, 1), date(2024, 5, 1), True]
    assert life.loc["a", "mrr"] == Decimal("50.00")
    assert life.loc["a", "plan"] == "basic"
    assert life.loc["a", "duration_days"] == 121
    assert life.loc["a", "duration"] == pytest.approx(121 / 30.436875)
    assert life.loc["b", ["start_date", "end_date", "churned"]].tolist() == [
        date(2024, 1, 15), AS_OF, False]
    assert life.loc["c", ["start_date", "churned", "mrr"]].tolist() == [
        date(2024, 1, 1), False, Decimal("20.00")]
    assert life.loc["d", ["end_date", "churned", "duration_days"]].tolist() == [AS_OF, True, 30]
    assert life.loc["g", "mrr"] == Decimal("25.50")
    assert life.loc["g", "plan"] == "basic"
    assert life.loc["a", "cohort"] == "2024Q1"
    assert life.loc["d", "cohort_month"] == date(2024, 6, 1)
    assert pd.isna(life.loc["c", "industry"])
    assert life.loc["a", "owner"] == "Ana"


def test_customer_lifetimes_name_a_missing_column():
    with pytest.raises(InputError, match=r"subscriptions table lacks column.*'mrr'"):
        customer_lifetimes(_subscriptions().drop(columns=["mrr"]), _accounts(), as_of=AS_OF)


def test_kaplan_meier_by_hand_with_groups_and_log_rank():
    """Group x: times 1, 2+, 3 -> S = 2/3 after 1, 0 after 3 (the 2 is censored).

    Group y: times 2, 4 -> S = 1/2 after 2, 0 after 4. Log-rank, observed minus expected
    churn of x and its variance at each churn time (at risk x, y):
    t=1 (3, 2): O-E = 1 - 3/5, V = 3*2*1*4 / (25*4) = 0.24;
    t=2 (2, 2): O-E = 0 - 1/2, V = 2*2*1*3 / (16*3) = 0.25;
    t=3 (1, 1): O-E = 1 - 1/2, V = 1/4;  t=4 (0, 1): nothing.
    chi2 = (0.4 - 0.5 + 0.5)^2 / 0.74 = 0.16 / 0.74 = 0.216216 on 1 degree of freedom.
    """
    life = pd.DataFrame({"duration": [1, 2, 3, 2, 4], "churned": [1, 0, 1, 1, 1],
                         "group": ["x", "x", "x", "y", "y"]})
    result = kaplan_meier(life, by="group")
    x = result.curves[result.curves["group"] == "x"].set_index("time")["survival"]
    assert x.loc[[0.0, 1.0, 2.0, 3.0]].tolist() == pytest.approx([1.0, 2 / 3, 2 / 3, 0.0])
    y = result.curves[result.curves["group"] == "y"].set_index("time")["survival"]
    assert y.loc[[0.0, 2.0, 4.0]].tolist() == pytest.approx([1.0, 0.5, 0.0])
    medians = result.medians.set_index("group")["median_lifetime"]
    assert medians.to_dict() == {"x": 3.0, "y": 2.0}
    assert result.logrank is not None
    assert result.logrank["degrees_of_freedom"] == 1
    assert result.logrank["test_statistic"] == pytest.approx(0.16 / 0.74, abs=1e-9)
    at_risk = result.curves[result.curves["group"] == "x"].set_index("time")["at_risk"]
    assert at_risk.loc[[1.0, 2.0, 3.0]].tolist() == [3, 2, 1]


def _exponential_lifetimes(n: int = 1500, seed: int = 1) -> pd.DataFrame:
    """Monthly hazard 0.10 on basic, 0.05 on pro (hazard ratio 0.5); sign-ups spread over
    24 months, so customers are censored at tenures from 0 to 24."""
    rng = np.random.default_rng(seed)
    plan = rng.choice(["basic", "pro"], n, p=[0.6, 0.4])
    rate = np.where(plan == "pro", 0.05, 0.10)
    t = rng.exponential(1 / rate)
    censor = rng.uniform(0, 24, n)
    return pd.DataFrame({"account_id": [f"a{i}" for i in range(n)],
                         "duration": np.minimum(t, censor), "churned": t < censor, "plan": plan,
                         "noise": rng.normal(size=n)})


def test_cox_recovers_a_planted_hazard_ratio():
    model = cox_hazards(_exponential_lifetimes(), covariates=["plan", "noise"])
    ratios = model.hazard_ratios.set_index("covariate")
    assert list(ratios.index) == ["plan=pro", "noise"]  # strongest first
    assert ratios.loc["plan=pro", "hazard_ratio"] == pytest.approx(0.5, rel=0.12)
    assert ratios.loc["plan=pro", "ci_low"] < 0.5 < ratios.loc["plan=pro", "ci_high"]
    assert ratios.loc["plan=pro", "p_value"] < 1e-6
    assert ratios.loc["noise", "p_value"] > 0.01
    assert 0.5 < model.concordance < 0.7


def test_cox_design_uses_the_most_common_level_as_reference():
    life = pd.DataFrame({"plan": ["a", "b", "b", "c", None], "x": [1, 2, 3, 4, 5]})
    design = cox_design(life, ["plan", "x"])
    assert list(design.columns) == ["plan=(missing)", "plan=a", "plan=c", "x"]
    assert design["plan=a"].tolist() == [1.0, 0.0, 0.0, 0.0, 0.0]


def test_expected_remaining_lifetime_by_hand_and_by_segment():
    """KM of all: S = 3/4 after 1 (d censored at 1.5), 3/8 after 2, 0 after 3.

    d has tenure 1.5: (0.75 * 0.5 + 0.375 * 1) / 0.75 = 1.0 month left before the horizon 3.
    """
    life = pd.DataFrame({"account_id": list("abcd"), "duration": [1.0, 2.0, 3.0, 1.5],
                         "churned": [True, True, True, False]})
    out = expected_remaining_lifetime(life)
    assert out["account_id"].tolist() == ["d"]
    assert out.iloc[0][["tenure", "survival_to_date", "expected_remaining", "horizon"]].tolist(
    ) == pytest.approx([1.5, 0.75, 1.0, 3.0])
    # A shorter horizon restricts the mean: from 1.5 to 2 only: 0.75 * 0.5 / 0.75.
    restricted = expected_remaining_lifetime(life, horizon=2.0)["expected_remaining"]
    assert restricted.tolist() == pytest.approx([0.5])
    # By plan: pro customers, with half the hazard, have more left at the same tenure.
    long = _exponential_lifetimes()
    by_plan = expected_remaining_lifetime(long, by="plan", horizon=24.0).merge(long[
        ["account_id", "plan"]], on="account_id")
    new = by_plan[by_plan["tenure"] < 3.0].groupby("plan")["expected_remaining"].mean()
    # Exponential lifetimes restricted to 24 months: E = (1 - exp(-rate * 24)) / rate for a
    # new customer: 9.09 months on basic, 13.98 on pro (the KM estimate is close).
    assert new["basic"] == pytest.approx((1 - np.exp(-2.4)) / 0.10, rel=0.15)
    assert new["pro"] == pytest.approx((1 - np.exp(-1.2)) / 0.05, rel=0.15)
    # Near the horizon almost nothing is left.
    old = by_plan[by_plan["tenure"] > 23.5]["expected_remaining"]
    assert (old < 0.5).all()


def test_negative_durations_are_refused_with_the_row():
    life = pd.DataFrame({"duration": [1.0, -2.0], "churned": [True, False]})
    with pytest.raises(InputError, match=r"negative 'duration' \(-2.0\) at row 1"):
        kaplan_meier(life)


def test_expected_remaining_lifetime_from_a_cox_model():
    """Each customer's own Cox curve: new pro customers (hazard 0.05) can expect about
    (1 - exp(-0.05 * 24)) / 0.05 = 13.98 months of the next 24, basic ones (0.10) 9.09."""
    life = _exponential_lifetimes()
    model = cox_hazards(life, covariates=["plan"])
    out = expected_remaining_lifetime(life, model=model, horizon=24.0).merge(
        life[["account_id", "plan"]], on="account_id")
    new = out[out["tenure"] < 3.0].groupby("plan")["expected_remaining"].mean()
    assert new["basic"] == pytest.approx((1 - np.exp(-2.4)) / 0.10, rel=0.1)
    assert new["pro"] == pytest.approx((1 - np.exp(-1.2)) / 0.05, rel=0.1)
    # Same tenure, same plan: the same expectation.
    same = out[out["plan"] == "pro"].sort_values("tenure").head(2)
    assert same["expected_remaining"].iloc[0] >= same["expected_remaining"].iloc[1]
