"""Monthly retention: logo and MRR churn, gross and net revenue retention, the quick ratio.

Everything here is derived from the account-month table of :func:`tenure.metrics.mrr.account_months`
(grain: one row per ``account_id`` and ``month``; ``mrr`` is the MRR in force on the month's last
day and ``previous_mrr`` the same at the previous month-end). The output grain is one row per
``month`` (and segment, when ``by`` is given).

Choices made where vendors differ, written once
------------------------------------------------
* **The base of every churn and retention rate** is the set of accounts that were customers at the
  previous month-end (``was_customer``). A customer who joins and leaves inside one month was never
  in that base: its MRR shows in ``new_mrr`` and ``churned_mrr`` (so the movements still sum to the
  MRR change) but in no rate. Baremetrics and ChartMogul both divide by start-of-period values.
* **Reactivation** offsets churn in ``net_mrr_churn_rate`` (ChartMogul's net MRR churn), but is not
  part of ``nrr``: net revenue retention follows the accounts of the starting base only, so
  ``nrr == 1 - net_mrr_churn_rate - reactivation_mrr / previous_mrr``.
* **GRR is capped per account**: an account's MRR counts at most up to its starting MRR, so
  expansion of one account never hides contraction of another; GRR <= 1 and NRR >= GRR hold by
  construction.

Also the shared building blocks of the metric modules live here: :func:`month_index`,
:func:`ratio`, :func:`divide_money` and :func:`require_columns`.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import ibis
import ibis.expr.types as ir

from tenure.errors import InputError
from tenure.schema import MONEY

__all__ = ["retention_by_month"]

#: Columns of the account-month table this module reads.
ACCOUNT_MONTH_COLUMNS = (
    "account_id", "month", "mrr", "previous_mrr", "new_mrr", "expansion_mrr", "reactivation_mrr",
    "contraction_mrr", "churned_mrr", "is_customer", "was_customer",
)
_MOVEMENTS = ("new_mrr", "expansion_mrr", "reactivation_mrr", "contraction_mrr", "churned_mrr")
_ZERO = Decimal("0.00")


# --- building blocks shared by the metric modules ----------------------------------------------


def require_columns(
    table: ir.Table,
    columns: Sequence[str],
    *,
    what: str,
    fix: str = "build it with tenure.metrics.mrr.account_months or add the missing column(s)",
) -> None:
    """Raise :class:`~tenure.errors.InputError` naming each of ``columns`` absent from ``table``."""
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise InputError(
            f"{what} lacks column(s) {', '.join(missing)} (found: {', '.join(table.columns)}); "
            f"{fix}."
        )


def segment_columns(table: ir.Table, by: str | Sequence[str] | None, *, what: str) -> list[str]:
    """Normalise ``by`` to a list of column names that exist in ``table``."""
    columns = [by] if isinstance(by, str) else list(by or [])
    unknown = [c for c in columns if c not in table.columns]
    if unknown:
        raise InputError(
            f"by={by!r}: {what} has no column {', '.join(map(repr, unknown))}; segment by one of "
            f"{', '.join(c for c in table.columns if c not in ACCOUNT_MONTH_COLUMNS)} "
            f"(account attributes need account_months(..., accounts=...))."
        )
    return columns


def month_index(month: ir.DateValue) -> ir.IntegerValue:
    """Months since year 0 (``year * 12 + month - 1``): month arithmetic that every backend runs."""
    return month.year().cast("int64") * 12 + month.month().cast("int64") - 1


def ratio(numerator: ir.NumericValue, denominator: ir.NumericValue) -> ir.FloatingValue:
    """``numerator / denominator`` as float64, null when the denominator is 0 or null."""
    return numerator.cast("float64") / denominator.cast("float64").nullif(0.0)


def money(value: ir.NumericValue) -> ir.DecimalValue:
    """Cast an exact amount (a decimal sum, say) back to ``decimal(18,2)``; null becomes 0."""
    return value.cast(MONEY).coalesce(ibis.literal(_ZERO, type=MONEY))


def divide_money(amount: ir.DecimalValue, count: ir.IntegerValue) -> ir.DecimalValue:
    """Exact ``amount / count`` rounded to the cent, half away from zero; null when count is 0.

    Computed in integer cents, because decimal division returns a float on DuckDB.

    >>> import ibis
    >>> from decimal import Decimal
    >>> ibis.duckdb.connect().execute(divide_money(ibis.literal(Decimal("10.00")), ibis.literal(3)))
    Decimal('3.33')
    """
    cents = (amount * 100).cast("int64")
    count = count.cast("int64").nullif(0)
    rounded = (cents.abs() * 2 + count) // (count * 2) * cents.sign()
    return (rounded.cast(MONEY) * ibis.literal(Decimal("0.01"), type=MONEY)).cast(MONEY)


def null_safe_equal(
    left: ir.Table, right: ir.Table, columns: Sequence[str]
) -> list[ir.BooleanValue]:
    """Join predicates on ``columns`` where a null segment matches a null segment."""
    return [left[c].identical_to(right[c]) for c in columns]


# --- retention ---------------------------------------------------------------------------------


def retention_by_month(
    account_months: ir.Table, *, by: str | list[str] | None = None
) -> ir.Table:
    """Customers, MRR, churn and retention rates per month (and segment).

    Parameters
    ----------
    account_months
        Grain (account_id, month), as built by :func:`tenure.metrics.mrr.account_months`.
    by
        Segment column(s) of ``account_months`` (``plan`` or an account attribute). An account
        counts in the segment of its row for that month; the trailing-twelve-month columns use
        the segment it had twelve months earlier. Additive columns (counts, money) of the segments
        sum to the total.

    Returns
    -------
    ibis.Table
        One row per month (and segment), not executed. Money columns are ``decimal(18,2)``,
        rates ``float64`` (null when their denominator is 0):

        * ``customers`` / ``previous_customers``: accounts with MRR > 0 at this / last month-end.
        * ``churned_customers``: customers at last month-end with no MRR at this month-end.
        * ``mrr``, ``previous_mrr``, the five movements, ``mrr_change = mrr - previous_mrr``.
        * ``arr = 12 x mrr`` and ``arpa = mrr / customers`` (exact, to the cent).
        * ``logo_churn_rate = churned_customers / previous_customers`` (ChartMogul customer churn
          rate; Baremetrics "user churn").
        * ``gross_mrr_churn_rate = -(churned + contraction) / previous_mrr``, movements of the
          starting customers only, as a positive rate (ChartMogul, Baremetrics).
        * ``net_mrr_churn_rate = -(churned + contraction + expansion + reactivation) /
          previous_mrr``, ChartMogul's net MRR churn rate: reactivation counts, and the rate is
          negative when expansion outweighs churn.
        * ``grr = sum(min(mrr, previous_mrr)) / sum(previous_mrr)`` and ``nrr = sum(mrr) /
          sum(previous_mrr)`` over the customers at last month-end (Bessemer's and KeyBanc's
          cohort definitions, one month long): ``grr = 1 - gross_mrr_churn_rate``, and ``nrr`` is
          ``1 -`` the net churn without reactivation (new business is never in it).
        * ``grr_ttm`` / ``nrr_ttm``: the same over twelve months, for the customers at the month-end
          twelve months earlier: their MRR now (capped per account at their MRR then, for GRR)
          over their MRR then; null when that month is not in ``account_months``.
        * ``quick_ratio = (new + expansion + reactivation) / |churned + contraction|`` (Mamoon
          Hamid's SaaS quick ratio, Social Capital); null when nothing was lost.

    Examples
    --------
    >>> monthly = retention_by_month(account_months, by="plan")  # doctest: +SKIP
    """
    require_columns(account_months, ACCOUNT_MONTH_COLUMNS, what="the account_months table")
    segments = segment_columns(account_months, by, what="the account_months table")

    # Step 1: per row, the part that belongs to the starting base (customers at last month-end).
    zero = ibis.literal(_ZERO, type=MONEY)
    in_base = account_months.was_customer
    rows = account_months.mutate(
        _churned_customer=(in_base & ~account_months.is_customer).cast("int64"),
        _base_mrr=in_base.ifelse(account_months.mrr, zero),
        _retained_mrr=in_base.ifelse(
            ibis.least(account_months.mrr, account_months.previous_mrr), zero
        ),
        _base_lost=in_base.ifelse(
            account_months.churned_mrr + account_months.contraction_mrr, zero
        ),
        _base_expansion=in_base.ifelse(account_months.expansion_mrr, zero),
    )

    # Step 2: monthly (and segment) sums.
    monthly = rows.group_by(["month", *segments]).aggregate(
        customers=rows.is_customer.cast("int64").sum(),
        previous_customers=rows.was_customer.cast("int64").sum(),
        churned_customers=rows._churned_customer.sum(),
        mrr=rows.mrr.sum(),
        previous_mrr=rows.previous_mrr.sum(),
        **{m: rows[m].sum() for m in _MOVEMENTS},
        _base_mrr=rows._base_mrr.sum(),
        _retained_mrr=rows._retained_mrr.sum(),
        _base_lost=rows._base_lost.sum(),
        _base_expansion=rows._base_expansion.sum(),
    )
    monthly = monthly.mutate(_idx=month_index(monthly.month))

    # Step 3: trailing twelve months: the customers at the month-end twelve months earlier, in the
    # segment they had then, followed to this month-end (absent rows count as no MRR).
    ttm = _trailing_twelve_months(rows, segments)
    monthly = monthly.left_join(
        ttm, [monthly._idx == ttm._idx, *null_safe_equal(monthly, ttm, segments)]
    )

    # Step 4: the rates, then the final selection.
    lost = monthly._base_lost.abs()
    all_lost = (monthly.churned_mrr + monthly.contraction_mrr).abs()
    gained = monthly.new_mrr + monthly.expansion_mrr + monthly.reactivation_mrr
    net_lost = monthly._base_lost + monthly._base_expansion + monthly.reactivation_mrr
    return monthly.select(
        "month",
        *segments,
        "customers",
        "previous_customers",
        "churned_customers",
        mrr=money(monthly.mrr),
        previous_mrr=money(monthly.previous_mrr),
        arr=money(monthly.mrr * 12),
        arpa=divide_money(monthly.mrr, monthly.customers),
        **{m: money(monthly[m]) for m in _MOVEMENTS},
        mrr_change=money(monthly.mrr - monthly.previous_mrr),
        logo_churn_rate=ratio(monthly.churned_customers, monthly.previous_customers),
        gross_mrr_churn_rate=ratio(lost, monthly.previous_mrr),
        net_mrr_churn_rate=ratio(-net_lost, monthly.previous_mrr),
        grr=ratio(monthly._retained_mrr, monthly.previous_mrr),
        nrr=ratio(monthly._base_mrr, monthly.previous_mrr),
        grr_ttm=ratio(monthly._ttm_retained_mrr, monthly._ttm_start_mrr),
        nrr_ttm=ratio(monthly._ttm_mrr, monthly._ttm_start_mrr),
        quick_ratio=ratio(gained, all_lost),
    )


def _trailing_twelve_months(rows: ir.Table, segments: list[str]) -> ir.Table:
    """Per target month index and starting segment: start MRR, MRR now, and MRR now capped."""
    start = rows.filter(rows.is_customer).select(
        "account_id", *segments, _start_idx=month_index(rows.month), _start_mrr=rows.mrr
    )
    later = rows.select(
        _later_account=rows.account_id, _later_idx=month_index(rows.month), _later_mrr=rows.mrr
    )
    followed = start.left_join(
        later,
        [
            start.account_id == later._later_account,
            later._later_idx == start._start_idx + 12,
        ],
    )
    zero = ibis.literal(_ZERO, type=MONEY)
    now = followed._later_mrr.coalesce(zero)
    followed = followed.mutate(
        _idx=followed._start_idx + 12,
        _now=now,
        _capped=ibis.least(now, followed._start_mrr),
    )
    return followed.group_by(["_idx", *segments]).aggregate(
        _ttm_start_mrr=followed._start_mrr.sum(),
        _ttm_mrr=followed._now.sum(),
        _ttm_retained_mrr=followed._capped.sum(),
    )
