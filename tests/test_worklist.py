"""The worklist: one score snapshot sorted by MRR at risk, filtered by rep, tier, stage and risk,
without the accounts that already asked to cancel; and one account's page."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pyarrow as pa
import pytest

from tenure.errors import InputError, WarehouseError
from tenure.warehouse import Warehouse
from tenure.worklist import account_view, snapshot_dates, worklist

DAY = date(2025, 6, 2)
EARLIER = date(2025, 5, 26)
MONEY = pa.decimal128(18, 2)


def _scores(day: date, rows: list[tuple]) -> pa.Table:
    """rows: (account, trial, pending, risk, mrr, at_risk, reasons)."""
    return pa.table({
        "account_id": [r[0] for r in rows],
        "as_of_date": pa.array([day] * len(rows), type=pa.date32()),
        "is_trial": [r[1] for r in rows],
        "cancel_pending": [r[2] for r in rows],
        "churn_risk": [r[3] for r in rows],
        "expansion": [0.1] * len(rows),
        "advocacy": [0.3] * len(rows),
        "conversion": [None] * len(rows),
        "churn_reasons": [r[6] for r in rows],
        "expansion_reasons": [""] * len(rows),
        "mrr": pa.array([None if r[4] is None else Decimal(r[4]) for r in rows], type=MONEY),
        "mrr_at_risk": pa.array([None if r[5] is None else Decimal(r[5]) for r in rows],
                                type=MONEY),
        "scored_at": ["churn=2025-06-01"] * len(rows),
    })


@pytest.fixture
def scored(warehouse: Warehouse) -> Warehouse:
    """Five accounts at DAY. MRR at risk = risk x MRR, worked by hand:

    ``A`` 0.10 x 5,000.00 = 500.00 (Ana); ``B`` 0.60 x 500.00 = 300.00 (Ben);
    ``C`` 0.30 x 2,000.00 = 600.00 (Ana, already asked to cancel);
    ``D`` 0.05 x 1,000.00 = 50.00 (Ben); ``T`` a trial (never on the worklist).
    """
    warehouse.replace_tables({
        "accounts": pa.table({
            "account_id": ["A", "B", "C", "D", "T"],
            "name": ["Acme", "Bolt", "Core", "Dune", "Tryit"],
            "owner": ["Ana", "Ben", "Ana", "Ben", "Ana"],
            "industry": ["retail"] * 5,
        }),
        "segments": pa.table({
            "account_id": ["A", "B", "C", "D"],
            "as_of_date": pa.array([DAY] * 4, type=pa.date32()),
            "tier": ["top", "scalable", "top", "leveraged"],
            "stage": ["growing", "at_risk", "cancelled", "growing"],
        }),
    })
    warehouse.replace_snapshots("scores", _scores(EARLIER, [
        ("A", False, False, 0.02, "5000.00", "100.00", "earlier"),
    ]), by=["as_of_date"])
    warehouse.replace_snapshots("scores", _scores(DAY, [
        ("A", False, False, 0.10, "5000.00", "500.00", "no activity for 23 days"),
        ("B", False, False, 0.60, "500.00", "300.00", "seat utilisation 18% (last 28 days)"),
        ("C", False, True, 0.30, "2000.00", "600.00", "already asked"),
        ("D", False, False, 0.05, "1000.00", "50.00", ""),
        ("T", True, False, None, None, None, ""),
    ]), by=["as_of_date"])
    return warehouse


def test_sorted_by_mrr_at_risk_without_trials_or_pending_cancellations(scored):
    rows = worklist(scored)
    # C (600.00) asked to cancel already: a win-back, not a save.
    assert rows["account_id"].tolist() == ["A", "B", "D"]
    assert rows["mrr_at_risk"].tolist() == [Decimal("500.00"), Decimal("300.00"),
                                            Decimal("50.00")]
    assert rows["owner"].tolist() == ["Ana", "Ben", "Ben"]
    assert rows["tier"].tolist() == ["top", "scalable", "leveraged"]
    assert rows["churn_reasons"].iloc[0] == "no activity for 23 days"
    assert rows["account_id"].is_unique  # grain: one row per account
    with_pending = worklist(scored, include_pending=True)
    assert with_pending["account_id"].tolist() == ["C", "A", "B", "D"]


def test_filters(scored):
    assert worklist(scored, rep="Ben")["account_id"].tolist() == ["B", "D"]
    assert worklist(scored, tier="top")["account_id"].tolist() == ["A"]
    assert worklist(scored, stage="at_risk")["account_id"].tolist() == ["B"]
    assert worklist(scored, min_risk=0.08)["account_id"].tolist() == ["A", "B"]
    assert worklist(scored, limit=1)["account_id"].tolist() == ["A"]
    earlier = worklist(scored, as_of=EARLIER)
    assert earlier["account_id"].tolist() == ["A"]
    assert earlier["churn_reasons"].tolist() == ["earlier"]


def test_errors_name_the_option_and_the_fix(scored, warehouse):
    with pytest.raises(InputError, match="--rep 'Zoe' owns no scored account; reps: Ana, Ben"):
        worklist(scored, rep="Zoe")
    with pytest.raises(InputError, match=r"no score snapshot at 2025-01-01.*tenure score --as-of"):
        worklist(scored, as_of=date(2025, 1, 1))
    assert snapshot_dates(scored) == [EARLIER, DAY]


def test_without_scores_it_says_to_train_and_score(warehouse):
    warehouse.replace_tables({"accounts": pa.table({"account_id": ["A"]})})
    with pytest.raises(WarehouseError, match="run `tenure train` and then `tenure score`"):
        worklist(warehouse)


def test_tier_filter_without_segments_says_to_run_segments(scored):
    scored.con.drop_table("segments")
    with pytest.raises(WarehouseError, match="--tier needs the segments table"):
        worklist(scored, tier="top")
    assert worklist(scored)["tier"].isna().all()


def test_account_view(scored):
    scored.replace_tables({
        "events": pa.table({
            "account_id": ["A", "A", "A", "A"],
            "user_id": ["u1", "u2", "u1", "u1"],
            "event_name": ["login", "login", "export", "login"],
            # The last one is on DAY itself: not before the as-of date, so not shown.
            "occurred_at": pa.array([datetime(2025, 5, 20, 9), datetime(2025, 5, 21, 9),
                                     datetime(2025, 5, 30, 9), datetime(2025, 6, 2, 9)],
                                    type=pa.timestamp("us")),
        }),
    })
    view = account_view(scored, "A")
    assert view.as_of_date == DAY
    assert view.summary["name"] == "Acme"
    assert view.summary["tier"] == "top"
    assert view.summary["churn_reasons"] == "no activity for 23 days"
    assert view.scores["churn_risk"].tolist() == [0.02, 0.10]  # the trend, oldest first
    activity = view.activity.set_index("event_name")
    assert activity.loc["login", "events"] == 2
    assert activity.loc["login", "users"] == 2
    assert activity.loc["export", "events"] == 1
    with pytest.raises(InputError, match=r"no account 'Z'.*tenure accounts"):
        account_view(scored, "Z")


def test_health_is_the_worst_colour_over_the_scorecards(scored):
    """Two cards scored A on DAY: green 80 on one, red 30 on the other. The worklist shows the
    red card's health, as the lifecycle stages do; an older snapshot does not count."""
    scored.replace_tables({"health_history": pa.table({
        "account_id": ["A", "A", "A"],
        "as_of_date": pa.array([DAY, DAY, EARLIER], type=pa.date32()),
        "scorecard": ["default", "strict", "default"],
        "is_trial": [False] * 3,
        "score": [80.0, 30.0, 10.0],
        "colour": ["green", "red", "red"],
    })})
    rows = worklist(scored).set_index("account_id")
    assert (rows.loc["A", "health"], rows.loc["A", "health_colour"]) == (30.0, "red")
    assert rows["health"].drop("A").isna().all()
