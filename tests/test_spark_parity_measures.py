"""The measures give the same values on PySpark as on DuckDB, on the tiny hand-made business."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tenure.measures import compute_measures
from tenure.warehouse import Warehouse
from test_measures_data import AS_OF, tiny_config, tiny_tables
from test_spark_support import own_spark_database

pytestmark = pytest.mark.spark

#: A database of its own, so other tests' tables of the same names in the shared session are
#: never read (an optional table present by accident would change the measures).
DATABASE = "tenure_measures_parity"


@pytest.fixture
def spark_warehouse(spark_backend) -> Warehouse:
    with own_spark_database(spark_backend, DATABASE) as wh:
        # Every table through the writer Tenure uses, tickets too: its satisfaction is an
        # integer column with nulls (open tickets are unrated).
        wh.replace_tables(tiny_tables())
        yield wh


def _tidy(warehouse: Warehouse) -> pd.DataFrame:
    tidy = compute_measures(warehouse, config=tiny_config(), as_of_dates=AS_OF).to_pandas()
    tidy["as_of_date"] = pd.to_datetime(tidy["as_of_date"]).dt.date
    keys = ["account_id", "as_of_date", "measure"]
    return tidy.sort_values(keys, ignore_index=True)


def test_tidy_measures_match_duckdb(tmp_path: Path, spark_warehouse: Warehouse) -> None:
    with Warehouse(tmp_path / "duck.duckdb") as duck:
        duck.replace_tables(tiny_tables())
        expected = _tidy(duck)
    found = _tidy(spark_warehouse)
    assert len(found) == len(expected) > 0
    for column in ["account_id", "as_of_date", "measure", "is_trial"]:
        assert found[column].tolist() == expected[column].tolist(), column
    assert found["value"].isna().tolist() == expected["value"].isna().tolist()
    defined = expected["value"].notna()
    assert found.loc[defined, "value"].tolist() == pytest.approx(
        expected.loc[defined, "value"].tolist()
    )
    texts = [None if pd.isna(v) else v for v in found["text_value"]]
    assert texts == [None if pd.isna(v) else v for v in expected["text_value"]]
