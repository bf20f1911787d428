"""The notebook API, the ``metrics``/``report``/``init`` commands, and the generated CLI reference,
on a small simulated business."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tenure.cli.app import app
from tenure.cli.reference import render_cli_reference
from tenure.config import CONFIG_FILE, ProjectConfig, load_config
from tenure.metrics.revenue import revenue_metrics
from tenure.models.store import stored_kinds
from tenure.warehouse import Warehouse

DOCS = Path(__file__).resolve().parents[1] / "docs"
runner = CliRunner()


@pytest.fixture(scope="module")
def metrics(simulated_project):
    with Warehouse(simulated_project / "warehouse.duckdb") as wh:
        return revenue_metrics(wh, include_accounts=True)


@pytest.fixture(scope="module")
def by_plan(simulated_project):
    with Warehouse(simulated_project / "warehouse.duckdb") as wh:
        return revenue_metrics(wh, by="plan")


def test_monthly_grain_and_reconciliation(metrics):
    m = metrics.monthly
    assert m["month"].is_unique
    assert [d.date() for d in m["month"]] == metrics.period.months
    # Each month opens where the last one closed, and the movements explain the change exactly.
    assert list(m["previous_mrr"].iloc[1:]) == list(m["mrr"].iloc[:-1])
    moves = ["new_mrr", "expansion_mrr", "reactivation_mrr", "contraction_mrr", "churned_mrr"]
    for _, row in m.iterrows():
        assert sum(row[c] for c in moves) == row["mrr"] - row["previous_mrr"]
        assert isinstance(row["mrr"], Decimal)


def test_account_months_add_up_to_the_monthly_totals(metrics, by_plan):
    assert by_plan.account_months.empty  # only on request: it is the largest table
    am = metrics.account_months
    assert not am.duplicated(["account_id", "month"]).any()
    totals = am.groupby("month")["mrr"].sum()
    for _, row in metrics.monthly.iterrows():
        assert totals[row["month"]] == row["mrr"]


def test_totals_are_the_sum_of_plan_segments(metrics, by_plan):
    seg = by_plan.monthly.groupby("month")[["mrr", "customers", "churned_mrr"]].sum()
    for _, row in metrics.monthly.iterrows():
        assert seg.loc[row["month"], "mrr"] == row["mrr"]
        assert seg.loc[row["month"], "customers"] == row["customers"]
        assert seg.loc[row["month"], "churned_mrr"] == row["churned_mrr"]


def test_retention_bounds_hold_on_the_simulated_business(metrics):
    m = metrics.monthly.dropna(subset=["grr", "nrr"])
    assert (m["grr"] <= 1 + 1e-12).all()
    assert (m["nrr"] >= m["grr"] - 1e-12).all()
    assert not metrics.cohorts.empty
    assert not metrics.trials.empty
    assert not metrics.unit_economics.empty


def test_definitions_change_the_numbers(simulated_project, metrics):
    from tenure.config import RevenueDefinitions

    with Warehouse(simulated_project / "warehouse.duckdb") as wh:
        early = revenue_metrics(
            wh, definitions=RevenueDefinitions(churn_recognition="cancellation")
        )
    # Recognising churn at cancellation can only bring churn forward, never add revenue.
    assert early.monthly["mrr"].sum() <= metrics.monthly["mrr"].sum()


def test_metrics_command_json_is_exact(simulated_project, metrics):
    result = runner.invoke(app, ["metrics", "--project", str(simulated_project), "--format",
                                 "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len(rows) == len(metrics.monthly)
    last = rows[-1]
    assert Decimal(str(last["mrr"])) == metrics.monthly["mrr"].iloc[-1]
    assert last["month"] == metrics.monthly["month"].iloc[-1].date().isoformat()


def test_metrics_command_csv_by_segment_and_range(simulated_project):
    result = runner.invoke(app, ["metrics", "--project", str(simulated_project), "--format", "csv",
                                 "--by", "industry", "--from", "2023-06", "--to", "2023-08"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("month,industry,customers")
    assert {line[:7] for line in lines[1:]} == {"2023-06", "2023-07", "2023-08"}


def test_metrics_command_table_views(simulated_project):
    for table in ["monthly", "unit-economics", "cohorts", "trials"]:
        result = runner.invoke(app, ["metrics", "--project", str(simulated_project), "--table",
                                     table], env={"COLUMNS": "200"})
        assert result.exit_code == 0, (table, result.output)
    assert "Churn and retention" in result.output or "Trials" in result.output


def test_metrics_command_rejects_a_bad_month(simulated_project):
    result = runner.invoke(app, ["metrics", "--project", str(simulated_project), "--from",
                                 "June"])
    assert result.exit_code != 0
    assert "--from: 'June' is not a month" in str(result.exception)


def test_report_is_self_contained(simulated_project, tmp_path):
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["report", "--project", str(simulated_project), "-o", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text()
    # plotly.js is inlined: nothing is fetched when the file is opened (its own source mentions
    # CDN addresses for map tiles, which these charts never request).
    assert "<script src=" not in html
    head, body = html.split("</head>", 1)
    assert len(head) > 1_000_000  # the library itself
    assert "http://" not in body
    assert "https://" not in body
    assert "Plotly.newPlot" in html
    for title in ["MRR bridge over the period", "Revenue retention", "Logo retention by cohort",
                  "Revenue retention by cohort", "MRR movements by month"]:
        assert title in html


def test_init_writes_defaults_and_refuses_to_overwrite(tmp_path):
    result = runner.invoke(app, ["init", "--project", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert load_config(tmp_path) == ProjectConfig()
    again = runner.invoke(app, ["init", "--project", str(tmp_path)])
    assert again.exit_code == 1
    assert "already exists" in again.output


def test_demo_command_runs_the_main_job(tmp_path):
    project = tmp_path / "demo"
    result = runner.invoke(app, ["demo", "--project", str(project), "--accounts", "60",
                                 "--months", "8"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert (project / CONFIG_FILE).exists()
    assert (project / "report.html").stat().st_size > 100_000
    assert "MRR and its movements" in result.output
    assert "data check: no findings" in result.output  # the simulated business is clean
    # The whole machine ran: models kept, scores, health and segments written, the worklist shown.
    assert set(stored_kinds(project)) >= {"churn", "expansion"}
    with Warehouse(project / "warehouse.duckdb") as wh:
        for table in ("measures_wide", "scores", "health_history", "segments"):
            assert wh.has_table(table), table
    assert "Worklist at" in result.output
    shutil.rmtree(project)


def test_cli_reference_is_current():
    expected = render_cli_reference()
    actual = (DOCS / "cli.md").read_text()
    assert actual == expected, "docs/cli.md is stale: python -m tenure.cli.reference > docs/cli.md"
