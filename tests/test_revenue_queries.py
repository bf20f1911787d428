"""Structure of the revenue facade's queries: how many it runs, and that stored SQL is never stale.

The facade compiles its queries on the first call of a kind and re-runs their SQL afterwards
(tenure.metrics._queries), in the same process or, through the SQL cache beside the warehouse
file (tenure.warehouse.sql_cache), in the next one; these tests pin the number of statements per
call, that a repeated call or a fresh process compiles nothing, that new data or new settings,
schemas, code or libraries are always seen, and that a damaged or unwritable cache only costs
compiling again.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pyarrow as pa

from tenure.config import RevenueDefinitions
from tenure.metrics import _queries
from tenure.metrics.revenue import revenue_metrics
from tenure.warehouse import Warehouse, sql_cache


def _subscriptions(rows: list[tuple[str, str, str, date, date | None]]) -> pa.Table:
    return pa.table(
        {
            "account_id": [r[0] for r in rows],
            "plan": [r[1] for r in rows],
            "mrr": pa.array([Decimal(r[2]) for r in rows], pa.decimal128(18, 2)),
            "start_date": [r[3] for r in rows],
            "end_date": pa.array([r[4] for r in rows], pa.date32()),
            "cancelled_at": pa.array([None] * len(rows), pa.date32()),
            "is_trial": [False] * len(rows),
        }
    )


def test_repeated_call_compiles_nothing_and_sees_new_data(warehouse, runs):
    # a: 10.00 from January 10, running; b: 25.00 over [Jan 20, Feb 5).
    warehouse.replace_tables({"subscriptions": _subscriptions([
        ("a", "basic", "10.00", date(2024, 1, 10), None),
        ("b", "basic", "25.00", date(2024, 1, 20), date(2024, 2, 5)),
    ])})
    first = revenue_metrics(warehouse, start=date(2024, 1, 1), end=date(2024, 3, 1))
    second = revenue_metrics(warehouse, start=date(2024, 1, 1), end=date(2024, 3, 1))
    # Each call runs two plans: the data's bounds (one query; no trials table, so no
    # conversion check), then the metrics: the parameters table (the months), five queries
    # (account-months, company table, monthly, unit economics, cohorts) and three temporary
    # tables dropped. All six queries are compiled once, then run again as stored SQL.
    assert [r.compiled for r in runs] == [1, 5, 0, 0]
    assert [r.queries for r in runs] == [1, 9, 1, 9]
    assert [r.plan_source for r in runs] == ["new", "new", "connection", "connection"]
    assert [str(v) for v in first.monthly["mrr"]] == ["35.00", "10.00"]
    assert [str(v) for v in second.monthly["mrr"]] == ["35.00", "10.00"]
    assert [str(v) for v in second.monthly["churned_mrr"]] == ["0.00", "-25.00"]

    # New data, same shape: the stored SQL runs and reads it (c joins in February at 40.00).
    warehouse.replace_tables({"subscriptions": _subscriptions([
        ("a", "basic", "10.00", date(2024, 1, 10), None),
        ("b", "basic", "25.00", date(2024, 1, 20), date(2024, 2, 5)),
        ("c", "pro", "40.00", date(2024, 2, 3), None),
    ])})
    third = revenue_metrics(warehouse, start=date(2024, 1, 1), end=date(2024, 3, 1))
    assert runs[-1].compiled == 0
    assert [str(v) for v in third.monthly["mrr"]] == ["35.00", "50.00"]
    assert [str(v) for v in third.monthly["new_mrr"]] == ["35.00", "40.00"]


def test_other_settings_compile_a_new_plan(warehouse, runs):
    warehouse.replace_tables({"subscriptions": _subscriptions([
        ("a", "basic", "10.00", date(2024, 1, 10), date(2024, 1, 20)),
    ])})
    included = revenue_metrics(warehouse, start=date(2024, 1, 1), end=date(2024, 2, 1))
    excluded = revenue_metrics(
        warehouse, start=date(2024, 1, 1), end=date(2024, 2, 1),
        definitions=RevenueDefinitions(same_month_join_leave="exclude"),
    )
    # The bounds plan is shared (same tables); the metrics plan is not (other definitions).
    assert [r.compiled for r in runs] == [1, 5, 0, 5]
    # Joined and left inside January: new 10.00 and churned -10.00 only when included.
    assert [str(v) for v in included.monthly["new_mrr"]] == ["10.00"]
    assert excluded.monthly.empty  # no paid month-end and the join-and-leave ignored


# --- Compiled SQL kept beside the warehouse file, for the next process ---------------------

JAN, MAR = date(2024, 1, 1), date(2024, 3, 1)
TWO_LINES = [
    ("a", "basic", "10.00", date(2024, 1, 10), None),
    ("b", "basic", "25.00", date(2024, 1, 20), date(2024, 2, 5)),
]


def _reconnect(warehouse):
    """A new connection to the same file, with nothing kept in memory, as in a new process.

    (Ibis compares connections by the database they open, so plans kept for the old connection
    would also serve the new one: they are forgotten here.)"""
    warehouse.close()
    _queries._PLANS.clear()
    return warehouse


def _cache_folder(warehouse) -> Path:
    return Path(f"{warehouse.path}.sql-cache")


def _assert_same_metrics(a, b):
    for table in ("monthly", "unit_economics", "cohorts", "trials"):
        pd.testing.assert_frame_equal(getattr(a, table), getattr(b, table))


def test_a_new_connection_runs_the_stored_sql_and_gets_the_same_numbers(warehouse, runs):
    warehouse.replace_tables({"subscriptions": _subscriptions(TWO_LINES)})
    compiled = revenue_metrics(warehouse, start=JAN, end=MAR)
    stored = revenue_metrics(_reconnect(warehouse), start=JAN, end=MAR)
    assert [r.compiled for r in runs] == [1, 5, 0, 0]
    assert [r.plan_source for r in runs] == ["new", "new", "disk", "disk"]
    # Two entries beside the file: the bounds plan and the metrics plan.
    assert len(list(_cache_folder(warehouse).glob("*.json"))) == 2
    _assert_same_metrics(compiled, stored)
    assert [str(v) for v in stored.monthly["mrr"]] == ["35.00", "10.00"]
    assert [str(v) for v in stored.monthly["churned_mrr"]] == ["0.00", "-25.00"]


FRESH_PROCESS = """
import json, sys
from datetime import date

from tenure.metrics import _queries
from tenure.metrics.revenue import revenue_metrics
from tenure.warehouse import Warehouse

runs, compilations = [], []
init = _queries.QueryRunner.__init__
_queries.QueryRunner.__init__ = lambda self, *a, **k: init(self, *a, **k) or runs.append(self)
with Warehouse(sys.argv[1]) as wh:
    compiler = type(wh.con.compiler)
    to_sqlglot = compiler.to_sqlglot
    compiler.to_sqlglot = lambda *a, **k: compilations.append(1) or to_sqlglot(*a, **k)
    m = revenue_metrics(wh, start=date(2024, 1, 1), end=date(2024, 3, 1))
print(json.dumps({
    "compiled": [r.compiled for r in runs],
    "ibis_compilations": len(compilations),
    "mrr": [str(v) for v in m.monthly["mrr"]],
}))
"""


def test_a_fresh_process_compiles_nothing_when_the_cache_is_warm(warehouse):
    warehouse.replace_tables({"subscriptions": _subscriptions(TWO_LINES)})
    warehouse.close()  # DuckDB lets one process at a time open the file

    def fresh_process() -> dict:
        done = subprocess.run(
            [sys.executable, "-c", FRESH_PROCESS, warehouse.path],
            capture_output=True, text=True, check=True, timeout=120,
        )
        return json.loads(done.stdout)

    assert fresh_process() == {
        "compiled": [1, 5], "ibis_compilations": 6, "mrr": ["35.00", "10.00"],
    }
    # The next process finds every query's SQL beside the file: Ibis's compiler never runs.
    assert fresh_process() == {
        "compiled": [0, 0], "ibis_compilations": 0, "mrr": ["35.00", "10.00"],
    }


def test_a_schema_change_recompiles(warehouse, runs):
    warehouse.replace_tables({"subscriptions": _subscriptions(TWO_LINES)})
    revenue_metrics(warehouse, start=JAN, end=MAR)
    # Same table, one more column: the stored SQL would still run, but it is not reused.
    warehouse.con.con.execute("ALTER TABLE subscriptions ADD COLUMN note VARCHAR")
    added = revenue_metrics(_reconnect(warehouse), start=JAN, end=MAR)
    # A column type changed (money as DOUBLE): the SQL must differ, and is compiled anew.
    warehouse.con.con.execute("ALTER TABLE subscriptions ALTER mrr TYPE DOUBLE")
    retyped = revenue_metrics(_reconnect(warehouse), start=JAN, end=MAR)
    assert [r.compiled for r in runs] == [1, 5, 1, 5, 1, 5]
    assert [str(v) for v in added.monthly["mrr"]] == ["35.00", "10.00"]
    assert [float(v) for v in retyped.monthly["mrr"]] == [35.0, 10.0]


def test_a_definition_change_recompiles_from_a_new_connection(warehouse, runs):
    warehouse.replace_tables({"subscriptions": _subscriptions([
        ("a", "basic", "10.00", date(2024, 1, 10), date(2024, 1, 20)),
    ])})
    revenue_metrics(warehouse, start=JAN, end=date(2024, 2, 1))
    excluded = revenue_metrics(
        _reconnect(warehouse), start=JAN, end=date(2024, 2, 1),
        definitions=RevenueDefinitions(same_month_join_leave="exclude"),
    )
    # The bounds plan comes from disk (same tables); the metrics plan is another key.
    assert [r.compiled for r in runs] == [1, 5, 0, 5]
    assert excluded.monthly.empty


def test_new_code_or_libraries_recompile(warehouse, runs, monkeypatch):
    warehouse.replace_tables({"subscriptions": _subscriptions(TWO_LINES)})
    revenue_metrics(warehouse, start=JAN, end=MAR)
    # An edited metric module (another source fingerprint) ...
    monkeypatch.setattr(_queries, "source_fingerprint", lambda paths: "edited code")
    revenue_metrics(_reconnect(warehouse), start=JAN, end=MAR)
    # ... or an upgraded library makes every entry a miss.
    monkeypatch.setattr(sql_cache, "environment", lambda: (("sqlglot", "99.0"),))
    upgraded = revenue_metrics(_reconnect(warehouse), start=JAN, end=MAR)
    assert [r.compiled for r in runs] == [1, 5, 1, 5, 1, 5]
    assert [str(v) for v in upgraded.monthly["mrr"]] == ["35.00", "10.00"]


def test_a_corrupt_cache_is_ignored_then_repaired(warehouse, runs):
    warehouse.replace_tables({"subscriptions": _subscriptions(TWO_LINES)})
    compiled = revenue_metrics(warehouse, start=JAN, end=MAR)
    for entry in _cache_folder(warehouse).glob("*.json"):
        entry.write_bytes(entry.read_bytes()[:100])  # truncated, as by a full disk
    recovered = revenue_metrics(_reconnect(warehouse), start=JAN, end=MAR)
    again = revenue_metrics(_reconnect(warehouse), start=JAN, end=MAR)
    assert [r.compiled for r in runs] == [1, 5, 1, 5, 0, 0]
    _assert_same_metrics(compiled, recovered)
    _assert_same_metrics(compiled, again)


def test_an_unwritable_cache_folder_only_costs_compiling(warehouse, runs):
    warehouse.replace_tables({"subscriptions": _subscriptions(TWO_LINES)})
    _cache_folder(warehouse).write_text("a file where the folder would go")
    first = revenue_metrics(warehouse, start=JAN, end=MAR)
    second = revenue_metrics(_reconnect(warehouse), start=JAN, end=MAR)
    assert [r.compiled for r in runs] == [1, 5, 1, 5]
    _assert_same_metrics(first, second)
    assert [str(v) for v in second.monthly["mrr"]] == ["35.00", "10.00"]


def test_an_in_memory_warehouse_keeps_its_sql_in_memory_only(runs, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    wh = Warehouse(":memory:")
    wh.replace_tables({"subscriptions": _subscriptions(TWO_LINES)})
    revenue_metrics(wh, start=JAN, end=MAR)
    second = revenue_metrics(wh, start=JAN, end=MAR)
    wh.close()
    assert [r.compiled for r in runs] == [1, 5, 0, 0]
    assert [str(v) for v in second.monthly["mrr"]] == ["35.00", "10.00"]
    assert list(tmp_path.iterdir()) == []
