"""Cohort retention: customers grouped by their first paid month, followed month by month.

A cohort is the set of accounts whose first month with paid MRR at month-end is the same
(``first_paid_month`` of the account-month table). Each cohort is followed for every month of the
account-month table from its start on, so the output grain is (``cohort``, segment,
``months_since_start``).

Choices made where vendors differ
---------------------------------
* A customer who joins and leaves inside one month has no month-end MRR, so it starts no cohort
  (ChartMogul's cohorts also start from month-end subscribers); it still counts as a new and a
  churned customer in :func:`~tenure.metrics.retention.retention_by_month`.
* Revenue retention is *net* (ChartMogul's "net MRR retention" cohort view, Baremetrics' revenue
  cohorts): expansion and reactivation of the cohort's accounts count, so it may exceed 1.
* A cohort whose first month is before the first month of the table is left out: its starting
  customers and MRR are unknown.
"""

from __future__ import annotations

import ibis.expr.types as ir
import pandas as pd

from tenure.errors import InputError
from tenure.metrics.retention import (
    money,
    month_index,
    null_safe_equal,
    ratio,
    require_columns,
    segment_columns,
)

__all__ = ["cohort_matrix", "cohort_retention"]

_COLUMNS = ("account_id", "month", "mrr", "is_customer", "first_paid_month")
#: Columns of :func:`cohort_retention`'s output other than its segment column.
COHORT_COLUMNS = (
    "cohort", "months_since_start", "month", "cohort_customers", "cohort_mrr", "customers", "mrr",
    "logo_retention", "revenue_retention",
)


def cohort_retention(account_months: ir.Table, *, by: str | None = None) -> ir.Table:
    """Logo and net revenue retention of each first-paid-month cohort, month by month.

    Parameters
    ----------
    account_months
        Grain (account_id, month), as built by :func:`tenure.metrics.mrr.account_months`.
    by
        Optional segment column (``plan`` or an account attribute); an account belongs to the
        segment of its first paid month.

    Returns
    -------
    ibis.Table
        Long table, one row per cohort (and segment) and month from the cohort's start, not
        executed:

        * ``cohort``: the first paid month; ``months_since_start``: 0 for that month, 1, 2, ...;
          ``month``: the calendar month.
        * ``cohort_customers`` and ``cohort_mrr``: accounts of the cohort and their MRR at the end
          of the first month.
        * ``customers`` and ``mrr``: those of the cohort's accounts with MRR at this month-end,
          and their MRR (reactivated accounts count again).
        * ``logo_retention = customers / cohort_customers`` and ``revenue_retention = mrr /
          cohort_mrr`` (net of expansion, contraction and reactivation), the standard cohort
          tables of ChartMogul and Baremetrics.

    Examples
    --------
    >>> long = cohort_retention(account_months).to_pandas()  # doctest: +SKIP
    >>> cohort_matrix(long, "logo_retention")  # doctest: +SKIP
    """
    require_columns(account_months, _COLUMNS, what="the account_months table")
    segments = segment_columns(account_months, by, what="the account_months table")

    # Step 1: each account's first month, when it ended that month as a paying customer.
    am = account_months
    starts = am.filter((am.month == am.first_paid_month) & am.is_customer).select(
        _start_account=am.account_id, cohort=am.month, _start_mrr=am.mrr,
        **{s: am[s] for s in segments},
    )

    # Step 2: cohort sizes.
    cohorts = starts.group_by(["cohort", *segments]).aggregate(
        cohort_customers=starts._start_account.count(),
        cohort_mrr=starts._start_mrr.sum(),
    )

    # Step 3: every month of the table from each cohort's start (so a month in which nobody of
    # the cohort is left still shows, with zero).
    months = am.select(_grid_month=am.month).distinct()
    grid = cohorts.join(months, months._grid_month >= cohorts.cohort)

    # Step 4: the cohort's accounts followed through the months; missing rows count as no MRR.
    followed = starts.join(am.select("account_id", "month", "mrr", "is_customer"),
                           starts._start_account == am.account_id)
    followed = followed.group_by(["cohort", *segments, "month"]).aggregate(
        _customers=followed.is_customer.cast("int64").sum(),
        _mrr=followed.mrr.sum(),
    )
    table = grid.left_join(
        followed,
        [
            grid.cohort == followed.cohort,
            grid._grid_month == followed.month,
            *null_safe_equal(grid, followed, segments),
        ],
    )

    # Step 5: retention, then the final selection.
    customers = table._customers.coalesce(0)
    return table.select(
        "cohort",
        *segments,
        months_since_start=month_index(table._grid_month) - month_index(table.cohort),
        month=table._grid_month,
        cohort_customers=table.cohort_customers,
        cohort_mrr=money(table.cohort_mrr),
        customers=customers,
        mrr=money(table._mrr),
        logo_retention=ratio(customers, table.cohort_customers),
        revenue_retention=ratio(table._mrr.coalesce(0), table.cohort_mrr),
    )


def cohort_matrix(df: pd.DataFrame, value: str) -> pd.DataFrame:
    """Pivot the long output of :func:`cohort_retention` into the familiar triangle.

    Parameters
    ----------
    df
        The executed output of :func:`cohort_retention`.
    value
        The column to show, e.g. ``"logo_retention"``, ``"revenue_retention"`` or ``"customers"``.

    Returns
    -------
    pandas.DataFrame
        Cohorts as rows (preceded by the segment when ``df`` has one), months since start as
        columns; months not reached yet are missing (NaN).

    Examples
    --------
    >>> long = pd.DataFrame({"cohort": ["2024-01", "2024-01", "2024-02"],
    ...                      "months_since_start": [0, 1, 0], "logo_retention": [1.0, 0.5, 1.0]})
    >>> cohort_matrix(long, "logo_retention")  # doctest: +NORMALIZE_WHITESPACE
    months_since_start    0    1
    cohort
    2024-01             1.0  0.5
    2024-02             1.0  NaN
    """
    if value not in df.columns or value in {"cohort", "months_since_start"}:
        raise InputError(
            f"cohort_matrix: value={value!r} is not a value column of the cohort table; choose "
            f"one of {', '.join(c for c in COHORT_COLUMNS[3:] if c in df.columns)}."
        )
    missing = [c for c in ("cohort", "months_since_start") if c not in df.columns]
    if missing:
        raise InputError(
            f"cohort_matrix: the table lacks {', '.join(missing)}; pass the executed output of "
            "tenure.metrics.cohorts.cohort_retention."
        )
    segments = [c for c in df.columns if c not in COHORT_COLUMNS]
    matrix = df.pivot(index=[*segments, "cohort"], columns="months_since_start", values=value)
    return matrix.sort_index().sort_index(axis=1)
