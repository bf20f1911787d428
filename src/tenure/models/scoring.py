"""Scores of every account at an as-of date, with the reasons behind its churn risk.

Grain of the scores table: one row per ``(account_id, as_of_date)``. Columns:

* ``is_trial``: the account was on a trial that day (only ``conversion`` is scored for it);
* ``cancel_pending``: the account had already asked to cancel the paid service still running
  that day (a request before the as-of date on a line that ends the running spell of service,
  or recorded only in ``cancellations`` during it: :mod:`tenure.measures.cancellations`, the
  rule the churn training sets leave out). Its churn is known, not predicted, so the worklist
  leaves it out;
* ``churn_risk``, ``expansion``, ``advocacy``: calibrated probabilities of churning, expanding and
  answering the next NPS survey as a promoter within each model's horizon (paid accounts; null
  for trials or when the model was not trained);
* ``conversion``: probability that a trial buys within the horizon (trials only);
* ``mrr`` (decimal): MRR in force the day before the as-of date; ``mrr_at_risk`` (decimal):
  ``churn_risk x mrr``, rounded half-even to the cent, the expected MRR lost, by which the
  worklist is sorted;
* ``churn_reasons`` and ``expansion_reasons``: the three inputs that push the score up most,
  each in words (``tenure.measures.phrases``), joined by ``"; "``. Reasons are what the account
  *does* (usage, support, sentiment, onboarding, tenure), never what it *is*: its attributes
  (industry, size, channel, owner, country), MRR, seats and plan weigh in the score but are not
  offered as reasons, as a rep cannot act on them;
* ``scored_at``: when the models used were trained (one value per model kind, ``kind=time``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from tenure.config import RevenueDefinitions
from tenure.errors import InputError, WarehouseError
from tenure.measures import MeasureKind, MeasuresConfig, default_measures_config
from tenure.measures.cancellations import cancellation_status
from tenure.measures.phrases import phrase_value
from tenure.models.training_set import account_attributes
from tenure.schema import cents
from tenure.warehouse import Warehouse

__all__ = [
    "SCORES_TABLE_COLUMNS",
    "SCORE_COLUMNS",
    "feature_rows",
    "latest_as_of",
    "reasons_in_words",
    "score_accounts",
    "scores_table",
]

#: Score column of each model kind in the scores table.
SCORE_COLUMNS = {
    "churn": "churn_risk",
    "expansion": "expansion",
    "advocacy": "advocacy",
    "conversion": "conversion",
}
_MONEY = pa.decimal128(18, 2)
#: The scores table's layout, fixed (money ``decimal(18,2)``) so every snapshot appends to the
#: same types whatever amounts it holds; its grain is ``account_id, as_of_date``.
_SCORES_SCHEMA = pa.schema([
    ("account_id", pa.string()), ("as_of_date", pa.date32()), ("is_trial", pa.bool_()),
    ("cancel_pending", pa.bool_()), ("churn_risk", pa.float64()),
    ("expansion", pa.float64()), ("advocacy", pa.float64()), ("conversion", pa.float64()),
    ("churn_reasons", pa.string()), ("expansion_reasons", pa.string()), ("mrr", _MONEY),
    ("mrr_at_risk", _MONEY), ("scored_at", pa.string()),
])
#: Columns of the scores table, in order.
SCORES_TABLE_COLUMNS = list(_SCORES_SCHEMA.names)
#: Kinds scored for trial accounts; every other kind is scored for paid accounts.
_TRIAL_KINDS = {"conversion"}
#: Kinds whose reasons are kept beside the score.
_REASONS = {"churn": "churn_reasons", "expansion": "expansion_reasons"}
_CENT = Decimal("0.01")
#: Kinds of measure that describe what an account is rather than what it does: never reasons.
_CONTEXT_KINDS = {MeasureKind.mrr, MeasureKind.seats, MeasureKind.plan}


def _not_reasons(columns: list[str], config: MeasuresConfig) -> set[str]:
    """Inputs that weigh in a score but are not offered as reasons (see the module docstring)."""
    declared = {m.name: m.kind for m in config.measures}
    return {c for c in columns
            if c not in declared or MeasureKind(declared[c]) in _CONTEXT_KINDS}


def feature_rows(
    warehouse: Warehouse, measures: pd.DataFrame, *, as_of_dates: list[date] | None = None
) -> pd.DataFrame:
    """The inputs of every model for each account at each as-of date: measures and attributes.

    The same columns as :func:`tenure.models.training_set` gives before its outcomes: the wide
    measures (with ``is_trial``) and the account attributes.
    """
    rows = measures
    if as_of_dates is not None:
        wanted = {pd.Timestamp(d) for d in as_of_dates}
        rows = rows[pd.to_datetime(rows["as_of_date"]).isin(wanted)]
    rows = rows.reset_index(drop=True).copy()
    rows["account_id"] = rows["account_id"].astype(str)
    if "plan" not in rows.columns:
        rows.insert(2, "plan", None)
    attributes = account_attributes(warehouse)
    if attributes is not None:
        rows = rows.merge(attributes, on="account_id", how="left")
    return rows


def reasons_in_words(
    explained: pd.DataFrame, rows: pd.DataFrame, config: MeasuresConfig
) -> list[str]:
    """Join the explanations of each row into one sentence (``"; "`` between reasons).

    ``explained`` is the long frame of a model's ``explain`` (``row``, ``rank``, ``feature``,
    ``value``); ``rows`` the frame that was explained. Rows without a reason get ``""``.
    """
    if explained.empty:
        return [""] * len(rows)
    declared = {m.name: m for m in config.measures}
    cache: dict[tuple[str, Any], str] = {}
    parts: list[list[str]] = [[] for _ in range(len(rows))]
    row = explained["row"].to_numpy()
    features = explained["feature"].to_numpy(dtype=object)
    values = explained["value"].to_numpy(dtype=object)
    # Counts repeat across accounts: each (measure, value) is phrased once.
    for i in np.lexsort((explained["rank"].to_numpy(), row)):
        value = values[i]
        key = (features[i], None if value is None or value != value else value)
        text = cache.get(key)
        if text is None:
            text = cache[key] = phrase_value(str(features[i]), value, declared)
        parts[int(row[i])].append(text)
    return ["; ".join(p) for p in parts]


def scores_table(scores: pd.DataFrame) -> pa.Table:
    """The scores frame as an Arrow table of the scores table's fixed types."""
    return pa.Table.from_pandas(scores[SCORES_TABLE_COLUMNS], schema=_SCORES_SCHEMA,
                                preserve_index=False)


def latest_as_of(measures: pd.DataFrame) -> date:
    """The latest as-of date of a wide measures frame."""
    if measures.empty:
        raise WarehouseError("the measures table is empty; run `tenure measures` first.")
    return pd.Timestamp(pd.to_datetime(measures["as_of_date"]).max()).date()


def score_accounts(
    warehouse: Warehouse,
    models: Mapping[str, Any],
    *,
    measures: pd.DataFrame,
    as_of_dates: list[date] | None = None,
    config: MeasuresConfig | None = None,
    definitions: RevenueDefinitions | None = None,
    trained_at: Mapping[str, str] | None = None,
    top_reasons: int = 3,
    progress: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Score every account at each as-of date with every model given.

    Parameters
    ----------
    warehouse
        The project's warehouse (for the account attributes).
    models
        Fitted models keyed by kind (``churn``, ``expansion``, ``advocacy``, ``conversion``).
    measures
        Wide measures (:func:`tenure.measures.wide_measures`, or the ``measures_wide`` table).
    as_of_dates
        Dates to score; default the latest as-of date of ``measures``.
    config
        The measures' declarations, for the reasons in words (default: the built-in ones).
    definitions
        Customer definitions (grace period, churn recognition) behind ``cancel_pending``; pass
        the project's, the ones the churn model was trained with (default: the defaults).
    trained_at
        When each model was trained, kept in ``scored_at``.
    top_reasons
        Reasons kept per account for churn and expansion.
    progress
        Called with a short description before each step.

    Returns
    -------
    pandas.DataFrame
        One row per account and as-of date; columns as in the module docstring.
    """
    unknown = set(models) - set(SCORE_COLUMNS)
    if unknown:
        raise InputError(f"unknown model kind(s) {sorted(unknown)}; use {sorted(SCORE_COLUMNS)}.")
    config = config or default_measures_config()
    dates = as_of_dates or [latest_as_of(measures)]
    rows = feature_rows(warehouse, measures, as_of_dates=dates)
    if rows.empty:
        raise InputError(
            f"no account has measures at {', '.join(str(d) for d in dates)}; pick an as-of date "
            "that `tenure measures` computed (see --from/--to there)."
        )
    trial = rows["is_trial"].astype(bool).to_numpy()
    out = pd.DataFrame({
        "account_id": rows["account_id"],
        "as_of_date": pd.to_datetime(rows["as_of_date"]).dt.date,
        "is_trial": trial,
    })
    pending = cancellation_status(warehouse, rows, definitions)["cancel_pending"].to_numpy()
    out["cancel_pending"] = pending & ~trial
    for column in SCORE_COLUMNS.values():
        out[column] = np.nan
    for column in _REASONS.values():
        out[column] = ""
    for kind, model in models.items():
        if progress:
            progress(f"scoring {kind}")
        mask = trial if kind in _TRIAL_KINDS else ~trial
        if not mask.any():
            continue
        subset = rows[mask].reset_index(drop=True)
        names = list(getattr(model, "feature_names_in_", subset.columns))
        missing = [n for n in names if n not in subset.columns]
        if missing:
            raise InputError(
                f"the {kind} model was trained on column(s) {', '.join(missing)} that the "
                "measures no longer have; retrain with `tenure train`."
            )
        X = subset[names]
        if kind in _REASONS and top_reasons > 0:
            # One pass gives both the probability and the reasons.
            probability, explained = model.predict_and_explain(
                X, top=top_reasons, exclude=_not_reasons(list(X.columns), config))
            out.loc[mask, SCORE_COLUMNS[kind]] = probability
            out.loc[mask, _REASONS[kind]] = reasons_in_words(explained, X, config)
        else:
            out.loc[mask, SCORE_COLUMNS[kind]] = model.predict_proba(X)[:, 1]
    mrr = rows["mrr"] if "mrr" in rows.columns else pd.Series(np.nan, index=rows.index)
    out["mrr"] = [cents(v) for v in mrr.round(2)]
    risk = out["churn_risk"]
    out["mrr_at_risk"] = [
        None if m is None or np.isnan(r)
        else (m * Decimal(repr(float(r)))).quantize(_CENT, rounding=ROUND_HALF_EVEN)
        for m, r in zip(out["mrr"], risk, strict=True)
    ]
    stamps = trained_at or {}
    out["scored_at"] = ", ".join(f"{k}={stamps[k]}" for k in sorted(models) if k in stamps)
    return out[SCORES_TABLE_COLUMNS]
