"""``tenure measures`` over some as-of dates keeps the rest of the stored history; the end of the
data is inferred without crashing on empty columns and said in one line; weekly as-of dates
fall on any weekday, or are given one by one.

Every project here is loaded from a hand-written export: four accounts, no cancellation
column, no trials, a few login events.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from tenure.cli.app import app
from tenure.errors import InputError, WarehouseError
from tenure.measures.asof import find_data_end
from tenure.warehouse import Warehouse
from tenure.warehouse.load import load_directory

ACCOUNTS = """account_id,created_at
A1,2024-01-02
A2,2024-01-10
A3,2024-02-01
A4,2024-03-05
"""
# No cancelled_at column; A2's line ends in April, the others run on.
SUBSCRIPTIONS = """subscription_id,account_id,plan,mrr,start_date,end_date
S1,A1,basic,100.00,2024-01-02,
S2,A2,pro,250.00,2024-01-10,2024-04-15
S3,A3,basic,100.00,2024-02-01,
S4,A4,pro,250.00,2024-03-05,
"""
# The same lines with a cancellation date: the range tests do not depend on empty columns.
CANCELLED = """subscription_id,account_id,plan,mrr,start_date,end_date,cancelled_at
S1,A1,basic,100.00,2024-01-02,,
S2,A2,pro,250.00,2024-01-10,2024-04-15,2024-03-20
S3,A3,basic,100.00,2024-02-01,,
S4,A4,pro,250.00,2024-03-05,,
"""
EVENTS = """account_id,user_id,event_name,occurred_at
A1,u1,login,2024-01-03T09:00:00
A1,u1,login,2024-02-20T09:00:00
A1,u2,login,2024-03-21T09:00:00
A2,u3,login,2024-02-01T10:00:00
A3,u4,login,2024-03-01T11:00:00
A3,u4,login,2024-04-28T11:00:00
A4,u5,login,2024-05-02T12:00:00
A1,u1,login,2024-05-30T09:00:00
"""
MEASURES = """defaults: replace
measures:
  - {name: logins_28d, kind: event_count, events: [login], window_days: 28}
  - {name: plan, kind: plan}
"""


def hand_written_project(tmp_path: Path, *, subscriptions: str = SUBSCRIPTIONS) -> Path:
    """A project loaded from the export above (data up to 2024-06-30), with MEASURES."""
    project = tmp_path / "project"
    data = tmp_path / "export"
    data.mkdir(parents=True)
    (data / "accounts.csv").write_text(ACCOUNTS)
    (data / "subscriptions.csv").write_text(subscriptions)
    (data / "events.csv").write_text(EVENTS)
    with Warehouse(project / "warehouse.duckdb") as wh:
        load_directory(wh, data, as_of=datetime(2024, 6, 30))
    (project / "measures.yaml").write_text(MEASURES)
    return project


def _run(project: Path, *args: str):
    return CliRunner().invoke(app, ["measures", "--project", str(project), *args])


def _stored(project: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    with Warehouse(project / "warehouse.duckdb") as wh:
        tidy = wh.table("measures").to_pandas()
        wide = wh.table("measures_wide").to_pandas()
    for frame in (tidy, wide):
        frame["as_of_date"] = pd.to_datetime(frame["as_of_date"]).dt.date
    tidy = tidy.sort_values(["account_id", "as_of_date", "measure"], ignore_index=True)
    wide = wide.sort_values(["account_id", "as_of_date"], ignore_index=True)
    return tidy, wide


def test_a_range_run_replaces_only_its_dates_and_keeps_the_rest(tmp_path: Path) -> None:
    project = hand_written_project(tmp_path, subscriptions=CANCELLED)
    assert _run(project).exit_code == 0
    full_tidy, full_wide = _stored(project)
    dates = sorted(set(full_wide["as_of_date"]))
    assert len(dates) >= 20  # Mondays from January to the end of June
    # Damage the stored range first, so the test sees that the range run rewrote it.
    with Warehouse(project / "warehouse.duckdb") as wh:
        wh.con.con.execute("UPDATE measures_wide SET logins_28d = -1 "
                           "WHERE as_of_date BETWEEN '2024-03-04' AND '2024-03-25'")
        wh.con.con.execute("UPDATE measures SET value = -1 WHERE measure = 'logins_28d' "
                           "AND as_of_date BETWEEN '2024-03-04' AND '2024-03-25'")

    result = _run(project, "--from", "2024-03-01", "--to", "2024-03-25")
    assert result.exit_code == 0, result.output
    assert "4 as-of dates" in result.output
    tidy, wide = _stored(project)
    # Outside the range: every stored row is still there, unchanged. Inside: the rows equal
    # the full run's (same data, same measures), so the whole tables equal the full run's.
    pd.testing.assert_frame_equal(wide, full_wide)
    pd.testing.assert_frame_equal(tidy, full_tidy)
    inside = wide["as_of_date"].between(date(2024, 3, 4), date(2024, 3, 25))
    assert inside.sum() > 0
    assert (~inside).sum() > inside.sum()


def test_a_range_run_refuses_changed_measures_and_writes_nothing(tmp_path: Path) -> None:
    project = hand_written_project(tmp_path, subscriptions=CANCELLED)
    assert _run(project).exit_code == 0
    before = _stored(project)
    (project / "measures.yaml").write_text(
        MEASURES.replace("  - {name: plan, kind: plan}\n",
                         "  - {name: active_days_28d, kind: active_days, window_days: 28}\n"))

    result = _run(project, "--from", "2024-03-01", "--to", "2024-03-25")
    assert isinstance(result.exception, InputError)
    message = " ".join(str(result.exception).split())
    assert "the stored history has plan, which the measures no longer define" in message
    assert "the measures now define active_days_28d" in message
    assert "without --from/--to/--as-of-dates" in message
    for stored, kept in zip(_stored(project), before, strict=True):
        pd.testing.assert_frame_equal(stored, kept)
    # A run over all the data takes the new measures.
    assert _run(project).exit_code == 0
    assert "active_days_28d" in _stored(project)[1].columns


def test_a_range_run_refuses_a_label_column_stored_as_a_number(tmp_path: Path) -> None:
    """An older Tenure stored a label measure with no value at all as an INTEGER column; the
    labels of a range run cannot go into it."""
    project = hand_written_project(tmp_path, subscriptions=CANCELLED)
    assert _run(project).exit_code == 0
    with Warehouse(project / "warehouse.duckdb") as wh:
        wh.con.con.execute("CREATE OR REPLACE TABLE measures_wide AS SELECT account_id, "
                           "as_of_date, is_trial, logins_28d, CAST(NULL AS INTEGER) AS plan "
                           "FROM measures_wide")
    result = _run(project, "--from", "2024-03-01", "--to", "2024-03-25")
    assert isinstance(result.exception, InputError)
    message = " ".join(str(result.exception).split())
    assert "the stored history types plan (int32 stored, string now) differently" in message
    assert "without --from/--to/--as-of-dates" in message


def test_the_data_end_is_said_and_ignores_empty_date_columns(tmp_path: Path) -> None:
    """No cancelled_at column at all (loaded as nulls) and an empty trials table: the data end
    comes from the latest event, and the command says so in one line."""
    project = hand_written_project(tmp_path)
    with Warehouse(project / "warehouse.duckdb") as wh:
        wh.con.con.execute("CREATE TABLE trials (account_id VARCHAR, started_at DATE, "
                           "ends_at DATE, converted_at DATE)")
        found = find_data_end(wh)
    assert found.day == date(2024, 5, 31)
    assert found.source == "events.occurred_at"
    assert "subscriptions.cancelled_at" not in found.latest
    result = _run(project)
    assert result.exit_code == 0, result.output
    line = " ".join(result.output.split())
    assert ("data end 2024-05-31 (the first day without data), inferred from the latest event "
            "(events.occurred_at, 2024-05-30); the latest subscription start or cancellation is "
            "earlier (2024-03-05); "
            "pass --to YYYY-MM-DD to set it") in line


def test_no_date_anywhere_is_said_clearly(tmp_path: Path) -> None:
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.con.con.execute("CREATE TABLE subscriptions (account_id VARCHAR, start_date DATE, "
                           "cancelled_at DATE)")
        with pytest.raises(WarehouseError, match=r"holds no dated rows.*--data-end"):
            find_data_end(wh)
        assert find_data_end(wh, date(2024, 6, 1)).describe() == (
            "data end 2024-06-01 (the first day without data), as given")


def test_weekly_dates_fall_on_the_weekday_asked_for(tmp_path: Path) -> None:
    project = hand_written_project(tmp_path)
    result = _run(project, "--weekday", "sunday")
    assert result.exit_code == 0, result.output
    dates = sorted(set(_stored(project)[1]["as_of_date"]))
    assert dates[0] == date(2024, 1, 7)  # the first Sunday on or after the first start
    assert {d.weekday() for d in dates} == {6}


def test_explicit_as_of_dates_are_measured_and_added_to_the_history(tmp_path: Path) -> None:
    project = hand_written_project(tmp_path)
    assert _run(project, "--to", "2024-02-26").exit_code == 0
    result = _run(project, "--as-of-dates", "2024-03-03, 2024-04-07")
    assert result.exit_code == 0, result.output
    dates = sorted(set(_stored(project)[1]["as_of_date"]))
    assert dates[-2:] == [date(2024, 3, 3), date(2024, 4, 7)]
    assert dates[-3] == date(2024, 2, 26)  # the earlier run's Mondays stay
    result = _run(project, "--as-of-dates", "2024-03-03", "--from", "2024-01-01")
    assert isinstance(result.exception, InputError)
    result = _run(project, "--as-of-dates", "March")
    assert "--as-of-dates 'March' is not a date" in str(result.exception)
