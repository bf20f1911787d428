"""Health history in the warehouse: the score of every account at every as-of date, per card.

Two tables, written together in one transaction
(:meth:`tenure.warehouse.Warehouse.replace_snapshot_tables`, so a failure leaves both as they were
and they never disagree) and keyed on ``(scorecard, as_of_date)``, so re-scoring a date with a
card replaces only that card's rows at that date and every other date (and card) is kept:

``health_history``
    Grain ``(account_id, as_of_date, scorecard)``: ``is_trial``, ``score``, ``colour``.
``health_components``
    Grain ``(account_id, as_of_date, scorecard, component)``: ``points`` and ``colour`` of each
    component. Tidy, so cards with different components share one table layout.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from tenure.errors import WarehouseError
from tenure.health.score import colour_of_points
from tenure.health.scorecard import Scorecard
from tenure.warehouse import Warehouse

__all__ = [
    "COMPONENTS_TABLE",
    "HISTORY_TABLE",
    "history_tables",
    "read_health_history",
    "write_health_history",
]

HISTORY_TABLE = "health_history"
COMPONENTS_TABLE = "health_components"

_HISTORY_SCHEMA = pa.schema([
    ("account_id", pa.string()), ("as_of_date", pa.date32()), ("scorecard", pa.string()),
    ("is_trial", pa.bool_()), ("score", pa.float64()), ("colour", pa.string()),
])
_COMPONENTS_SCHEMA = pa.schema([
    ("account_id", pa.string()), ("as_of_date", pa.date32()), ("scorecard", pa.string()),
    ("component", pa.string()), ("points", pa.float64()), ("colour", pa.string()),
])


def history_tables(health: pd.DataFrame, scorecard: Scorecard) -> tuple[pa.Table, pa.Table]:
    """Arrow tables of ``health_history`` and ``health_components`` from
    :func:`tenure.health.health_scores` output."""
    dates = pd.to_datetime(health["as_of_date"]).dt.date
    history = pd.DataFrame({
        "account_id": health["account_id"].astype(str),
        "as_of_date": dates,
        "scorecard": health["scorecard"].astype(str),
        "is_trial": (health["is_trial"].astype(bool) if "is_trial" in health.columns
                     else False),
        "score": health["score"].astype(float),
        "colour": health["colour"],
    })
    parts = []
    for c in scorecard.components:
        points = health[f"{c.key}_points"].astype(float)
        parts.append(pd.DataFrame({
            "account_id": history["account_id"], "as_of_date": dates,
            "scorecard": history["scorecard"], "component": c.key, "points": points,
            "colour": [None if (k := colour_of_points(p)) is None else str(k) for p in points],
        }))
    components = pd.concat(parts, ignore_index=True)
    return (pa.Table.from_pandas(history, schema=_HISTORY_SCHEMA, preserve_index=False),
            pa.Table.from_pandas(components, schema=_COMPONENTS_SCHEMA, preserve_index=False))


def write_health_history(warehouse: Warehouse, health: pd.DataFrame,
                         scorecard: Scorecard) -> int:
    """Store scores in ``health_history`` and ``health_components``, keeping other dates; both
    or neither.

    Returns the number of ``health_history`` rows written.
    """
    history, components = history_tables(health, scorecard)
    by = ["scorecard", "as_of_date"]
    warehouse.replace_snapshot_tables({HISTORY_TABLE: history, COMPONENTS_TABLE: components},
                                      by=by)
    return history.num_rows


def read_health_history(warehouse: Warehouse, scorecard: str | None = None) -> pd.DataFrame:
    """The stored history (optionally of one card); a clear error when it was never written."""
    if not warehouse.has_table(HISTORY_TABLE):
        raise WarehouseError(
            f"the warehouse {warehouse.path} has no table {HISTORY_TABLE!r}; run "
            "`tenure health score` first."
        )
    table = warehouse.table(HISTORY_TABLE)
    if scorecard is not None:
        table = table.filter(table.scorecard == scorecard)
    frame = table.to_pandas()
    frame["as_of_date"] = pd.to_datetime(frame["as_of_date"])
    return frame
