"""Golden tests of account-month MRR: hand-worked month-end snapshots, written out in each test.

Each fixture is a handful of subscription lines; the expected rows were worked by hand from the
month-end rule (MRR of a month = sum of the paid lines active on its last day, a line
``[start_date, end_date)`` being active on day d iff start_date <= d < end_date).
The helpers here are reused by the other ``test_mrr*`` and ``test_movements*`` modules.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pytest

from tenure.config import RevenueDefinitions
from tenure.errors import InputError
from tenure.metrics.mrr import account_months, mrr_by_month
from tenure.metrics.vocabulary import Movement

SUBSCRIPTION_SCHEMA = pa.schema(
    [
        ("subscription_id", pa.string()),
        ("account_id", pa.string()),
        ("plan", pa.string()),
        ("mrr", pa.decimal128(18, 2)),
        ("start_date", pa.date32()),
        ("end_date", pa.date32()),
        ("cancelled_at", pa.date32()),
        ("is_trial", pa.bool_()),
    ]
)
MOVEMENT_COLUMNS = (
    "new_mrr", "expansion_mrr", "reactivation_mrr", "contraction_mrr", "churned_mrr",
)


def line(
    account: str,
    plan: str,
    mrr: str,
    start: date,
    end: date | None = None,
    *,
    cancelled: date | None = None,
    trial: bool = False,
) -> dict:
    """One subscription line; ``mrr`` is written as a decimal string."""
    return {
        "account_id": account, "plan": plan, "mrr": Decimal(mrr), "start_date": start,
        "end_date": end, "cancelled_at": cancelled, "is_trial": trial,
    }


def subscriptions_arrow(lines: Iterable[dict]) -> pa.Table:
    rows = [{"subscription_id": f"s{i}", **row} for i, row in enumerate(lines)]
    return pa.Table.from_pylist(rows, schema=SUBSCRIPTION_SCHEMA)


def subscriptions(*lines: dict) -> ir.Table:
    """The lines as an in-memory canonical subscriptions table."""
    return ibis.memtable(subscriptions_arrow(lines))


def rows(
    con: ibis.BaseBackend, table: ir.Table, columns: Iterable[str], *, key: Iterable[str] = ()
) -> list[tuple]:
    """Execute ``table`` and return the given columns as tuples, months as ``YYYY-MM``, sorted."""
    columns, key = list(columns), list(key) or ["account_id", "month"]
    records = con.to_pyarrow(table.order_by(key).select(*columns)).to_pylist()
    out = []
    for record in records:
        out.append(tuple(
            f"{v:%Y-%m}" if isinstance(v, date) else (str(v) if isinstance(v, Decimal) else v)
            for v in record.values()
        ))
    return out


@pytest.fixture(scope="module")
def con() -> ibis.BaseBackend:
    backend = ibis.duckdb.connect()
    yield backend
    backend.disconnect()


SNAPSHOT = ("account_id", "month", "mrr", "previous_mrr", "movement", "plan")


def test_open_ended_line_and_mid_month_upgrade(con):
    # basic 10.00 from Jan 10, replaced on Mar 15 by pro 30.00 that is still running (null end).
    # Jan 31: basic 10; Feb 29: basic 10; Mar 31: pro 30 (basic ended on the 15th); Apr 30: 30.
    subs = subscriptions(
        line("a", "basic", "10.00", date(2024, 1, 10), date(2024, 3, 15)),
        line("a", "pro", "30.00", date(2024, 3, 15)),
    )
    am = account_months(subs, start=date(2024, 1, 1), end=date(2024, 5, 1))
    assert rows(con, am, SNAPSHOT) == [
        ("a", "2024-01", "10.00", "0.00", "new", "basic"),
        ("a", "2024-02", "10.00", "10.00", None, "basic"),
        ("a", "2024-03", "30.00", "10.00", "expansion", "pro"),
        ("a", "2024-04", "30.00", "30.00", None, "pro"),
    ]
    assert rows(con, am, ["month", *MOVEMENT_COLUMNS, "mrr_change"])[2] == (
        "2024-03", "0.00", "20.00", "0.00", "0.00", "0.00", "20.00",
    )


def test_annual_plan_counts_one_twelfth_and_ends_on_its_exclusive_end(con):
    # An annual plan of 1,199.88 is 99.99 a month. It starts on Jan 31 (active that day, so
    # January counts) and ends 2025-01-31 exclusive: not active on Jan 31 2025, so January 2025
    # churns. The line ending exactly on Apr 1 is active on Mar 31 and churns in April.
    subs = subscriptions(
        line("annual", "yearly", "99.99", date(2024, 1, 31), date(2025, 1, 31)),
        line("short", "monthly", "20.00", date(2024, 1, 1), date(2024, 4, 1)),
    )
    am = account_months(subs, start=date(2024, 1, 1), end=date(2025, 2, 1))
    got = {(r[0], r[1]): r[2:] for r in rows(con, am, SNAPSHOT)}
    assert got[("annual", "2024-01")] == ("99.99", "0.00", "new", "yearly")
    assert got[("annual", "2024-12")] == ("99.99", "99.99", None, "yearly")
    assert got[("annual", "2025-01")] == ("0.00", "99.99", "churn", "yearly")
    assert got[("short", "2024-03")] == ("20.00", "20.00", None, "monthly")
    assert got[("short", "2024-04")] == ("0.00", "20.00", "churn", "monthly")
    assert got[("short", "2024-05")] == ("0.00", "0.00", None, None)
    assert len(got) == 13 + 13  # every month from the first paid month on, churned rows kept


def test_several_lines_sum_and_plan_is_the_largest_line(con):
    # Seats 40.00 + add-on 15.00 + add-on 15.00 = 70.00 in January. In February the seats drop
    # to 10.00 (new line from Feb 1), so the 15.00 add-ons are the largest lines: the tie between
    # plans 'addon-b' and 'addon-a' goes to the first name. March: one add-on ends on Mar 20.
    subs = subscriptions(
        line("m", "seats", "40.00", date(2024, 1, 2), date(2024, 2, 1)),
        line("m", "seats", "10.00", date(2024, 2, 1)),
        line("m", "addon-b", "15.00", date(2024, 1, 5)),
        line("m", "addon-a", "15.00", date(2024, 1, 6), date(2024, 3, 20)),
    )
    am = account_months(subs, start=date(2024, 1, 1), end=date(2024, 4, 1))
    assert rows(con, am, SNAPSHOT) == [
        ("m", "2024-01", "70.00", "0.00", "new", "seats"),
        ("m", "2024-02", "40.00", "70.00", "contraction", "addon-a"),
        ("m", "2024-03", "25.00", "40.00", "contraction", "addon-b"),
    ]
    assert rows(con, am, ["month", "contraction_mrr", "mrr_change"]) == [
        ("2024-01", "0.00", "70.00"),
        ("2024-02", "-30.00", "-30.00"),
        ("2024-03", "-15.00", "-15.00"),
    ]


def test_history_before_start_sets_previous_mrr_and_first_paid_month(con):
    # Paid since 2023-06 at 10.00, upgraded to 25.00 on 2023-12-10. Asking for 2024-01..02 only:
    # January's previous MRR is December's 25.00, and the first paid month is 2023-06.
    subs = subscriptions(
        line("h", "basic", "10.00", date(2023, 6, 1), date(2023, 12, 10)),
        line("h", "plus", "25.00", date(2023, 12, 10), date(2024, 2, 10)),
    )
    am = account_months(subs, start=date(2024, 1, 1), end=date(2024, 3, 1))
    assert rows(
        con, am, ["month", "mrr", "previous_mrr", "movement", "first_paid_month",
                  "is_customer", "was_customer", "plan"]
    ) == [
        ("2024-01", "25.00", "25.00", None, "2023-06", True, True, "plus"),
        ("2024-02", "0.00", "25.00", "churn", "2023-06", False, True, "plus"),
    ]


def test_account_attributes_are_joined_for_segmentation(con):
    subs = subscriptions(
        line("a", "basic", "10.00", date(2024, 1, 1)),
        line("b", "basic", "20.00", date(2024, 1, 1)),
    )
    accounts = ibis.memtable(
        {"account_id": ["a", "b"], "industry": ["retail", None], "country": ["FR", "US"]}
    )
    am = account_months(subs, start=date(2024, 1, 1), end=date(2024, 2, 1), accounts=accounts)
    assert rows(con, am, ["account_id", "industry", "country"]) == [
        ("a", "retail", "FR"),
        ("b", None, "US"),
    ]


def test_grain_is_one_row_per_account_and_month(con):
    subs = subscriptions(
        line("a", "basic", "10.00", date(2024, 1, 1)),
        line("a", "basic", "10.00", date(2024, 1, 1)),  # two identical lines: one row, 20.00
        line("b", "pro", "5.00", date(2024, 2, 1), date(2024, 3, 1)),
    )
    am = account_months(subs, start=date(2024, 1, 1), end=date(2024, 4, 1))
    counts = am.group_by(["account_id", "month"]).aggregate(n=am.count())
    assert con.to_pyarrow(counts.n.max()).as_py() == 1
    assert rows(con, am, ["account_id", "month", "mrr"]) == [
        ("a", "2024-01", "20.00"), ("a", "2024-02", "20.00"), ("a", "2024-03", "20.00"),
        ("b", "2024-02", "5.00"), ("b", "2024-03", "0.00"),
    ]


def test_money_columns_are_exact_decimals(con):
    subs = subscriptions(line("a", "basic", "0.10", date(2024, 1, 1)),
                         line("a", "addon", "0.20", date(2024, 1, 1)))
    am = account_months(subs, start=date(2024, 1, 1), end=date(2024, 2, 1))
    for column in ("mrr", "previous_mrr", *MOVEMENT_COLUMNS, "mrr_change"):
        assert str(am[column].type()) == "decimal(18, 2)", column
    # 0.10 + 0.20 is exactly 0.30 (a float sum would give 0.30000000000000004).
    assert con.to_pyarrow(am.mrr).to_pylist() == [Decimal("0.30")]


def test_mrr_by_month_totals(con):
    # a: 10.00 from Jan, +20.00 add-on Mar 15 - Apr 15. b: 15.00 Jan 3 - Feb 20 (churns in Feb),
    # back Apr 3 (reactivation). c: 7.50 in Feb only, from Feb 2 to Feb 9 (joins and leaves).
    subs = subscriptions(
        line("a", "basic", "10.00", date(2024, 1, 10)),
        line("a", "addon", "20.00", date(2024, 3, 15), date(2024, 4, 15)),
        line("b", "basic", "15.00", date(2024, 1, 3), date(2024, 2, 20)),
        line("b", "basic", "15.00", date(2024, 4, 3)),
        line("c", "basic", "7.50", date(2024, 2, 2), date(2024, 2, 9)),
    )
    am = account_months(subs, start=date(2024, 1, 1), end=date(2024, 5, 1))
    columns = ["month", "mrr", "previous_mrr", "customers", "previous_customers", "new_mrr",
               "expansion_mrr", "reactivation_mrr", "contraction_mrr", "churned_mrr",
               "mrr_change", "new_customers", "reactivated_customers", "churned_customers"]
    assert rows(con, mrr_by_month(am), columns, key=["month"]) == [
        ("2024-01", "25.00", "0.00", 2, 0, "25.00", "0.00", "0.00", "0.00", "0.00", "25.00",
         2, 0, 0),
        ("2024-02", "10.00", "25.00", 1, 2, "7.50", "0.00", "0.00", "0.00", "-22.50", "-15.00",
         1, 0, 2),
        ("2024-03", "30.00", "10.00", 1, 1, "0.00", "20.00", "0.00", "0.00", "0.00", "20.00",
         0, 0, 0),
        ("2024-04", "25.00", "30.00", 2, 1, "0.00", "0.00", "15.00", "-20.00", "0.00", "-5.00",
         0, 1, 0),
    ]
    by_plan = mrr_by_month(am, by="plan")
    assert rows(con, by_plan.filter(by_plan.month == date(2024, 3, 1)),
                ["plan", "mrr", "customers"], key=["plan"]) == [
        ("addon", "30.00", 1),  # a's largest line is the add-on; it carries all of a's MRR
        (None, "0.00", 0),      # b and c: no MRR at either month-end, so no plan
    ]


def test_trials_only_give_no_rows(con):
    subs = subscriptions(line("t", "pro", "50.00", date(2024, 1, 1), date(2024, 3, 1),
                              trial=True))
    am = account_months(subs, start=date(2024, 1, 1), end=date(2024, 4, 1))
    assert rows(con, am, SNAPSHOT) == []


def test_range_must_be_month_starts_in_order():
    subs = subscriptions(line("a", "basic", "10.00", date(2024, 1, 1)))
    with pytest.raises(InputError, match="month starts"):
        account_months(subs, start=date(2024, 1, 15), end=date(2024, 3, 1))
    with pytest.raises(InputError, match="swap"):
        account_months(subs, start=date(2024, 3, 1), end=date(2024, 1, 1))


def test_missing_columns_and_unknown_segments_are_named():
    table = ibis.memtable({"account_id": ["a"], "mrr": [Decimal("1.00")]})
    with pytest.raises(InputError, match=r"lacks column\(s\) plan, start_date"):
        account_months(table, start=date(2024, 1, 1), end=date(2024, 2, 1))
    am = account_months(subscriptions(line("a", "basic", "10.00", date(2024, 1, 1))),
                        start=date(2024, 1, 1), end=date(2024, 2, 1))
    with pytest.raises(InputError, match="has no column industry"):
        mrr_by_month(am, by="industry")


def test_movement_vocabulary_is_closed():
    assert [m.value for m in Movement] == [
        "new", "expansion", "contraction", "churn", "reactivation",
    ]
    assert RevenueDefinitions().same_month_join_leave == "include"
