"""As-of dates: the regular grid of days at which measures are taken, and the data's last day.

A measure "as of" day ``d`` uses only data strictly before ``d``: it describes the account at the
start of ``d`` (midnight UTC), when everything up to and including ``d - 1`` is known.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import IntEnum

import ibis
import ibis.expr.types as ir
import pandas as pd

from tenure.errors import InputError, WarehouseError
from tenure.warehouse import Warehouse

__all__ = ["DataEnd", "Weekday", "as_of_grid", "data_end", "data_start", "find_data_end"]

#: (table, column) pairs whose latest value says how far the data reaches.
_RECORDED = (
    ("subscriptions", "start_date"),
    ("subscriptions", "cancelled_at"),
    ("events", "occurred_at"),
    ("tickets", "opened_at"),
    ("survey_responses", "answered_at"),
    ("trials", "started_at"),
)


class Weekday(IntEnum):
    """Days of the week, numbered as :meth:`datetime.date.weekday` numbers them."""

    monday = 0
    tuesday = 1
    wednesday = 2
    thursday = 3
    friday = 4
    saturday = 5
    sunday = 6


def _as_date(value: object) -> date | None:
    """A scalar from the warehouse as a date; None for a missing one (None, NaT, NaN).

    The maximum of a column with no value comes back as None from some backends and as
    ``NaT`` from others; both mean "no date here".
    """
    if value is None or pd.isna(value):  # type: ignore[arg-type]
        return None
    if hasattr(value, "date") and callable(value.date):
        return value.date()
    return value  # type: ignore[return-value]


@dataclass(frozen=True)
class DataEnd:
    """The first day without data, and where it came from.

    Attributes
    ----------
    day
        The first day without data: as-of dates run up to it, outcomes are known before it.
    source
        ``"table.column"`` whose latest day set ``day``; None when the user gave it.
    latest
        The latest recorded day of every dated column that has one, by ``"table.column"``.
    """

    day: date
    source: str | None = None
    latest: dict[str, date] = field(default_factory=dict)

    @property
    def given(self) -> bool:
        return self.source is None

    def describe(self, option: str = "--data-end") -> str:
        """One line for the user: the data end, from which column it was inferred, the fix.

        Examples
        --------
        >>> DataEnd(date(2025, 7, 1), "events.occurred_at",
        ...         {"events.occurred_at": date(2025, 6, 30),
        ...          "subscriptions.start_date": date(2025, 5, 2)}).describe()
        'data end 2025-07-01 (the first day without data), inferred from the latest event \
(events.occurred_at, 2025-06-30); the latest subscription start or cancellation is earlier \
(2025-05-02); pass --data-end YYYY-MM-DD to set it'
        """
        if self.source is None:
            return f"data end {self.day} (the first day without data), as given"
        table = self.source.split(".")[0]
        text = (f"data end {self.day} (the first day without data), inferred from the latest "
                f"{_NOUNS.get(table, table)} ({self.source}, {self.latest[self.source]})")
        if table in _ACTIVITY:
            # Outcomes come from the subscriptions: when they stop earlier, later "churn" may
            # only be an export that ends sooner than the others.
            lines = [d for key, d in self.latest.items() if key.startswith("subscriptions.")]
            if lines and max(lines) < self.latest[self.source]:
                text += (f"; the latest subscription start or cancellation is earlier "
                         f"({max(lines)})")
        return f"{text}; pass {option} YYYY-MM-DD to set it"


#: How a table's rows are named in a sentence.
_NOUNS = {"subscriptions": "subscription start or cancellation", "events": "event",
          "load_log": "load's as-of date, as no events, tickets or survey answers date the data",
          "tickets": "ticket", "survey_responses": "survey answer", "trials": "trial start"}


def find_data_end(warehouse: Warehouse, given: date | None = None) -> DataEnd:
    """The first day without data: ``given``, or the day after the latest recorded day.

    Recorded days are subscription starts and cancellations, events, ticket openings, survey
    answers and trial starts; a table or column that is absent or holds no date is skipped.
    Subscription ``end_date`` is not one: it may be a scheduled end that lies in the future.
    The load's ``as_of`` (``load_log``) counts only when no events, tickets or survey answers
    are loaded: then the subscription lines are the whole export, and they describe the business
    on that day (a line with no end is running then). With activity tables it is not used:
    unless ``tenure load --as-of`` set it, it is the time of loading, and as-of dates up to it
    would show every account idle since the export was taken.

    Raises
    ------
    WarehouseError
        With no ``given`` day, when no table holds a dated row.
    """
    if given is not None:
        return DataEnd(given)
    warehouse.table("subscriptions")  # every outcome comes from it: an absent one names the fix
    latest: dict[str, date] = {}
    for table, column in _RECORDED:
        if warehouse.has_table(table) and column in warehouse.table(table).columns:
            value = _as_date(warehouse.table(table)[column].max().execute())
            if value is not None:
                latest[f"{table}.{column}"] = value
    if not latest:
        looked = ", ".join(f"{t}.{c}" for t, c in _RECORDED)
        raise WarehouseError(
            f"the warehouse {warehouse.path} holds no dated rows (none in {looked}), so the "
            "end of the data is unknown; load subscriptions with their start_date, or pass "
            "--data-end YYYY-MM-DD."
        )
    as_of = _load_as_of(warehouse)
    if as_of is not None and not any(key.split(".")[0] in _ACTIVITY for key in latest):
        # Without events, tickets or answers the lines are all there is: they describe the
        # business on the day the export was taken, so the data runs to it.
        latest[_AS_OF] = as_of
    source = max(latest, key=lambda key: latest[key])
    return DataEnd(latest[source] + timedelta(days=1), source, latest)


#: Tables recording activity: their latest row says how far the export reaches.
_ACTIVITY = ("events", "tickets", "survey_responses")
#: The load's as-of date, the data's end when no activity table dates it.
_AS_OF = "load_log.as_of"


def _load_as_of(warehouse: Warehouse) -> date | None:
    """The last day the last load describes (its ``as_of`` instant, exclusive), if recorded."""
    last = warehouse.last_load()
    if last is None or last.as_of is None:
        return None
    return (last.as_of - timedelta(microseconds=1)).date()


def data_end(warehouse: Warehouse) -> date:
    """The day after the latest recorded day in the warehouse: the first day without data.

    See :func:`find_data_end`, which also says which column set it.

    Raises
    ------
    WarehouseError
        When no table holds a dated row.
    """
    return find_data_end(warehouse).day


def data_start(warehouse: Warehouse) -> date:
    """The first day of paid or trial service in the warehouse."""
    first = _as_date(warehouse.table("subscriptions").start_date.min().execute())
    if first is None:
        raise WarehouseError(f"the warehouse {warehouse.path} has an empty subscriptions table.")
    return first


def as_of_grid(start: date, end: date, frequency_days: int = 7,
               weekday: Weekday | int = Weekday.monday) -> list[date]:
    """As-of dates from ``start`` to ``end`` (both included) every ``frequency_days`` days.

    When the frequency is a whole number of weeks the grid starts on the first ``weekday``
    (default Monday) on or after ``start``, so weekly dates always fall on that day.

    Examples
    --------
    >>> as_of_grid(date(2024, 1, 3), date(2024, 1, 22))
    [datetime.date(2024, 1, 8), datetime.date(2024, 1, 15), datetime.date(2024, 1, 22)]
    >>> as_of_grid(date(2024, 1, 3), date(2024, 1, 22), weekday=Weekday.sunday)
    [datetime.date(2024, 1, 7), datetime.date(2024, 1, 14), datetime.date(2024, 1, 21)]
    >>> as_of_grid(date(2024, 1, 3), date(2024, 1, 10), frequency_days=3)
    [datetime.date(2024, 1, 3), datetime.date(2024, 1, 6), datetime.date(2024, 1, 9)]
    """
    if frequency_days < 1:
        raise InputError(f"frequency_days must be at least 1 day (found {frequency_days}).")
    if end < start:
        raise InputError(f"the as-of range ends ({end}) before it starts ({start}); swap them.")
    if not 0 <= int(weekday) <= 6:
        raise InputError(f"weekday must be 0 (Monday) to 6 (Sunday) (found {weekday}).")
    first = start
    if frequency_days % 7 == 0:
        first = start + timedelta(days=(int(weekday) - start.weekday()) % 7)
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
