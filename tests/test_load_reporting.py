"""How a failed load reports its problems: the true count, counts per file and rule, examples
from every file, and a closing hint that fits the problems (quarantine only where it helps)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from tenure.cli.app import app
from tenure.errors import ValidationError
from tenure.warehouse.load import EXAMPLES_PER_RULE
from test_load_support import ACCOUNTS, BASE, SUBSCRIPTIONS, load, rows, write_folder


def failed(warehouse, folder, **options) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        load(warehouse, folder, **options)
    return caught.value


def test_the_count_is_the_true_total_and_every_file_shows_examples(warehouse, tmp_path):
    # 1,100 negative amounts in the first file with problems, then one bad ticket: the old
    # listing showed 1,000 lines of subscriptions.csv, said "1001 problem(s)" and hid tickets.
    lines = "".join(f"S{i},A1,pro,-{i}.00,2024-01-05,\n" for i in range(3, 1103))
    folder = write_folder(tmp_path / "src", {
        **BASE, "subscriptions.csv": SUBSCRIPTIONS + lines,
        "tickets.csv": "ticket_id,account_id,opened_at,priority\nT1,A1,2024-05-01,P1\n"})
    exc = failed(warehouse, folder)
    assert exc.total == 1100 + 1
    assert str(exc).splitlines()[0] == (
        "1,101 problem(s) found; nothing was written to the warehouse.")
    listed = [str(p) for p in exc.problems]
    assert len(listed) == EXAMPLES_PER_RULE + 1
    assert listed[0].startswith("subscriptions.csv line 4, column mrr: value '-3.00' is negative")
    assert listed[-1].startswith("tickets.csv line 2, column priority: value 'P1'")
    assert [str(c) for c in exc.counts] == [
        (f"subscriptions.csv, column mrr: 1,100 problem(s), {EXAMPLES_PER_RULE} listed; e.g. "
         "line 4: value '-3.00' is negative"),
        ("tickets.csv, column priority: 1 problem(s); e.g. line 2: value 'P1' is not a known "
         "priority"),
    ]


def test_rules_of_one_column_are_counted_apart(warehouse, tmp_path):
    folder = write_folder(tmp_path / "src", {
        **BASE, "subscriptions.csv": SUBSCRIPTIONS + "S3,A1,pro,-1.00,2024-01-05,\n"
        "S4,A1,pro,abc,2024-01-05,\nS5,A1,pro,-2.00,2024-01-05,\n"})
    exc = failed(warehouse, folder)
    assert exc.total == 3
    assert [(c.file, c.column, c.count) for c in exc.counts] == [
        ("subscriptions.csv", "mrr", 2), ("subscriptions.csv", "mrr", 1)]


def test_a_file_problem_is_counted_with_the_rows(warehouse, tmp_path):
    folder = write_folder(tmp_path / "src", {
        **BASE, "subscriptions.csv": SUBSCRIPTIONS + "S3,A1,pro,-1.00,2024-01-05,\n",
        "tickets.csv": "ticket_id,opened_at\nT1,2024-05-01\n"})
    exc = failed(warehouse, folder)
    assert exc.total == 2
    assert str(exc).startswith("2 problem(s) found")


def test_quarantine_is_suggested_only_for_row_problems(warehouse, tmp_path):
    rows_only = write_folder(tmp_path / "rows", {
        **BASE, "subscriptions.csv": SUBSCRIPTIONS + "S3,A1,pro,-1.00,2024-01-05,\n"})
    assert "--quarantine" in failed(warehouse, rows_only).advice

    missing_column = write_folder(tmp_path / "column", {
        **BASE, "subscriptions.csv": "subscription_id,account_id,mrr,start_date\n"
                                     "S1,A1,49.00,2024-01-05\n"})
    advice = failed(warehouse, missing_column).advice
    assert "--quarantine" not in advice
    assert "mapping" in advice

    bad_mapping = write_folder(tmp_path / "mapping", {
        **BASE, "mapping.yaml": "tables: {subscriptions: {columns: {plan_tier: plan}}}\n"})
    assert "--quarantine" not in failed(warehouse, bad_mapping).advice

    both = write_folder(tmp_path / "both", {
        **BASE, "subscriptions.csv": SUBSCRIPTIONS + "S3,A1,pro,-1.00,2024-01-05,\n",
        "tickets.csv": "ticket_id,opened_at\nT1,2024-05-01\n"})
    advice = failed(warehouse, both).advice
    assert "tickets.csv" in advice  # first the file, then the rows
    assert "--quarantine" in advice


def test_the_cli_prints_the_true_count_and_no_quarantine_hint_for_a_missing_column(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / "tenure.yaml").write_text("warehouse: warehouse.duckdb\n")
    folder = write_folder(tmp_path / "src", {
        "accounts.csv": ACCOUNTS,
        "subscriptions.csv": "subscription_id,account_id,mrr,start_date\n"
                             "S1,A1,49.00,2024-01-05\n"})
    result = CliRunner().invoke(app, ["load", str(folder), "--project", str(project),
                                      "--as-of", "2025-01-01"])
    assert result.exit_code == 2
    assert "1 problem(s) found" in result.output
    assert "--quarantine" not in result.output


# -- hints that point at the mapping ------------------------------------------------------------


def test_every_row_on_an_unknown_account_points_at_the_mapped_column(warehouse, tmp_path):
    # The export's 'customer' column is the customer's name; 'customer_ref' holds the ids.
    folder = write_folder(tmp_path / "src", {
        **BASE,
        "tickets.csv": "ticket_id,customer,customer_ref,opened_at\nT1,Acme,A1,2024-05-01\n"
                       "T2,Acme,A1,2024-05-02\nT3,Beta,A2,2024-05-03\n",
        "mapping.yaml": "tables: {tickets: {columns: {customer: account_id}}}\n"})
    exc = failed(warehouse, folder)
    assert str(exc.problems[0]) == (
        "tickets.csv, column customer (account_id): names no account of accounts.csv in 3 of 3 "
        "rows (e.g. 'Acme'); the mapping takes account_id from column 'customer'; column "
        "'customer_ref' holds the accounts' ids (3 of 3 sampled rows match): map it instead, "
        "tables.tickets.columns: {customer_ref: account_id}")
    assert "--quarantine" not in exc.advice  # quarantine would throw the whole file away
    with pytest.raises(ValidationError):
        load(warehouse, folder, quarantine=True)


def test_the_accounts_mapping_can_be_the_wrong_one(warehouse, tmp_path):
    folder = write_folder(tmp_path / "src", {
        "accounts.csv": "crm_id,billing_id,created_at\nC-1,A1,2024-01-05\nC-2,A2,2024-02-10\n",
        "subscriptions.csv": SUBSCRIPTIONS,
        "mapping.yaml": "tables: {accounts: {columns: {crm_id: account_id}}}\n"})
    problem = failed(warehouse, folder).problems[0]
    assert problem.fix == (
        "accounts.csv's column 'billing_id' holds the ids this file uses (2 of 2 sampled rows "
        "match): map it to account_id there, tables.accounts.columns: {billing_id: account_id}")


def test_a_few_unknown_accounts_stay_row_problems(warehouse, tmp_path):
    folder = write_folder(tmp_path / "src", {
        **BASE, "subscriptions.csv": SUBSCRIPTIONS + "S3,A9,pro,49.00,2024-03-01,\n"})
    exc = failed(warehouse, folder)
    assert [p.row for p in exc.problems] == [4]
    assert "--quarantine" in exc.advice


def test_a_whole_number_with_decimals_points_at_the_value_translations(warehouse, tmp_path):
    folder = write_folder(tmp_path / "src", {
        **BASE, "subscriptions.csv": "subscription_id,account_id,plan,quantity,mrr,start_date\n"
                                     "S1,A1,pro,4.0,49.00,2024-01-05\n"
                                     "S2,A2,pro,2.5,49.00,2024-01-05\n"})
    assert [str(p) for p in failed(warehouse, folder).problems] == [
        ("subscriptions.csv line 2, column quantity: value '4.0' is a whole number written with "
         "decimals; the column went through a decimal (float) type on its way out: export it as "
         "whole numbers, or translate the values in the mapping, e.g. "
         "tables.subscriptions.values: {quantity: {'1.0': 1, '2.0': 2}}"),
        ("subscriptions.csv line 3, column quantity: value '2.5' is not a whole number; quantity "
         "must be a whole number such as 3"),
    ]
    write_folder(folder, {
        "subscriptions.csv": "subscription_id,account_id,plan,quantity,mrr,start_date\n"
                             "S1,A1,pro,4.0,49.00,2024-01-05\n",
        "mapping.yaml": "tables: {subscriptions: {values: {quantity: {'4.0': 4}}}}\n"})
    load(warehouse, folder)
    assert rows(warehouse, "SELECT quantity FROM subscriptions") == [(4,)]


def test_a_float_column_of_whole_numbers_in_parquet_gets_the_same_hint(warehouse, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = write_folder(tmp_path / "src", {"accounts.csv": ACCOUNTS})
    pq.write_table(pa.table({  # pandas writes an integer column with a gap as float64
        "subscription_id": ["S1"], "account_id": ["A1"], "plan": ["pro"],
        "quantity": pa.array([3.0], pa.float64()), "mrr": ["49.00"], "start_date": ["2024-01-05"],
    }), folder / "subscriptions.parquet")
    problems = failed(warehouse, folder).problems
    assert [(p.row_label, p.row, p.column, p.value, p.message) for p in problems] == [
        ("row", 1, "quantity", "3.0", "is a whole number written with decimals")]


def test_every_date_in_another_format_gets_the_format_to_set(warehouse, tmp_path):
    folder = write_folder(tmp_path / "src", {
        **BASE, "subscriptions.csv": "subscription_id,account_id,plan,mrr,start_date\n"
                                     "S1,A1,pro,49.00,25/01/2024\nS2,A2,pro,19.00,13/02/2024\n"})
    exc = failed(warehouse, folder)
    assert str(exc.problems[0]) == (
        "subscriptions.csv, column start_date: fails to parse in 2 of 2 rows (e.g. '13/02/2024');"
        " they are not ISO dates; set tables.subscriptions.date_format: '%d/%m/%Y' in the mapping")
    assert "--quarantine" not in exc.advice  # it would set every row aside


def test_ambiguous_day_and_month_are_both_named(warehouse, tmp_path):
    folder = write_folder(tmp_path / "src", {
        "accounts.csv": "account_id,created_at\nA1,05/01/2024 10:00\nA2,02/03/2024 11:30\n",
        "subscriptions.csv": SUBSCRIPTIONS})
    assert failed(warehouse, folder).problems[0].fix == (
        "they fit '%d/%m/%Y %H:%M' and '%m/%d/%Y %H:%M': set tables.accounts.timestamp_format in "
        "the mapping to the one your system writes (day or month first)")


def test_a_wrongly_mapped_column_that_never_parses_points_at_the_mapping(warehouse, tmp_path):
    folder = write_folder(tmp_path / "src", {
        **BASE,
        "subscriptions.csv": "subscription_id,account_id,plan,mrr,seats_label,start_date\n"
                             "S1,A1,pro,49.00,five,2024-01-05\nS2,A2,pro,19.00,ten,2024-02-10\n",
        "mapping.yaml": "tables: {subscriptions: {columns: {seats_label: quantity}}}\n"})
    assert str(failed(warehouse, folder).problems[0]) == (
        "subscriptions.csv, column seats_label (quantity): fails to parse in 2 of 2 rows (e.g. "
        "'five'); the mapping takes quantity from column 'seats_label'; check that "
        "tables.subscriptions.columns maps the column holding quantity to it")
