"""Unit economics per month: ARPA, gross margin, LTV, CAC and its payback, magic number, profit.

Built on the monthly retention table (:func:`tenure.metrics.retention.retention_by_month`) and the
``spend`` table (grain: one row per month; ``sales_marketing`` and ``cost_of_service`` in
``decimal(18,2)``). The output grain is one row per ``month`` of the account-month table, for the
whole company: spend is not attributed to segments.

The profit equation (David Skok, "SaaS Metrics 2.0", For Entrepreneurs) is kept as columns::

    profit = (arpa - arc) x customers - cac x new_customers

where ``arc`` is the average recurring cost of serving one customer. Money stays exact
(``decimal(18,2)``); rates and multiples are ``float64``.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from tenure.errors import InputError
from tenure.metrics.retention import (
    ACCOUNT_MONTH_COLUMNS,
    divide_money,
    month_index,
    ratio,
    require_columns,
    retention_by_month,
)
from tenure.schema import MONEY

__all__ = ["unit_economics_by_month"]

SPEND_COLUMNS = ("month", "sales_marketing", "cost_of_service")


def unit_economics_by_month(
    account_months: ir.Table,
    spend: ir.Table | None = None,
    *,
    churn_window_months: int = 3,
    retention: ir.Table | None = None,
) -> ir.Table:
    """Unit economics and the profit equation, one row per month.

    Parameters
    ----------
    account_months
        Grain (account_id, month), as built by :func:`tenure.metrics.mrr.account_months`.
    spend
        The canonical ``spend`` table (month, sales_marketing, cost_of_service); several rows of
        one month are added up. Without it, every spend-based column is null.
    churn_window_months
        Months of logo churn averaged for LTV (the month itself and the ones before it).

    Returns
    -------
    ibis.Table
        One row per month, not executed:

        * ``customers``, ``churned_customers``, ``mrr``, ``arpa`` and ``logo_churn_rate`` as in
          :func:`~tenure.metrics.retention.retention_by_month`.
        * ``new_customers``: accounts with new MRR in the month (first paid month; includes those
          who joined and left in it, whom the month's acquisition spend also paid for;
          reactivations are not new).
        * ``trailing_logo_churn_rate``: mean of the monthly logo churn rates of the last
          ``churn_window_months`` months that have one (fewer at the start of the data).
        * ``sales_marketing``, ``cost_of_service``: the month's spend.
        * ``gross_margin = 1 - cost_of_service / mrr`` (recurring-revenue gross margin, as in
          KeyBanc's SaaS survey: cost of service over subscription revenue).
        * ``revenue_ltv = arpa / trailing_logo_churn_rate`` and ``ltv = arpa x gross_margin /
          trailing_logo_churn_rate`` (David Skok's customer lifetime value: margin per month over
          the monthly churn, i.e. times the expected lifetime ``1 / churn``); null when churn is 0,
          which would make the lifetime infinite. Money, rounded to the cent.
        * ``cac = sales_marketing / new_customers`` of the same month (Skok's fully-loaded CAC; no
          lag between spend and sign-up is assumed); null without new customers.
        * ``cac_payback_months = cac / (arpa x gross_margin)`` (Skok; Bessemer): months of gross
          margin to earn the CAC back; null when the monthly margin per customer is not positive.
        * ``magic_number``: the quarterly magic number (Scale Venture Partners, used by Bessemer),
          ``(revenue of this quarter - revenue of last quarter) x 4 / sales and marketing of last
          quarter``, on monthly rows as its trailing version: "this quarter" is this month and the
          two before, "last quarter" the three before those, revenue is the sum of their MRR.
          Null unless all six months are present and last quarter's spend is known and positive.
        * ``arc = cost_of_service / customers`` (average recurring cost per customer).
        * ``profit = mrr - cost_of_service - sales_marketing``: the exact value of the profit
          equation ``(arpa - arc) x customers - cac x new_customers`` before ARPA, ARC and CAC are
          rounded to the cent; when no customer was won, the month's sales and marketing spend is
          still subtracted.

    The company-level ``retention_by_month(account_months)`` may be passed as ``retention`` when
    the caller already has it (stored), so it is not computed twice.

    Examples
    --------
    >>> ue = unit_economics_by_month(account_months, warehouse.table("spend"))  # doctest: +SKIP
    """
    if churn_window_months < 1:
        raise InputError(
            f"churn_window_months must be at least 1 (found {churn_window_months}); "
            "use 1 for the month's own churn or 3, 6, 12 for a smoother trailing average."
        )
    require_columns(account_months, ACCOUNT_MONTH_COLUMNS, what="the account_months table")

    # Step 1: customers, MRR, ARPA and logo churn per month, plus the new customers.
    if retention is None:
        retention = retention_by_month(account_months)
    new = account_months.group_by("month").aggregate(
        new_customers=(account_months.new_mrr > 0).cast("int64").sum()
    )
    monthly = retention.join(new, "month").select(
        "month", "customers", "new_customers", "churned_customers", "mrr", "arpa",
        "logo_churn_rate",
    )
    monthly = monthly.mutate(_idx=month_index(monthly.month))

    # Step 2: the month's spend (null columns without a spend table).
    monthly = _with_spend(monthly, spend)

    # Step 3: trailing windows over month indexes, so a month missing from the data is skipped
    # rather than taken for its neighbour.
    churn_window = ibis.window(order_by=monthly._idx, range=(-(churn_window_months - 1), 0))
    this_quarter = ibis.window(order_by=monthly._idx, range=(-2, 0))
    last_quarter = ibis.window(order_by=monthly._idx, range=(-5, -3))
    monthly = monthly.mutate(
        trailing_logo_churn_rate=monthly.logo_churn_rate.mean().over(churn_window),
        _quarter_revenue=monthly.mrr.sum().over(this_quarter),
        _quarter_months=monthly._idx.count().over(this_quarter),
        _last_quarter_revenue=monthly.mrr.sum().over(last_quarter),
        _last_quarter_months=monthly._idx.count().over(last_quarter),
        _last_quarter_spend=monthly.sales_marketing.sum().over(last_quarter),
        _last_quarter_spend_months=monthly.sales_marketing.count().over(last_quarter),
    )

    # Step 4: the unit economics, then the final selection.
    gross_margin = 1 - ratio(monthly.cost_of_service, monthly.mrr)
    arpa = monthly.arpa.cast("float64")
    margin_per_customer = arpa * gross_margin
    churn = monthly.trailing_logo_churn_rate.nullif(0.0)
    cac = divide_money(monthly.sales_marketing, monthly.new_customers)
    full_quarters = (monthly._quarter_months == 3) & (monthly._last_quarter_months == 3) & (
        monthly._last_quarter_spend_months == 3
    )
    growth = (monthly._quarter_revenue - monthly._last_quarter_revenue) * 4
    magic = ratio(growth, monthly._last_quarter_spend)
    return monthly.select(
        "month",
        "customers",
        "new_customers",
        "churned_customers",
        "mrr",
        "arpa",
        "logo_churn_rate",
        "trailing_logo_churn_rate",
        "sales_marketing",
        "cost_of_service",
        gross_margin=gross_margin,
        revenue_ltv=_float_money(arpa / churn),
        ltv=_float_money(margin_per_customer / churn),
        cac=cac,
        cac_payback_months=cac.cast("float64")
        / ibis.ifelse(margin_per_customer > 0, margin_per_customer, ibis.null("float64")),
        magic_number=ibis.ifelse(full_quarters, magic, ibis.null("float64")),
        arc=divide_money(monthly.cost_of_service, monthly.customers),
        profit=(monthly.mrr - monthly.cost_of_service - monthly.sales_marketing).cast(MONEY),
    )


def _with_spend(monthly: ir.Table, spend: ir.Table | None) -> ir.Table:
    """Left-join the month's sales and marketing and cost of service onto ``monthly``."""
    if spend is None:
        return monthly.mutate(
            sales_marketing=ibis.null(MONEY), cost_of_service=ibis.null(MONEY)
        )
    require_columns(
        spend,
        SPEND_COLUMNS,
        what="the spend table",
        fix="load a spend file with columns month, sales_marketing and cost_of_service",
    )
    per_month = spend.group_by(_spend_idx=month_index(spend.month)).aggregate(
        sales_marketing=spend.sales_marketing.sum().cast(MONEY),
        cost_of_service=spend.cost_of_service.sum().cast(MONEY),
    )
    joined = monthly.left_join(per_month, monthly._idx == per_month._spend_idx)
    return joined.drop("_spend_idx")


def _float_money(value: ir.FloatingValue) -> ir.DecimalValue:
    """A money amount computed through rates (LTV), rounded to the cent as ``decimal(18,2)``."""
    return value.round(2).cast(MONEY)
