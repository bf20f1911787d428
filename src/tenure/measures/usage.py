"""Usage measures from the ``events`` table, computed from pre-aggregated slices of days.

Joining every event to every as-of date whose window covers it would multiply 100 million events
by the number of windows each falls in. Instead:

1. Cut the time line into **slices** at every boundary any window needs (each as-of date, and
   each as-of date minus each window length, minus any shift a change measure needs). Every
   window ``[as_of - w, as_of)`` is then a whole number of consecutive slices; on a weekly grid
   with 28-day windows a slice is one week.
2. Aggregate the events once to ``(account_id, slice_id, event_name, user_id)`` rows (event count
   and last active day), roll those up to ``(account_id, slice_id, event_name)`` rows for counts,
   features and last activity, and, when active days are asked for, aggregate the events to
   distinct ``(account_id, slice_id, event_name, day)`` rows. These are cached on the backend.
3. Join the slice rows to the (small) table of which slices make up which window, and aggregate.
   Distinct users and features are counted over the window's slices, never summed from
   per-slice distinct counts; active days can be summed because each day lies in one slice.

Days since last activity carries the last active day forward along each account's slices
(a running maximum over the union of activity rows and as-of rows), so it sees all history
without a range join.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta

import ibis
import ibis.expr.types as ir

__all__ = ["UsageSlices"]


class UsageSlices:
    """Slices of the time line and the events aggregated to them.

    Parameters
    ----------
    events
        The canonical ``events`` table.
    as_of_dates
        The as-of dates measures are reported at.
    windows
        ``(shift_days, window_days)`` pairs: a window ``[as_of - shift - w, as_of - shift)``.
    shifts
        Shifts whose cutoffs ``as_of - shift`` need a slice boundary (for last-activity carry).
    materialise
        Computes an aggregate once and returns a table reading the result (see
        :func:`tenure.measures._scratch.materialise`); by default the expression itself.
    """

    def __init__(
        self,
        events: ir.Table,
        as_of_dates: list[date],
        windows: Iterable[tuple[int, int]],
        shifts: Iterable[int] = (0,),
        *,
        materialise: Callable[[ir.Table, str], ir.Table] = lambda expr, _label: expr,
    ) -> None:
        self.events = events
        self._materialise = materialise
        self.as_of_dates = sorted(as_of_dates)
        self.windows = set(windows)
        self.shifts = set(shifts) | {s for s, _ in self.windows}
        bounds = {d - timedelta(days=s) for d in self.as_of_dates for s in self.shifts}
        bounds |= {
            d - timedelta(days=s + w) for d in self.as_of_dates for s, w in self.windows
        }
        #: Sorted slice boundaries; slice ``i + 1`` is ``[bounds[i], bounds[i + 1])`` and
        #: slice 0 is every day before ``bounds[0]``.
        self.bounds: list[date] = sorted(bounds)
        self._usage: ir.Table | None = None
        self._features: ir.Table | None = None
        self._days: ir.Table | None = None
        self._memo: dict[tuple, ir.Table] = {}

    # -- small lookup tables -------------------------------------------------------------------

    def calendar(self) -> ir.Table:
        """``day -> slice_id`` for every day from the first boundary to the last (excluded)."""
        days, ids = [], []
        for i in range(len(self.bounds) - 1):
            day = self.bounds[i]
            while day < self.bounds[i + 1]:
                days.append(day)
                ids.append(i + 1)
                day += timedelta(days=1)
        return ibis.memtable(
            {"day": days, "slice_id": ids}, schema={"day": "date", "slice_id": "int64"}
        )

    def window_map(self, shift: int, window_days: int) -> ir.Table:
        """``(as_of_date, slice_id)``: the slices making up each as-of date's window."""
        as_of, ids = [], []
        for d in self.as_of_dates:
            end = bisect.bisect_left(self.bounds, d - timedelta(days=shift))
            start = bisect.bisect_left(self.bounds, d - timedelta(days=shift + window_days))
            for i in range(start, end):
                as_of.append(d)
                ids.append(i + 1)
        return ibis.memtable(
            {"as_of_date": as_of, "slice_id": ids},
            schema={"as_of_date": "date", "slice_id": "int64"},
        )

    def cutoff_slices(self, shift: int) -> ir.Table:
        """``(as_of_date, cutoff, last_slice)``: slices up to ``last_slice`` end by the cutoff."""
        cutoffs = [d - timedelta(days=shift) for d in self.as_of_dates]
        return ibis.memtable(
            {
                "as_of_date": self.as_of_dates,
                "cutoff": cutoffs,
                "last_slice": [self.bounds.index(c) for c in cutoffs],
            },
            schema={"as_of_date": "date", "cutoff": "date", "last_slice": "int64"},
        )

    # -- cached aggregates of the events -------------------------------------------------------

    def _dated_events(self) -> ir.Table:
        """Events before the last boundary, with their day and slice (0 before the first)."""
        ev = self.events
        last = datetime.combine(self.bounds[-1], time())
        ev = ev.filter(ev.occurred_at < ibis.literal(last, type="timestamp"))
        ev = ev.select(
            account_id=ev.account_id.cast("string"),
            user_id=ev.user_id.cast("string"),
            event_name=ev.event_name.cast("string"),
            day=ev.occurred_at.date(),
        )
        cal = self.calendar()
        joined = ev.left_join(cal, ev.day == cal.day)
        return joined.select(
            "account_id", "user_id", "event_name", "day",
            slice_id=joined.slice_id.fill_null(0),
        )

    def usage(self) -> ir.Table:
        """``(account_id, slice_id, event_name, user_id)`` with ``n`` events and ``last_day``."""
        if self._usage is None:
            ev = self._dated_events()
            self._usage = self._materialise(
                ev.group_by("account_id", "slice_id", "event_name", "user_id").agg(
                    n=ev.count(), last_day=ev.day.max()
                ),
                "usage",
            )
        return self._usage

    def features(self) -> ir.Table:
        """``(account_id, slice_id, event_name)`` with ``n`` events and ``last_day``.

        The user-free roll-up of :meth:`usage`, much smaller; counts, feature breadth and last
        activity read it.
        """
        if self._features is None:
            u = self.usage()
            self._features = self._materialise(
                u.group_by("account_id", "slice_id", "event_name").agg(
                    n=u.n.sum(), last_day=u.last_day.max()
                ),
                "features",
            )
        return self._features

    def days(self) -> ir.Table:
        """Distinct ``(account_id, slice_id, event_name, day)`` rows with any event."""
        if self._days is None:
            ev = self._dated_events()
            days = ev.select("account_id", "slice_id", "event_name", "day").distinct()
            self._days = self._materialise(days, "active_days")
        return self._days

    # -- measures: each returns (account_id, as_of_date, value) ---------------------------------

    @staticmethod
    def _only(table: ir.Table, events: list[str] | None) -> ir.Table:
        return table if events is None else table.filter(table.event_name.isin(events))

    def _over_window(self, rows: ir.Table, shift: int, window_days: int) -> ir.Table:
        return rows.join(self.window_map(shift, window_days), "slice_id")

    def event_count(self, events: list[str] | None, window_days: int, shift: int) -> ir.Table:
        """Events (of the listed names) in ``[cutoff - window_days, cutoff)``."""
        u = self._only(self.features(), events)
        per_slice = u.group_by("account_id", "slice_id").agg(n=u.n.sum())
        w = self._over_window(per_slice, shift, window_days)
        return w.group_by("account_id", "as_of_date").agg(value=w.n.sum().cast("float64"))

    def distinct_in_window(
        self, column: str, events: list[str] | None, window_days: int, shift: int
    ) -> ir.Table:
        """Distinct ``column`` values (``user_id`` or ``event_name``) in the window."""
        key = (column, tuple(events or ()), window_days, shift)
        if key not in self._memo:
            source = self.usage() if column == "user_id" else self.features()
            u = self._only(source, events)
            rows = u.select("account_id", "slice_id", column).distinct()
            w = self._over_window(rows, shift, window_days)
            self._memo[key] = self._materialise(
                w.group_by("account_id", "as_of_date").agg(
                    value=w[column].nunique().cast("float64")
                ),
                f"distinct_{column}",
            )
        return self._memo[key]

    def active_days(self, events: list[str] | None, window_days: int, shift: int) -> ir.Table:
        """Distinct days with an event (of the listed names) in the window."""
        d = self._only(self.days(), events)
        per_slice = (
            d.select("account_id", "slice_id", "day").distinct()
            .group_by("account_id", "slice_id").agg(n=ibis._.count())
        )
        w = self._over_window(per_slice, shift, window_days)
        return w.group_by("account_id", "as_of_date").agg(value=w.n.sum().cast("float64"))

    def days_since_last_activity(
        self, events: list[str] | None, accounts: ir.Table, shift: int
    ) -> ir.Table:
        """Days from the last active day before the cutoff to the cutoff (1 = the day before).

        ``accounts`` holds the ``(account_id, as_of_date)`` pairs to report.
        """
        u = self._only(self.features(), events)
        activity = u.group_by("account_id", "slice_id").agg(last_day=u.last_day.max())
        cut = self.cutoff_slices(shift)
        asked = accounts.join(cut, "as_of_date")
        # Activity rows sort before the as-of row of the cutoff that closes their slice.
        rows = ibis.union(
            activity.select(
                "account_id", "last_day",
                seq=activity.slice_id * 2,
                as_of_date=ibis.null("date"),
                cutoff=ibis.null("date"),
            ),
            asked.select(
                "account_id",
                last_day=ibis.null("date"),
                seq=asked.last_slice * 2 + 1,
                as_of_date=asked.as_of_date,
                cutoff=asked.cutoff,
            ),
        )
        carried = rows.mutate(
            seen=rows.last_day.max().over(
                ibis.window(group_by="account_id", order_by="seq", rows=(None, 0))
            )
        )
        reported = carried.filter(carried.as_of_date.notnull(), carried.seen.notnull())
        return reported.select(
            "account_id",
            "as_of_date",
            value=reported.cutoff.delta(reported.seen, unit="day").cast("float64"),
        )
