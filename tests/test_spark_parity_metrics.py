"""The retention, unit-economics, cohort and trial metrics give the same numbers on PySpark.

Each function runs on the same hand-built inputs on DuckDB and on the shared local Spark
session; money must match exactly, rates to floating-point tolerance.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import ibis
import pandas as pd
import pytest

from tenure.metrics.cohorts import cohort_retention
from tenure.metrics.retention import retention_by_month
from tenure.metrics.trials import trial_metrics
from tenure.metrics.unit_economics import unit_economics_by_month
from test_retention_data import golden_rows, months_from, rows_from_series, table, ttm_rows
from test_trials import subscriptions_table, trials_table
from test_unit_economics import spend_table

pytestmark = pytest.mark.spark


def _account_months() -> ibis.Table:
    """Golden January-April 2024 rows plus fourteen months with a year of history."""
    extra = rows_from_series(
        {"m": [100, 100, 0, 0, 30, 30, 30, 30, 45, 45, 45, 45, 45, 60, 60, 60, 60, 60]},
        months_from(date(2023, 1, 1), 18),
        {"m": None},  # a null segment must match itself in the segment joins
    )
    return table(golden_rows() + ttm_rows() + extra)


def _spend() -> ibis.Table:
    months = months_from(date(2023, 1, 1), 18)
    return spend_table([(m, str(100 + 10 * i), str(20 + i)) for i, m in enumerate(months)])


def _same(duck: pd.DataFrame, spark: pd.DataFrame, keys: list[str]) -> None:
    """Equal frames: the same rows in the same order, exact money, approximately equal floats."""
    duck = duck.sort_values(keys, na_position="first").reset_index(drop=True)
    spark = spark.sort_values(keys, na_position="first").reset_index(drop=True)
    assert list(duck.columns) == list(spark.columns)
    assert len(duck) == len(spark) > 0
    for column in duck.columns:
        left, right = duck[column].tolist(), spark[column].tolist()
        if pd.api.types.is_float_dtype(duck[column]):
            assert [pd.isna(v) for v in left] == [pd.isna(v) for v in right], column
            defined = [(a, b) for a, b in zip(left, right, strict=True) if not pd.isna(a)]
            assert [b for _, b in defined] == pytest.approx([a for a, _ in defined]), column
        else:
            left = [None if v is None or (not isinstance(v, str | Decimal) and pd.isna(v))
                    else v for v in left]
            right = [None if v is None or (not isinstance(v, str | Decimal) and pd.isna(v))
                     else v for v in right]
            assert left == right, column


def _both(expr: ibis.Table, spark_backend) -> tuple[pd.DataFrame, pd.DataFrame]:
    duck = ibis.duckdb.connect().execute(expr)
    return duck, spark_backend.execute(expr)


def test_retention_by_month(spark_backend) -> None:
    duck, spark = _both(retention_by_month(_account_months(), by="plan"), spark_backend)
    _same(duck, spark, ["month", "plan"])
    assert duck.grr_ttm.notna().any()


def test_retention_totals(spark_backend) -> None:
    duck, spark = _both(retention_by_month(_account_months()), spark_backend)
    _same(duck, spark, ["month"])


def test_unit_economics_by_month(spark_backend) -> None:
    duck, spark = _both(unit_economics_by_month(_account_months(), _spend()), spark_backend)
    _same(duck, spark, ["month"])
    assert duck.magic_number.notna().any()
    assert duck.ltv.notna().any()
    duck, spark = _both(unit_economics_by_month(_account_months()), spark_backend)
    _same(duck, spark, ["month"])


def test_cohort_retention(spark_backend) -> None:
    duck, spark = _both(cohort_retention(_account_months(), by="plan"), spark_backend)
    _same(duck, spark, ["cohort", "plan", "months_since_start"])


def test_trial_metrics(spark_backend) -> None:
    start, end = date(2024, 1, 1), date(2024, 4, 1)
    for subscriptions in (None, subscriptions_table()):
        expr = trial_metrics(trials_table(), subscriptions, start=start, end=end)
        duck, spark = _both(expr, spark_backend)
        _same(duck, spark, ["month"])
