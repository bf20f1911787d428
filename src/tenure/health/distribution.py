"""How accounts spread over health, month by month: bands, score bins, the two tails, the shift.

Each month is read at its **snapshot**: the latest as-of date ``d`` with ``d - 1 day`` in the
month. An as-of date describes the start of its day (data strictly before it), so the as-of date
1 February describes the end of January and belongs to January. Rows without a score are left
out; trials are left out unless asked for.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise

import numpy as np
import pandas as pd

from tenure.analysis._stats import require_columns
from tenure.errors import InputError
from tenure.health.scorecard import Colour
from tenure.schema import cents

__all__ = ["MOVES", "Distribution", "health_distribution", "monthly_snapshots"]

_RANK = {Colour.green: 2, Colour.yellow: 1, Colour.red: 0}
#: Kinds of month-over-month move (``docs/health.md``).
MOVES = ("improved", "unchanged", "worsened", "new", "gone")
_BINS = [f"{lo}-{lo + 10}" for lo in range(0, 100, 10)]


@dataclass(frozen=True)
class Distribution:
    """Result of :func:`health_distribution`; every frame has a ``month`` column (``2024-03``).

    Attributes
    ----------
    bands
        One row per (month, colour): ``as_of_date`` (the snapshot), ``accounts``, ``share`` of
        the month's accounts, ``mrr`` (exact Decimal; null without MRR).
    bins
        One row per (month, bin): accounts whose score lies in ``[lo, lo + 10)`` (the last bin
        ``90-100`` includes 100).
    shift
        One row per (month, from_colour, to_colour) with ``accounts``: colours at the previous
        month's snapshot and at this one; ``new`` (from) had no score the month before and
        ``gone`` (to) has none now.
    moves
        One row per month: how many accounts ``improved``, were ``unchanged``, ``worsened``,
        were ``new`` or ``gone`` since the previous month.
    at_risk
        The at-risk tail per month: red accounts and the lowest-scored ``tail_share`` of the
        month, with ``score``, ``colour``, ``mrr``, ``reason``; largest MRR first.
    advocates
        The advocate tail per month: green accounts among the highest-scored ``tail_share``
        that are promoters in their latest NPS answer when NPS is given; largest MRR first.
    """

    bands: pd.DataFrame
    bins: pd.DataFrame
    shift: pd.DataFrame
    moves: pd.DataFrame
    at_risk: pd.DataFrame
    advocates: pd.DataFrame


def monthly_snapshots(health: pd.DataFrame) -> pd.DataFrame:
    """The rows of each month's snapshot date, with a ``month`` column (``YYYY-MM``)."""
    dates = pd.to_datetime(health["as_of_date"])
    month = (dates - pd.Timedelta(days=1)).dt.strftime("%Y-%m")
    snapshot = dates.groupby(month).transform("max")
    return health[dates == snapshot].assign(month=month[dates == snapshot])


def _first(frame: pd.DataFrame, share: float, ascending: bool) -> pd.Index:
    """Index of the ``ceil(share * n)`` lowest (or highest) scores; ties by account_id."""
    n = math.ceil(share * len(frame))
    order = frame.sort_values(["score", "account_id"], ascending=[ascending, True])
    return order.index[:n]


def _tails(month: pd.DataFrame, share: float, has_nps: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    low = set(_first(month, share, ascending=True))
    red = set(month.index[month["colour"] == Colour.red])
    risk = month.loc[sorted(low | red)].copy()
    risk["reason"] = [
        ", ".join(r for r, hit in (("red", i in red), (f"bottom {share:.0%}", i in low)) if hit)
        for i in risk.index
    ]
    top = month.loc[_first(month, share, ascending=False)]
    advocates = top[top["colour"] == Colour.green]
    if has_nps:
        advocates = advocates[advocates["nps_category"] == "promoter"]
    order = ["mrr_sort", "score", "account_id"]
    risk = risk.assign(mrr_sort=risk["mrr_float"].fillna(-1.0)).sort_values(
        order, ascending=[False, True, True])
    advocates = advocates.assign(mrr_sort=advocates["mrr_float"].fillna(-1.0)).sort_values(
        order, ascending=[False, False, True])
    return risk, advocates


def health_distribution(
    health: pd.DataFrame,
    measures: pd.DataFrame | None = None,
    *,
    tail_share: float = 0.1,
    include_trials: bool = False,
) -> Distribution:
    """Accounts by health at each month end, the at-risk and advocate tails, and the shift.

    Parameters
    ----------
    health
        Health rows of one card (:func:`tenure.health.health_scores` or ``health_history``).
    measures
        Optional ``account_id, as_of_date`` rows with ``mrr`` and ``nps_category`` (e.g.
        ``measures_wide``): MRR per band and per named account, and promoters among advocates.
    tail_share
        Share of the month's accounts in each tail by score (0.1: the bottom and top 10%).
    include_trials
        Keep trial accounts (default: paying accounts only).

    Returns
    -------
    Distribution
    """
    require_columns(health, ["account_id", "as_of_date", "scorecard", "score", "colour"],
                    what="the health frame",
                    fix="pass the output of tenure.health.health_scores or health_history.")
    if not 0 < tail_share < 1:
        raise InputError(f"tail_share must lie between 0 and 1 (found {tail_share}).")
    cards = health["scorecard"].unique()
    if len(cards) > 1:
        raise InputError(f"the health frame holds several scorecards ({', '.join(cards)}); "
                         "pick one (filter on the scorecard column).")
    rows = health.dropna(subset=["score"]).copy()
    rows["as_of_date"] = pd.to_datetime(rows["as_of_date"]).astype("datetime64[ns]")
    if "is_trial" in rows.columns and not include_trials:
        rows = rows[~rows["is_trial"].astype(bool)]
    has_nps = measures is not None and "nps_category" in measures.columns
    if measures is not None:
        extra = [c for c in ("mrr", "nps_category") if c in measures.columns]
        right = measures[["account_id", "as_of_date", *extra]].copy()
        right["as_of_date"] = pd.to_datetime(right["as_of_date"]).astype("datetime64[ns]")
        rows = rows.merge(right, on=["account_id", "as_of_date"], how="left")
    if "mrr" not in rows.columns:
        rows["mrr"] = np.nan
    if "nps_category" not in rows.columns:
        rows["nps_category"] = None
    rows["mrr_float"] = rows["mrr"].astype(float)
    rows["mrr"] = [cents(v) for v in rows["mrr_float"]]
    snaps = monthly_snapshots(rows).reset_index(drop=True)

    # Step 1: accounts, share and MRR per colour band, and per 10-point score bin.
    band_rows, bin_rows = [], []
    for month, g in snaps.groupby("month", sort=True):
        for c in Colour:
            inside = g[g["colour"] == c]
            mrr = [m for m in inside["mrr"] if m is not None]
            band_rows.append({"month": month, "as_of_date": g["as_of_date"].iloc[0].date(),
                              "colour": str(c), "accounts": len(inside),
                              "share": len(inside) / len(g),
                              "mrr": sum(mrr, Decimal("0.00")) if mrr else None})
        index = np.minimum((g["score"].to_numpy() // 10).astype(int), 9)
        counts = np.bincount(index, minlength=10)
        bin_rows += [{"month": month, "bin": b, "accounts": int(n)}
                     for b, n in zip(_BINS, counts, strict=True)]

    # Step 2: the shift between consecutive snapshots.
    shift_rows, move_rows = [], []
    months = sorted(snaps["month"].unique())
    for before, now in pairwise(months):
        a = snaps.loc[snaps["month"] == before, ["account_id", "colour"]]
        b = snaps.loc[snaps["month"] == now, ["account_id", "colour"]]
        pair = a.merge(b, on="account_id", how="outer", suffixes=("_from", "_to"))
        pair["from_colour"] = pair["colour_from"].fillna("new")
        pair["to_colour"] = pair["colour_to"].fillna("gone")
        counted = pair.groupby(["from_colour", "to_colour"]).size()
        shift_rows += [{"month": now, "from_colour": f, "to_colour": t, "accounts": int(n)}
                       for (f, t), n in counted.items()]
        rank_from = pair["colour_from"].map(_RANK)
        rank_to = pair["colour_to"].map(_RANK)
        both = rank_from.notna() & rank_to.notna()
        move_rows.append({
            "month": now,
            "improved": int((both & (rank_to > rank_from)).sum()),
            "unchanged": int((both & (rank_to == rank_from)).sum()),
            "worsened": int((both & (rank_to < rank_from)).sum()),
            "new": int(rank_from.isna().sum()),
            "gone": int(rank_to.isna().sum()),
        })

    # Step 3: the named tails of every month.
    risk_parts, advocate_parts = [], []
    for _, g in snaps.groupby("month", sort=True):
        risk, advocates = _tails(g, tail_share, has_nps)
        risk_parts.append(risk)
        advocate_parts.append(advocates)
    for part in (*risk_parts, *advocate_parts):
        part["as_of_date"] = part["as_of_date"].dt.date
    columns = ["month", "as_of_date", "account_id", "score", "colour", "mrr"]
    at_risk = (pd.concat(risk_parts, ignore_index=True)[[*columns, "reason"]]
               if risk_parts else pd.DataFrame(columns=[*columns, "reason"]))
    advocates = (pd.concat(advocate_parts, ignore_index=True)[[*columns, "nps_category"]]
                 if advocate_parts else pd.DataFrame(columns=[*columns, "nps_category"]))
    return Distribution(
        bands=pd.DataFrame(band_rows), bins=pd.DataFrame(bin_rows),
        shift=pd.DataFrame(shift_rows, columns=["month", "from_colour", "to_colour", "accounts"]),
        moves=pd.DataFrame(move_rows, columns=["month", *MOVES]),
        at_risk=at_risk, advocates=advocates,
    )
