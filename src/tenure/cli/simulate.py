"""``tenure simulate``: write the demo business's canonical tables as Parquet files."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from tenure.cli.app import app
from tenure.cli.common import console
from tenure.errors import InputError

__all__ = ["parse_start", "simulate_command"]

_STAGES = {"accounts": "simulating accounts month by month", "events": "writing usage events"}


def parse_start(text: str) -> date:
    """``--start`` as a date (``YYYY-MM-DD``).

    >>> parse_start("2023-01-01")
    datetime.date(2023, 1, 1)
    """
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"--start: {text!r} is not a date; write it as YYYY-MM-DD, "
                         "e.g. 2023-01-01.") from None


@app.command("simulate")
def simulate_command(
    out: Annotated[Path, typer.Option("--out", help="Folder to write <table>.parquet files to.",
                                      file_okay=False)],
    accounts: Annotated[int, typer.Option(help="Accounts that sign up over the span.")] = 2000,
    months: Annotated[int, typer.Option(help="Months simulated.")] = 36,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same files).")] = 7,
    start: Annotated[str, typer.Option(help="First simulated month, YYYY-MM-DD.")] = "2023-01-01",
    event_scale: Annotated[float, typer.Option(
        help="Multiplier of usage events per active user-day (10,000 accounts at 4.1 give about "
             "100 million events).")] = 1.0,
) -> None:
    """Simulate a B2B SaaS company (plans, trials, churn, usage, support) as canonical files."""
    from tenure.simulate import simulate

    first = parse_start(start)
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/"
               "{task.total} months"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as bar:
        tasks: dict[str, TaskID] = {}

        def advance(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(_STAGES.get(stage, stage), total=total)
            bar.update(tasks[stage], completed=done)

        summary = simulate(out, accounts=accounts, months=months, start=first, seed=seed,
                           event_scale=event_scale, progress=advance)

    table = Table(title=f"Demo business written to {summary.out}")
    table.add_column("table")
    table.add_column("rows", justify="right")
    table.add_column("file")
    for name, rows in summary.rows.items():
        table.add_row(name, f"{rows:,}", summary.paths[name].name)
    console.print(table)
    console.print(f"hidden account traits (never loaded): {summary.truth_path}")
