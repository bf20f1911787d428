"""``tenure measures``: compute the customer-success measures and store them in the warehouse."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tenure.cli.app import app
from tenure.cli.common import ProjectOption, console, open_project, parse_days, progress_bar

__all__ = ["measures"]


@app.command("measures")
def measures(
    project: ProjectOption = Path("."),
    first: Annotated[
        str | None, typer.Option("--from", help="First as-of date, YYYY-MM-DD.")
    ] = None,
    last: Annotated[
        str | None, typer.Option("--to", help="Last as-of date (included), YYYY-MM-DD.")
    ] = None,
    every: Annotated[
        int, typer.Option("--every", help="Days between as-of dates (Mondays when weekly).")
    ] = 7,
    measures_file: Annotated[
        Path | None,
        typer.Option(
            "--measures", help="Measures YAML file (default: PROJECT/measures.yaml if present, "
            "merged with the built-in measures).", dir_okay=False,
        ),
    ] = None,
) -> None:
    """Compute per-account measures at regular as-of dates into tables measures and
    measures_wide."""
    import pyarrow as pa

    from tenure.measures import (
        load_measures_config,
        measure_tables,
        project_measures_config,
        wide_measures,
    )
    from tenure.measures.sources import missing_sources

    settings, warehouse = open_project(project)
    config = (
        load_measures_config(measures_file) if measures_file else project_measures_config(project)
    )
    start, end = parse_days(first, last)
    with warehouse, progress_bar() as progress:
        task = progress.add_task("finding who to measure", total=len(config.measures) + 1)
        started: list[str] = []

        def step(name: str) -> None:
            if started:
                progress.advance(task)
            started.append(name)
            progress.update(task, description=f"measure {name}")

        tables = measure_tables(
            warehouse, config=config, start=start, end=end, frequency_days=every,
            definitions=settings.definitions, progress=step,
        )
        progress.advance(task)
        progress.update(task, description="writing measures and measures_wide")
        tidy = pa.concat_tables([table.to_pyarrow() for table in tables.values()])
        wide = wide_measures(tidy.to_pandas(), config=config)
        warehouse.replace_tables(
            {"measures": tidy, "measures_wide": pa.Table.from_pandas(wide, preserve_index=False)}
        )
        progress.advance(task)
        missing = missing_sources(warehouse, config)
    dates = sorted(set(wide["as_of_date"]))
    console.print(
        f"wrote {tidy.num_rows:,} rows to [bold]measures[/] and {len(wide):,} to "
        f"[bold]measures_wide[/]: {len(config.measures)} measures, {len(dates)} as-of dates"
        + (f" from {dates[0]} to {dates[-1]}" if dates else "")
    )
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
        else:
            console.print(f"[yellow]note:[/] {len(names)} measure(s) left empty, since the "
                          f"warehouse has no {source} table: {', '.join(names)}; add "
                          f"{source}.csv (or .parquet) to the export and run `tenure load`, then "
                          "`tenure measures`.", highlight=False, soft_wrap=True)
