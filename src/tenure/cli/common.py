"""Options and helpers shared by the commands: the project folder and its warehouse."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tenure.config import CONFIG_FILE, ProjectConfig, load_config
from tenure.errors import InputError, WarehouseError
from tenure.warehouse import Warehouse

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "FormatOption",
    "ProjectOption",
    "TableOrJson",
    "check_project",
    "console",
    "err_console",
    "notice",
    "open_project",
    "parse_day",
    "parse_days",
    "progress_bar",
    "read_measures_wide",
]

#: Standard output. ``soft_wrap``: a line of text is never broken at the terminal's width, so
#: a path in a message stays whole (and copyable); tables still fit the width.
console = Console(soft_wrap=True)
#: Standard error: errors, notices and progress, so piped output (csv, json) stays clean.
err_console = Console(stderr=True, soft_wrap=True, highlight=False)


def notice(message: str) -> None:
    """One line on standard error, never wrapped: something skipped, stale or waited for."""
    err_console.print(f"[yellow]note:[/] {escape(message)}")


class TableOrJson(StrEnum):
    """How a report command prints: a Rich table for people, or JSON for programs."""

    table = "table"
    json = "json"


FormatOption = Annotated[TableOrJson, typer.Option("--format", help="table or json.")]

ProjectOption = Annotated[
    Path,
    typer.Option(
        "--project", "-p",
        help="Project folder holding tenure.yaml and the warehouse file.",
        file_okay=False,
    ),
]


def open_project(project: Path, *, read_only: bool = False, require_warehouse: bool = True,
                 ) -> tuple[ProjectConfig, Warehouse]:
    """Read the project's settings and open its warehouse (a DuckDB file inside the folder).

    The folder must exist and, unless ``require_warehouse`` is off (``tenure load``, which
    creates the warehouse), hold its warehouse file: a mistyped ``--project`` is refused before
    anything is created.

    Commands that only read pass ``read_only``: they run beside each other and in a read-only
    project, and read the last committed data. Either way, a warehouse another command holds
    is waited for (one line says so) up to the ``lock_timeout_seconds`` setting, and a derived
    table computed before the last load is named as stale in one line when it is read.
    """
    config = load_config(project)
    check_project(Path(project), config, require_warehouse=require_warehouse)
    return config, Warehouse(
        Path(project) / config.warehouse, read_only=read_only,
        lock_timeout=config.lock_timeout_seconds, on_wait=notice, on_stale=notice)


def check_project(project: Path, config: ProjectConfig, *, require_warehouse: bool) -> None:
    """Refuse a project folder that does not exist, or that has no warehouse when one is needed.

    Raises
    ------
    WarehouseError
        Naming the folder (or warehouse file) and the command that makes it.
    """
    fix = (f"check --project, or create the project with `tenure init --project {project}` and "
           f"load your data with `tenure load DIR --project {project}`")
    if not project.is_dir():
        raise WarehouseError(f"{project} is not a Tenure project: the folder does not exist; "
                             f"{fix}")
    warehouse = project / config.warehouse
    if not require_warehouse or warehouse.is_file():
        return
    if not (project / CONFIG_FILE).is_file():
        raise WarehouseError(f"{project} is not a Tenure project: it has no {CONFIG_FILE} and no "
                             f"warehouse ({config.warehouse}); {fix}")
    raise WarehouseError(f"{project} has no warehouse yet ({warehouse}); load your data first: "
                         f"`tenure load DIR --project {project}`")


def parse_day(text: str | None, option: str) -> date | None:
    """A ``YYYY-MM-DD`` option value as a date (None when not given); an error names it."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{option} {text!r} is not a date; write it as YYYY-MM-DD.") from None


def parse_days(first: str | None, last: str | None) -> tuple[date | None, date | None]:
    """``--from`` and ``--to`` as dates, refused when ``--to`` comes before ``--from``."""
    start, end = parse_day(first, "--from"), parse_day(last, "--to")
    if start and end and end < start:
        raise InputError(f"--to {end} is before --from {start}; swap them.")
    return start, end


def progress_bar(output: Console | None = None) -> Progress:
    """The progress bar of long commands (description, bar, done/total, time elapsed)."""
    return Progress(
        TextColumn("[progress.description]{task.description}"), BarColumn(),
        MofNCompleteColumn(), TimeElapsedColumn(), console=output or console,
    )


def read_measures_wide(warehouse: Warehouse) -> pd.DataFrame:
    """The stored ``measures_wide`` table; an error says to run ``tenure measures`` first."""
    if not warehouse.has_table("measures_wide"):
        raise WarehouseError(f"the warehouse {warehouse.path} has no table 'measures_wide'; run "
                             "`tenure measures` first.")
    return warehouse.table("measures_wide").to_pandas()
