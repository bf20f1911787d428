"""Reusing the revenue metrics' compiled SQL: across month ranges, and after ``tenure load``.

The months of a call are parameters the SQL reads from a one-row table when it runs
(tenure.metrics._queries.QueryRunner.parameters), so a new month range runs the SQL stored for
another one; these tests check it compiles nothing and gives exactly the numbers of a fresh
compile of that range. ``tenure load`` runs each common kind of call once after a successful
load (the default call, ``--table accounts``, ``--by`` each segment the data has), so the next
process reads stored SQL for each; a failure of that step never fails the load, and the step
writes nothing to the warehouse.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from tenure.cli.app import app
from tenure.config import RevenueDefinitions
from tenure.metrics import _queries, revenue
from tenure.metrics.revenue import revenue_metrics, warm_sql_cache, warm_up_shapes
from tenure.warehouse import Warehouse
from test_load_support import BASE, snapshot, write_folder

# Lines over 2023-2024 with every movement: a, new in January 2023, expands in June 2023 and
# churns in April 2024 (service ends April 15); b, new in March 2023, contracts in January
# 2024; c joins in May 2023, leaves in August 2023 and comes back in February 2024 (a
# reactivation); d joins and leaves inside October 2023; e, new in November 2024, is running.
LINES = [
    ("a", "basic", "10.00", date(2023, 1, 10), date(2023, 6, 5)),
    ("a", "pro", "30.00", date(2023, 6, 5), date(2024, 4, 15)),
    ("b", "pro", "50.00", date(2023, 3, 2), date(2024, 1, 15)),
    ("b", "basic", "20.00", date(2024, 1, 15), None),
    ("c", "basic", "15.00", date(2023, 5, 20), date(2023, 8, 3)),
    ("c", "basic", "15.00", date(2024, 2, 11), None),
    ("d", "pro", "40.00", date(2023, 10, 4), date(2023, 10, 20)),
    ("e", "basic", "12.50", date(2024, 11, 1), None),
]
TRIALS = [
    ("b", date(2023, 2, 15), date(2023, 3, 1), date(2023, 3, 2)),
    ("e", date(2024, 10, 10), date(2024, 10, 24), None),
]
TABLES = ("monthly", "unit_economics", "cohorts", "trials")
FIRST_RANGE = {"start": date(2023, 1, 1), "end": date(2025, 1, 1)}
SECOND_RANGE = {"start": date(2023, 7, 1), "end": date(2024, 6, 1)}


def _tables() -> dict[str, pa.Table]:
    return {
        "subscriptions": pa.table({
            "account_id": [r[0] for r in LINES],
            "plan": [r[1] for r in LINES],
            "mrr": pa.array([Decimal(r[2]) for r in LINES], pa.decimal128(18, 2)),
            "start_date": [r[3] for r in LINES],
            "end_date": pa.array([r[4] for r in LINES], pa.date32()),
            "cancelled_at": pa.array([None] * len(LINES), pa.date32()),
            "is_trial": [False] * len(LINES),
        }),
        "trials": pa.table({
            "account_id": [t[0] for t in TRIALS],
            "started_at": [t[1] for t in TRIALS],
            "ends_at": [t[2] for t in TRIALS],
            "converted_at": pa.array([t[3] for t in TRIALS], pa.date32()),
        }),
    }


def _forget_everything(warehouse: Warehouse) -> Warehouse:
    """As a fresh install: no plan in memory, no SQL cache beside the file."""
    warehouse.close()
    _queries._PLANS.clear()
    shutil.rmtree(f"{warehouse.path}.sql-cache", ignore_errors=True)
    return warehouse


def _assert_identical(a, b) -> None:
    for table in TABLES:
        pd.testing.assert_frame_equal(getattr(a, table), getattr(b, table), check_exact=True)


@pytest.mark.parametrize(
    ("options", "segments"),
    [({}, None), ({"definitions": RevenueDefinitions(reactivation_max_gap_months=3)}, "plan")],
)
def test_a_new_month_range_compiles_nothing_and_equals_a_fresh_compile(
    warehouse, runs, options, segments
):
    warehouse.replace_tables(_tables())
    revenue_metrics(warehouse, **FIRST_RANGE, **options, by=segments)
    reused = revenue_metrics(warehouse, **SECOND_RANGE, **options, by=segments)
    assert [r.compiled for r in runs] == [2, 6, 0, 0]  # bounds + trial check; then 6 queries
    assert [r.plan_source for r in runs[2:]] == ["connection", "connection"]

    fresh = revenue_metrics(_forget_everything(warehouse), **SECOND_RANGE, **options, by=segments)
    assert [r.compiled for r in runs[4:]] == [2, 6]
    _assert_identical(reused, fresh)
    assert sorted(reused.monthly["month"].dt.date.unique()) == [
        date(2023, m, 1) for m in range(7, 13)
    ] + [date(2024, m, 1) for m in range(1, 6)]
    assert len(reused.trials) == 11  # one row per month of the range, trials or not


def test_the_months_are_read_when_the_sql_runs(warehouse, runs):
    # The stored SQL of one range, run for another, gives that other range's numbers, written
    # out: b contracts 50.00 -> 20.00 in January 2024, c returns at 15.00 in February 2024
    # and a churns -30.00 in April 2024.
    warehouse.replace_tables(_tables())
    revenue_metrics(warehouse, **FIRST_RANGE)
    later = revenue_metrics(warehouse, start=date(2024, 1, 1), end=date(2024, 5, 1))
    assert runs[-1].compiled == 0
    monthly = later.monthly
    assert [str(v) for v in monthly["mrr"]] == ["50.00", "65.00", "65.00", "35.00"]
    assert [str(v) for v in monthly["contraction_mrr"]] == ["-30.00", "0.00", "0.00", "0.00"]
    assert [str(v) for v in monthly["reactivation_mrr"]] == ["0.00", "15.00", "0.00", "0.00"]
    assert [str(v) for v in monthly["churned_mrr"]] == ["0.00", "0.00", "0.00", "-30.00"]
    # Cohorts only of accounts first paid in the range: none (a, b, c, d all started in 2023).
    assert later.cohorts.empty


FRESH_PROCESS = """
import json, sys
from datetime import date

from tenure.metrics import _queries
from tenure.metrics.revenue import revenue_metrics
from tenure.warehouse import Warehouse

runs = []
init = _queries.QueryRunner.__init__
_queries.QueryRunner.__init__ = lambda self, *a, **k: init(self, *a, **k) or runs.append(self)
with Warehouse(sys.argv[1]) as wh:
    m = revenue_metrics(wh, start=date(2023, 7, 1), end=date(2024, 6, 1))
print(json.dumps({
    "compiled": [r.compiled for r in runs], "source": [r.plan_source for r in runs],
    "mrr": [str(v) for v in m.monthly["mrr"]],
}))
"""


def test_a_fresh_process_runs_the_stored_sql_for_a_range_never_called(warehouse):
    warehouse.replace_tables(_tables())
    compiled_here = revenue_metrics(warehouse, **SECOND_RANGE)
    _forget_everything(warehouse)
    revenue_metrics(warehouse, **FIRST_RANGE)  # the only range whose call stores SQL
    warehouse.close()  # DuckDB lets one process at a time open the file
    done = subprocess.run([sys.executable, "-c", FRESH_PROCESS, warehouse.path],
                          capture_output=True, text=True, check=True, timeout=120)
    assert json.loads(done.stdout) == {
        "compiled": [0, 0], "source": ["disk", "disk"],
        "mrr": [str(v) for v in compiled_here.monthly["mrr"]],
    }


# --- tenure load prepares the SQL of the next `tenure metrics` -------------------------------


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    (project / "tenure.yaml").write_text(
        "warehouse: warehouse.duckdb\ndefinitions:\n  grace_period_days: 7\n"
    )
    return project


def _load(project: Path, folder: Path):
    return CliRunner().invoke(app, ["load", str(folder), "--project", str(project),
                                    "--as-of", "2025-01-01"])


def test_a_load_leaves_the_sql_of_every_common_call_stored(tmp_path, runs):
    project = _project(tmp_path)
    result = _load(project, write_folder(tmp_path / "exports", BASE))
    assert result.exit_code == 0, result.output
    assert ("revenue metrics' SQL prepared for `tenure metrics` (the default call, --table "
            "accounts, --by plan, industry, country, size, channel, owner;") in result.output
    # One entry per kind of call, and one for the data-bounds check they share.
    assert len(list((project / "warehouse.duckdb.sql-cache").glob("*.json"))) == 9

    definitions = RevenueDefinitions(grace_period_days=7)  # as in the project settings
    with Warehouse(project / "warehouse.duckdb") as wh:
        shapes = warm_up_shapes(wh)
        assert len(shapes) == 8
        stored = {}
        for shape in shapes:
            _queries._PLANS.clear()  # each call as the first of a new process
            runs.clear()
            metrics = revenue_metrics(wh, definitions=definitions, **shape)
            assert [r.plan_source for r in runs] == ["disk", "disk"], shape
            assert [r.compiled for r in runs] == [0, 0], shape
            assert not metrics.monthly.empty
            if shape.get("by"):
                assert shape["by"] in metrics.monthly.columns, shape
            stored[str(shape)] = metrics
        # A combination of them is not prepared: it compiles, as any new kind of call.
        _queries._PLANS.clear()
        runs.clear()
        revenue_metrics(wh, definitions=definitions, by="plan", include_accounts=True)
        assert [r.plan_source for r in runs] == ["disk", "new"]

    # The SQL the warm-up stored (from a one-month call) gives every month's numbers exactly as
    # a fresh compile does.
    _queries._PLANS.clear()
    shutil.rmtree(project / "warehouse.duckdb.sql-cache")
    with Warehouse(project / "warehouse.duckdb") as wh:
        for shape in ({"by": "industry"}, {"include_accounts": True}):
            fresh = revenue_metrics(wh, definitions=definitions, **shape)
            _assert_identical(fresh, stored[str(shape)])
            pd.testing.assert_frame_equal(fresh.account_months,
                                          stored[str(shape)].account_months, check_exact=True)


def test_the_warm_up_prepares_only_the_segments_the_data_has(warehouse):
    warehouse.replace_tables(_tables())  # subscriptions and trials: no accounts table
    assert warm_up_shapes(warehouse) == [{}, {"include_accounts": True}, {"by": "plan"}]
    warm = warm_sql_cache(warehouse)
    assert warm is not None
    assert warm.error is None
    assert warm.shapes == ("", "--table accounts", "--by plan")


def test_a_failing_warm_up_does_not_fail_the_load_and_the_warm_up_writes_nothing(
    tmp_path, monkeypatch
):
    project = _project(tmp_path)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full [simulated]")

    monkeypatch.setattr(revenue, "revenue_metrics", broken)
    result = _load(project, write_folder(tmp_path / "exports", BASE))
    assert result.exit_code == 0, result.output
    assert "not prepared (RuntimeError: disk full [simulated])" in result.output
    assert not (project / "warehouse.duckdb.sql-cache").exists()

    monkeypatch.undo()
    with Warehouse(project / "warehouse.duckdb") as wh:
        loaded = snapshot(wh)
        assert loaded["subscriptions"]
        assert loaded["accounts"]
        warm = warm_sql_cache(wh, definitions=RevenueDefinitions(grace_period_days=7))
        assert warm is not None
        assert warm.error is None
        assert snapshot(wh) == loaded
