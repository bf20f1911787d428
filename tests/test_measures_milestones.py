"""Golden values of ``milestones_reached`` (the default ``onboarded_30d``), worked by hand.

The tiny business of ``tests/test_measures_data.py`` with its events replaced by onboarding
milestones, plus an account ``D`` (paid since 2024-02-01) whose sign-up time is unknown.
``onboarded_30d`` is 1 when ``integration_setup`` and ``invite_user`` both occurred on the
sign-up day or up to 30 calendar days after it, and before the as-of date:

* A signed up 2024-01-10 18:00, so day 30 is 02-09. Integration 01-12, invite 02-09 23:59 (the
  last minute of day 30): onboarded, 1 on 03-04 and on 03-11.
* B signed up 2024-01-30 (2024 is a leap year: day 30 is 02-29). Integration 02-05, invite
  03-01 00:00, day 31: too late, 0 on 03-04 (B is not measured on 03-11).
* C signed up 2024-02-28 (a trial). Integration 03-01, invite 03-04 00:00 (day 5), which is not
  before the first as-of date: 0 on 03-04, 1 on 03-11.
* D has no ``created_at``: null on both dates, although both events are there.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from tenure.measures import (
    MeasuresConfig,
    compute_measures,
    default_measures_config,
    wide_measures,
)
from tenure.warehouse import Warehouse
from test_measures_data import AS_OF, MONDAY_1, MONDAY_2, tiny_tables
from test_measures_leakage import _assert_blind_to_the_future

EXPECTED = {
    ("A", MONDAY_1): 1.0,
    ("B", MONDAY_1): 0.0,
    ("C", MONDAY_1): 0.0,
    ("D", MONDAY_1): None,
    ("A", MONDAY_2): 1.0,
    ("C", MONDAY_2): 1.0,
    ("D", MONDAY_2): None,
}

EVENTS = [
    ("A", "u1", "login", "2024-01-10T18:30"),
    ("A", "u1", "integration_setup", "2024-01-12T10:00"),
    ("A", "u1", "invite_user", "2024-02-09T23:59"),
    ("B", "u9", "integration_setup", "2024-02-05T10:00"),
    ("B", "u9", "invite_user", "2024-03-01T00:00"),
    ("C", "u5", "integration_setup", "2024-03-01T09:00"),
    ("C", "u5", "invite_user", "2024-03-04T00:00"),
    ("D", "u7", "integration_setup", "2024-02-02T09:00"),
    ("D", "u7", "invite_user", "2024-02-03T09:00"),
]


def _append(table: pa.Table, row: dict) -> pa.Table:
    return pa.concat_tables([table, pa.Table.from_pylist([row], schema=table.schema)])


def onboarding_tables() -> dict[str, pa.Table]:
    tables = tiny_tables()
    accounts = tables["accounts"].set_column(
        2, "created_at",
        pa.array([datetime(2024, 1, 10, 18), datetime(2024, 1, 30), datetime(2024, 2, 28)],
                 type=pa.timestamp("us")),
    )
    tables["accounts"] = _append(accounts, {
        "account_id": "D", "name": "Delta", "created_at": None, "industry": "media",
        "country": "US", "size": "1-10", "channel": "partner", "owner": "Ana Souza",
    })
    tables["subscriptions"] = _append(tables["subscriptions"], {
        "subscription_id": "D1", "account_id": "D", "plan": "starter", "quantity": 1,
        "billing_period_months": 1, "mrr": Decimal("19.00"), "currency": "USD",
        "start_date": date(2024, 2, 1), "end_date": None, "cancelled_at": None,
        "is_trial": False,
    })
    tables["events"] = pa.Table.from_pylist(
        [
            {"account_id": a, "user_id": u, "event_name": e,
             "occurred_at": datetime.fromisoformat(t), "properties": None}
            for a, u, e, t in EVENTS
        ],
        schema=tables["events"].schema,
    )
    return tables


def onboarding_config() -> MeasuresConfig:
    default = default_measures_config().measure("onboarded_30d")
    return MeasuresConfig(defaults="replace", measures=[default])


def test_the_default_is_the_planted_onboarding_rule() -> None:
    m = default_measures_config().measure("onboarded_30d")
    assert (m.kind, m.events, m.within_days) == (
        "milestones_reached", ["integration_setup", "invite_user"], 30
    )


def test_onboarded_30d_matches_hand_worked_values(warehouse: Warehouse) -> None:
    warehouse.replace_tables(onboarding_tables())
    config = onboarding_config()
    wide = wide_measures(compute_measures(warehouse, config=config, as_of_dates=AS_OF))
    found = {(r["account_id"], r["as_of_date"]): r["onboarded_30d"]
             for r in wide.to_dict("records")}
    assert set(found) == set(EXPECTED)
    for key, expected in EXPECTED.items():
        if expected is None:
            assert math.isnan(found[key]), key
        else:
            assert found[key] == pytest.approx(expected), key


def test_onboarded_30d_ignores_everything_from_the_as_of_date_on(tmp_path: Path) -> None:
    _assert_blind_to_the_future(tmp_path, onboarding_tables(), AS_OF, config=onboarding_config())


def test_without_an_accounts_table_onboarding_is_unknown(warehouse: Warehouse) -> None:
    tables = onboarding_tables()
    del tables["accounts"]
    warehouse.replace_tables(tables)
    wide = wide_measures(
        compute_measures(warehouse, config=onboarding_config(), as_of_dates=AS_OF)
    )
    assert len(wide) == len(EXPECTED)
    assert wide["onboarded_30d"].isna().all()
