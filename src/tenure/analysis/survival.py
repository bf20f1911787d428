"""Survival analysis of customer lifetimes: retention curves, hazards, remaining lifetime.

Built on lifelines (Davidson-Pilon, "lifelines: survival analysis in Python", JOSS 2019); the
input is a lifetimes table (see :func:`tenure.analysis.lifetimes.customer_lifetimes`): one row
per customer with a duration and a ``churned`` event flag, ``False`` meaning still a customer
(right-censored).

* :func:`kaplan_meier`: the share of customers still paying after each tenure, per segment or
  signup cohort, with confidence bands, median lifetime and a log-rank test of "the curves are
  the same".
* :func:`cox_hazards`: Cox proportional-hazards model; a hazard ratio of 0.6 for ``plan=pro``
  means a pro customer is, at any tenure, 40% less likely to leave in the next instant than a
  customer of the reference plan.
* :func:`expected_remaining_lifetime`: for each current customer, the expected further months
  of paying, given that it has already stayed its current tenure (restricted to a horizon).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.statistics import multivariate_logrank_test

from tenure.analysis._stats import require_columns
from tenure.errors import InputError

__all__ = [
    "CoxModel",
    "RetentionCurves",
    "cox_design",
    "cox_hazards",
    "expected_remaining_lifetime",
    "kaplan_meier",
]

_ALL = "all customers"


@dataclass(frozen=True)
class RetentionCurves:
    """Kaplan-Meier retention curves of one or several groups.

    Attributes
    ----------
    by
        The column the customers were grouped by, or ``None`` for one curve.
    curves
        Grain: one row per (group, time). ``group``, ``time``, ``survival`` (share still
        customers), ``ci_low``, ``ci_high``, ``at_risk`` (customers still observed just before).
    medians
        One row per group: ``customers``, ``churned``, ``median_lifetime`` (time at which half
        have left; NaN when more than half remain).
    logrank
        ``{"test_statistic", "p_value", "degrees_of_freedom"}`` of the log-rank test that all
        groups share one curve; ``None`` with a single group.
    fitters
        The lifelines ``KaplanMeierFitter`` of each group.
    """

    by: str | None
    curves: pd.DataFrame
    medians: pd.DataFrame
    logrank: dict[str, float] | None
    fitters: dict[str, KaplanMeierFitter]


def _check_lifetimes(lifetimes: pd.DataFrame, duration: str, event: str) -> None:
    require_columns(lifetimes, [duration, event], what="the lifetimes table",
                    fix="build it with tenure.analysis.customer_lifetimes().")
    negative = lifetimes[duration] < 0
    if negative.any():
        row = lifetimes[negative].iloc[0]
        raise InputError(f"the lifetimes table has a negative {duration!r} ({row[duration]}) at "
                         f"row {lifetimes.index[negative][0]}; durations are end minus start.")


def kaplan_meier(
    lifetimes: pd.DataFrame,
    *,
    by: str | None = None,
    duration: str = "duration",
    event: str = "churned",
    confidence: float = 0.95,
    min_customers: int = 1,
) -> RetentionCurves:
    """Kaplan-Meier retention curve for everyone or for each level of ``by``.

    Parameters
    ----------
    lifetimes
        One row per customer: ``duration`` and boolean ``event`` (churned).
    by
        Column to split by (``plan``, ``industry``, ``cohort``...); ``None`` for one curve.
    confidence
        Level of the pointwise bands (lifelines' exponential Greenwood intervals).
    min_customers
        Groups with fewer customers are left out (their curves are noise).

    Examples
    --------
    >>> life = pd.DataFrame({"duration": [1, 2, 2, 3, 4], "churned": [1, 1, 0, 1, 0]})
    >>> kaplan_meier(life).curves["survival"].round(3).tolist()
    [1.0, 0.8, 0.6, 0.3, 0.3]
    """
    _check_lifetimes(lifetimes, duration, event)
    keys = (lifetimes[by].astype("string").fillna("(missing)") if by
            else pd.Series(_ALL, index=lifetimes.index))
    fitters: dict[str, KaplanMeierFitter] = {}
    curves, medians = [], []
    for group in sorted(keys.unique()):
        part = lifetimes[keys == group]
        if len(part) < min_customers:
            continue
        kmf = KaplanMeierFitter(alpha=1 - confidence).fit(
            part[duration].astype(float), part[event].astype(bool), label=str(group)
        )
        fitters[str(group)] = kmf
        sf = kmf.survival_function_.iloc[:, 0]
        ci = kmf.confidence_interval_survival_function_
        curves.append(pd.DataFrame({
            "group": str(group),
            "time": sf.index.to_numpy(dtype=float),
            "survival": sf.to_numpy(dtype=float),
            "ci_low": ci.iloc[:, 0].to_numpy(dtype=float),
            "ci_high": ci.iloc[:, 1].to_numpy(dtype=float),
            "at_risk": kmf.event_table["at_risk"].reindex(sf.index).to_numpy(dtype=int),
        }))
        median = float(kmf.median_survival_time_)
        medians.append({
            "group": str(group),
            "customers": len(part),
            "churned": int(part[event].astype(bool).sum()),
            "median_lifetime": median if np.isfinite(median) else float("nan"),
        })
    if not fitters:
        raise InputError(f"no group of the lifetimes table has at least {min_customers} "
                         "customers; lower min_customers or widen the data.")
    logrank = None
    if by and len(fitters) > 1:
        kept = keys.isin(list(fitters))
        result = multivariate_logrank_test(
            lifetimes.loc[kept, duration].astype(float), keys[kept],
            lifetimes.loc[kept, event].astype(bool),
        )
        logrank = {"test_statistic": float(result.test_statistic),
                   "p_value": float(result.p_value),
                   "degrees_of_freedom": float(result.degrees_of_freedom)}
    return RetentionCurves(
        by=by,
        curves=pd.concat(curves, ignore_index=True),
        medians=pd.DataFrame(medians),
        logrank=logrank,
        fitters=fitters,
    )


def cox_design(lifetimes: pd.DataFrame, covariates: Sequence[str]) -> pd.DataFrame:
    """The design matrix of :func:`cox_hazards`: numeric covariates as they are, and one 0/1
    column ``name=level`` per level of each text covariate except its most common level (the
    reference; ties broken alphabetically).
    """
    require_columns(lifetimes, list(covariates), what="the lifetimes table",
                    fix="name covariate columns it has.")
    columns = {}
    for c in covariates:
        values = lifetimes[c]
        if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
            if values.isna().any():
                raise InputError(f"covariate {c!r} has {int(values.isna().sum())} missing "
                                 "value(s); fill or drop them before fitting a Cox model.")
            columns[c] = values.astype(float).to_numpy()
            continue
        text = values.astype("string").fillna("(missing)")
        counts = text.value_counts()
        reference = sorted(counts.index[counts == counts.max()])[0]
        for level in sorted(counts.index):
            if level != reference:
                columns[f"{c}={level}"] = (text == level).astype(float).to_numpy()
    return pd.DataFrame(columns, index=lifetimes.index)


@dataclass(frozen=True)
class CoxModel:
    """A fitted Cox proportional-hazards model.

    Attributes
    ----------
    hazard_ratios
        One row per design column: ``covariate``, ``hazard_ratio``, ``ci_low``, ``ci_high``,
        ``p_value``; strongest effect (furthest from 1 on a log scale) first.
    concordance
        Harrell's C on the fitted data (0.5 = no better than chance).
    fitter
        The lifelines ``CoxPHFitter``.
    covariates
        The covariates given (before one-hot encoding).
    """

    hazard_ratios: pd.DataFrame
    concordance: float
    fitter: CoxPHFitter
    covariates: tuple[str, ...]


def cox_hazards(
    lifetimes: pd.DataFrame,
    *,
    covariates: Sequence[str],
    duration: str = "duration",
    event: str = "churned",
    penalizer: float = 0.0,
    confidence: float = 0.95,
) -> CoxModel:
    """Fit a Cox proportional-hazards model of churn on ``covariates``.

    Text covariates are one-hot encoded against their most common level (see
    :func:`cox_design`). ``penalizer`` is lifelines' L2 penalty (0 = the classic partial
    likelihood; a small value such as 0.01 helps when a level has no churn at all).
    """
    _check_lifetimes(lifetimes, duration, event)
    design = cox_design(lifetimes, covariates)
    constant = [c for c in design.columns if design[c].nunique() < 2]
    design = design.drop(columns=constant)
    if design.empty:
        raise InputError(f"none of the covariates {list(covariates)} varies; nothing to fit.")
    data = design.assign(
        __duration=lifetimes[duration].astype(float).to_numpy(),
        __event=lifetimes[event].astype(bool).to_numpy(),
    )
    cph = CoxPHFitter(penalizer=penalizer, alpha=1 - confidence)
    cph.fit(data, duration_col="__duration", event_col="__event")
    summary = cph.summary
    out = pd.DataFrame({
        "covariate": summary.index.astype(str),
        "hazard_ratio": summary["exp(coef)"].to_numpy(dtype=float),
        "ci_low": np.exp(cph.confidence_intervals_.iloc[:, 0].to_numpy(dtype=float)),
        "ci_high": np.exp(cph.confidence_intervals_.iloc[:, 1].to_numpy(dtype=float)),
        "p_value": summary["p"].to_numpy(dtype=float),
    })
    order = np.argsort(-np.abs(np.log(out["hazard_ratio"].to_numpy())), kind="stable")
    return CoxModel(
        hazard_ratios=out.iloc[order].reset_index(drop=True),
        concordance=float(cph.concordance_index_),
        fitter=cph,
        covariates=tuple(covariates),
    )


def _area_under_step(times: np.ndarray, surv: np.ndarray, lo: float, hi: float) -> float:
    """Integral over [lo, hi] of a right-continuous step function equal to 1 before times[0]."""
    if hi <= lo:
        return 0.0
    knots = np.concatenate([[-np.inf], times])
    values = np.concatenate([[1.0], surv])
    edges = np.clip(np.concatenate([knots, [np.inf]]), lo, hi)
    return float(np.sum(values * np.diff(edges)))


def _step_value(times: np.ndarray, surv: np.ndarray, t: float) -> float:
    k = np.searchsorted(times, t, side="right") - 1
    return 1.0 if k < 0 else float(surv[k])


def _km_curves(lifetimes: pd.DataFrame, current: pd.DataFrame, *, by: str | None,
               duration: str, event: str) -> Callable[[Any], tuple[np.ndarray, np.ndarray]]:
    """Each current customer's Kaplan-Meier curve (that of its group) as (times, survival)."""
    curves = kaplan_meier(lifetimes, by=by, duration=duration, event=event)
    keys = (current[by].astype("string").fillna("(missing)") if by
            else pd.Series(_ALL, index=current.index))
    steps = {}
    for group, kmf in curves.fitters.items():
        sf = kmf.survival_function_.iloc[:, 0]
        steps[group] = (sf.index.to_numpy(dtype=float), sf.to_numpy(dtype=float))
    return lambda idx: steps[str(keys[idx])]


def _cox_curves(model: CoxModel, lifetimes: pd.DataFrame,
                current: pd.DataFrame) -> Callable[[Any], tuple[np.ndarray, np.ndarray]]:
    """Each current customer's Cox survival curve as (times, survival)."""
    columns = list(model.fitter.params_.index)
    design = cox_design(lifetimes, model.covariates).reindex(columns=columns, fill_value=0.0)
    curves = model.fitter.predict_survival_function(design.loc[current.index])
    times = curves.index.to_numpy(dtype=float)
    return lambda idx: (times, curves[idx].to_numpy(dtype=float))


def expected_remaining_lifetime(
    lifetimes: pd.DataFrame,
    *,
    by: str | None = None,
    horizon: float | None = None,
    duration: str = "duration",
    event: str = "churned",
    id_column: str = "account_id",
    model: CoxModel | None = None,
) -> pd.DataFrame:
    """Expected further lifetime of each current customer, given its tenure so far.

    For a customer still paying after tenure ``t``, ``E[min(T, h) - t | T > t] =
    integral from t to h of S(u) / S(t) du``, with ``S`` the Kaplan-Meier curve of the
    customer's group (``by``) and ``h`` the horizon (default the longest observed duration:
    beyond it the curve is unknown, so the mean is *restricted*; Klein & Moeschberger 2003,
    section 4.5). Customers already at or past the horizon get 0.

    With a fitted Cox ``model`` (from :func:`cox_hazards` on the same lifetimes), ``S`` is
    each customer's own curve, the baseline survival raised to its relative hazard, so two
    customers of the same tenure differ by their covariates; ``by`` is then ignored.

    Returns
    -------
    pandas.DataFrame
        One row per censored (current) customer: ``id_column``, ``tenure``,
        ``survival_to_date`` (S(t)), ``expected_remaining`` (same unit as ``duration``),
        ``horizon``.

    Examples
    --------
    >>> life = pd.DataFrame({"account_id": list("abcd"), "duration": [1.0, 2.0, 3.0, 1.5],
    ...                      "churned": [True, True, True, False]})
    >>> expected_remaining_lifetime(life)["expected_remaining"].round(3).tolist()
    [1.0]
    """
    _check_lifetimes(lifetimes, duration, event)
    require_columns(lifetimes, [id_column], what="the lifetimes table",
                    fix=f"include the customer identifier {id_column!r}.")
    h = float(horizon if horizon is not None else lifetimes[duration].max())
    current = lifetimes[~lifetimes[event].astype(bool)]
    curve_of = (_cox_curves(model, lifetimes, current) if model is not None
                else _km_curves(lifetimes, current, by=by, duration=duration, event=event))
    rows = []
    for idx, row in current.iterrows():
        times, surv = curve_of(idx)
        t = float(row[duration])
        s_t = _step_value(times, surv, t)
        remaining = _area_under_step(times, surv, t, h) / s_t if s_t > 0 else 0.0
        rows.append({id_column: row[id_column], "tenure": t, "survival_to_date": s_t,
                     "expected_remaining": remaining, "horizon": h})
    return pd.DataFrame(rows, columns=[id_column, "tenure", "survival_to_date",
                                       "expected_remaining", "horizon"])
