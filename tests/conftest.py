"""Shared fixtures. Each test gets its own warehouse: none touches a user's or the demo's."""

from __future__ import annotations

import os
import shutil
from datetime import datetime
from pathlib import Path

import pytest

from tenure.warehouse import Warehouse

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture
def warehouse(tmp_path: Path) -> Warehouse:
    """A fresh DuckDB warehouse file in the test's own temporary folder."""
    wh = Warehouse(tmp_path / "warehouse.duckdb")
    yield wh
    wh.close()


@pytest.fixture
def runs(monkeypatch: pytest.MonkeyPatch) -> list:
    """Every revenue QueryRunner a call makes, to read its counters (compiled, queries,
    plan_source) afterwards."""
    from tenure.metrics import _queries

    made: list[_queries.QueryRunner] = []
    original = _queries.QueryRunner.__init__

    def recording(self, *args, **kwargs):
        original(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(_queries.QueryRunner, "__init__", recording)
    return made


@pytest.fixture(scope="session")
def spark_backend(tmp_path_factory: pytest.TempPathFactory):
    """An Ibis backend on a local one-core PySpark session, shared by the whole test run.

    Tables it saves go to a temporary folder, never into the working directory."""
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("PySpark needs a Java runtime; `make test` installs one (default-jre-headless)")
    pyspark_sql = pytest.importorskip("pyspark.sql", reason="pyspark is in the [spark] extra")
    import ibis

    session = (
        pyspark_sql.SparkSession.builder.master("local[1]")
        .appName("tenure-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.warehouse.dir", str(tmp_path_factory.mktemp("spark-warehouse")))
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield ibis.pyspark.connect(session)
    session.stop()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The public reference data sets in ../shared/data (skips when absent)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"reference data folder {SHARED_DATA} is absent (CI puts it beside the repo)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def simulated_project(tmp_path_factory) -> Path:
    """A small simulated business (150 accounts, 18 months), loaded into its own project folder.

    Session-scoped and read-only: tests that write must copy it first.
    """
    from tenure.simulate import simulate
    from tenure.warehouse.load import load_directory

    project = tmp_path_factory.mktemp("simulated_project")
    simulate(project / "data", accounts=150, months=18, seed=11)
    with Warehouse(project / "warehouse.duckdb") as wh:
        # The export describes the 18 simulated months (2023-01 to 2024-06, up to midnight
        # on 2024-07-01), not today: the default months of `tenure metrics` end with June.
        load_directory(wh, project / "data", as_of=datetime(2024, 7, 1))
    return project
