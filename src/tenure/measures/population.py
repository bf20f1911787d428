"""Who is measured at each as-of date: accounts in paid service, and accounts on a trial.

The grain of the population is one row per ``(account_id, as_of_date)``, with ``is_trial``.

* A **paid** account has a paid line (not a trial, ``mrr > 0``) in force on the day before the
  as-of date: ``start_date < as_of <= end`` where ``end`` is ``end_date`` (null = running) or,
  with ``churn_recognition: cancellation``, the earlier of ``end_date`` and ``cancelled_at``.
  Using the day before keeps the population free of the future: a line that starts on the
  as-of date is not yet known, and an end on or after the as-of date is treated as "running".
* A **trial** account (``is_trial`` true) is not paid and has a trial in force on the day before
  the as-of date: a ``trials`` row with ``started_at < as_of <= ends_at`` not converted before
  the as-of date, or a subscription line with ``is_trial`` under the same interval rule.
"""

from __future__ import annotations

from datetime import date

import ibis
import ibis.expr.types as ir

from tenure.config import RevenueDefinitions
from tenure.errors import InputError
from tenure.schema import MONEY
from tenure.warehouse import Warehouse

__all__ = ["OPEN_END", "in_force", "paid_lines", "population", "subscription_lines"]

#: End standing for "still running" (a null end) so every comparison below is total.
OPEN_END = date(9999, 12, 31)


def subscription_lines(
    warehouse: Warehouse,
    definitions: RevenueDefinitions | None = None,
    *,
    with_request: bool = False,
    with_billing: bool = False,
) -> ir.Table:
    """Every subscription line with its recognised end (never null: running = :data:`OPEN_END`).

    Columns: ``account_id, plan, quantity, mrr, start_date, end_date, is_trial``; with
    ``with_request`` also the line's ``cancelled_at`` (the day the customer asked; null when
    never), with ``with_billing`` its ``billing_period_months`` (1 when not recorded).
    """
    definitions = definitions or RevenueDefinitions()
    subs = warehouse.table("subscriptions")
    missing = [c for c in ("account_id", "plan", "mrr", "start_date") if c not in subs.columns]
    if missing:
        raise InputError(
            f"subscriptions table lacks column(s) {', '.join(missing)} (found: "
            f"{', '.join(subs.columns)}); load it with `tenure load` (see docs/data-model.md)."
        )

    def optional(name: str, dtype: str) -> ir.Value:
        column = subs[name] if name in subs.columns else ibis.null()
        return column.cast(dtype)

    end = optional("end_date", "date").fill_null(OPEN_END)
    if definitions.churn_recognition == "cancellation":
        cancelled = optional("cancelled_at", "date").fill_null(OPEN_END)
        end = (cancelled < end).ifelse(cancelled, end)
    extra: dict[str, ir.Value] = {}
    if with_request:
        extra["cancelled_at"] = optional("cancelled_at", "date")
    if with_billing:
        extra["billing_period_months"] = optional("billing_period_months", "int64").fill_null(1)
    return subs.select(
        account_id=subs.account_id.cast("string"),
        plan=subs.plan.cast("string"),
        quantity=optional("quantity", "int64"),
        mrr=subs.mrr.cast(MONEY),
        start_date=subs.start_date.cast("date"),
        end_date=end,
        is_trial=optional("is_trial", "boolean").fill_null(False),
        **extra,
    )


def paid_lines(warehouse: Warehouse, definitions: RevenueDefinitions | None = None) -> ir.Table:
    """Subscription lines that are revenue: not a trial and ``mrr > 0``."""
    lines = subscription_lines(warehouse, definitions)
    return lines.filter(~lines.is_trial, lines.mrr > 0)


def in_force(lines: ir.Table, cutoffs: ir.Table) -> ir.Table:
    """Lines joined to each cutoff at which they are in force on the day before the cutoff."""
    return lines.join(
        cutoffs,
        [lines.start_date < cutoffs.cutoff, lines.end_date >= cutoffs.cutoff],
    )


def _trial_accounts(warehouse: Warehouse, cutoffs: ir.Table) -> ir.Table:
    """``(account_id, as_of_date)`` of accounts with a trial in force before each cutoff."""
    lines = subscription_lines(warehouse)
    trial_lines = lines.filter(lines.is_trial)
    parts = [in_force(trial_lines, cutoffs).select("account_id", "as_of_date")]
    if warehouse.has_table("trials"):
        trials = warehouse.table("trials")
        converted = (
            trials.converted_at.cast("date") if "converted_at" in trials.columns
            else ibis.null("date")
        ).fill_null(OPEN_END)
        spans = trials.select(
            account_id=trials.account_id.cast("string"),
            start_date=trials.started_at.cast("date"),
            end_date=trials.ends_at.cast("date").fill_null(OPEN_END),
            converted_at=converted,
        )
        joined = in_force(spans, cutoffs)
        parts.append(
            joined.filter(joined.converted_at >= joined.cutoff).select("account_id", "as_of_date")
        )
    # ``ibis.union`` of a single table returns it as it is (``distinct`` is not applied), so
    # an account with two overlapping trial lines would appear twice: deduplicate explicitly.
    return ibis.union(*parts).distinct()


def population(
    warehouse: Warehouse,
    cutoffs: ir.Table,
    definitions: RevenueDefinitions | None = None,
) -> ir.Table:
    """Accounts measured at each as-of date: ``account_id, as_of_date, is_trial``.

    ``cutoffs`` holds ``as_of_date`` and ``cutoff`` (equal, for the population).
    """
    paid = in_force(paid_lines(warehouse, definitions), cutoffs)
    paid = paid.select("account_id", "as_of_date").distinct()
    trials = _trial_accounts(warehouse, cutoffs)
    trial_only = trials.anti_join(
        paid, [trials.account_id == paid.account_id, trials.as_of_date == paid.as_of_date]
    )
    return ibis.union(
        paid.mutate(is_trial=ibis.literal(False)),
        trial_only.mutate(is_trial=ibis.literal(True)),
    )
