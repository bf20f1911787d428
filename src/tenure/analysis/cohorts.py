"""Behavioural cohorts: churn rate by decile of each measure, with Wilson 95% intervals.

The first look at *why* customers churn: sort the account-snapshots of a training set by a
measure (active days, seat utilisation...), cut them into ten equal-count groups and compare
the share that churned within the horizon. A measure that matters shows a steady slope across
deciles; one that does not shows a flat line inside overlapping intervals.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from tenure.analysis._stats import require_columns, wilson_interval
from tenure.errors import InputError

__all__ = [
    "OUTCOMES",
    "behavioural_cohorts",
    "decile_slope",
    "measure_columns",
    "outcome_series",
    "spaced_snapshots",
]

#: Outcome columns of a training set; never treated as measures.
OUTCOMES: tuple[str, ...] = ("churned_30d", "churned_60d", "churned_90d", "expanded_90d")
_NOT_MEASURES = {"account_id", "as_of_date", *OUTCOMES}


def measure_columns(frame: pd.DataFrame) -> list[str]:
    """The numeric measure columns of a training set: every numeric column but ids and outcomes."""
    return [
        c for c in frame.columns
        if c not in _NOT_MEASURES
        and pd.api.types.is_numeric_dtype(frame[c])
        and not pd.api.types.is_bool_dtype(frame[c])
    ]


def outcome_series(frame: pd.DataFrame, outcome: str) -> pd.Series:
    """The outcome column as booleans; an error names the column when it is absent or not 0/1."""
    require_columns(
        frame, [outcome], what="the training set",
        fix="pass --horizon/outcome naming one of its boolean outcome columns "
        f"({', '.join(OUTCOMES)}).",
    )
    values = frame[outcome]
    if values.isna().any():
        raise InputError(
            f"outcome column {outcome!r} has {int(values.isna().sum())} missing value(s); drop "
            "the rows whose outcome is not yet known (as-of dates within the horizon of today)."
        )
    uniques = set(pd.unique(values.astype(int)))
    if not uniques <= {0, 1}:
        raise InputError(
            f"outcome column {outcome!r} must be boolean (0/1); found values {sorted(uniques)}."
        )
    return values.astype(bool)


def spaced_snapshots(frame: pd.DataFrame, *, min_gap_days: int) -> pd.DataFrame:
    """Keep each account's snapshots at least ``min_gap_days`` apart (the first, then greedily).

    Weekly snapshots with a 30-day outcome window overlap: an account that churns is "churned
    within 30 days" at four or five consecutive snapshots, so counting every snapshot as an
    independent trial overstates the evidence of every test. Spacing the snapshots by the
    horizon makes their outcome windows disjoint: each churn is counted once.

    Examples
    --------
    >>> frame = pd.DataFrame({"account_id": ["a"] * 5 + ["b"],
    ...     "as_of_date": pd.to_datetime(["2024-01-01", "2024-01-08", "2024-01-15",
    ...                                   "2024-02-05", "2024-02-12", "2024-01-08"])})
    >>> spaced_snapshots(frame, min_gap_days=30)["as_of_date"].dt.strftime("%m-%d").tolist()
    ['01-01', '02-05', '01-08']
    """
    require_columns(frame, ["account_id", "as_of_date"], what="the training set",
                    fix="build it with tenure.models.training_set.training_set().")
    ordered = frame.assign(_day=pd.to_datetime(frame["as_of_date"])).sort_values(
        ["account_id", "_day"], kind="stable")
    days = (ordered["_day"] - pd.Timestamp("1970-01-01")).dt.days.to_numpy()
    accounts = ordered["account_id"].to_numpy()
    keep = np.zeros(len(ordered), dtype=bool)
    last_account, last_day = None, 0
    for i in range(len(ordered)):
        if accounts[i] != last_account or days[i] - last_day >= min_gap_days:
            keep[i] = True
            last_account, last_day = accounts[i], days[i]
    return ordered[keep].drop(columns="_day")


def behavioural_cohorts(
    frame: pd.DataFrame,
    *,
    outcome: str = "churned_30d",
    measures: Sequence[str] | None = None,
    bins: int = 10,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Churn rate by quantile bin (decile by default) of each measure.

    Parameters
    ----------
    frame
        A training set: one row per (account_id, as_of_date), measure columns and the outcome.
    outcome
        Boolean outcome column, e.g. ``churned_30d``: churned within 30 days of the as-of date.
    measures
        Measures to cut; default every numeric measure column.
    bins
        Number of equal-count bins. Tied values never straddle a bin edge, so a measure with many
        equal values (zero logins) gets fewer, larger bins.
    confidence
        Level of the Wilson interval around each churn rate.

    Returns
    -------
    pandas.DataFrame
        Grain: one row per (measure, decile). Columns ``measure``, ``decile`` (1 = lowest values),
        ``lower`` and ``upper`` (smallest and largest measure value in the bin), ``observations``,
        ``churned``, ``churn_rate``, ``ci_low``, ``ci_high``. Rows whose measure is missing form
        one more row per measure with a null ``decile``.

    Examples
    --------
    >>> frame = pd.DataFrame({"logins": [1, 2, 3, 4], "churned_30d": [1, 1, 0, 0]})
    >>> behavioural_cohorts(frame, bins=2)[["decile", "observations", "churn_rate"]]
       decile  observations  churn_rate
    0       1             2         1.0
    1       2             2         0.0
    """
    if bins < 2:
        raise InputError(f"bins must be at least 2; found {bins}.")
    y = outcome_series(frame, outcome)
    measures = list(measures) if measures is not None else measure_columns(frame)
    require_columns(frame, measures, what="the training set", fix="name existing measures.")
    parts = []
    for measure in measures:
        values = pd.to_numeric(frame[measure], errors="coerce").astype(float)
        present = values.notna()
        decile = pd.Series(pd.NA, index=frame.index, dtype="Int64")
        if values[present].nunique() == 1:
            decile[present] = 1  # one value: one bin (qcut finds no edges to cut at)
        elif present.any():
            codes = pd.qcut(values[present], bins, labels=False, duplicates="drop")
            decile[present] = codes.astype(int) + 1
        grouped = (
            pd.DataFrame({"decile": decile, "value": values, "churned": y})
            .groupby("decile", dropna=False)
            .agg(
                lower=("value", "min"),
                upper=("value", "max"),
                observations=("churned", "size"),
                churned=("churned", "sum"),
            )
            .reset_index()
        )
        grouped.insert(0, "measure", measure)
        parts.append(grouped)
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["measure", "decile", "lower", "upper", "observations", "churned"]
    )
    out["observations"] = out["observations"].astype(int)
    out["churned"] = out["churned"].astype(int)
    out["churn_rate"] = out["churned"] / out["observations"]
    low, high = wilson_interval(out["churned"], out["observations"], confidence=confidence)
    out["ci_low"] = low
    out["ci_high"] = high
    return out.sort_values(["measure", "decile"], na_position="last", kind="stable").reset_index(
        drop=True
    )


def decile_slope(cohorts: pd.DataFrame) -> pd.DataFrame:
    """Per measure: churn rate in the top and bottom bin and their ratio, strongest first."""
    rows = []
    for measure, g in cohorts.dropna(subset=["decile"]).groupby("measure", sort=False):
        g = g.sort_values("decile")
        bottom, top = g.iloc[0], g.iloc[-1]
        rows.append({
            "measure": measure,
            "bins": len(g),
            "bottom_churn_rate": bottom["churn_rate"],
            "top_churn_rate": top["churn_rate"],
            "spread": float(bottom["churn_rate"] - top["churn_rate"]),
        })
    out = pd.DataFrame(rows, columns=["measure", "bins", "bottom_churn_rate", "top_churn_rate",
                                      "spread"])
    return out.reindex(out["spread"].abs().sort_values(ascending=False).index).reset_index(
        drop=True
    )

