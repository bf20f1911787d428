"""``tenure check``: the data-quality report of a loaded warehouse (findings are not errors)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from tenure.cli.app import app
from tenure.cli.common import FormatOption, ProjectOption, TableOrJson, console, open_project
from tenure.config import ProjectConfig
from tenure.errors import WarehouseError
from tenure.quality import CheckStatus, QualityReport, check_warehouse
from tenure.quality.findings import example_cell
from tenure.warehouse import Warehouse

__all__ = ["check", "checked_or_noted", "print_report", "summarise_after_load"]


@app.command("check")
def check(project: ProjectOption = Path("."), fmt: FormatOption = TableOrJson.table) -> None:
    """List what is suspicious but not invalid in the loaded data: each finding with a count,
    examples and a fix (exit 0 whether or not it finds anything)."""
    config, warehouse = open_project(project)
    if warehouse.path != ":memory:" and not Path(warehouse.path).exists():
        raise WarehouseError(f"no warehouse at {warehouse.path}; load your exports first with "
                             f"`tenure load DIR --project {project}`.")
    with warehouse:
        report = check_warehouse(warehouse, definitions=config.definitions,
                                 currency=config.reporting_currency)
    if fmt is TableOrJson.json:
        typer.echo(json.dumps(report.to_dict(), indent=2))
        return
    print_report(report)


def print_report(report: QualityReport) -> None:
    """The report for people: each finding (summary, fix, examples), then skipped and clean."""
    clean = [r for r in report.results if r.status is CheckStatus.clean]
    until = f" (data up to {report.last_day})" if report.last_day else ""
    console.print(f"[bold]Data check{until}:[/] {len(report.findings)} finding(s), "
                  f"{len(report.skipped)} skipped, {len(clean)} clean", highlight=False,
                  soft_wrap=True)
    for r in report.findings:
        console.print()
        console.print(f"[bold yellow]{escape(r.label)}[/] ({r.check}): {escape(r.summary)}",
                      highlight=False, soft_wrap=True)
        console.print(f"  [bold]fix:[/] {escape(r.fix)}", highlight=False, soft_wrap=True)
        if r.examples:
            console.print(_examples(r.examples))
    if report.skipped:
        console.print()
    for r in report.skipped:
        console.print(f"[dim]skipped {r.check}:[/] {escape(r.summary)}", highlight=False,
                      soft_wrap=True)
    if clean:
        console.print(f"[green]clean:[/] {', '.join(r.check for r in clean)}", highlight=False,
                      soft_wrap=True)


def _examples(rows: list[dict[str, object]]) -> Table:
    table = Table(title="examples", title_justify="left", header_style="bold")
    columns = list(rows[0])
    for c in columns:
        # Values are never cut short (an account id is copied from here): headers wrap instead.
        width = max(len(example_cell(row.get(c))) for row in rows)
        table.add_column(c, min_width=width, overflow="fold")
    for row in rows:
        table.add_row(*(example_cell(row.get(c)) for c in columns))
    return table


def checked_or_noted(warehouse: Warehouse, config: ProjectConfig, *,
                     after: str) -> QualityReport | None:
    """The data check for a command that runs it on the side (``load``, ``report``).

    A failure never fails that command (the check only advises): it is reported in one line
    and ``None`` returned; ``tenure check`` runs it again with the full error.
    """
    try:
        return check_warehouse(warehouse, definitions=config.definitions,
                               currency=config.reporting_currency)
    except Exception as exc:  # advisory, beside the command's own work: never fail it
        reason = escape(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        console.print(f"[yellow]note:[/] the data check did not run ({reason}); {after}, "
                      "run `tenure check` to see why.", highlight=False, soft_wrap=True)
        return None


def summarise_after_load(warehouse: Warehouse, config: ProjectConfig) -> None:
    """The one line ``tenure load`` ends with: the data check's findings in a few words."""
    report = checked_or_noted(warehouse, config, after="the load is complete")
    if report is None:
        return
    style = "yellow" if report.findings else "dim"
    console.print(f"[{style}]{escape(report.summary_line())}[/]", highlight=False, soft_wrap=True)
