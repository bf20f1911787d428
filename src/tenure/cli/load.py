"""``tenure load DIR``: validate a folder of exports and load it into the project's warehouse."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tenure.cli.app import app
from tenure.cli.check import summarise_after_load
from tenure.cli.common import ProjectOption, console, err_console, open_project
from tenure.config import ProjectConfig
from tenure.errors import InputError, ValidationError
from tenure.warehouse import Warehouse
from tenure.warehouse.load import LoadReport, load_directory

__all__ = ["REJECTS_FILE", "load", "load_progress", "parse_as_of", "prepare_revenue_sql"]

#: Rejected rows of a quarantined load, in the project folder.
REJECTS_FILE = "rejects.csv"


def parse_as_of(text: str) -> datetime:
    """``--as-of`` as a datetime: a date (``2024-06-30``, taken as the end of that day) or an
    ISO timestamp.

    >>> parse_as_of("2024-06-30")
    datetime.datetime(2024, 6, 30, 23, 59, 59)
    """
    try:
        if len(text) == 10:
            return datetime.fromisoformat(text).replace(hour=23, minute=59, second=59)
        return datetime.fromisoformat(text)
    except ValueError:
        raise InputError(f"--as-of: {text!r} is not a date; write it as YYYY-MM-DD "
                         "(or an ISO timestamp such as 2024-06-30T12:00:00).") from None


@app.command("load")
def load(
    source_dir: Annotated[Path, typer.Argument(
        help="Folder with one file per table: accounts.csv, subscriptions.parquet, ...",
        exists=True, file_okay=False)],
    project: ProjectOption = Path("."),
    mapping: Annotated[Path | None, typer.Option(
        help="YAML mapping of your columns and values (default: mapping.yaml in the folder).",
        exists=True, dir_okay=False)] = None,
    quarantine: Annotated[bool, typer.Option(
        help=f"Load the good rows; write the rejected ones with their reasons to "
             f"{REJECTS_FILE} in the project and to the load_rejects table.")] = False,
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Date the export describes; later dates are rejected (default: now).")]
        = None,
    keep_missing: Annotated[bool, typer.Option(
        help="Keep tables loaded earlier whose file is absent.")] = False,
    drop_missing: Annotated[bool, typer.Option(
        help="Drop tables loaded earlier whose file is absent (without this or --keep-missing, "
             "such a table stops the load).")] = False,
    allow_shrink: Annotated[bool, typer.Option(
        help="Let the load empty a loaded table, or remove more of its rows or accounts than "
             "the setting load_max_shrink allows (default: such a load stops).")] = False,
) -> None:
    """Validate every file, then load them all in one transaction (or nothing)."""
    when = parse_as_of(as_of) if as_of else None
    config, warehouse = open_project(project, require_warehouse=False)
    with _removed_unless_loaded(Path(warehouse.path)) as outcome, warehouse:
        try:
            with load_progress() as step:
                report = load_directory(
                    warehouse, source_dir, mapping=mapping,
                    reporting_currency=config.reporting_currency, quarantine=quarantine,
                    as_of=when, rejects_path=Path(project) / REJECTS_FILE,
                    keep_missing=keep_missing, drop_missing=drop_missing,
                    allow_shrink=allow_shrink, max_shrink=config.load_max_shrink, on_step=step)
        except ValidationError as exc:
            _print_problems(exc)
            raise typer.Exit(2) from None
        outcome.loaded = True
        _print_report(report, Path(project))
    # The data is committed and the write lock released: the SQL is prepared and the data
    # checked as a reader, so other commands keep reading meanwhile.
    _, reader = open_project(project, read_only=True)
    with reader:
        prepare_revenue_sql(reader, config)
        summarise_after_load(reader, config)


@dataclass
class _Outcome:
    loaded: bool = False


@contextmanager
def _removed_unless_loaded(path: Path) -> Iterator[_Outcome]:
    """A first load that fails leaves no warehouse file (nor DuckDB's ``.wal``) behind, so the
    project looks as it did before and the next command does not find an empty warehouse.

    The files are removed on the way out (after the warehouse is closed), only if this load
    created them and wrote nothing. A later load needs nothing here: its single transaction
    leaves the file as it was.
    """
    companions = [path, path.with_name(path.name + ".wal")]
    created = [not p.exists() for p in companions]
    # folders the warehouse setting names (warehouse: wh/warehouse.duckdb) that do not exist yet
    folders = [f for f in path.parents if not f.exists()]
    outcome = _Outcome()
    try:
        yield outcome
    finally:
        if not outcome.loaded:
            for companion, new in zip(companions, created, strict=True):
                if new:
                    companion.unlink(missing_ok=True)
            for folder in folders:  # innermost first
                if folder.is_dir() and not any(folder.iterdir()):
                    folder.rmdir()


@contextmanager
def load_progress() -> Iterator[Callable[[str], None]]:
    """Show a load's current step (the file being read, the checks, the write) on stderr.

    On a terminal it is one live status line with the time spent on the load so far; when
    stderr is not a terminal (a log, a pipe) each step is one line there, so the command's
    standard output stays clean either way.
    """
    started = time.monotonic()
    if not err_console.is_terminal:
        yield lambda what: err_console.print(f"[dim]load: {escape(what)}[/]")
        return
    with err_console.status("load: starting") as status:
        def step(what: str) -> None:
            status.update(f"load: {escape(what)} ({time.monotonic() - started:.0f} s so far)")

        yield step


def prepare_revenue_sql(warehouse: Warehouse, config: ProjectConfig) -> None:
    """After a load, store the compiled SQL of the common revenue metrics calls (the default
    one, ``--table accounts`` and ``--by`` each built-in segment), so the next ``tenure
    metrics`` (or ``tenure report``) does not compile; one line says how it went.

    A failure never fails the load (the data is already written): it is reported, and the next
    ``tenure metrics`` compiles as it would have without this step.
    """
    from tenure.metrics.revenue import warm_sql_cache

    warm = warm_sql_cache(warehouse, definitions=config.definitions)
    if warm is None:
        return
    if warm.error is None:
        bys = [s.removeprefix("--by ") for s in warm.shapes if s.startswith("--by ")]
        kinds = ", ".join(["the default call", *[s for s in warm.shapes if s.startswith("--t")],
                           *(["--by " + ", ".join(bys)] if bys else [])])
        console.print(f"[dim]revenue metrics' SQL prepared for `tenure metrics` ({kinds}; "
                      f"{warm.seconds:.1f} s)[/]", highlight=False, soft_wrap=True)
    else:
        reason = escape(warm.error.splitlines()[0] if warm.error else "")
        console.print(f"[yellow]note:[/] the revenue metrics' SQL was not prepared ({reason}); "
                      "the load is complete, `tenure metrics` will compile it.", highlight=False,
                      soft_wrap=True)


def _print_problems(exc: ValidationError) -> None:
    err = Console(stderr=True, highlight=False)
    err.print(f"[bold red]{exc.total:,} problem(s) found; nothing was written to the "
              "warehouse.[/]")
    for problem in exc.problems:
        err.print(f"  {problem}", markup=False, soft_wrap=True)
    if exc.total > len(exc.problems):
        err.print("Problems per file and rule (a few examples of each are listed above):")
        for count in exc.counts:
            err.print(f"  {count}", markup=False, soft_wrap=True)
    err.print(exc.advice, markup=False, soft_wrap=True)


def _print_report(report: LoadReport, project: Path) -> None:
    table = Table(title="Rows loaded")
    table.add_column("table")
    table.add_column("file")
    table.add_column("rows", justify="right")
    table.add_column("rejected", justify="right")
    for name, rows in report.rows_loaded.items():
        table.add_row(name, report.files.get(name, ""), f"{rows:,}",
                      f"{report.rejects_by_table.get(name, 0):,}")
    console.print(table)
    for name in report.kept:
        console.print(f"kept {name} from the previous load (its file is absent)")
    if report.rejects:
        console.print(f"{report.rejects:,} row(s) rejected ({report.cascaded:,} because their "
                      f"account was rejected); see {project / REJECTS_FILE} and the load_rejects "
                      "table.", highlight=False)
    for warning in report.warnings:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)
