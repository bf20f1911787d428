"""``--data-end``: the first day without data, for every command that labels outcomes.

Outcomes (churn, expansion, conversion, promoters) are known only up to the end of the data.
Tenure infers it from the latest recorded day of any table (:func:`tenure.measures.find_data_end`);
when one export runs past the others, accounts still paying look churned, so each command says
in one line which day it inferred and from which column, and ``--data-end`` sets it.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer

from tenure.cli.common import console, parse_day

if TYPE_CHECKING:
    from rich.console import Console

    from tenure.warehouse import Warehouse

__all__ = ["DataEndOption", "resolve_data_end"]

DataEndOption = Annotated[
    str | None,
    typer.Option("--data-end", help="First day without data, YYYY-MM-DD: outcomes are read "
                 "up to the day before (default: the day after the latest date of any table, "
                 "said when the command runs)."),
]


def resolve_data_end(warehouse: Warehouse, text: str | None,
                     output: Console | None = None) -> date:
    """``--data-end`` as a date, or the inferred end, said in one line on ``output`` (default
    the commands' console; standard error for commands that print JSON)."""
    from tenure.measures.asof import find_data_end

    given = parse_day(text, "--data-end")
    found = find_data_end(warehouse, given)
    if not found.given:
        (output or console).print(found.describe(), highlight=False, soft_wrap=True)
    return found.day
