"""How good a score is: ranking, precision where it matters, calibration and alert lead time.

Every function takes plain arrays or frames of outcomes and probabilities, so the same numbers
describe a backtest, a validation split or last quarter's live scores.

* :func:`roc_auc` - probability that a random positive scores above a random negative (ties
  count one half): the Mann-Whitney U statistic over ``n_pos x n_neg`` (Hanley & McNeil 1982).
* :func:`top_decile_precision`, :func:`top_decile_lift` - the positive rate among the 10% of
  rows scored highest, and that rate over the base rate: how much better than random a team
  working down the list does.
* :func:`brier_score` - mean squared error of the probability (Brier 1950); lower is better.
* :func:`calibration_curve` - predicted against observed rates in bins of equal size.
* :func:`alert_threshold`, :func:`lead_times`, :func:`alert_summary` - for churn scored at
  every as-of date: the threshold that flags at most a given share of accounts, how long before
  each churner asked to cancel it was first flagged, and the share flagged early enough to act.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from tenure.errors import InputError

__all__ = [
    "alert_summary",
    "alert_threshold",
    "brier_score",
    "calibration_curve",
    "lead_times",
    "roc_auc",
    "top_decile_lift",
    "top_decile_precision",
]

#: Share of rows in the "top decile".
TOP_SHARE = 0.10


def _pair(y: Any, p: Any) -> tuple[np.ndarray, np.ndarray]:
    y_arr = np.asarray(y).astype(bool).ravel()
    p_arr = np.asarray(p, dtype=float).ravel()
    if len(y_arr) != len(p_arr):
        raise InputError(f"outcomes and probabilities differ in length ({len(y_arr)} vs "
                         f"{len(p_arr)}); pass one probability per outcome.")
    if np.isnan(p_arr).any():
        raise InputError("the probabilities hold missing values; score every row first.")
    return y_arr, p_arr


def roc_auc(y: Any, p: Any) -> float:
    """Area under the ROC curve: P(score of a random positive > that of a random negative).

    Ties between a positive and a negative count one half. NaN when ``y`` has one class.

    Examples
    --------
    >>> roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
    """
    y_arr, p_arr = _pair(y, p)
    n_pos = int(y_arr.sum())
    n_neg = len(y_arr) - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = stats.rankdata(p_arr)  # average ranks: ties count one half
    u = ranks[y_arr].sum() - n_pos * (n_pos + 1) / 2
    return float(u / (n_pos * n_neg))


def _top_positives(y: np.ndarray, p: np.ndarray, share: float) -> tuple[float, int]:
    """Expected positives among the top ``ceil(share * n)`` rows, ties at the cut shared."""
    k = math.ceil(share * len(y))
    order = np.argsort(-p, kind="stable")
    cut = p[order[k - 1]]
    above = p > cut
    tied = p == cut
    expected = y[above].sum() + (k - above.sum()) * y[tied].mean()
    return float(expected), k


def top_decile_precision(y: Any, p: Any) -> float:
    """Positive rate among the ``ceil(n / 10)`` rows scored highest.

    Rows tied with the last one in the top decile share its remaining places: each contributes
    its average outcome (the expectation under a random tie-break). NaN for no rows.

    Examples
    --------
    >>> y = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]
    >>> top_decile_precision(y, [9, 8, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1])
    0.5
    """
    y_arr, p_arr = _pair(y, p)
    if len(y_arr) == 0:
        return float("nan")
    positives, k = _top_positives(y_arr, p_arr, TOP_SHARE)
    return positives / k


def top_decile_lift(y: Any, p: Any) -> float:
    """Top-decile precision over the base rate (1.0 = no better than random; NaN without positives).

    Examples
    --------
    >>> y = [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]
    >>> top_decile_lift(y, [9, 8, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1])
    3.0
    """
    y_arr, p_arr = _pair(y, p)
    if len(y_arr) == 0 or not y_arr.any():
        return float("nan")
    return top_decile_precision(y_arr, p_arr) / float(y_arr.mean())


def brier_score(y: Any, p: Any) -> float:
    """Mean of ``(p - y)^2`` over the rows (Brier 1950): 0 is perfect, 0.25 a coin flip at 1/2.

    Examples
    --------
    >>> brier_score([1, 0], [0.5, 0.5])
    0.25
    """
    y_arr, p_arr = _pair(y, p)
    if len(y_arr) == 0:
        return float("nan")
    return float(np.mean((p_arr - y_arr) ** 2))


def calibration_curve(y: Any, p: Any, *, n_bins: int = 10) -> list[dict[str, float]]:
    """Mean predicted probability against the observed rate in ``n_bins`` bins of equal size.

    Rows are sorted by probability and cut into ``n_bins`` consecutive groups whose sizes differ
    by at most one (quantile bins: every bin has data, unlike fixed-width bins on a skewed
    score). Fewer bins when there are fewer rows.

    Returns
    -------
    list of dict
        One ``{"mean_predicted", "observed_rate", "n"}`` per bin, lowest scores first.

    Examples
    --------
    >>> calibration_curve([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.9], n_bins=2)[1]
    {'mean_predicted': 0.6, 'observed_rate': 1.0, 'n': 2}
    """
    y_arr, p_arr = _pair(y, p)
    if n_bins < 1:
        raise InputError(f"n_bins must be at least 1 (found {n_bins}).")
    order = np.argsort(p_arr, kind="stable")
    bins = []
    for part in np.array_split(order, min(n_bins, len(order))):
        bins.append({"mean_predicted": round(float(p_arr[part].mean()), 12),
                     "observed_rate": round(float(y_arr[part].mean()), 12),
                     "n": len(part)})
    return bins


# -- alerts on scores at every as-of date -------------------------------------------------------

def _scores(predictions: pd.DataFrame) -> pd.DataFrame:
    missing = {"account_id", "as_of_date", "probability"} - set(predictions.columns)
    if missing:
        raise InputError(f"the predictions lack column(s) {', '.join(sorted(missing))}; pass "
                         "a frame like OutcomeModel.oot_predictions_ (account_id, as_of_date, "
                         "probability).")
    out = predictions[["account_id", "as_of_date", "probability"]].copy()
    out["as_of_date"] = pd.to_datetime(out["as_of_date"])
    return out


def alert_threshold(predictions: pd.DataFrame, max_flagged_share: float = 0.20) -> float:
    """The lowest score threshold that flags at most ``max_flagged_share`` of accounts on average.

    An account is flagged at an as-of date when its probability is at least the threshold. The
    flagged share is the share of that date's scored accounts flagged, averaged over the as-of
    dates (each date weighs the same, however many accounts it scores).

    Parameters
    ----------
    predictions
        ``account_id, as_of_date, probability``, e.g. :attr:`OutcomeModel.oot_predictions_`.
    max_flagged_share
        Largest acceptable average share of accounts flagged, in ``(0, 1]``.

    Returns
    -------
    float
        The threshold; above every score (nobody flagged) when even the highest flags too many.

    Examples
    --------
    >>> scores = pd.DataFrame({"account_id": list("abcdabcd"),
    ...                        "as_of_date": ["2024-01-01"] * 4 + ["2024-01-08"] * 4,
    ...                        "probability": [0.9, 0.5, 0.2, 0.1, 0.6, 0.5, 0.3, 0.1]})
    >>> alert_threshold(scores, max_flagged_share=0.25)
    0.6
    """
    if not 0 < max_flagged_share <= 1:
        raise InputError(f"max_flagged_share must be in (0, 1] (found {max_flagged_share}).")
    scores = _scores(predictions)
    if scores.empty:
        raise InputError("there are no predictions to set an alert threshold on.")
    per_date = scores.groupby("as_of_date")["probability"].transform("size")
    weight = 1.0 / (per_date.to_numpy() * scores["as_of_date"].nunique())
    by_score = (pd.Series(weight).groupby(scores["probability"].to_numpy()).sum()
                .sort_index(ascending=False))
    flagged = by_score.cumsum()  # average share flagged at a threshold equal to each score
    ok = flagged[flagged <= max_flagged_share + 1e-12]
    if ok.empty:
        return float(np.nextafter(by_score.index[0], np.inf))
    return float(ok.index[-1])


def lead_times(
    predictions: pd.DataFrame, churns: pd.DataFrame, threshold: float, *,
    run_up_days: int = 90,
) -> pd.DataFrame:
    """For each churner: when it was first flagged before it asked to cancel, and how early.

    A churn's *request day* is its ``cancelled_at`` or, when there was no request on record,
    its ``churn_date``. Its *run-up* is the as-of dates ``d`` of the same account with
    ``request - run_up_days <= d <= request``. The churner is flagged at the first as-of date in
    its run-up with ``probability >= threshold``; its lead is the days from that date to the
    request day. Only churners whose whole run-up lies inside the scored period (between the
    first and the last as-of date of ``predictions``) are judged, so a churner is never
    "missed" for lack of scores.

    Parameters
    ----------
    predictions
        ``account_id, as_of_date, probability`` at every as-of date.
    churns
        One row per churn: ``account_id, churn_date`` and optionally ``cancelled_at``
        (e.g. :func:`tenure.models.churn_events` of a training set).
    threshold
        Score at which an account is flagged (:func:`alert_threshold`).
    run_up_days
        How far before the request an alert still belongs to this churn (default 90 days).

    Returns
    -------
    pandas.DataFrame
        One row per judged churner: ``account_id, churn_date, cancelled_at, request_date,
        scored_dates, first_flagged`` (``NaT`` when never flagged) and ``lead_days`` (NaN then).
    """
    scores = _scores(predictions)
    missing = {"account_id", "churn_date"} - set(churns.columns)
    if missing:
        raise InputError(f"the churns lack column(s) {', '.join(sorted(missing))}; pass one "
                         "row per churn with account_id, churn_date (and cancelled_at).")
    events = churns[["account_id", "churn_date"]].copy()
    events["churn_date"] = pd.to_datetime(events["churn_date"])
    events["cancelled_at"] = (pd.to_datetime(churns["cancelled_at"])
                              if "cancelled_at" in churns.columns else pd.NaT)
    events = events.dropna(subset=["churn_date"]).drop_duplicates(["account_id", "churn_date"])
    events["request_date"] = events["cancelled_at"].fillna(events["churn_date"])
    run_up = pd.Timedelta(days=run_up_days)
    first, last = scores["as_of_date"].min(), scores["as_of_date"].max()
    judged = events[(events["request_date"] - run_up >= first)
                    & (events["request_date"] <= last)].reset_index(drop=True)
    judged["event"] = np.arange(len(judged))
    joined = judged.merge(scores, on="account_id")
    joined = joined[(joined["as_of_date"] >= joined["request_date"] - run_up)
                    & (joined["as_of_date"] <= joined["request_date"])]
    scored = joined.groupby("event").size()
    flagged = joined[joined["probability"] >= threshold].groupby("event")["as_of_date"].min()
    judged["scored_dates"] = scored.reindex(judged["event"], fill_value=0).to_numpy()
    judged["first_flagged"] = flagged.reindex(judged["event"]).to_numpy()
    judged["first_flagged"] = pd.to_datetime(judged["first_flagged"])
    judged["lead_days"] = (judged["request_date"] - judged["first_flagged"]).dt.days
    judged = judged[judged["scored_dates"] > 0]
    return judged[["account_id", "churn_date", "cancelled_at", "request_date", "scored_dates",
                   "first_flagged", "lead_days"]].reset_index(drop=True)


def alert_summary(
    predictions: pd.DataFrame, churns: pd.DataFrame, *, max_flagged_share: float = 0.20,
    min_lead_days: int = 30, run_up_days: int = 90,
) -> dict[str, float | int | None]:
    """How a churn alert at :func:`alert_threshold` would have done over the scored period.

    Returns
    -------
    dict
        ``threshold``; ``flagged_share`` (average share of accounts flagged per as-of date);
        ``churners`` (judged by :func:`lead_times`); ``recall`` (share of them flagged in their
        run-up); ``flagged_{min_lead_days}d_share`` (``flagged_30d_share`` by default: share
        flagged at least ``min_lead_days`` before their request); ``median_lead_days`` (over
        the flagged; ``None`` when none was); ``min_lead_days``, ``run_up_days`` and
        ``max_flagged_share`` as given.
    """
    threshold = alert_threshold(predictions, max_flagged_share)
    scores = _scores(predictions)
    flagged_share = float((scores["probability"] >= threshold)
                          .groupby(scores["as_of_date"]).mean().mean())
    leads = lead_times(predictions, churns, threshold, run_up_days=run_up_days)
    n = len(leads)
    caught = leads["lead_days"].notna()
    return {
        "threshold": threshold,
        "max_flagged_share": max_flagged_share,
        "flagged_share": flagged_share,
        "churners": n,
        "recall": float(caught.mean()) if n else None,
        f"flagged_{min_lead_days}d_share": float((leads["lead_days"] >= min_lead_days).mean())
        if n else None,
        "median_lead_days": float(leads.loc[caught, "lead_days"].median()) if caught.any()
        else None,
        "min_lead_days": min_lead_days,
        "run_up_days": run_up_days,
    }
