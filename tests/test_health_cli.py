"""``tenure health`` on a small simulated business: score, backtest, distribution.

The default card is judged here on data it was not fitted to: its churn AUC must be well above
chance and red accounts must churn more often than green ones.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tenure.cli.app import app
from tenure.errors import ConfigError, WarehouseError
from tenure.warehouse import Warehouse

# Computing the measures of the simulated business takes a few seconds.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def project(simulated_project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the shared simulated project with its measures computed."""
    folder = tmp_path_factory.mktemp("health") / "project"
    shutil.copytree(simulated_project, folder)
    result = CliRunner().invoke(app, ["measures", "--project", str(folder)])
    assert result.exit_code == 0, result.output
    return folder


def _run(*args: str) -> str:
    """Standard output of a command that must succeed (progress goes to standard error)."""
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_score_keeps_history_and_rescoring_a_range_replaces_only_it(project: Path) -> None:
    out = _run("health", "score", "--project", str(project))
    assert "with default" in out
    with Warehouse(project / "warehouse.duckdb") as wh:
        first = wh.table("health_history").to_pandas()
        wide = wh.table("measures_wide").to_pandas()
    assert len(first) == len(wide)
    assert not first.duplicated(["account_id", "as_of_date", "scorecard"]).any()
    dates = sorted(first["as_of_date"].unique())
    day = str(dates[-1])[:10]
    _run("health", "score", "--project", str(project), "--from", day, "--to", day)
    with Warehouse(project / "warehouse.duckdb") as wh:
        again = wh.table("health_history").to_pandas()
    assert len(again) == len(first)
    assert set(again["as_of_date"]) == set(first["as_of_date"])


def test_backtest_of_the_default_card_beats_chance(project: Path) -> None:
    report = json.loads(_run("health", "backtest", "--project", str(project), "--format",
                             "json", "--horizon", "90"))
    auc = {(r["outcome"], r["horizon_days"]): r for r in report["auc"]}
    churn = auc[("churn", 90)]
    assert churn["events"] >= 30
    assert churn["auc"] > 0.65
    assert auc[("expansion", 90)]["auc"] > 0.55
    rate = {r["colour"]: r for r in report["bands"]
            if r["outcome"] == "churn" and r["horizon_days"] == 90}
    assert rate["red"]["rate"] > 2 * rate["green"]["rate"]
    # The intervals do not overlap: red's worse churn is not noise.
    assert rate["red"]["rate_low"] > rate["green"]["rate_high"]
    assert {r["days_before"] for r in report["before_churn"]} == {30, 60, 90}
    assert 0 < report["red_lead"][0]["red_before"] <= report["red_lead"][0]["churners"]


def test_backtest_compares_cards_side_by_side(project: Path, tmp_path: Path) -> None:
    usage = tmp_path / "usage.yaml"
    usage.write_text("name: logins_only\ncomponents:\n"
                     "  - {measure: logins_28d, direction: higher, green: 20, red: 2}\n")
    default = Path(__file__).resolve().parents[1] / "src/tenure/health/default_scorecard.yaml"
    args = ["health", "backtest", "--project", str(project), "--scorecard", str(default),
            "--scorecard", str(usage), "--horizon", "90"]
    report = json.loads(_run(*args, "--format", "json"))
    assert report["scorecards"] == ["default", "logins_only"]
    churn = [r for r in report["auc"] if r["outcome"] == "churn"]
    # Both cards are judged on the very same rows.
    assert [r["scorecard"] for r in churn] == ["default", "logins_only"]
    assert churn[0]["rows"] == churn[1]["rows"]
    assert churn[0]["events"] == churn[1]["events"]
    table = _run(*args)
    assert "AUC" in table
    assert "logins_only: outcome rate per colour" in table


def test_distribution_names_the_tails(project: Path) -> None:
    _run("health", "score", "--project", str(project))
    report = json.loads(_run("health", "distribution", "--project", str(project), "--format",
                             "json", "--months", "3", "--top", "5"))
    assert len(report["months"]) == 3
    assert {r["colour"] for r in report["bands"]} == {"green", "yellow", "red"}
    assert 0 < len(report["at_risk"]) <= 5
    mrr = [r["mrr"] for r in report["at_risk"]]
    assert mrr == sorted(mrr, reverse=True)
    assert all(r["month"] == report["months"][-1] for r in report["at_risk"])
    text = _run("health", "distribution", "--project", str(project))
    assert "at-risk tail" in text
    assert "advocate tail" in text


def test_clear_errors_without_measures_or_scores(simulated_project: Path, tmp_path: Path,
                                                 project: Path) -> None:
    bare = tmp_path / "bare"
    shutil.copytree(simulated_project, bare)
    result = CliRunner().invoke(app, ["health", "score", "--project", str(bare)])
    assert isinstance(result.exception, WarehouseError)
    assert "run `tenure measures` first" in str(result.exception)
    card = tmp_path / "model.yaml"
    card.write_text("name: with_model\ncomponents:\n"
                    "  - {model: churn_risk, direction: lower, green: 0.05, red: 0.3}\n")
    with Warehouse(project / "warehouse.duckdb") as wh:
        assert not wh.has_table("scores")
    result = CliRunner().invoke(app, ["health", "score", "--project", str(project),
                                      "--scorecard", str(card)])
    assert isinstance(result.exception, ConfigError)
    assert "`tenure train` then `tenure score`" in str(result.exception)
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text("name: x\ncomponents:\n"
                       "  - {measure: logins_7d, direction: higher, green: 5, red: 0}\n")
    result = CliRunner().invoke(app, ["health", "backtest", "--project", str(project),
                                      "--scorecard", str(unknown)])
    assert isinstance(result.exception, ConfigError)
    assert "known measures: events_28d" in str(result.exception)


def test_a_card_with_a_model_component_reads_the_scores_table(project: Path,
                                                              tmp_path: Path) -> None:
    import pyarrow as pa

    folder = tmp_path / "with_scores"
    shutil.copytree(project, folder)
    with Warehouse(folder / "warehouse.duckdb") as wh:
        wide = wh.table("measures_wide").to_pandas()
        last = wide["as_of_date"].max()
        accounts = sorted(wide.loc[wide["as_of_date"] == last, "account_id"])[:3]
        # A hand-made scores table: three accounts at the latest date, risks 0.05, 0.175, 0.30.
        wh.replace_tables({"scores": pa.table({
            "account_id": accounts, "as_of_date": [last.date()] * 3,
            "churn_risk": [0.05, 0.175, 0.30], "expansion": [0.1, 0.1, 0.1],
        })})
    card = tmp_path / "model.yaml"
    card.write_text("name: model_only\ncomponents:\n"
                    "  - {model: churn_risk, direction: lower, green: 0.05, red: 0.3}\n")
    _run("health", "score", "--project", str(folder), "--scorecard", str(card))
    with Warehouse(folder / "warehouse.duckdb") as wh:
        history = wh.table("health_history").to_pandas()
    history = history[history["scorecard"] == "model_only"]  # other tests stored the default
    assert len(history) == len(wide)
    scored = history.dropna(subset=["score"]).sort_values("account_id")
    # Points 100, 50 and 0; every other row has no score (the only component is missing).
    assert scored["account_id"].tolist() == accounts
    assert scored["score"].tolist() == pytest.approx([100, 50, 0])
    assert scored["colour"].tolist() == ["green", "yellow", "red"]
    assert history["score"].isna().sum() == len(history) - 3
