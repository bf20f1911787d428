"""As-of dates: the regular grid of days at which measures are taken, and the data's last day.

A measure "as of" day ``d`` uses only data strictly before ``d``: it describes the account at the
start of ``d`` (midnight UTC), when everything up to and including ``d - 1`` is known.
"""

from __future__ import annotations

from datetime import date, timedelta

import ibis
import ibis.expr.types as ir
import pandas as pd

from tenure.errors import InputError, WarehouseError
from tenure.warehouse import Warehouse

__all__ = ["as_of_grid", "data_end", "data_start"]

#: (table, column) pairs whose latest value says how far the data reaches.
_RECORDED = (
    ("subscriptions", "start_date"),
    ("subscriptions", "cancelled_at"),
    ("events", "occurred_at"),
    ("tickets", "opened_at"),
    ("survey_responses", "answered_at"),
    ("trials", "started_at"),
)


def _as_date(value: object) -> date | None:
    # The latest of no dated value (an empty table, a column of nulls) comes back as None or
    # as pandas' NaT, which is not a date and cannot be compared with one.
    if value is None or pd.isna(value):
        return None
    if hasattr(value, "date") and callable(value.date):
        return value.date()
    return value  # type: ignore[return-value]


def data_end(warehouse: Warehouse) -> date:
    """The day after the latest recorded day in the warehouse: the first day without data.

    Recorded days are subscription starts and cancellations, events, ticket openings, survey
    answers and trial starts. Subscription ``end_date`` is not one: it may be a scheduled end
    that lies in the future.

    Raises
    ------
    WarehouseError
        When the warehouse has no subscriptions table.
    """
    warehouse.table("subscriptions")  # raises the helpful error when absent
    latest: list[date] = []
    for table, column in _RECORDED:
        if warehouse.has_table(table) and column in warehouse.table(table).columns:
            value = _as_date(warehouse.table(table)[column].max().execute())
            if value is not None:
                latest.append(value)
    if not latest:
        raise WarehouseError(
            f"the warehouse {warehouse.path} holds no dated rows; load subscriptions first."
        )
    return max(latest) + timedelta(days=1)


def data_start(warehouse: Warehouse) -> date:
    """The first day of paid or trial service in the warehouse."""
    first = _as_date(warehouse.table("subscriptions").start_date.min().execute())
    if first is None:
        raise WarehouseError(f"the warehouse {warehouse.path} has an empty subscriptions table.")
    return first


def as_of_grid(start: date, end: date, frequency_days: int = 7) -> list[date]:
    """As-of dates from ``start`` to ``end`` (both included) every ``frequency_days`` days.

    When the frequency is a whole number of weeks the grid starts on the first Monday on or
    after ``start``, so weekly dates are always Mondays.

    Examples
    --------
    >>> as_of_grid(date(2024, 1, 3), date(2024, 1, 22))
    [datetime.date(2024, 1, 8), datetime.date(2024, 1, 15), datetime.date(2024, 1, 22)]
    >>> as_of_grid(date(2024, 1, 3), date(2024, 1, 10), frequency_days=3)
    [datetime.date(2024, 1, 3), datetime.date(2024, 1, 6), datetime.date(2024, 1, 9)]
    """
    if frequency_days < 1:
        raise InputError(f"frequency_days must be at least 1 day (found {frequency_days}).")
    if end < start:
        raise InputError(f"the as-of range ends ({end}) before it starts ({start}); swap them.")
    first = start
    if frequency_days % 7 == 0:
        first = start + timedelta(days=(7 - start.weekday()) % 7)
    dates = []
    day = first
    while day <= end:
        dates.append(day)
        day += timedelta(days=frequency_days)
    return dates


def cutoffs_table(as_of_dates: list[date], shift_days: int = 0) -> ir.Table:
    """One row per as-of date: ``as_of_date`` and ``cutoff`` (the as-of date moved back).

    A measure computed at ``cutoff`` is reported at ``as_of_date``; a shift is how a change
    measure reads the previous window.
    """
    return ibis.memtable(
        {
            "as_of_date": as_of_dates,
            "cutoff": [d - timedelta(days=shift_days) for d in as_of_dates],
        },
        schema={"as_of_date": "date", "cutoff": "date"},
    )
