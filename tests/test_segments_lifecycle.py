"""Lifecycle stages on a hand-made business, as of Monday 2024-07-01 (defaults: onboarding 90
days, renewal window 90 days, cancelled accounts kept 90 days; at risk from 0.5, set here, where
the default is 0.2).

Days below count back from the as-of date ``d``; "paid for n days" is ``d - first paid day``.

* ``G1`` monthly since 2023-01-01, onboarded: growing.
* ``N1`` monthly since 2024-05-15 (47 days), not onboarded: new. ``N2`` since 2024-06-01, already
  onboarded: growing. ``N3`` since 2024-04-02 (90 days, the last new day): new; ``N4`` since
  2024-04-01 (91 days): growing.
* ``R1`` annual since 2023-09-15: term ends 2024-09-15, 76 days away: renewal. ``R2`` annual since
  2023-09-29: term ends 2024-09-29 = d + 90, outside [d, d + 90): growing. ``R3`` annual since
  2022-09-28: its second term ends 2024-09-28 (89 days): renewal. ``R4`` quarterly since
  2024-01-31 (onboarded): terms end 2024-04-30 and 2024-07-31 (clipped, counted from the start):
  renewal. ``R5`` monthly line with an end date 2024-07-15: monthly lines never renew.
* ``C1`` asked to cancel on 2024-06-20, service to 2024-07-20, score 0.9: cancelled (not at
  risk). ``C2`` service ended 2024-05-01 (61 days ago): cancelled, out of service. ``C3`` ended
  2024-03-01 (122 days ago): left out. ``C4`` request only in the cancellations table
  (2024-06-25): cancelled. ``C5`` asked on 2023-03-01, left 2023-04-01, back on 2023-08-01: the old
  request does not count: growing. ``C6`` asks on d itself: not known yet: growing.
* ``A1`` score 0.7: at risk; ``A2`` score 0.5 (at the threshold): at risk; ``A3`` 0.49: growing;
  ``A4`` health red: at risk; ``A5`` health yellow: growing; ``A6`` scored 0.1 on 2024-06-24 and
  0.9 on 2024-07-08 (the future): growing.
* ``P1`` new (since 2024-06-10, not onboarded) and quarterly (term ends 2024-09-10): new beats
  renewal. ``P2`` new with score 0.8: at risk beats new. ``P3`` renewal (R1's dates), red: at risk.
* ``T1`` on a trial only: not a customer.
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pyarrow as pa
import pytest

from tenure.config import RevenueDefinitions, SegmentSettings
from tenure.errors import ConfigError, InputError, WarehouseError
from tenure.segments import ACTIVITY, LifecycleStage, ProviderActivity, lifecycle_stages
from tenure.segments.customers import term_end
from tenure.warehouse import Warehouse
from test_tables_support import subscriptions_from

D = date(2024, 7, 1)
OLD = date(2023, 1, 1)

# account, mrr, billing months, start, end, cancelled_at, trial, onboarded
LINES = [
    ("G1", "39.00", 1, OLD, None, None, False, 1),
    ("N1", "39.00", 1, date(2024, 5, 15), None, None, False, 0),
    ("N2", "39.00", 1, date(2024, 6, 1), None, None, False, 1),
    ("N3", "39.00", 1, date(2024, 4, 2), None, None, False, 0),
    ("N4", "39.00", 1, date(2024, 4, 1), None, None, False, 0),
    ("R1", "32.96", 12, date(2023, 9, 15), None, None, False, 1),
    ("R2", "32.96", 12, date(2023, 9, 29), None, None, False, 1),
    ("R3", "32.96", 12, date(2022, 9, 28), None, None, False, 1),
    ("R4", "35.00", 3, date(2024, 1, 31), None, None, False, 1),
    ("R5", "39.00", 1, OLD, date(2024, 7, 15), None, False, 1),
    ("C1", "39.00", 1, OLD, date(2024, 7, 20), date(2024, 6, 20), False, 1),
    ("C2", "39.00", 1, OLD, date(2024, 5, 1), date(2024, 4, 10), False, None),
    ("C3", "39.00", 1, OLD, date(2024, 3, 1), date(2024, 2, 10), False, None),
    ("C4", "39.00", 1, OLD, None, None, False, 1),
    ("C5", "39.00", 1, OLD, date(2023, 4, 1), date(2023, 3, 1), False, 1),
    ("C5", "39.00", 1, date(2023, 8, 1), None, None, False, None),
    ("C6", "39.00", 1, OLD, date(2024, 8, 1), D, False, 1),
    ("A1", "39.00", 1, OLD, None, None, False, 1),
    ("A2", "39.00", 1, OLD, None, None, False, 1),
    ("A3", "39.00", 1, OLD, None, None, False, 1),
    ("A4", "39.00", 1, OLD, None, None, False, 1),
    ("A5", "39.00", 1, OLD, None, None, False, 1),
    ("A6", "39.00", 1, OLD, None, None, False, 1),
    ("P1", "35.00", 3, date(2024, 6, 10), None, None, False, 0),
    ("P2", "39.00", 1, date(2024, 6, 10), None, None, False, 0),
    ("P3", "32.96", 12, date(2023, 9, 15), None, None, False, 1),
    ("T1", "0.00", 1, date(2024, 6, 20), date(2024, 7, 4), None, True, 0),
]

EXPECTED = {
    "G1": "growing", "N1": "new", "N2": "growing", "N3": "new", "N4": "growing",
    "R1": "renewal", "R2": "growing", "R3": "renewal", "R4": "renewal", "R5": "growing",
    "C1": "cancelled", "C2": "cancelled", "C4": "cancelled", "C5": "growing", "C6": "growing",
    "A1": "at_risk", "A2": "at_risk", "A3": "growing", "A4": "at_risk", "A5": "growing",
    "A6": "growing", "P1": "new", "P2": "at_risk", "P3": "at_risk",
}

SCORES = pd.DataFrame(
    [("C1", D, 0.9), ("A1", D, 0.7), ("A2", D, 0.5), ("A3", D, 0.49),
     ("A6", date(2024, 6, 24), 0.1), ("A6", date(2024, 7, 8), 0.9), ("P2", D, 0.8)],
    columns=["account_id", "as_of_date", "churn_risk"],
)
HEALTH = pd.DataFrame({"account_id": ["A4", "A5", "P3"], "colour": ["red", "yellow", "red"]})


def _tables() -> dict[str, pa.Table]:
    subscriptions = subscriptions_from(LINES)
    cancellations = pa.table(
        {
            "account_id": ["C4", "C3"],
            "cancelled_at": pa.array([date(2024, 6, 25), date(2024, 2, 10)], type=pa.date32()),
        }
    )
    events = pa.table(
        {
            "account_id": ["N1", "N1", "N3", "G1"],
            "user_id": ["u1", "u1", "u2", "u3"],
            "event_name": ["integration_setup", "invite_user", "integration_setup", "login"],
            "occurred_at": pa.array(
                [datetime(2024, 5, 20), datetime(2024, 6, 30, 23, 59), datetime(2024, 7, 1),
                 datetime(2024, 6, 1)], type=pa.timestamp("us"),
            ),
        }
    )
    return {"subscriptions": subscriptions, "cancellations": cancellations, "events": events}


def _measures() -> pd.DataFrame:
    onboarded = {r[0]: r[7] for r in LINES if r[7] is not None}
    return pd.DataFrame(
        {"account_id": list(onboarded), "as_of_date": D, "onboarded_30d": list(onboarded.values())}
    )


@pytest.fixture
def business(warehouse: Warehouse) -> Warehouse:
    warehouse.replace_tables(_tables())
    return warehouse


def _stages(out: pd.DataFrame) -> dict[str, str]:
    return {a: str(s) for a, s in zip(out["account_id"], out["stage"], strict=True)}


def test_golden_stages_and_activities(business: Warehouse) -> None:
    settings = SegmentSettings(at_risk_threshold=0.5)
    out = lifecycle_stages(business, D, settings=settings, measures=_measures(), scores=SCORES,
                           health=HEALTH)
    assert _stages(out) == EXPECTED
    activity = dict(zip(out["account_id"], out["activity"], strict=True))
    assert activity["N1"] == ProviderActivity.integrate
    assert activity["G1"] == ProviderActivity.tend
    assert activity["R1"] == ProviderActivity.harvest
    assert activity["A1"] == ProviderActivity.save
    assert activity["C1"] is None
    row = out.set_index("account_id")
    assert row.loc["R4", "term_end"] == date(2024, 7, 31)
    assert row.loc["R3", "term_end"] == date(2024, 9, 28)
    assert row.loc["C1", "cancel_requested_at"] == date(2024, 6, 20)
    assert row.loc["C4", "cancel_requested_at"] == date(2024, 6, 25)
    assert row.loc["C5", "cancel_requested_at"] is None
    assert bool(row.loc["C1", "in_service"])
    assert not bool(row.loc["C2", "in_service"])
    assert row.loc["C2", "service_end"] == date(2024, 5, 1)
    assert row.loc["C5", "customer_since"] == OLD
    assert row.loc["A6", "churn_risk"] == pytest.approx(0.1)
    assert row.loc["A4", "health"] == "red"
    assert set(out["as_of_date"]) == {D}


def test_without_scores_or_health_nobody_is_at_risk(business: Warehouse) -> None:
    out = _stages(lifecycle_stages(business, D, measures=_measures()))
    expected = dict(EXPECTED, A1="growing", A2="growing", A4="growing", P2="new", P3="renewal")
    assert out == expected


def test_settings_move_the_boundaries(business: Warehouse) -> None:
    settings = SegmentSettings(
        onboarding_days=46, renewal_window_days=91, cancelled_days=122, at_risk_threshold=0.95
    )
    out = _stages(lifecycle_stages(business, D, settings=settings, measures=_measures(),
                                   scores=SCORES))
    # N1 has been paid for 47 days: no longer new; R2's term end (d + 90) is now inside the
    # window; C3 (ended 122 days ago) is kept; no score reaches 0.95.
    assert (out["N1"], out["N3"], out["P1"]) == ("growing", "growing", "new")
    assert out["R2"] == "renewal"
    assert out["C3"] == "cancelled"
    assert (out["A1"], out["P2"]) == ("growing", "new")


def test_first_value_by_events_before_the_date(business: Warehouse) -> None:
    settings = SegmentSettings(first_value_events=["integration_setup", "invite_user"])
    out = _stages(lifecycle_stages(business, D, settings=settings))
    # N1 did both before d (the invite at 23:59 the day before): first value, so growing. N3's
    # integration is on d itself (not known yet) and it never invited anyone: still new. P1 and
    # P2 did nothing: new.
    assert (out["N1"], out["N3"], out["P1"], out["P2"]) == ("growing", "new", "new", "new")


def test_cancellation_recognition_ends_service_at_the_request(business: Warehouse) -> None:
    definitions = RevenueDefinitions(churn_recognition="cancellation")
    out = lifecycle_stages(business, D, definitions=definitions, measures=_measures())
    row = out.set_index("account_id")
    assert row.loc["C1", "stage"] == LifecycleStage.cancelled
    assert not bool(row.loc["C1", "in_service"])
    assert row.loc["C1", "service_end"] == date(2024, 6, 20)
    assert row.loc["C6", "stage"] == LifecycleStage.growing  # asks on d: not yet known


def test_every_stage_has_its_activity() -> None:
    assert set(ACTIVITY) == set(LifecycleStage)
    assert {a for a in ACTIVITY.values() if a is not None} == set(ProviderActivity)


@pytest.mark.parametrize(
    ("start", "months", "as_of", "expected"),
    [
        (date(2023, 9, 15), 12, date(2024, 7, 1), date(2024, 9, 15)),
        (date(2023, 7, 1), 12, date(2024, 7, 1), date(2024, 7, 1)),  # ends today
        (date(2023, 7, 1), 12, date(2024, 7, 2), date(2025, 7, 1)),
        (date(2024, 1, 31), 3, date(2024, 5, 1), date(2024, 7, 31)),
        (date(2023, 2, 28), 12, date(2024, 3, 1), date(2025, 2, 28)),
        (date(2024, 2, 29), 12, date(2024, 3, 1), date(2025, 2, 28)),
        (date(2024, 6, 30), 12, date(2024, 7, 1), date(2025, 6, 30)),
    ],
)
def test_term_ends_count_from_the_start(start, months, as_of, expected) -> None:
    assert term_end(start, months, as_of) == expected


def test_unknown_first_value_measure_lists_the_known_ones(business: Warehouse) -> None:
    settings = SegmentSettings(first_value_measure="activated")
    with pytest.raises(ConfigError, match=r"segments\.first_value_measure.*activated.*"
                                          r"known: onboarded_30d"):
        lifecycle_stages(business, D, settings=settings, measures=_measures())


def test_missing_measures_table_names_the_fix(business: Warehouse) -> None:
    with pytest.raises(WarehouseError, match="no measures_wide table; run `tenure measures`"):
        lifecycle_stages(business, D)


def test_scores_frame_without_churn_risk_is_named(business: Warehouse) -> None:
    bad = SCORES.rename(columns={"churn_risk": "risk"})
    with pytest.raises(InputError, match=r"scores frame lacks column.*churn_risk"):
        lifecycle_stages(business, D, measures=_measures(), scores=bad)


def test_before_any_paid_line_there_are_no_customers(business: Warehouse) -> None:
    out = lifecycle_stages(business, date(2022, 1, 3), measures=_measures(), health=HEALTH)
    assert out.empty
    assert list(out.columns)[:4] == ["account_id", "as_of_date", "stage", "activity"]
