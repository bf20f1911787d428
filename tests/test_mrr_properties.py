"""Hypothesis properties of account-month MRR over small generated subscription sets.

Invariants: the five movements sum exactly to the MRR change on every row and have the right signs;
monthly totals reconcile month to month; totals equal the sum over segments. And an independent
oracle: a day-by-day Python simulation of the definitions gives the same month-end MRR and the same
same-month join-and-leave peak as the Ibis expression.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import ibis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tenure.config import RevenueDefinitions
from tenure.metrics.mrr import account_months, mrr_by_month
from tenure.metrics.period import MonthRange, add_months
from test_mrr import line, subscriptions

START, END = date(2024, 3, 1), date(2024, 11, 1)
DAY0 = date(2024, 1, 1)
ACCOUNTS = ("a", "b", "c", "d")
INDUSTRY = {"a": "retail", "b": "retail", "c": None, "d": "saas"}
MOVES = ("new_mrr", "expansion_mrr", "reactivation_mrr", "contraction_mrr", "churned_mrr")
ZERO = Decimal("0.00")

CON = ibis.duckdb.connect()  # one connection for every example: fast


@st.composite
def subscription_lines(draw: st.DrawFn) -> list[dict]:
    lines = []
    for _ in range(draw(st.integers(1, 7))):
        start = DAY0 + timedelta(days=draw(st.integers(0, 280)))
        length = draw(st.one_of(st.none(), st.integers(1, 130)))
        cancel = draw(st.one_of(st.none(), st.integers(0, 160)))
        lines.append(line(
            draw(st.sampled_from(ACCOUNTS)),
            draw(st.sampled_from(["basic", "pro"])),
            draw(st.sampled_from(["0.00", "9.99", "10.00", "25.50", "100.00"])),
            start,
            None if length is None else start + timedelta(days=length),
            cancelled=None if cancel is None else start + timedelta(days=cancel),
            trial=draw(st.booleans()) and draw(st.booleans()),
        ))
    return lines


definitions_strategy = st.builds(
    RevenueDefinitions,
    churn_recognition=st.sampled_from(["service_end", "cancellation"]),
    same_month_join_leave=st.sampled_from(["include", "exclude"]),
    refund_window_days=st.sampled_from([0, 7]),
    grace_period_days=st.sampled_from([0, 5, 20]),
    reactivation_max_gap_months=st.sampled_from([None, 1, 2]),
)


# --- the oracle: the definitions simulated day by day in plain Python ---------------------------


def oracle_intervals(lines: list[dict], d: RevenueDefinitions) -> dict[str, list[list]]:
    """Effective [start, end) intervals (end None = running) per account, with their MRR."""
    by_account: dict[str, list[list]] = defaultdict(list)
    for row in lines:
        if row["is_trial"] or row["mrr"] <= 0:
            continue
        end = row["end_date"]
        if d.churn_recognition == "cancellation" and row["cancelled_at"] is not None:
            end = row["cancelled_at"] if end is None else min(end, row["cancelled_at"])
        if end is not None and (end - row["start_date"]).days <= d.refund_window_days:
            continue
        by_account[row["account_id"]].append([row["start_date"], end, row["mrr"]])
    if d.grace_period_days:
        for intervals in by_account.values():
            stops = {e for _, e, _ in intervals if e is not None and not active(intervals, e)}
            for stop in stops:
                later = [s for s, _, _ in intervals if s > stop]
                if later and (min(later) - stop).days <= d.grace_period_days:
                    for interval in intervals:
                        if interval[1] == stop:
                            interval[1] = min(later)
    return by_account


def active(intervals: list[list], day: date) -> list[list]:
    return [i for i in intervals if i[0] <= day and (i[1] is None or i[1] > day)]


def mrr_on(intervals: list[list], day: date) -> Decimal:
    return sum((i[2] for i in active(intervals, day)), ZERO)


def oracle_month(intervals: list[list], month: date) -> tuple[Decimal, Decimal]:
    """(month-end MRR, largest MRR in force on a day of the month if both month-ends are 0)."""
    last = add_months(month, 1) - timedelta(days=1)
    at_end, at_previous_end = mrr_on(intervals, last), mrr_on(intervals, month - timedelta(1))
    peak = ZERO
    if at_end == ZERO and at_previous_end == ZERO:
        day = month
        while day <= last:
            peak = max(peak, mrr_on(intervals, day))
            day += timedelta(days=1)
    return at_end, peak


# --- the properties ----------------------------------------------------------------------------


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=subscription_lines(), definitions=definitions_strategy)
def test_account_months_match_the_oracle_and_keep_every_invariant(lines, definitions):
    accounts = ibis.memtable({"account_id": list(INDUSTRY), "industry": list(INDUSTRY.values())},
                             schema={"account_id": "string", "industry": "string"})
    am = account_months(subscriptions(*lines), start=START, end=END, definitions=definitions,
                        accounts=accounts)
    executed = CON.to_pyarrow(am)
    got = executed.to_pylist()

    # Oracle: month-end MRR and join-and-leave peaks of every account that ever paid.
    intervals = oracle_intervals(lines, definitions)
    months = MonthRange(START, END).months
    include = definitions.same_month_join_leave == "include"
    expected = {}
    for account, spans in intervals.items():
        history = MonthRange(min(s for s, _, _ in spans).replace(day=1), END).months
        paid = [m for m in history
                if oracle_month(spans, m)[0] > 0 or (include and oracle_month(spans, m)[1] > 0)]
        if paid:
            for month in months:
                if month >= paid[0]:
                    expected[account, month] = oracle_month(spans, month)
    assert {(r["account_id"], r["month"]) for r in got} == set(expected)

    for r in got:
        at_end, peak = expected[r["account_id"], r["month"]]
        assert r["mrr"] == at_end
        moves = [r[c] for c in MOVES]
        # Exact identity, signs, and the derived columns.
        assert sum(moves, ZERO) == r["mrr"] - r["previous_mrr"] == r["mrr_change"]
        assert r["mrr"] >= 0
        assert r["previous_mrr"] >= 0
        assert min(r["new_mrr"], r["expansion_mrr"], r["reactivation_mrr"]) >= 0
        assert max(r["contraction_mrr"], r["churned_mrr"]) <= 0
        assert r["is_customer"] == (r["mrr"] > 0)
        assert r["was_customer"] == (r["previous_mrr"] > 0)
        assert r["industry"] == INDUSTRY[r["account_id"]]
        assert r["joined_and_left"] == (include and peak > 0)
        if r["joined_and_left"]:
            assert r["new_mrr"] + r["reactivation_mrr"] == peak
            assert r["churned_mrr"] == -peak
        else:
            assert (r["movement"] is None) == all(m == ZERO for m in moves)

    # Monthly totals reconcile, and equal the sum over segments.
    materialised = ibis.memtable(executed)
    totals = CON.to_pyarrow(mrr_by_month(materialised)).to_pylist()
    for before, now in itertools.pairwise(totals):
        assert now["month"] == add_months(before["month"], 1)
        assert now["previous_mrr"] == before["mrr"]
        assert now["previous_customers"] == before["customers"]
    for t in totals:
        assert t["previous_mrr"] + sum((t[c] for c in MOVES), ZERO) == t["mrr"]
        assert t["customers"] == (t["previous_customers"] + t["new_customers"]
                                  + t["reactivated_customers"] - t["churned_customers"])
    for segment in ("plan", "industry"):
        by_segment = CON.to_pyarrow(mrr_by_month(materialised, by=segment)).to_pylist()
        summed: dict[date, dict[str, Decimal | int]] = defaultdict(lambda: defaultdict(int))
        for row in by_segment:
            for column, value in row.items():
                if column not in ("month", segment):
                    summed[row["month"]][column] += value
        for t in totals:
            assert {c: summed[t["month"]][c] for c in t if c != "month"} == {
                c: v for c, v in t.items() if c != "month"
            }
