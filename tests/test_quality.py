"""The data-quality checks (`tenure check`): each planted problem is found with its count and
MRR, a clean simulated business gives no finding, and a partial export skips with reasons.

The planted business is written by hand below; every expected count and amount is worked out
in the comments beside its rows (as of 2024-06-30; the last recorded fact is 2024-06-28).
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tenure.cli.app import app
from tenure.metrics.revenue import revenue_metrics
from tenure.quality import CheckName, CheckStatus, check_warehouse
from tenure.warehouse import Warehouse
from tenure.warehouse.load import load_directory

AS_OF = datetime(2024, 6, 30, 23, 59, 59)

ACCOUNTS = """account_id,created_at,status
A1,2024-01-01,active
A2,2024-03-01,active
A3,2024-01-01,churned
A4,2024-01-01,active
A5,2024-01-01,active
A6,2024-01-01,cancelled
A7,2024-01-01,active
A8,2024-01-01,cancelled
A9,2024-01-01,churned
A10,2024-01-01,active
A11,2024-01-01,active
A12,2024-01-01,churned
A13,2024-01-01,active
A14,2024-01-01,active
"""

# A1 clean. A2 signs up on March 1. A3 ended Feb 1. A4: pro on L4a, then L4b (180) and L4c (270)
# start while L4a runs: +450 stacked. A5 renews basic the day the old line ends (touching, not
# overlapping: clean). A6 asked to cancel on Feb 10, no end by Jun 28: 139 days > 62 (monthly).
# A7's request is only in cancellations (no line carries it) while its line runs on. A8's annual
# term ends 306 days after its request (< 12 * 31 + 31 = 403: fine), and so does its monthly
# add-on, cancelled with it (the annual term running that day sets the limit: fine). A9 flagged
# churned but paying 100; A10 flagged active but ended Apr 1. A11 jumps 10 -> 500 on basic in
# March (+490); A13's 20x jump is an upgrade to enterprise (not counted). A12's 1,500 line
# ends Jun 20, after the month of the last start (2024-04): a default range ending there would
# hide that churn; it runs to the load's as-of month (2024-06), so nothing is cut off.
SUBSCRIPTIONS = """\
subscription_id,account_id,plan,mrr,billing_period_months,start_date,end_date,cancelled_at
L1,A1,basic,100.00,1,2024-01-01,,
L2,A2,basic,100.00,1,2024-03-01,,
L3,A3,basic,100.00,1,2024-01-01,2024-02-01,
L4a,A4,pro,200.00,1,2024-01-01,,
L4b,A4,pro,180.00,1,2024-03-01,,
L4c,A4,pro,270.00,1,2024-04-01,2024-04-20,
L5a,A5,basic,100.00,1,2024-01-01,2024-03-01,
L5b,A5,basic,110.00,1,2024-03-01,,
L6,A6,basic,100.00,1,2024-01-01,,2024-02-10
L7,A7,basic,100.00,1,2024-01-01,,
L8,A8,basic,100.00,12,2024-01-01,2025-01-01,2024-03-01
L8b,A8,addon,50.00,1,2024-02-01,2025-01-01,2024-03-01
L9,A9,basic,100.00,1,2024-01-01,,
L10,A10,basic,100.00,1,2024-01-01,2024-04-01,
L11a,A11,basic,10.00,1,2024-01-01,2024-03-01,
L11b,A11,basic,500.00,1,2024-03-01,,
L12,A12,basic,1500.00,1,2024-01-01,2024-06-20,
L13a,A13,basic,20.00,1,2024-01-01,2024-03-01,
L13b,A13,enterprise,400.00,1,2024-03-01,,
L14a,A14,basic,100.00,1,2024-01-01,2024-01-10,
L14b,A14,basic,100.00,1,2024-04-20,,
"""

# A2: two events and a ticket before March 1. A3: an event on Jun 1, 121 days after its Feb 1 end
# (and one on Feb 15, soon after: fine). A14: an event on Apr 15, 96 days into a gap between
# lines (Jan 10 to Apr 20).
EVENTS = """account_id,user_id,event_name,occurred_at
A1,u1,login,2024-06-28T10:00:00
A2,u2,login,2024-02-10T10:00:00
A2,u2,report,2024-02-11T10:00:00
A2,u2,login,2024-03-05T10:00:00
A3,u3,login,2024-06-01T10:00:00
A3,u3,login,2024-02-15T10:00:00
A14,u14,login,2024-04-15T10:00:00
"""

TICKETS = """ticket_id,account_id,opened_at
T1,A2,2024-02-20T09:00:00
T2,A1,2024-05-02T09:00:00
"""

CANCELLATIONS = """account_id,cancelled_at,reason_code
A6,2024-02-10,price
A7,2024-02-15,price
"""


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


PLANTED = {"accounts.csv": ACCOUNTS, "subscriptions.csv": SUBSCRIPTIONS, "events.csv": EVENTS,
           "tickets.csv": TICKETS, "cancellations.csv": CANCELLATIONS}


@pytest.fixture
def planted(tmp_path: Path) -> Path:
    project = tmp_path / "planted"
    with Warehouse(project / "warehouse.duckdb") as wh:
        load_directory(wh, write(tmp_path / "src", PLANTED), as_of=AS_OF)
    return project


def check(project: Path):
    with Warehouse(project / "warehouse.duckdb") as wh:
        return check_warehouse(wh)


def test_each_planted_problem_is_found_with_its_count_and_mrr(planted):
    report = check(planted)
    assert report.last_day == date(2024, 6, 28)

    before = report.result(CheckName.activity_before_account)
    assert (before.status, before.count) == (CheckStatus.found, 1)
    assert [(e["account_id"], e["rows"], e["events"], e["tickets"]) for e in before.examples] == [
        ("A2", 3, 2, 1)]

    outside = report.result(CheckName.activity_outside_service)
    assert (outside.status, outside.count) == (CheckStatus.found, 2)
    assert [(e["account_id"], e["rows"], e["first_day"]) for e in outside.examples] == [
        ("A14", 1, date(2024, 4, 15)), ("A3", 1, date(2024, 6, 1))]

    stacked = report.result(CheckName.stacked_lines)
    assert (stacked.status, stacked.count, stacked.mrr) == (CheckStatus.found, 1,
                                                           Decimal("450.00"))
    assert [(e["line"], e["stacked_on"], e["extra_mrr"]) for e in stacked.examples] == [
        ("L4b", "L4a", Decimal("180.00")), ("L4c", "L4a", Decimal("270.00"))]

    stuck = report.result(CheckName.stuck_cancellations)
    assert (stuck.status, stuck.count) == (CheckStatus.found, 2)
    assert sorted((e["account_id"], e["requested"], e["days"]) for e in stuck.examples) == [
        ("A6", date(2024, 2, 10), 139), ("A7", date(2024, 2, 15), 134)]

    flags = report.result(CheckName.churn_flag_disagrees)
    assert (flags.status, flags.count, flags.mrr) == (CheckStatus.found, 2, Decimal("100.00"))
    assert [(e["account_id"], e["flag"], e["tenure"], e["service_ended"])
            for e in flags.examples] == [("A10", "active", "churned", date(2024, 4, 1)),
                                         ("A9", "churned", "in service", None)]

    jumps = report.result(CheckName.mrr_jumps)
    assert (jumps.status, jumps.count, jumps.mrr) == (CheckStatus.found, 1, Decimal("490.00"))
    assert [(e["account_id"], e["month"], e["plan"], e["previous_mrr"], e["mrr"])
            for e in jumps.examples] == [
        ("A11", date(2024, 3, 1), "basic", Decimal("10.00"), Decimal("500.00"))]

    # The default months run to the load's as-of month, so A12's churn in June is in them.
    assert report.result(CheckName.range_cuts_off_churn).status is CheckStatus.clean

    # A dozen accounts with one 10 -> 500 jump keep NRR well under 200%.
    assert report.result(CheckName.implausible_retention).status is CheckStatus.clean
    assert not report.skipped
    assert all(r.fix for r in report.findings)


def test_nrr_above_200_percent_is_found(tmp_path):
    """Both accounts grow 100 -> 500 in March (5x, no jump): March NRR = 1,000 / 200 = 500%."""
    folder = write(tmp_path / "src", {
        "accounts.csv": "account_id,created_at\nB1,2024-01-01\nB2,2024-01-01\n",
        "subscriptions.csv": "subscription_id,account_id,plan,mrr,start_date,end_date\n"
                             "S1,B1,basic,100.00,2024-01-01,2024-03-01\n"
                             "S2,B1,pro,500.00,2024-03-01,\n"
                             "S3,B2,basic,100.00,2024-01-01,2024-03-01\n"
                             "S4,B2,pro,500.00,2024-03-01,\n",
    })
    with Warehouse(tmp_path / "p" / "warehouse.duckdb") as wh:
        load_directory(wh, folder, as_of=AS_OF)
        report = check_warehouse(wh)
    nrr = report.result(CheckName.implausible_retention)
    assert (nrr.status, nrr.count) == (CheckStatus.found, 1)
    assert [(e["month"], e["nrr"]) for e in nrr.examples] == [(date(2024, 3, 1), 5.0)]
    assert report.result(CheckName.mrr_jumps).status is CheckStatus.clean


def test_a_clean_simulated_business_has_no_finding(simulated_project):
    report = check(simulated_project)
    assert report.findings == [], [r.summary for r in report.findings]
    # the simulator writes no churn flag: that check alone is skipped, with its reason
    assert [r.check for r in report.skipped] == [CheckName.churn_flag_disagrees]


def test_a_minimal_export_skips_what_it_lacks_with_reasons(tmp_path):
    folder = write(tmp_path / "src", {
        "accounts.csv": "account_id,created_at\nM1,2024-01-01\nM2,2024-02-01\n",
        "subscriptions.csv": "subscription_id,account_id,plan,mrr,start_date\n"
                             "S1,M1,basic,50.00,2024-01-01\nS2,M2,basic,50.00,2024-02-01\n",
    })
    with Warehouse(tmp_path / "p" / "warehouse.duckdb") as wh:
        load_directory(wh, folder, as_of=AS_OF)
        report = check_warehouse(wh)
    skipped = {r.check: r.summary for r in report.skipped}
    assert set(skipped) == {CheckName.activity_before_account, CheckName.activity_outside_service,
                            CheckName.churn_flag_disagrees}
    assert "no events or tickets rows; load events.csv or tickets.csv" in \
        skipped[CheckName.activity_before_account]
    assert "no status or churned column" in skipped[CheckName.churn_flag_disagrees]
    assert not report.findings
    assert report.summary_line() == ("data check: no findings, 3 check(s) skipped; run "
                                     "`tenure check` for details")


def test_default_months_show_the_churn_after_the_last_start(planted):
    """A12's 1,500 line ends on 2024-06-20, two months after the last start (2024-04): the
    default months of revenue_metrics run to the load's as-of month (2024-06), so June's churn
    is 1,500.00 (before, they ended with 2024-04 and it was hidden)."""
    with Warehouse(planted / "warehouse.duckdb") as wh:
        monthly = revenue_metrics(wh).monthly
    assert str(monthly["month"].iloc[-1])[:7] == "2024-06"
    june = monthly[monthly["month"].astype(str).str.startswith("2024-06")].iloc[0]
    assert june["churned_mrr"] == Decimal("-1500.00")


def test_a_warehouse_without_a_load_record_flags_the_cut_off_churn(planted):
    """Tables written without `tenure load` (no load_log, so no as-of date): the default months
    end with the last start (2024-04), and the check names the churn they hide."""
    with Warehouse(planted / "warehouse.duckdb") as wh:
        wh.con.raw_sql("DROP TABLE load_log")
        cut = check_warehouse(wh).result(CheckName.range_cuts_off_churn)
    assert (cut.status, cut.count, cut.mrr) == (CheckStatus.found, 1, Decimal("1500.00"))
    assert [(e["account_id"], e["end_date"]) for e in cut.examples] == [
        ("A12", date(2024, 6, 20))]
    assert "2024-04" in cut.summary
    assert "--to 2024-06" in cut.fix


def test_check_command_prints_findings_and_json_and_exits_0(planted):
    runner = CliRunner()
    result = runner.invoke(app, ["check", "--project", str(planted), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    found = {r["check"]: (r["count"], r["mrr"]) for r in data["results"]
             if r["status"] == "found"}
    assert found["stacked_lines"] == (1, "450.00")
    assert "range_cuts_off_churn" not in found
    table = runner.invoke(app, ["check", "--project", str(planted)])
    assert table.exit_code == 0, table.output
    assert "stacked lines" in table.output
    assert "L4b" in table.output


def test_load_ends_with_the_data_check_in_one_line(tmp_path):
    source = write(tmp_path / "src", PLANTED)
    (tmp_path / "p").mkdir()  # a project is an existing folder
    result = CliRunner().invoke(app, ["load", str(source), "--project", str(tmp_path / "p"),
                                      "--as-of", "2024-06-30"])
    assert result.exit_code == 0, result.output
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("data check: 6 finding(s) (activity before sign-up: 1 account, "
                           "3 rows; ")
    assert "stacked lines: 1 account, +450.00 USD MRR" in last
    assert "churn after the default range" not in last
    assert last.endswith("run `tenure check` for details")


def test_report_shows_the_findings_in_a_section(planted):
    result = CliRunner().invoke(app, ["report", "--project", str(planted), "--to", "2024-06"])
    assert result.exit_code == 0, result.output
    html = (planted / "report.html").read_text()
    section = html[html.index('<h2 id="data-quality">'):html.index("<h2>Monthly metrics</h2>")]
    assert "6 finding(s)" in section
    assert "adding 450.00 USD MRR" in section
    assert "<td>L4b</td>" in section
    assert "stacked_lines" in section


def _flag_business(tmp_path: Path, accounts: str):
    folder = write(tmp_path / "src", {
        "accounts.csv": accounts,
        # F1 runs on; F2 ended Mar 1 with no request (history); F3 never paid (a trial only)
        "subscriptions.csv": "subscription_id,account_id,plan,mrr,start_date,end_date,is_trial\n"
                             "S1,F1,basic,80.00,2024-01-01,,false\n"
                             "S2,F2,basic,100.00,2024-01-01,2024-03-01,false\n"
                             "S3,F3,basic,0.00,2024-01-01,2024-01-15,true\n",
    })
    with Warehouse(tmp_path / "p" / "warehouse.duckdb") as wh:
        load_directory(wh, folder, as_of=AS_OF)
        return check_warehouse(wh).result(CheckName.churn_flag_disagrees)


def test_a_churned_flag_column_is_compared_and_never_paid_accounts_are_not(tmp_path):
    """F1 flagged churned but pays 80; F2 flagged not churned but ended; F3 never paid."""
    result = _flag_business(tmp_path, "account_id,created_at,churned\nF1,2024-01-01, Yes\n"
                                      "F2,2024-01-01,no\nF3,2024-01-01,no\n")
    assert (result.status, result.count, result.mrr) == (CheckStatus.found, 2, Decimal("80.00"))
    assert [(e["account_id"], e["tenure"]) for e in result.examples] == [
        ("F2", "churned"), ("F1", "in service")]


def test_a_status_column_of_unknown_words_is_skipped_with_the_words_found(tmp_path):
    result = _flag_business(tmp_path, "account_id,created_at,status\nF1,2024-01-01,Gold\n"
                                      "F2,2024-01-01,Gold\nF3,2024-01-01,Silver\n")
    assert result.status is CheckStatus.skipped
    assert "holds none of the values Tenure reads (found 'Gold', 'Silver'" in result.summary


def test_docs_define_every_check_and_status():
    doc = (Path(__file__).resolve().parents[1] / "docs" / "quality.md").read_text()
    rows = [line.split("|")[1].strip().strip("`") for line in doc.splitlines()
            if line.startswith("| `")]
    assert rows == [c.value for c in CheckName] + [s.value for s in CheckStatus]


def test_odd_shapes_skip_or_run_without_error(tmp_path):
    """A warehouse written by hand, not by the loader: subscriptions without end, cancellation
    or trial columns, an empty events table, empty tickets; then an empty subscriptions table."""
    import pyarrow as pa

    subs = pa.table({
        "subscription_id": ["S1", "S2", "S3"], "account_id": ["O1", "O1", "O2"],
        "plan": ["basic", "basic", "pro"],
        "mrr": pa.array([Decimal("10.00"), Decimal("10.00"), Decimal("30.00")],
                        pa.decimal128(18, 2)),
        "start_date": [date(2024, 1, 1), date(2024, 2, 1), date(2024, 1, 1)],
    })
    events = pa.table({"account_id": pa.array([], pa.string()),
                       "occurred_at": pa.array([], pa.timestamp("us"))})
    with Warehouse(tmp_path / "w.duckdb") as wh:
        tickets = events.rename_columns(["account_id", "opened_at"])
        wh.replace_tables({"subscriptions": subs, "events": events, "tickets": tickets})
        report = check_warehouse(wh)
        statuses = {r.check: (r.status, r.summary) for r in report.results}
        assert statuses[CheckName.stuck_cancellations] == (CheckStatus.skipped, (
            "the subscriptions table has no cancelled_at column; map one in the mapping file to "
            "check cancellation requests that never end service"))
        assert statuses[CheckName.activity_before_account][0] is CheckStatus.skipped
        # S2 starts while S1 (no end column: running) runs: +10.00 stacked
        stacked = report.result(CheckName.stacked_lines)
        assert (stacked.count, stacked.mrr) == (1, Decimal("10.00"))
        assert report.result(CheckName.range_cuts_off_churn).status is CheckStatus.clean

        # empty, with every column a load writes (a header-only export)
        header_only = subs.slice(0, 0).append_column(
            "end_date", pa.array([], pa.date32())).append_column(
            "cancelled_at", pa.array([], pa.date32()))
        wh.replace_tables({"subscriptions": header_only})
        empty = check_warehouse(wh)
    assert [r.status for r in empty.results] == [CheckStatus.skipped] * len(CheckName)
    assert "the subscriptions table is empty" in empty.result(CheckName.mrr_jumps).summary


def test_check_on_a_mistyped_project_is_an_error_and_creates_nothing(tmp_path):
    result = CliRunner().invoke(app, ["check", "--project", str(tmp_path / "no-such-project")])
    assert result.exit_code == 1  # TenureError escapes the runner; `main` prints it, exit 2
    assert "no-such-project" in str(result.exception)
    assert not (tmp_path / "no-such-project").exists()


def test_the_docstring_examples_run():
    import doctest

    from tenure.quality import checks, findings

    for module in (checks, findings):
        failures, tried = doctest.testmod(module)
        assert tried > 0, module.__name__
        assert failures == 0, module.__name__


def test_a_failing_check_fails_neither_load_nor_report(tmp_path, monkeypatch):
    from tenure.quality import checks

    def broken(run):
        raise RuntimeError("out of memory [simulated]")

    monkeypatch.setitem(checks.CHECKS, CheckName.stacked_lines, broken)
    project = tmp_path / "p"
    project.mkdir()
    runner = CliRunner()
    loaded = runner.invoke(app, ["load", str(write(tmp_path / "src", PLANTED)), "--project",
                                 str(project), "--as-of", "2024-06-30"])
    assert loaded.exit_code == 0, loaded.output
    assert ("note: the data check did not run (out of memory [simulated]); the load is "
            "complete, run `tenure check` to see why.") in loaded.output
    reported = runner.invoke(app, ["report", "--project", str(project)])
    assert reported.exit_code == 0, reported.output
    assert "the report leaves its section out" in reported.output
    assert 'id="data-quality"' not in (project / "report.html").read_text()
