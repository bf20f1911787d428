"""Every value Tenure writes to a PySpark warehouse reads back as written, nulls included.

Ibis 12's PySpark ``create_table`` once made every value of an integer column null when the
column held a single null, and raised on a decimal column with a null; these tests read the
tables back through Spark itself (not through Ibis) so the check does not share Ibis's code.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pyarrow as pa
import pytest

from tenure.warehouse import Warehouse
from test_spark_support import own_spark_database

pytestmark = pytest.mark.spark

#: A database of its own, so tables of the same names in the shared session are never touched.
DATABASE = "tenure_spark_writes"
MONEY = pa.decimal128(18, 2)


@pytest.fixture
def spark_warehouse(spark_backend) -> Warehouse:
    with own_spark_database(spark_backend, DATABASE) as wh:
        yield wh


def _awkward() -> pa.Table:
    """One column of each type Tenure writes, most with a null; ``seats`` has exactly one."""
    return pa.table({
        "account_id": pa.array(["a", "b", None], pa.string()),
        "seats": pa.array([3, None, 9_007_199_254_740_993], pa.int64()),  # 2**53 + 1: not a float
        "mrr": pa.array([Decimal("156.00"), None, Decimal("9999999999999999.99")], MONEY),
        "start_date": pa.array([date(2024, 1, 31), None, date(1999, 12, 31)], pa.date32()),
        "occurred_at": pa.array([datetime(2024, 2, 29, 23, 59, 59, 999_999), None,
                                 datetime(2024, 3, 31, 1, 30)], pa.timestamp("us")),
        "is_trial": pa.array([True, None, False], pa.bool_()),
        "score": pa.array([0.25, None, 1.0], pa.float64()),
    })


def _read(warehouse: Warehouse, name: str) -> tuple[dict[str, str], list[tuple]]:
    """Spark's column types and rows (sorted; nulls first) of table ``name``."""
    frame = warehouse.con._session.table(name)
    rows = sorted((tuple(row) for row in frame.collect()),
                  key=lambda row: [(v is not None, v) for v in row])
    return dict(frame.dtypes), rows


def _rows(table: pa.Table) -> list[tuple]:
    rows = [tuple(row.values()) for row in table.to_pylist()]
    return sorted(rows, key=lambda row: [(v is not None, v) for v in row])


def test_replace_tables_keeps_every_value_and_type(spark_warehouse: Warehouse) -> None:
    written = _awkward()
    spark_warehouse.replace_tables({"awkward": written, "empty": written.slice(0, 0)})
    types, rows = _read(spark_warehouse, "awkward")
    assert types == {"account_id": "string", "seats": "bigint", "mrr": "decimal(18,2)",
                     "start_date": "date", "occurred_at": "timestamp", "is_trial": "boolean",
                     "score": "double"}
    assert rows == _rows(written)
    assert _read(spark_warehouse, "empty") == (types, [])
    # Ibis reads it back with the written Arrow types too, so the metrics see money as decimal.
    assert spark_warehouse.table("awkward").to_pyarrow().schema == written.schema


def test_replace_snapshots_keeps_integer_nulls_across_snapshots(
        spark_warehouse: Warehouse) -> None:
    jan, feb = date(2025, 1, 6), date(2025, 2, 3)

    def snapshot(day: date, seats: list[int | None], mrr: list[Decimal | None]) -> pa.Table:
        return pa.table({"as_of_date": pa.array([day, day], pa.date32()),
                         "account_id": ["a", "b"],
                         "seats": pa.array(seats, pa.int64()),
                         "mrr": pa.array(mrr, MONEY)})

    spark_warehouse.replace_snapshots(
        "history", snapshot(jan, [1, None], [Decimal("1.10"), None]), by=["as_of_date"])
    spark_warehouse.replace_snapshots(
        "history", snapshot(feb, [None, 5], [None, Decimal("2.20")]), by=["as_of_date"])
    # February again, with a column a newer Tenure adds: it replaces February, null in January.
    again = snapshot(feb, [None, 6], [None, Decimal("3.30")])
    again = again.append_column("open_tickets", pa.array([None, 2], pa.int64()))
    spark_warehouse.replace_snapshots("history", again, by=["as_of_date"])
    types, rows = _read(spark_warehouse, "history")
    assert types["seats"] == types["open_tickets"] == "bigint"
    assert types["mrr"] == "decimal(18,2)"
    assert rows == [
        (jan, "a", 1, Decimal("1.10"), None),
        (jan, "b", None, None, None),
        (feb, "a", None, None, None),
        (feb, "b", 6, Decimal("3.30"), 2),
    ]
