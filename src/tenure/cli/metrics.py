"""``tenure metrics`` and ``tenure report``: revenue metrics in the terminal, in files, as HTML."""

from __future__ import annotations

import json
import math
from datetime import date
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.markup import escape
from rich.table import Table

from tenure.cli.app import app
from tenure.cli.common import ProjectOption, console, err_console, open_project
from tenure.errors import InputError
from tenure.metrics.period import MonthRange, add_months, as_of_month_end, parse_month
from tenure.report.html import format_value
from tenure.warehouse import Warehouse
from tenure.warehouse.locking import read_only_reason

__all__ = ["metrics", "report", "to_json"]


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


class MetricsTable(StrEnum):
    monthly = "monthly"
    unit_economics = "unit-economics"
    cohorts = "cohorts"
    trials = "trials"
    accounts = "accounts"


#: What the terminal shows of each table: panels of (column, header). csv and json show all.
_TERMINAL_VIEWS: dict[MetricsTable, list[tuple[str, list[tuple[str, str]]]]] = {
    MetricsTable.monthly: [
        ("MRR and its movements", [
            ("month", "month"), ("mrr", "MRR"), ("customers", "customers"), ("arpa", "ARPA"),
            ("new_mrr", "new"), ("expansion_mrr", "expansion"),
            ("reactivation_mrr", "reactivation"), ("contraction_mrr", "contraction"),
            ("churned_mrr", "churn"), ("mrr_change", "net change"),
        ]),
        ("Churn and retention", [
            ("month", "month"), ("logo_churn_rate", "logo churn"),
            ("gross_mrr_churn_rate", "gross MRR churn"), ("net_mrr_churn_rate", "net MRR churn"),
            ("grr", "GRR"), ("nrr", "NRR"), ("grr_ttm", "GRR 12m"), ("nrr_ttm", "NRR 12m"),
            ("quick_ratio", "quick ratio"),
        ]),
    ],
    MetricsTable.unit_economics: [
        ("Unit economics and the profit equation", [
            ("month", "month"), ("arpa", "ARPA"), ("gross_margin", "gross margin"),
            ("ltv", "LTV"), ("cac", "CAC"), ("cac_payback_months", "payback (months)"),
            ("magic_number", "magic number"), ("new_customers", "new customers"),
            ("profit", "profit"),
        ]),
    ],
    MetricsTable.trials: [
        ("Trials by start month", [
            ("month", "month"), ("trials_started", "started"), ("converted", "converted"),
            ("conversion_rate", "conversion"), ("median_days_to_convert", "median days"),
        ]),
    ],
    MetricsTable.accounts: [
        ("Accounts by month", [
            ("account_id", "account"), ("month", "month"), ("plan", "plan"),
            ("previous_mrr", "previous MRR"), ("mrr", "MRR"), ("movement", "movement"),
            ("mrr_change", "change"),
        ]),
    ],
}

FromOption = Annotated[str | None, typer.Option("--from", help="First month, YYYY-MM.")]
ToOption = Annotated[str | None, typer.Option(
    "--to", help="Last month (included), YYYY-MM (default: the month of the last load's as-of "
    "date).")]


def _period(first: str | None, last: str | None,
            warehouse: Warehouse | None = None) -> tuple[date | None, date | None]:
    """``--from``/``--to`` as ``[start, end)`` month starts.

    Without ``--to`` the range runs to the month of the last load's as-of date (the date the
    export describes), not to the last start or cancellation in the data: a line that ends
    after those (a churn at the end of its paid service) still shows.
    """
    start = parse_month(first, setting="--from") if first else None
    end = add_months(parse_month(last, setting="--to"), 1) if last else None
    if end is None and warehouse is not None:
        end = as_of_month_end(warehouse, start)
    if start and end:
        MonthRange(start, end)  # validates the order, with a message naming both options
    return start, end


def _check_writable_output(path: Path, option: str) -> None:
    """Before minutes of work: refuse an output file that cannot be written, naming it."""
    folder = path.parent if str(path.parent) else Path(".")
    reason = read_only_reason(path)
    if not folder.is_dir():
        reason = f"the folder {folder} does not exist"
    if reason is not None:
        raise InputError(f"cannot write {path}: {reason}; pass {option} with a file in a "
                         "writable folder.")


def _json_value(value: object) -> object:
    if isinstance(value, Decimal):
        # Two-decimal money round-trips exactly through a float's shortest repr.
        return float(value)
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp) and value == value.normalize():
        return value.date().isoformat()  # a month or a day, not an instant
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if value is pd.NA or value is pd.NaT:
        return None
    if hasattr(value, "item"):
        return value.item()
    return value


def to_json(df: pd.DataFrame) -> str:
    """Records as JSON: money as exact numbers, dates ISO, missing values null."""
    records = [{k: _json_value(v) for k, v in row.items()} for row in df.to_dict("records")]
    return json.dumps(records, indent=2)


def _print_table(df: pd.DataFrame, columns: list[tuple[str, str]], title: str) -> None:
    cols = [(c, label) for c, label in columns if c in df.columns]
    table = Table(title=title, header_style="bold", title_justify="left")
    for c, label in cols:
        # Values are never cut short: headers wrap instead. Money shows in whole units here
        # (csv and json keep the cents).
        cells = [_terminal_value(c, v) for v in df[c]]
        width = max([len(x) for x in cells] or [1])
        table.add_column(label, justify="left" if c in _LEFT else "right", no_wrap=False,
                         min_width=width, overflow="fold")
    for _, row in df.iterrows():
        table.add_row(*(_terminal_value(c, row[c]) for c, _ in cols))
    console.print(table)


def _terminal_value(column: str, value: object) -> str:
    if isinstance(value, Decimal):
        return f"{value:,.0f}"
    return format_value(column, value)


def _print_cohorts(df: pd.DataFrame, title: str, months: int = 12) -> None:
    from tenure.metrics.cohorts import cohort_matrix

    matrix = cohort_matrix(df, "logo_retention")
    matrix = matrix[[c for c in matrix.columns if int(c) <= months]]
    table = Table(title=f"{title}: logo retention by months since first payment",
                  header_style="bold", title_justify="left")
    table.add_column("cohort", justify="left")
    for c in matrix.columns:
        table.add_column(str(c), justify="right")
    for cohort, row in matrix.iterrows():
        cells = [format_value("logo_retention", v) for v in row]
        table.add_row(format_value("cohort", cohort), *cells)
    console.print(table)


_LEFT = {"month", "account_id", "plan", "movement", "cohort"}


@app.command("metrics")
def metrics(
    project: ProjectOption = Path("."),
    first: FromOption = None,
    last: ToOption = None,
    by: Annotated[
        str | None,
        typer.Option(help="Segment by plan or an account attribute (industry, channel, owner...)."),
    ] = None,
    which: Annotated[MetricsTable, typer.Option("--table", help="Which table to show.")] = (
        MetricsTable.monthly
    ),
    fmt: Annotated[OutputFormat, typer.Option("--format", help="table, csv or json.")] = (
        OutputFormat.table
    ),
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
    ] = None,
) -> None:
    """Revenue metrics by month: MRR, movements, churn, retention, unit economics, cohorts."""
    from tenure.metrics.revenue import revenue_metrics

    config, warehouse = open_project(project, read_only=True)
    if output is not None:
        _check_writable_output(output, "--output")
    with warehouse:
        start, end = _period(first, last, warehouse)
        result = revenue_metrics(
            warehouse, start=start, end=end, definitions=config.definitions, by=by,
            include_accounts=which is MetricsTable.accounts,
        )
    df = {
        MetricsTable.monthly: result.monthly,
        MetricsTable.unit_economics: result.unit_economics,
        MetricsTable.cohorts: result.cohorts,
        MetricsTable.trials: result.trials,
        MetricsTable.accounts: result.account_months,
    }[which]
    if fmt is OutputFormat.table:
        last_month = result.period.months[-1]
        span = f"{result.period.start:%Y-%m} to {last_month:%Y-%m}"
        if which is MetricsTable.cohorts:
            _print_cohorts(df, f"Cohorts, {span}")
            return
        segments = [(c, c) for c in result.by]
        for title, columns in _TERMINAL_VIEWS[which]:
            _print_table(df, [*segments, *columns], f"{title}, {span}")
        return
    text = df.to_csv(index=False) if fmt is OutputFormat.csv else to_json(df)
    if output:
        output.write_text(text)
        console.print(f"wrote {len(df)} rows to {escape(str(output))}", highlight=False)
    else:
        typer.echo(text, nl=False)


@app.command("report")
def report(
    project: ProjectOption = Path("."),
    first: FromOption = None,
    last: ToOption = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="HTML file to write (default PROJECT/report.html)."),
    ] = None,
) -> None:
    """Write a self-contained HTML revenue report with charts (opens without network)."""
    from tenure.cli.check import checked_or_noted
    from tenure.metrics.revenue import revenue_metrics
    from tenure.report import write_revenue_report

    config, warehouse = open_project(project, read_only=True)
    target = output or Path(project) / "report.html"
    _check_writable_output(target, "--output")
    with err_console.status("computing revenue metrics"), warehouse:
        start, end = _period(first, last, warehouse)
        result = revenue_metrics(warehouse, start=start, end=end, definitions=config.definitions)
        quality = checked_or_noted(warehouse, config, after="the report leaves its section out")
    try:
        path = write_revenue_report(result, target, quality=quality)
    except OSError as error:
        raise InputError(f"cannot write the report to {target} ({error.strerror}); pass "
                         "--output with a file in a writable folder.") from None
    console.print(f"wrote report to [bold]{escape(str(path))}[/]")
