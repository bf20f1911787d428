"""The ``tenure`` command. Each command group lives in its own module and registers here."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="tenure",
    help="Tenure: revenue metrics, churn analysis and customer-success scores for a subscription "
    "business.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def main() -> None:
    """Entry point of the ``tenure`` script: Tenure's own errors print as one clear message."""
    from rich.console import Console

    from tenure.errors import TenureError

    try:
        app()
    except TenureError as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {exc}", highlight=False)
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
from tenure.cli import simulate as _simulate  # noqa: E402,F401
from tenure.cli import worklist as _worklist  # noqa: E402,F401
