"""How a failed load reports its problems: the true count, counts per file and rule, examples
from every file, and a closing hint that fits the problems (quarantine only where it helps)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from tenure.cli.app import app
from tenure.errors import ValidationError
from tenure.warehouse.load import EXAMPLES_PER_RULE
from test_load_support import ACCOUNTS, BASE, SUBSCRIPTIONS, load, write_folder


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
