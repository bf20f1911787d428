"""Paying customers as of a date: their paid lines, MRR in force and terms.

Pending cancellation requests follow :mod:`tenure.measures.cancellations` (one rule with the
training sets and the scores).

The conventions are the measures' (``docs/measures.md``): as of day ``d`` only facts dated before
``d`` are known, and a paid line (not a trial, ``mrr > 0``) is **in force** when
``start_date < d <= end``, where ``end`` is ``end_date`` (null = running) or, with
``churn_recognition: cancellation``, the earlier of ``end_date`` and ``cancelled_at``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd

from tenure.config import RevenueDefinitions
from tenure.errors import InputError
from tenure.measures.population import subscription_lines
from tenure.warehouse import Warehouse

__all__ = ["customer_lines", "mrr_in_force", "term_end"]


def customer_lines(
    warehouse: Warehouse, definitions: RevenueDefinitions | None = None
) -> pd.DataFrame:
    """Paid lines: ``account_id, mrr`` (Decimal), ``billing_period_months``, ``start_date``,
    ``end_date`` (recognised end; running = :data:`OPEN_END`) and ``cancelled_at`` (or None).
    """
    lines = subscription_lines(warehouse, definitions, with_request=True, with_billing=True)
    lines = lines.filter(~lines.is_trial, lines.mrr > 0).select(
        "account_id", "mrr", "billing_period_months", "start_date", "end_date", "cancelled_at"
    )
    out = lines.to_pandas()
    for column in ("start_date", "end_date", "cancelled_at"):
        out[column] = [None if pd.isna(v) else pd.Timestamp(v).date() for v in out[column]]
    return out


def mrr_in_force(lines: pd.DataFrame, as_of: date) -> dict[str, Decimal]:
    """Exact MRR of each account's paid lines in force as of ``as_of`` (accounts in service)."""
    live = lines[(lines["start_date"] < as_of) & (lines["end_date"] >= as_of)]
    totals: dict[str, Decimal] = {}
    for account, mrr in zip(live["account_id"], live["mrr"], strict=True):
        totals[account] = totals.get(account, Decimal("0.00")) + mrr
    return totals


def _add_months(day: date, months: int) -> date:
    """``day`` plus whole calendar months, clipped to the month's last day (31 Jan + 1 = 28 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    first_next = date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1)
    last_day = (first_next - date(year, month + 1, 1)).days
    return date(year, month + 1, min(day.day, last_day))


def term_end(start: date, period_months: int, as_of: date) -> date:
    """End of the term running as of ``as_of`` of a line billed every ``period_months`` months.

    Terms are counted from the start: the ``k``-th term ends on ``start + k * period_months``
    months (clipped to the month's end, never accumulated). The result is the first such end on
    or after ``as_of``: a term ending on ``as_of`` itself ends today.

    Examples
    --------
    >>> term_end(date(2024, 1, 31), 3, date(2024, 5, 1))
    datetime.date(2024, 7, 31)
    """
    if period_months < 1:
        raise InputError(f"billing_period_months is {period_months}; it must be at least 1.")
    months = (as_of.year - start.year) * 12 + as_of.month - start.month
    k = max(1, months // period_months)
    while _add_months(start, k * period_months) < as_of:
        k += 1
    while k > 1 and _add_months(start, (k - 1) * period_months) >= as_of:
        k -= 1
    return _add_months(start, k * period_months)
