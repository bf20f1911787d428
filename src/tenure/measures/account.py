"""Commercial measures from the subscription lines in force the day before each as-of date.

Lines follow the population's rule (see :mod:`tenure.measures.population`): a paid line counts
at an as-of date when ``start_date < as_of <= end``, so nothing dated on or after the as-of date
is read. Every function returns ``(account_id, as_of_date, value)`` (or ``text_value``).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from tenure.measures.population import in_force

__all__ = ["mrr", "plan", "seats", "tenure_months"]


def _without(lines: ir.Table, exclude_plans: list[str]) -> ir.Table:
    return lines.filter(~lines.plan.isin(exclude_plans)) if exclude_plans else lines


def mrr(paid: ir.Table, cutoffs: ir.Table) -> ir.Table:
    """Sum of the MRR of the paid lines in force (exact decimal, reported as float64)."""
    lines = in_force(paid, cutoffs)
    return lines.group_by("account_id", "as_of_date").agg(value=lines.mrr.sum().cast("float64"))


def seats(paid: ir.Table, cutoffs: ir.Table, exclude_plans: list[str]) -> ir.Table:
    """Sum of ``quantity`` of the paid lines in force, leaving out ``exclude_plans``."""
    lines = in_force(_without(paid, exclude_plans), cutoffs)
    return lines.group_by("account_id", "as_of_date").agg(
        value=lines.quantity.sum().cast("float64")
    )


def plan(paid: ir.Table, cutoffs: ir.Table, exclude_plans: list[str]) -> ir.Table:
    """Plan of the largest paid line in force by MRR (ties: first plan name alphabetically)."""
    lines = in_force(_without(paid, exclude_plans), cutoffs)
    ranked = lines.mutate(
        rank=ibis.row_number().over(
            ibis.window(
                group_by=["account_id", "as_of_date"],
                order_by=[lines.mrr.desc(), lines.plan.asc()],
            )
        )
    )
    first = ranked.filter(ranked.rank == 0)
    return first.select("account_id", "as_of_date", text_value=first.plan)


def tenure_months(paid: ir.Table, cutoffs: ir.Table) -> ir.Table:
    """Whole months from the account's first paid start to the as-of date.

    The account's earliest paid line is read over all time: if any paid line started before the
    as-of date, the earliest one did too, so this never depends on later lines.
    """
    first = paid.group_by("account_id").agg(first_start=paid.start_date.min())
    known = first.join(cutoffs, first.first_start < cutoffs.cutoff)
    s, c = known.first_start, known.cutoff
    months = (c.year() * 12 + c.month()) - (s.year() * 12 + s.month())
    months = months - (c.day() < s.day()).ifelse(1, 0)
    return known.select("account_id", "as_of_date", value=months.cast("float64"))
