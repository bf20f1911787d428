"""Point-in-time training sets: measures as of a date, and what happened in the days after it.

Each row is one account at one as-of date. Its features are the account's measures at that
date, computed only from data strictly before it (:func:`tenure.measures.compute_measures`), and
its attributes; its labels say what happened within each horizon after the date. Features never
see the future; labels are the future, by design.

Outcome definitions (``docs/measures.md`` holds the same table):

``churned_{h}d``
    The account's paid service stops on a day ``e`` with ``as_of <= e < as_of + h`` and does not
    resume within the project's ``grace_period_days`` (a gap of at most that many days is
    bridged, so a late payment is not churn). Service is the union of the account's paid lines
    ``[start_date, end)`` where ``end`` is ``end_date`` or, with ``churn_recognition:
    cancellation``, the earlier of ``end_date`` and ``cancelled_at``.
``expanded_{h}d``
    Paid MRR in force at ``as_of + h`` is greater than at ``as_of`` (both read as "in force on
    the day before", the measures' convention; an account that churned in between has MRR 0).
``converted_{h}d``
    For an account on a trial at the as-of date: a paid line starts on a day ``s`` with
    ``as_of <= s < as_of + h``.
``promoter_{h}d``
    The first NPS answer (``survey_responses.score``) the account gives in
    ``[as_of, as_of + h)`` is 9 or 10; missing (``<NA>``) when it gives none in that horizon.
    Rows with no answer within the longest horizon are dropped: the model scores
    P(promoter | asked).

Churn sets also carry ``churn_date`` (the first day without paid service after the as-of date,
``NaT`` when service runs past the end of the data) and ``cancelled_at`` (the day the customer
asked for the cancellation behind that churn, ``NaT`` when there is none): outcomes, never
features. By default they leave out the rows of accounts that had already asked to cancel the
service running at the as-of date (a *pending cancellation*, the rule of
:mod:`tenure.measures.cancellations`, shared with the scores and the lifecycle stages): their
outcome is known and a customer-success team can no longer act on it.

Trial accounts are left out of churn, expansion and advocacy sets; conversion sets hold only
them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Literal

import numpy as np
import pandas as pd

from tenure.config import RevenueDefinitions
from tenure.errors import InputError
from tenure.measures import MeasuresConfig, compute_measures, wide_measures
from tenure.measures.asof import data_end as find_data_end
from tenure.measures.cancellations import (
    arrow_day_numbers,
    cancellation_status,
    day_timestamps,
    running_spell,
    service_spells,
)
from tenure.measures.population import paid_lines
from tenure.warehouse import Warehouse

__all__ = ["ATTRIBUTES", "OUTCOME_PREFIXES", "OutcomeKind", "training_set"]

OutcomeKind = Literal["churn", "expansion", "conversion", "advocacy"]

#: Account attributes joined to every row (those present in the accounts table).
ATTRIBUTES = ("industry", "size", "channel", "owner", "country")

_PREFIX = {"churn": "churned", "expansion": "expanded", "conversion": "converted",
           "advocacy": "promoter"}

#: Outcome kind -> prefix of its label columns (``churned_30d``...).
OUTCOME_PREFIXES = dict(_PREFIX)

#: Lowest NPS score of a promoter (scores 9 and 10).
PROMOTER_SCORE = 9


def _day_numbers(values: pd.Series) -> np.ndarray:
    """Dates as integer day numbers (days since 1970-01-01)."""
    return np.array(list(values), dtype="datetime64[D]").astype(np.int64)


def _paid(warehouse: Warehouse, definitions: RevenueDefinitions) -> pd.DataFrame:
    """Paid lines as ``account_id, start, end`` day numbers and ``mrr_cents`` (exact).

    Fetched as Arrow, cents computed by the engine: no Python date or decimal is made per line
    (on 100,000 accounts that conversion cost seconds when scoring).
    """
    lines = paid_lines(warehouse, definitions)
    lines = lines.select(
        "account_id", "start_date", "end_date", mrr_cents=(lines.mrr * 100).cast("int64")
    ).to_pyarrow()
    return pd.DataFrame(
        {
            "account_id": lines["account_id"].to_pandas().astype(str),
            # Never null: a running line ends on OPEN_END.
            "start": arrow_day_numbers(lines["start_date"]).astype(np.int64),
            "end": arrow_day_numbers(lines["end_date"]).astype(np.int64),
            "mrr_cents": lines["mrr_cents"].to_numpy(),
        }
    )


def _first_answer(rows: pd.DataFrame, warehouse: Warehouse) -> pd.DataFrame:
    """The first NPS answer on or after each row's as-of day: ``answered_day`` and ``score``.

    ``answered_day`` is fractional (timestamps in days since 1970-01-01); answers at the same
    instant are ordered by ``response_id``, as :mod:`tenure.measures` orders them.
    """
    if not warehouse.has_table("survey_responses"):
        raise InputError("training_set(kind='advocacy') needs the survey_responses table (NPS "
                         "answers) and the warehouse has none; load it with `tenure load`.")
    answers = warehouse.table("survey_responses").select(
        "account_id", "score", "answered_at", "response_id"
    ).to_pandas()
    answers["account_id"] = answers["account_id"].astype(str)
    stamp = pd.to_datetime(answers["answered_at"]).to_numpy("datetime64[us]").astype(np.int64)
    answers["at"] = stamp / 86_400_000_000
    answers = answers.sort_values(["at", "response_id"], kind="stable")
    answers = answers.drop_duplicates(["account_id", "at"])  # same instant: first response_id
    left = rows[["row", "account_id", "day"]].assign(at=rows["day"].astype(float))
    right = answers[["account_id", "at", "score"]].assign(answered_day=answers["at"])
    found = pd.merge_asof(
        left.sort_values("at"), right.sort_values("at"), on="at", by="account_id",
        direction="forward", allow_exact_matches=True,
    )
    return found.set_index("row")[["answered_day", "score"]].reindex(rows["row"])


def _mrr_cents_at(rows: pd.DataFrame, paid: pd.DataFrame, day: np.ndarray) -> np.ndarray:
    """Paid MRR in cents in force on the day before ``day`` (one day per row)."""
    asked = pd.DataFrame({"row": rows["row"].to_numpy(), "account_id": rows["account_id"],
                          "at": day})
    joined = asked.merge(paid, on="account_id")
    live = joined[(joined["start"] < joined["at"]) & (joined["end"] >= joined["at"])]
    total = live.groupby("row")["mrr_cents"].sum()
    return total.reindex(rows["row"], fill_value=0).to_numpy()


def _first_paid_start(rows: pd.DataFrame, paid: pd.DataFrame) -> pd.Series:
    """The first paid start on or after each row's as-of day (NaN if none)."""
    left = rows[["row", "account_id", "day"]].sort_values("day")
    right = paid[["account_id", "start"]].sort_values("start")
    found = pd.merge_asof(
        left, right, left_on="day", right_on="start", by="account_id",
        allow_exact_matches=True, direction="forward",
    )
    return found.set_index("row")["start"].reindex(rows["row"])


def account_attributes(warehouse: Warehouse) -> pd.DataFrame | None:
    """``account_id`` and the :data:`ATTRIBUTES` the accounts table has (None without it).

    The same columns join the training sets and the rows :mod:`tenure.models.scoring` scores.
    """
    if not warehouse.has_table("accounts"):
        return None
    accounts = warehouse.table("accounts")
    present = [c for c in ATTRIBUTES if c in accounts.columns]
    df = accounts.select("account_id", *present).to_pandas()
    df["account_id"] = df["account_id"].astype(str)
    return df


def training_set(
    warehouse: Warehouse,
    *,
    horizons: Sequence[int] = (30, 60, 90),
    as_of_dates: list[date] | None = None,
    measures: pd.DataFrame | None = None,
    kind: OutcomeKind = "churn",
    definitions: RevenueDefinitions | None = None,
    config: MeasuresConfig | None = None,
    data_end: date | None = None,
    exclude_pending_cancellations: bool = True,
) -> pd.DataFrame:
    """Rows of (account, as-of date) with point-in-time measures, attributes and outcomes.

    Parameters
    ----------
    warehouse
        The warehouse holding the canonical tables.
    horizons
        Days after the as-of date over which each outcome is observed.
    as_of_dates
        As-of dates; default the weekly grid of :func:`tenure.measures.compute_measures`.
    measures
        A wide measures frame (:func:`tenure.measures.wide_measures`); computed when absent.
    kind
        ``"churn"``, ``"expansion"`` and ``"advocacy"`` keep paid accounts, ``"conversion"``
        trial accounts.
    definitions
        Customer definitions: ``churn_recognition`` and ``grace_period_days`` shape churn.
    config
        Measures to compute when ``measures`` is absent (default: the built-in ones).
    data_end
        First day without data; default the day after the latest recorded day.
    exclude_pending_cancellations
        Churn sets only: leave out the rows of accounts that asked before the as-of date to
        cancel the service running at it (a paid line ending with the running spell of service
        has ``cancelled_at < as_of_date``, or a request recorded only in ``cancellations`` was
        made during that spell; :func:`tenure.measures.cancellations.cancellation_status`).
        Their churn is already known, a model must not get
        credit for predicting it and a customer-success team cannot act on it.

    Returns
    -------
    pandas.DataFrame
        ``account_id, as_of_date``, ``plan`` and the account attributes, every measure, then one
        boolean ``{churned|expanded|converted|promoter}_{h}d`` column per horizon (nullable
        ``boolean`` for ``promoter``: missing when the account gave no answer in that
        horizon), and for churn ``churn_date`` and ``cancelled_at`` (timestamps, ``NaT`` when
        none). Rows whose longest horizon runs past the end of the data (``as_of_date +
        max(horizons) > data_end``) are dropped: their outcome is not known yet.

    Examples
    --------
    >>> ts = training_set(wh, horizons=(30, 60), kind="churn")  # doctest: +SKIP
    >>> ts.filter(like="churned_").columns.tolist()  # doctest: +SKIP
    ['churned_30d', 'churned_60d']
    """
    if kind not in _PREFIX:
        raise InputError(f"training_set kind {kind!r} is unknown; use churn, expansion, "
                         "conversion or advocacy.")
    horizons = sorted(set(horizons))
    if not horizons or horizons[0] < 1:
        raise InputError(f"horizons must be positive numbers of days (found {horizons}).")
    definitions = definitions or RevenueDefinitions()
    if measures is None:
        tidy = compute_measures(
            warehouse, config=config, as_of_dates=as_of_dates, definitions=definitions
        )
        measures = wide_measures(tidy, config=config)
    elif as_of_dates is not None:
        measures = measures[measures["as_of_date"].isin(set(as_of_dates))]
    missing = {"account_id", "as_of_date", "is_trial"} - set(measures.columns)
    if missing:
        raise InputError(f"the measures frame lacks column(s) {', '.join(sorted(missing))}; "
                         "pass the output of tenure.measures.wide_measures.")

    # Step 1: the accounts this kind of set is about, with a known outcome at every horizon.
    end = data_end or find_data_end(warehouse)
    trial = measures["is_trial"].astype(bool)
    rows = measures[trial if kind == "conversion" else ~trial]
    last = pd.Timestamp(end) - pd.Timedelta(days=horizons[-1])
    rows = rows[pd.to_datetime(rows["as_of_date"]) <= last].drop(columns="is_trial")
    rows = rows.reset_index(drop=True)
    if "plan" not in rows.columns:
        rows.insert(2, "plan", None)

    # Step 2: account attributes.
    attributes = account_attributes(warehouse)
    if attributes is not None:
        rows = rows.merge(attributes, on="account_id", how="left")
        front = ["account_id", "as_of_date", "plan", *attributes.columns[1:]]
        rows = rows[front + [c for c in rows.columns if c not in front]]

    # Step 3: outcomes, from the paid lines over all time (the future is the label).
    paid = _paid(warehouse, definitions)
    keys = rows[["account_id"]].assign(
        row=np.arange(len(rows)), day=_day_numbers(rows["as_of_date"])
    )
    prefix = _PREFIX[kind]
    if kind == "churn":
        spells = service_spells(paid, definitions.grace_period_days)
        stop = running_spell(keys, spells)["end"].to_numpy()
        for h in horizons:
            rows[f"{prefix}_{h}d"] = (stop - keys["day"].to_numpy()) < h
        status = cancellation_status(warehouse, rows, definitions)
        end_day = _day_numbers(pd.Series([end]))[0]
        known = stop < end_day  # a churn within the data
        rows["churn_date"] = day_timestamps(np.where(known, stop, np.nan))
        rows["cancelled_at"] = status["churn_requested_at"].where(known).to_numpy()
        if exclude_pending_cancellations:
            rows = rows[~status["cancel_pending"].to_numpy()].reset_index(drop=True)
    elif kind == "advocacy":
        answer = _first_answer(keys, warehouse)
        waited = answer["answered_day"].to_numpy() - keys["day"].to_numpy()
        promoter = answer["score"].to_numpy(dtype=float) >= PROMOTER_SCORE
        for h in horizons:
            asked = waited < h
            rows[f"{prefix}_{h}d"] = pd.arrays.BooleanArray(promoter & asked, ~asked)
        rows = rows[waited < horizons[-1]].reset_index(drop=True)
    elif kind == "expansion":
        now = _mrr_cents_at(keys, paid, keys["day"].to_numpy())
        for h in horizons:
            rows[f"{prefix}_{h}d"] = _mrr_cents_at(keys, paid, keys["day"].to_numpy() + h) > now
    else:
        start = _first_paid_start(keys, paid)
        for h in horizons:
            rows[f"{prefix}_{h}d"] = (start.to_numpy() - keys["day"].to_numpy()) < h
    return rows
