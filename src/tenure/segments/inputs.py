"""What the segments read from the warehouse besides the lines: measures, scores and health.

Each reader names the command to run when its table is missing; the optional inputs (scores of
``tenure score``, health of ``tenure health score``) are None when absent.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from tenure.errors import InputError, WarehouseError
from tenure.warehouse import Warehouse

__all__ = ["latest_measures_date", "measures_at", "stored_health", "stored_scores"]

#: Health colours from best to worst; with several scorecards the worst colour counts.
_COLOUR_ORDER = {"green": 0, "yellow": 1, "red": 2}


def latest_measures_date(warehouse: Warehouse) -> date:
    """The latest as-of date of ``measures_wide``; an error names the fix when there is none."""
    if not warehouse.has_table("measures_wide"):
        raise WarehouseError(f"the warehouse {warehouse.path} has no measures_wide table; run "
                             "`tenure measures` first.")
    table = warehouse.table("measures_wide")
    latest = table.aggregate(last=table.as_of_date.max()).to_pandas()["last"].iloc[0]
    if latest is None or pd.isna(latest):
        raise WarehouseError("measures_wide is empty; run `tenure measures` first.")
    return pd.Timestamp(latest).date()


def measures_at(warehouse: Warehouse, as_of: date) -> pd.DataFrame:
    """The rows of ``measures_wide`` at ``as_of``; an error names the fix when there are none."""
    if not warehouse.has_table("measures_wide"):
        raise WarehouseError(f"the warehouse {warehouse.path} has no measures_wide table; run "
                             "`tenure measures` first.")
    table = warehouse.table("measures_wide")
    rows = table.filter(table.as_of_date.cast("date") == as_of).to_pandas()
    if rows.empty:
        raise InputError(
            f"measures_wide has no rows as of {as_of}; pick one of its as-of dates (the latest is "
            f"{latest_measures_date(warehouse)}) or run `tenure measures` over {as_of}."
        )
    rows["as_of_date"] = pd.to_datetime(rows["as_of_date"]).dt.date
    rows["account_id"] = rows["account_id"].astype(str)
    return rows


def stored_scores(warehouse: Warehouse, as_of: date) -> pd.DataFrame | None:
    """The ``scores`` table's churn risk up to ``as_of`` (None when there is no such table)."""
    if not warehouse.has_table("scores"):
        return None
    table = warehouse.table("scores")
    if not {"account_id", "as_of_date", "churn_risk"} <= set(table.columns):
        return None
    return table.filter(table.as_of_date.cast("date") <= as_of).select(
        "account_id", "as_of_date", "churn_risk"
    ).to_pandas()


def stored_health(warehouse: Warehouse, as_of: date) -> pd.DataFrame | None:
    """Each account's health colour at its latest ``health_history`` date on or before ``as_of``,
    the worst over the scorecards, with that card's ``score`` (None when there is no such
    table)."""
    if not warehouse.has_table("health_history"):
        return None
    table = warehouse.table("health_history")
    if not {"account_id", "as_of_date", "colour"} <= set(table.columns):
        return None
    columns = ["account_id", "as_of_date", "colour"] + (["score"] if "score" in table.columns
                                                        else [])
    rows = table.filter(table.as_of_date.cast("date") <= as_of).select(*columns).to_pandas()
    rows = rows[rows["colour"].notna()]
    if rows.empty:
        return rows
    rows["as_of_date"] = pd.to_datetime(rows["as_of_date"]).dt.date
    latest = rows.groupby("account_id")["as_of_date"].transform("max")
    rows = rows[rows["as_of_date"] == latest]
    rows = rows.assign(_worst=rows["colour"].map(_COLOUR_ORDER).fillna(-1))
    worst = rows.sort_values(["account_id", "_worst"]).groupby("account_id").tail(1)
    return worst.drop(columns="_worst").reset_index(drop=True)
