"""The ``tenure`` command. Each command group lives in its own module and registers here."""

from __future__ import annotations

from typing import NoReturn

import typer
from typer.core import TyperGroup

#: Exit status of a command stopped by Ctrl-C (128 + SIGINT), as shells report it.
INTERRUPTED = 130


def is_interrupt(exc: BaseException) -> bool:
    """Ctrl-C, as Python raises it or as DuckDB reports a query it stopped because of it
    (``InterruptException``, or ``RuntimeError: Query interrupted`` from a result fetch)."""
    import duckdb

    if isinstance(exc, KeyboardInterrupt | duckdb.InterruptException):
        return True
    return isinstance(exc, RuntimeError) and "interrupted" in str(exc).lower()


class _TenureGroup(TyperGroup):
    """The root command group: Ctrl-C in any command prints one line and exits 130."""

    def invoke(self, ctx: typer.Context) -> object:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            if not is_interrupt(exc):
                raise
            _interrupted()
        except KeyboardInterrupt:
            _interrupted()
        return None  # not reached: _interrupted raises


def _interrupted() -> NoReturn:
    from rich.console import Console

    # Every write is one transaction (a load; a derived table with its provenance), so an
    # interrupted command leaves the warehouse as it was.
    Console(stderr=True, highlight=False).print("interrupted; nothing was written")
    raise typer.Exit(INTERRUPTED) from None


app = typer.Typer(
    name="tenure",
    help="Tenure: revenue metrics, churn analysis and customer-success scores for a subscription "
    "business.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=_TenureGroup,
)


def main() -> None:
    """Entry point of the ``tenure`` script: Tenure's own errors print as one clear message.

    Errors print unwrapped (``soft_wrap``): a path in a message stays on one line, whatever
    the terminal's width, so it can be copied.
    """
    from rich.console import Console
    from rich.markup import escape

    from tenure.errors import TenureError

    try:
        app()
    except TenureError as exc:
        Console(stderr=True, soft_wrap=True, highlight=False).print(
            f"[bold red]error:[/] {escape(str(exc))}")
        raise SystemExit(2) from None


# Command modules register themselves on ``app`` when imported.
from tenure.cli import analyze as _analyze  # noqa: E402,F401
from tenure.cli import check as _check  # noqa: E402,F401
from tenure.cli import health as _health  # noqa: E402,F401
from tenure.cli import importers as _importers  # noqa: E402,F401
from tenure.cli import load as _load  # noqa: E402,F401
from tenure.cli import measures as _measures  # noqa: E402,F401
from tenure.cli import metrics as _metrics  # noqa: E402,F401
from tenure.cli import models as _models  # noqa: E402,F401
from tenure.cli import project as _project  # noqa: E402,F401
from tenure.cli import segments as _segments  # noqa: E402,F401
from tenure.cli import serve as _serve  # noqa: E402,F401
from tenure.cli import simulate as _simulate  # noqa: E402,F401
from tenure.cli import worklist as _worklist  # noqa: E402,F401
