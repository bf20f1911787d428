"""Customer lifetimes: how long each paying customer has stayed, from the canonical tables.

The input of every survival analysis (Kaplan-Meier curves, Cox hazards, remaining lifetime,
the onboarding stick point). Grain: one row per account that ever paid.

Definition
----------
A lifetime starts on the first day of the account's first paid line (``is_trial`` false and
``mrr`` above zero) that started before ``as_of``. It ends on the service end of the account's
last paid line, when every paid line has ended by ``as_of`` (``churned`` true); otherwise the
account is still a customer and the lifetime is *censored* at ``as_of`` (``churned`` false).
A customer who left and came back is one lifetime, ending at its final service end: the gap is
not churn here (the revenue metrics count it as churn then reactivation). Intervals are
half-open ``[start_date, end_date)``, so a line with ``end_date`` on ``as_of`` has ended.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd

from tenure.analysis._stats import require_columns
from tenure.schema import cents

__all__ = ["ATTRIBUTES", "DAYS_PER_MONTH", "customer_lifetimes"]

#: Mean Gregorian month, used to express durations in months.
DAYS_PER_MONTH = 365.2425 / 12
#: Account attributes carried onto each lifetime when the accounts table has them.
ATTRIBUTES: tuple[str, ...] = ("industry", "size", "channel", "owner", "country")


def _to_decimal(value: object) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if value is None or pd.isna(value):  # type: ignore[arg-type]
        return Decimal("0.00")
    return cents(value)


def customer_lifetimes(
    subscriptions: pd.DataFrame,
    accounts: pd.DataFrame,
    *,
    as_of: date,
) -> pd.DataFrame:
    """One row per paying account: when it started paying, when it left (or not yet), and why not.

    Parameters
    ----------
    subscriptions
        The canonical ``subscriptions`` table (account_id, plan, mrr, start_date, end_date and
        optionally is_trial).
    accounts
        The canonical ``accounts`` table; its attributes (industry, size, channel, owner,
        country) are copied onto each lifetime.
    as_of
        Observation date: lines starting on or after it are ignored and lifetimes still running
        on it are censored there.

    Returns
    -------
    pandas.DataFrame
        Grain: one row per account. Columns ``account_id``, ``start_date``, ``end_date`` (service
        end, or ``as_of`` when censored), ``duration_days``, ``duration`` (months, fractional:
        days / 30.436875), ``churned``, ``mrr`` (exact Decimal: MRR on the last day of service, or
        on the day before ``as_of`` while still a customer), ``plan`` (of the first paid line),
        ``cohort_month`` (first day of the start month), ``cohort`` (start quarter, e.g.
        ``2024Q1``) and the account attributes.

    Examples
    --------
    >>> subs = pd.DataFrame({
    ...     "account_id": ["a", "a", "b"], "plan": ["basic", "pro", "basic"],
    ...     "mrr": [Decimal("10.00"), Decimal("30.00"), Decimal("10.00")],
    ...     "start_date": [date(2024, 1, 1), date(2024, 3, 1), date(2024, 1, 15)],
    ...     "end_date": [date(2024, 3, 1), date(2024, 7, 1), None]})
    >>> accts = pd.DataFrame({"account_id": ["a", "b"], "industry": ["retail", "media"]})
    >>> life = customer_lifetimes(subs, accts, as_of=date(2024, 12, 1))
    >>> life[["account_id", "duration_days", "churned", "mrr"]].values.tolist()
    [['a', 182, True, Decimal('30.00')], ['b', 321, False, Decimal('10.00')]]
    """
    require_columns(
        subscriptions, ["account_id", "plan", "mrr", "start_date", "end_date"],
        what="the subscriptions table", fix="pass the canonical subscriptions table.",
    )
    require_columns(accounts, ["account_id"], what="the accounts table",
                    fix="pass the canonical accounts table.")
    as_of_ts = pd.Timestamp(as_of)
    # Step 1: paid lines (never trials or free lines) that had started by as_of.
    lines = subscriptions.copy()
    lines["start_date"] = pd.to_datetime(lines["start_date"])
    lines["end_date"] = pd.to_datetime(lines["end_date"])
    lines["mrr"] = lines["mrr"].map(_to_decimal)
    is_trial = (lines["is_trial"].fillna(False).astype(bool) if "is_trial" in lines.columns
                else pd.Series(False, index=lines.index))
    paid = lines[~is_trial & (lines["mrr"] > 0) & (lines["start_date"] < as_of_ts)]
    # Step 2: a line still in force on as_of (open-ended or ending later) keeps the customer.
    running = paid["end_date"].isna() | (paid["end_date"] > as_of_ts)
    per_account = paid.assign(running=running).groupby("account_id").agg(
        start_date=("start_date", "min"),
        last_end=("end_date", "max"),  # NaT ends are covered by `any_running`
        any_running=("running", "any"),
    )
    per_account["churned"] = ~per_account["any_running"]
    per_account["end_date"] = per_account["last_end"].where(per_account["churned"], as_of_ts)
    per_account = per_account.drop(columns=["last_end", "any_running"]).reset_index()
    # Step 3: MRR on the last day of service (the day before end_date: intervals are half-open).
    last_day = paid.merge(
        per_account[["account_id", "end_date"]].rename(columns={"end_date": "lifetime_end"}),
        on="account_id",
    )
    in_force = (last_day["start_date"] < last_day["lifetime_end"]) & (
        last_day["end_date"].isna() | (last_day["end_date"] >= last_day["lifetime_end"])
    )
    last_day = last_day[in_force]
    mrr = last_day.groupby("account_id")["mrr"].agg(lambda s: sum(s, Decimal("0.00")))
    # Step 4: plan of the first paid line (the larger MRR when several start together).
    first = (paid.sort_values(["account_id", "start_date", "mrr"], ascending=[True, True, False])
             .drop_duplicates("account_id")[["account_id", "plan"]])
    out = per_account.merge(first, on="account_id", how="left")
    out["mrr"] = out["account_id"].map(mrr).map(_to_decimal)
    out["duration_days"] = (out["end_date"] - out["start_date"]).dt.days.astype(int)
    out["duration"] = out["duration_days"] / DAYS_PER_MONTH
    out["cohort_month"] = out["start_date"].dt.to_period("M").dt.start_time.dt.date
    out["cohort"] = out["start_date"].dt.to_period("Q").astype(str)
    out["start_date"] = out["start_date"].dt.date
    out["end_date"] = out["end_date"].dt.date
    out["churned"] = out["churned"].astype(bool)
    # Step 5: account attributes.
    attributes = [a for a in ATTRIBUTES if a in accounts.columns]
    out = out.merge(accounts[["account_id", *attributes]].drop_duplicates("account_id"),
                    on="account_id", how="left")
    columns = ["account_id", "start_date", "end_date", "duration_days", "duration", "churned",
               "mrr", "plan", "cohort_month", "cohort", *attributes]
    return out[columns].sort_values("account_id").reset_index(drop=True)

