"""Golden tests of the MRR movements under every customer-definition setting.

Every expected row below was worked out by hand from the month-end rule and the setting's
definition (docs/movements.md, docs/settings.md); the comment above each fixture shows the work.
"""

from __future__ import annotations

from datetime import date

import ibis
import pytest

from tenure.config import RevenueDefinitions
from tenure.metrics.movements import movements_by_account
from tenure.metrics.mrr import account_months, mrr_by_month
from test_mrr import line, rows, subscriptions

# (month, mrr, new, reactivation, churned, movement, joined_and_left)
JOIN_COLUMNS = ("month", "mrr", "new_mrr", "reactivation_mrr", "churned_mrr", "movement",
                "joined_and_left")
BRIEF = ("account_id", "month", "mrr", "movement")


@pytest.fixture(scope="module")
def con():
    backend = ibis.duckdb.connect()
    yield backend
    backend.disconnect()


# --- reactivation_max_gap_months ---------------------------------------------------------------

# Paid Jan (10.00 from Jan 5 to Feb 10), back from May 5. Month-ends without MRR in between:
# Feb, Mar, Apr = 3 months. So May is a reactivation when the limit is none or >= 3, else new.
@pytest.mark.parametrize(
    ("max_gap", "may"),
    [
        (None, ("2024-05", "10.00", "0.00", "10.00", "0.00", "reactivation", False)),
        (3, ("2024-05", "10.00", "0.00", "10.00", "0.00", "reactivation", False)),
        (2, ("2024-05", "10.00", "10.00", "0.00", "0.00", "new", False)),
    ],
)
def test_reactivation_after_a_gap_and_new_beyond_the_limit(con, max_gap, may):
    subs = subscriptions(
        line("r", "basic", "10.00", date(2024, 1, 5), date(2024, 2, 10)),
        line("r", "basic", "10.00", date(2024, 5, 5)),
    )
    definitions = RevenueDefinitions(reactivation_max_gap_months=max_gap)
    am = account_months(subs, start=date(2024, 1, 1), end=date(2024, 7, 1),
                        definitions=definitions)
    assert rows(con, am, JOIN_COLUMNS) == [
        ("2024-01", "10.00", "10.00", "0.00", "0.00", "new", False),
        ("2024-02", "0.00", "0.00", "0.00", "-10.00", "churn", False),
        ("2024-03", "0.00", "0.00", "0.00", "0.00", None, False),
        ("2024-04", "0.00", "0.00", "0.00", "0.00", None, False),
        may,
        ("2024-06", "10.00", "0.00", "0.00", "0.00", None, False),
    ]
    # The cohort month does not move when a long-gone account comes back as new.
    assert set(rows(con, am, ["first_paid_month"])) == {("2024-01",)}


# --- same_month_join_leave ---------------------------------------------------------------------

# Three lines inside February, none active on Jan 31 or Feb 29. MRR in force per day:
# Feb 3-9: 15.00; Feb 10-19: 15.00 + 5.00 = 20.00; Feb 20: 5.00; Feb 21-24: 5.00 + 18.00 = 23.00;
# Feb 25-27: 18.00. The largest, X = 23.00 (not the sum 38.00, not the largest line 18.00).
JOIN_AND_LEAVE = (
    line("j", "a", "15.00", date(2024, 2, 3), date(2024, 2, 20)),
    line("j", "b", "5.00", date(2024, 2, 10), date(2024, 2, 25)),
    line("j", "c", "18.00", date(2024, 2, 21), date(2024, 2, 28)),
)


def test_same_month_join_and_leave_included_as_new_and_churn(con):
    am = account_months(subscriptions(*JOIN_AND_LEAVE), start=date(2024, 1, 1),
                        end=date(2024, 4, 1))
    assert rows(con, am, JOIN_COLUMNS) == [
        ("2024-02", "0.00", "23.00", "0.00", "-23.00", "new", True),
        ("2024-03", "0.00", "0.00", "0.00", "0.00", None, False),
    ]
    assert rows(con, am, ["plan", "first_paid_month", "is_customer", "was_customer"])[0] == (
        "c", "2024-02", False, False,  # plan of the largest line of the month
    )
    totals = mrr_by_month(am)
    assert rows(con, totals, ["month", "customers", "new_customers", "churned_customers",
                              "new_mrr", "churned_mrr", "mrr_change"], key=["month"]) == [
        ("2024-02", 0, 1, 1, "23.00", "-23.00", "0.00"),
        ("2024-03", 0, 0, 0, "0.00", "0.00", "0.00"),
    ]


def test_same_month_join_and_leave_excluded_leaves_no_trace(con):
    definitions = RevenueDefinitions(same_month_join_leave="exclude")
    am = account_months(subscriptions(*JOIN_AND_LEAVE), start=date(2024, 1, 1),
                        end=date(2024, 4, 1), definitions=definitions)
    assert rows(con, am, JOIN_COLUMNS) == []


# A customer paid in January (10.00, Jan 5 - Feb 10), joined and left in April (12.00,
# Apr 5 - Apr 20) and came back on Jun 1. Included, April is a return: reactivation 12.00 and
# churn -12.00; June's gap is then May alone (1 month). With a limit of 1 month, April (gap Feb,
# Mar = 2) is new instead. Excluded, April never happened and June's gap is Feb-May (4 months).
RETURNING = (
    line("k", "basic", "10.00", date(2024, 1, 5), date(2024, 2, 10)),
    line("k", "basic", "12.00", date(2024, 4, 5), date(2024, 4, 20)),
    line("k", "basic", "10.00", date(2024, 6, 1)),
)
JAN_TO_MAR = [
    ("2024-01", "10.00", "10.00", "0.00", "0.00", "new", False),
    ("2024-02", "0.00", "0.00", "0.00", "-10.00", "churn", False),
    ("2024-03", "0.00", "0.00", "0.00", "0.00", None, False),
]
MAY = ("2024-05", "0.00", "0.00", "0.00", "0.00", None, False)


@pytest.mark.parametrize(
    ("setting", "max_gap", "april", "june"),
    [
        ("include", None,
         ("2024-04", "0.00", "0.00", "12.00", "-12.00", "reactivation", True),
         ("2024-06", "10.00", "0.00", "10.00", "0.00", "reactivation", False)),
        ("include", 1,
         ("2024-04", "0.00", "12.00", "0.00", "-12.00", "new", True),
         ("2024-06", "10.00", "0.00", "10.00", "0.00", "reactivation", False)),
        ("exclude", None,
         ("2024-04", "0.00", "0.00", "0.00", "0.00", None, False),
         ("2024-06", "10.00", "0.00", "10.00", "0.00", "reactivation", False)),
        ("exclude", 1,
         ("2024-04", "0.00", "0.00", "0.00", "0.00", None, False),
         ("2024-06", "10.00", "10.00", "0.00", "0.00", "new", False)),
    ],
)
def test_returning_customer_joining_and_leaving_in_one_month(con, setting, max_gap, april, june):
    definitions = RevenueDefinitions(same_month_join_leave=setting,
                                     reactivation_max_gap_months=max_gap)
    am = account_months(subscriptions(*RETURNING), start=date(2024, 1, 1),
                        end=date(2024, 7, 1), definitions=definitions)
    assert rows(con, am, JOIN_COLUMNS) == [*JAN_TO_MAR, april, MAY, june]


# --- trials ------------------------------------------------------------------------------------

# t1: trial Jan 1-15 then paid 50.00 from Jan 15: new in January (the trial is not a customer).
# t2: a trial across the Jan month-end that never converts: never a customer, never churn.
# t4: paying 20.00 and trialling a 100.00 plan in February: MRR stays 20.00, no contraction.
# t5: a free (0.00) plan is not paid service.
def test_trials_are_never_customers_and_never_churn(con):
    subs = subscriptions(
        line("t1", "pro", "50.00", date(2024, 1, 1), date(2024, 1, 15), trial=True),
        line("t1", "pro", "50.00", date(2024, 1, 15)),
        line("t2", "pro", "50.00", date(2024, 1, 1), date(2024, 2, 15), trial=True),
        line("t4", "basic", "20.00", date(2024, 1, 1)),
        line("t4", "enterprise", "100.00", date(2024, 2, 1), date(2024, 3, 1), trial=True),
        line("t5", "free", "0.00", date(2024, 1, 1)),
    )
    am = account_months(subs, start=date(2024, 1, 1), end=date(2024, 4, 1))
    assert rows(con, am, [*BRIEF, "plan"]) == [
        ("t1", "2024-01", "50.00", "new", "pro"),
        ("t1", "2024-02", "50.00", None, "pro"),
        ("t1", "2024-03", "50.00", None, "pro"),
        ("t4", "2024-01", "20.00", "new", "basic"),
        ("t4", "2024-02", "20.00", None, "basic"),
        ("t4", "2024-03", "20.00", None, "basic"),
    ]


# --- churn_recognition -------------------------------------------------------------------------

# x: annual 100.00 a month, Jan 1 - Dec 31, cancelled Mar 10: service runs to Dec 31, but under
#    'cancellation' it stops on Mar 10, so March (month-end Mar 31) churns.
# y: running 40.00, cancelled on Feb 29 (the last day of February): the line is not active on
#    Feb 29 under 'cancellation', so February churns; under 'service_end' it keeps running.
# z: ends Feb 15, cancelled later (May 1): the earlier of the two wins in both modes.
RECOGNITION = (
    line("x", "annual", "100.00", date(2024, 1, 1), date(2024, 12, 31),
         cancelled=date(2024, 3, 10)),
    line("y", "monthly", "40.00", date(2024, 1, 1), cancelled=date(2024, 2, 29)),
    line("z", "monthly", "25.00", date(2024, 1, 1), date(2024, 2, 15),
         cancelled=date(2024, 5, 1)),
)
Z_ROWS = [
    ("z", "2024-01", "25.00", "new"),
    ("z", "2024-02", "0.00", "churn"),
    ("z", "2024-03", "0.00", None),
    ("z", "2024-04", "0.00", None),
]


def test_churn_recognised_at_service_end(con):
    am = account_months(subscriptions(*RECOGNITION), start=date(2024, 1, 1),
                        end=date(2024, 5, 1))
    assert rows(con, am, BRIEF) == [
        ("x", "2024-01", "100.00", "new"),
        ("x", "2024-02", "100.00", None),
        ("x", "2024-03", "100.00", None),
        ("x", "2024-04", "100.00", None),
        ("y", "2024-01", "40.00", "new"),
        ("y", "2024-02", "40.00", None),
        ("y", "2024-03", "40.00", None),
        ("y", "2024-04", "40.00", None),
        *Z_ROWS,
    ]


def test_churn_recognised_at_cancellation(con):
    definitions = RevenueDefinitions(churn_recognition="cancellation")
    am = account_months(subscriptions(*RECOGNITION), start=date(2024, 1, 1),
                        end=date(2024, 5, 1), definitions=definitions)
    assert rows(con, am, BRIEF) == [
        ("x", "2024-01", "100.00", "new"),
        ("x", "2024-02", "100.00", None),
        ("x", "2024-03", "0.00", "churn"),
        ("x", "2024-04", "0.00", None),
        ("y", "2024-01", "40.00", "new"),
        ("y", "2024-02", "0.00", "churn"),
        ("y", "2024-03", "0.00", None),
        ("y", "2024-04", "0.00", None),
        *Z_ROWS,
    ]
    assert rows(con, am, ["account_id", "month", "churned_mrr"])[2] == (
        "x", "2024-03", "-100.00",
    )


# --- refund_window_days ------------------------------------------------------------------------

# r1: Jan 5 - Jan 19 = 14 days: refunded with a 14-day window (<= 14), else a join and leave.
# r2: Jan 25 - Feb 25, cancelled Feb 5 (11 days in): refunded when churn is recognised at
#     cancellation; kept (31 days) at service end.
# r3: Jan 10 - Jan 25 = 15 days: kept, a join and leave in January.
# r4: running from Jan 10: never refunded.
REFUNDS = (
    line("r1", "basic", "30.00", date(2024, 1, 5), date(2024, 1, 19)),
    line("r2", "basic", "30.00", date(2024, 1, 25), date(2024, 2, 25),
         cancelled=date(2024, 2, 5)),
    line("r3", "basic", "30.00", date(2024, 1, 10), date(2024, 1, 25)),
    line("r4", "basic", "30.00", date(2024, 1, 10)),
)
REFUND_COLUMNS = ("account_id", "month", "mrr", "new_mrr", "churned_mrr", "movement")
R3_R4 = [
    ("r3", "2024-01", "0.00", "30.00", "-30.00", "new"),
    ("r3", "2024-02", "0.00", "0.00", "0.00", None),
    ("r4", "2024-01", "30.00", "30.00", "0.00", "new"),
    ("r4", "2024-02", "30.00", "0.00", "0.00", None),
]


@pytest.mark.parametrize(
    ("window", "recognition", "refunded_rows"),
    [
        (14, "cancellation", []),
        (14, "service_end", [
            ("r2", "2024-01", "30.00", "30.00", "0.00", "new"),
            ("r2", "2024-02", "0.00", "0.00", "-30.00", "churn"),
        ]),
        (0, "cancellation", [
            ("r1", "2024-01", "0.00", "30.00", "-30.00", "new"),
            ("r1", "2024-02", "0.00", "0.00", "0.00", None),
            ("r2", "2024-01", "30.00", "30.00", "0.00", "new"),
            ("r2", "2024-02", "0.00", "0.00", "-30.00", "churn"),
        ]),
    ],
)
def test_refund_window_drops_lines_ended_within_it(con, window, recognition, refunded_rows):
    definitions = RevenueDefinitions(refund_window_days=window, churn_recognition=recognition)
    am = account_months(subscriptions(*REFUNDS), start=date(2024, 1, 1), end=date(2024, 3, 1),
                        definitions=definitions)
    assert rows(con, am, REFUND_COLUMNS) == sorted([*refunded_rows, *R3_R4])


# --- grace_period_days -------------------------------------------------------------------------

# basic 10.00 Jan 1 - Feb 27 and add-on 5.00 Jan 1 - Feb 10, then plus 12.00 from Mar 3.
# Service stops on Feb 27 and resumes on Mar 3: a gap of 5 days (2024 is a leap year).
# Without a long enough grace: Feb churns -15.00 and March reactivates 12.00.
# With grace >= 5: basic (running on the last day of service) is bridged to Mar 3, the add-on
# (which ended earlier) is not: Feb 29 has 10.00, contraction -5.00; March expands by 2.00.
GRACE = (
    line("g", "basic", "10.00", date(2024, 1, 1), date(2024, 2, 27)),
    line("g", "addon", "5.00", date(2024, 1, 1), date(2024, 2, 10)),
    line("g", "plus", "12.00", date(2024, 3, 3)),
)
NOT_BRIDGED = [
    ("g", "2024-01", "15.00", "new"),
    ("g", "2024-02", "0.00", "churn"),
    ("g", "2024-03", "12.00", "reactivation"),
    ("g", "2024-04", "12.00", None),
]
BRIDGED = [
    ("g", "2024-01", "15.00", "new"),
    ("g", "2024-02", "10.00", "contraction"),
    ("g", "2024-03", "12.00", "expansion"),
    ("g", "2024-04", "12.00", None),
]


@pytest.mark.parametrize(("grace", "expected"), [(0, NOT_BRIDGED), (4, NOT_BRIDGED),
                                                 (5, BRIDGED), (30, BRIDGED)])
def test_grace_period_bridges_short_gaps(con, grace, expected):
    definitions = RevenueDefinitions(grace_period_days=grace)
    am = account_months(subscriptions(*GRACE), start=date(2024, 1, 1), end=date(2024, 5, 1),
                        definitions=definitions)
    assert rows(con, am, BRIEF) == expected


def test_grace_bridges_every_gap_of_an_account_and_ignores_open_lines(con):
    # Three stints: Jan 1 - Jan 30, Feb 2 - Feb 27, Mar 1 - (running); gaps of 3 and 3 days.
    # A 3-day grace joins them into one stint: new in January, nothing after.
    subs = subscriptions(
        line("s", "basic", "10.00", date(2024, 1, 1), date(2024, 1, 30)),
        line("s", "basic", "10.00", date(2024, 2, 2), date(2024, 2, 27)),
        line("s", "basic", "10.00", date(2024, 3, 1)),
        line("o", "basic", "7.00", date(2024, 1, 1)),
    )
    am = account_months(subs, start=date(2024, 1, 1), end=date(2024, 4, 1),
                        definitions=RevenueDefinitions(grace_period_days=3))
    assert rows(con, am, BRIEF) == [
        ("o", "2024-01", "7.00", "new"),
        ("o", "2024-02", "7.00", None),
        ("o", "2024-03", "7.00", None),
        ("s", "2024-01", "10.00", "new"),
        ("s", "2024-02", "10.00", None),
        ("s", "2024-03", "10.00", None),
    ]


# --- drill-down --------------------------------------------------------------------------------


def test_movements_by_account_lists_only_rows_that_moved(con):
    am = account_months(subscriptions(*GRACE), start=date(2024, 1, 1), end=date(2024, 5, 1))
    moves = movements_by_account(am)
    assert rows(con, moves, ["account_id", "month", "movement", "mrr_change"],
                key=["month", "account_id"]) == [
        ("g", "2024-01", "new", "15.00"),
        ("g", "2024-02", "churn", "-15.00"),
        ("g", "2024-03", "reactivation", "12.00"),
    ]
