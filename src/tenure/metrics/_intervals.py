"""Effective paid intervals: the subscription lines that count as MRR, and when each counts.

A line counts over ``[start_date, end_date)``, half-open; this module turns the raw
``subscriptions`` table into paid lines with their *effective* interval under the customer
definitions of :class:`~tenure.config.RevenueDefinitions`, applied in this order:

1. trials (``is_trial``) and lines without a positive price are dropped: they are never revenue;
2. ``churn_recognition``: under ``"cancellation"`` a line stops at ``min(end_date, cancelled_at)``;
3. ``refund_window_days``: a line whose effective end is at most N days after its start is dropped;
4. ``grace_period_days``: when an account's paid service stops and its next paid line starts at
   most N days later, the lines that were running when service stopped run on until that start.

A running line (null ``end_date``) gets the end :data:`OPEN_END` so every comparison and aggregate
below is total: no ``max`` or ``min`` ever skips a null end and silently mis-states service.
"""

from __future__ import annotations

from datetime import date

import ibis
import ibis.expr.types as ir

from tenure.config import RevenueDefinitions
from tenure.errors import InputError
from tenure.schema import MONEY

__all__ = ["OPEN_END", "paid_lines"]

#: End date standing for "still running" (null ``end_date``) inside the computation.
OPEN_END = date(9999, 12, 31)

_REQUIRED = ("account_id", "plan", "mrr", "start_date")
_OPTIONAL = {"end_date": "date", "cancelled_at": "date", "is_trial": "boolean"}


def _standard_lines(subscriptions: ir.Table) -> ir.Table:
    """Select the columns the metrics read, filling absent optional ones with null."""
    missing = [c for c in _REQUIRED if c not in subscriptions.columns]
    if missing:
        raise InputError(
            f"subscriptions table lacks column(s) {', '.join(missing)} "
            f"(found: {', '.join(subscriptions.columns)}); load it through `tenure load` or add "
            "the column(s) of the canonical subscriptions table (see docs/data-model.md)."
        )
    optional = {
        name: (
            subscriptions[name].cast(dtype)
            if name in subscriptions.columns
            else ibis.null().cast(dtype)
        )
        for name, dtype in _OPTIONAL.items()
    }
    return subscriptions.select(
        account_id=subscriptions.account_id.cast("string"),
        plan=subscriptions.plan.cast("string"),
        mrr=subscriptions.mrr.cast(MONEY),
        start_date=subscriptions.start_date.cast("date"),
        **optional,
    )


def _recognised_end(lines: ir.Table, churn_recognition: str) -> ir.DateValue:
    """The day a line stops counting, with :data:`OPEN_END` for a running line."""
    end = lines.end_date.fill_null(OPEN_END)
    if churn_recognition == "service_end":
        return end
    cancelled = lines.cancelled_at.fill_null(OPEN_END)
    return (cancelled < end).ifelse(cancelled, end)


def _bridge_grace_gaps(lines: ir.Table, grace_days: int) -> ir.Table:
    """Extend the lines running when service stopped up to the next start, if within the grace.

    The account's service is split into islands of overlapping or touching lines (gaps and islands
    over lines ordered by start). A line ending on its island's end is one of those running on the
    last day of service; it is bridged to the next island's start when the gap is short enough.
    """
    by_start = {"group_by": "account_id", "order_by": ["start_date", "end_date"]}

    # Step 1: the latest end among the account's earlier lines; a start past it opens an island.
    latest_end_before = lines.end_date.max().over(ibis.window(**by_start, rows=(None, -1)))
    flagged = lines.mutate(
        opens_island=latest_end_before.isnull() | (lines.start_date > latest_end_before)
    )

    # Step 2: number the islands, find each island's end and the start of the next island.
    numbered = flagged.mutate(
        island=flagged.opens_island.cast("int64").sum().over(ibis.cumulative_window(**by_start)),
        next_island_start=flagged.opens_island.ifelse(flagged.start_date, ibis.null("date"))
        .min()
        .over(ibis.window(**by_start, rows=(1, None))),
    )
    islands = numbered.mutate(
        island_end=numbered.end_date.max().over(group_by=["account_id", "island"])
    )

    # Step 3: bridge. The gap is compared as next_start - N days <= end, never end + N days,
    # so no date arithmetic ever touches OPEN_END.
    bridged = (
        (islands.end_date == islands.island_end)
        & islands.next_island_start.notnull()
        & (islands.next_island_start - ibis.interval(days=grace_days) <= islands.island_end)
    )
    return islands.mutate(
        end_date=bridged.ifelse(islands.next_island_start, islands.end_date)
    ).drop("opens_island", "island", "island_end", "next_island_start")


def paid_lines(subscriptions: ir.Table, definitions: RevenueDefinitions) -> ir.Table:
    """Paid lines with their effective interval: ``account_id, plan, mrr, start_date, end_date``.

    ``end_date`` is never null: a running line ends on :data:`OPEN_END`. Every line is non-empty
    (``end_date > start_date``) and has ``mrr > 0``.

    Examples
    --------
    >>> import ibis
    >>> from decimal import Decimal
    >>> subs = ibis.memtable({"account_id": ["a"], "plan": ["pro"], "mrr": [Decimal("10.00")],
    ...     "start_date": [date(2024, 1, 15)], "end_date": [None]},
    ...     schema={"account_id": "string", "plan": "string", "mrr": "decimal(18,2)",
    ...             "start_date": "date", "end_date": "date"})
    >>> paid_lines(subs, RevenueDefinitions()).end_date.to_pyarrow().to_pylist()
    [datetime.date(9999, 12, 31)]
    """
    lines = _standard_lines(subscriptions)

    # Step 1: trials and unpriced lines are never revenue.
    lines = lines.filter(~lines.is_trial.fill_null(False), lines.mrr > 0)

    # Step 2: the day each line stops counting, per churn_recognition; drop empty intervals.
    lines = lines.mutate(end_date=_recognised_end(lines, definitions.churn_recognition))
    lines = lines.filter(lines.end_date > lines.start_date)

    # Step 3: refunded lines (ended within the cooling-off window) never happened.
    if definitions.refund_window_days > 0:
        window = ibis.interval(days=definitions.refund_window_days)
        lines = lines.filter(lines.end_date - window > lines.start_date)

    lines = lines.select("account_id", "plan", "mrr", "start_date", "end_date")

    # Step 4: bridge short gaps in an account's service (late payments).
    if definitions.grace_period_days > 0:
        lines = _bridge_grace_gaps(lines, definitions.grace_period_days)
    return lines
