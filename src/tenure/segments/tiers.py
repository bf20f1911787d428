"""Service tiers by revenue concentration: who gets a named team, who a pooled one, who self-serve.

Accounts are ranked by MRR, largest first (ties by ``account_id``, so the result never depends
on row order). Walking down that ranking and adding up MRR:

* the **top** tier is the shortest head of the ranking whose MRR reaches ``top_share`` of the
  total: the smallest set of accounts making that share (no set with fewer accounts can, since
  the head holds the largest MRRs);
* the **leveraged** tier continues the walk until the head (top and leveraged together) reaches
  ``leveraged_share`` of the total, a cumulative share;
* every other account, including each with zero MRR, is **scalable**.

This is the ABC (Pareto) analysis of inventory management applied to revenue, and the
"high-touch / mid-touch / tech-touch" split of customer-success teams (Gainsight, "Customer
Success segmentation"); both leave the cut-offs to the business, as Tenure does (settings
``segments.top_tier_share`` and ``segments.leveraged_tier_share``). Shares are compared exactly,
in decimals: an account is in the top tier when the MRR of the accounts ranked above it is still
below ``top_share x total``.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum

import pandas as pd

from tenure.errors import InputError

__all__ = ["ServiceTier", "service_tiers"]


class ServiceTier(StrEnum):
    """Service tiers by revenue concentration; ``docs/segments.md`` defines each (a test checks)."""

    top = "top"
    leveraged = "leveraged"
    scalable = "scalable"


def _share(value: float | Decimal | str, name: str) -> Decimal:
    """A share as an exact decimal (``0.4`` is 0.4, not its binary neighbour)."""
    try:
        share = value if isinstance(value, Decimal) else Decimal(str(value))
    except ArithmeticError:
        raise InputError(f"{name} {value!r} is not a number; give a share such as 0.4.") from None
    if not Decimal(0) < share <= Decimal(1):
        raise InputError(f"{name} is {value!r}; a share of MRR must be above 0 and at most 1.")
    return share


def _money(value: object, account: object) -> Decimal:
    if isinstance(value, float):
        raise InputError(
            f"MRR of account {account!r} is the float {value!r}; pass exact money (Decimal or a "
            "string such as '49.90') so the tiers do not depend on rounding."
        )
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except ArithmeticError:
        raise InputError(f"MRR of account {account!r} is {value!r}, not an amount.") from None
    if amount.is_nan() or amount < 0:
        raise InputError(
            f"MRR of account {account!r} is {value!r}; MRR must be zero or more (a credit is "
            "not recurring revenue)."
        )
    return amount


def service_tiers(
    mrr_by_account: Mapping[str, Decimal] | pd.Series,
    top_share: float | Decimal | str = Decimal("0.40"),
    leveraged_share: float | Decimal | str = Decimal("0.80"),
) -> pd.DataFrame:
    """Service tier of each account from its MRR.

    Parameters
    ----------
    mrr_by_account
        MRR per account (exact: ``Decimal``, ``int`` or a decimal string), keyed by
        ``account_id``; a pandas Series indexed by ``account_id`` works too. Accounts appear once.
    top_share
        Share of total MRR the top tier reaches (0 excluded, up to 1).
    leveraged_share
        Cumulative share of total MRR the top and leveraged tiers reach together (at least
        ``top_share``).

    Returns
    -------
    pandas.DataFrame
        One row per account, ranked: ``account_id``, ``mrr`` (Decimal), ``rank`` (1 = largest
        MRR) and ``tier`` (:class:`ServiceTier`). With no MRR at all every account is scalable.

    Examples
    --------
    >>> from decimal import Decimal
    >>> tiers = service_tiers({"a": Decimal(60), "b": Decimal(25), "c": Decimal(15)})
    >>> dict(zip(tiers["account_id"], map(str, tiers["tier"])))
    {'a': 'top', 'b': 'leveraged', 'c': 'scalable'}
    """
    top = _share(top_share, "top_share")
    leveraged = _share(leveraged_share, "leveraged_share")
    if leveraged < top:
        raise InputError(
            f"leveraged_share ({leveraged_share}) is below top_share ({top_share}); it is the "
            "cumulative share of the top and leveraged tiers, so it must be at least top_share."
        )
    items = mrr_by_account.items()
    accounts: list[str] = []
    amounts: list[Decimal] = []
    for account, value in items:
        accounts.append(str(account))
        amounts.append(_money(value, account))
    if len(set(accounts)) != len(accounts):
        twice = sorted({a for a in accounts if accounts.count(a) > 1})
        raise InputError(f"account {twice[0]!r} appears twice in the MRR given to service_tiers; "
                         "sum its lines first (one MRR per account).")

    # Step 1: rank, largest MRR first; equal MRR in account_id order, so ties are deterministic.
    order = sorted(range(len(accounts)), key=lambda i: (-amounts[i], accounts[i]))
    total = sum(amounts, Decimal(0))
    top_cut, leveraged_cut = top * total, leveraged * total

    # Step 2: walk the ranking; an account joins a tier while the MRR above it is short of the cut.
    tiers: list[ServiceTier] = []
    above = Decimal(0)
    for i in order:
        if total > 0 and amounts[i] > 0 and above < top_cut:
            tiers.append(ServiceTier.top)
        elif total > 0 and amounts[i] > 0 and above < leveraged_cut:
            tiers.append(ServiceTier.leveraged)
        else:
            tiers.append(ServiceTier.scalable)
        above += amounts[i]
    return pd.DataFrame(
        {
            "account_id": pd.Series([accounts[i] for i in order], dtype=object),
            "mrr": pd.Series([amounts[i] for i in order], dtype=object),
            "rank": pd.Series(range(1, len(order) + 1), dtype="int64"),
            "tier": pd.Series(tiers, dtype=object),
        }
    )
