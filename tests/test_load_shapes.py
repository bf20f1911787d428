"""Source shapes real exports have: events with or without a source id, accounts without a
sign-up date, subscription lines without an id, usage keyed by a subscription, constants, and
hints for mapping mistakes. Every export is written by hand here, a few rows each."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from tenure.errors import ValidationError
from tenure.measures import compute_measures, wide_measures
from test_load_support import ACCOUNTS, BASE, SUBSCRIPTIONS, load, rows, write_folder
from test_measures_data import AS_OF as MEASURE_DATES
from test_measures_data import EXPECTED, tiny_config, tiny_tables

EVENTS = "account_id,user_id,event_name,occurred_at\n"


def failed(warehouse, folder, **options) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        load(warehouse, folder, **options)
    return caught.value


# -- events: a source id, or repeated actions ---------------------------------------------------


def test_identical_events_without_an_id_are_kept_and_counted(warehouse, tmp_path):
    # Two clicks in one second, and a login written three times: real repeated actions.
    events = EVENTS + (
        "A1,u1,click,2024-05-01 10:00:00\nA1,u1,click,2024-05-01 10:00:00\n"
        "A2,u2,login,2024-05-02 09:00:00\nA2,u2,login,2024-05-02 09:00:00\n"
        "A2,u2,login,2024-05-02 09:00:00\nA2,u2,login,2024-05-02 09:00:01\n")
    report = load(warehouse, write_folder(tmp_path / "src", {**BASE, "events.csv": events}))
    assert report.rows_loaded["events"] == 6
    assert report.repeated_events == 3
    assert report.warnings == [
        ("events.csv: 3 event(s) repeat an identical earlier row (same account, user, event, time "
        "and properties); they were loaded as repeated actions. Give each event its source id "
        "(an event_id column, e.g. Segment's messageId) to have true duplicates found")]
    assert "3 event(s) repeat an identical earlier row" in report.summary()
    assert rows(warehouse, "SELECT count(*), count(event_id) FROM events") == [(6, 0)]


def test_a_repeated_source_id_is_a_duplicate(warehouse, tmp_path):
    folder = write_folder(tmp_path / "src", {
        **BASE,
        "events.csv": "messageId,account_id,user_id,event_name,occurred_at\n"
                      "m1,A1,u1,click,2024-05-01 10:00:00\nm2,A1,u1,click,2024-05-01 10:00:00\n"
                      "m1,A1,u1,click,2024-05-01 10:00:00\n",
        "mapping.yaml": "tables: {events: {columns: {messageId: event_id}}}\n"})
    assert [str(p) for p in failed(warehouse, folder).problems] == [
        ("events.csv line 4, column messageId (event_id): value 'm1' repeats the key of line 2; "
        "events has one row per messageId (event_id): remove the duplicate row")]
    report = load(warehouse, folder, quarantine=True)
    assert report.rows_loaded["events"] == 2  # m1 and m2 are two clicks in one second
    assert report.rejects_by_table == {"events": 1}
    assert report.repeated_events == 0
    assert rows(warehouse, "SELECT event_id FROM events ORDER BY 1") == [("m1",), ("m2",)]


def test_tickets_keep_their_own_id_as_the_key(warehouse, tmp_path):
    folder = write_folder(tmp_path / "src", {
        **BASE, "tickets.csv": "ticket_id,account_id,opened_at\nT1,A1,2024-05-01\n"
                               "T1,A1,2024-05-01\n"})
    assert [str(p) for p in failed(warehouse, folder).problems] == [
        ("tickets.csv line 3, column ticket_id: value 'T1' repeats the key of line 2; tickets has "
        "one row per ticket_id: remove the duplicate row")]


@pytest.mark.parametrize("with_ids", [False, True])
def test_measures_read_events_with_or_without_the_source_id(warehouse, with_ids):
    tables = tiny_tables()
    if with_ids:
        events = tables["events"]
        tables["events"] = events.append_column(
            "event_id", pa.array([f"m{i}" for i in range(events.num_rows)], pa.string()))
    warehouse.replace_tables(tables)
    config = tiny_config()
    wide = wide_measures(compute_measures(warehouse, config=config, as_of_dates=MEASURE_DATES),
                         config=config)
    found = {(r["account_id"], r["as_of_date"]): r["events_7d"] for r in wide.to_dict("records")}
    assert found == {key: expected["events_7d"] for key, expected in EXPECTED.items()}


# -- values an export may lack --------------------------------------------------------------------


def test_accounts_without_a_sign_up_date_take_their_first_line_start(warehouse, tmp_path):
    folder = write_folder(tmp_path / "src", {
        "accounts.csv": "account_id,name\nA1,Acme\nA2,Beta\n",
        "subscriptions.csv": "subscription_id,account_id,plan,mrr,start_date\n"
                             "S1,A1,pro,49.00,2024-03-01\nS2,A1,addon,5.00,2024-01-05\n"
                             "S3,A2,pro,49.00,2024-02-10\n"})
    report = load(warehouse, folder)
    assert rows(warehouse, "SELECT account_id, created_at FROM accounts ORDER BY 1") == [
        ("A1", datetime(2024, 1, 5)), ("A2", datetime(2024, 2, 10))]
    assert ("accounts.csv: 2 account(s) have no created_at (sign-up date); it was taken from "
            "the start of each account's first subscription line") in report.warnings


def test_an_empty_sign_up_date_is_filled_and_one_without_lines_is_reported(warehouse, tmp_path):
    accounts = "account_id,created_at\nA1,2023-12-01\nA2,\nA3,\n"
    folder = write_folder(tmp_path / "src", {
        "accounts.csv": accounts,
        "subscriptions.csv": SUBSCRIPTIONS})
    assert [str(p) for p in failed(warehouse, folder).problems] == [
        ("accounts.csv line 4, column created_at: is empty, and the account has no subscription "
         "line to take its sign-up date from; write the account's sign-up date in created_at "
         "(or map the file's column that holds it: tables.accounts.columns), or load its "
         "subscription lines")]
    write_folder(folder, {"accounts.csv": accounts.replace("A3,\n", "")})
    report = load(warehouse, folder)
    assert rows(warehouse, "SELECT account_id, created_at FROM accounts ORDER BY 1") == [
        ("A1", datetime(2023, 12, 1)), ("A2", datetime(2024, 2, 10))]
    assert report.warnings[0].startswith("accounts.csv: 1 account(s) have no created_at")


LINES = """\
account_id,plan,mrr,start_date,end_date
A1,pro,49.00,2024-01-05,
A1,addon,5.00,2024-01-05,2024-03-01
A2,pro,49.00,2024-02-10,
"""


def test_lines_without_an_id_get_one_that_survives_a_reload(warehouse, tmp_path):
    folder = write_folder(tmp_path / "src", {"accounts.csv": ACCOUNTS,
                                             "subscriptions.csv": LINES})
    report = load(warehouse, folder)
    assert ("subscriptions.csv: 3 subscription line(s) have no subscription_id; each was given "
            "one made from its account, plan, dates and price (the same on every load of the "
            "same rows)") in report.warnings
    first = rows(warehouse, "SELECT subscription_id, account_id, plan FROM subscriptions "
                            "ORDER BY account_id, plan")
    assert [len(set(r[0] for r in first)), {r[0][:4] for r in first}] == [3, {"gen-"}]
    # The same rows in another order (and another file) keep their ids.
    header, *body = LINES.splitlines(keepends=True)
    write_folder(folder, {"subscriptions.csv": header + "".join(reversed(body))})
    load(warehouse, folder)
    assert rows(warehouse, "SELECT subscription_id, account_id, plan FROM subscriptions "
                           "ORDER BY account_id, plan") == first


def test_two_identical_lines_without_an_id_are_a_duplicate(warehouse, tmp_path):
    folder = write_folder(tmp_path / "src", {
        "accounts.csv": ACCOUNTS, "subscriptions.csv": LINES + "A2,pro,49.00,2024-02-10,\n"})
    problems = [str(p) for p in failed(warehouse, folder).problems]
    assert len(problems) == 1
    assert problems[0].startswith("subscriptions.csv line 5, column subscription_id: is empty, "
                                  "and the line is identical to line 4 (both were given the id "
                                  "'gen-")
    assert problems[0].endswith("'); subscriptions has one row per subscription_id: remove the "
                                "duplicate row")


# -- the mapping joins exports and sets constants ---------------------------------------------


USAGE = """\
messageId,sub,who,action,ts
m1,S1,u1,login,2024-05-01 10:00:00
m2,S2,u2,export,2024-05-02 11:00:00
m3,S1,u1,login,2024-05-03 09:30:00
"""

JOIN_MAPPING = """\
tables:
  events:
    file: usage.csv
    columns: {messageId: event_id, who: user_id, action: event_name, ts: occurred_at}
    join:
      account_id: {table: subscriptions, on: sub}
"""


def test_usage_keyed_by_a_subscription_gets_its_account_through_the_join(warehouse, tmp_path):
    folder = write_folder(tmp_path / "src", {**BASE, "usage.csv": USAGE,
                                             "mapping.yaml": JOIN_MAPPING})
    report = load(warehouse, folder)
    assert report.rows_loaded["events"] == 3
    assert report.warnings == []  # 'sub' served the join: it is not reported as unloaded
    assert rows(warehouse, "SELECT event_id, account_id, user_id, event_name FROM events "
                           "ORDER BY 1") == [
        ("m1", "A1", "u1", "login"), ("m2", "A2", "u2", "export"), ("m3", "A1", "u1", "login")]


def test_a_join_key_that_finds_nothing_is_a_row_problem(warehouse, tmp_path):
    usage = USAGE + "m4,S9,u1,login,2024-05-04 09:30:00\nm5,,u1,login,2024-05-04 09:31:00\n"
    folder = write_folder(tmp_path / "src", {**BASE, "usage.csv": usage,
                                             "mapping.yaml": JOIN_MAPPING})
    fix = ("every row needs the subscription_id its account_id is taken from "
           "(tables.events.join.account_id): fill it in, or add the missing row to "
           "subscriptions.csv")
    assert [str(p) for p in failed(warehouse, folder).problems] == [
        (f"usage.csv line 5, column sub (join to subscriptions): value 'S9' is not a "
        f"subscription_id in subscriptions.csv; {fix}"),
        f"usage.csv line 6, column sub (join to subscriptions): is empty; {fix}"]
    report = load(warehouse, folder, quarantine=True)
    assert report.rows_loaded["events"] == 3


def test_constants_fill_a_plan_and_a_currency_the_export_lacks(warehouse, tmp_path):
    folder = write_folder(tmp_path / "src", {
        "accounts.csv": ACCOUNTS,
        "subscriptions.csv": "subscription_id,account_id,mrr,start_date\n"
                             "S1,A1,49.00,2024-01-05\nS2,A2,19.00,2024-02-10\n",
        "fx_rates.csv": "currency,rate\nEUR,1.10\n",
        "mapping.yaml": "tables: {subscriptions: {constants: {plan: standard, currency: EUR}}}\n",
    })
    load(warehouse, folder)
    assert rows(warehouse, "SELECT subscription_id, plan, original_currency, mrr "
                           "FROM subscriptions ORDER BY 1") == [
        ("S1", "standard", "EUR", Decimal("53.90")), ("S2", "standard", "EUR", Decimal("20.90"))]


def test_a_constant_for_a_column_the_file_has_is_a_file_problem(warehouse, tmp_path):
    folder = write_folder(tmp_path / "src", {
        **BASE, "mapping.yaml": "tables: {subscriptions: {constants: {plan: standard}}}\n"})
    assert [str(p) for p in failed(warehouse, folder).problems] == [
        ("subscriptions.csv, column plan: is in the file and also set by "
        "tables.subscriptions.constants.plan in the mapping; remove "
        "tables.subscriptions.constants.plan from the mapping, or drop the column")]


def test_the_documented_three_systems_example_loads_as_documented(warehouse, tmp_path):
    text = (Path(__file__).resolve().parents[1] / "docs" / "loading.md").read_text()
    files = dict(re.findall(r"<!-- example2-file: (\S+) -->\n```\w*\n(.*?)```", text, flags=re.S))
    assert sorted(files) == ["billing.csv", "crm_accounts.csv", "mapping.yaml", "usage.csv"]
    report = load(warehouse, write_folder(tmp_path / "exports", files))
    assert report.rows_loaded == {"accounts": 2, "subscriptions": 2, "events": 3}
    assert report.repeated_events == 0
    assert report.warnings == [
        ("crm_accounts.csv: 2 account(s) have no created_at (sign-up date); it was taken from the "
        "start of each account's first subscription line")]
    assert rows(warehouse, "SELECT account_id, name, industry, created_at FROM accounts "
                           "ORDER BY 1") == [
        ("C-001", "Acme", "retail", datetime(2024, 1, 5)),
        ("C-002", "Beta", "software", datetime(2024, 2, 10))]
    assert rows(warehouse, "SELECT subscription_id, plan FROM subscriptions ORDER BY 1") == [
        ("sub_1", "standard"), ("sub_2", "standard")]
    assert rows(warehouse, "SELECT event_id, account_id, user_id, event_name, occurred_at "
                           "FROM events ORDER BY 1") == [
        ("m-1", "C-001", "u-1", "login", datetime(2024, 3, 1, 9)),
        ("m-2", "C-001", "u-1", "login", datetime(2024, 3, 1, 9)),
        ("m-3", "C-002", "u-7", "export", datetime(2024, 3, 2, 10, 30))]


def test_a_join_to_a_table_that_is_not_loaded_is_a_file_problem(warehouse, tmp_path):
    folder = write_folder(tmp_path / "src", {
        **BASE, "usage.csv": USAGE, "mapping.yaml": JOIN_MAPPING.replace("on: sub", "on: subx")})
    assert [str(p) for p in failed(warehouse, folder).problems] == [
        ("usage.csv, column subx: is named by tables.events.join.account_id in the mapping but the "
         "file has no such column (it has: messageId, sub, who, action, ts); correct "
         "tables.events.join.account_id.on in the mapping")]
    write_folder(folder, {"subscriptions.csv": "subscription_id,account_id\n",
                          "mapping.yaml": JOIN_MAPPING})
    problems = [str(p) for p in failed(warehouse, folder).problems]
    assert problems[-1] == (
        "usage.csv, column account_id: is taken from table subscriptions "
        "(tables.events.join.account_id), which is not in this load or could not be read; add "
        "the subscriptions file, or fix its problems")


def test_events_differing_only_in_properties_are_not_repeats(warehouse, tmp_path):
    events = ("account_id,user_id,event_name,occurred_at,properties\n"
              'A1,u1,click,2024-05-01 10:00:00,"{""b"": 1}"\n'
              'A1,u1,click,2024-05-01 10:00:00,"{""b"": 2}"\n'
              'A1,u1,click,2024-05-01 10:00:00,"{""b"": 2}"\n'
              "A1,u1,click,2024-05-01 10:00:00,\nA1,u1,click,2024-05-01 10:00:00,\n")
    report = load(warehouse, write_folder(tmp_path / "src", {**BASE, "events.csv": events}))
    assert (report.rows_loaded["events"], report.repeated_events) == (5, 2)
