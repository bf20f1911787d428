"""All revenue metrics for a month range, as pandas DataFrames: the Python API for notebooks.

The account-month MRR table is computed once and kept on the engine; every other table
(monthly movements and retention, unit economics, cohorts, trials) is derived from it, so the whole
suite costs one pass over the subscriptions. On DuckDB the SQL of every query is compiled on the
first call of a kind and re-run on later ones, in this process and, through the SQL cache beside
the warehouse file, in later ones (see :mod:`tenure.metrics._queries`). The month range is not
part of a kind: the SQL reads the months from a one-row parameters table, so a new range compiles
nothing.

Examples
--------
>>> from tenure.metrics.revenue import revenue_metrics      # doctest: +SKIP
>>> rm = revenue_metrics(Warehouse("demo/warehouse.duckdb"))  # doctest: +SKIP
>>> rm.monthly[["month", "mrr", "nrr", "grr"]].tail(3)         # doctest: +SKIP
"""

from __future__ import annotations

import functools
import logging
import time
from dataclasses import dataclass, field
from datetime import date

import ibis
import pandas as pd
import pyarrow as pa

from tenure.config import RevenueDefinitions
from tenure.metrics._queries import PlanKey, QueryRunner, read_schemas
from tenure.metrics.cohorts import cohort_retention
from tenure.metrics.mrr import ACCOUNT_ATTRIBUTES, account_months
from tenure.metrics.period import (
    MonthRange,
    add_months,
    as_of_month_end,
    data_bounds,
    month_range_of_bounds,
)
from tenure.metrics.retention import retention_by_month
from tenure.metrics.trials import trial_metrics
from tenure.metrics.unit_economics import unit_economics_by_month
from tenure.warehouse import Warehouse

__all__ = ["RevenueMetrics", "SqlWarmUp", "revenue_metrics", "warm_sql_cache", "warm_up_shapes"]

log = logging.getLogger(__name__)

#: Tables read when present, besides ``subscriptions``.
OPTIONAL_TABLES = ("accounts", "spend", "trials")

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


def _frame(table: pa.Table) -> pd.DataFrame:
    """Arrow to pandas: money stays ``Decimal``, dates become ``datetime64``. (Arrow's
    conversion is an order of magnitude faster than Ibis's own ``to_pandas`` for decimals.)"""
    return table.to_pandas(date_as_object=False)


def _any_conversion(trials: ibis.Table) -> ibis.Table:
    """One row: whether any trial has a recorded ``converted_at``."""
    return trials.aggregate(recorded=trials.converted_at.notnull().any())


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
        Month starts, ``[start, end)``. ``start`` defaults to the first month of the data;
        ``end`` to the month after the last load's as-of date (the day the export describes,
        :func:`~tenure.metrics.period.as_of_month_end`), or to the month after the last start or
        cancellation when that is later or no load is recorded.
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
    schemas = read_schemas(warehouse, ("subscriptions", *OPTIONAL_TABLES))
    present = {name for name, _ in schemas}
    if "subscriptions" not in present:
        warehouse.table("subscriptions")  # raises the error that names the fix

    # Ibis tables are opened only if a query has to be built: a call whose SQL is stored runs
    # it directly (opening a table costs Ibis a DESCRIBE and parsing every column type).
    @functools.cache
    def source(name: str) -> ibis.Table:
        return warehouse.con.table(name)

    # Step 0: the months the data covers, and whether trial conversions are recorded.
    with QueryRunner(warehouse, PlanKey(schemas=schemas, options=("bounds",))) as run:
        bounds = run.fetch("bounds", lambda: data_bounds(source("subscriptions")))
        # Trial conversion comes from the recorded converted_at; only when the source recorded
        # none at all is it inferred from the first paid line after the trial (a join over
        # every subscription line, ten times slower).
        recorded = "trials" in present and bool(
            run.fetch("recorded", lambda: _any_conversion(source("trials")))[0][0].as_py()
        )
    covered = month_range_of_bounds(bounds.to_pylist()[0])
    if end is None:  # to the day the export describes, so a churn after the last start shows
        end = max(covered.end, as_of_month_end(warehouse) or covered.end)
    period = MonthRange(start or covered.start, end)
    # The twelve months before the range are included so trailing-twelve-month retention is
    # right.
    history_start = min(covered.start, add_months(period.start, -12))
    # Account attributes are joined only when a segment or the drill-down table needs them.
    needs_attributes = include_accounts or any(c in ACCOUNT_ATTRIBUTES for c in segments)
    has_accounts = needs_attributes and "accounts" in present
    has_spend = "spend" in present
    has_trials = "trials" in present

    # The months are not in the key: they are parameters the SQL reads when it runs, so a
    # new month range reuses the compiled SQL.
    key = PlanKey(
        schemas=schemas,
        options=(
            definitions.model_dump_json(), tuple(segments), include_accounts, needs_attributes,
            recorded,
        ),
    )
    with QueryRunner(warehouse, key) as run:
        months = run.parameters(start=period.start, end=period.end, history_start=history_start)
        start, end = months["start"], months["end"]

        # Step 1: account-month MRR with movements, computed once and kept on the engine.
        run.materialise(
            "account_months",
            lambda: account_months(
                source("subscriptions"), start=months["history_start"], end=end,
                definitions=definitions, accounts=source("accounts") if has_accounts else None,
            ),
        )

        # Step 2: company-level totals and retention, kept too: they are the monthly table when
        # no segment is asked, and the unit economics read them rather than recomputing them.
        run.materialise("company", lambda: retention_by_month(run.table("account_months")))

        def monthly() -> ibis.Table:
            if segments:
                table = retention_by_month(run.table("account_months"), by=segments)
            else:
                table = run.table("company")
            table = table.filter(table.month >= start)
            return table.order_by([*segments, "month"])

        monthly_df = _frame(run.fetch("monthly", monthly))

        # Step 3: unit economics and the profit equation (company level only).
        def unit_economics() -> ibis.Table:
            am = run.table("account_months")
            company = run.table("company")
            spend = source("spend") if has_spend else None
            ue = unit_economics_by_month(am, spend, retention=company)
            return ue.filter(ue.month >= start).order_by("month")

        ue_df = _frame(run.fetch("unit_economics", unit_economics))

        # Step 4: cohorts by first paid month, within the range.
        def cohorts() -> ibis.Table:
            am = run.table("account_months")
            table = cohort_retention(am.filter(am.first_paid_month >= start), by=None)
            return table.order_by(["cohort", "months_since_start"])

        cohorts_df = _frame(run.fetch("cohorts", cohorts))

        # Step 5: trial conversion by trial-start month.
        if has_trials:
            trials_df = _frame(
                run.fetch(
                    "trials",
                    lambda: trial_metrics(
                        source("trials"), None if recorded else source("subscriptions"),
                        start=start, end=end,
                    ).order_by("month"),
                )
            )
        else:
            trials_df = pd.DataFrame()

        def drill_down() -> ibis.Table:
            am = run.table("account_months")
            return am.filter(am.month >= start).order_by(["account_id", "month"])

        am_df = _frame(run.fetch("accounts", drill_down)) if include_accounts else pd.DataFrame()
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


@dataclass(frozen=True)
class SqlWarmUp:
    """What :func:`warm_sql_cache` did.

    Attributes
    ----------
    seconds
        Time the call took.
    error
        Why it failed (``None`` when the SQL is now stored); the failure was logged, not raised.
    shapes
        The kinds of call whose SQL is now stored, each as ``tenure metrics`` options (``""``
        for the default call), in the order prepared.
    """

    seconds: float
    error: str | None = None
    shapes: tuple[str, ...] = ()


def warm_up_shapes(warehouse: Warehouse) -> list[dict[str, object]]:
    """The kinds of call :func:`warm_sql_cache` prepares, as ``revenue_metrics`` options.

    The default call (what ``tenure metrics`` and ``tenure report`` run without options), the
    account drill-down (``--table accounts``), and ``--by`` each built-in segment the data has:
    ``plan``, and every account attribute (:data:`tenure.metrics.mrr.ACCOUNT_ATTRIBUTES`) that
    is a column of ``accounts``. Combinations of them are left to compile when first asked.
    """
    shapes: list[dict[str, object]] = [{}, {"include_accounts": True}, {"by": "plan"}]
    columns = dict(read_schemas(warehouse, ("accounts",))).get("accounts", ())
    present = {column[0] for column in columns}
    shapes += [{"by": name} for name in ACCOUNT_ATTRIBUTES if name in present]
    return shapes


def _options_text(shape: dict[str, object]) -> str:
    if shape.get("by"):
        return f"--by {shape['by']}"
    return "--table accounts" if shape.get("include_accounts") else ""


def warm_sql_cache(
    warehouse: Warehouse, *, definitions: RevenueDefinitions | None = None
) -> SqlWarmUp | None:
    """Run each common kind of call once, so later processes find their compiled SQL on disk.

    ``tenure load`` calls it after a successful load: a load usually changes the table schemas
    the stored SQL is keyed by, and the first ``tenure metrics`` of each kind after it would
    otherwise pay Ibis's compilation (three to five times the call itself on ten thousand
    accounts). The kinds are those of :func:`warm_up_shapes`, ``definitions`` as in the project
    settings. The default call covers every month; the others cover only the first month, since
    the months are parameters of the stored SQL (any range reuses it) and a short range keeps
    DuckDB's share of the warm-up small. It writes nothing to the warehouse (its temporary
    tables are dropped), only to the SQL cache beside the file.

    Returns ``None`` when there is nothing to prepare (no ``subscriptions`` table, or an engine
    other than DuckDB, which compiles every call anyway). Never raises for a failed call: the
    error is logged and returned in :attr:`SqlWarmUp.error` (with the kinds stored before it),
    since the data it follows is already loaded and the next call simply compiles.
    """
    if not warehouse.is_duckdb or not warehouse.has_table("subscriptions"):
        return None
    started = time.perf_counter()
    done: list[str] = []
    try:
        default, *others = warm_up_shapes(warehouse)
        first = revenue_metrics(warehouse, definitions=definitions, **default).period.start
        done.append(_options_text(default))
        for shape in others:
            revenue_metrics(warehouse, definitions=definitions, start=first,
                            end=add_months(first, 1), **shape)
            done.append(_options_text(shape))
    except Exception as error:  # any failure only costs the next calls their compilation
        log.info("revenue SQL not prepared after the load", exc_info=True)
        return SqlWarmUp(time.perf_counter() - started, f"{type(error).__name__}: {error}",
                         tuple(done))
    return SqlWarmUp(time.perf_counter() - started, shapes=tuple(done))
