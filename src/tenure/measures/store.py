"""Keep computed measures in the warehouse: tables ``measures`` (tidy) and ``measures_wide``.

A run over all the data replaces both tables. A run over some as-of dates (``--from``/``--to``
or explicit dates) replaces only those dates and keeps every other stored date, so recomputing
last week never throws away the history the models train on. The two tables are written in one
transaction, so they always hold the same dates.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa

from tenure.errors import InputError
from tenure.measures.config import TEXT_KINDS, MeasuresConfig

if TYPE_CHECKING:
    import pandas as pd

    from tenure.warehouse import Warehouse

__all__ = ["MEASURES_TABLE", "WIDE_TABLE", "wide_arrow", "write_measures"]

#: The tidy table: one row per ``(account_id, as_of_date, measure)``.
MEASURES_TABLE = "measures"
#: The wide table: one row per ``(account_id, as_of_date)``, one column per measure.
WIDE_TABLE = "measures_wide"

_KEYS = ("account_id", "as_of_date", "is_trial")


def wide_arrow(wide: pd.DataFrame, config: MeasuresConfig) -> pa.Table:
    """The wide frame as Arrow with one column per measure of ``config``, typed by its kind.

    Labels are strings and numbers float64 even when every value is missing (a range with no
    NPS answer), so the columns of any two runs have the same types and can share a table.
    """
    columns: dict[str, pa.Array] = {
        "account_id": pa.array(wide["account_id"].astype(str), pa.string()),
        "as_of_date": pa.array(wide["as_of_date"], pa.date32()),
        "is_trial": pa.array(wide["is_trial"].astype(bool), pa.bool_()),
    }
    for m in config.measures:
        if m.name not in wide.columns:  # nobody measured: the column is still declared
            kind = pa.string() if m.kind in TEXT_KINDS else pa.float64()
            columns[m.name] = pa.nulls(len(wide), kind)
        elif m.kind in TEXT_KINDS:
            columns[m.name] = pa.array(wide[m.name], pa.string(), from_pandas=True)
        else:
            columns[m.name] = pa.array(wide[m.name].astype("float64"), pa.float64(),
                                       from_pandas=True)
    return pa.table(columns)


def _check_same_measures(warehouse: Warehouse, config: MeasuresConfig, wide: pa.Table) -> None:
    """Refuse a partial run whose measures differ from the stored history's, naming both."""
    if not warehouse.has_table(WIDE_TABLE):
        return
    import ibis

    schema = warehouse.table(WIDE_TABLE).schema()
    stored = [c for c in schema.names if c not in _KEYS]
    gone = [name for name in stored if name not in config.names]
    new = [name for name in config.names if name not in stored]
    incoming = ibis.Schema.from_pyarrow(wide.schema)
    # An older Tenure stored a label column with no value as a number column.
    retyped = [f"{name} ({schema[name]} stored, {incoming[name]} now)" for name in stored
               if name in incoming.names
               and schema[name].copy(nullable=True) != incoming[name].copy(nullable=True)]
    if not gone and not new and not retyped:
        return
    changes = []
    if retyped:
        changes.append(f"the stored history types {', '.join(retyped)} differently")
    if gone:
        changes.append(f"the stored history has {', '.join(gone)}, which the measures no "
                       "longer define")
    if new:
        changes.append(f"the measures now define {', '.join(new)}, which the stored history "
                       "lacks (its other dates would hold no value)")
    raise InputError(
        f"the measures changed since table {WIDE_TABLE!r} was written: {'; and '.join(changes)}. "
        "A run over some as-of dates keeps the other dates, so their columns would disagree; "
        "nothing was written. Run `tenure measures` without --from/--to/--as-of-dates to "
        "recompute the whole history with the current measures."
    )


def write_measures(
    warehouse: Warehouse,
    tidy: pa.Table,
    wide: pd.DataFrame,
    *,
    config: MeasuresConfig,
    keep_other_dates: bool,
) -> None:
    """Store the tidy and wide measures, all or nothing.

    Parameters
    ----------
    warehouse
        Where the tables ``measures`` and ``measures_wide`` live.
    tidy, wide
        The measures just computed (:func:`tenure.measures.measure_tables`,
        :func:`tenure.measures.wide_measures`).
    config
        The measures they were computed with; it types the wide table's columns.
    keep_other_dates
        True for a run over some as-of dates: only the dates in ``tidy`` are replaced and every
        other stored date stays. False for a run over all the data: both tables are replaced.

    Raises
    ------
    InputError
        With ``keep_other_dates``, when the stored history has other measures than ``config``
        (a measure added to or removed from ``measures.yaml``): nothing is written, and the
        message says to recompute the whole history.
    """
    tables = {MEASURES_TABLE: tidy, WIDE_TABLE: wide_arrow(wide, config)}
    if not keep_other_dates:
        warehouse.replace_tables(tables)
        return
    _check_same_measures(warehouse, config, tables[WIDE_TABLE])
    if tidy.num_rows == 0:  # no account measured at those dates: nothing to replace
        return
    warehouse.replace_snapshot_tables(tables, by=["as_of_date"])
