"""Backtest scorecards: how well would their scores have predicted churn and expansion?

A scorecard earns trust when, over the history, low scores came before churn and high scores
before expansion, and when a green account seldom churned without turning red first. AUC and
band rates are computed on the same rows for every card compared (the account and as-of dates
where each card has a score and the outcome is known), so cards are compared like for like; the
colours before churn read every card's paid rows of the same churners.
Formulas are in ``docs/health.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from tenure.analysis._stats import require_columns, wilson_interval
from tenure.errors import InputError
from tenure.health.scorecard import Colour
from tenure.models.evaluation import roc_auc

__all__ = ["Backtest", "auc", "backtest", "departure_days"]

_PREFIX = {"churn": "churned", "expansion": "expanded"}


@dataclass(frozen=True)
class Backtest:
    """Result of :func:`backtest`.

    Attributes
    ----------
    auc
        One row per (scorecard, outcome, horizon_days): ``rows``, ``events``, ``auc``. For churn
        the score is read as "lower is riskier", for expansion as "higher is likelier".
    bands
        One row per (scorecard, outcome, horizon_days, colour): ``rows``, ``events``, ``rate``
        and its 95% Wilson interval ``rate_low``, ``rate_high``.
    before_churn
        One row per (scorecard, days_before): ``churners`` with a health row that many days
        before their churn date, how many were ``green``, ``yellow``, ``red`` then, and
        ``green_share`` with its Wilson interval: the greens that went red only too late.
    red_lead
        One row per scorecard: ``churners`` measured just before churning, ``red_before``
        (red at their last as-of date before churn), ``red_share``, and ``median_lead_days`` /
        ``mean_lead_days``: days from the start of that final red run to the churn date.
    rows
        Number of (account, as-of date) rows every card was compared on.
    """

    auc: pd.DataFrame
    bands: pd.DataFrame
    before_churn: pd.DataFrame
    red_lead: pd.DataFrame
    rows: int


def auc(outcome: np.ndarray | Sequence[bool], score: np.ndarray | Sequence[float]) -> float:
    """Area under the ROC curve: the probability that a random positive scores above a random
    negative, ties counting one half (the Mann-Whitney U statistic over ``n_pos * n_neg``).

    NaN when either class is empty.

    Examples
    --------
    >>> auc([True, False, True, False], [0.9, 0.1, 0.4, 0.4])
    0.875
    """
    # The models' evaluation computes the same statistic; one implementation serves both.
    return roc_auc(outcome, score)


def _grid_step(dates: pd.Series) -> int:
    """Days between consecutive as-of dates (the most common gap; 7 for one date)."""
    unique = np.sort(pd.to_datetime(dates).unique())
    if len(unique) < 2:
        return 7
    gaps = pd.Series(np.diff(unique).astype("timedelta64[D]").astype(int))
    return int(gaps.mode().iloc[0])


def departure_days(outcomes: pd.DataFrame) -> pd.DataFrame:
    """The day each churner was seen to leave, from a churn training set: ``account_id``,
    ``churned_at``. (Not :func:`tenure.models.churn_events`, which keeps both dates per churn.)

    With a ``churn_date`` column (and ``cancelled_at``, when the set has it: the day the customer
    asked to leave comes first), those dates. Without, the last as-of date of each run of rows
    flagged by the shortest ``churned_{h}d`` horizon: the account's last measurement before it
    left, at most one grid step before the true churn day.
    """
    if "churn_date" in outcomes.columns:
        dates = pd.to_datetime(outcomes["churn_date"])
        if "cancelled_at" in outcomes.columns:
            asked = pd.to_datetime(outcomes["cancelled_at"])
            dates = asked.where(asked.notna() & (asked <= dates), dates)
        found = pd.DataFrame({"account_id": outcomes["account_id"], "churned_at": dates})
        return found.dropna().drop_duplicates(ignore_index=True)
    flags = sorted((c for c in outcomes.columns if c.startswith("churned_") and c.endswith("d")),
                   key=lambda c: int(c.removeprefix("churned_").removesuffix("d")))
    if not flags:
        raise InputError("the outcomes have no churned_{h}d column and no churn_date; pass a "
                         "churn training set (tenure.models.training_set(kind='churn')).")
    rows = outcomes[["account_id", "as_of_date", flags[0]]].copy()
    rows["as_of_date"] = pd.to_datetime(rows["as_of_date"])
    rows = rows.sort_values(["account_id", "as_of_date"], ignore_index=True)
    flag = rows[flags[0]].astype(bool)
    following = flag.groupby(rows["account_id"]).shift(-1, fill_value=False).astype(bool)
    last = rows[flag & ~following]
    return pd.DataFrame({"account_id": last["account_id"].to_numpy(),
                         "churned_at": last["as_of_date"].to_numpy()})


def _horizons(outcomes: pd.DataFrame, horizons: Sequence[int] | None) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for outcome, prefix in _PREFIX.items():
        have = sorted(int(c.removeprefix(f"{prefix}_").removesuffix("d"))
                      for c in outcomes.columns
                      if c.startswith(f"{prefix}_") and c.endswith("d")
                      and c.removeprefix(f"{prefix}_").removesuffix("d").isdigit())
        if horizons is not None:
            lacking = [h for h in horizons if h not in have]
            if lacking and have:
                raise InputError(f"the outcomes lack column(s) "
                                 f"{', '.join(f'{prefix}_{h}d' for h in lacking)}; build them "
                                 f"with training_set(horizons=...) or drop those horizons.")
            have = [h for h in have if h in horizons]
        if have:
            found[outcome] = have
    if not found:
        raise InputError("the outcomes have no churned_{h}d or expanded_{h}d column; pass a "
                         "training set (tenure.models.training_set).")
    return found


def _common_rows(health: pd.DataFrame, outcomes: pd.DataFrame) -> pd.DataFrame:
    """One row per (account, as-of date) with every card's score (columns named by card) and the
    outcomes; only rows where every card has a score and the outcomes are known."""
    scores = health.pivot_table(index=["account_id", "as_of_date"], columns="scorecard",
                                values="score", aggfunc="first", dropna=False)
    cards = list(dict.fromkeys(health["scorecard"]))
    scores = scores.reindex(columns=cards).dropna().reset_index()
    scores.columns.name = None
    right = outcomes.copy()
    right["as_of_date"] = pd.to_datetime(right["as_of_date"]).astype("datetime64[ns]")
    return scores.merge(right, on=["account_id", "as_of_date"], how="inner")


def _before_churn(health: pd.DataFrame, churns: pd.DataFrame, card: str,
                  days_before: Sequence[int], step: int) -> list[dict]:
    rows = health.loc[health["scorecard"] == card, ["account_id", "as_of_date", "colour"]]
    rows = rows.dropna(subset=["colour"]).sort_values("as_of_date")
    out = []
    for n in days_before:
        asked = churns.assign(at=churns["churned_at"] - pd.Timedelta(days=n))
        found = pd.merge_asof(asked.sort_values("at"), rows, left_on="at", right_on="as_of_date",
                              by="account_id", direction="backward",
                              tolerance=pd.Timedelta(days=step - 1) if step > 1 else None)
        colours = found["colour"].dropna()
        counts = {str(c): int((colours == c).sum()) for c in Colour}
        total = len(colours)
        low, high = wilson_interval(counts["green"], total)
        out.append({"scorecard": card, "days_before": n, "churners": total, **counts,
                    "green_share": counts["green"] / total if total else float("nan"),
                    "green_share_low": float(low), "green_share_high": float(high)})
    return out


def _red_lead(health: pd.DataFrame, churns: pd.DataFrame, card: str, step: int) -> dict:
    rows = health.loc[health["scorecard"] == card, ["account_id", "as_of_date", "colour"]]
    rows = rows.sort_values(["account_id", "as_of_date"], ignore_index=True)
    # Runs of red: a new run starts at a non-red row, a new account or a gap over one step.
    red = (rows["colour"] == Colour.red).to_numpy()
    gap = rows.groupby("account_id")["as_of_date"].diff() > pd.Timedelta(days=step)
    starts = ~red | np.r_[True, ~(red[:-1])] | gap.to_numpy()
    starts |= (rows["account_id"] != rows["account_id"].shift()).to_numpy()
    run = np.cumsum(starts)
    rows["red"] = red
    rows["red_since"] = rows["as_of_date"].groupby(run).transform("min")
    # Each churner's last row on or before its churn date, if within one grid step of it.
    found = pd.merge_asof(
        churns[["account_id", "churned_at"]].sort_values("churned_at"),
        rows.sort_values("as_of_date"),
        left_on="churned_at", right_on="as_of_date", by="account_id", direction="backward",
        tolerance=pd.Timedelta(days=step),
    ).dropna(subset=["as_of_date"])
    reds = found[found["red"].astype(bool)]
    leads = (reds["churned_at"] - reds["red_since"]).dt.days.to_numpy()
    measured = len(found)
    return {"scorecard": card, "churners": measured, "red_before": len(leads),
            "red_share": len(leads) / measured if measured else float("nan"),
            "median_lead_days": float(np.median(leads)) if len(leads) else float("nan"),
            "mean_lead_days": float(np.mean(leads)) if len(leads) else float("nan")}


def backtest(
    health: pd.DataFrame,
    outcomes: pd.DataFrame,
    horizons: Sequence[int] | None = None,
    *,
    churns: pd.DataFrame | None = None,
    days_before: Sequence[int] = (30, 60, 90),
) -> Backtest:
    """Compare one or more scorecards against what happened next.

    Parameters
    ----------
    health
        Health rows of one or more cards: ``account_id, as_of_date, scorecard, score, colour``
        (:func:`tenure.health.health_scores`, concatenated, or table ``health_history``).
    outcomes
        One row per ``account_id, as_of_date`` with ``churned_{h}d`` and/or ``expanded_{h}d``
        columns (:func:`tenure.models.training_set`; churn and expansion sets merged).
    horizons
        Horizons (days) to report; default every horizon in ``outcomes``.
    churns
        Churn dates, ``account_id, churned_at``; default :func:`departure_days` of ``outcomes``.
    days_before
        How many days before churn to look at each churner's colour.

    Returns
    -------
    Backtest

    Examples
    --------
    >>> result = backtest(health, training_rows, horizons=[30, 90])  # doctest: +SKIP
    >>> result.auc.query("outcome == 'churn'")  # doctest: +SKIP
    """
    require_columns(health, ["account_id", "as_of_date", "scorecard", "score", "colour"],
                    what="the health frame",
                    fix="pass the output of tenure.health.health_scores or health_history.")
    require_columns(outcomes, ["account_id", "as_of_date"], what="the outcomes frame",
                    fix="pass a training set (tenure.models.training_set).")
    health = health.copy()
    health["as_of_date"] = pd.to_datetime(health["as_of_date"]).astype("datetime64[ns]")
    if "is_trial" in health.columns:
        # Churn and expansion are about paying accounts; a trial's health is not compared.
        health = health[~health["is_trial"].astype(bool)]
    cards = list(dict.fromkeys(health["scorecard"]))
    wanted = _horizons(outcomes, horizons)
    common = _common_rows(health, outcomes)
    colours = health.set_index(["scorecard", "account_id", "as_of_date"])["colour"]

    # Step 1: AUC and rates per colour band, per card, outcome and horizon, on the common rows.
    auc_rows, band_rows = [], []
    for card in cards:
        score = common[card].to_numpy(float)
        colour = colours.loc[card].reindex(
            pd.MultiIndex.from_frame(common[["account_id", "as_of_date"]])
        ).to_numpy()
        for outcome, hs in wanted.items():
            for h in hs:
                column = f"{_PREFIX[outcome]}_{h}d"
                known = common[column].notna().to_numpy()
                y = common[column].to_numpy()[known].astype(bool)
                risk = -score[known] if outcome == "churn" else score[known]
                auc_rows.append({"scorecard": card, "outcome": outcome, "horizon_days": h,
                                 "rows": int(known.sum()), "events": int(y.sum()),
                                 "auc": auc(y, risk)})
                for c in Colour:
                    inside = colour[known] == c
                    n, k = int(inside.sum()), int(y[inside].sum())
                    low, high = wilson_interval(k, n)
                    band_rows.append({
                        "scorecard": card, "outcome": outcome, "horizon_days": h,
                        "colour": str(c), "rows": n, "events": k,
                        "rate": k / n if n else float("nan"),
                        "rate_low": float(low), "rate_high": float(high),
                    })

    # Step 2: each churner's colour before it left, and how early red came.
    step = _grid_step(health["as_of_date"])
    before_rows, lead_rows = [], []
    if "churn" in wanted or churns is not None:
        events = departure_days(outcomes) if churns is None else churns.copy()
        require_columns(events, ["account_id", "churned_at"], what="the churns frame",
                        fix="give account_id and churned_at (the churn date) per churn.")
        events["churned_at"] = pd.to_datetime(events["churned_at"]).astype("datetime64[ns]")
        for card in cards:
            before_rows += _before_churn(health, events, card, days_before, step)
            lead_rows.append(_red_lead(health, events, card, step))
    return Backtest(auc=pd.DataFrame(auc_rows), bands=pd.DataFrame(band_rows),
                    before_churn=pd.DataFrame(before_rows), red_lead=pd.DataFrame(lead_rows),
                    rows=len(common))
