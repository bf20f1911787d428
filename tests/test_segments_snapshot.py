"""The segments snapshot and ``tenure segments`` on a hand-made business, as of 2024-07-01.

* ``BIG`` 600.00 monthly since 2023, onboarded, busy: top tier, growing.
* ``MID`` 250.00 annual since 2023-09-15 (term ends 2024-09-15, 76 days away): leveraged,
  renewal.
* ``SML1`` 100.00 monthly since 2024-06-01, not onboarded: scalable, new; with a churn risk of
  0.6 (from the scores table) at risk.
* ``SML2`` 50.00 monthly, asked to cancel on 2024-06-20: scalable, cancelled.
* ``GONE`` service ended 2024-06-01: MRR 0, scalable, cancelled. ``TRIAL`` on a trial: left out.

Tiers, worked by hand: MRR in force 600 + 250 + 100 + 50 = 1,000.00; 40% = 400.00 is reached by
BIG alone; 80% = 800.00: MID joins with 600.00 above it (850.00 after it); the rest are scalable.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from tenure.cli.app import app
from tenure.config import ProjectConfig, SegmentSettings
from tenure.errors import InputError
from tenure.segments import (
    SEGMENTS_TABLE,
    GroupsConfig,
    LifecycleStage,
    ServiceTier,
    account_segments,
    write_segments,
)
from tenure.segments.inputs import stored_health
from tenure.warehouse import Warehouse
from test_tables_support import subscriptions_from

D, D2 = date(2024, 7, 1), date(2024, 7, 8)
OLD = date(2023, 1, 1)

# account, mrr, billing months, start, end, cancelled_at, trial
LINES = [
    ("BIG", "600.00", 1, OLD, None, None, False),
    ("MID", "250.00", 12, date(2023, 9, 15), None, None, False),
    ("SML1", "100.00", 1, date(2024, 6, 1), None, None, False),
    ("SML2", "50.00", 1, OLD, date(2024, 7, 20), date(2024, 6, 20), False),
    ("GONE", "80.00", 1, OLD, date(2024, 6, 1), date(2024, 5, 10), False),
    ("TRIAL", "0.00", 1, date(2024, 6, 25), date(2024, 7, 9), None, True),
]
# account: (active_days_28d, days_since_last_activity, onboarded_30d)
MEASURED = {"BIG": (25.0, 1.0, 1.0), "MID": (10.0, 3.0, 1.0), "SML1": (2.0, 20.0, 0.0),
            "SML2": (0.0, None, 1.0), "TRIAL": (5.0, 2.0, 0.0)}
GROUPS_YAML = """defaults: replace
groups:
  - name: busy
    description: Used on 20 days or more.
    all: [active_days_28d >= 20]
  - name: quiet
    description: Two weeks without use, or never used.
    any: [days_since_last_activity >= 14, days_since_last_activity is null]
"""
GROUPS = GroupsConfig.model_validate({
    "defaults": "replace",
    "groups": [
        {"name": "busy", "description": "d", "all": ["active_days_28d >= 20"]},
        {"name": "quiet", "description": "d",
         "any": ["days_since_last_activity >= 14", "days_since_last_activity is null"]},
    ],
})


def _subscriptions() -> pa.Table:
    return subscriptions_from(LINES)


def _measures_wide() -> pa.Table:
    rows = [(a, d, a == "TRIAL", *v) for d in (D, D2) for a, v in MEASURED.items()]
    return pa.Table.from_pandas(pd.DataFrame(rows, columns=[
        "account_id", "as_of_date", "is_trial", "active_days_28d", "days_since_last_activity",
        "onboarded_30d",
    ]), preserve_index=False)


def _events() -> pa.Table:
    """The usage the measures above came from (one event each is enough here): without an events
    table the usage measures would be unknown and the groups not assessed (test below)."""
    return pa.table({
        "account_id": list(MEASURED), "user_id": ["u1"] * len(MEASURED),
        "event_name": ["login"] * len(MEASURED),
        "occurred_at": pa.array([pd.Timestamp(2024, 6, 1)] * len(MEASURED), pa.timestamp("us")),
    })


def _scores() -> pa.Table:
    return pa.table({
        "account_id": ["SML1", "BIG"],
        "as_of_date": pa.array([D, D], type=pa.date32()),
        "churn_risk": [0.6, 0.1],
    })


@pytest.fixture
def business(warehouse: Warehouse) -> Warehouse:
    warehouse.replace_tables({"subscriptions": _subscriptions(), "measures_wide": _measures_wide(),
                              "events": _events()})
    return warehouse


def test_golden_snapshot(business: Warehouse) -> None:
    scores = _scores().to_pandas()
    out = account_segments(business, D, ProjectConfig(), scores=scores, groups=GROUPS)
    assert list(out.columns) == ["account_id", "as_of_date", "mrr", "tier", "stage", "activity",
                                 "groups"]
    rows = {r["account_id"]: (r["mrr"], str(r["tier"]), str(r["stage"]), r["activity"],
                              r["groups"]) for r in out.to_dict("records")}
    assert rows == {
        "BIG": (Decimal("600.00"), "top", "growing", "tend", ["busy"]),
        "MID": (Decimal("250.00"), "leveraged", "renewal", "harvest", []),
        "SML1": (Decimal("100.00"), "scalable", "at_risk", "save", ["quiet"]),
        "SML2": (Decimal("50.00"), "scalable", "cancelled", None, ["quiet"]),
        "GONE": (Decimal("0.00"), "scalable", "cancelled", None, []),
    }
    assert set(out["as_of_date"]) == {D}


def test_settings_reach_the_tiers_and_stages(business: Warehouse) -> None:
    # Top tier at 90% of 1,000.00 needs BIG and MID (850.00 < 900.00 after MID: SML1 too).
    settings = ProjectConfig(segments=SegmentSettings(top_tier_share=0.9, leveraged_tier_share=0.9,
                                                      renewal_window_days=30))
    out = account_segments(business, D, settings, groups=GROUPS).set_index("account_id")
    assert out["tier"].to_dict() == {
        "BIG": ServiceTier.top, "MID": ServiceTier.top, "SML1": ServiceTier.top,
        "SML2": ServiceTier.scalable, "GONE": ServiceTier.scalable,
    }
    assert out.loc["MID", "stage"] == LifecycleStage.growing  # 76 days is outside 30
    assert out.loc["SML1", "stage"] == LifecycleStage.new  # no scores: not at risk
    bare = account_segments(business, D, settings.segments, groups=GROUPS)
    pd.testing.assert_frame_equal(bare.set_index("account_id"), out)


def test_the_table_keeps_history_and_a_rerun_replaces_its_date(business: Warehouse) -> None:
    write_segments(business, account_segments(business, D, groups=GROUPS))
    write_segments(business, account_segments(business, D2, groups=GROUPS))
    write_segments(business, account_segments(business, D, groups=GROUPS))
    table = business.table(SEGMENTS_TABLE).to_pandas()
    assert not table.duplicated(["account_id", "as_of_date"]).any()  # the grain
    counts = table.groupby(table["as_of_date"].astype(str)).size().to_dict()
    # D2: GONE still ended within 90 days; SML2's request stands; same five customers.
    assert counts == {"2024-07-01": 5, "2024-07-08": 5}
    assert table["mrr"].map(type).eq(Decimal).all()
    big = table[table["account_id"] == "BIG"]
    assert [list(g) for g in big["groups"]] == [["busy"], ["busy"]]


def test_an_as_of_date_without_measures_is_named(business: Warehouse) -> None:
    with pytest.raises(InputError, match=r"no rows as of 2024-07-02.*the latest is 2024-07-08"):
        account_segments(business, date(2024, 7, 2), groups=GROUPS)


def test_health_history_gives_the_worst_colour_of_the_latest_date(warehouse: Warehouse) -> None:
    warehouse.replace_tables({"health_history": pa.table({
        "account_id": ["A", "A", "A", "B", "B"],
        "as_of_date": pa.array([date(2024, 6, 24), D, D, D, D2], type=pa.date32()),
        "scorecard": ["x", "x", "y", "x", "x"],
        "colour": ["red", "green", "yellow", "green", "red"],
    })})
    health = stored_health(warehouse, D).set_index("account_id")["colour"].to_dict()
    assert health == {"A": "yellow", "B": "green"}  # B's red is after D


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    with Warehouse(project / "warehouse.duckdb") as wh:
        wh.replace_tables({"subscriptions": _subscriptions(), "measures_wide": _measures_wide(),
                           "events": _events(), "scores": _scores()})
    (project / "groups.yaml").write_text(GROUPS_YAML)
    return project


def test_command_writes_the_snapshot_and_prints_counts(tmp_path: Path) -> None:
    project = _project(tmp_path)
    result = CliRunner().invoke(app, ["segments", "--project", str(project), "--as-of",
                                      "2024-07-01", "--format", "json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["as_of_date"] == "2024-07-01"
    assert summary["accounts"] == 5
    assert summary["mrr"] == "1000.00"
    assert summary["tiers"]["top"]["growing"] == {"accounts": 1, "mrr": "600.00"}
    assert summary["tiers"]["leveraged"]["renewal"] == {"accounts": 1, "mrr": "250.00"}
    assert summary["tiers"]["scalable"]["at_risk"] == {"accounts": 1, "mrr": "100.00"}
    assert summary["tiers"]["scalable"]["cancelled"] == {"accounts": 2, "mrr": "50.00"}
    assert summary["groups"] == {"busy": {"accounts": 1, "mrr": "600.00", "assessed": "assessed"},
                                 "quiet": {"accounts": 2, "mrr": "150.00",
                                           "assessed": "assessed"}}
    assert summary["inputs"] == {"scores": True, "health": False}
    with Warehouse(project / "warehouse.duckdb") as wh:
        assert len(wh.table("segments").to_pandas()) == 5


def test_command_defaults_to_the_latest_measures_and_prints_tables(tmp_path: Path) -> None:
    project = _project(tmp_path)
    result = CliRunner().invoke(app, ["segments", "--project", str(project)])
    assert result.exit_code == 0, result.output
    assert "Accounts by service tier and lifecycle stage, as of 2024-07-08" in result.output
    assert "Customer groups" in result.output
    assert "wrote 5 rows as of 2024-07-08 to segments; at risk from scores" in result.output


def test_command_rejects_a_bad_date(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["segments", "--project", str(_project(tmp_path)),
                                      "--as-of", "July"])
    assert isinstance(result.exception, InputError)
    assert "--as-of 'July' is not a date" in str(result.exception)
