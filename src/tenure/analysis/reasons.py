"""Churn reasons: what churned customers said when they cancelled, by customers and by MRR.

Each churned customer (a lifetime that ended, see :func:`customer_lifetimes`) is joined to its
cancellation: the latest row of the canonical ``cancellations`` table requested on or before the
service end. Shares are given both by customers and by the MRR they took with them, since a
reason can be rare among logos and large in revenue. Customers who left without a recorded
reason are kept in the totals under ``(no reason)`` and listed in
:attr:`ChurnReasons.unexplained`, so the gap in the data is visible rather than silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pandas as pd

from tenure.analysis._stats import require_columns

__all__ = ["NO_REASON", "UNKNOWN_CATEGORY", "ChurnReasons", "churn_reasons"]

NO_REASON = "(no reason)"
UNKNOWN_CATEGORY = "(unknown)"


@dataclass(frozen=True)
class ChurnReasons:
    """Result of :func:`churn_reasons`.

    Attributes
    ----------
    by_reason
        One row per (reason_code, reason_category): ``customers``, ``share_customers``, ``mrr``
        (exact Decimal, MRR lost), ``share_mrr``; most customers first.
    by_category
        The same by ``reason_category`` (avoidable, unavoidable, ``(unknown)``).
    unexplained
        Churned customers without a reason: ``account_id``, ``end_date``, ``mrr``,
        ``has_cancellation`` (a cancellation row exists but its reason is empty).
    churned
        Every churned customer with the reason attributed to it.
    """

    by_reason: pd.DataFrame
    by_category: pd.DataFrame
    unexplained: pd.DataFrame
    churned: pd.DataFrame


def _shares(churned: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    total_customers = len(churned)
    total_mrr = sum(churned["mrr"], Decimal("0.00"))
    out = (
        churned.groupby(keys, dropna=False)
        .agg(customers=("account_id", "size"),
             mrr=("mrr", lambda s: sum(s, Decimal("0.00"))))
        .reset_index()
    )
    out["share_customers"] = out["customers"] / total_customers if total_customers else 0.0
    out["share_mrr"] = [float(m / total_mrr) if total_mrr else float("nan") for m in out["mrr"]]
    out = out[[*keys, "customers", "share_customers", "mrr", "share_mrr"]]
    return out.sort_values(["customers", *keys], ascending=[False, *[True] * len(keys)],
                           kind="stable").reset_index(drop=True)


def churn_reasons(
    lifetimes: pd.DataFrame,
    cancellations: pd.DataFrame,
    *,
    since: date | None = None,
    until: date | None = None,
) -> ChurnReasons:
    """Share of churned customers and lost MRR by reason code and by reason category.

    Parameters
    ----------
    lifetimes
        Output of :func:`customer_lifetimes` (``account_id``, ``end_date``, ``churned``, ``mrr``).
    cancellations
        The canonical ``cancellations`` table (``account_id``, ``cancelled_at``, ``reason_code``,
        ``reason_category``).
    since, until
        Keep customers whose service ended in ``[since, until)``; default all.

    Examples
    --------
    >>> life = pd.DataFrame({"account_id": ["a", "b", "c"], "churned": [True, True, True],
    ...     "end_date": [date(2024, 3, 1)] * 3,
    ...     "mrr": [Decimal("10.00"), Decimal("30.00"), Decimal("60.00")]})
    >>> cancels = pd.DataFrame({"account_id": ["a", "b"],
    ...     "cancelled_at": [date(2024, 2, 10)] * 2, "reason_code": ["price", "closed"],
    ...     "reason_category": ["avoidable", "unavoidable"]})
    >>> result = churn_reasons(life, cancels)
    >>> result.by_category[["reason_category", "customers", "mrr"]].values.tolist()[0]
    ['(unknown)', 1, Decimal('60.00')]
    >>> result.unexplained["account_id"].tolist()
    ['c']
    """
    require_columns(lifetimes, ["account_id", "end_date", "churned", "mrr"],
                    what="the lifetimes table",
                    fix="build it with tenure.analysis.customer_lifetimes().")
    require_columns(cancellations, ["account_id", "cancelled_at"], what="the cancellations table",
                    fix="pass the canonical cancellations table.")
    # Step 1: churned customers in the window.
    churned = lifetimes[lifetimes["churned"].astype(bool)][["account_id", "end_date", "mrr"]]
    churned = churned.assign(end_date=pd.to_datetime(churned["end_date"]))
    if since is not None:
        churned = churned[churned["end_date"] >= pd.Timestamp(since)]
    if until is not None:
        churned = churned[churned["end_date"] < pd.Timestamp(until)]
    # Step 2: each one's latest cancellation requested on or before its service end.
    cancels = cancellations.copy()
    for column in ("reason_code", "reason_category"):
        if column not in cancels.columns:
            cancels[column] = None
    cancels["cancelled_at"] = pd.to_datetime(cancels["cancelled_at"])
    joined = churned.merge(cancels[["account_id", "cancelled_at", "reason_code",
                                    "reason_category"]], on="account_id", how="left")
    joined = joined[joined["cancelled_at"].isna() | (joined["cancelled_at"] <= joined["end_date"])]
    joined = joined.sort_values(["account_id", "cancelled_at"], na_position="first")
    latest = joined.drop_duplicates("account_id", keep="last")
    churned = churned.merge(latest[["account_id", "cancelled_at", "reason_code",
                                    "reason_category"]], on="account_id", how="left")
    # Step 3: a missing reason is kept, visibly.
    has_reason = churned["reason_code"].notna() & (churned["reason_code"].astype(str) != "")
    churned["has_cancellation"] = churned["cancelled_at"].notna()
    churned["reason_code"] = churned["reason_code"].where(has_reason, NO_REASON).astype(str)
    churned["reason_category"] = (churned["reason_category"].where(
        churned["reason_category"].notna() & has_reason, UNKNOWN_CATEGORY).astype(str))
    churned["end_date"] = churned["end_date"].dt.date
    unexplained = churned[~has_reason][["account_id", "end_date", "mrr", "has_cancellation"]]
    return ChurnReasons(
        by_reason=_shares(churned, ["reason_code", "reason_category"]),
        by_category=_shares(churned, ["reason_category"]),
        unexplained=unexplained.reset_index(drop=True),
        churned=churned.reset_index(drop=True),
    )
