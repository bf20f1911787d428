"""Derived tables record the load they were computed from; a later load makes them stale, and
reading a stale one says so in one line (which table, from which load, how to refresh it)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pyarrow as pa
from typer.testing import CliRunner

from tenure.cli.app import app
from tenure.warehouse import Warehouse
from tenure.warehouse.connection import DERIVED_FROM
from tenure.warehouse.load import load_directory

runner = CliRunner()
AS_OF = datetime(2024, 6, 30, 23, 59, 59)
ACCOUNTS = "account_id,created_at\nA1,2024-01-05\nA2,2024-01-20\nA3,2024-02-01\n"
SUBSCRIPTIONS = (
    "subscription_id,account_id,plan,mrr,start_date,end_date,cancelled_at\n"
    "S1,A1,pro,100.00,2024-01-05,,\n"
    "S2,A2,pro,50.00,2024-01-20,2024-04-01,2024-03-10\n"
    "S3,A3,basic,20.00,2024-02-01,,\n"
)


def exports(folder: Path, subscriptions: str = SUBSCRIPTIONS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "accounts.csv").write_text(ACCOUNTS)
    (folder / "subscriptions.csv").write_text(subscriptions)
    return folder


def test_a_derived_table_records_its_load_in_the_same_transaction(tmp_path):
    with Warehouse(tmp_path / "w.duckdb") as wh:
        first = load_directory(wh, exports(tmp_path / "v1"), as_of=AS_OF)
        wh.replace_tables({"measures_wide": pa.table({"account_id": ["A1"]})})
        wh.replace_snapshots("scores", pa.table({"account_id": ["A1"], "as_of_date": [1]}),
                             by=["as_of_date"])
        recorded = dict(wh.con.con.execute(
            f"SELECT table_name, load_id FROM {DERIVED_FROM}").fetchall())
        assert recorded == {"measures_wide": first.load_id, "scores": first.load_id}
        assert wh.staleness("measures_wide") is None
        changed = SUBSCRIPTIONS.replace("S3,A3,basic,20.00", "S3,A3,basic,900.00")
        second = load_directory(wh, exports(tmp_path / "v2", changed), as_of=AS_OF)
        notice = wh.staleness("measures_wide")
        assert notice is not None
        assert notice.startswith("measures_wide is stale: computed at ")
        assert f"(load {first.load_id[:8]})" in notice
        assert f"(load {second.load_id[:8]})" in notice
        assert notice.endswith("run `tenure measures` to refresh it.")
        assert "run `tenure score`" in wh.staleness("scores")
        assert wh.staleness("accounts") is None  # a loaded table is never stale
        wh.replace_tables({"measures_wide": pa.table({"account_id": ["A1"]})})
        assert wh.staleness("measures_wide") is None  # recomputed: fresh again


def test_a_table_read_stale_and_then_recomputed_is_not_reported(tmp_path):
    told: list[str] = []
    with Warehouse(tmp_path / "w.duckdb") as wh:
        load_directory(wh, exports(tmp_path / "v1"), as_of=AS_OF)
        wh.replace_tables({"measures_wide": pa.table({"account_id": ["A1"]}),
                           "scores": pa.table({"account_id": ["A1"]})})
        load_directory(wh, exports(tmp_path / "v2"), as_of=AS_OF)
    with Warehouse(tmp_path / "w.duckdb", on_stale=told.append) as wh:
        wh.table("measures_wide")  # read, then recomputed by the same command
        wh.replace_tables({"measures_wide": pa.table({"account_id": ["A1", "A2"]})})
        wh.table("scores")  # read and left stale
    assert len(told) == 1
    assert told[0].startswith("scores is stale: ")


def test_a_command_reading_measures_after_a_new_load_says_they_are_stale(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "tenure.yaml").write_text("")
    loaded = runner.invoke(app, ["load", str(exports(tmp_path / "v1")), "--project",
                                 str(project), "--as-of", "2024-06-30"])
    assert loaded.exit_code == 0, loaded.output
    measured = runner.invoke(app, ["measures", "--project", str(project)])
    assert measured.exit_code == 0, measured.output
    fresh = runner.invoke(app, ["segments", "--project", str(project), "--format", "json"])
    assert fresh.exit_code == 0, fresh.output
    assert "stale" not in fresh.output
    changed = SUBSCRIPTIONS.replace("S3,A3,basic,20.00", "S3,A3,basic,900.00")
    again = runner.invoke(app, ["load", str(exports(tmp_path / "v2", changed)), "--project",
                                str(project), "--as-of", "2024-06-30"])
    assert again.exit_code == 0, again.output
    stale = runner.invoke(app, ["segments", "--project", str(project), "--format", "json"])
    assert stale.exit_code == 0, stale.output
    lines = [line for line in stale.output.splitlines() if "is stale" in line]
    assert len(lines) == 1
    assert lines[0].startswith("note: measures_wide is stale: computed at ")
    assert lines[0].endswith("run `tenure measures` to refresh it.")
