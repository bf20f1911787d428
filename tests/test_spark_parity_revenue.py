"""The whole revenue facade (``revenue_metrics``) gives identical results on PySpark and DuckDB.

The per-function parity tests cover each metric; this one covers the facade's own plumbing on a
second engine (materialising the account-months, reading tables through ``Warehouse``), on the
awkward-case fixture of ``test_spark_parity_mrr`` plus trials and spend.
"""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

import ibis
import pandas as pd
import pyarrow as pa
import pytest

from tenure.config import RevenueDefinitions
from tenure.metrics.revenue import revenue_metrics
from tenure.warehouse import Warehouse
from test_mrr import subscriptions_arrow
from test_spark_parity_mrr import INDUSTRY, LINES

pytestmark = pytest.mark.spark


def _tables() -> dict[str, pa.Table]:
    accounts = pa.table({"account_id": list(INDUSTRY), "industry": list(INDUSTRY.values())})
    trials = pa.table({
        "account_id": ["trial", "jl"],
        "started_at": [date(2024, 1, 1), date(2024, 1, 20)],
        "ends_at": [date(2024, 1, 15), date(2024, 2, 3)],
        "converted_at": [date(2024, 1, 15), None],
    })
    money = pa.decimal128(18, 2)
    spend = pa.table({
        "month": [date(2024, m, 1) for m in range(1, 8)],
        "sales_marketing": pa.array([Decimal("100.00")] * 7, type=money),
        "cost_of_service": pa.array([Decimal("20.00")] * 7, type=money),
    })
    return {"subscriptions": subscriptions_arrow(LINES), "accounts": accounts,
            "trials": trials, "spend": spend}


def _same(left: pd.DataFrame, right: pd.DataFrame) -> None:
    assert list(left.columns) == list(right.columns)
    assert len(left) == len(right)
    for col in left.columns:
        for a, b in zip(left[col], right[col], strict=True):
            if isinstance(a, float) or isinstance(b, float):
                if pd.isna(a) or pd.isna(b):
                    assert pd.isna(a) == pd.isna(b), col
                else:
                    assert math.isclose(a, b, rel_tol=1e-12), col
            else:
                assert a == b, (col, a, b)


@pytest.mark.parametrize("definitions", [
    RevenueDefinitions(),
    RevenueDefinitions(churn_recognition="cancellation", grace_period_days=5),
], ids=["default", "cancellation-grace"])
def test_revenue_metrics_agree(spark_backend, tmp_path, definitions):
    tables = _tables()
    with Warehouse(tmp_path / "wh.duckdb") as duck:
        duck.replace_tables(tables)
        on_duckdb = revenue_metrics(duck, definitions=definitions, by="industry")
        company = revenue_metrics(duck, definitions=definitions)

    for name, data in tables.items():
        spark_backend.create_view(name, ibis.memtable(data), overwrite=True)
    on_spark = revenue_metrics(Warehouse.from_backend(spark_backend), definitions=definitions,
                               by="industry")
    company_spark = revenue_metrics(Warehouse.from_backend(spark_backend),
                                    definitions=definitions)

    # Not vacuous: the fixture has churn, cohorts and trials in range.
    assert (company.monthly["churned_mrr"] < 0).any()
    assert len(company.cohorts) > 0
    assert company.trials["trials_started"].sum() == 2
    _same(on_duckdb.monthly, on_spark.monthly)
    _same(company.monthly, company_spark.monthly)
    _same(company.unit_economics, company_spark.unit_economics)
    _same(company.cohorts, company_spark.cohorts)
    _same(company.trials, company_spark.trials)
