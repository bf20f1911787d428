"""Churn ahead of the decision: the outcome window starts a lead time after the as-of date.

A customer who decides to leave stops using the product before asking to cancel. Measured in
the weeks just before a cancellation, falling use is the strongest "driver" of churn, and it
absorbs the effect of whatever made the customer decide: a regression of churn within 30 days
on today's measures mostly finds the symptoms of decisions already taken. To find the causes,
measure accounts *before* the decision shows: ask which accounts decide to leave between
``lead_days`` and ``lead_days + horizon_days`` after the as-of date, among those that have not
decided by then.

:func:`churn_ahead` turns a churn training set into such a set. Its outcome column,
``churned_{lead}_{lead + horizon}d``, is true when the account's **decision** falls in
``[as_of + lead, as_of + lead + horizon)``. The decision is the cancellation request behind the
churn (``cancelled_at``) or, when the account stopped paying without a request on record, the
day paid service stopped (``churn_date``). Rows whose decision came before ``as_of + lead``
(including pending cancellations, decided before the as-of date) are dropped: their outcome is
not a question any more. :func:`tenure.analysis.analyze_churn` reads the column like any other
(its snapshots are spaced by the window length, ``horizon``).

>>> frame = pd.DataFrame({
...     "account_id": ["a", "b", "c", "d"],
...     "as_of_date": pd.to_datetime(["2024-01-01"] * 4),
...     "churned_120d": [True, True, True, False],
...     "churn_date": pd.to_datetime(["2024-01-20", "2024-03-15", "2024-05-20", None]),
...     "cancelled_at": pd.to_datetime(["2024-01-02", "2024-02-20", None, None]),
... })
>>> ahead = churn_ahead(frame, lead_days=30, horizon_days=90)
>>> ahead[["account_id", "churned_30_120d"]].values.tolist()
[['b', True], ['c', False], ['d', False]]
"""

from __future__ import annotations

import re

import pandas as pd

from tenure.errors import InputError

__all__ = ["ahead_outcome", "churn_ahead", "parse_ahead_outcome"]

_AHEAD = re.compile(r"churned_(\d+)_(\d+)d")
#: A training set's churn outcome within a horizon: ``churned_{h}d``.
_WITHIN = re.compile(r"churned_(\d+)d")


def ahead_outcome(lead_days: int, horizon_days: int) -> str:
    """The outcome column of :func:`churn_ahead`: ``churned_30_120d`` for a lead of 30 and 90."""
    return f"churned_{int(lead_days)}_{int(lead_days) + int(horizon_days)}d"


def parse_ahead_outcome(outcome: str) -> tuple[int, int] | None:
    """``churned_30_120d`` -> ``(30, 120)``: the window's first and last day (exclusive)."""
    match = _AHEAD.fullmatch(outcome)
    return (int(match.group(1)), int(match.group(2))) if match else None


def _known_horizon(frame: pd.DataFrame) -> int | None:
    """The longest ``churned_{h}d`` column of ``frame``: outcomes are known that far ahead."""
    found = [int(m.group(1)) for c in frame.columns if (m := _WITHIN.fullmatch(c))]
    return max(found) if found else None


def churn_ahead(frame: pd.DataFrame, *, lead_days: int, horizon_days: int) -> pd.DataFrame:
    """The rows still undecided ``lead_days`` after their as-of date, with the ahead outcome.

    Parameters
    ----------
    frame
        A churn training set (``tenure.models.training_set``, ``kind="churn"``) with
        ``account_id``, ``as_of_date``, ``churn_date``, ``cancelled_at`` and a ``churned_{h}d``
        column with ``h >= lead_days + horizon_days``: the training set drops the as-of dates
        less than its longest horizon before the end of the data, so every window is observed.
        Keep pending cancellations in it (``exclude_pending_cancellations=False``) or not: they
        are dropped here either way, as decided before the as-of date.
    lead_days
        Days from the as-of date to the start of the outcome window (0: from the as-of date).
    horizon_days
        Length of the outcome window in days.

    Returns
    -------
    pandas.DataFrame
        The kept rows, every column of ``frame`` except the ``churned_{h}d`` outcomes, plus
        ``churned_{lead}_{lead + horizon}d`` (bool). One row per (account_id, as_of_date), as in
        ``frame``.
    """
    if lead_days < 0 or horizon_days < 1:
        raise InputError(f"the lead must be 0 or more days and the window at least 1 day "
                         f"(found lead {lead_days}, window {horizon_days}).")
    required = {"account_id", "as_of_date", "churn_date", "cancelled_at"}
    missing = sorted(required - set(frame.columns))
    if missing:
        raise InputError(f"the training set lacks {', '.join(missing)}; build it with "
                         "tenure.models.training_set.training_set(kind='churn').")
    needed = lead_days + horizon_days
    known = _known_horizon(frame)
    if known is None or known < needed:
        raise InputError(
            f"churn {lead_days}-{needed} days ahead needs outcomes known {needed} days after "
            f"each as-of date, and the training set's longest horizon is "
            f"{known or 'missing'}; build it with horizons=(..., {needed})."
        )
    as_of = pd.to_datetime(frame["as_of_date"])
    decision = pd.to_datetime(frame["cancelled_at"]).fillna(pd.to_datetime(frame["churn_date"]))
    days = (decision - as_of).dt.days  # NaN: no decision within the data
    undecided = ~(days < lead_days)
    out = frame.loc[undecided].drop(
        columns=[c for c in frame.columns if _WITHIN.fullmatch(c)]
    )
    kept = days[undecided]
    out[ahead_outcome(lead_days, horizon_days)] = ((kept >= lead_days) & (kept < needed)).to_numpy()
    return out.reset_index(drop=True)
