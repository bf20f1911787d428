"""Hypothesis properties of the analysis building blocks: invariants that hold for any input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tenure.analysis._stats import benjamini_hochberg, rank_biserial, wilson_interval
from tenure.analysis.cohorts import behavioural_cohorts, spaced_snapshots
from tenure.analysis.onboarding import onboarding_funnel
from tenure.analysis.survival import expected_remaining_lifetime, kaplan_meier

FAST = settings(max_examples=60, deadline=None)


@FAST
@given(st.integers(0, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_interval_brackets_the_rate_inside_0_1(kn):
    k, n = kn
    low, high = wilson_interval(k, n)
    if n == 0:
        assert np.isnan(low)
        assert np.isnan(high)
        return
    assert 0.0 <= float(low) <= k / n <= float(high) <= 1.0


@FAST
@given(st.lists(st.floats(0, 1), min_size=1, max_size=40))
def test_bh_q_values_are_at_least_p_and_keep_the_order(p):
    p = np.asarray(p)
    q = benjamini_hochberg(p)
    assert (q >= p - 1e-12).all()
    assert (q <= 1.0).all()
    order = np.argsort(p, kind="stable")
    assert (np.diff(q[order]) >= -1e-12).all()


@FAST
@given(st.lists(st.floats(-5, 5), min_size=1, max_size=30),
       st.lists(st.floats(-5, 5), min_size=1, max_size=30))
def test_rank_biserial_is_antisymmetric_and_bounded(x, y):
    e_xy, p_xy = rank_biserial(np.asarray(x), np.asarray(y))
    e_yx, p_yx = rank_biserial(np.asarray(y), np.asarray(x))
    assert -1.0 <= e_xy <= 1.0
    assert e_xy == pytest.approx(-e_yx, abs=1e-12)
    assert p_xy == p_yx


lifetimes = st.lists(
    st.tuples(st.floats(0, 48, allow_nan=False), st.booleans()), min_size=1, max_size=40
).map(lambda rows: pd.DataFrame({
    "account_id": [f"a{i}" for i in range(len(rows))],
    "duration": [r[0] for r in rows],
    "churned": [r[1] for r in rows],
}))


@FAST
@given(lifetimes)
def test_kaplan_meier_starts_at_one_and_never_rises(life):
    curve = kaplan_meier(life).curves
    assert curve["survival"].iloc[0] == 1.0 or life["duration"].min() == 0.0
    assert (np.diff(curve["survival"]) <= 1e-12).all()
    assert ((curve["ci_low"] <= curve["survival"] + 1e-12)
            | curve["ci_low"].isna()).all()


@FAST
@given(lifetimes)
def test_remaining_lifetime_stays_inside_the_horizon(life):
    out = expected_remaining_lifetime(life)
    assert len(out) == int((~life["churned"]).sum())
    assert (out["expected_remaining"] >= -1e-9).all()
    assert (out["tenure"] + out["expected_remaining"] <= out["horizon"] + 1e-9).all()


@FAST
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 200), st.booleans()),
                min_size=1, max_size=60), st.integers(1, 60))
def test_spaced_snapshots_keep_the_first_and_respect_the_gap(rows, gap):
    frame = pd.DataFrame({
        "account_id": [f"a{r[0]}" for r in rows],
        "as_of_date": pd.Timestamp("2024-01-01") + pd.to_timedelta([r[1] for r in rows], "D"),
        "churned_30d": [r[2] for r in rows],
    })
    spaced = spaced_snapshots(frame, min_gap_days=gap)
    assert set(spaced["account_id"]) == set(frame["account_id"])
    for account, g in spaced.groupby("account_id"):
        days = g["as_of_date"].sort_values()
        assert days.iloc[0] == frame.loc[frame["account_id"] == account, "as_of_date"].min()
        assert (days.diff().dropna().dt.days >= gap).all()


@FAST
@given(st.lists(st.tuples(st.floats(0, 50), st.booleans()), min_size=2, max_size=60))
def test_deciles_partition_the_snapshots(rows):
    frame = pd.DataFrame({"m": [r[0] for r in rows], "churned_30d": [r[1] for r in rows]})
    out = behavioural_cohorts(frame, measures=["m"])
    assert out["observations"].sum() == len(frame)
    assert out["churned"].sum() == frame["churned_30d"].sum()
    bins = out.dropna(subset=["decile"]).sort_values("decile")
    assert (bins["lower"].iloc[1:].to_numpy() > bins["upper"].iloc[:-1].to_numpy()).all()


@FAST
@given(st.lists(st.tuples(*[st.one_of(st.none(), st.floats(0, 60))] * 3), min_size=1,
                max_size=40))
def test_sequential_funnel_never_grows(rows):
    times = pd.DataFrame(rows, columns=["days_to_a", "days_to_b", "days_to_c"], dtype=float)
    funnel = onboarding_funnel(times, milestones=["a", "b", "c"])
    reached = funnel["reached_all_so_far"].tolist()
    assert reached == sorted(reached, reverse=True)
    assert (funnel["reached_all_so_far"] <= funnel["reached"]).all()
    assert funnel["stuck"].iloc[0] == len(times) - funnel["reached"].iloc[0]
