"""The mapping file: the worked example of docs/loading.md, formats, minor units, and errors
that name the setting at fault."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from tenure.errors import ConfigError, ValidationError
from tenure.sources.mapping import Mapping, load_mapping
from test_load_support import ACCOUNTS, load, rows, write_folder

DOCS = Path(__file__).resolve().parents[1] / "docs" / "loading.md"


def docs_example_files() -> dict[str, str]:
    """The files of the worked example, exactly as docs/loading.md shows them."""
    text = DOCS.read_text(encoding="utf-8")
    found = re.findall(r"<!-- example-file: (\S+) -->\n```\w*\n(.*?)```", text, flags=re.S)
    return dict(found)


def test_the_documented_billing_export_example_loads_as_documented(warehouse, tmp_path):
    files = docs_example_files()
    assert sorted(files) == ["billing_export.csv", "customers.csv", "mapping.yaml"]
    report = load(warehouse, write_folder(tmp_path / "exports", files))
    assert report.rows_loaded == {"accounts": 3, "subscriptions": 4}
    assert report.files == {"accounts": "customers.csv", "subscriptions": "billing_export.csv"}
    assert rows(warehouse, "SELECT subscription_id, account_id, plan, quantity, mrr, currency, "
                           "start_date, end_date, is_trial FROM subscriptions ORDER BY 1") == [
        ("L-1", "C-001", "starter", 1, Decimal("29.00"), "USD", date(2024, 1, 5), None, False),
        ("L-2", "C-002", "growth", 1, Decimal("99.50"), "USD", date(2024, 2, 10),
         date(2024, 6, 10), False),
        ("L-3", "C-003", "starter", 1, Decimal("0.00"), "USD", date(2024, 3, 1),
         date(2024, 3, 15), True),
        ("L-4", "C-003", "growth", 1, Decimal("99.50"), "USD", date(2024, 3, 15), None, False),
    ]
    assert rows(warehouse, "SELECT account_id, created_at, segment FROM accounts ORDER BY 1") == [
        ("C-001", datetime(2024, 1, 5), "smb"),
        ("C-002", datetime(2024, 2, 10), "mid-market"),
        ("C-003", datetime(2024, 3, 1), "smb"),
    ]


def test_renamed_columns_are_named_both_ways_in_messages(warehouse, tmp_path):
    files = docs_example_files()
    files["billing_export.csv"] += "L-5,C-001,T3,-1.00,31/02/2024,,X\n"
    with pytest.raises(ValidationError) as caught:
        load(warehouse, write_folder(tmp_path / "exports", files))
    assert [str(p) for p in caught.value.problems] == [
        ("billing_export.csv line 6, column mrr_amount (mrr): value '-1.00' is negative; MRR must "
        "be zero or more (a refund is a line ending early, not negative MRR)"),
        ("billing_export.csv line 6, column started (start_date): value '31/02/2024' does not "
        "match the date_format '%d/%m/%Y' of the mapping; write every date of this column in "
        "that format or correct tables.subscriptions.date_format"),
        ("billing_export.csv line 6, column trial (is_trial): value 'X' is not true or false; "
        "write true or false, or translate your flags in the mapping "
        "(tables.subscriptions.values: {is_trial: {Y: true, N: false}})"),
    ]  # an unmapped plan code (T3) is kept as it is: plans are open-ended


def test_minor_units_and_timestamp_format(warehouse, tmp_path):
    folder = write_folder(tmp_path / "src", {
        "accounts.csv": "account_id,created_at\nA1,05/01/2024 14:30\nA2,10/02/2024 09:00\n",
        "subscriptions.csv": "subscription_id,account_id,plan,mrr,start_date\n"
                             "S1,A1,pro,4950,2024-01-05\nS2,A2,pro,7,2024-02-10\n",
        "mapping.yaml": (
            "tables:\n"
            "  accounts: {timestamp_format: '%d/%m/%Y %H:%M'}\n"
            "  subscriptions: {money_in_minor_units: true}\n"),
    })
    load(warehouse, folder)
    assert rows(warehouse, "SELECT account_id, created_at FROM accounts ORDER BY 1") == [
        ("A1", datetime(2024, 1, 5, 14, 30)), ("A2", datetime(2024, 2, 10, 9, 0))]
    assert rows(warehouse, "SELECT subscription_id, mrr FROM subscriptions ORDER BY 1") == [
        ("S1", Decimal("49.50")), ("S2", Decimal("0.07"))]


def test_minor_units_must_be_whole(warehouse, tmp_path):
    folder = write_folder(tmp_path / "src", {
        "accounts.csv": ACCOUNTS,
        "subscriptions.csv": "subscription_id,account_id,plan,mrr,start_date\n"
                             "S1,A1,pro,49.50,2024-01-05\n"})
    with pytest.raises(ValidationError) as caught:
        load(warehouse, folder, mapping=Mapping.model_validate(
            {"tables": {"subscriptions": {"money_in_minor_units": True}}}))
    assert [str(p) for p in caught.value.problems] == [
        ("subscriptions.csv line 2, column mrr: value '49.50' is not a whole number of minor "
        "units; money_in_minor_units is set in the mapping, so write whole cents (123450 for "
        "1234.50)")]


def test_a_mapping_given_as_a_path_overrides_the_folder_default(warehouse, tmp_path):
    folder = write_folder(tmp_path / "src", {
        "accounts.csv": ACCOUNTS,
        "subscriptions.csv": "subscription_id,customer,plan,mrr,start_date\n"
                             "S1,A1,pro,49.00,2024-01-05\n",
        "mapping.yaml": "tables: {subscriptions: {columns: {customer: nonsense}}}\n"})
    mapping = write_folder(tmp_path / "cfg", {
        "billing.yaml": "tables: {subscriptions: {columns: {customer: account_id}}}\n"})
    report = load(warehouse, folder, mapping=mapping / "billing.yaml")
    assert report.rows_loaded == {"accounts": 2, "subscriptions": 1}


@pytest.mark.parametrize(("text", "message"), [
    ("tables: {subscription: {}}\n",
     ("setting 'tables': Value error, unknown table 'subscription' (did you mean "
     "'subscriptions'?)")),
    ("tables: {subscriptions: {columns: {mrr_amount: mmr}}}\n",
     ("tables.subscriptions.columns maps 'mrr_amount' to 'mmr', which is not a column of "
     "subscriptions (did you mean 'mrr'?)")),
    ("tables: {subscriptions: {date_fmt: '%d'}}\n",
     "setting 'tables.subscriptions.date_fmt': Extra inputs are not permitted"),
    ("tables: {subscriptions: {date_format: 'dd/mm/yyyy'}}\n",
     "'dd/mm/yyyy' is not a strptime format; write it with % codes, e.g. '%d/%m/%Y'"),
    ("tables: {accounts: {billed_amount: x}}\n",
     "tables.accounts.billed_amount: only subscriptions derive mrr from a billed amount"),
    ("tables: [oops\n", "not valid YAML"),
    # joins and constants (see test_load_shapes.py)
    ("tables: {events: {join: {account_id: {table: subscription, on: sub}}}}\n",
     ("tables.events.join.account_id: unknown table 'subscription' (did you mean "
     "'subscriptions'?)")),
    ("tables: {subscriptions: {join: {account_id: {table: events, on: x}}}}\n",
     ("tables.subscriptions.join.account_id: subscriptions can only look values up in a table "
     "loaded before it (accounts)")),
    ("tables: {events: {join: {acount_id: {table: subscriptions, on: sub}}}}\n",
     ("tables.events.join.acount_id: 'acount_id' is not a column of events (did you mean "
     "'account_id'?)")),
    (("tables: {events: {columns: {cust: account_id}, join: {account_id: {table: subscriptions,"
     " on: sub}}}}\n"),
     ("tables.events.join.account_id: account_id is also the target of tables.events.columns; "
     "keep one of the two")),
    ("tables: {subscriptions: {constants: {tier: gold}}}\n",
     ("tables.subscriptions.constants.tier: 'tier' is not a column of subscriptions (did you "
     "mean 'plan'?)")),
    ("tables: {events: {join: {account_id: {table: subscriptions}}}}\n",
     "setting 'tables.events.join.account_id.on': Field required"),
])
def test_mapping_errors_name_the_file_and_setting(tmp_path, text, message):
    path = tmp_path / "mapping.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_mapping(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)


def test_a_mapped_column_absent_from_the_file_is_named(warehouse, tmp_path):
    folder = write_folder(tmp_path / "src", {
        "accounts.csv": ACCOUNTS,
        "subscriptions.csv": "subscription_id,account_id,plan,mrr,start_date\n"
                             "S1,A1,pro,49.00,2024-01-05\n",
        "mapping.yaml": "tables: {subscriptions: {columns: {plan_tier: plan}}}\n"})
    with pytest.raises(ValidationError) as caught:
        load(warehouse, folder)
    assert [str(p) for p in caught.value.problems] == [
        ("subscriptions.csv, column plan_tier: is named in the mapping but the file has no such "
        "column (it has: subscription_id, account_id, plan, mrr, start_date); correct "
        "tables.subscriptions in the mapping")]


def test_yaml_flags_keep_their_keys():
    mapping = Mapping.model_validate(
        {"tables": {"subscriptions": {"values": {"is_trial": {"Y": True, "N": False}}}}})
    assert mapping.for_table("subscriptions").values == {"is_trial": {"Y": "true", "N": "false"}}
