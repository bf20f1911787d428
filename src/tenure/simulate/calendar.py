"""Vectorised calendar arithmetic on day numbers (days since 1970-01-01, ``int64``).

The simulator keeps every date as a day number so that a month of a whole population moves with a
few numpy operations; these helpers convert at the edges.
"""

from __future__ import annotations

from datetime import date

import numpy as np

__all__ = ["add_months", "day_number", "days_in_month", "month_starts", "next_anniversary"]

_EPOCH = date(1970, 1, 1)
SECONDS_PER_DAY = 86_400
MICROS_PER_DAY = SECONDS_PER_DAY * 1_000_000


def day_number(d: date) -> int:
    """Day number of a calendar date.

    Examples
    --------
    >>> day_number(date(1970, 1, 2))
    1
    """
    return (d - _EPOCH).days


def month_starts(start: date, months: int) -> np.ndarray:
    """Day numbers of the first day of each of ``months`` months from ``start``, plus the end.

    Returns ``months + 1`` values: ``out[m]`` is the first day of month ``m`` and ``out[-1]`` the
    first day after the simulated span.

    Examples
    --------
    >>> month_starts(date(2023, 1, 1), 2) - day_number(date(2023, 1, 1))
    array([ 0, 31, 59])
    """
    first = np.datetime64(start.replace(day=1), "M")
    months_axis = first + np.arange(months + 1)
    return months_axis.astype("datetime64[D]").astype(np.int64)


def days_in_month(days: np.ndarray) -> np.ndarray:
    """Number of days in the month holding each day number."""
    m = np.asarray(days).astype("datetime64[D]").astype("datetime64[M]")
    return ((m + 1).astype("datetime64[D]") - m.astype("datetime64[D]")).astype(np.int64)


def add_months(days: np.ndarray, k: np.ndarray | int) -> np.ndarray:
    """Add ``k`` calendar months to day numbers, clipping to the month's last day.

    Examples
    --------
    >>> d = day_number(date(2023, 1, 31))
    >>> (add_months(np.array([d]), 1) - day_number(date(2023, 2, 28))).tolist()
    [0]
    """
    d = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    m = d.astype("datetime64[M]")
    day_of_month = (d - m.astype("datetime64[D]")).astype(np.int64)
    target = m + np.asarray(k, dtype=np.int64)
    first = target.astype("datetime64[D]")
    length = ((target + 1).astype("datetime64[D]") - first).astype(np.int64)
    out = first + np.minimum(day_of_month, length - 1)
    return out.astype(np.int64)


def next_anniversary(
    start: np.ndarray, after: np.ndarray, step_months: np.ndarray | int
) -> np.ndarray:
    """First day ``start + j * step_months`` months (j >= 1) that is strictly after ``after``.

    Used for the end of a paid period: a monthly line cancelled on ``after`` runs to the next
    monthly anniversary of its start; an annual line to the next yearly one.

    Examples
    --------
    >>> s = day_number(date(2023, 3, 17))
    >>> a = day_number(date(2023, 7, 5))
    >>> (next_anniversary(np.array([s]), np.array([a]), 1) - day_number(date(2023, 7, 17))).tolist()
    [0]
    """
    start = np.asarray(start, dtype=np.int64)
    after = np.asarray(after, dtype=np.int64)
    step = np.broadcast_to(np.asarray(step_months, dtype=np.int64), start.shape)
    sm = start.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    am = after.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    j = np.maximum((am - sm) // step, 1)
    candidate = add_months(start, j * step)
    # At most two steps are needed: one when the day-of-month of ``after`` is past the anniversary.
    for _ in range(2):
        late = candidate <= after
        j = np.where(late, j + 1, j)
        candidate = np.where(late, add_months(start, j * step), candidate)
    return candidate
