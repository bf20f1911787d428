"""End to end on a small simulated business: simulate, load, `tenure analyze churn|onboarding`."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from tenure.analysis import analyze_churn, customer_lifetimes
from tenure.cli.app import app
from tenure.models.training_set import training_set
from tenure.simulate import simulate
from tenure.warehouse import Warehouse
from tenure.warehouse.load import load_directory

#: Simulating, loading and computing weekly measures takes ~10 s of CPU.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project folder whose warehouse holds 120 simulated accounts over 14 months."""
    folder = tmp_path_factory.mktemp("analysis_project")
    simulate(folder / "data", accounts=120, months=14, seed=3, event_scale=0.1)
    with Warehouse(folder / "warehouse.duckdb") as wh:
        load_directory(wh, folder / "data")
    return folder


def test_analyze_churn_writes_html_and_json(project: Path):
    result = CliRunner().invoke(
        app, ["analyze", "churn", "--project", str(project), "--bootstrap", "10"]
    )
    assert result.exit_code == 0, result.output
    html = (project / "churn-analysis.html").read_text()
    assert "Plotly" in html  # plotly.js is inlined: the file opens without network
    assert "<script src=" not in html
    for title in ["Behavioural cohorts", "Segments", "Drivers (multivariate)", "Survival",
                  "Churn reasons", "Early warning"]:
        assert f">{title}</h2>" in html
    payload = json.loads((project / "churn-analysis.json").read_text())
    assert payload["outcome"] == "churned_30d"
    assert 0 < payload["churn_rate"] < 1
    effects = payload["regression"]["effects"]
    assert [e["rank"] for e in effects] == list(range(1, len(effects) + 1))
    assert all(e["sentence"] for e in effects)
    reasons = payload["reasons"]["by_category"]
    assert sum(r["share_customers"] for r in reasons) == pytest.approx(1.0)
    curve = [row["survival"] for row in payload["retention"]["all"]["curves"]]
    assert curve[0] == 1.0
    assert curve == sorted(curve, reverse=True)
    lead = payload["early_warning"]["lead_times"]
    assert {row["signal"] for row in lead} <= {"leading", "lagging", "none"}


def test_analyze_churn_ahead_of_the_decision(project: Path):
    """``--lead-days`` analyses the decision 30-120 days after each snapshot, in the words."""
    out = project / "ahead" / "churn.html"
    result = CliRunner().invoke(app, [
        "analyze", "churn", "--project", str(project), "--horizon", "90", "--lead-days", "30",
        "--bootstrap", "0", "--output", str(out),
    ])
    assert result.exit_code == 0, result.output
    assert "decided to leave 30-120 days after the snapshot" in result.output
    payload = json.loads(out.with_suffix(".json").read_text())
    assert payload["outcome"] == "churned_30_120d"
    assert all("day-30-to-120 churn odds" in e["sentence"]
               for e in payload["regression"]["effects"])


def test_analyze_onboarding_writes_html_and_json(project: Path):
    out = project / "reports" / "onb.html"
    result = CliRunner().invoke(
        app, ["analyze", "onboarding", "--project", str(project), "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert ">Funnel</h2>" in out.read_text()
    payload = json.loads(out.with_suffix(".json").read_text())
    funnel = payload["funnel"]
    assert [row["milestone"] for row in funnel] == ["integration_setup", "invite_user",
                                                    "create_report"]
    assert payload["first_value"]["accounts"] == 120
    # A sequential funnel never grows.
    reached = [row["reached_all_so_far"] for row in funnel]
    assert reached == sorted(reached, reverse=True)
    assert "times" not in payload  # per-account rows stay out of the summary file


def test_api_on_the_training_set_and_lifetimes(project: Path):
    with Warehouse(project / "warehouse.duckdb") as wh:
        frame = training_set(wh, horizons=(30,))
        subs = wh.table("subscriptions").to_pandas()
        accounts = wh.table("accounts").to_pandas()
    as_of = frame["as_of_date"].max()
    life = customer_lifetimes(subs, accounts, as_of=as_of)
    assert life["account_id"].is_unique
    paying = subs[~subs["is_trial"].astype(bool) & (subs["mrr"] > 0)
                  & (pd.to_datetime(subs["start_date"]) < pd.Timestamp(as_of))]
    assert len(life) == paying["account_id"].nunique()
    analysis = analyze_churn(frame, lifetimes=life, n_bootstrap=0)
    # Weekly snapshots spaced to the 30-day outcome window: about one in five is analysed.
    assert len(frame) / 6 < analysis.observations < len(frame) / 3
    assert set(analysis.cohorts["measure"]) >= {"active_days_28d", "seat_utilisation_28d"}
    assert analysis.regression.effects_["odds_ratio"].gt(0).all()
    assert analysis.cox is not None


def test_a_missing_warehouse_table_is_a_clear_error(tmp_path: Path):
    empty = Warehouse(tmp_path / "warehouse.duckdb")
    empty.con.list_tables()  # a project whose warehouse has no table yet
    empty.close()
    result = CliRunner().invoke(app, ["analyze", "churn", "--project", str(tmp_path)])
    assert result.exit_code != 0
    assert "load it first" in str(result.exception)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--horizon", "0"], "--horizon must be a positive number of days (found 0)"),
        (["--lead-days", "-5"], "--lead-days must be 0 or more days (found -5)"),
        (["--horizon", "200", "--lead-days", "300"],
         "at least 500 days before the end of the data"),
        (["--as-of", "2024-13-01"], "--as-of '2024-13-01' is not a date; write it as YYYY-MM-DD"),
    ],
)
def test_bad_options_are_named_with_the_fix(project: Path, args: list[str], message: str):
    result = CliRunner().invoke(app, ["analyze", "churn", "--project", str(project), *args])
    assert result.exit_code != 0
    assert message in str(result.exception)
