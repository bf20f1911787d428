"""Column suggestions for headers that are not canonical names, on headers as real exports
write them (Stripe, ChartMogul, HubSpot, Segment, a help desk): each header goes to the column
it means, a date never to an id, and a header that means nothing known gets no suggestion."""

from __future__ import annotations

import pytest

from tenure.errors import ValidationError
from tenure.schema import TABLES
from tenure.sources.suggest import suggest_columns
from test_load_support import ACCOUNTS, BASE, load, write_folder

STRIPE_SUBSCRIPTIONS = [
    "id", "Customer ID", "Customer Description", "Customer Email", "Plan", "Product",
    "Quantity", "Currency", "Interval", "Amount", "Status", "Created (UTC)", "Start Date (UTC)",
    "Current Period Start (UTC)", "Current Period End (UTC)", "Trial Start (UTC)",
    "Trial End (UTC)", "Canceled At (UTC)", "Cancel At Period End", "Ended At (UTC)"]

CHARTMOGUL_SUBSCRIPTIONS = [
    "Customer UUID", "Customer external ID", "Subscription UUID", "Subscription external ID",
    "Plan", "Quantity", "MRR", "Currency", "Billing cycle", "Start date", "Cancellation date"]

HUBSPOT_COMPANIES = [
    "Record ID", "Company name", "Create Date", "Industry", "Country/Region",
    "Number of Employees", "Company owner", "Lifecycle Stage", "Last Activity Date"]

SEGMENT_TRACKS = ["messageId", "userId", "anonymousId", "groupId", "event", "timestamp",
                  "properties", "sentAt"]

HELPDESK_TICKETS = ["Ticket ID", "Organization ID", "Subject", "Created at", "Solved at",
                    "Priority", "Requester email"]


@pytest.mark.parametrize(("table", "headers", "expected"), [
    ("subscriptions", STRIPE_SUBSCRIPTIONS, {
        "id": "subscription_id", "Customer ID": "account_id", "Plan": "plan",
        "Quantity": "quantity", "Currency": "currency", "Start Date (UTC)": "start_date",
        "Canceled At (UTC)": "cancelled_at", "Ended At (UTC)": "end_date"}),
    ("subscriptions", CHARTMOGUL_SUBSCRIPTIONS, {
        "Customer UUID": "account_id", "Subscription UUID": "subscription_id", "Plan": "plan",
        "Quantity": "quantity", "MRR": "mrr", "Currency": "currency",
        "Billing cycle": "billing_period_months", "Start date": "start_date",
        "Cancellation date": "cancelled_at"}),
    ("accounts", HUBSPOT_COMPANIES, {
        "Record ID": "account_id", "Company name": "name", "Create Date": "created_at",
        "Industry": "industry", "Country/Region": "country", "Number of Employees": "size",
        "Company owner": "owner"}),
    ("events", SEGMENT_TRACKS, {
        "messageId": "event_id", "userId": "user_id", "groupId": "account_id",
        "event": "event_name", "timestamp": "occurred_at", "properties": "properties"}),
    ("tickets", HELPDESK_TICKETS, {
        "Ticket ID": "ticket_id", "Organization ID": "account_id", "Created at": "opened_at",
        "Solved at": "closed_at", "Priority": "priority"}),
])
def test_realistic_headers_are_suggested_the_column_they_mean(table, headers, expected):
    assert suggest_columns(TABLES[table], headers) == expected


@pytest.mark.parametrize("header", ["End", "Ended", "end date", "Start", "created_at", "Since"])
def test_a_date_is_never_suggested_for_an_id(header):
    spec = TABLES["subscriptions"]
    assert suggest_columns(spec, [header], wanted=["account_id", "subscription_id"]) == {}


def test_the_reported_wrong_suggestions_are_right_now(warehouse, tmp_path):
    # Issue 11: {End: account_id}, {Customer ID: subscription_id}, and nothing for MRR.
    folder = write_folder(tmp_path / "src", {
        "accounts.csv": ACCOUNTS,
        "subscriptions.csv": "Line,Customer ID,plan,MRR,start_date,End\n"
                             "S1,A1,pro,49.00,2024-01-05,\n"})
    with pytest.raises(ValidationError) as caught:
        load(warehouse, folder)
    hints = {p.column: p.fix for p in caught.value.problems}
    assert hints["account_id"].endswith("tables.subscriptions.columns: {Customer ID: account_id}")
    assert hints["mrr"].endswith("tables.subscriptions.columns: {MRR: mrr}")
    assert set(hints) == {"account_id", "mrr"}  # subscription_id may be generated


def test_a_typo_is_still_caught(warehouse, tmp_path):
    folder = write_folder(tmp_path / "src", {
        **BASE, "subscriptions.csv": "subscription_id,acount_id,plan,mrr,start_date\n"
                                     "S1,A1,pro,49.00,2024-01-05\n"})
    with pytest.raises(ValidationError) as caught:
        load(warehouse, folder)
    assert caught.value.problems[0].fix.endswith("{acount_id: account_id}")


def test_an_unloaded_column_that_looks_canonical_gets_a_warning(warehouse, tmp_path):
    folder = write_folder(tmp_path / "src", {
        "accounts.csv": "account_id,created_at,Company owner\nA1,2024-01-05,ann\n",
        "subscriptions.csv": "subscription_id,account_id,plan,mrr,start_date,Ended At\n"
                             "S1,A1,pro,49.00,2024-01-05,2024-03-01\n"})
    report = load(warehouse, folder)
    assert ("accounts.csv: column 'Company owner' looks like owner but was kept as a text "
            "attribute; if it is, map it: tables.accounts.columns: {Company owner: owner}"
            ) in report.warnings
    assert ("subscriptions.csv: column 'Ended At' looks like end_date but was not loaded; if it "
            "is, map it: tables.subscriptions.columns: {Ended At: end_date}") in report.warnings
