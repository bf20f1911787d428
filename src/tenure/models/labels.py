"""From a point-in-time training set to a model's inputs ``X`` and outcome ``y``.

A training set (:func:`tenure.models.training_set`) holds features and outcomes side by side.
:func:`features_and_labels` takes one outcome column as ``y`` and removes *every* outcome
column from ``X`` (the labels of other horizons and kinds, ``churn_date``, ``cancelled_at``):
a feature that is an outcome is the future. ``as_of_date`` and ``account_id`` stay in ``X``
for the time-ordered backtest and the ids; the models never use them as features.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from tenure.errors import InputError
from tenure.models.training_set import OUTCOME_PREFIXES

__all__ = ["OUTCOME_DATE_COLUMNS", "churn_events", "features_and_labels", "is_outcome_column",
           "label_column"]

#: Outcome columns that are dates (churn sets): never features.
OUTCOME_DATE_COLUMNS = ("churn_date", "cancelled_at")

_LABEL = re.compile(rf"^({'|'.join(OUTCOME_PREFIXES.values())})_\d+d$")


def label_column(kind: str, horizon_days: int) -> str:
    """The outcome column of ``kind`` at ``horizon_days``, e.g. ``churned_90d``.

    Examples
    --------
    >>> label_column("advocacy", 90)
    'promoter_90d'
    """
    if kind not in OUTCOME_PREFIXES:
        raise InputError(f"outcome kind {kind!r} is unknown; use "
                         f"{', '.join(OUTCOME_PREFIXES)}.")
    return f"{OUTCOME_PREFIXES[kind]}_{int(horizon_days)}d"


def is_outcome_column(name: str) -> bool:
    """Whether a training-set column is an outcome (a label or an outcome date)."""
    return bool(_LABEL.match(name)) or name in OUTCOME_DATE_COLUMNS


def features_and_labels(
    frame: pd.DataFrame, kind: str, horizon_days: int
) -> tuple[pd.DataFrame, np.ndarray]:
    """``X`` (features plus ``as_of_date``/``account_id``) and boolean ``y`` of one outcome.

    Rows whose outcome is missing (an advocacy row without an answer within this horizon) are
    left out of both.

    Parameters
    ----------
    frame
        A training set of this ``kind``.
    kind
        ``churn``, ``expansion``, ``conversion`` or ``advocacy``.
    horizon_days
        The horizon of the outcome; the training set must hold its column.

    Examples
    --------
    >>> frame = pd.DataFrame({"account_id": ["a", "b"], "mrr": [39.0, 69.0],
    ...                       "churned_30d": [True, False], "churned_90d": [True, True]})
    >>> X, y = features_and_labels(frame, "churn", 30)
    >>> list(X.columns), y.tolist()
    (['account_id', 'mrr'], [True, False])
    """
    column = label_column(kind, horizon_days)
    if column not in frame.columns:
        found = [c for c in frame.columns if _LABEL.match(c)]
        raise InputError(f"the training set has no column {column!r} (outcome columns: "
                         f"{found or 'none'}); build it with training_set(kind={kind!r}, "
                         f"horizons=[{int(horizon_days)}]).")
    known = frame[column].notna().to_numpy()
    rows = frame[known].reset_index(drop=True)
    y = rows[column].astype(bool).to_numpy()
    X = rows.drop(columns=[c for c in rows.columns if is_outcome_column(c)])
    return X, y


def churn_events(frame: pd.DataFrame) -> pd.DataFrame:
    """The churns of a churn training set: one row per ``account_id, churn_date``.

    Returns
    -------
    pandas.DataFrame
        ``account_id, churn_date, cancelled_at`` of every churn within the data, for
        :func:`tenure.models.evaluation.lead_times` and ``ChurnRiskModel.fit(churns=...)``.
    """
    missing = {"account_id", "churn_date"} - set(frame.columns)
    if missing:
        raise InputError(f"the frame lacks column(s) {', '.join(sorted(missing))}; pass a "
                         "training set built with training_set(kind='churn').")
    cols = ["account_id", "churn_date"] + (["cancelled_at"] if "cancelled_at" in frame else [])
    events = frame.loc[frame["churn_date"].notna(), cols].drop_duplicates(
        ["account_id", "churn_date"])
    if "cancelled_at" not in events:
        events["cancelled_at"] = pd.NaT
    return events.sort_values(["churn_date", "account_id"]).reset_index(drop=True)
