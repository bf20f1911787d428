"""``tenure import stripe DIR --out DIR2``: turn a billing system's export into canonical files.

The importer writes an ordinary export folder; ``tenure load DIR2`` then validates and loads it
like any other, so every validation rule applies and the loader stays one code path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from tenure.cli.app import app
from tenure.cli.common import console

__all__ = ["import_app", "stripe"]

import_app = typer.Typer(
    name="import",
    help="Convert a billing system's export into a folder of canonical files for `tenure load`.",
    no_args_is_help=True,
)
app.add_typer(import_app, name="import")

#: Skipped objects listed on screen; the rest are in the report file.
SHOWN = 20


@import_app.command("stripe")
def stripe(
    source_dir: Annotated[Path, typer.Argument(
        help="Folder of Stripe JSON exports (.json or .jsonl): customers, subscriptions, "
             "prices, products, coupons, invoices.", exists=True, file_okay=False)],
    out: Annotated[Path, typer.Option(
        "--out", help="Folder to write accounts.csv, subscriptions.csv, trials.csv and "
                      "cancellations.csv to (then run `tenure load` on it).", file_okay=False)],
    overwrite: Annotated[bool, typer.Option(
        help="Replace the files an earlier import wrote to --out.")] = False,
) -> None:
    """Map Stripe customers, subscriptions (one line per item), prices and discounts onto
    Tenure's tables; list every object skipped, with its id and the reason."""
    from tenure.sources.stripe import REPORT_FILE, import_stripe

    result = import_stripe(source_dir, out, overwrite=overwrite)
    read = ", ".join(f"{n:,} {kind}" for kind, n in sorted(result.read.items()))
    console.print(f"read {read} from {source_dir}", highlight=False, soft_wrap=True)
    for table, path in result.written.items():
        if table != "report":
            console.print(f"wrote {len(result.rows[table]):,} {table} to {path}",
                          highlight=False, soft_wrap=True)
    for label, items in (("skipped", result.skipped), ("note", result.notes)):
        for entry in items[:SHOWN]:
            console.print(f"[yellow]{label}:[/] {escape(str(entry))}", highlight=False,
                          soft_wrap=True)
        if len(items) > SHOWN:
            console.print(f"... and {len(items) - SHOWN:,} more ({label}); every one is in "
                          f"{out / REPORT_FILE}", highlight=False, soft_wrap=True)
    console.print(f"{len(result.skipped):,} object(s) skipped, {len(result.notes):,} note(s); "
                  f"all listed in {out / REPORT_FILE}", highlight=False, soft_wrap=True)
    if result.currencies:
        console.print(f"currencies: {', '.join(result.currencies)}; when one differs from the "
                      f"project's reporting currency, add fx_rates.csv to {out} before loading",
                      highlight=False, soft_wrap=True)
    console.print(f"next: tenure load {out} --project PROJECT", highlight=False, soft_wrap=True)
