"""Loading exports: formats, canonical types and defaults, atomic writes, quarantine,
idempotency, tables absent from a load, annual billing and currency conversion."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import ibis
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from tenure.cli.app import app
from tenure.errors import ValidationError
from tenure.schema import TABLES
from tenure.warehouse import Warehouse
from tenure.warehouse.connection import Warehouse as WarehouseClass
from test_load_support import ACCOUNTS, BASE, SUBSCRIPTIONS, load, rows, snapshot, write_folder


def expected_schema(table: str, attributes: tuple[str, ...] = ()) -> ibis.Schema:
    spec = TABLES[table]
    # DuckDB's TIMESTAMP holds microseconds, which Ibis spells timestamp(6)
    pairs = [(c.name, "timestamp(6)" if c.dtype == "timestamp" else c.dtype)
             for c in spec.columns] + [(a, "string") for a in attributes]
    return ibis.schema(pairs)


def test_csv_load_has_canonical_columns_types_and_defaults(warehouse, tmp_path):
    report = load(warehouse, write_folder(tmp_path / "src", {
        **BASE,
        "tickets.csv": "ticket_id,account_id,opened_at\nT1,A1,2024-05-01T10:00:00+02:00\n",
    }))
    assert report.rows_loaded == {"accounts": 2, "subscriptions": 2, "tickets": 1}
    assert report.rejects == 0
    for table, attributes in [("accounts", ("region",)), ("subscriptions", ()), ("tickets", ())]:
        schema = warehouse.con.table(table).schema()
        assert schema == expected_schema(table, attributes), table
    assert rows(warehouse, "SELECT * FROM subscriptions ORDER BY subscription_id") == [
        ("S1", "A1", "pro", 1, 1, Decimal("49.00"), "USD", date(2024, 1, 5), None, None, False,
         Decimal("49.00"), "USD"),
        ("S2", "A2", "basic", 1, 1, Decimal("19.99"), "USD", date(2024, 2, 10),
         date(2024, 6, 10), None, False, Decimal("19.99"), "USD"),
    ]
    assert rows(warehouse, "SELECT account_id, name, created_at, region FROM accounts "
                           "ORDER BY 1") == [
        ("A1", "Acme", datetime(2024, 1, 5), "EU"),
        ("A2", "Beta", datetime(2024, 2, 10, 9, 30), "US"),
    ]
    # an offset is converted to UTC; an absent priority is 'normal'
    assert rows(warehouse, "SELECT opened_at, priority, closed_at FROM tickets") == [
        (datetime(2024, 5, 1, 8, 0), "normal", None)]


def _write_parquet(folder: Path) -> None:
    folder.mkdir(parents=True)
    pq.write_table(pa.table({
        "account_id": ["A1", "A2"], "name": ["Acme", "Beta"],
        "created_at": pa.array([datetime(2024, 1, 5), datetime(2024, 2, 10, 9, 30)],
                               pa.timestamp("us")),
        "region": ["EU", "US"],
    }), folder / "accounts.parquet")
    pq.write_table(pa.table({
        "subscription_id": ["S1", "S2"], "account_id": ["A1", "A2"], "plan": ["pro", "basic"],
        # money as float64, as some exports write it: read from its shortest decimal text
        "mrr": pa.array([49.0, 19.99], pa.float64()),
        "start_date": pa.array([date(2024, 1, 5), date(2024, 2, 10)], pa.date32()),
        "end_date": pa.array([None, date(2024, 6, 10)], pa.date32()),
    }), folder / "subscriptions.parquet")


def _write_jsonl(folder: Path) -> None:
    folder.mkdir(parents=True)
    with (folder / "accounts.csv").open("w") as fh:
        fh.write(ACCOUNTS)
    lines = [
        # numbers stay text: 49.00 is read as '49.00', never through a float
        ('{"subscription_id": "S1", "account_id": "A1", "plan": "pro", "mrr": 49.00, '
        '"start_date": "2024-01-05", "end_date": null}'),
        "",
        ('{"subscription_id": "S2", "account_id": "A2", "plan": "basic", "mrr": "19.99", '
        '"start_date": "2024-02-10", "end_date": "2024-06-10"}'),
    ]
    (folder / "subscriptions.jsonl").write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("writer", [_write_parquet, _write_jsonl], ids=["parquet", "jsonl"])
def test_parquet_and_json_lines_load_like_csv(writer, tmp_path):
    with Warehouse(tmp_path / "csv.duckdb") as from_csv, \
            Warehouse(tmp_path / "other.duckdb") as from_other:
        load(from_csv, write_folder(tmp_path / "csv", BASE))
        writer(tmp_path / "other")
        load(from_other, tmp_path / "other")
        for table in ("accounts", "subscriptions"):
            query = f"SELECT * FROM {table} ORDER BY ALL"
            assert rows(from_other, query) == rows(from_csv, query)
            assert from_other.con.table(table).schema() == from_csv.con.table(table).schema()


def test_loading_the_same_files_twice_changes_nothing_but_the_log(warehouse, tmp_path):
    folder = write_folder(tmp_path / "src", BASE)
    first = load(warehouse, folder)
    state = snapshot(warehouse)
    second = load(warehouse, folder)
    again = snapshot(warehouse)
    assert second.content_hash == first.content_hash
    log = again.pop("load_log")
    state.pop("load_log")
    assert again == state
    assert [(r[3], r[5], json.loads(r[6]), r[7]) for r in log] == [
        (str(folder), first.content_hash, {"accounts": 2, "subscriptions": 2}, 0)] * 2
    assert rows(warehouse, "SELECT files FROM load_log LIMIT 1") == [
        ('{"accounts": "accounts.csv", "subscriptions": "subscriptions.csv"}',)]


def test_a_failure_during_the_write_leaves_the_warehouse_as_it_was(warehouse, tmp_path,
                                                                 monkeypatch):
    load(warehouse, write_folder(tmp_path / "v1", BASE))
    before = snapshot(warehouse)
    real = WarehouseClass.execute_in_transaction

    def fail_after_writing(self, statements, **where):
        # every table has been replaced inside the transaction when this statement fails
        real(self, [*statements, "SELECT error('disk full')"], **where)

    monkeypatch.setattr(WarehouseClass, "execute_in_transaction", fail_after_writing)
    v2 = write_folder(tmp_path / "v2", {
        "accounts.csv": ACCOUNTS + "A3,Gamma,2024-03-01,EU\n",
        "subscriptions.csv": SUBSCRIPTIONS + "S3,A3,pro,49.00,2024-03-01,\n",
        "tickets.csv": "ticket_id,account_id,opened_at\nT1,A1,2024-05-01\n",
    })
    with pytest.raises(Exception, match="disk full"):
        load(warehouse, v2)
    assert snapshot(warehouse) == before


def test_quarantine_loads_good_rows_and_cascades_rejected_accounts(warehouse, tmp_path):
    folder = write_folder(tmp_path / "src", {
        "accounts.csv": ACCOUNTS + "A3,Gamma,someday,EU\n",
        "subscriptions.csv": SUBSCRIPTIONS + (
            "S3,A3,pro,49.00,2024-03-01,\n"      # cascaded: its account was rejected
            "S4,A1,addon,-5.00,2024-03-01,\n"    # rejected on its own
            "S5,A9,pro,10.00,2024-03-01,\n"),    # unknown account
        "tickets.csv": "ticket_id,account_id,opened_at\nT1,A3,2024-05-01\nT2,A1,2024-05-01\n",
    })
    rejects_csv = tmp_path / "project" / "rejects.csv"
    rejects_csv.parent.mkdir()
    report = load(warehouse, folder, quarantine=True, rejects_path=rejects_csv)
    assert report.rows_loaded == {"accounts": 2, "subscriptions": 2, "tickets": 1}
    assert report.rejects_by_table == {"accounts": 1, "subscriptions": 3, "tickets": 1}
    assert (report.rejects, report.cascaded) == (5, 2)
    assert rows(warehouse, "SELECT subscription_id FROM subscriptions ORDER BY 1") == [
        ("S1",), ("S2",)]
    stored = rows(warehouse, "SELECT table_name, file, row, reasons, record FROM load_rejects "
                             "ORDER BY table_name, row")
    assert [r[:3] for r in stored] == [
        ("accounts", "accounts.csv", 4), ("subscriptions", "subscriptions.csv", 4),
        ("subscriptions", "subscriptions.csv", 5), ("subscriptions", "subscriptions.csv", 6),
        ("tickets", "tickets.csv", 2)]
    assert stored[1][3] == ("column account_id: value 'A3' belongs to an account rejected from "
                            "accounts.csv; fix that account's row (see the rejects) and load "
                            "again")
    assert stored[2][3].startswith("column mrr: value '-5.00' is negative;")
    assert json.loads(stored[0][4]) == {"account_id": "A3", "name": "Gamma",
                                        "created_at": "someday", "region": "EU"}
    with rejects_csv.open() as fh:
        written = list(csv.DictReader(fh))
    assert [(r["table_name"], r["row"]) for r in written] == [
        ("accounts", "4"), ("subscriptions", "4"), ("subscriptions", "5"),
        ("subscriptions", "6"), ("tickets", "2")]
    assert written[0]["reasons"].startswith("column created_at: value 'someday' is not an ISO")


def test_quarantine_cannot_skip_a_missing_column(warehouse, tmp_path):
    folder = write_folder(tmp_path / "src", {
        **BASE, "subscriptions.csv": "subscription_id,account_id,mrr,start_date\n"})
    with pytest.raises(ValidationError, match="column plan: is missing"):
        load(warehouse, folder, quarantine=True)
    assert snapshot(warehouse)["(temporary objects left behind)"] == [(0, 0)]


def test_absent_tables_are_dropped_when_asked_or_kept(warehouse, tmp_path):
    tickets = "ticket_id,account_id,opened_at\nT1,A1,2024-05-01\n"
    load(warehouse, write_folder(tmp_path / "full", {**BASE, "tickets.csv": tickets}))
    base_only = write_folder(tmp_path / "base", BASE)

    kept = load(warehouse, base_only, keep_missing=True)
    assert kept.kept == ["tickets"]
    assert rows(warehouse, "SELECT ticket_id FROM tickets") == [("T1",)]

    dropped = load(warehouse, base_only, drop_missing=True)  # a drop must be confirmed
    assert dropped.dropped == ["tickets"]
    assert any("table tickets was dropped" in w for w in dropped.warnings)
    assert "tickets" not in warehouse.con.con.execute("SHOW TABLES").fetchall()[0]

    # a later load may bring only usage events, checked against the loaded accounts
    events_only = write_folder(tmp_path / "events", {"events.csv": (
        "account_id,user_id,event_name,occurred_at\nA1,u1,login,2024-05-01 10:00:00\n")})
    report = load(warehouse, events_only, keep_missing=True)
    assert report.rows_loaded == {"events": 1}
    assert report.kept == ["accounts", "subscriptions"]
    bad_events = write_folder(tmp_path / "bad_events", {"events.csv": (
        "account_id,user_id,event_name,occurred_at\nA5,u1,login,2024-05-01 10:00:00\n")})
    with pytest.raises(ValidationError, match="value 'A5' is not an account in the loaded "
                                              "accounts"):
        load(warehouse, bad_events, keep_missing=True)


def test_kept_tables_must_match_reloaded_accounts(warehouse, tmp_path):
    tickets = "ticket_id,account_id,opened_at\nT1,A2,2024-05-01\n"
    load(warehouse, write_folder(tmp_path / "full", {**BASE, "tickets.csv": tickets}))
    fewer = write_folder(tmp_path / "fewer", {
        "accounts.csv": "account_id,created_at\nA1,2024-01-05\n",
        "subscriptions.csv": "subscription_id,account_id,plan,mrr,start_date\n"
                             "S1,A1,pro,49.00,2024-01-05\n"})
    with pytest.raises(ValidationError) as caught:
        load(warehouse, fewer, keep_missing=True)
    assert [str(p) for p in caught.value.problems] == [
        ("table tickets (kept from an earlier load): has 1 row(s) for accounts that are not in "
        "accounts.csv, e.g. 'A2'; load tickets again from the same export as the accounts, or "
        "load without --keep-missing to drop it")]


def test_a_first_load_needs_accounts_and_subscriptions(warehouse, tmp_path):
    folder = write_folder(tmp_path / "src", {"accounts.csv": ACCOUNTS})
    with pytest.raises(ValidationError, match=r"subscriptions\.csv: is not in"):
        load(warehouse, folder, keep_missing=True)


def test_annual_billing_is_normalised_to_monthly_mrr_half_even(warehouse, tmp_path):
    folder = write_folder(tmp_path / "src", {
        "accounts.csv": ACCOUNTS,
        "subscriptions.csv": (
            "subscription_id,account_id,plan,amount,billing_period_months,start_date\n"
            "S1,A1,pro,1200.00,12,2024-01-05\n"      # 100.00 a month
            "S2,A1,seats,1000.00,12,2024-01-05\n"    # 83.333... -> 83.33
            "S3,A2,basic,12.06,12,2024-02-10\n"      # 1.005 -> 1.00 (half to even)
            "S4,A2,addon,12.18,12,2024-02-10\n"      # 1.015 -> 1.02 (half to even)
            "S5,A2,support,30.00,3,2024-02-10\n"     # quarterly: 10.00
            "S6,A2,monthly,9.99,,2024-02-10\n"),     # no period given: monthly
        "mapping.yaml": "tables:\n  subscriptions:\n    billed_amount: amount\n",
    })
    load(warehouse, folder)
    assert rows(warehouse, "SELECT subscription_id, billing_period_months, mrr "
                           "FROM subscriptions ORDER BY 1") == [
        ("S1", 12, Decimal("100.00")), ("S2", 12, Decimal("83.33")),
        ("S3", 12, Decimal("1.00")), ("S4", 12, Decimal("1.02")),
        ("S5", 3, Decimal("10.00")), ("S6", 1, Decimal("9.99"))]


def test_billed_amount_problems_name_the_billed_column(warehouse, tmp_path):
    folder = write_folder(tmp_path / "src", {
        "accounts.csv": ACCOUNTS,
        "subscriptions.csv": "subscription_id,account_id,plan,amount,start_date\n"
                             "S1,A1,pro,-120.00,2024-01-05\n",
        "mapping.yaml": "tables:\n  subscriptions:\n    billed_amount: amount\n"})
    with pytest.raises(ValidationError) as caught:
        load(warehouse, folder)
    assert [str(p) for p in caught.value.problems] == [
        ("subscriptions.csv line 2, column amount (billed amount): value '-120.00' is negative; "
        "a billed amount must be zero or more (a refund is a line ending early, not a negative "
        "price)")]


def test_other_currencies_are_converted_half_even_and_the_originals_kept(warehouse, tmp_path):
    folder = write_folder(tmp_path / "src", {
        "accounts.csv": ACCOUNTS,
        "subscriptions.csv": (
            "subscription_id,account_id,plan,mrr,currency,start_date\n"
            "S1,A1,pro,49.00,USD,2024-01-05\n"
            "S2,A1,pro,45.00,EUR,2024-01-05\n"      # 45.00 x 1.085 = 48.825 -> 48.82
            "S3,A2,pro,10.01,GBP,2024-02-10\n"      # 10.01 x 1.265 = 12.66265 -> 12.66
            "S4,A2,seat,10.10,EUR,2024-02-10\n"),   # 10.10 x 1.085 = 10.9585 -> 10.96
        "spend.csv": "month,sales_marketing,cost_of_service,currency\n"
                     "2024-01-01,100.00,20.10,EUR\n",  # 108.50 and 21.80850 -> 21.81
        "fx_rates.csv": "currency,rate\nEUR,1.085\nGBP,1.26500000\n",
    })
    load(warehouse, folder)
    assert rows(warehouse, "SELECT subscription_id, mrr, currency, original_mrr, "
                           "original_currency FROM subscriptions ORDER BY 1") == [
        ("S1", Decimal("49.00"), "USD", Decimal("49.00"), "USD"),
        ("S2", Decimal("48.82"), "USD", Decimal("45.00"), "EUR"),
        ("S3", Decimal("12.66"), "USD", Decimal("10.01"), "GBP"),
        ("S4", Decimal("10.96"), "USD", Decimal("10.10"), "EUR"),
    ]
    assert rows(warehouse, "SELECT * FROM spend") == [
        (date(2024, 1, 1), Decimal("108.50"), Decimal("21.81"), "USD", Decimal("100.00"),
         Decimal("20.10"), "EUR")]
    assert rows(warehouse, "SELECT * FROM fx_rates ORDER BY 1") == [
        ("EUR", Decimal("1.08500000")), ("GBP", Decimal("1.26500000"))]


def test_a_cancellation_recorded_after_the_end_is_loaded_with_a_warning(warehouse, tmp_path):
    folder = write_folder(tmp_path / "src", {
        "accounts.csv": ACCOUNTS,
        "subscriptions.csv": "subscription_id,account_id,plan,mrr,start_date,end_date,"
                             "cancelled_at\nS1,A1,pro,49.00,2024-01-05,2024-03-05,2024-03-20\n"})
    report = load(warehouse, folder)
    assert report.rows_loaded["subscriptions"] == 1
    assert report.warnings == [
        ("subscriptions.csv: 1 subscription line(s) have cancelled_at after end_date (a "
        "cancellation recorded after service had already ended); loaded as given")]


def test_cli_load_prints_rows_and_exits_2_on_problems(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "tenure.yaml").write_text("warehouse: wh/warehouse.duckdb\n")
    good = write_folder(tmp_path / "good", BASE)
    runner = CliRunner()
    result = runner.invoke(app, ["load", str(good), "--project", str(project),
                                 "--as-of", "2025-01-01"])
    assert result.exit_code == 0, result.output
    assert "subscriptions" in result.output
    assert (project / "wh" / "warehouse.duckdb").is_file()

    broken = write_folder(tmp_path / "broken", {
        **BASE, "subscriptions.csv": SUBSCRIPTIONS + "S3,A1,addon,-12.00,2024-03-01,\n"})
    result = runner.invoke(app, ["load", str(broken), "--project", str(project)])
    assert result.exit_code == 2
    assert "subscriptions.csv line 4, column mrr: value '-12.00' is negative" in result.output

    result = runner.invoke(app, ["load", str(broken), "--project", str(project), "--quarantine"])
    assert result.exit_code == 0, result.output
    assert "1 row(s) rejected" in result.output
    assert (project / "rejects.csv").read_text().startswith("table_name,file,row,reasons,record")


def test_cli_rejects_an_as_of_that_is_not_a_date(tmp_path):
    good = write_folder(tmp_path / "good", BASE)
    result = CliRunner().invoke(app, ["load", str(good), "--project", str(tmp_path / "p"),
                                      "--as-of", "31/12/2024"])
    assert result.exit_code != 0
    assert "--as-of: '31/12/2024' is not a date; write it as YYYY-MM-DD" in str(result.exception)
