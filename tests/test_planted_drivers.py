"""Acceptance test of issue 3: the churn drivers planted in the demo business come out on top.

The simulator (``docs/simulator.md``, "The planted drivers") sets each paying account's monthly
hazard of starting to disengage from its recent usage intensity (-0.9), last month's seat
utilisation (-1.5), the features used so far (-0.15 each), onboarding, urgent tickets and low
ratings, a few industries and one channel; the cancellation request follows 45-120 days of
falling usage. Size band, owner, country, every other industry and every other channel have no
effect at all. Here Tenure's own analysis (:func:`tenure.analysis.analyze_churn` on the
point-in-time training set, 30-day churn, pending cancellations kept) must find, for two seeds,
without being told:

* the usage drivers first: engagement (``active_days_28d``, which the regression reports as the
  representative of the correlated usage group that also holds ``feature_breadth_28d``) and seat
  utilisation are the two strongest effects, lower churn (odds ratio below 1 with a bootstrap
  interval that excludes 1) and each outranks every attribute level with no planted effect;
* the same direction one measure at a time: the lowest decile of each churns more often than the
  highest, with disjoint Wilson intervals;
* onboarding (``onboarded_30d``: ``integration_setup`` and ``invite_user`` within 30 days of
  sign-up, the simulator's rule) lowers churn, with a bootstrap interval below 1 (estimated
  about x0.71-0.73 against the planted x0.61; only direction and significance are asserted);
* ``paid_social`` churns more: odds ratio above 1 with an interval above 1 in the regression
  (about x1.5-1.7), and flagged by the segment test after FDR (rate ratio about x1.45, q about
  0.03-0.04);
* no industry or channel without a planted effect is flagged by the segment test as churning
  more (``outbound_sales`` may be flagged as churning less: sales-led deals are more engaged).

Not asserted, because the analysis cannot find them at 2,000 accounts (measured for seeds 1
and 2, 30-day churn, about 11,000 spaced snapshots and 380 churns each):

* support pain. ``urgent_tickets_90d`` comes out with an odds ratio of about 0.63 (seed 1
  interval 0.37-1.16, seed 2 0.33-0.96), the wrong way round, and ``low_ratings_90d`` at about 1.1
  (intervals 0.41-1.76 and 0.63-2.61). Accounts with a low rating in the last 90 days do churn
  more often (4.1% vs 3.0% and 4.6% vs 3.2% of snapshots), but too few have one (about 1,000
  snapshots) for a significant effect next to usage, and the tickets that raised the hazard lie
  before the 45-120 days of disengagement, mostly outside a 90-day window at the as-of date.
  Windows of 180 or 365 days do not make either significant for both seeds.
* retail and hospitality. For seed 1 the regression finds both (odds ratios about 1.9 and 2.5,
  intervals above 1); for seed 2 neither (0.90 and 1.00), and the segment test flags neither for
  either seed (retail q 0.08 for seed 1).
* every no-effect level of other attributes: the segment test flags small size bands (through
  their plan) and, for seed 2, one CS owner (q 0.04), as it treats the spaced snapshots of an
  account as independent observations.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tenure.analysis import analyze_churn
from tenure.models.training_set import training_set
from tenure.simulate import simulate
from tenure.warehouse import Warehouse
from tenure.warehouse.load import load_directory

#: Each seed: simulate, load and build weekly measures (~8 s of CPU), then analyse (~3 s).
pytestmark = pytest.mark.slow

#: Planted usage drivers and the measure that stands for each in the built-in set.
USAGE_DRIVERS = ("active_days_28d", "seat_utilisation_28d")
#: The built-in measure of the planted onboarding milestones.
ONBOARDING = "onboarded_30d"

#: Attribute levels with no planted churn effect (docs/simulator.md, churn table): every size
#: band, every industry but retail and hospitality, every channel but paid_social.
NO_EFFECT_LEVELS = {
    "size": None,
    "industry": {"retail", "hospitality"},
    "channel": {"paid_social"},
}


def _has_no_planted_effect(feature: str) -> bool:
    attribute, _, level = feature.partition("=")
    if attribute not in NO_EFFECT_LEVELS or not level:
        return False
    planted = NO_EFFECT_LEVELS[attribute]
    return planted is None or level not in planted


@pytest.fixture(scope="module", params=[1, 2], ids=lambda s: f"seed{s}")
def analysis(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """The churn analysis of 2,000 simulated accounts over 36 months (about 400 churns)."""
    folder = tmp_path_factory.mktemp(f"planted_seed{request.param}")
    simulate(folder / "data", accounts=2000, months=36, seed=request.param, event_scale=0.1)
    with Warehouse(folder / "warehouse.duckdb") as wh:
        load_directory(wh, folder / "data")
        # Drivers of churn as the simulator plants them, notice periods included: rows of
        # accounts that have already asked to cancel stay in (the models leave them out).
        frame = training_set(wh, horizons=(30,), exclude_pending_cancellations=False)
    return analyze_churn(frame, outcome="churned_30d", n_bootstrap=100, random_state=0)


def test_enough_churn_for_the_question(analysis):
    churned = round(analysis.observations * analysis.churn_rate)
    assert churned > 300
    # The simulator plants "about 3-4% of customers a month".
    assert 0.02 < analysis.churn_rate < 0.06


def test_usage_drivers_are_the_two_strongest_effects_and_lower_churn(analysis):
    effects = analysis.effects.set_index("feature")
    top_two = analysis.effects.sort_values("rank")["feature"].head(2)
    assert set(top_two) == set(USAGE_DRIVERS), analysis.effects.head(5).to_string()
    for driver in USAGE_DRIVERS:
        row = effects.loc[driver]
        assert row["odds_ratio"] < 1, row["sentence"]
        assert row["ci_high"] < 1, row["sentence"]  # significant, in the planted direction
    # Feature breadth is planted too; the regression keeps one member of the correlated usage
    # group and names the others, so breadth is spoken for by the engagement effect.
    group = effects.loc["active_days_28d", "group"].split(", ")
    assert "feature_breadth_28d" in group


def test_usage_drivers_outrank_every_level_without_a_planted_effect(analysis):
    effects = analysis.effects
    nulls = effects[effects["feature"].map(_has_no_planted_effect)]
    assert len(nulls) >= 10  # sizes, industries and channels are all in the model
    strongest_null = nulls["importance"].max()
    drivers = effects.set_index("feature").loc[list(USAGE_DRIVERS), "importance"]
    assert (drivers > strongest_null).all(), (drivers, nulls.head(3))


def test_onboarding_lowers_churn(analysis):
    row = analysis.effects.set_index("feature").loc[ONBOARDING]
    assert row["odds_ratio"] < 1, row["sentence"]
    assert row["ci_high"] < 1, row["sentence"]  # significant, in the planted direction


def test_paid_social_churns_more_in_the_regression_and_the_segment_test(analysis):
    row = analysis.effects.set_index("feature").loc["channel=paid_social"]
    assert row["odds_ratio"] > 1, row["sentence"]
    assert row["ci_low"] > 1, row["sentence"]  # significant, in the planted direction
    levels = analysis.segments.levels.set_index(["attribute", "level"])
    level = levels.loc[("channel", "paid_social")]
    assert level["rate_ratio"] > 1, levels.loc["channel"].to_string()
    assert level["significant"], levels.loc["channel"].to_string()  # q < 0.05 after FDR


def test_no_industry_or_channel_without_a_planted_effect_is_flagged_as_churning_more(analysis):
    """The segment test (FDR over every level) flags no false riskier industry or channel.

    Lower churn may be flagged for a level with no planted effect: sales-led deals
    (``outbound_sales``) are bigger and more engaged, so they churn less through usage. Other
    attributes are left out on purpose, see the module docstring: small size bands churn more
    through their plan, and for seed 2 one CS owner is flagged (q 0.04) although owners have no
    effect, as the test counts each account's spaced snapshots as independent rows.
    """
    levels = analysis.segments.levels
    levels = levels[levels["attribute"].isin(["industry", "channel"])]
    riskier = levels[levels["significant"] & (levels["rate_ratio"] > 1)]
    features = riskier["attribute"] + "=" + riskier["level"].astype(str)
    assert not features.map(_has_no_planted_effect).any(), riskier.to_string()


def test_lowest_usage_decile_churns_more_than_the_highest(analysis):
    cohorts = analysis.cohorts.dropna(subset=["decile"])
    for driver in USAGE_DRIVERS:
        deciles = cohorts[cohorts["measure"] == driver].sort_values("decile")
        lowest, highest = deciles.iloc[0], deciles.iloc[-1]
        assert lowest["churn_rate"] > highest["churn_rate"], deciles.to_string()
        assert lowest["ci_low"] > highest["ci_high"], deciles.to_string()


def test_planted_drivers_are_documented_as_such():
    """The drivers asserted above are those the simulator's docs plant, with their signs."""
    text = (Path(__file__).resolve().parents[1] / "docs" / "simulator.md").read_text()
    churn_table = text.split("### Churn")[1].split("###")[0]
    rows = {line.split("|")[1].strip(): line.split("|")[2].strip()
            for line in churn_table.splitlines() if line.startswith("| ")}
    assert rows["`ell_recent`"] == "-0.9"
    assert rows["`util - 0.6`"] == "-1.5"
    assert rows["`breadth - 5`"] == "-0.15"
    assert rows["onboarded (both milestones within 30 days)"] == "-0.5"
