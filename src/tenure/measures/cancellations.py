"""Pending cancellations: had an account asked to cancel the paid service still running at a date?

One rule, used by the churn training sets (:mod:`tenure.models.training_set`, which leave such
rows out), the scores (``cancel_pending``, which the worklist leaves out) and the lifecycle
stages (``cancelled`` while service runs on), so an account is never left out of training yet
put on the worklist, or ``cancelled`` in segments yet scored as actionable.

**Service** is the union of an account's paid lines (not a trial, ``mrr > 0``) over
``[start_date, end)``, ``end`` being the recognised end of :func:`~tenure.measures.population.
subscription_lines` (``end_date``, or with ``churn_recognition: cancellation`` the earlier of
``end_date`` and ``cancelled_at``). Lines that overlap, touch or start at most
``grace_period_days`` after the earlier ones ended form one **spell**. A row ``(account, d)`` is
in service when a spell has ``start < d <= end`` (the measures' "in force the day before").

A request to cancel is **pending** at ``d`` when the account is in service and

* a paid line that ends the running spell (its ``end`` is the spell's end) was cancelled before
  ``d``: ``cancelled_at < d <= end == spell end``. Cancelling an add-on while another line runs
  on does not end the spell, so it is not pending; with ``churn_recognition: cancellation`` a
  line ends on its ``cancelled_at``, so no line request is ever pending; or
* a row of the ``cancellations`` table (one per request, ``account_id, cancelled_at``) that no
  subscription line of the account carries as its ``cancelled_at`` (a request recorded only
  there) is dated before ``d`` and on or after the running spell's start. Such a request names
  no line, so it counts for the account's running service; recognition cannot move an end for
  it, so it stays pending under ``churn_recognition: cancellation`` too. A row that mirrors a
  line's ``cancelled_at`` follows the line rule above.

A request dated on ``d`` itself is not known yet (facts dated before ``d`` only). The request
*behind* the spell's end (the training sets' ``cancelled_at``) is the latest of these requests,
whatever its date.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from tenure.config import RevenueDefinitions
from tenure.measures.population import subscription_lines
from tenure.warehouse import Warehouse

__all__ = [
    "arrow_day_numbers",
    "cancellation_status",
    "day_timestamps",
    "running_spell",
    "service_spells",
]


def arrow_day_numbers(column: pa.ChunkedArray) -> np.ndarray:
    """A date column fetched as Arrow, as days since 1970-01-01 (float, NaN where null).

    Arrow stores a ``date32`` as exactly that number, so no Python date object is made: on
    100,000 accounts converting each date (and each ``mrr`` decimal) cost seconds.
    """
    return column.cast(pa.int32()).to_numpy(zero_copy_only=False).astype(float)


def day_timestamps(days: np.ndarray) -> pd.Series:
    """Day numbers since 1970-01-01 (NaN = none) as timestamps (``NaT`` = none).

    Converted as whole days in numpy, not by ``pd.to_datetime(..., unit="D")``: for a float
    array holding NaN, pandas' conversion runs under ``np.errstate(over="raise")`` and was seen
    to raise ``FloatingPointError: overflow encountered in multiply`` now and then on the same
    data (test runs that passed and failed on one commit).

    >>> day_timestamps(np.array([0.0, np.nan, 19723.0])).tolist()
    [Timestamp('1970-01-01 00:00:00'), NaT, Timestamp('2024-01-01 00:00:00')]
    """
    days = np.asarray(days, dtype=float)
    out = np.full(days.shape, np.datetime64("NaT"), dtype="datetime64[ns]")
    known = ~np.isnan(days)
    out[known] = days[known].astype(np.int64).astype("datetime64[D]")
    return pd.Series(out, dtype="datetime64[ns]")


def service_spells(lines: pd.DataFrame, grace_days: int) -> pd.DataFrame:
    """Each account's spells of paid service: overlapping, touching or grace-bridged lines merged.

    ``lines`` holds ``account_id, start, end`` (day numbers); the result ``account_id, start,
    end``, one row per spell. A line starting at most ``grace_days`` after every earlier line of
    the account has ended continues the spell.

    Examples
    --------
    >>> lines = pd.DataFrame({"account_id": ["a", "a", "a"], "start": [0, 35, 90],
    ...                       "end": [30, 60, 120]})
    >>> service_spells(lines, grace_days=0).to_dict("list")
    {'account_id': ['a', 'a', 'a'], 'start': [0, 35, 90], 'end': [30, 60, 120]}
    >>> service_spells(lines, grace_days=7).to_dict("list")  # the 5-day gap is bridged
    {'account_id': ['a', 'a'], 'start': [0, 90], 'end': [60, 120]}
    """
    lines = lines.sort_values(["account_id", "start", "end"], ignore_index=True)
    latest_end = lines.groupby("account_id")["end"].cummax()
    before = latest_end.groupby(lines["account_id"]).shift()
    opens = before.isna() | (lines["start"] > before + grace_days)
    lines["spell"] = opens.cumsum()
    return (
        lines.groupby("spell")
        .agg(account_id=("account_id", "first"), start=("start", "min"), end=("end", "max"))
        .reset_index(drop=True)
    )


def running_spell(keys: pd.DataFrame, spells: pd.DataFrame) -> pd.DataFrame:
    """The spell each row is in service in: ``start, end`` per row (NaN when not in service).

    ``keys`` holds ``row, account_id, day`` (day numbers); the result is indexed like
    ``keys["row"]``. ``end`` is the first day without paid service on or after ``day``.
    """
    left = keys[["row", "account_id", "day"]].sort_values("day")
    right = spells[["account_id", "start", "end"]].sort_values("start")
    found = pd.merge_asof(
        left, right, left_on="day", right_on="start", by="account_id",
        allow_exact_matches=False, direction="backward",
    )
    in_service = (found["end"] >= found["day"]).to_numpy()
    found = found.set_index("row")[["start", "end"]].astype(float)
    found.loc[~in_service] = np.nan
    return found.reindex(keys["row"])


def _requests(warehouse: Warehouse, lines: pd.DataFrame) -> pd.DataFrame:
    """Requests on paid lines (``account_id, requested, line_end``) and, with ``line_end`` NaN,
    the rows of the ``cancellations`` table that no subscription line carries."""
    with_request = lines[lines["cancelled"].notna()]
    paid = with_request[with_request["paid"]]
    parts = [pd.DataFrame({
        "account_id": paid["account_id"].to_numpy(dtype=object),
        "requested": paid["cancelled"].to_numpy(dtype=float),
        "line_end": paid["end"].to_numpy(dtype=float),
    })]
    if warehouse.has_table("cancellations"):
        table = warehouse.table("cancellations")
        fetched = table.select(
            account_id=table.account_id.cast("string"),
            cancelled_at=table.cancelled_at.cast("date"),
        ).to_pyarrow()
        rows = pd.DataFrame({
            "account_id": fetched["account_id"].to_numpy(zero_copy_only=False),
            "requested": arrow_day_numbers(fetched["cancelled_at"]),
        }).dropna()
        on_lines = with_request[["account_id", "cancelled"]].rename(
            columns={"cancelled": "requested"}
        ).drop_duplicates()
        marked = rows.merge(on_lines, on=["account_id", "requested"], how="left", indicator=True)
        only = marked[marked["_merge"] == "left_only"]
        parts.append(pd.DataFrame({
            "account_id": only["account_id"].to_numpy(dtype=object),
            "requested": only["requested"].to_numpy(dtype=float),
            "line_end": np.nan,
        }))
    return pd.concat(parts, ignore_index=True)


def cancellation_status(
    warehouse: Warehouse,
    rows: pd.DataFrame,
    definitions: RevenueDefinitions | None = None,
) -> pd.DataFrame:
    """Per row (``account_id``, ``as_of_date``): is a request to cancel the running service
    pending, and which request (the rule in the module docstring).

    Parameters
    ----------
    warehouse
        Warehouse with ``subscriptions`` (and ``cancellations`` when loaded).
    rows
        ``account_id`` and ``as_of_date`` (dates or timestamps), one row per account and date.
    definitions
        Customer definitions: ``grace_period_days`` bridges spells, ``churn_recognition`` decides
        where a cancelled line ends.

    Returns
    -------
    pandas.DataFrame
        One row per row of ``rows``, in order (index ``0..n-1``): ``cancel_pending`` (bool),
        ``requested_at`` (the latest request before the as-of date that makes it pending;
        ``NaT`` when none) and ``churn_requested_at`` (the latest request behind the end of the
        running spell, at any date; ``NaT`` when none or not in service).

    Examples
    --------
    >>> status = cancellation_status(wh, rows, definitions)  # doctest: +SKIP
    >>> rows[status["cancel_pending"].to_numpy()]  # doctest: +SKIP
    """
    definitions = definitions or RevenueDefinitions()
    n = len(rows)
    out = pd.DataFrame({"cancel_pending": np.zeros(n, dtype=bool),
                        "requested_at": day_timestamps(np.full(n, np.nan)),
                        "churn_requested_at": day_timestamps(np.full(n, np.nan))})
    if rows.empty or not warehouse.has_table("subscriptions"):
        return out

    # Step 1: every line with its request; the paid ones make up service.
    table = subscription_lines(warehouse, definitions, with_request=True)
    fetched = table.select(
        "account_id", "start_date", "end_date", "cancelled_at",
        paid=~table.is_trial & (table.mrr > 0),
    ).to_pyarrow()
    lines = pd.DataFrame({
        "account_id": fetched["account_id"].to_numpy(zero_copy_only=False),
        "paid": fetched["paid"].to_numpy(zero_copy_only=False).astype(bool),
        "start": arrow_day_numbers(fetched["start_date"]),
        "end": arrow_day_numbers(fetched["end_date"]),  # never null: running lines end at OPEN_END
        "cancelled": arrow_day_numbers(fetched["cancelled_at"]),
    })
    requests = _requests(warehouse, lines)
    if requests.empty:
        return out
    paid = lines[lines["paid"]]
    spans = pd.DataFrame({"account_id": paid["account_id"].to_numpy(dtype=object),
                          "start": paid["start"].to_numpy(dtype=np.int64),
                          "end": paid["end"].to_numpy(dtype=np.int64)})

    # Step 2: the spell each row is in service in.
    day = pd.to_datetime(pd.Series(rows["as_of_date"])).to_numpy().astype("datetime64[D]")
    keys = pd.DataFrame({"row": np.arange(n), "account_id": rows["account_id"].astype(str)
                         .to_numpy(), "day": day.astype(np.int64)})
    spell = running_spell(keys, service_spells(spans, definitions.grace_period_days))
    keys["spell_start"] = spell["start"].to_numpy()
    keys["spell_end"] = spell["end"].to_numpy()

    # Step 3: the requests that count for that spell: a line ending it, or a table-only request
    # made during it.
    joined = keys.merge(requests, on="account_id")
    on_line = joined["line_end"] == joined["spell_end"]
    table_only = (joined["line_end"].isna() & (joined["requested"] >= joined["spell_start"])
                  & (joined["requested"] <= joined["spell_end"]))
    joined = joined[on_line | table_only]
    behind = joined.groupby("row")["requested"].max().reindex(keys["row"])
    known = joined[joined["requested"] < joined["day"]]
    asked = known.groupby("row")["requested"].max().reindex(keys["row"])
    out["cancel_pending"] = asked.notna().to_numpy()
    out["requested_at"] = day_timestamps(asked.to_numpy(dtype=float))
    out["churn_requested_at"] = day_timestamps(behind.to_numpy(dtype=float))
    return out
