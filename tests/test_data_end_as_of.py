"""The end of the data when no activity table dates it: the load's as-of day.

Hand-written export: two accounts, one line each, no events, tickets or answers; the last start
is 2024-03-01 and the export was taken on 2024-06-30 (``--as-of``). The lines still running on
that day describe the business up to it, so the first day without data is 2024-07-01 (not
2024-03-02, which would stop every as-of date, and so every score, in March).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from tenure.measures.asof import find_data_end
from tenure.warehouse import Warehouse
from tenure.warehouse.load import load_directory

ACCOUNTS = "account_id,created_at\nA1,2024-01-01\nA2,2024-03-01\n"
LINES = ("subscription_id,account_id,plan,mrr,start_date\n"
         "S1,A1,basic,50.00,2024-01-01\nS2,A2,basic,50.00,2024-03-01\n")
EVENTS = "account_id,user_id,event_name,occurred_at\nA1,u1,login,2024-05-10 09:00:00\n"


def _load(tmp_path: Path, files: dict[str, str]) -> Warehouse:
    folder = tmp_path / "export"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text)
    warehouse = Warehouse(tmp_path / "warehouse.duckdb")
    load_directory(warehouse, folder, as_of=datetime(2024, 6, 30, 23, 59, 59))
    return warehouse


def test_lines_alone_run_to_the_load_as_of_day(tmp_path):
    with _load(tmp_path, {"accounts.csv": ACCOUNTS, "subscriptions.csv": LINES}) as wh:
        end = find_data_end(wh)
    assert (end.day, end.source) == (date(2024, 7, 1), "load_log.as_of")
    assert end.latest["subscriptions.start_date"] == date(2024, 3, 1)
    assert "inferred from the latest load's as-of date" in end.describe()
    assert "(load_log.as_of, 2024-06-30)" in end.describe()


def test_an_activity_table_dates_the_data_instead(tmp_path):
    """With events, their latest day sets the end: an as-of taken at loading time (the default)
    would make every account look idle since the export."""
    files = {"accounts.csv": ACCOUNTS, "subscriptions.csv": LINES, "events.csv": EVENTS}
    with _load(tmp_path, files) as wh:
        end = find_data_end(wh)
    assert (end.day, end.source) == (date(2024, 5, 11), "events.occurred_at")
    assert "load_log.as_of" not in end.latest


def test_without_a_load_record_the_lines_date_the_data():
    with Warehouse(":memory:") as wh:
        wh.con.raw_sql("CREATE TABLE subscriptions AS SELECT DATE '2024-03-01' AS start_date")
        end = find_data_end(wh)
    assert (end.day, end.source) == (date(2024, 3, 2), "subscriptions.start_date")
