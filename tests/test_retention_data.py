"""Hand-built account-month tables shared by the metric tests (no tests of its own).

The tables follow the contract of ``tenure.metrics.mrr.account_months`` (grain account_id, month)
so the metric tests do not depend on the MRR engine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

import ibis
import pandas as pd

ACCOUNT_MONTHS_SCHEMA = ibis.schema(
    {
        "account_id": "string",
        "month": "date",
        "mrr": "decimal(18,2)",
        "previous_mrr": "decimal(18,2)",
        "new_mrr": "decimal(18,2)",
        "expansion_mrr": "decimal(18,2)",
        "reactivation_mrr": "decimal(18,2)",
        "contraction_mrr": "decimal(18,2)",
        "churned_mrr": "decimal(18,2)",
        "mrr_change": "decimal(18,2)",
        "movement": "string",
        "joined_and_left": "boolean",
        "is_customer": "boolean",
        "was_customer": "boolean",
        "first_paid_month": "date",
        "plan": "string",
    }
)
_COLUMNS = list(ACCOUNT_MONTHS_SCHEMA.names)


def D(text: str | int) -> Decimal:
    """Money literal."""
    return Decimal(str(text)).quantize(Decimal("0.01"))


def _row(account: str, month: date, mrr: str, prev: str, first: date, plan: str, *,
         new: str = "0", exp: str = "0", react: str = "0", contr: str = "0", churn: str = "0",
         movement: str | None = None, joined_and_left: bool = False) -> dict:
    return {
        "account_id": account, "month": month, "mrr": D(mrr), "previous_mrr": D(prev),
        "new_mrr": D(new), "expansion_mrr": D(exp), "reactivation_mrr": D(react),
        "contraction_mrr": D(contr), "churned_mrr": D(churn), "mrr_change": D(mrr) - D(prev),
        "movement": movement, "joined_and_left": joined_and_left,
        "is_customer": D(mrr) > 0, "was_customer": D(prev) > 0,
        "first_paid_month": first, "plan": plan,
    }


JAN, FEB, MAR, APR = (date(2024, m, 1) for m in (1, 2, 3, 4))


def golden_rows() -> list[dict]:
    """Four accounts over January-April 2024, every movement and a join-and-leave.

    ====  =====  =====  =====  =====  ==================================================
    acct  Jan    Feb    Mar    Apr    story
    ====  =====  =====  =====  =====  ==================================================
    a     100    150    150    120    new, expansion +50, flat, contraction -30 (pro)
    b     200    200      0     50    new, flat, churn -200, reactivation +50 (team)
    c       -     80     60     60    new in Feb, contraction -20, flat (pro)
    d       -      -      0      0    joined and left in March at 40 (team)
    ====  =====  =====  =====  =====  ==================================================
    """
    return [
        _row("a", JAN, "100", "0", JAN, "pro", new="100", movement="new"),
        _row("a", FEB, "150", "100", JAN, "pro", exp="50", movement="expansion"),
        _row("a", MAR, "150", "150", JAN, "pro"),
        _row("a", APR, "120", "150", JAN, "pro", contr="-30", movement="contraction"),
        _row("b", JAN, "200", "0", JAN, "team", new="200", movement="new"),
        _row("b", FEB, "200", "200", JAN, "team"),
        _row("b", MAR, "0", "200", JAN, "team", churn="-200", movement="churn"),
        _row("b", APR, "50", "0", JAN, "team", react="50", movement="reactivation"),
        _row("c", FEB, "80", "0", FEB, "pro", new="80", movement="new"),
        _row("c", MAR, "60", "80", FEB, "pro", contr="-20", movement="contraction"),
        _row("c", APR, "60", "60", FEB, "pro"),
        _row("d", MAR, "0", "0", MAR, "team", new="40", churn="-40", movement="new",
             joined_and_left=True),
        _row("d", APR, "0", "0", MAR, "team"),
    ]


def months_from(start: date, count: int) -> list[date]:
    """``count`` month starts from ``start``."""
    index = start.year * 12 + start.month - 1
    return [date((index + i) // 12, (index + i) % 12 + 1, 1) for i in range(count)]


def rows_from_series(series: Mapping[str, Sequence[str | int | None]], months: Sequence[date],
                     plans: Mapping[str, str] | None = None) -> list[dict]:
    """Account-month rows from month-end MRR per account (None: no row that month).

    The movement columns follow the contract: 0 -> x is new (reactivation after an earlier paid
    month), x -> 0 churn, x -> y expansion or contraction. ``previous_mrr`` of a first row is 0.
    """
    rows = []
    for account, values in series.items():
        paid = [m for m, v in zip(months, values, strict=True) if v is not None and D(v) > 0]
        if not paid:
            continue
        first = paid[0]
        prev = D(0)
        for month, value in zip(months, values, strict=True):
            if value is None:
                prev = D(0)
                continue
            mrr = D(value)
            kwargs: dict = {}
            if prev == 0 and mrr > 0:
                kind = "new" if month == first else "reactivation"
                kwargs = {"new" if kind == "new" else "react": str(mrr), "movement": kind}
            elif prev > 0 and mrr == 0:
                kwargs = {"churn": str(-prev), "movement": "churn"}
            elif mrr > prev > 0:
                kwargs = {"exp": str(mrr - prev), "movement": "expansion"}
            elif 0 < mrr < prev:
                kwargs = {"contr": str(mrr - prev), "movement": "contraction"}
            if month >= first:
                plan = (plans or {}).get(account, "pro")
                rows.append(_row(account, month, str(mrr), str(prev), first, plan, **kwargs))
            prev = mrr
    return rows


def table(rows: list[dict]) -> ibis.Table:
    """An account_months memtable with the contract's column types."""
    frame = pd.DataFrame(rows, columns=_COLUMNS)
    return ibis.memtable(frame, schema=ACCOUNT_MONTHS_SCHEMA)


def ttm_rows() -> list[dict]:
    """Fourteen months, January 2023 - February 2024, for the trailing-twelve-month metrics.

    x: 100 all along, expands to 130 in January 2024.
    y: 200, churns in June 2023, comes back at 50 in December 2023.
    z: 100, contracts to 60 in October 2023, churns in February 2024.
    w: new in February 2023 at 40, flat.
    """
    months = months_from(date(2023, 1, 1), 14)
    series = {
        "x": [100] * 12 + [130, 130],
        "y": [200] * 5 + [0] * 6 + [50, 50, 50],
        "z": [100] * 9 + [60] * 4 + [0],
        "w": [None] + [40] * 13,
    }
    return rows_from_series(series, months)
