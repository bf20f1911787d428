"""``tenure train``, ``score``, ``accounts`` and ``account`` on a small simulated business,
end to end through the command line: models kept, snapshots kept, the worklist in MRR order."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tenure.cli.app import app
from tenure.errors import InputError, WarehouseError
from tenure.models.store import current_folder
from tenure.simulate import simulate
from tenure.warehouse import Warehouse

pytestmark = pytest.mark.slow

RUNNER = CliRunner()


def _run(*args: str) -> str:
    result = RUNNER.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = tmp_path_factory.mktemp("business")
    simulate(project / "data", accounts=400, months=24, seed=5)
    _run("load", str(project / "data"), "--project", str(project))
    _run("measures", "--project", str(project))
    return project


def test_score_before_train_says_to_train(tmp_path: Path):
    _empty_warehouse(tmp_path)  # a project, with no model yet
    with pytest.raises(InputError, match=r"no trained model.*tenure train"):
        RUNNER.invoke(app, ["score", "--project", str(tmp_path)], catch_exceptions=False)


def _empty_warehouse(project: Path) -> None:
    """Create the warehouse file of a project that has loaded nothing yet."""
    warehouse = Warehouse(project / "warehouse.duckdb")
    warehouse.con.list_tables()  # connecting creates the file
    warehouse.close()


def test_train_without_measures_says_to_measure(tmp_path: Path):
    _empty_warehouse(tmp_path)
    with pytest.raises(WarehouseError, match="run `tenure measures` first"):
        RUNNER.invoke(app, ["train", "--project", str(tmp_path)], catch_exceptions=False)


def test_train_score_and_the_worklist(project: Path):
    out = _run("train", "--project", str(project), "--horizon", "60")
    assert "churn alerts at a threshold flagging at most 20%" in out
    meta = json.loads((current_folder(project) / "churn.json").read_text())
    assert meta["horizon_days"] == 60
    assert meta["evaluation"]["roc_auc"] > 0.6
    assert {p.stem for p in current_folder(project).glob("*.joblib")} == {
        "churn", "expansion", "conversion", "advocacy"}

    _run("score", "--project", str(project))
    with Warehouse(project / "warehouse.duckdb") as wh:
        scores = wh.table("scores").to_pandas()
    assert len(scores.groupby(["account_id", "as_of_date"])) == len(scores)  # grain
    paid = scores[~scores["is_trial"]]
    assert paid["churn_risk"].between(0, 1).all()
    assert paid["expansion"].between(0, 1).all()
    assert scores.loc[scores["is_trial"], "churn_risk"].isna().all()
    # Scoring another date keeps the first snapshot (history).
    latest = sorted(scores["as_of_date"].unique())[0]  # the one date scored so far
    days = sorted(Warehouse(project / "warehouse.duckdb").table("measures_wide")
                  .to_pandas()["as_of_date"].astype(str).unique())
    earlier = days[-5]
    _run("score", "--project", str(project), "--as-of", earlier)
    _run("score", "--project", str(project))  # the latest again: replaced, not duplicated
    with Warehouse(project / "warehouse.duckdb") as wh:
        again = wh.table("scores").to_pandas()
    assert sorted(again["as_of_date"].astype(str).unique()) == sorted({earlier, str(latest)[:10]})
    assert len(again[again["as_of_date"] == latest]) == len(scores)

    listing = json.loads(_run("accounts", "--project", str(project), "--format", "json",
                              "--limit", "0"))
    at_risk = [Decimal(str(r["mrr_at_risk"])) for r in listing]
    assert at_risk == sorted(at_risk, reverse=True)
    assert all(not r["cancel_pending"] for r in listing)
    top = listing[0]
    assert top["churn_reasons"]
    table = _run("accounts", "--project", str(project), "--limit", "3")
    assert top["account_id"] in table
    page = _run("account", top["account_id"], "--project", str(project))
    assert "why at risk:" in page
    assert "Trend" in page
