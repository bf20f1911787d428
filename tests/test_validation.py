"""Every validation rule, each on a small malformed export.

Each test loads a valid export first, then a malformed one, and checks that (1) the load fails
with a message naming the file, line, column, value and fix, written out here in full, and
(2) nothing was written: the warehouse is exactly as the valid load left it.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tenure.errors import ValidationError
from tenure.warehouse import Warehouse
from tenure.warehouse.load import EXAMPLES_PER_RULE
from test_load_support import ACCOUNTS, BASE, SUBSCRIPTIONS, load, snapshot, write_folder


@pytest.fixture
def loaded(warehouse: Warehouse, tmp_path: Path) -> Warehouse:
    """A warehouse holding the valid base export."""
    load(warehouse, write_folder(tmp_path / "base", BASE))
    return warehouse


def problems_of(warehouse: Warehouse, folder: Path, **options: object) -> list[str]:
    """Load ``folder``, expect a ValidationError, check nothing changed; the problems as text."""
    before = snapshot(warehouse)
    with pytest.raises(ValidationError) as caught:
        load(warehouse, folder, **options)
    assert snapshot(warehouse) == before
    assert "nothing was written to the warehouse" in str(caught.value)
    return [str(p) for p in caught.value.problems]


def bad(tmp_path: Path, **files: str | None) -> Path:
    """The base export with some files replaced (keys use '__' for '.': accounts__csv)."""
    overrides = {name.replace("__", "."): text for name, text in files.items()}
    return write_folder(tmp_path / "bad", {**BASE, **overrides})


def test_negative_mrr_is_named_with_file_line_column_value_and_fix(loaded, tmp_path):
    folder = bad(tmp_path, subscriptions__csv=SUBSCRIPTIONS + "S3,A1,addon,-12.00,2024-03-01,\n")
    assert problems_of(loaded, folder) == [
        ("subscriptions.csv line 4, column mrr: value '-12.00' is negative; MRR must be zero or "
        "more (a refund is a line ending early, not negative MRR)")
    ]


def test_missing_required_column_lists_the_file_columns_and_suggests_a_mapping(loaded, tmp_path):
    folder = bad(tmp_path, subscriptions__csv=(
        "subscription_id,account_id,plan,mrr_amount,start_date\nS1,A1,pro,49.00,2024-01-05\n"))
    assert problems_of(loaded, folder) == [
        ("subscriptions.csv, column mrr: is missing (Monthly recurring revenue of the line, exact, "
        "normalised to one month (an annual price divided by 12, rounded half-even to the cent).)"
        "; the file has columns subscription_id, account_id, plan, mrr_amount, start_date; map "
        "one of the file's columns to it in the mapping, e.g. tables.subscriptions.columns: "
        "{mrr_amount: mrr}")
    ]


def test_non_integer_quantity(loaded, tmp_path):
    folder = bad(tmp_path, subscriptions__csv=(
        "subscription_id,account_id,plan,quantity,mrr,start_date\n"
        "S1,A1,pro,1.5,49.00,2024-01-05\nS2,A2,pro,two,49.00,2024-01-05\n"))
    assert problems_of(loaded, folder) == [
        ("subscriptions.csv line 2, column quantity: value '1.5' is not a whole number; quantity "
        "must be a whole number such as 3"),
        ("subscriptions.csv line 3, column quantity: value 'two' is not a whole number; quantity "
        "must be a whole number such as 3"),
    ]


def test_unparseable_date_and_timestamp(loaded, tmp_path):
    folder = bad(
        tmp_path,
        accounts__csv="account_id,created_at\nA1,2024-01-05\nA2,last tuesday\n",
        subscriptions__csv=SUBSCRIPTIONS.replace("2024-01-05,\n", "2024-13-05,\n"),
    )
    assert problems_of(loaded, folder) == [
        ("accounts.csv line 3, column created_at: value 'last tuesday' is not an ISO timestamp; "
        "write it as 2024-03-31 14:05:00 (UTC) or ...+02:00, or give the file's format in the "
        "mapping (tables.accounts.timestamp_format: '%d/%m/%Y')"),
        ("subscriptions.csv line 2, column start_date: value '2024-13-05' is not an ISO date; "
        "write it as 2024-03-31, or give the file's format in the mapping "
        "(tables.subscriptions.date_format: '%d/%m/%Y')"),
    ]


def test_non_numeric_money(loaded, tmp_path):
    folder = bad(tmp_path, subscriptions__csv=(
        "subscription_id,account_id,plan,mrr,start_date\n"
        "S1,A1,pro,$49,2024-01-05\nS2,A2,pro,\"1,049.00\",2024-01-05\nS3,A2,x,4.999,2024-01-05\n"))
    fix = ("write digits with at most two decimals after a '.', without currency symbol or "
           "thousands separator (e.g. 1234.50)")
    assert problems_of(loaded, folder) == [
        f"subscriptions.csv line 2, column mrr: value '$49' is not an amount of money; {fix}",
        f"subscriptions.csv line 3, column mrr: value '1,049.00' is not an amount of money; {fix}",
        f"subscriptions.csv line 4, column mrr: value '4.999' is not an amount of money; {fix}",
    ]


def test_end_on_or_before_start(loaded, tmp_path):
    folder = bad(tmp_path, subscriptions__csv=(
        "subscription_id,account_id,plan,mrr,start_date,end_date\n"
        "S1,A1,pro,49.00,2024-01-05,2024-01-05\nS2,A2,pro,49.00,2024-03-01,2024-02-01\n"))
    fix = ("end_date is the first day without service, after start_date; leave it empty while "
           "the line runs")
    assert problems_of(loaded, folder) == [
        ("subscriptions.csv line 2, column end_date: value '2024-01-05' is on or before "
        f"start_date 2024-01-05; {fix}"),
        ("subscriptions.csv line 3, column end_date: value '2024-02-01' is on or before "
        f"start_date 2024-03-01; {fix}"),
    ]


def test_duplicate_keys_per_grain(loaded, tmp_path):
    folder = bad(
        tmp_path,
        subscriptions__csv=SUBSCRIPTIONS + "S1,A2,basic,5.00,2024-02-10,\n",
        trials__csv="account_id,started_at,ends_at\nA1,2024-01-01,2024-01-15\n"
                    "A1,2024-01-01,2024-01-31\n",
    )
    assert problems_of(loaded, folder) == [
        ("subscriptions.csv line 4, column subscription_id: value 'S1' repeats the key of line 2; "
        "subscriptions has one row per subscription_id: remove the duplicate row"),
        ("trials.csv line 3, column account_id, started_at: value 'A1, 2024-01-01' repeats the "
        "key (account_id, started_at) of line 2; trials has one row per account_id, started_at: "
        "remove the duplicate row"),
    ]


def test_rows_for_unknown_accounts(loaded, tmp_path):
    folder = bad(
        tmp_path,
        subscriptions__csv=SUBSCRIPTIONS + "S3,A9,pro,49.00,2024-03-01,\n",
        tickets__csv="ticket_id,account_id,opened_at\nT1,A1,2024-05-01 10:00\nT2,A7,2024-05-02\n",
    )
    assert problems_of(loaded, folder) == [
        ("subscriptions.csv line 4, column account_id: value 'A9' is not an account in "
        "accounts.csv; add the account to accounts.csv, or remove the rows of accounts that do "
        "not exist"),
        ("tickets.csv line 3, column account_id: value 'A7' is not an account in accounts.csv; "
        "add the account to accounts.csv, or remove the rows of accounts that do not exist"),
    ]


def test_overlapping_duplicate_lines_are_a_double_export(loaded, tmp_path):
    folder = bad(tmp_path, subscriptions__csv=SUBSCRIPTIONS + (
        "S1-copy,A1,pro,49.00,2024-03-01,2024-04-01\n"   # inside S1 (still running): duplicate
        "S2-next,A2,basic,19.99,2024-06-10,\n"))         # starts the day S2 ends: no overlap
    assert problems_of(loaded, folder) == [
        ("subscriptions.csv line 4, column subscription_id: value 'S1-copy' overlaps line 2 "
        "(subscription S1) with the same account, plan, quantity and mrr; almost always the "
        "same line exported twice: remove one of the two (if both are real, end one before the "
        "other starts)")
    ]


def test_mixed_currencies_without_fx_rates(loaded, tmp_path):
    folder = bad(tmp_path, subscriptions__csv=(
        "subscription_id,account_id,plan,mrr,currency,start_date\n"
        "S1,A1,pro,49.00,USD,2024-01-05\nS2,A2,pro,45.00,EUR,2024-01-05\n"))
    assert problems_of(loaded, folder) == [
        ("subscriptions.csv line 3, column currency: value 'EUR' differs from the reporting "
        "currency USD and there is no fx_rates table; add fx_rates.csv (columns currency, rate: "
        "the USD value of one unit), or set reporting_currency in tenure.yaml")
    ]


def test_currency_without_a_rate(loaded, tmp_path):
    folder = bad(
        tmp_path,
        subscriptions__csv=("subscription_id,account_id,plan,mrr,currency,start_date\n"
                            "S1,A1,pro,49.00,EUR,2024-01-05\nS2,A2,pro,45.00,GBP,2024-01-05\n"),
        fx_rates__csv="currency,rate\nEUR,1.08\n",
    )
    assert problems_of(loaded, folder) == [
        ("subscriptions.csv line 3, column currency: value 'GBP' has no rate in fx_rates.csv; "
        "add a row for this currency to fx_rates.csv (its USD value of one unit)")
    ]


def test_dates_in_the_future_of_as_of(loaded, tmp_path):
    folder = bad(
        tmp_path,
        accounts__csv=ACCOUNTS + "A3,Gamma,2025-03-01,EU\n",
        subscriptions__csv=SUBSCRIPTIONS + "S3,A1,addon,5.00,2024-12-01,2026-01-01\n",
    )
    assert problems_of(loaded, folder) == [
        ("accounts.csv line 4, column created_at: value '2025-03-01' is in the future (after "
        "2025-01-01 00:00:00); data cannot record what has not happened yet: correct the date, "
        "or pass --as-of with the date of the export")
    ]  # an end_date after as-of is fine: a prepaid line runs on
    # The same file loads when the export is declared as of a later date.
    assert load(loaded, folder, as_of=datetime(2025, 6, 30)).rows_loaded[
        "accounts"] == 3


def test_nps_score_outside_0_to_10(loaded, tmp_path):
    folder = bad(tmp_path, survey_responses__csv=(
        "response_id,account_id,score,answered_at\nR1,A1,10,2024-05-01\nR2,A1,11,2024-05-02\n"
        "R3,A2,-1,2024-05-03\n"))
    fix = "an NPS score is a whole number from 0 to 10"
    assert problems_of(loaded, folder) == [
        f"survey_responses.csv line 3, column score: value '11' is outside 0-10; {fix}",
        f"survey_responses.csv line 4, column score: value '-1' is outside 0-10; {fix}",
    ]


def test_ticket_priority_and_satisfaction(loaded, tmp_path):
    folder = bad(tmp_path, tickets__csv=(
        "ticket_id,account_id,opened_at,closed_at,priority,satisfaction\n"
        "T1,A1,2024-05-01,2024-05-02,P1,5\nT2,A1,2024-05-03,2024-05-01,low,6\n"))
    assert problems_of(loaded, folder) == [
        ("tickets.csv line 2, column priority: value 'P1' is not a known priority; use low, "
        "normal, high or urgent, or translate your values in the mapping "
        "(values: {priority: {P1: urgent}})"),
        ("tickets.csv line 3, column closed_at: value '2024-05-01' is before opened_at "
        "2024-05-03 00:00:00; a ticket closes after it opens; leave closed_at empty while it "
        "is open"),
        ("tickets.csv line 3, column satisfaction: value '6' is outside 1-5; satisfaction is a "
        "1-5 rating; leave it empty when the ticket was not rated"),
    ]


def test_empty_required_value_and_bad_boolean(loaded, tmp_path):
    folder = bad(tmp_path, subscriptions__csv=(
        "subscription_id,account_id,plan,mrr,start_date,is_trial\n"
        "S1,A1,,49.00,2024-01-05,maybe\n"))
    assert problems_of(loaded, folder) == [
        ("subscriptions.csv line 2, column is_trial: value 'maybe' is not true or false; write "
        "true or false, or translate your flags in the mapping "
        "(tables.subscriptions.values: {is_trial: {Y: true, N: false}})"),
        ("subscriptions.csv line 2, column plan: is empty; every row needs plan: Plan or product "
        "name."),
    ]


def test_wrong_number_of_csv_fields(loaded, tmp_path):
    folder = bad(tmp_path, accounts__csv="account_id,created_at\nA1,2024-01-05\nA2,2024-02-10,x\n")
    assert problems_of(loaded, folder) == [
        ("accounts.csv line 3: has 3 fields but the header has 2; quote values that contain "
        "commas and give every row one value per column")
    ]


def test_line_numbers_count_physical_lines_of_quoted_values(loaded, tmp_path):
    folder = bad(tmp_path, accounts__csv=(
        'account_id,name,created_at\nA1,"Acme\nInc.",2024-01-05\nA2,Beta,2024-02-30\n'))
    assert problems_of(loaded, folder) == [
        ("accounts.csv line 4, column created_at: value '2024-02-30' is not an ISO timestamp; "
        "write it as 2024-03-31 14:05:00 (UTC) or ...+02:00, or give the file's format in the "
        "mapping (tables.accounts.timestamp_format: '%d/%m/%Y')")
    ]


def test_trial_spend_cancellation_fx_and_event_rules(loaded, tmp_path):
    folder = bad(
        tmp_path,
        trials__csv="account_id,started_at,ends_at,converted_at\nA1,2024-01-10,2024-01-10,\n",
        spend__csv="month,sales_marketing,cost_of_service\n2024-01-15,100.00,-5.00\n",
        cancellations__csv="account_id,cancelled_at,reason_category\nA2,2024-06-01,price\n",
        fx_rates__csv="currency,rate\nEUR,0\n",
        events__jsonl='{"account_id": "A1", "user_id": "u1", "event_name": "login", '
                      '"occurred_at": "2024-05-01T10:00:00Z", "properties": "{oops"}\n',
    )
    assert problems_of(loaded, folder) == [
        ("trials.csv line 2, column ends_at: value '2024-01-10' is on or before started_at "
        "2024-01-10; ends_at is the first day after the trial and must come after started_at"),
        ("events.jsonl line 1, column properties: value '{oops' is not valid JSON; write "
        'properties as a JSON object, e.g. {"plan": "pro"}, or leave it empty'),
        ("cancellations.csv line 2, column reason_category: value 'price' is not a known "
        "category; use avoidable or unavoidable, or translate your values in the mapping"),
        ("spend.csv line 2, column cost_of_service: value '-5.00' is negative; a cost is zero or "
        "more; book a credit against the month it corrects"),
        ("spend.csv line 2, column month: value '2024-01-15' is not the first day of a month; "
        "write each month as its first day, e.g. 2024-03-01"),
        ("fx_rates.csv line 2, column rate: value '0' is not positive; a rate is the "
        "reporting-currency value of one unit and must be more than 0"),
    ]


def test_required_tables_and_unreadable_rows(loaded, tmp_path):
    folder = bad(tmp_path, subscriptions__csv=None,
                 events__jsonl='{"account_id": "A1"}\nnot json\n')
    problems = problems_of(loaded, folder)
    assert problems[0] == (
        f"subscriptions.csv: is not in {folder}; every load needs accounts, subscriptions (a "
        "later load may keep the loaded ones with --keep-missing); add the file or name it in "
        "the mapping")
    assert problems[1].startswith(
        "events.jsonl, column event_name: is missing (What happened (feature used).)")
    assert len(problems) == 3  # also occurred_at is missing (user_id is optional)


def test_parquet_problems_name_the_row(loaded, tmp_path):
    folder = bad(tmp_path)
    pq.write_table(pa.table({
        "survey_id": ["R1", "R2"], "response_id": ["R1", "R2"], "account_id": ["A1", "A2"],
        "score": pa.array([7, 12], pa.int64()),
        "answered_at": pa.array([pa.scalar(0, pa.timestamp("s"))] * 2).cast(pa.timestamp("us")),
    }), folder / "survey_responses.parquet")
    assert problems_of(loaded, folder) == [
        ("survey_responses.parquet row 2, column score: value '12' is outside 0-10; an NPS score "
        "is a whole number from 0 to 10")
    ]


def test_every_problem_is_collected_not_just_the_first(loaded, tmp_path):
    lines = "".join(f"S{i},A1,pro,-{i}.00,2024-01-05,\n" for i in range(3, 1103))
    folder = bad(tmp_path, subscriptions__csv=SUBSCRIPTIONS + lines,
                 accounts__csv=ACCOUNTS + "A3,,not a date,\n")
    before = snapshot(loaded)
    with pytest.raises(ValidationError) as caught:
        load(loaded, folder)
    assert snapshot(loaded) == before
    # 1100 negative amounts and 1 bad date: all counted, a few examples of each listed.
    assert caught.value.total == 1101
    problems = [str(p) for p in caught.value.problems]
    assert problems[0].startswith("accounts.csv line 4, column created_at: value 'not a date'")
    assert len(problems) == 1 + EXAMPLES_PER_RULE
    assert [c.count for c in caught.value.counts] == [1, 1100]


def test_two_files_for_one_table_and_a_missing_mapped_file(loaded, tmp_path):
    folder = bad(tmp_path, tickets__csv="ticket_id,account_id,opened_at\n",
                 tickets__jsonl="", **{"mapping__yaml": "tables: {spend: {file: costs.csv}}\n"})
    assert problems_of(loaded, folder) == [
        ("tickets.csv: and tickets.jsonl both hold table tickets; keep one file per table (or "
        "name the one to load in the mapping: tables.tickets.file)"),
        (f"costs.csv: is named for table spend in the mapping but is not in {folder}; correct "
        "tables.spend.file in the mapping or add the file"),
    ]


def test_file_problems_and_row_problems_are_reported_together(loaded, tmp_path):
    folder = bad(tmp_path, subscriptions__csv=SUBSCRIPTIONS + "S3,A1,x,-1.00,2024-03-01,\n",
                 tickets__csv="ticket_id,opened_at\nT1,2024-05-01\n")
    assert problems_of(loaded, folder) == [
        ("tickets.csv, column account_id: is missing (Account that raised it.); the file has "
        "columns ticket_id, opened_at; add the column, or map a column of the file to it in the "
        "mapping (tables.tickets.columns)"),
        ("subscriptions.csv line 4, column mrr: value '-1.00' is negative; MRR must be zero or "
        "more (a refund is a line ending early, not negative MRR)"),
    ]
