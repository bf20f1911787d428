"""Warehouse.replace_snapshots: dated snapshots replace their own rows and keep the history."""

from __future__ import annotations

from datetime import date

import duckdb
import pyarrow as pa
import pytest

from tenure.errors import WarehouseError


def _snapshot(day: date, scores: dict[str, float]) -> pa.Table:
    return pa.table({
        "account_id": list(scores),
        "as_of_date": [day] * len(scores),
        "score": list(scores.values()),
    })


def _rows(warehouse) -> list[tuple]:
    frame = warehouse.table("scores").to_pandas().sort_values(["as_of_date", "account_id"])
    return [(r.account_id, r.as_of_date.date(), r.score) for r in frame.itertuples()]


def test_history_is_kept_and_a_rewrite_replaces_only_its_date(warehouse):
    jan, feb = date(2025, 1, 6), date(2025, 2, 3)
    warehouse.replace_snapshots("scores", _snapshot(jan, {"a": 0.1, "b": 0.2}), by=["as_of_date"])
    warehouse.replace_snapshots("scores", _snapshot(feb, {"a": 0.3}), by=["as_of_date"])
    # Scoring February again (b is now scored too, a changed): January is untouched.
    warehouse.replace_snapshots("scores", _snapshot(feb, {"a": 0.4, "b": 0.5}), by=["as_of_date"])
    assert _rows(warehouse) == [
        ("a", jan, 0.1), ("b", jan, 0.2), ("a", feb, 0.4), ("b", feb, 0.5),
    ]


def test_a_failed_write_leaves_the_table_as_it_was(warehouse):
    jan = date(2025, 1, 6)
    warehouse.replace_snapshots("scores", _snapshot(jan, {"a": 0.1}), by=["as_of_date"])
    wrong = pa.table({"account_id": ["a"], "as_of_date": [jan], "score": ["high"]})
    with pytest.raises(duckdb.ConversionException, match="high"):
        warehouse.replace_snapshots("scores", wrong, by=["as_of_date"])
    assert _rows(warehouse) == [("a", jan, 0.1)]


def test_a_new_column_is_added_null_in_earlier_snapshots(warehouse):
    jan, feb = date(2025, 1, 6), date(2025, 2, 3)
    warehouse.replace_snapshots("scores", _snapshot(jan, {"a": 0.1}), by=["as_of_date"])
    # A later version adds a column, and writes its columns in another order.
    newer = pa.table({"risk": [0.7], "account_id": ["a"], "as_of_date": [feb], "score": [0.3]})
    warehouse.replace_snapshots("scores", newer, by=["as_of_date"])
    frame = warehouse.table("scores").to_pandas().sort_values("as_of_date")
    assert list(frame.columns) == ["account_id", "as_of_date", "score", "risk"]
    assert frame["score"].tolist() == [0.1, 0.3]
    assert frame["risk"].isna().tolist() == [True, False]
    assert frame["risk"].iloc[1] == 0.7


def test_several_tables_are_written_together_or_not_at_all(warehouse):
    """A snapshot and its details (health_history, health_components) never disagree."""
    jan, feb = date(2025, 1, 6), date(2025, 2, 3)
    warehouse.replace_snapshot_tables(
        {"scores": _snapshot(jan, {"a": 0.1}), "details": _snapshot(jan, {"a": 1.0})},
        by=["as_of_date"],
    )
    wrong = pa.table({"account_id": ["a"], "as_of_date": [feb], "score": ["high"]})
    with pytest.raises(duckdb.ConversionException, match="high"):
        warehouse.replace_snapshot_tables(
            {"scores": _snapshot(feb, {"a": 0.3}), "details": wrong}, by=["as_of_date"]
        )
    assert _rows(warehouse) == [("a", jan, 0.1)]  # the first table's write was rolled back
    # A table that did not exist yet is not left behind either.
    with pytest.raises(duckdb.ConversionException):
        warehouse.replace_snapshot_tables(
            {"fresh": _snapshot(feb, {"a": 0.3}), "details": wrong}, by=["as_of_date"]
        )
    assert not warehouse.has_table("fresh")
    # A refused layout is found before anything is written.
    with pytest.raises(WarehouseError, match="lacks"):
        warehouse.replace_snapshot_tables(
            {"scores": _snapshot(feb, {"a": 0.3}), "details": wrong.drop(["score"])},
            by=["as_of_date"],
        )
    assert _rows(warehouse) == [("a", jan, 0.1)]


def test_a_changed_layout_is_refused_with_the_fix(warehouse):
    jan = date(2025, 1, 6)
    warehouse.replace_snapshots("scores", _snapshot(jan, {"a": 0.1}), by=["as_of_date"])
    other = pa.table({"account_id": ["a"], "as_of_date": [jan], "risk": [0.2]})
    with pytest.raises(WarehouseError, match=r"column\(s\) score that the new snapshot lacks"):
        warehouse.replace_snapshots("scores", other, by=["as_of_date"])
    with pytest.raises(WarehouseError, match="key column"):
        warehouse.replace_snapshots("scores", other.drop(["as_of_date"]), by=["as_of_date"])


@pytest.mark.spark
def test_spark_keeps_history_too(spark_backend):
    from tenure.warehouse import Warehouse

    warehouse = Warehouse.from_backend(spark_backend)
    jan, feb = date(2025, 1, 6), date(2025, 2, 3)
    name = "scores"
    if warehouse.has_table(name):
        spark_backend.drop_table(name)
    warehouse.replace_snapshots(name, _snapshot(jan, {"a": 0.1}), by=["as_of_date"])
    warehouse.replace_snapshots(name, _snapshot(feb, {"a": 0.3}), by=["as_of_date"])
    warehouse.replace_snapshots(name, _snapshot(feb, {"a": 0.4}), by=["as_of_date"])
    assert _rows(warehouse) == [("a", jan, 0.1), ("a", feb, 0.4)]
    spark_backend.drop_table(name)
