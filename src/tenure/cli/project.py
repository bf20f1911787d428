"""``tenure init`` and ``tenure demo``: start a project, or build and analyse the demo business."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from typing import Annotated

import typer

from tenure.cli.app import app
from tenure.cli.common import ProjectOption, console, open_project
from tenure.config import CONFIG_FILE, render_default_config

__all__ = ["demo", "init"]

#: First month of the demo business.
_SIMULATION_START = date(2023, 1, 1)


def _write_config(project: Path, *, force: bool) -> Path:
    path = Path(project) / CONFIG_FILE
    if path.exists() and not force:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_default_config())
    return path


@app.command("init")
def init(
    project: ProjectOption = Path("."),
    force: Annotated[bool, typer.Option(help="Overwrite an existing tenure.yaml.")] = False,
) -> None:
    """Create a project folder with tenure.yaml listing every setting at its default."""
    path = Path(project) / CONFIG_FILE
    if path.exists() and not force:
        console.print(f"{path} already exists; pass --force to overwrite it with the defaults")
        raise typer.Exit(1)
    _write_config(project, force=True)
    console.print(f"wrote [bold]{path}[/]; next: `tenure load DIR --project {project}`")


@app.command("demo")
def demo(
    project: ProjectOption = Path("demo"),
    accounts: Annotated[int, typer.Option(help="Accounts in the demo business.")] = 2000,
    months: Annotated[int, typer.Option(help="Months of history.")] = 36,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same business).")] = 7,
) -> None:
    """The main job on the demo business: simulate, load, revenue metrics and report, then
    measures, models, scores, health, segments and the worklist."""
    from tenure.cli.check import summarise_after_load
    from tenure.cli.common import TableOrJson
    from tenure.cli.health import score as health_score
    from tenure.cli.load import prepare_revenue_sql
    from tenure.cli.measures import measures
    from tenure.cli.metrics import OutputFormat, metrics, report
    from tenure.cli.models import score, train
    from tenure.cli.segments import segments
    from tenure.cli.worklist import accounts as worklist
    from tenure.metrics.period import add_months
    from tenure.simulate import simulate
    from tenure.warehouse.load import load_directory

    project = Path(project)
    _write_config(project, force=False)
    data = project / "data"
    console.rule("1. simulate the demo business")
    simulate(data, accounts=accounts, months=months, seed=seed, start=_SIMULATION_START)
    console.print(f"wrote the demo business's files to {data}")

    console.rule("2. load it into the warehouse")
    config, warehouse = open_project(project, require_warehouse=False)
    with warehouse:
        # The export describes the business up to the end of the simulated months (not
        # today): metrics and reports then end with the simulation's last month. The demo's
        # folder holds only what the demo wrote: a new run replaces it whole.
        end = add_months(_SIMULATION_START, months)
        load_report = load_directory(
            warehouse, data, reporting_currency=config.reporting_currency,
            as_of=datetime.combine(end, time()), allow_shrink=True, drop_missing=True,
        )
        console.print(load_report.summary() if hasattr(load_report, "summary") else load_report)
        # As `tenure load` does: the next `tenure metrics --by ...` on the demo compiles nothing.
        prepare_revenue_sql(warehouse, config)
        summarise_after_load(warehouse, config)  # as `tenure load` ends

    console.rule("3. revenue metrics")
    metrics(project=project, first=None, last=None)

    console.rule("4. report")
    report(project=project, first=None, last=None, output=None)

    console.rule("5. customer-success measures")
    measures(project=project, first=None, last=None, every=7, measures_file=None)

    console.rule("6. churn, expansion, conversion and advocacy models")
    train(project=project, models="churn,expansion,conversion,advocacy", horizon=90)

    console.rule("7. scores, health and segments")
    score(project=project, as_of=None, history=False)
    health_score(project=project, scorecard=None, first=None, last=None)
    segments(project=project, as_of=None, groups_file=None, fmt=TableOrJson.table)

    console.rule("8. the worklist")
    worklist(project=project, as_of=None, rep=None, tier=None, stage=None, min_risk=0.0,
             limit=10, include_pending=False, fmt=OutputFormat.table)
