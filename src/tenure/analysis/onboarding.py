"""Onboarding: how fast new customers reach value, where they get stuck, and when they stick.

* :func:`milestone_times`: days from sign-up to the first occurrence of each onboarding milestone
  (configurable event names; the default follows the simulator's milestones: connect an
  integration, invite a colleague, create a first report) and to *first value*.
* :func:`onboarding_funnel`: of all new accounts, how many reach each milestone within N days,
  in order, and how many stall at each step.
* :func:`milestone_retention`: retention of paying customers who reached a milestone within
  N days against those who did not (Kaplan-Meier and log-rank). To avoid crediting a milestone
  with the survival needed to reach it, only customers still paying N days after sign-up are
  compared (a *landmark* analysis; Anderson, Cain & Gelber 1983).
* :func:`stick_point`: the tenure after which a customer's monthly churn hazard settles to the
  long-run level: the first month from which the smoothed hazard stays within a tolerance
  (20%) of the pooled hazard over all later months.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from lifelines.statistics import logrank_test

from tenure.analysis._stats import require_columns
from tenure.analysis.lifetimes import DAYS_PER_MONTH
from tenure.analysis.survival import kaplan_meier
from tenure.errors import InputError

__all__ = [
    "DEFAULT_MILESTONES",
    "FIRST_VALUE_EVENT",
    "OnboardingAnalysis",
    "StickPoint",
    "analyze_onboarding",
    "milestone_retention",
    "milestone_times",
    "monthly_hazards",
    "onboarding_funnel",
    "stick_point",
]

#: The simulator's onboarding milestones, in the order a healthy account reaches them.
DEFAULT_MILESTONES: tuple[str, ...] = ("integration_setup", "invite_user", "create_report")
#: The event that marks "first value": the first report, the product's core output.
FIRST_VALUE_EVENT = "create_report"


def milestone_times(
    events: pd.DataFrame,
    accounts: pd.DataFrame,
    *,
    milestones: Sequence[str] = DEFAULT_MILESTONES,
    first_value: str = FIRST_VALUE_EVENT,
) -> pd.DataFrame:
    """Days from sign-up to each milestone and to first value, per account.

    Parameters
    ----------
    events
        ``account_id``, ``event_name``, ``occurred_at``: the canonical events table, or only its
        first occurrence of each milestone per account (enough, and much smaller).
    accounts
        ``account_id``, ``created_at`` (sign-up).
    milestones
        Event names of the milestones, in funnel order.
    first_value
        Event name that marks first value.

    Returns
    -------
    pandas.DataFrame
        Grain: one row per account. ``account_id``, ``created_at``, one ``days_to_<milestone>``
        column per milestone and ``days_to_first_value`` (fractional days; NaN if never reached;
        an event stamped before sign-up counts as day 0).

    Examples
    --------
    >>> accounts = pd.DataFrame({"account_id": ["a", "b"],
    ...                          "created_at": pd.to_datetime(["2024-01-01", "2024-01-01"])})
    >>> events = pd.DataFrame({"account_id": ["a", "a"], "event_name": ["invite_user"] * 2,
    ...                        "occurred_at": pd.to_datetime(["2024-01-04", "2024-01-02"])})
    >>> times = milestone_times(events, accounts, milestones=["invite_user"])
    >>> times["days_to_invite_user"].tolist()
    [1.0, nan]
    """
    require_columns(events, ["account_id", "event_name", "occurred_at"], what="the events table",
                    fix="load the canonical events table (account_id, event_name, occurred_at).")
    require_columns(accounts, ["account_id", "created_at"], what="the accounts table",
                    fix="pass the canonical accounts table.")
    names = list(dict.fromkeys([*milestones, first_value]))
    out = accounts[["account_id", "created_at"]].drop_duplicates("account_id").copy()
    out["created_at"] = pd.to_datetime(out["created_at"])
    first = (
        events[events["event_name"].isin(names)]
        .assign(occurred_at=lambda e: pd.to_datetime(e["occurred_at"]))
        .groupby(["account_id", "event_name"])["occurred_at"].min()
        .unstack("event_name")
    )
    for name, column in [*((m, f"days_to_{m}") for m in milestones),
                         (first_value, "days_to_first_value")]:
        when = out["account_id"].map(first[name]) if name in first.columns else pd.NaT
        delta = (pd.to_datetime(when) - out["created_at"]).dt.total_seconds() / 86400
        out[column] = delta.clip(lower=0.0)
    return out.sort_values("account_id").reset_index(drop=True)


def onboarding_funnel(
    times: pd.DataFrame, *, milestones: Sequence[str] = DEFAULT_MILESTONES,
    within_days: float = 30,
) -> pd.DataFrame:
    """Sequential funnel: accounts that reached each milestone, and every earlier one, in time.

    Returns one row per step: ``step`` (1-based), ``milestone``, ``reached`` (accounts that
    reached it within ``within_days`` of sign-up, whatever the order), ``share_of_accounts``,
    ``reached_all_so_far`` (reached it and every earlier milestone in time), ``conversion``
    (``reached_all_so_far`` over the previous step's), ``stuck`` (reached every earlier step but
    not this one), ``median_days`` (among those who reached it).

    Examples
    --------
    >>> times = pd.DataFrame({"days_to_a": [1.0, 2.0, None, 40.0], "days_to_b": [3.0, None, 1.0,
    ...                       None]})
    >>> onboarding_funnel(times, milestones=["a", "b"])[["reached", "stuck"]].values.tolist()
    [[2, 2], [2, 1]]
    """
    total = len(times)
    rows, all_so_far = [], pd.Series(True, index=times.index)
    previous = total
    for step, m in enumerate(milestones, start=1):
        col = f"days_to_{m}"
        require_columns(times, [col], what="the milestone times",
                        fix="build them with milestone_times() for the same milestones.")
        reached = times[col] <= within_days
        before = all_so_far
        all_so_far = all_so_far & reached
        rows.append({
            "step": step, "milestone": m, "reached": int(reached.sum()),
            "share_of_accounts": float(reached.mean()) if total else float("nan"),
            "reached_all_so_far": int(all_so_far.sum()),
            "conversion": float(all_so_far.sum() / previous) if previous else float("nan"),
            "stuck": int((before & ~reached).sum()),
            "median_days": float(times.loc[reached, col].median()) if reached.any() else np.nan,
        })
        previous = int(all_so_far.sum())
    return pd.DataFrame(rows)


def milestone_retention(
    times: pd.DataFrame,
    lifetimes: pd.DataFrame,
    *,
    milestones: Sequence[str] = DEFAULT_MILESTONES,
    within_days: float = 14,
    horizon_months: float = 6,
) -> pd.DataFrame:
    """Retention of paying customers who reached each milestone within N days vs the others.

    Parameters
    ----------
    times
        Output of :func:`milestone_times`.
    lifetimes
        Output of :func:`customer_lifetimes` (``duration`` in months).
    within_days
        The milestone counts only when reached within this many days of sign-up; customers
        whose paid lifetime is shorter than this are left out (landmark analysis).
    horizon_months
        Tenure at which retention is read from each group's Kaplan-Meier curve.

    Returns
    -------
    pandas.DataFrame
        One row per (milestone, reached): ``customers``, ``churned``, ``retention`` (at the
        horizon), ``median_lifetime``; plus the log-rank ``p_value`` of the milestone.
    """
    require_columns(lifetimes, ["account_id", "duration", "churned"], what="the lifetimes table",
                    fix="build it with tenure.analysis.customer_lifetimes().")
    data = lifetimes.merge(times, on="account_id", how="inner")
    data = data[data["duration"] * DAYS_PER_MONTH >= within_days]
    rows = []
    for m in milestones:
        col = f"days_to_{m}"
        require_columns(data, [col], what="the milestone times",
                        fix="build them with milestone_times() for the same milestones.")
        reached = data[col] <= within_days
        groups = data.assign(reached=np.where(reached, "reached", "not reached"))
        if groups["reached"].nunique() < 2:
            p = float("nan")
        else:
            p = float(logrank_test(
                data.loc[reached, "duration"], data.loc[~reached, "duration"],
                data.loc[reached, "churned"].astype(bool),
                data.loc[~reached, "churned"].astype(bool),
            ).p_value)
        if groups.empty:
            continue
        curves = kaplan_meier(groups, by="reached")
        for label, kmf in curves.fitters.items():
            median = curves.medians.set_index("group").loc[label]
            rows.append({
                "milestone": m, "reached": label == "reached",
                "customers": int(median["customers"]), "churned": int(median["churned"]),
                "retention": float(kmf.predict(horizon_months)),
                "median_lifetime": float(median["median_lifetime"]), "p_value": p,
            })
    return pd.DataFrame(rows, columns=["milestone", "reached", "customers", "churned",
                                       "retention", "median_lifetime", "p_value"])


@dataclass(frozen=True)
class StickPoint:
    """Result of :func:`stick_point`.

    Attributes
    ----------
    month
        The stick point (0-based tenure month), or ``None`` when the hazard never settles.
    long_run_hazard
        Pooled monthly hazard over the months from the stick point on.
    hazards
        Life table: one row per tenure month: ``month``, ``at_risk``, ``churned``, ``censored``,
        ``hazard`` (churned over customers at risk, half the censored counted), ``smoothed``
        (pooled over ``window`` months starting there), ``smoothed_noise`` (1.96 Poisson
        standard errors of ``smoothed``), ``later_hazard`` (pooled over it and every later
        month).
    """

    month: int | None
    long_run_hazard: float
    hazards: pd.DataFrame


def monthly_hazards(lifetimes: pd.DataFrame, *, window: int = 3,
                    min_at_risk: int = 100) -> pd.DataFrame:
    """The actuarial life table of :class:`StickPoint` (months with ``min_at_risk`` customers)."""
    require_columns(lifetimes, ["duration", "churned"], what="the lifetimes table",
                    fix="build it with tenure.analysis.customer_lifetimes().")
    month = np.floor(lifetimes["duration"].astype(float)).astype(int)
    churned = lifetimes["churned"].astype(bool)
    last = int(month.max()) if len(month) else -1
    table = pd.DataFrame({"month": np.arange(last + 1)})
    table["at_risk"] = [int((month >= m).sum()) for m in table["month"]]
    table["churned"] = np.bincount(month[churned], minlength=last + 1)[: last + 1]
    table["censored"] = np.bincount(month[~churned], minlength=last + 1)[: last + 1]
    table = table[table["at_risk"] >= min_at_risk].reset_index(drop=True)
    exposure = table["at_risk"] - table["censored"] / 2
    table["hazard"] = table["churned"] / exposure
    churn_w = table["churned"][::-1].rolling(window, min_periods=1).sum()[::-1]
    expo_w = exposure[::-1].rolling(window, min_periods=1).sum()[::-1]
    table["smoothed"] = churn_w / expo_w
    # Poisson noise of the pooled window (95%): small late cohorts swing by chance.
    table["smoothed_noise"] = 1.96 * np.sqrt(churn_w.clip(lower=1)) / expo_w
    table["later_hazard"] = table["churned"][::-1].cumsum()[::-1] / exposure[::-1].cumsum()[::-1]
    return table


def stick_point(
    lifetimes: pd.DataFrame, *, tolerance: float = 0.2, window: int = 3, min_at_risk: int = 100,
) -> StickPoint:
    """The tenure month after which the monthly churn hazard stays at its long-run level.

    The stick point is the first month ``m`` such that for every month ``k >= m`` whose window
    of ``window`` months lies inside the table, the hazard pooled over ``[k, k + window)`` is
    within ``tolerance`` (relative) of the hazard pooled over every month from ``m`` on, or
    within its own 95% Poisson noise of it (late months have few customers, and a chance swing
    there must not hide a settled hazard). Months with fewer than ``min_at_risk`` customers at
    risk are left out.
    """
    if not 0 < tolerance < 1:
        raise InputError(f"tolerance must be between 0 and 1; found {tolerance}.")
    table = monthly_hazards(lifetimes, window=window, min_at_risk=min_at_risk)
    full = table.iloc[: max(len(table) - window + 1, 0)]
    for i, row in full.iterrows():
        level = float(row["later_hazard"])
        later = full.loc[i:]
        gap = (later["smoothed"] - level).abs()
        if level > 0 and ((gap <= tolerance * level) | (gap <= later["smoothed_noise"])).all():
            return StickPoint(month=int(row["month"]), long_run_hazard=level, hazards=table)
    return StickPoint(month=None, long_run_hazard=float("nan"), hazards=table)


@dataclass(frozen=True)
class OnboardingAnalysis:
    """Every onboarding analysis, from :func:`analyze_onboarding`.

    Attributes
    ----------
    milestones, within_days
        Milestones in funnel order and the funnel's deadline in days after sign-up.
    times
        :func:`milestone_times` of every account.
    first_value
        ``accounts``, ``reached`` (within ``within_days``), ``share``, ``median_days``,
        ``p75_days`` (among those who reached it) of the first-value event.
    funnel
        :func:`onboarding_funnel`.
    retention
        :func:`milestone_retention` (empty without lifetimes).
    stick
        :func:`stick_point` (``None`` without lifetimes).
    """

    milestones: tuple[str, ...]
    within_days: float
    times: pd.DataFrame
    first_value: dict[str, float]
    funnel: pd.DataFrame
    retention: pd.DataFrame
    stick: StickPoint | None


def analyze_onboarding(
    events: pd.DataFrame,
    accounts: pd.DataFrame,
    lifetimes: pd.DataFrame | None = None,
    *,
    milestones: Sequence[str] = DEFAULT_MILESTONES,
    first_value: str = FIRST_VALUE_EVENT,
    within_days: float = 30,
    retention_within_days: float = 14,
    horizon_months: float = 6,
) -> OnboardingAnalysis:
    """Time to value, funnel, milestone retention and stick point in one call."""
    times = milestone_times(events, accounts, milestones=milestones, first_value=first_value)
    days = times["days_to_first_value"]
    reached = days <= within_days
    summary = {
        "accounts": float(len(times)),
        "reached": float(reached.sum()),
        "share": float(reached.mean()) if len(times) else float("nan"),
        "median_days": float(days[reached].median()) if reached.any() else float("nan"),
        "p75_days": float(days[reached].quantile(0.75)) if reached.any() else float("nan"),
    }
    has_lifetimes = lifetimes is not None and not lifetimes.empty
    return OnboardingAnalysis(
        milestones=tuple(milestones),
        within_days=within_days,
        times=times,
        first_value=summary,
        funnel=onboarding_funnel(times, milestones=milestones, within_days=within_days),
        retention=(milestone_retention(times, lifetimes, milestones=milestones,
                                       within_days=retention_within_days,
                                       horizon_months=horizon_months)
                   if has_lifetimes else pd.DataFrame()),
        stick=stick_point(lifetimes, min_at_risk=min(100, max(len(lifetimes) // 20, 10)))
        if has_lifetimes else None,
    )
