"""Month periods: parsing ``YYYY-MM`` arguments and finding the span a warehouse covers.

Every range is half-open by month, ``[start, end)``, with ``start`` and ``end`` month starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

import ibis
import ibis.expr.types as ir

from tenure.errors import InputError, WarehouseError

if TYPE_CHECKING:
    from tenure.warehouse import Warehouse

__all__ = [
    "MonthBound",
    "MonthRange",
    "add_months",
    "check_month_bounds",
    "data_bounds",
    "data_month_range",
    "month_calendar",
    "month_range_of_bounds",
    "month_start",
    "parse_month",
]


def month_start(d: date) -> date:
    """First day of ``d``'s month.

    >>> month_start(date(2024, 2, 29))
    datetime.date(2024, 2, 1)
    """
    return d.replace(day=1)


def add_months(d: date, months: int) -> date:
    """Shift a month start by ``months`` (may be negative).

    >>> add_months(date(2024, 11, 1), 3)
    datetime.date(2025, 2, 1)
    """
    index = d.year * 12 + (d.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def parse_month(text: str, *, setting: str = "month") -> date:
    """Parse ``YYYY-MM`` (or an ISO date, taken as its month) into a month start.

    >>> parse_month("2024-03")
    datetime.date(2024, 3, 1)
    """
    raw = text.strip()
    try:
        if len(raw) == 7:
            year, month = raw.split("-")
            return date(int(year), int(month), 1)
        return month_start(date.fromisoformat(raw))
    except ValueError:
        raise InputError(
            f"{setting}: {text!r} is not a month; write it as YYYY-MM, e.g. 2024-03"
        ) from None


@dataclass(frozen=True)
class MonthRange:
    """Months ``[start, end)``; ``start`` and ``end`` are month starts."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.start != month_start(self.start) or self.end != month_start(self.end):
            raise InputError(
                f"month range {self.start}..{self.end}: both ends must be month starts"
            )
        if self.end <= self.start:
            raise InputError(
                f"month range: the last month ({add_months(self.end, -1):%Y-%m}) is before the "
                f"first ({self.start:%Y-%m}); swap --from and --to"
            )

    @classmethod
    def inclusive(cls, first: date, last: date) -> MonthRange:
        """The range from month ``first`` through month ``last``, both included."""
        return cls(month_start(first), add_months(month_start(last), 1))

    @property
    def months(self) -> list[date]:
        out, m = [], self.start
        while m < self.end:
            out.append(m)
            m = add_months(m, 1)
        return out

    def __len__(self) -> int:
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month


def data_month_range(subscriptions: ibis.Table) -> MonthRange:
    """The months the subscriptions cover: from the first line's month to the last known change.

    The last month is the month of the latest ``start_date`` or ``cancelled_at`` (the newest fact
    the data holds); later ``end_date`` values are scheduled ends of prepaid terms, not history.
    """
    return month_range_of_bounds(data_bounds(subscriptions).to_pyarrow().to_pylist()[0])


def as_of_month_end(warehouse: Warehouse, start: date | None = None) -> date | None:
    """The month after the last load's as-of date, where ``tenure metrics`` and ``tenure
    report`` end when given no ``--to``; ``None`` without a recorded load (or when it would not
    come after ``start``).

    The as-of date is the day the export describes, so a line that ends after the last start or
    cancellation (a churn at the end of its paid service) still shows. An as-of at midnight on
    the 1st (the end of a simulated period, say) ends the months at the month before.
    """
    last = warehouse.last_load()
    if last is None or last.as_of is None:
        return None
    final_day = (last.as_of - timedelta(microseconds=1)).date()
    end = add_months(final_day.replace(day=1), 1)
    return end if start is None or end > start else None


def data_bounds(subscriptions: ibis.Table) -> ibis.Table:
    """One row: the earliest ``start_date`` (``first``), the latest ``start_date``
    (``last_start``) and the latest ``cancelled_at`` (``last_cancel``); see
    :func:`month_range_of_bounds`."""
    return subscriptions.aggregate(
        first=subscriptions.start_date.min(),
        last_start=subscriptions.start_date.max(),
        last_cancel=subscriptions.cancelled_at.max(),
    )


def month_range_of_bounds(bounds: dict[str, date | None]) -> MonthRange:
    """The months covered by the row of :func:`data_bounds` (see :func:`data_month_range`).

    >>> month_range_of_bounds(
    ...     {"first": date(2024, 1, 9), "last_start": date(2024, 3, 2), "last_cancel": None}
    ... )
    MonthRange(start=datetime.date(2024, 1, 1), end=datetime.date(2024, 4, 1))
    """
    if bounds["first"] is None:
        raise WarehouseError("the subscriptions table is empty; load some data with `tenure load`")
    last = max(d for d in (bounds["last_start"], bounds["last_cancel"]) if d is not None)
    return MonthRange.inclusive(bounds["first"], last)


#: A month bound as metrics take it: a month start, or a date expression evaluated by the engine
#: (e.g. a scalar read from the query runner's parameters table, so the SQL does not embed it).
MonthBound = date | ir.DateValue


def check_month_bounds(start: MonthBound, end: MonthBound) -> MonthRange | None:
    """The :class:`MonthRange` of two dates (checked: month starts, ``end`` after ``start``);
    ``None`` when either is an expression, whose value only the engine knows (the caller that
    bound it checks it)."""
    if isinstance(start, date) and isinstance(end, date):
        return MonthRange(start, end)
    return None


_EPOCH = date(1900, 1, 1)


def _month_number(bound: MonthBound) -> ir.IntegerValue:
    """``year * 12 + month - 1`` of a bound: a literal for a date, an expression otherwise.

    The expression counts month boundaries since 1900 (``date_diff('month', ...)``), which
    reads the bound once: a scalar subquery written twice, for the year and for the month,
    would be planned and run twice.
    """
    if isinstance(bound, date):
        return ibis.literal(bound.year * 12 + bound.month - 1, "int64")
    months_since_epoch = bound.delta(ibis.literal(_EPOCH), unit="month").cast("int64")
    return months_since_epoch + (_EPOCH.year * 12 + _EPOCH.month - 1)


def month_calendar(start: MonthBound, end: MonthBound) -> ibis.Table:
    """Months ``[start, end)`` as a table the engine generates itself: ``month`` (first day),
    ``month_end`` (last day) and ``month_index`` (``year * 12 + month - 1``).

    No data is passed to the engine (unlike an in-memory table), so the SQL of a query reading
    the calendar can be stored and re-run (see :mod:`tenure.metrics._queries`). ``start`` and
    ``end`` are month starts, as dates (literals in the SQL) or date expressions such as
    ``params.start.as_scalar()`` (the SQL then reads them when it runs, so one compiled query
    serves every month range); the range is generated from the two month numbers, never by
    filtering a longer calendar.

    >>> cal = month_calendar(date(2024, 1, 1), date(2024, 3, 1))
    >>> [(r["month"].isoformat(), r["month_end"].day) for r in cal.to_pyarrow().to_pylist()]
    [('2024-01-01', 31), ('2024-02-01', 29)]
    """
    check_month_bounds(start, end)
    index = ibis.range(_month_number(start), _month_number(end))
    calendar = index.unnest().name("month_index").as_table()
    month = ibis.date(calendar.month_index // 12, calendar.month_index % 12 + 1, 1)
    calendar = calendar.mutate(month=month)
    return calendar.select(
        "month",
        month_end=(calendar.month + ibis.interval(months=1)) - ibis.interval(days=1),
        month_index="month_index",
    )
