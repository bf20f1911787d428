"""A load never loses data silently: a truncated or misnamed export cannot shrink, empty or drop
a loaded table without an explicit option; unfinished files are refused; pandas' midnight
timestamps load as dates; unreadable files say where and why; a failed first load leaves no
warehouse file; a mistyped project folder is refused, not created."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from tenure.cli.app import app
from tenure.errors import InputError, ValidationError, WarehouseError
from test_load_support import ACCOUNTS, BASE, SUBSCRIPTIONS, load, rows, snapshot, write_folder

EVENTS = ("account_id,user_id,event_name,occurred_at\n"
          "A1,u1,login,2024-05-01 10:00:00\n"
          "A2,u2,login,2024-05-02 10:00:00\n")
TICKETS = "ticket_id,account_id,opened_at\nT1,A1,2024-05-01\n"
SUB_HEADER = SUBSCRIPTIONS.splitlines(keepends=True)[0]


def _messages(caught: pytest.ExceptionInfo[ValidationError]) -> list[str]:
    return [str(p) for p in caught.value.problems]


# --- 1. shrinking, emptying or dropping a loaded table needs an explicit option --------------


def test_a_header_only_export_cannot_empty_a_loaded_table(warehouse, tmp_path):
    load(warehouse, write_folder(tmp_path / "v1", BASE))
    before = snapshot(warehouse)
    truncated = write_folder(tmp_path / "v2", {**BASE, "subscriptions.csv": SUB_HEADER})
    with pytest.raises(ValidationError) as caught:
        load(warehouse, truncated)
    assert _messages(caught) == [
        ("subscriptions.csv: would replace table subscriptions (2 rows, 2 accounts) with 0 rows "
        "(0 accounts), emptying it; if the export is complete, load again with --allow-shrink")]
    assert snapshot(warehouse) == before

    report = load(warehouse, truncated, allow_shrink=True)
    assert report.rows_loaded["subscriptions"] == 0
    assert report.warnings == [
        ("subscriptions.csv: replaced table subscriptions (2 rows, 2 accounts) with 0 rows "
        "(0 accounts), emptying it (--allow-shrink)")]
    assert rows(warehouse, "SELECT count(*) FROM subscriptions") == [(0,)]


def test_losing_more_than_half_of_a_tables_accounts_stops_the_load(warehouse, tmp_path):
    accounts = ACCOUNTS + "A3,Gamma,2024-03-01,EU\nA4,Delta,2024-03-02,EU\n"
    events = EVENTS + ("A3,u3,login,2024-05-03 10:00:00\nA4,u4,login,2024-05-04 10:00:00\n"
                       "A1,u1,view,2024-05-05 10:00:00\n")
    load(warehouse, write_folder(tmp_path / "v1", {
        **BASE, "accounts.csv": accounts, "events.csv": events}))
    # 5 events of 4 accounts become 4 events of 1 account: rows barely shrink, accounts do
    one_account = events.splitlines()[0] + "\n" + "".join(
        f"A1,u1,view,2024-05-0{d} 11:00:00\n" for d in range(1, 5))
    before = snapshot(warehouse)
    folder = write_folder(tmp_path / "v2", {**BASE, "accounts.csv": accounts,
                                            "events.csv": one_account})
    with pytest.raises(ValidationError) as caught:
        load(warehouse, folder)
    assert _messages(caught) == [
        ("events.csv: would replace table events (5 rows, 4 accounts) with 4 rows (1 account), "
        "losing 75% of its accounts (a load may lose at most 50% of a table's rows or accounts "
        "unless confirmed: setting load_max_shrink); if the export is complete, load again with "
        "--allow-shrink")]
    assert snapshot(warehouse) == before
    # losing half the accounts (4 -> 2) and 40% of the rows (5 -> 3) is within the limit
    header = events.splitlines()[0] + "\n"
    three = header + "".join(f"A{a},u{a},view,2024-05-0{d} 11:00:00\n"
                             for a, d in ((1, 1), (2, 2), (1, 3)))
    assert load(warehouse, write_folder(tmp_path / "v3", {
        **BASE, "accounts.csv": accounts, "events.csv": three})).rows_loaded["events"] == 3
    # the limit is a parameter (the setting load_max_shrink on the command line): 0 refuses
    # any loss
    with pytest.raises(ValidationError, match=r"with 2 rows \(2 accounts\), losing 33% of its "
                                              r"rows \(a load may lose at most 0%"):
        load(warehouse, write_folder(tmp_path / "v4", {
            **BASE, "accounts.csv": accounts, "events.csv": three.rsplit("A1", 1)[0]}),
            max_shrink=0.0)


def test_a_table_whose_file_is_absent_is_not_dropped_without_drop_missing(warehouse, tmp_path):
    load(warehouse, write_folder(tmp_path / "v1", {**BASE, "tickets.csv": TICKETS}))
    before = snapshot(warehouse)
    base_only = write_folder(tmp_path / "v2", BASE)
    with pytest.raises(ValidationError) as caught:
        load(warehouse, base_only)
    assert _messages(caught) == [
        (f"table tickets (1 row, loaded earlier): has no file in {base_only}, so this load would "
        "drop it; add tickets.csv (.parquet or .jsonl), pass --keep-missing to keep the loaded "
        "table, or --drop-missing to drop it")]
    assert snapshot(warehouse) == before
    # a file named like the table in a format Tenure does not read is pointed out
    write_folder(base_only, {"tickets.xlsx": b"PK"})
    with pytest.raises(ValidationError, match=r"has no file in .* \(tickets\.xlsx is not a "
                                              r"\.csv, \.parquet or \.jsonl file\)"):
        load(warehouse, base_only)
    write_folder(base_only, {"tickets.xlsx": None})
    report = load(warehouse, base_only, drop_missing=True)
    assert report.dropped == ["tickets"]
    assert "tickets" not in {r[0] for r in rows(warehouse, "SHOW TABLES")}
    with pytest.raises(InputError, match="--keep-missing and --drop-missing"):
        load(warehouse, base_only, drop_missing=True, keep_missing=True)


def test_file_names_are_matched_whatever_their_case(warehouse, tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "subscriptions.CSV").write_text(SUBSCRIPTIONS)
    (folder / "events.Csv").write_text(EVENTS)
    pq.write_table(pa.table({"account_id": ["A1", "A2"], "created_at": ["2024-01-05",
                                                                        "2024-02-10"]}),
                   folder / "Accounts.Parquet")
    report = load(warehouse, folder)
    assert report.rows_loaded == {"accounts": 2, "subscriptions": 2, "events": 2}
    assert report.files["events"] == "events.Csv"

    # two files for one table stays an error, also when only their case differs
    (folder / "events.csv").write_text(EVENTS)
    with pytest.raises(ValidationError) as caught:
        load(warehouse, folder)
    assert _messages(caught) == [
        ("events.Csv: and events.csv both hold table events; keep one file per table (or name "
        "the one to load in the mapping: tables.events.file)")]


@pytest.mark.parametrize("unfinished", [
    "events.parquet.partial", "events.csv.tmp", "~$events.csv", ".~lock.events.csv#"])
def test_an_unfinished_file_is_refused_and_named(warehouse, tmp_path, unfinished):
    load(warehouse, write_folder(tmp_path / "v1", {**BASE, "events.csv": EVENTS}))
    before = snapshot(warehouse)
    folder = write_folder(tmp_path / "v2", {**BASE, unfinished: b"PAR1 half a file"})
    (folder / "notes.txt.tmp").write_text("not a table's file: ignored")
    with pytest.raises(ValidationError) as caught:
        load(warehouse, folder, keep_missing=True)
    assert _messages(caught) == [
        (f"{unfinished}: is an unfinished or temporary copy of a file of table events (an "
        "interrupted export or `tenure simulate`, or a file open in an editor); finish the "
        "export (or close the editor) and remove it, then load again")]
    assert snapshot(warehouse) == before


def test_quarantine_rejecting_most_rows_counts_as_shrinking(warehouse, tmp_path):
    load(warehouse, write_folder(tmp_path / "v1", BASE))
    negative = SUB_HEADER + ("S1,A1,pro,-49.00,2024-01-05,\n"
                             "S2,A2,basic,-19.99,2024-02-10,2024-06-10\n")
    folder = write_folder(tmp_path / "v2", {**BASE, "subscriptions.csv": negative})
    with pytest.raises(ValidationError, match=r"would replace table subscriptions \(2 rows, 2 "
                                              r"accounts\) with 0 rows \(0 accounts\)"):
        load(warehouse, folder, quarantine=True)
    assert rows(warehouse, "SELECT count(*) FROM subscriptions") == [(2,)]


# --- 2. dates written as timestamps at midnight ----------------------------------------------


def test_midnight_timestamps_load_as_dates(warehouse, tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "accounts.csv").write_text(ACCOUNTS)
    # what pandas writes for a date column: timestamp[ns] at midnight
    pq.write_table(pa.table({
        "subscription_id": ["S1", "S2", "S3"], "account_id": ["A1", "A2", "A2"],
        "plan": ["pro", "basic", "seat"], "mrr": ["49.00", "19.99", "5.00"],
        "start_date": pa.array([datetime(2024, 1, 5), datetime(2024, 2, 10),
                                datetime(2024, 2, 10)], pa.timestamp("ns")),
        "end_date": pa.array([None, datetime(2024, 6, 10, tzinfo=UTC), None],
                             pa.timestamp("us", tz="UTC")),
    }), folder / "subscriptions.parquet")
    (folder / "spend.csv").write_text("month,sales_marketing,cost_of_service\n"
                                      "2024-01-01 00:00:00,1.00,1.00\n"
                                      "2024-02-01T00:00:00,1.00,1.00\n"
                                      "2024-03-01T00:00,1.00,1.00\n"
                                      "2024-04-01T00:00:00.000+02:00,1.00,1.00\n")
    load(warehouse, folder)
    assert rows(warehouse, "SELECT subscription_id, start_date, end_date FROM subscriptions "
                           "ORDER BY 1") == [
        ("S1", date(2024, 1, 5), None), ("S2", date(2024, 2, 10), date(2024, 6, 10)),
        ("S3", date(2024, 2, 10), None)]
    assert rows(warehouse, "SELECT month FROM spend ORDER BY 1") == [
        (date(2024, 1, 1),), (date(2024, 2, 1),), (date(2024, 3, 1),), (date(2024, 4, 1),)]


def test_a_time_of_day_in_a_date_column_is_named_with_the_right_fix(warehouse, tmp_path):
    folder = tmp_path / "src"
    folder.mkdir()
    (folder / "accounts.csv").write_text(ACCOUNTS)
    pq.write_table(pa.table({
        "subscription_id": ["S1"], "account_id": ["A1"], "plan": ["pro"], "mrr": ["49.00"],
        "start_date": pa.array([datetime(2024, 1, 5, 9, 30)], pa.timestamp("ns")),
    }), folder / "subscriptions.parquet")
    (folder / "spend.csv").write_text("month,sales_marketing,cost_of_service\n"
                                      "2024-01-01T12:00:00,1.00,1.00\n2024-13-01,1.00,1.00\n")
    with pytest.raises(ValidationError) as caught:
        load(warehouse, folder)
    fix = ("a date column holds days: export the day alone (2024-03-31), or a timestamp at "
           "midnight (00:00:00)")
    assert _messages(caught) == [
        (f"subscriptions.parquet row 1, column start_date: value '2024-01-05 09:30:00' is a "
        f"timestamp with a time of day, not a date; {fix}"),
        (f"spend.csv line 2, column month: value '2024-01-01T12:00:00' is a timestamp with a "
        f"time of day, not a date; {fix}"),
        ("spend.csv line 3, column month: value '2024-13-01' is not an ISO date; write it as "
        "2024-03-31, or give the file's format in the mapping "
        "(tables.spend.date_format: '%d/%m/%Y')")]


# --- 3. unreadable files say where and why ---------------------------------------------------


def test_a_field_over_the_size_limit_names_its_line_and_other_files_are_checked(warehouse,
                                                                               tmp_path):
    huge = "x" * (130 * 1024)
    folder = write_folder(tmp_path / "src", {
        **BASE,
        "subscriptions.csv": SUBSCRIPTIONS + "S3,A1,addon,-1.00,2024-03-01,\n",
        # a quote that never closes swallows the rest of the file into one value
        "tickets.csv": f'ticket_id,account_id,opened_at\nT1,A1,2024-05-01\nT2,A1,"{huge}\n',
    })
    with pytest.raises(ValidationError) as caught:
        load(warehouse, folder)
    assert _messages(caught) == [
        ("tickets.csv line 3: has a value over 128 KiB starting on this line (it begins "
        "'xxxxxxxxxxxxxxxxxxxx...'); usually a quote (\") that is never closed, so the rest of "
        "the file runs into one value: close the quote, or double the quotes inside a value "
        "(\"\"); a real value this long must be shortened or sent as Parquet"),
        ("subscriptions.csv line 4, column mrr: value '-1.00' is negative; MRR must be zero or "
        "more (a refund is a line ending early, not negative MRR)")]


def test_a_semicolon_separated_file_gets_a_delimiter_hint_and_loads_with_the_setting(
        warehouse, tmp_path):
    semicolons = "account_id;created_at\nA1;2024-01-05\nA2;2024-02-10\n"
    folder = write_folder(tmp_path / "src", {**BASE, "accounts.csv": semicolons})
    with pytest.raises(ValidationError) as caught:
        load(warehouse, folder)
    assert _messages(caught) == [
        ("accounts.csv line 1: has a single column 'account_id;created_at' in its header: this "
        "file looks semicolon-separated; set `delimiter: ';'` in the mapping "
        "(tables.accounts.delimiter)")]
    write_folder(folder, {"mapping.yaml": "tables:\n  accounts:\n    delimiter: ';'\n"})
    assert load(warehouse, folder).rows_loaded["accounts"] == 2


# --- 4 and 5. the warehouse file and the project folder ---------------------------------------


def _invoke(*args: str):
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def no_sql_preparation(monkeypatch):
    """Skip the revenue SQL a successful CLI load prepares (seconds per load, not tested here)."""
    monkeypatch.setattr("tenure.cli.load.prepare_revenue_sql", lambda *args: None)


def test_a_failed_first_load_leaves_no_warehouse_file(tmp_path, no_sql_preparation):
    project = tmp_path / "project"
    project.mkdir()
    (project / "tenure.yaml").write_text("warehouse: wh/warehouse.duckdb\n")
    broken = write_folder(tmp_path / "broken", {
        **BASE, "subscriptions.csv": SUBSCRIPTIONS + "S3,A1,addon,-12.00,2024-03-01,\n"})
    result = _invoke("load", str(broken), "--project", str(project), "--as-of", "2025-01-01")
    assert result.exit_code == 2, result.output
    assert sorted(p.name for p in project.iterdir()) == ["tenure.yaml"]

    # a failed later load leaves the warehouse file exactly as it was
    good = write_folder(tmp_path / "good", BASE)
    assert _invoke("load", str(good), "--project", str(project),
                   "--as-of", "2025-01-01").exit_code == 0
    files = {p.name: p.read_bytes() for p in project.rglob("*") if p.is_file()}
    assert "warehouse.duckdb" in files
    result = _invoke("load", str(broken), "--project", str(project), "--as-of", "2025-01-01")
    assert result.exit_code == 2
    assert {p.name: p.read_bytes() for p in project.rglob("*") if p.is_file()} == files


@pytest.mark.parametrize("command", [
    ["metrics"], ["report"], ["measures"], ["accounts"], ["segments"], ["score"]])
def test_a_mistyped_project_folder_is_refused_and_not_created(tmp_path, command):
    typo = tmp_path / "typo"
    result = _invoke(*command, "--project", str(typo))
    assert result.exit_code != 0
    assert isinstance(result.exception, WarehouseError), result.output
    assert str(result.exception) == (
        f"{typo} is not a Tenure project: the folder does not exist; check --project, or "
        f"create the project with `tenure init --project {typo}` and load your data with "
        f"`tenure load DIR --project {typo}`")
    assert not typo.exists()


def test_a_folder_without_a_warehouse_is_refused_and_left_as_it_was(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = _invoke("metrics", "--project", str(empty))
    assert str(result.exception) == (
        f"{empty} is not a Tenure project: it has no tenure.yaml and no warehouse "
        f"(warehouse.duckdb); check --project, or create the project with `tenure init "
        f"--project {empty}` and load your data with `tenure load DIR --project {empty}`")
    assert list(empty.iterdir()) == []
    (empty / "tenure.yaml").write_text("warehouse: wh/data.duckdb\n")
    result = _invoke("metrics", "--project", str(empty))
    assert str(result.exception) == (
        f"{empty} has no warehouse yet ({empty / 'wh' / 'data.duckdb'}); load your data "
        f"first: `tenure load DIR --project {empty}`")
    assert [p.name for p in empty.iterdir()] == ["tenure.yaml"]


def test_load_into_a_missing_project_folder_says_to_init_it(tmp_path, no_sql_preparation):
    typo = tmp_path / "typo"
    good = write_folder(tmp_path / "good", BASE)
    result = _invoke("load", str(good), "--project", str(typo))
    assert isinstance(result.exception, WarehouseError), result.output
    assert "the folder does not exist" in str(result.exception)
    assert not typo.exists()
    # an existing folder without tenure.yaml loads with the default settings, as before
    typo.mkdir()
    result = _invoke("load", str(good), "--project", str(typo), "--as-of", "2025-01-01")
    assert result.exit_code == 0, result.output
    assert (typo / "warehouse.duckdb").is_file()


def test_a_tab_separated_file_gets_a_hint_that_loads_as_written(warehouse, tmp_path):
    tabs = "account_id\tcreated_at\nA1\t2024-01-05\nA2\t2024-02-10\n"
    folder = write_folder(tmp_path / "src", {**BASE, "accounts.csv": tabs})
    with pytest.raises(ValidationError) as caught:
        load(warehouse, folder)
    hint = _messages(caught)[0].split("; ")[-1]
    assert hint == 'set `delimiter: "\\t"` in the mapping (tables.accounts.delimiter)'
    # the hint, pasted into the mapping, is valid YAML for a tab
    yaml_text = hint.split("`")[1]
    write_folder(folder, {"mapping.yaml": f"tables:\n  accounts:\n    {yaml_text}\n"})
    assert load(warehouse, folder).rows_loaded["accounts"] == 2
