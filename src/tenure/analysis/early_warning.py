"""Early warning: how long before cancelling do churners start to look different?

A measure is useful for saving customers only if it moves *before* the decision. For each lag
``d`` (0, 7, 14 ... 180 days before churn), the snapshots of churners taken ``d`` to ``d + step``
days before their churn date are compared with snapshots of *comparable retained accounts*:
accounts that did not churn within the window after that snapshot, drawn from the same
stratum (tenure band, plan, and as-of quarter by default) in proportion to the churners, so a
difference is not merely new customers against old ones. The comparison is a Mann-Whitney U
test with the rank-biserial effect size. The *lead time* of a measure is the largest lag at
which the difference is significant (``p < alpha``) and large enough
(``|effect| >= min_effect``). A long lead time marks a leading signal (usage fading months
ahead); a short one a lagging signal (an angry ticket the week the customer leaves).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd

from tenure.analysis._stats import rank_biserial, require_columns
from tenure.analysis.cohorts import measure_columns

__all__ = [
    "TENURE_BANDS",
    "EarlyWarning",
    "Signal",
    "churn_dates",
    "early_warning",
    "tenure_band",
]


class Signal(StrEnum):
    """What kind of warning a measure gives (see docs/analysis.md, "Early warning")."""

    #: Significant at least ``leading_days`` before churn: time to act.
    LEADING = "leading"
    #: Significant only in the last days before churn: too late to act.
    LAGGING = "lagging"
    #: Never significant.
    NONE = "none"

#: Tenure bands (months, half-open) used to match churners with comparable retained accounts.
TENURE_BANDS: tuple[tuple[float, float, str], ...] = (
    (0, 3, "0-3"), (3, 6, "3-6"), (6, 12, "6-12"), (12, 24, "12-24"), (24, np.inf, "24+"),
)


def tenure_band(months: pd.Series) -> pd.Series:
    """Label each tenure (in months) with its band of :data:`TENURE_BANDS`."""
    edges = [b[0] for b in TENURE_BANDS] + [np.inf]
    labels = [b[2] for b in TENURE_BANDS]
    return pd.cut(months.astype(float), edges, right=False, labels=labels).astype("string")


def churn_dates(lifetimes: pd.DataFrame, cancellations: pd.DataFrame | None = None) -> pd.DataFrame:
    """The churn date of each churned customer: its latest cancellation request on or before
    its service end when the ``cancellations`` table has one, else the service end.

    Returns ``account_id``, ``churned_at`` (Timestamp).
    """
    churned = lifetimes[lifetimes["churned"].astype(bool)][["account_id", "end_date"]].copy()
    churned["churned_at"] = pd.to_datetime(churned["end_date"])
    if cancellations is not None and not cancellations.empty:
        c = cancellations[["account_id", "cancelled_at"]].copy()
        c["cancelled_at"] = pd.to_datetime(c["cancelled_at"])
        j = churned.merge(c, on="account_id", how="inner")
        j = j[j["cancelled_at"] <= j["churned_at"]].groupby("account_id")["cancelled_at"].max()
        churned["churned_at"] = churned["account_id"].map(j).fillna(churned["churned_at"])
    return churned[["account_id", "churned_at"]].reset_index(drop=True)


@dataclass(frozen=True)
class EarlyWarning:
    """Result of :func:`early_warning`.

    Attributes
    ----------
    by_lag
        One row per (measure, lag_days): ``churners``, ``retained`` (matched comparison rows),
        ``churner_median``, ``retained_median``, ``effect`` (rank-biserial: positive when churners
        are higher), ``p_value``, ``significant``.
    lead_times
        One row per measure: ``lead_time_days`` (NaN when never significant), ``direction``
        (``lower`` or ``higher`` among churners, at the lag of largest effect), ``peak_effect``,
        ``signal`` (``leading``, ``lagging`` or ``none``); longest lead first.
    """

    by_lag: pd.DataFrame
    lead_times: pd.DataFrame


def _matched_controls(cases: pd.DataFrame, controls: pd.DataFrame, strata: list[str],
                      per_case: int, rng: np.random.Generator) -> pd.DataFrame:
    """Draw ``per_case`` control rows per case row from the same stratum (with replacement)."""
    picked = []
    pool = controls.groupby(strata, dropna=False, observed=True).indices
    for key, n_cases in cases.groupby(strata, dropna=False, observed=True).size().items():
        rows = pool.get(key)
        if rows is None or len(rows) == 0:
            continue
        picked.append(rng.choice(rows, size=n_cases * per_case, replace=True))
    if not picked:
        return controls.iloc[0:0]
    return controls.iloc[np.concatenate(picked)]


def early_warning(
    frame: pd.DataFrame,
    churn_dates: pd.DataFrame,
    *,
    measures: Sequence[str] | None = None,
    lags: Sequence[int] = tuple(range(0, 181, 7)),
    match_on: Sequence[str] = ("tenure_band", "plan"),
    controls_per_churner: int = 3,
    alpha: float = 0.01,
    min_effect: float = 0.2,
    min_churners: int = 20,
    leading_days: int = 30,
    random_state: int = 0,
) -> EarlyWarning:
    """Lead time of each measure: how many days before churn churners separate from the rest.

    Parameters
    ----------
    frame
        A training set: one row per (account_id, as_of_date) with measure columns.
    churn_dates
        ``account_id``, ``churned_at`` of every churned account (see :func:`churn_dates`).
    lags
        Lags in days before churn, ascending; lag ``lags[i]`` collects snapshots taken
        ``lags[i]`` to ``lags[i + 1] - 1`` days before churn.
    match_on
        Strata the comparison rows are matched on; ``tenure_band`` is derived from
        ``tenure_months`` when absent. Columns that the frame lacks are ignored. The as-of
        quarter is always added, so churners are compared with accounts at the same time.
    controls_per_churner
        Comparison rows drawn per churner row from its stratum.
    alpha, min_effect
        A lag is significant when the Mann-Whitney p-value is below ``alpha`` and the absolute
        rank-biserial effect at least ``min_effect``.
    min_churners
        Lags with fewer churner snapshots are not tested.
    leading_days
        A measure whose lead time is at least this is ``leading``; a shorter one ``lagging``.
    """
    require_columns(frame, ["account_id", "as_of_date"], what="the training set",
                    fix="build it with tenure.models.training_set.training_set().")
    require_columns(churn_dates, ["account_id", "churned_at"], what="the churn dates",
                    fix="build them with tenure.analysis.early_warning.churn_dates().")
    measures = list(measures) if measures is not None else measure_columns(frame)
    require_columns(frame, measures, what="the training set", fix="name existing measures.")
    lags = sorted(int(d) for d in lags)
    step = lags[1] - lags[0] if len(lags) > 1 else 7
    window_end = lags[-1] + step
    data = frame.copy()
    data["as_of_date"] = pd.to_datetime(data["as_of_date"])
    if "tenure_band" not in data.columns and "tenure_months" in data.columns:
        data["tenure_band"] = tenure_band(data["tenure_months"])
    data["as_of_quarter"] = data["as_of_date"].dt.to_period("Q").astype(str)
    strata = [c for c in match_on if c in data.columns] + ["as_of_quarter"]
    for c in strata:
        data[c] = data[c].astype("string").fillna("(missing)")
    dates = churn_dates.assign(churned_at=pd.to_datetime(churn_dates["churned_at"]))
    data = data.merge(dates.drop_duplicates("account_id"), on="account_id", how="left")
    days_before = (data["churned_at"] - data["as_of_date"]).dt.days
    # Step 1: churner snapshots inside the window, labelled with their lag bucket.
    is_case = days_before.between(0, window_end - 1)
    bucket = pd.cut(days_before, [*lags, window_end], right=False, labels=lags)
    # Step 2: comparison snapshots: no churn within the window after the as-of date.
    is_control = data["churned_at"].isna() | (days_before >= window_end)
    controls = data[is_control].reset_index(drop=True)
    rng = np.random.default_rng(random_state)
    rows = []
    for lag in lags:
        cases = data[is_case & (bucket == lag)]
        matched = (_matched_controls(cases, controls, strata, controls_per_churner, rng)
                   if len(cases) >= min_churners else controls.iloc[0:0])
        for m in measures:
            x = cases[m].astype(float).to_numpy()
            y = matched[m].astype(float).to_numpy()
            if len(cases) >= min_churners and len(matched):
                effect, p = rank_biserial(x, y)
            else:
                effect, p = float("nan"), float("nan")
            rows.append({
                "measure": m, "lag_days": lag, "churners": len(cases), "retained": len(matched),
                "churner_median": float(np.nanmedian(x)) if np.isfinite(x).any() else np.nan,
                "retained_median": float(np.nanmedian(y)) if np.isfinite(y).any() else np.nan,
                "effect": effect, "p_value": p,
                "significant": bool(p < alpha and abs(effect) >= min_effect),
            })
    by_lag = pd.DataFrame(rows, columns=["measure", "lag_days", "churners", "retained",
                                         "churner_median", "retained_median", "effect",
                                         "p_value", "significant"])
    return EarlyWarning(by_lag=by_lag, lead_times=_lead_times(by_lag, leading_days))


def _lead_times(by_lag: pd.DataFrame, leading_days: int) -> pd.DataFrame:
    rows = []
    for m, g in by_lag.groupby("measure", sort=False):
        sig = g[g["significant"]]
        lead = float(sig["lag_days"].max()) if len(sig) else float("nan")
        tested = g.dropna(subset=["effect"])
        peak = tested.loc[tested["effect"].abs().idxmax()] if len(tested) else None
        peak_effect = float(peak["effect"]) if peak is not None else float("nan")
        if np.isnan(lead):
            signal = Signal.NONE
        elif lead >= leading_days:
            signal = Signal.LEADING
        else:
            signal = Signal.LAGGING
        rows.append({
            "measure": m, "lead_time_days": lead,
            "direction": "higher" if peak_effect > 0 else "lower",
            "peak_effect": peak_effect, "signal": signal,
        })
    out = pd.DataFrame(rows, columns=["measure", "lead_time_days", "direction", "peak_effect",
                                      "signal"])
    return out.sort_values("lead_time_days", ascending=False, na_position="last",
                           kind="stable").reset_index(drop=True)
