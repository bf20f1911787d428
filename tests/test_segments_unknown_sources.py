"""Groups and ticket measures on exports that cannot carry them (issue 11: a claim the data cannot
carry is a defect).

Two hand-written exports of :mod:`handmade` (twenty accounts, three churners):

* ``no_events``: no events file at all. Every usage measure is unknown, so ``dormant`` (whose rule
  says "or never", ``days_since_last_activity is null``) would take every account; it and every
  other group reading usage must be *not assessed* instead, with one line saying how to add events.
* ``no_close_times``: the tickets file has no ``closed_at`` column, and four accounts have two
  tickets each (opened in spring 2024, long resolved in reality). Counted as open forever they put
  those accounts in ``support_strained`` (``open_tickets >= 2``); the close-time measures must be
  unknown instead (``tickets.closed_at`` a missing source), and ``support_strained``, an ``any``
  group whose other clause (an urgent ticket in 90 days) is known, only partly assessed: A10, with
  an urgent ticket in December, is still in it.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from handmade import LAST_DAY, base_business, write_export
from tenure.cli.app import app
from tenure.measures import default_measures_config
from tenure.measures.sources import missing_sources
from tenure.warehouse import Warehouse

RUNNER = CliRunner()
#: One as-of date is enough: the last Monday of the data (as-of dates are Mondays by default).
DAY = "2024-12-30"
USAGE_GROUPS = ["power_users", "dormant", "single_threaded", "api_users", "usage_dropping"]


def _run(*args: str) -> str:
    result = RUNNER.invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())  # no assertion depends on the terminal's width


def _project(tmp_path: Path, business) -> Path:
    data = write_export(business, tmp_path / "export")
    project = tmp_path / "project"
    _run("init", "--project", str(project))
    _run("load", str(data), "--as-of", str(LAST_DAY), "--project", str(project))
    return project


@pytest.fixture(autouse=True)
def _quick(monkeypatch: pytest.MonkeyPatch) -> None:
    """The revenue SQL warm-up after a load only fills a cache (as in test_partial_exports)."""
    from tenure.metrics import revenue

    monkeypatch.setattr(revenue, "warm_sql_cache", lambda *args, **kwargs: None)


def _segments(project: Path) -> tuple[dict, str]:
    summary = json.loads(RUNNER.invoke(app, ["segments", "--as-of", DAY, "--format", "json",
                                             "--project", str(project)]).output)
    text = _run("segments", "--as-of", DAY, "--project", str(project))
    return summary, text


def _stored_groups(project: Path) -> dict[str, list[str]]:
    with Warehouse(project / "warehouse.duckdb") as wh:
        rows = wh.table("segments").to_pandas()
    return {str(a): list(g) for a, g in zip(rows["account_id"], rows["groups"], strict=True)}


def test_no_events_leaves_usage_groups_unassessed_not_full(tmp_path: Path) -> None:
    project = _project(tmp_path, base_business().without("events"))
    _run("measures", "--from", DAY, "--to", DAY, "--project", str(project))
    summary, text = _segments(project)

    for name in USAGE_GROUPS:
        assert summary["groups"][name] == {"accounts": None, "mrr": None,
                                           "assessed": "not_assessed"}, name
    # groups whose sources were exported are assessed as before
    assert summary["groups"]["promoters"]["assessed"] == "assessed"
    assert summary["groups"]["promoters"]["accounts"] > 0
    stored = _stored_groups(project)
    assert stored
    assert not any(set(g) & set(USAGE_GROUPS) for g in stored.values())
    assert (f"{', '.join(USAGE_GROUPS)} not assessed (no account is put in them): the export "
            "has no events; add events.csv (or .parquet) and run `tenure load`, "
            "`tenure measures`, `tenure segments`.") in text
    assert "dormant │ not assessed" in text or "dormant not assessed" in text
    # the stage `new` reads first value (onboarded_30d, from events): it says what it could not know
    assert ("stage new not fully assessed: first value is unknown (onboarded_30d left empty: the "
            "export has no events;") in text


def _no_close_times():
    business = base_business()
    columns, rows = business.tables["tickets"]
    extra = [(f"X{i}{k}", a, datetime(2024, 3 + k, 5, 9), datetime(2024, 3 + k, 6, 9), "normal",
              None) for i, a in enumerate(["A02", "A04", "A06", "A07"]) for k in (0, 1)]
    extra.append(("X9", "A10", datetime(2024, 12, 1, 9), datetime(2024, 12, 2, 9), "urgent", 3))
    business = replace(business, tables={**business.tables,
                                         "tickets": (columns, [*rows, *extra])})
    return business.drop_column("tickets", "closed_at")


def test_tickets_without_close_times_leave_close_time_measures_unknown(tmp_path: Path) -> None:
    project = _project(tmp_path, _no_close_times())
    text = _run("measures", "--from", DAY, "--to", DAY, "--project", str(project))
    assert ("3 measure(s) left empty, since no ticket has a closed_at (a close time): "
            "open_tickets, low_ratings_90d, hours_to_resolve_90d; add a close-time column to the "
            "tickets export") in text
    with Warehouse(project / "warehouse.duckdb") as wh:
        missing = missing_sources(wh, default_measures_config())
        wide = wh.table("measures_wide").to_pandas()
    assert missing["tickets.closed_at"] == ["open_tickets", "low_ratings_90d",
                                            "hours_to_resolve_90d"]
    assert wide["open_tickets"].isna().all()
    assert wide["hours_to_resolve_90d"].isna().all()
    assert wide["urgent_tickets_90d"].notna().all()  # opened_at alone is enough for this one

    summary, text = _segments(project)
    strained = summary["groups"]["support_strained"]
    assert strained["assessed"] == "partly"
    assert strained["accounts"] == 1
    stored = _stored_groups(project)
    assert [a for a, g in stored.items() if "support_strained" in g] == ["A10"]
    assert ("support_strained only partly assessed (members match a condition on a known "
            "measure): no ticket has a closed_at (a close time)") in text


def test_tickets_with_close_times_are_measured_as_before(tmp_path: Path) -> None:
    """The guard reads the data: tickets that carry close times still count open ones."""
    project = _project(tmp_path, base_business())
    text = _run("measures", "--from", DAY, "--to", DAY, "--project", str(project))
    assert "closed_at" not in text
    with Warehouse(project / "warehouse.duckdb") as wh:
        assert "tickets.closed_at" not in missing_sources(wh, default_measures_config())
        wide = wh.table("measures_wide").to_pandas()
    assert (wide["open_tickets"] == 0).all()


def test_customer_groups_never_put_an_account_in_a_group_on_an_unknown_measure() -> None:
    """The rule itself, on a frame of three accounts: ``seen`` (all, unknown measure) and
    ``never`` (any, every clause unknown) are not assessed, even its ``is null`` clause;
    ``mixed`` (any, one clause known) takes the account matching the known clause only."""
    import pandas as pd

    from tenure.segments import Assessment, GroupsConfig, customer_groups, group_assessments

    groups = GroupsConfig.model_validate({"defaults": "replace", "groups": [
        {"name": "seen", "description": "d", "all": ["days_since_last_activity >= 14"]},
        {"name": "never", "description": "d", "any": ["days_since_last_activity is null"]},
        {"name": "mixed", "description": "d",
         "any": ["open_tickets >= 2", "urgent_tickets_90d >= 1"]},
    ]})
    wide = pd.DataFrame({"account_id": ["A", "B", "C"], "as_of_date": [DAY] * 3,
                         "days_since_last_activity": [None] * 3,
                         "open_tickets": [None] * 3, "urgent_tickets_90d": [1.0, 0.0, 0.0]})
    unknown = {"days_since_last_activity", "open_tickets"}
    members = customer_groups(wide, groups, unknown)
    assert members[["account_id", "group"]].values.tolist() == [["A", "mixed"]]
    assert group_assessments(groups, unknown) == {
        "seen": (Assessment.not_assessed, ["days_since_last_activity"]),
        "never": (Assessment.not_assessed, ["days_since_last_activity"]),
        "mixed": (Assessment.partly, ["open_tickets"]),
    }
    # with every source present a null is an answer ("never active"), as before
    assert sorted(customer_groups(wide, groups)["group"]) == ["mixed", "never", "never", "never"]
