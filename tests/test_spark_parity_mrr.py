"""DuckDB and PySpark compute identical account-month MRR and monthly totals.

The same Ibis expressions run on both engines over one fixture holding every awkward case of the
golden tests (running lines, mid-month upgrades, annual plans, same-month join and leave, returns,
trials, cancellations, refunds, grace gaps); results are sorted and compared with exact Decimal
equality. The Spark inputs are temporary views (``create_view``): a ``create_table`` would write
under ``spark-warehouse/`` and fail on the next run, whose fresh catalog does not know the folder.
"""

from __future__ import annotations

from datetime import date

import ibis
import pytest

from tenure.config import RevenueDefinitions
from tenure.metrics.mrr import account_months, mrr_by_month
from test_mrr import line, subscriptions_arrow

pytestmark = pytest.mark.spark

LINES = (
    line("open", "basic", "10.00", date(2023, 11, 10), date(2024, 3, 15)),
    line("open", "pro", "30.00", date(2024, 3, 15)),
    line("annual", "yearly", "99.99", date(2024, 1, 31), date(2025, 1, 31),
         cancelled=date(2024, 4, 2)),
    line("jl", "a", "15.00", date(2024, 2, 3), date(2024, 2, 20)),
    line("jl", "b", "5.00", date(2024, 2, 10), date(2024, 2, 25)),
    line("jl", "c", "18.00", date(2024, 2, 21), date(2024, 2, 28)),
    line("back", "basic", "10.00", date(2024, 1, 5), date(2024, 2, 10)),
    line("back", "basic", "12.00", date(2024, 4, 5), date(2024, 4, 20)),
    line("back", "basic", "10.00", date(2024, 6, 1)),
    line("trial", "pro", "50.00", date(2024, 1, 1), date(2024, 1, 15), trial=True),
    line("trial", "pro", "50.00", date(2024, 1, 15), cancelled=date(2024, 5, 31)),
    line("refund", "basic", "30.00", date(2024, 1, 25), date(2024, 2, 25),
         cancelled=date(2024, 2, 5)),
    line("grace", "basic", "10.00", date(2024, 1, 1), date(2024, 2, 27)),
    line("grace", "addon", "5.00", date(2024, 1, 1), date(2024, 2, 10)),
    line("grace", "plus", "12.00", date(2024, 3, 3)),
)
INDUSTRY = {"open": "retail", "annual": "saas", "jl": None, "back": "retail",
            "trial": "saas", "refund": "saas", "grace": "media"}

DEFINITIONS = [
    RevenueDefinitions(),
    RevenueDefinitions(churn_recognition="cancellation", refund_window_days=14,
                       grace_period_days=5, reactivation_max_gap_months=1),
]


def _inputs(backend) -> tuple[ibis.Table, ibis.Table]:
    subs = ibis.memtable(subscriptions_arrow(LINES))
    accounts = ibis.memtable({"account_id": list(INDUSTRY), "industry": list(INDUSTRY.values())},
                             schema={"account_id": "string", "industry": "string"})
    if backend is None:
        return subs, accounts
    return (
        backend.create_view("tenure_parity_subscriptions", subs, overwrite=True),
        backend.create_view("tenure_parity_accounts", accounts, overwrite=True),
    )


def _sorted(records: list[dict], key: list[str]) -> list[dict]:
    return sorted(records, key=lambda r: tuple((r[k] is None, r[k] or "") for k in key))


def _results(backend, am: ibis.Table, materialise) -> tuple:
    """Account-month rows and monthly totals (overall and by plan) computed on ``backend``.

    The totals read the backend's own account-months, executed once and put back as a table by
    ``materialise`` (ibis 12's ``Table.cache()`` on PySpark neither registers in-memory tables nor
    resolves its cached view, so it cannot be used here).
    """
    executed = backend.to_pyarrow(am)
    stored = materialise(ibis.memtable(executed))
    return (
        am.schema(),
        _sorted(executed.to_pylist(), ["account_id", "month"]),
        _sorted(backend.to_pyarrow(mrr_by_month(stored)).to_pylist(), ["month"]),
        _sorted(backend.to_pyarrow(mrr_by_month(stored, by="plan")).to_pylist(),
                ["month", "plan"]),
    )


@pytest.mark.parametrize(
    ("definitions", "n_rows"),
    [
        # Seven accounts over Jan-Jul; 'jl' starts in Feb: 7 * 7 - 1 rows.
        (DEFINITIONS[0], 48),
        # The 'refund' account's line is refunded (cancelled 11 days in): 6 * 7 - 1 rows.
        (DEFINITIONS[1], 41),
    ],
    ids=["default", "all-settings"],
)
def test_duckdb_and_spark_agree(spark_backend, definitions, n_rows):
    period = {"start": date(2024, 1, 1), "end": date(2024, 8, 1)}

    duck = ibis.duckdb.connect()
    subs, accounts = _inputs(None)
    am = account_months(subs, **period, definitions=definitions, accounts=accounts)
    on_duckdb = _results(duck, am, lambda table: table)
    duck.disconnect()

    subs, accounts = _inputs(spark_backend)
    am = account_months(subs, **period, definitions=definitions, accounts=accounts)
    on_spark = _results(
        spark_backend, am,
        lambda table: spark_backend.create_view("tenure_parity_am", table, overwrite=True),
    )

    schema, account_rows, totals, by_plan = on_duckdb
    assert on_spark[0] == schema
    assert on_spark[1] == account_rows
    assert on_spark[2] == totals
    assert on_spark[3] == by_plan
    # Not vacuous: the fixture yields the joining, growing and leaving movements.
    assert {r["movement"] for r in account_rows} >= {"new", "expansion", "churn"}
    assert len(account_rows) == n_rows
