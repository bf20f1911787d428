"""Pending cancellations on a hand-made business, as of Monday 2024-07-01 (``D``).

Worked by hand from the rule in :mod:`tenure.measures.cancellations` (a request is pending at
``d`` when ``cancelled_at < d <= end == spell end`` for a paid line, or a request recorded only in
``cancellations`` was made before ``d`` during the running spell). Days count from ``D``.

* ``RUN`` one line to day 19, cancelled on day -11: pending, requested day -11.
* ``ADDON`` main line running on, add-on to day 30 cancelled on day -5 (also a ``cancellations``
  row that day, mirroring the line): the add-on does not end the spell: not pending.
* ``GRACE`` line to day 10 cancelled on day -20, a new line from day 15 (a 5-day gap): with no
  grace the first line ends the running spell: pending; with a 7-day grace the spell runs on
  into the new line: not pending.
* ``TODAY`` line to day 30, cancelled on ``D`` itself: not known yet, not pending (the request
  behind the spell's end is still day 0).
* ``ENDED`` line ended on day -10, cancelled on day -40: out of service, not pending.
* ``TABLE`` running line, a request only in ``cancellations`` on day -6: pending.
* ``OLD`` a spell that ended in 2023 after a request recorded only in ``cancellations``
  (2023-03-01), back since 2023-08-01: the old request belongs to the old spell: not pending.
* ``TRIAL`` a trial line cancelled on day -3: not paid service, not pending.

With ``churn_recognition: cancellation`` a line ends on its ``cancelled_at``: ``RUN`` and
``GRACE`` are out of service at ``D``, so no line request is pending; ``TABLE`` (no line to end)
stays pending.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pandas as pd
import pyarrow as pa
import pytest

from tenure.config import RevenueDefinitions
from tenure.measures.cancellations import cancellation_status
from tenure.models import training_set
from tenure.models.scoring import score_accounts
from tenure.segments import lifecycle_stages
from tenure.warehouse import Warehouse

D = date(2024, 7, 1)
OLD = date(2023, 1, 1)


def day(n: int) -> date:
    return D + timedelta(days=n)


# account, plan, mrr, start, end, cancelled_at, trial
LINES = [
    ("RUN", "team", "39.00", OLD, day(19), day(-11), False),
    ("ADDON", "team", "39.00", OLD, None, None, False),
    ("ADDON", "analytics_addon", "20.00", date(2024, 3, 1), day(30), day(-5), False),
    ("GRACE", "team", "39.00", OLD, day(10), day(-20), False),
    ("GRACE", "team", "39.00", day(15), None, None, False),
    ("TODAY", "team", "39.00", OLD, day(30), D, False),
    ("ENDED", "team", "39.00", OLD, day(-10), day(-40), False),
    ("TABLE", "team", "39.00", OLD, None, None, False),
    ("OLD", "team", "39.00", OLD, date(2023, 4, 1), None, False),
    ("OLD", "team", "39.00", date(2023, 8, 1), None, None, False),
    ("TRIAL", "team", "0.00", day(-10), day(4), day(-3), True),
]
ACCOUNTS = ["RUN", "ADDON", "GRACE", "TODAY", "ENDED", "TABLE", "OLD", "TRIAL"]
SERVICE_END = RevenueDefinitions()
GRACE_7 = RevenueDefinitions(grace_period_days=7)
AT_REQUEST = RevenueDefinitions(churn_recognition="cancellation")


@pytest.fixture
def business(warehouse: Warehouse) -> Warehouse:
    n = len(LINES)
    warehouse.replace_tables({
        "subscriptions": pa.table({
            "subscription_id": [f"s{i}" for i in range(n)],
            "account_id": [r[0] for r in LINES],
            "plan": [r[1] for r in LINES],
            "quantity": [1] * n,
            "billing_period_months": [1] * n,
            "mrr": pa.array([Decimal(r[2]) for r in LINES], type=pa.decimal128(18, 2)),
            "start_date": pa.array([r[3] for r in LINES], type=pa.date32()),
            "end_date": pa.array([r[4] for r in LINES], type=pa.date32()),
            "cancelled_at": pa.array([r[5] for r in LINES], type=pa.date32()),
            "is_trial": [r[6] for r in LINES],
        }),
        "cancellations": pa.table({
            "account_id": ["ADDON", "TABLE", "OLD"],
            "cancelled_at": pa.array([day(-5), day(-6), date(2023, 3, 1)], type=pa.date32()),
        }),
    })
    return warehouse


def _status(warehouse: Warehouse, definitions: RevenueDefinitions) -> pd.DataFrame:
    rows = pd.DataFrame({"account_id": ACCOUNTS, "as_of_date": [D] * len(ACCOUNTS)})
    return cancellation_status(warehouse, rows, definitions).set_index(rows["account_id"])


def _pending(status: pd.DataFrame) -> set[str]:
    return set(status.index[status["cancel_pending"]])


def test_hand_worked_cases_under_service_end(business: Warehouse) -> None:
    status = _status(business, SERVICE_END)
    assert _pending(status) == {"RUN", "GRACE", "TABLE"}
    assert status.loc["RUN", "requested_at"] == pd.Timestamp(day(-11))
    assert status.loc["GRACE", "requested_at"] == pd.Timestamp(day(-20))
    assert status.loc["TABLE", "requested_at"] == pd.Timestamp(day(-6))
    # The request on D itself is the one behind the churn, but not known at D.
    assert pd.isna(status.loc["TODAY", "requested_at"])
    assert status.loc["TODAY", "churn_requested_at"] == pd.Timestamp(D)
    for account in ("ADDON", "ENDED", "OLD", "TRIAL"):
        assert pd.isna(status.loc[account, "churn_requested_at"]), account
    assert str(status["requested_at"].dtype).startswith("datetime64")


def test_a_grace_bridged_spell_is_not_pending(business: Warehouse) -> None:
    assert _pending(_status(business, GRACE_7)) == {"RUN", "TABLE"}


def test_cancellation_recognition_leaves_no_line_request_pending(business: Warehouse) -> None:
    assert _pending(_status(business, AT_REQUEST)) == {"TABLE"}


def test_no_rows_or_an_account_without_lines(business: Warehouse) -> None:
    empty = pd.DataFrame({"account_id": pd.Series(dtype=str),
                          "as_of_date": pd.Series(dtype=object)})
    assert cancellation_status(business, empty).empty
    rows = pd.DataFrame({"account_id": ["NOBODY"], "as_of_date": [D]})
    assert not cancellation_status(business, rows)["cancel_pending"].any()


@pytest.mark.parametrize("definitions", [SERVICE_END, GRACE_7, AT_REQUEST],
                         ids=["service_end", "grace_7", "at_request"])
def test_training_scoring_and_lifecycle_agree(business: Warehouse,
                                              definitions: RevenueDefinitions) -> None:
    """The rows the churn training set leaves out, the scores' ``cancel_pending`` and the
    lifecycle's ``cancelled``-while-in-service are the same accounts."""
    measures = pd.DataFrame({
        "account_id": ACCOUNTS, "as_of_date": [D] * len(ACCOUNTS),
        "is_trial": [a == "TRIAL" for a in ACCOUNTS], "onboarded_30d": [1.0] * len(ACCOUNTS),
    })
    expected = _pending(_status(business, definitions))

    everyone = training_set(business, horizons=(30,), measures=measures, kind="churn",
                            definitions=definitions, data_end=day(60),
                            exclude_pending_cancellations=False)
    kept = training_set(business, horizons=(30,), measures=measures, kind="churn",
                        definitions=definitions, data_end=day(60))
    left_out = set(everyone["account_id"]) - set(kept["account_id"])

    scores = score_accounts(business, {}, measures=measures, definitions=definitions)
    flagged = set(scores.loc[scores["cancel_pending"], "account_id"])

    stages = lifecycle_stages(business, D, definitions=definitions, measures=measures)
    asked = set(stages.loc[stages["in_service"] & stages["cancel_requested_at"].notna(),
                           "account_id"])

    assert left_out == flagged == asked == expected


def test_day_numbers_become_timestamps_exactly():
    """Whole days to datetime64[ns], NaN to NaT, as pandas' unit conversion gives them."""
    import doctest

    import numpy as np

    from tenure.measures import cancellations
    from tenure.measures.cancellations import day_timestamps

    days = np.array([np.nan, -1.0, 0.0, 19_723.0, 60_000.0, np.nan])
    expected = pd.Series(pd.to_datetime(days, unit="D"), dtype="datetime64[ns]")
    assert day_timestamps(days).equals(expected)
    assert day_timestamps(np.full(3, np.nan)).isna().all()
    assert doctest.testmod(cancellations).failed == 0
