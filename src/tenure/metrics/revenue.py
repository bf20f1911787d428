"""All revenue metrics for a month range, as pandas DataFrames: the Python API for notebooks.

The account-month MRR table is computed once and cached on the engine; every other table
(monthly movements and retention, unit economics, cohorts, trials) is derived from it, so the whole
suite costs one pass over the subscriptions.

Examples
--------
>>> from tenure.metrics.revenue import revenue_metrics      # doctest: +SKIP
>>> rm = revenue_metrics(Warehouse("demo/warehouse.duckdb"))  # doctest: +SKIP
>>> rm.monthly[["month", "mrr", "nrr", "grr"]].tail(3)         # doctest: +SKIP
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

import ibis
import pandas as pd
import pyarrow as pa

from tenure.config import RevenueDefinitions
from tenure.metrics.cohorts import cohort_retention
from tenure.metrics.mrr import ACCOUNT_ATTRIBUTES, account_months
from tenure.metrics.period import MonthRange, add_months, data_month_range
from tenure.metrics.retention import retention_by_month
from tenure.metrics.trials import trial_metrics
from tenure.metrics.unit_economics import unit_economics_by_month
from tenure.warehouse import Warehouse

__all__ = ["RevenueMetrics", "revenue_metrics"]

@dataclass
class RevenueMetrics:
    """The revenue metrics of one month range (and optional segmentation).

    Attributes
    ----------
    period
        The months covered, ``[start, end)``.
    monthly
        One row per month (and segment): MRR, ARR, customers, ARPA, the five movements, churn rates,
        GRR/NRR (monthly and trailing twelve months), quick ratio.
    unit_economics
        One row per month: gross margin, LTV, CAC, CAC payback, magic number and the profit equation
        (empty when the warehouse has no ``spend`` table and no segmentation is asked).
    cohorts
        Long table: cohort (first paid month) x months since start, logo and revenue retention.
    trials
        One row per trial-start month: trials started, converted, conversion rate, time to convert
        (empty when there is no ``trials`` table). Conversion is the trials table's
        ``converted_at``; when no trial has one, the first paid line within 30 days of the trial.
    account_months
        Grain (account_id, month): each account's MRR and movements, for drilling into a number
        (empty unless asked for with ``include_accounts=True``).
    """

    period: MonthRange
    definitions: RevenueDefinitions
    by: list[str]
    monthly: pd.DataFrame
    unit_economics: pd.DataFrame
    cohorts: pd.DataFrame
    trials: pd.DataFrame
    account_months: pd.DataFrame = field(repr=False)


def _frame(expr: ibis.Table) -> pd.DataFrame:
    """Execute ``expr`` into pandas through Arrow: money stays ``Decimal``, dates become
    ``datetime64``. (Arrow's conversion is an order of magnitude faster than Ibis's own
    ``to_pandas`` for decimal columns.)"""
    return _arrow_frame(expr.to_pyarrow())


def _arrow_frame(table: pa.Table) -> pd.DataFrame:
    return table.to_pandas(date_as_object=False)


@contextmanager
def _materialised(warehouse: Warehouse, expr: ibis.Table) -> Iterator[ibis.Table]:
    """``expr`` computed once and stored on the engine for the queries that read it.

    DuckDB keeps it as a temporary table (``Table.cache``). On other engines the result is
    fetched and registered as a temporary view: ibis 12's ``cache`` does not work on PySpark.
    """
    if warehouse.is_duckdb:
        cached = expr.cache()
        try:
            yield cached
        finally:
            cached.release()
        return
    con = warehouse.con
    name = f"tenure_account_months_{uuid.uuid4().hex[:12]}"
    view = con.create_view(name, ibis.memtable(con.to_pyarrow(expr)), overwrite=True)
    try:
        yield view
    finally:
        con.drop_view(name, force=True)


def _segments(by: str | list[str] | None) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def revenue_metrics(
    warehouse: Warehouse,
    *,
    start: date | None = None,
    end: date | None = None,
    definitions: RevenueDefinitions | None = None,
    by: str | list[str] | None = None,
    include_accounts: bool = False,
) -> RevenueMetrics:
    """Compute every revenue metric for months ``[start, end)``.

    Parameters
    ----------
    warehouse
        Where the canonical tables live (DuckDB file, or any Ibis backend via
        ``Warehouse.from_backend``).
    start, end
        Month starts; default to the months the subscription data covers.
    definitions
        Customer definitions (see ``docs/settings.md``); defaults to ``RevenueDefinitions()``.
    by
        Segment column(s): ``plan`` or an account attribute (industry, country, size, channel,
        owner). Totals are the sum of segments.
    include_accounts
        Also return the account-month table (one row per account and month: large).
    """
    definitions = definitions or RevenueDefinitions()
    segments = _segments(by)
    subscriptions = warehouse.table("subscriptions")
    accounts = warehouse.table("accounts") if warehouse.has_table("accounts") else None

    covered = data_month_range(subscriptions)
    period = MonthRange(start or covered.start, end or covered.end)

    # Step 1: account-month MRR with movements, computed once and cached on the engine. The
    # twelve months before the range are included so trailing-twelve-month retention is right.
    history_start = min(covered.start, add_months(period.start, -12))
    # Account attributes are joined only when a segment or the drill-down table needs them.
    needs_attributes = include_accounts or any(c in ACCOUNT_ATTRIBUTES for c in segments)
    expr = account_months(
        subscriptions,
        start=history_start,
        end=period.end,
        definitions=definitions,
        accounts=accounts if needs_attributes else None,
    )
    with _materialised(warehouse, expr) as am:
        in_range = am.month >= period.start

        # Step 2: company-level totals and retention, fetched once: they are the monthly table
        # when no segment is asked, and the unit economics below read them rather than
        # recomputing them.
        company = retention_by_month(am).to_pyarrow()
        if segments:
            monthly = retention_by_month(am, by=segments)
            monthly = monthly.filter(monthly.month >= period.start)
            monthly_df = _frame(monthly.order_by([*segments, "month"]))
        else:
            monthly_df = _arrow_frame(company)
            monthly_df = monthly_df[monthly_df["month"] >= pd.Timestamp(period.start)]
            monthly_df = monthly_df.sort_values("month", ignore_index=True)

        # Step 3: unit economics and the profit equation (company level only).
        spend = warehouse.table("spend") if warehouse.has_table("spend") else None
        # (On Spark an in-memory table turns null rates into NaN, which poisons the trailing
        # averages, so there the retention is recomputed inside the query instead.)
        fetched = ibis.memtable(company) if warehouse.is_duckdb else None
        ue = unit_economics_by_month(am, spend, retention=fetched)
        ue_df = _frame(ue.filter(ue.month >= period.start).order_by("month"))

        # Step 4: cohorts by first paid month, within the range.
        cohorts = cohort_retention(am.filter(am.first_paid_month >= period.start), by=None)
        cohorts_df = _frame(cohorts.order_by(["cohort", "months_since_start"]))

        # Step 5: trial conversion by trial-start month, from the recorded converted_at; only
        # when the source recorded none at all is it inferred from the first paid line after
        # the trial (a join over every subscription line, ten times slower).
        if warehouse.has_table("trials"):
            trials_table = warehouse.table("trials")
            recorded = trials_table.converted_at.notnull().any().to_pyarrow().as_py()
            trials = trial_metrics(
                trials_table, None if recorded else subscriptions,
                start=period.start, end=period.end,
            )
            trials_df = _frame(trials.order_by("month"))
        else:
            trials_df = pd.DataFrame()

        am_df = (
            _frame(am.filter(in_range).order_by(["account_id", "month"]))
            if include_accounts
            else pd.DataFrame()
        )
    return RevenueMetrics(
        period=period,
        definitions=definitions,
        by=segments,
        monthly=monthly_df,
        unit_economics=ue_df,
        cohorts=cohorts_df,
        trials=trials_df,
        account_months=am_df,
    )

