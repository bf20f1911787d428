"""``tenure measures``: compute the customer-success measures and store them in the warehouse."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from tenure.cli.app import app
from tenure.cli.common import (
    ProjectOption,
    console,
    open_project,
    parse_day,
    parse_days,
    progress_bar,
)
from tenure.errors import InputError

__all__ = ["WeekdayName", "measures"]


class WeekdayName(StrEnum):
    """``--weekday``: the day of the week weekly as-of dates fall on."""

    monday = "monday"
    tuesday = "tuesday"
    wednesday = "wednesday"
    thursday = "thursday"
    friday = "friday"
    saturday = "saturday"
    sunday = "sunday"


def _as_of_dates(text: str | None) -> list[date] | None:
    """``--as-of-dates``: comma-separated YYYY-MM-DD dates (None when not given)."""
    if text is None:
        return None
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not parts:
        raise InputError("--as-of-dates is empty; give dates as YYYY-MM-DD,YYYY-MM-DD.")
    return sorted({parse_day(part, "--as-of-dates") for part in parts})  # type: ignore[type-var]


@app.command("measures")
def measures(
    project: ProjectOption = Path("."),
    first: Annotated[
        str | None, typer.Option("--from", help="First as-of date, YYYY-MM-DD.")
    ] = None,
    last: Annotated[
        str | None, typer.Option("--to", help="Last as-of date (included), YYYY-MM-DD "
                                 "(default: the first day without data).")
    ] = None,
    every: Annotated[
        int, typer.Option("--every", help="Days between as-of dates (on --weekday when a "
                          "whole number of weeks).")
    ] = 7,
    weekday: Annotated[
        WeekdayName, typer.Option("--weekday", help="Day of the week of weekly as-of dates.")
    ] = WeekdayName.monday,
    as_of_dates: Annotated[
        str | None,
        typer.Option("--as-of-dates", help="Explicit as-of dates instead of a grid, "
                     "comma-separated: 2025-01-05,2025-02-02."),
    ] = None,
    measures_file: Annotated[
        Path | None,
        typer.Option(
            "--measures", help="Measures YAML file (default: PROJECT/measures.yaml if present, "
            "merged with the built-in measures).", dir_okay=False,
        ),
    ] = None,
) -> None:
    """Compute per-account measures at regular as-of dates into tables measures and
    measures_wide. With --from, --to or --as-of-dates only those dates are replaced; every
    other stored date is kept."""
    import pyarrow as pa

    from tenure.measures import (
        load_measures_config,
        measure_tables,
        project_measures_config,
        wide_measures,
    )
    from tenure.measures.asof import Weekday, find_data_end
    from tenure.measures.sources import missing_sources
    from tenure.measures.store import write_measures

    settings, warehouse = open_project(project)
    config = (
        load_measures_config(measures_file) if measures_file else project_measures_config(project)
    )
    start, end = parse_days(first, last)
    dates = _as_of_dates(as_of_dates)
    if dates is not None and (start or end):
        raise InputError("give either --as-of-dates or --from/--to, not both.")
    partial = dates is not None or start is not None or end is not None
    with warehouse, progress_bar() as progress:
        if dates is None and end is None:
            found = find_data_end(warehouse)
            console.print(found.describe("--to"), highlight=False, soft_wrap=True)
            end = found.day
        task = progress.add_task("finding who to measure", total=len(config.measures) + 1)
        started: list[str] = []

        def step(name: str) -> None:
            if started:
                progress.advance(task)
            started.append(name)
            progress.update(task, description=f"measure {name}")

        tables = measure_tables(
            warehouse, config=config, as_of_dates=dates, start=start, end=end,
            frequency_days=every, weekday=Weekday[weekday.value],
            definitions=settings.definitions, progress=step,
        )
        progress.advance(task)
        progress.update(task, description="writing measures and measures_wide")
        tidy = pa.concat_tables([table.to_pyarrow() for table in tables.values()])
        wide = wide_measures(tidy.to_pandas(), config=config)
        write_measures(warehouse, tidy, wide, config=config, keep_other_dates=partial)
        stored = (warehouse.table("measures_wide").count().execute() if partial else None)
        progress.advance(task)
        missing = missing_sources(warehouse, config)
    written = sorted(set(wide["as_of_date"]))
    console.print(
        f"wrote {tidy.num_rows:,} rows to [bold]measures[/] and {len(wide):,} to "
        f"[bold]measures_wide[/]: {len(config.measures)} measures, {len(written)} as-of dates"
        + (f" from {written[0]} to {written[-1]}" if written else "")
    )
    if partial:
        console.print(f"other as-of dates kept: measures_wide holds {stored:,} rows in all")
    _print_missing(missing)


def _print_missing(missing: dict[str, list[str]]) -> None:
    """One line per source the export lacks: the measures it leaves empty and how to fill them."""
    for source, names in missing.items():
        if source == "events.user_id":
            console.print(f"[yellow]note:[/] {len(names)} measure(s) count no user, since no "
                          f"event has a user_id: {', '.join(names)}; add a user id column to "
                          "the events export (or map one to user_id in the mapping file) and "
                          "run `tenure load`, then `tenure measures`.", highlight=False,
                          soft_wrap=True)
        elif source == "tickets.closed_at":
            console.print(f"[yellow]note:[/] {len(names)} measure(s) left empty, since no ticket "
                          f"has a closed_at (a close time): {', '.join(names)}; add a close-time "
                          "column to the tickets export (or map one to closed_at in the mapping "
                          "file) and run `tenure load`, then `tenure measures`.", highlight=False,
                          soft_wrap=True)
        else:
            console.print(f"[yellow]note:[/] {len(names)} measure(s) left empty, since the "
                          f"warehouse has no {source} table: {', '.join(names)}; add "
                          f"{source}.csv (or .parquet) to the export and run `tenure load`, then "
                          "`tenure measures`.", highlight=False, soft_wrap=True)
