"""Behavioural deciles and segment tests: hand-worked intervals and a planted industry."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tenure.analysis._stats import benjamini_hochberg, wilson_interval
from tenure.analysis.cohorts import (
    behavioural_cohorts,
    decile_slope,
    measure_columns,
    spaced_snapshots,
)
from tenure.analysis.segments import segment_churn
from tenure.errors import InputError


def test_wilson_interval_matches_the_published_worked_example():
    """Newcombe (1998), Statistics in Medicine 17, table I: 81/263 -> 0.2553 to 0.3662."""
    low, high = wilson_interval(81, 263)
    assert float(low) == pytest.approx(0.2553, abs=1e-4)
    assert float(high) == pytest.approx(0.3662, abs=1e-4)
    # Zero successes: the interval starts at 0 and is not degenerate (1/ (1 + n / z^2)).
    low, high = wilson_interval(0, 10)
    assert float(low) == 0.0
    assert float(high) == pytest.approx(0.2775, abs=1e-4)


def test_benjamini_hochberg_by_hand():
    # p sorted: 0.01, 0.02, 0.03, 0.5 with m = 4 -> 0.04, 0.04, 0.04, 0.5 (step-up minimum).
    q = benjamini_hochberg([0.5, 0.03, 0.01, 0.02, np.nan])
    assert q[:4].tolist() == pytest.approx([0.5, 0.04, 0.04, 0.04])
    assert np.isnan(q[4])


def test_deciles_on_a_hand_worked_example():
    # 20 snapshots, values 1..20: each decile holds two. Churned: both of decile 1, one of
    # decile 2, none above.
    frame = pd.DataFrame({
        "account_id": [f"a{i}" for i in range(20)],
        "logins_28d": np.arange(1.0, 21.0),
        "churned_30d": [True, True, True] + [False] * 17,
    })
    out = behavioural_cohorts(frame, outcome="churned_30d")
    assert out["decile"].tolist() == list(range(1, 11))
    assert out["observations"].tolist() == [2] * 10
    assert out["churned"].tolist() == [2, 1] + [0] * 8
    assert out["churn_rate"].tolist()[:3] == [1.0, 0.5, 0.0]
    assert out.loc[0, ["lower", "upper"]].tolist() == [1.0, 2.0]
    # Wilson 1/2 with z = 1.959964: centre 0.5, half-width z/(1+z^2/2) * sqrt(1/8 + z^2/16)
    # = 0.671055 * 0.604228 = 0.405469.
    assert out.loc[1, "ci_low"] == pytest.approx(0.094531, abs=1e-6)
    assert out.loc[1, "ci_high"] == pytest.approx(0.905469, abs=1e-6)
    # Wilson 2/2: lower bound 1 / (1 + z^2/2) = 0.342380.
    assert out.loc[0, "ci_low"] == pytest.approx(0.342380, abs=1e-6)
    assert out.loc[0, "ci_high"] == 1.0
    slope = decile_slope(out)
    assert slope.loc[0, "spread"] == pytest.approx(1.0)


def test_ties_never_straddle_a_decile_and_missing_values_get_their_own_row():
    frame = pd.DataFrame({
        "tickets_open": [0.0] * 10 + list(range(1, 11)) + [np.nan, np.nan],
        "churned_30d": [False] * 10 + [True] * 10 + [True, False],
    })
    out = behavioural_cohorts(frame, measures=["tickets_open"])
    zeros = out[out["lower"] == 0.0]
    assert len(zeros) == 1
    assert zeros["upper"].iloc[0] == 0.0
    assert zeros["observations"].iloc[0] == 10
    missing = out[out["decile"].isna()]
    assert missing[["observations", "churned"]].values.tolist() == [[2, 1]]
    assert out["observations"].sum() == 22


def test_measure_columns_skip_ids_outcomes_and_attributes():
    frame = pd.DataFrame({
        "account_id": ["a"], "as_of_date": [pd.Timestamp("2024-01-01")], "mrr": [10.0],
        "plan": ["pro"], "churned_30d": [False], "expanded_90d": [True], "nps_score": [7.0],
    })
    assert measure_columns(frame) == ["mrr", "nps_score"]


def test_an_outcome_with_missing_values_is_refused_with_the_fix():
    frame = pd.DataFrame({"x": [1.0, 2.0], "churned_30d": [True, None]})
    with pytest.raises(InputError, match=r"churned_30d.*not yet known"):
        behavioural_cohorts(frame)
    with pytest.raises(InputError, match="churned_90d"):
        behavioural_cohorts(frame.dropna(), outcome="churned_90d")


def _planted_industries(seed: int = 7) -> pd.DataFrame:
    """3,000 snapshots over 12 industries: 'mining' churns at 30%, every other at 10%."""
    rng = np.random.default_rng(seed)
    industries = np.array([f"industry_{i:02d}" for i in range(11)] + ["mining"])
    industry = rng.choice(industries, 3000)
    rate = np.where(industry == "mining", 0.30, 0.10)
    return pd.DataFrame({
        "industry": industry,
        "owner": rng.choice(["Ana", "Ben", "Dev", "Emma"], 3000),
        "churned_30d": rng.random(3000) < rate,
    })


def test_segment_test_flags_the_planted_industry_and_no_other():
    result = segment_churn(_planted_industries(), attributes=["industry", "owner"])
    flagged = result.flagged()
    assert flagged[["attribute", "level"]].values.tolist() == [["industry", "mining"]]
    assert flagged["rate_ratio"].iloc[0] > 2
    attrs = result.attributes.set_index("attribute")
    assert bool(attrs.loc["industry", "significant"])
    assert not bool(attrs.loc["owner", "significant"])
    assert attrs.loc["industry", "dof"] == 11
    # Every level is reported, with its interval around its rate.
    levels = result.levels
    assert len(levels) == 12 + 4
    assert ((levels["ci_low"] <= levels["churn_rate"])
            & (levels["churn_rate"] <= levels["ci_high"])).all()


def test_segment_levels_by_hand_and_missing_attribute_values():
    frame = pd.DataFrame({
        "plan": ["basic"] * 4 + ["pro"] * 4 + [None] * 2,
        "churned_30d": [True, True, True, False, False, False, False, True, True, False],
    })
    levels = segment_churn(frame, attributes=["plan"]).levels.set_index("level")
    assert levels.loc["basic", ["observations", "churned"]].tolist() == [4, 3]
    assert levels.loc["basic", "rest_churn_rate"] == pytest.approx(2 / 6)
    assert levels.loc["basic", "rate_ratio"] == pytest.approx(0.75 / (2 / 6))
    assert levels.loc["(missing)", "observations"] == 2
    # Fisher exact, basic vs rest [[3, 1], [2, 4]]: two-sided p = 0.5238 (scipy, R fisher.test).
    assert levels.loc["basic", "p_value"] == pytest.approx(0.5238095, abs=1e-6)


def test_spaced_snapshots_make_outcome_windows_disjoint():
    """Weekly snapshots (days 0, 7, ... 56) of one account that churns on day 60: with a 30-day
    window the churn shows at four snapshots (days 35, 42, 49, 56). Spaced by 30 days, day 0
    is kept, then the first snapshot at least 30 days later (day 35): the churn counts once."""
    days = np.arange(0, 57, 7)
    frame = pd.DataFrame({
        "account_id": "a",
        "as_of_date": pd.Timestamp("2024-01-01") + pd.to_timedelta(days, unit="D"),
        "churned_30d": 60 - days <= 30,
    })
    spaced = spaced_snapshots(frame, min_gap_days=30)
    kept = (spaced["as_of_date"] - pd.Timestamp("2024-01-01")).dt.days.tolist()
    assert kept == [0, 35]
    assert spaced["churned_30d"].tolist() == [False, True]
    assert frame["churned_30d"].sum() == 4
