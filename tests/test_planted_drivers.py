"""Acceptance test of issue 3: the churn drivers planted in the demo business come out on top.

The simulator (``docs/simulator.md``, "The planted drivers") sets each paying account's monthly
hazard of deciding to leave from its recent usage intensity (-0.9), last month's seat
utilisation (-1.5), the features used so far (-0.15 each), onboarding (-0.5), urgent tickets
(+0.5 each) and low ratings (+0.9) in the last 90 days, retail and hospitality (+0.6, +0.8),
paid_social (+0.9) and the plan; the decision starts 45-120 days of falling usage before the
cancellation request. Size band, owner, country, every other industry and every other channel
have no effect at all.

Root causes are measured **ahead of the decision** (:func:`tenure.analysis.ahead.churn_ahead`):
which accounts decide to leave 30 to 120 days after each as-of date, among those that have not
decided by then. Churn within 30 days of the as-of date is mostly the symptom: the fall in use
after the decision absorbs its causes (measured for seeds 1 and 2 at 6,000 accounts: ticket volume
comes out at x0.85-0.93 per halving there, against x0.77-0.80 ahead, and hospitality at x1.2-1.7
against x1.6-1.9), so at 30 days only the usage deciles are checked here.

Here Tenure's own analysis (:func:`tenure.analysis.analyze_churn`), on 6,000 simulated accounts
over 36 months, must find for two seeds, without being told:

* engagement (the representative of the correlated usage group: events, active days,
  breadth...), seat utilisation, support pain (``tickets_90d``: the planted pain raises ticket
  volume, urgency and low ratings together, and volume, the most frequent of the three, is the
  one the regression keeps significant) and onboarding, each significant in the planted
  direction and each outranking every attribute level with no planted effect;
* ``paid_social``, ``retail`` and ``hospitality`` churning more (odds ratio interval above 1)
  and ranking above every industry or channel without a planted effect that the regression puts
  on the riskier side; ``paid_social`` flagged by the segment test after FDR too;
* no industry or channel without a planted effect flagged by the segment test as churning more.

Why 6,000 accounts (``bench/planted_power.py``, a power study over seeds with 50 bootstrap
resamples): hospitality is 7% of accounts, and at 3,000 accounts (about 210 hospitality accounts)
the regression's interval for it was above 1 for 8 of 10 seeds (1-10; not for 2 and 10, x1.2
and x1.4). At 6,000 accounts the intervals of all three planted levels were above 1 for each of
the 10 seeds tried (1-8, 10, 11), hospitality at x1.4-2.0.

Not asserted, with measured values (seeds 1 and 2):

* urgent tickets and low ratings each on their own: next to ticket volume their intervals span 1
  (urgent tickets x0.86 per halving, interval reaching 1.00-1.01), as the regression splits one
  planted cause between three correlated measures.
* every no-effect level of other attributes: the segment test flags small size bands (they churn
  more through their plan).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tenure.analysis import analyze_churn
from tenure.analysis.ahead import ahead_outcome, churn_ahead
from tenure.analysis.cohorts import behavioural_cohorts, spaced_snapshots
from tenure.models.training_set import training_set
from tenure.simulate import simulate
from tenure.warehouse import Warehouse
from tenure.warehouse.load import load_directory

#: Each seed: simulate, load and build weekly measures, then analyse.
pytestmark = pytest.mark.slow

#: Enough for the smallest planted segment: hospitality is 7% of accounts (see the docstring).
ACCOUNTS = 6000
LEAD_DAYS, WINDOW_DAYS = 30, 90
OUTCOME = ahead_outcome(LEAD_DAYS, WINDOW_DAYS)

#: Measures built from product usage: the regression keeps one of the correlated ones
#: (events, active days, breadth, days since last activity...) for the engagement group.
USAGE_MEASURES = {
    "events_28d", "logins_28d", "dashboard_views_28d", "reports_28d", "active_days_28d",
    "active_users_28d", "feature_breadth_28d", "days_since_last_activity",
}
SEAT_UTILISATION = "seat_utilisation_28d"
SUPPORT_PAIN = "tickets_90d"
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
def frame(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """The weekly training set of 3,000 simulated accounts over 36 months, notice periods kept."""
    folder = tmp_path_factory.mktemp(f"planted_seed{request.param}")
    simulate(folder / "data", accounts=ACCOUNTS, months=36, seed=request.param, event_scale=0.1)
    with Warehouse(folder / "warehouse.duckdb") as wh:
        load_directory(wh, folder / "data")
        return training_set(wh, horizons=(30, LEAD_DAYS + WINDOW_DAYS),
                            exclude_pending_cancellations=False)


@pytest.fixture(scope="module")
def ahead(frame: pd.DataFrame):
    """Churn 30-120 days ahead of each snapshot, among accounts undecided by day 30."""
    rows = churn_ahead(frame, lead_days=LEAD_DAYS, horizon_days=WINDOW_DAYS)
    return analyze_churn(rows, outcome=OUTCOME, n_bootstrap=100, random_state=0)


def _effect(analysis, feature: str) -> pd.Series:
    return analysis.effects.set_index("feature").loc[feature]


def _engagement(analysis) -> pd.Series:
    """The usage-group representative the regression kept (the group names the others)."""
    effects = analysis.effects
    kept = effects[effects["feature"].isin(USAGE_MEASURES)].sort_values("rank")
    assert not kept.empty, effects.head(10).to_string()
    return kept.iloc[0]


def _lowers_churn(row: pd.Series) -> bool:
    """Significant and in the "more of it, less churn" direction, whatever the reading scale.

    A ``log2`` measure reports the odds ratio of one *halving*: above 1 means more of the measure
    lowers churn.
    """
    if row["kind"] == "log2":
        return row["ci_low"] > 1
    return row["ci_high"] < 1


def _raises_churn(row: pd.Series) -> bool:
    if row["kind"] == "log2":
        return row["ci_high"] < 1
    return row["ci_low"] > 1


def test_enough_decisions_for_the_question(ahead):
    decided = round(ahead.observations * ahead.churn_rate)
    assert decided > 400
    # About 3-4% of customers a month decide: roughly 10% within a 90-day window.
    assert 0.06 < ahead.churn_rate < 0.15


def test_engagement_and_seat_utilisation_lower_churn(ahead):
    engagement = _engagement(ahead)
    assert _lowers_churn(engagement), engagement["sentence"]
    # The group holds the other usage measures, breadth (planted too) among them.
    members = {engagement["feature"], *str(engagement["group"]).split(", ")}
    assert {"active_days_28d", "feature_breadth_28d"} <= members, engagement.to_dict()
    seats = _effect(ahead, SEAT_UTILISATION)
    assert _lowers_churn(seats), seats["sentence"]


def test_support_pain_raises_churn(ahead):
    row = _effect(ahead, SUPPORT_PAIN)
    assert _raises_churn(row), row["sentence"]


def test_onboarding_lowers_churn(ahead):
    row = _effect(ahead, ONBOARDING)
    assert row["odds_ratio"] < 1, row["sentence"]
    assert row["ci_high"] < 1, row["sentence"]


def test_planted_measures_outrank_every_level_without_a_planted_effect(ahead):
    effects = ahead.effects
    nulls = effects[effects["feature"].map(_has_no_planted_effect)]
    assert len(nulls) >= 10  # sizes, industries and channels are all in the model
    strongest_null = nulls["importance"].max()
    planted = [_engagement(ahead)["feature"], SEAT_UTILISATION, SUPPORT_PAIN, ONBOARDING]
    importance = effects.set_index("feature").loc[planted, "importance"]
    assert (importance > strongest_null).all(), (importance, nulls.head(3))


def test_paid_social_churns_more_in_the_regression_and_the_segment_test(ahead):
    row = _effect(ahead, "channel=paid_social")
    assert row["ci_low"] > 1, row["sentence"]
    level = ahead.segments.levels.set_index(["attribute", "level"]).loc[("channel", "paid_social")]
    assert level["rate_ratio"] > 1, level.to_dict()
    assert level["significant"], level.to_dict()  # q < 0.05 after FDR


PLANTED_LEVELS = ["industry=retail", "industry=hospitality", "channel=paid_social"]


def test_planted_industries_churn_more(ahead):
    for feature in ("industry=retail", "industry=hospitality"):
        row = _effect(ahead, feature)
        assert row["ci_low"] > 1, row["sentence"]


def test_planted_levels_outrank_every_riskier_looking_level_without_a_planted_effect(ahead):
    """Retail, hospitality and paid_social come before any null industry or channel that the
    regression puts on the riskier side (a null level may rank high on the safer side: sales-led
    and partner deals are more engaged)."""
    effects = ahead.effects
    levels = effects[effects["feature"].str.startswith(("industry=", "channel="))]
    riskier_nulls = levels[levels["feature"].map(_has_no_planted_effect)
                           & (levels["odds_ratio"] > 1)]
    planted = effects.set_index("feature").loc[PLANTED_LEVELS, "rank"]
    assert (planted < riskier_nulls["rank"].min()).all(), (planted, riskier_nulls.head(3))


def test_no_industry_or_channel_without_a_planted_effect_is_flagged_as_churning_more(ahead):
    """The segment test (FDR over every level) flags no false riskier industry or channel.

    Lower churn may be flagged for a level with no planted effect (sales-led or partner deals
    are more engaged, so they churn less through usage).
    """
    levels = ahead.segments.levels
    levels = levels[levels["attribute"].isin(["industry", "channel"])]
    riskier = levels[levels["significant"] & (levels["rate_ratio"] > 1)]
    features = riskier["attribute"] + "=" + riskier["level"].astype(str)
    assert not features.map(_has_no_planted_effect).any(), riskier.to_string()


def test_lowest_usage_decile_churns_more_within_30_days(frame):
    """The symptom, one measure at a time: low use just before churn."""
    rows = spaced_snapshots(frame, min_gap_days=30)
    cohorts = behavioural_cohorts(rows, outcome="churned_30d",
                                  measures=["active_days_28d", SEAT_UTILISATION])
    cohorts = cohorts.dropna(subset=["decile"])
    for measure, deciles in cohorts.groupby("measure"):
        deciles = deciles.sort_values("decile")
        lowest, highest = deciles.iloc[0], deciles.iloc[-1]
        assert lowest["ci_low"] > highest["ci_high"], (measure, deciles.to_string())


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
    assert rows["urgent tickets, last 90 days (capped at 3)"] == "+0.5 each"
    assert rows["any rating 1-2, last 90 days"] == "+0.9"
