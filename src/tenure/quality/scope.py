"""What the checks read: which tables and columns the warehouse holds, and the last day of data.

Every check asks this scope whether its tables and columns are present before it builds a
query, so a warehouse loaded from a partial export (accounts and subscriptions only, no
cancellation column) skips the checks it cannot carry, each with a reason, and runs the rest.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

import ibis.expr.types as ir

from tenure.schema import HAPPENED_COLUMNS
from tenure.warehouse import Warehouse

__all__ = ["HAPPENED_DATES", "DataScope", "MissingData", "as_day", "first_rows"]

#: Columns recording something that has happened by the time of the export, per table. The
#: latest of them is the last day the data describes (:attr:`DataScope.last_day`). Ends are
#: left out, since an end may be scheduled (a cancelled annual term runs on after the export),
#: except the end of a paid line nobody asked to cancel (a plan change or a lapse: history).
HAPPENED_DATES: dict[str, tuple[str, ...]] = {
    # spend is booked per month (its day is the 1st), so it says nothing of the last day
    table: columns for table, columns in HAPPENED_COLUMNS.items() if table != "spend"
}


class MissingData(Exception):
    """A check cannot run: the warehouse lacks a table or column it reads (the message says
    which, and how to add it)."""


@dataclass
class DataScope:
    """The warehouse as the checks see it.

    Attributes
    ----------
    warehouse
        Where the tables live.
    columns
        Each present table's column names.
    as_of
        The latest load's ``as_of`` day (None when the warehouse has no ``load_log``).
    last_day
        The last day the data records: the latest date in :data:`HAPPENED_DATES` (and of an
        uncancelled paid line's end), never after ``as_of``. None for an empty warehouse.
    """

    warehouse: Warehouse
    columns: dict[str, list[str]]
    as_of: date | None
    last_day: date | None
    _empty: dict[str, bool] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, warehouse: Warehouse) -> DataScope:
        """Read the table list, the load's as-of day and the last day of data."""
        names = warehouse.con.list_tables()
        columns = {name: list(warehouse.con.table(name).columns) for name in names}
        scope = cls(warehouse, columns, None, None)
        if "load_log" in columns and "as_of" in columns["load_log"]:
            log = warehouse.con.table("load_log")
            latest = log.as_of.max().to_pyarrow().as_py()
            scope.as_of = _day(latest)
        scope.last_day = scope._find_last_day()
        return scope

    def has(self, table: str, *columns: str) -> bool:
        return table in self.columns and all(c in self.columns[table] for c in columns)

    def is_empty(self, table: str) -> bool:
        """Whether present table ``table`` has no row (counted once per scope)."""
        if table not in self._empty:
            t = self.warehouse.con.table(table)
            self._empty[table] = not t.limit(1).count().to_pyarrow().as_py()
        return self._empty[table]

    def need(self, table: str, *columns: str, purpose: str) -> ir.Table:
        """Table ``table``, or :class:`MissingData` naming what is absent and how to add it."""
        if table not in self.columns:
            raise MissingData(f"no {table} table; load {table}.csv (or .parquet) to check "
                              f"{purpose}")
        absent = [c for c in columns if c not in self.columns[table]]
        if absent:
            raise MissingData(f"the {table} table has no {', '.join(absent)} column; map one "
                              f"in the mapping file to check {purpose}")
        if self.is_empty(table):
            raise MissingData(f"the {table} table is empty; load {table} rows to check "
                              f"{purpose}")
        return self.warehouse.con.table(table)

    def paid_lines(self, purpose: str, *extra: str) -> ir.Table:
        """Paid subscription lines (not a trial, ``mrr > 0``): the lines that are revenue."""
        subs = self.need("subscriptions", "account_id", "plan", "mrr", "start_date", *extra,
                         purpose=purpose)
        if "is_trial" in subs.columns:
            subs = subs.filter(~subs.is_trial.fill_null(False))
        return subs.filter(subs.mrr > 0)

    def _find_last_day(self) -> date | None:
        latest: list[date] = []
        for table, names in HAPPENED_DATES.items():
            present = [c for c in names if self.has(table, c)]
            if not present:
                continue
            t = self.warehouse.con.table(table)
            row = t.aggregate(**{c: t[c].max() for c in present}).to_pyarrow().to_pylist()[0]
            latest.extend(_day(v) for v in row.values() if v is not None)
        if (self.has("subscriptions", "end_date", "cancelled_at", "mrr")
                and not self.is_empty("subscriptions")):
            lines = self.paid_lines("the last day of data", "end_date", "cancelled_at")
            ended = lines.filter(lines.cancelled_at.isnull())
            if self.as_of is not None:
                ended = ended.filter(ended.end_date <= self.as_of)
            value = ended.end_date.max().to_pyarrow().as_py()
            if value is not None:
                latest.append(value)
        if not latest:
            return None
        end = max(latest)
        return min(end, self.as_of) if self.as_of else end


def _day(value: date | datetime | None) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    return value


def first_rows(table: ir.Table, order: Iterable[str | ir.Value],
               limit: int = 5) -> list[dict[str, object]]:
    """The first ``limit`` rows of ``table`` in ``order``, as dictionaries (the examples)."""
    return table.order_by(list(order)).limit(limit).to_pyarrow().to_pylist()


def as_day(value: ir.Value) -> ir.DateValue:
    """A date or timestamp column as a calendar day."""
    return value.cast("date") if value.type().is_timestamp() else value
