"""Compute declared measures for every account at every as-of date, as one tidy Ibis table.

Grain of the tidy table: one row per ``(account_id, as_of_date, measure)``. Columns:

* ``value`` (float64): the number, for numeric measures; null for labels or when undefined
  (a ratio over zero, a change from zero, no NPS answer yet, a source table that is absent);
* ``text_value`` (string): the label, for ``plan`` and ``nps_category``; null otherwise;
* ``is_trial`` (boolean): the account was on a trial, not in paid service, that day.

Counts (events, active days and users, feature breadth, tickets, MRR, seats) are 0 for a measured
account with nothing to count. Every value at an as-of date is computed from data strictly before
that date (see ``docs/measures.md`` and ``tests/test_measures_leakage.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from tenure.config import RevenueDefinitions
from tenure.errors import InputError
from tenure.measures import account, milestones, support
from tenure.measures._scratch import materialise
from tenure.measures.asof import Weekday, as_of_grid, cutoffs_table, data_end, data_start
from tenure.measures.config import (
    TEXT_KINDS,
    MeasureKind,
    MeasuresConfig,
    default_measures_config,
)
from tenure.measures.population import paid_lines, population
from tenure.measures.sources import closed_at_known
from tenure.measures.usage import UsageSlices
from tenure.warehouse import Warehouse

__all__ = ["compute_measures", "measure_tables", "resolve_as_of_dates", "wide_measures"]

_K = MeasureKind
#: Kinds that read the events table, and those that count (0 when nothing is found).
_USAGE = {_K.event_count, _K.active_days, _K.active_users, _K.seat_utilisation,
          _K.feature_breadth, _K.days_since_last_activity}
_TICKETS = {_K.open_tickets, _K.recent_tickets, _K.mean_time_to_resolve, _K.low_ratings}
#: Ticket kinds that read the close time (unknown when no ticket has one).
_CLOSED = {_K.open_tickets, _K.mean_time_to_resolve, _K.low_ratings}
_SURVEYS = {_K.nps_score, _K.nps_category}
_COUNTS = {_K.event_count, _K.active_days, _K.active_users, _K.feature_breadth,
           _K.open_tickets, _K.recent_tickets, _K.low_ratings, _K.mrr, _K.seats}


def resolve_as_of_dates(
    warehouse: Warehouse,
    *,
    as_of_dates: list[date] | None = None,
    start: date | None = None,
    end: date | None = None,
    frequency_days: int = 7,
    weekday: Weekday | int = Weekday.monday,
) -> list[date]:
    """The as-of dates asked for, or a grid from ``start`` (default: first service day) to
    ``end`` (default: the first day without data), every ``frequency_days`` (on ``weekday``,
    default Monday, when weekly).
    """
    if as_of_dates is not None:
        if not as_of_dates:
            raise InputError("as_of_dates is empty; give at least one date or leave it out.")
        return sorted(set(as_of_dates))
    first = start or data_start(warehouse)
    last = end or data_end(warehouse)
    dates = as_of_grid(first, last, frequency_days, weekday)
    if not dates:
        raise InputError(
            f"no as-of date between {first} and {last} every {frequency_days} days; "
            "widen --from/--to or lower --every."
        )
    return dates


class _Plan:
    """Everything shared while computing one set of measures: population, slices, memo."""

    def __init__(
        self,
        warehouse: Warehouse,
        config: MeasuresConfig,
        dates: list[date],
        definitions: RevenueDefinitions,
    ) -> None:
        self.warehouse = warehouse
        self.config = config
        self.dates = dates
        self.paid = paid_lines(warehouse, definitions)
        self.population = materialise(
            warehouse.con, population(warehouse, cutoffs_table(dates), definitions), "population"
        )
        self._memo: dict[tuple[str, int], ir.Table] = {}
        self.closed_at_known = closed_at_known(warehouse)
        self.usage: UsageSlices | None = None
        if warehouse.has_table("events"):
            windows, shifts = set(), set()
            for name in config.names:
                self._needs(name, 0, windows, shifts)
            self.usage = UsageSlices(
                warehouse.table("events"), dates, windows, shifts or {0},
                materialise=lambda expr, label: materialise(warehouse.con, expr, label),
            )

    def _needs(
        self, name: str, shift: int, windows: set[tuple[int, int]], shifts: set[int]
    ) -> None:
        """Collect the (shift, window) pairs and cutoff shifts the usage slices must cover."""
        m = self.config.measure(name)
        if m.kind == _K.change:
            back = m.window_days or self.config.measure(m.of).window
            self._needs(m.of, shift, windows, shifts)
            self._needs(m.of, shift + back, windows, shifts)
        elif m.kind == _K.ratio:
            self._needs(m.numerator, shift, windows, shifts)
            self._needs(m.denominator, shift, windows, shifts)
        elif m.kind == _K.days_since_last_activity:
            shifts.add(shift)
        elif m.kind in _USAGE:
            windows.add((shift, m.window_days))

    # -- one measure on the population ---------------------------------------------------------

    def values(self, name: str, shift: int = 0) -> ir.Table:
        """``account_id, as_of_date, is_trial, value, text_value`` for every measured account."""
        key = (name, shift)
        if key not in self._memo:
            # Computed once: derived measures (ratios, changes) read it again.
            self._memo[key] = materialise(
                self.warehouse.con, self._values(name, shift), f"measure_{name}"
            )
        return self._memo[key]

    def _on_population(self, raw: ir.Table | None, kind: MeasureKind) -> ir.Table:
        pop = self.population
        if raw is None:  # the source table is absent: unknown, not zero
            return pop.mutate(value=ibis.null("float64"), text_value=ibis.null("string"))
        if "value" not in raw.columns:
            raw = raw.mutate(value=ibis.null("float64"))
        if "text_value" not in raw.columns:
            raw = raw.mutate(text_value=ibis.null("string"))
        joined = pop.left_join(
            raw, [pop.account_id == raw.account_id, pop.as_of_date == raw.as_of_date]
        )
        value = joined.value.fill_null(0.0) if kind in _COUNTS else joined.value
        return joined.select(
            pop.account_id, pop.as_of_date, pop.is_trial, value=value,
            text_value=joined.text_value,
        )

    def _values(self, name: str, shift: int) -> ir.Table:
        m = self.config.measure(name)
        kind = MeasureKind(m.kind)
        if kind == _K.ratio:
            return self._divide(self.values(m.numerator, shift), self.values(m.denominator, shift))
        if kind == _K.change:
            back = m.window_days or self.config.measure(m.of).window
            return self._change(self.values(m.of, shift), self.values(m.of, shift + back))
        if kind == _K.seat_utilisation:
            users = self._on_population(
                self.usage and self.usage.distinct_in_window(
                    "user_id", m.events, m.window_days, shift
                ),
                _K.active_users,
            )
            seat_count = self._on_population(
                account.seats(self.paid, cutoffs_table(self.dates, shift), m.exclude_plans),
                _K.seats,
            )
            return self._divide(users, seat_count)
        return self._on_population(self._raw(m, kind, shift), kind)

    def _raw(self, m: Any, kind: MeasureKind, shift: int) -> ir.Table | None:
        """The measure's values for accounts with something to report; None if no source."""
        wh, dates = self.warehouse, self.dates
        if kind in _USAGE:
            u = self.usage
            if u is None:
                return None
            if kind == _K.event_count:
                return u.event_count(m.events, m.window_days, shift)
            if kind == _K.active_days:
                return u.active_days(m.events, m.window_days, shift)
            if kind == _K.active_users:
                return u.distinct_in_window("user_id", m.events, m.window_days, shift)
            if kind == _K.feature_breadth:
                return u.distinct_in_window("event_name", m.events, m.window_days, shift)
            accounts = self.population.select("account_id", "as_of_date")
            return u.days_since_last_activity(m.events, accounts, shift)
        if kind in _TICKETS:
            if not wh.has_table("tickets"):
                return None
            if kind in _CLOSED and not self.closed_at_known:
                return None  # no ticket has a close time: every ticket would count as open
            cut = support.window_cutoffs(dates, shift, getattr(m, "window_days", None))
            if kind == _K.low_ratings:
                return support.low_ratings(wh.table("tickets"), cut, m.priorities, m.max_rating)
            fn = {
                _K.open_tickets: support.open_tickets,
                _K.recent_tickets: support.recent_tickets,
                _K.mean_time_to_resolve: support.mean_time_to_resolve,
            }[kind]
            return fn(wh.table("tickets"), cut, m.priorities)
        if kind in _SURVEYS:
            if not wh.has_table("survey_responses"):
                return None
            cut = support.window_cutoffs(dates, shift, m.window_days)
            fn = support.nps_latest if kind == _K.nps_score else support.nps_category
            return fn(wh.table("survey_responses"), cut)
        if kind == _K.milestones_reached:
            if not (wh.has_table("events") and wh.has_table("accounts")):
                return None
            return milestones.milestones_reached(
                wh.table("events"), wh.table("accounts"), self.population,
                support.window_cutoffs(dates, shift, None), m.events, m.within_days,
            )
        cut = cutoffs_table(dates, shift)
        if kind == _K.mrr:
            return account.mrr(self.paid, cut)
        if kind == _K.seats:
            return account.seats(self.paid, cut, m.exclude_plans)
        if kind == _K.plan:
            return account.plan(self.paid, cut, m.exclude_plans)
        if kind == _K.tenure_months:
            return account.tenure_months(self.paid, cut)
        raise AssertionError(f"measure kind {kind} has no computation")  # pragma: no cover

    @staticmethod
    def _pair(a: ir.Table, b: ir.Table) -> ir.Table:
        b = b.select("account_id", "as_of_date", other=b.value)
        joined = a.join(b, ["account_id", "as_of_date"])
        return joined

    def _divide(self, numerator: ir.Table, denominator: ir.Table) -> ir.Table:
        """``numerator / denominator``; null when the denominator is 0 or null."""
        j = self._pair(numerator, denominator)
        ok = j.other.notnull() & (j.other != 0)
        return j.select(
            "account_id", "as_of_date", "is_trial",
            value=ok.ifelse(j.value / j.other, ibis.null("float64")),
            text_value=ibis.null("string"),
        )

    def _change(self, current: ir.Table, previous: ir.Table) -> ir.Table:
        """Percent change ``100 * (current - previous) / previous``; null from 0 or null."""
        j = self._pair(current, previous)
        ok = j.other.notnull() & (j.other != 0)
        return j.select(
            "account_id", "as_of_date", "is_trial",
            value=ok.ifelse(100.0 * (j.value - j.other) / j.other, ibis.null("float64")),
            text_value=ibis.null("string"),
        )


def measure_tables(
    warehouse: Warehouse,
    *,
    config: MeasuresConfig | None = None,
    as_of_dates: list[date] | None = None,
    start: date | None = None,
    end: date | None = None,
    frequency_days: int = 7,
    weekday: Weekday | int = Weekday.monday,
    definitions: RevenueDefinitions | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, ir.Table]:
    """One tidy Ibis table per measure, in the config's order (see :func:`compute_measures`).

    On DuckDB each measure is computed here, into a temporary table of the connection, and
    ``progress(name)`` is called as each one starts; their union is the tidy table.
    """
    config = config or default_measures_config()
    dates = resolve_as_of_dates(
        warehouse, as_of_dates=as_of_dates, start=start, end=end,
        frequency_days=frequency_days, weekday=weekday,
    )
    plan = _Plan(warehouse, config, dates, definitions or RevenueDefinitions())
    tables = {}
    for m in config.measures:
        if progress is not None:
            progress(m.name)
        v = plan.values(m.name)
        is_text = m.kind in TEXT_KINDS
        tables[m.name] = v.select(
            "account_id",
            "as_of_date",
            measure=ibis.literal(m.name),
            value=ibis.null("float64") if is_text else v.value.cast("float64"),
            text_value=v.text_value.cast("string") if is_text else ibis.null("string"),
            is_trial=v.is_trial,
        )
    return tables


def compute_measures(
    warehouse: Warehouse,
    *,
    config: MeasuresConfig | None = None,
    as_of_dates: list[date] | None = None,
    start: date | None = None,
    end: date | None = None,
    frequency_days: int = 7,
    weekday: Weekday | int = Weekday.monday,
    definitions: RevenueDefinitions | None = None,
) -> ir.Table:
    """Every measure for every measured account at every as-of date, as a tidy Ibis table.

    Parameters
    ----------
    warehouse
        The warehouse (DuckDB, or any Ibis backend via ``Warehouse.from_backend``).
    config
        The measures; default the built-in ones (``tenure/measures/defaults.yaml``).
    as_of_dates
        Explicit as-of dates; otherwise a grid from ``start`` to ``end`` (both included) every
        ``frequency_days`` days, on ``weekday`` (default Monday) when weekly.
    definitions
        Customer definitions: ``churn_recognition`` decides when a cancelled line stops
        counting (the other settings need the future and are not used for measures).

    Returns
    -------
    ibis.Table
        Grain ``(account_id, as_of_date, measure)``; columns ``value`` (float64),
        ``text_value`` (string, for ``plan`` and ``nps_category``) and ``is_trial``.
        On DuckDB the measures are computed by this call into temporary tables of the
        warehouse's connection, which the returned table reads: use it before closing the
        warehouse. On PySpark they are cached views computed on first use.

    Examples
    --------
    >>> tidy = compute_measures(wh, as_of_dates=[date(2024, 3, 4)])  # doctest: +SKIP
    >>> wide_measures(tidy).columns[:3].tolist()  # doctest: +SKIP
    ['account_id', 'as_of_date', 'is_trial']
    """
    tables = measure_tables(
        warehouse, config=config, as_of_dates=as_of_dates, start=start, end=end,
        frequency_days=frequency_days, weekday=weekday, definitions=definitions,
    )
    return ibis.union(*tables.values())


def wide_measures(
    tidy: ir.Table | pd.DataFrame, *, config: MeasuresConfig | None = None
) -> pd.DataFrame:
    """One row per ``(account_id, as_of_date)``, one column per measure, for modelling.

    Numeric measures are float64 columns; labels (``plan``, ``nps_category``) are object
    columns holding strings or None. With ``config`` the columns follow its order and its
    label kinds; without, they follow the order measures first appear in, and a measure is a
    label if any of its rows has a ``text_value`` or it is a label measure of the defaults.
    Rows are sorted by account and date; ``is_trial`` is kept as a column.
    """
    df = tidy.to_pandas() if isinstance(tidy, ir.Table) else tidy
    keys = ["account_id", "as_of_date", "is_trial"]
    if df.empty:
        return pd.DataFrame(columns=keys)
    found = list(dict.fromkeys(df["measure"]))
    known = config or default_measures_config()
    label_names = {m.name for m in known.measures if m.kind in TEXT_KINDS}
    if config is None:
        label_names |= set(df.loc[df["text_value"].notna(), "measure"])
    order = [m for m in config.names if m in set(found)] if config else found
    is_label = df["measure"].isin(label_names)
    wide = df[~is_label].pivot(index=keys, columns="measure", values="value")
    if is_label.any():
        labels = df[is_label].pivot(index=keys, columns="measure", values="text_value")
        wide = wide.join(labels, how="outer")
        for column in labels.columns:  # one missing-label marker: None, never NaN
            wide[column] = wide[column].astype(object).where(wide[column].notna(), None)
    wide = wide.reindex(columns=order).reset_index()
    wide.columns.name = None
    wide["as_of_date"] = pd.to_datetime(wide["as_of_date"]).dt.date
    return wide.sort_values(["account_id", "as_of_date"], ignore_index=True)
