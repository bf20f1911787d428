"""Golden values of every measure kind on the tiny hand-made business (tests/test_measures_data.py).

Derivations, as of Monday 2024-03-04 (7-day window [02-26, 03-04), previous [02-19, 02-26)):

* A: events in the window are u1 login 02-26, u1 create_report 02-26, u2 login 02-28 and
  u2 create_report 03-03 23:59 (u1's login at 03-04 00:00 is not before the as-of date):
  events 4, logins 2, reports 2, active days {02-26, 02-28, 03-03} = 3, users {u1, u2} = 2,
  breadth {login, create_report} = 2, seats 4 (add-on excluded) so utilisation 2 / 4 = 0.5,
  last seen 03-03 = 1 day before, logins in the previous window 1 (02-20) so change
  (2 - 1) / 1 = +100 %, reports per user 2 / 2 = 1. Tenure from 01-15: March - January = 2
  months, minus 1 because the 4th is before the 15th = 1. MRR 156 + 249 = 405. Tickets: t2
  (opened 03-01, closed 03-05) is open; t2 is the one opened in the last 7 days and the urgent
  one in the last 30; t1 closed 02-12 after 48 h is the only one closed in [02-03, 03-04).
  NPS: r2 at 03-04 00:00 is not before the as-of date, so r1 = 9, promoter. Low ratings (at
  most 2) closed in [02-03, 03-04): t1 (rated 2, closed 02-12) = 1; t2 (rated 1) closes on
  03-05, after the date. Urgent rated 1 closed in [02-26, 03-04): none (t2 still open) = 0.
* B: two logins on 02-27 by u9: events 2, logins 2, 1 day, 1 user, 1 feature, 2 seats so 0.5,
  last seen 6 days before, no logins before so change is null, reports per user 0 / 1 = 0,
  tenure from 02-01 = 1 month. t4 opened at 03-04 00:00 is not visible (nor its rating of 1,
  closed at 06:00 that day): low ratings 0. NPS r3 = 7, passive.
* C is on a trial: nothing before 03-04, so counts are 0, MRR and seats 0, ratios over 0 null.
* Milestones ``login`` and ``create_report`` within 47 days of sign-up: A signed up 01-10, so
  day 47 is 02-26, the day of its first report (first login 02-20): 1. B (sign-up 01-30) logged
  in but never made a report, C neither: 0. The same on 03-11.

As of 2024-03-11 (window [03-04, 03-11), previous [02-26, 03-04)):

* A: u1 login 03-04 00:00 and u3 export 03-10: events 2, logins 1, 2 days, 2 users, 2
  features; logins change (1 - 2) / 2 = -50 %; tenure 2 - 1 (11th before 15th) = 1. The add-on
  ends on 03-11, so it was in force the day before: MRR still 405. t3 (high, never closed) is
  open and recent; t2 is the urgent one in [02-10, 03-11); t1 (48 h) and t2 (96 h) closed in the
  last 30 days: mean 72 h. Low ratings closed in [02-10, 03-11): t1 (2) and t2 (1) = 2; the
  urgent t2, rated 1, closed 03-05 in [03-04, 03-11) = 1; t3 is open and unrated.
  NPS r2 = 6, detractor.
* B's service ended 03-06: not measured. C: u5 login 03-08 (3 days before), t5 opened 03-05
  and closed after 6 h, rated 2: 1 low rating (it is normal, not urgent: 0 for the urgent one);
  the paid line starting on 03-11 is not yet known, so C is still a trial.
"""

from __future__ import annotations

import math
from datetime import date

import pytest

from tenure.config import RevenueDefinitions
from tenure.errors import InputError, WarehouseError
from tenure.measures import (
    MeasuresConfig,
    as_of_grid,
    compute_measures,
    default_measures_config,
    resolve_as_of_dates,
    wide_measures,
)
from tenure.warehouse import Warehouse
from test_measures_data import AS_OF, EXPECTED, MONDAY_1, MONDAY_2, tiny_config, tiny_tables


@pytest.fixture
def tiny(warehouse: Warehouse) -> Warehouse:
    warehouse.replace_tables(tiny_tables())
    return warehouse


def _same(found: object, expected: object) -> bool:
    if expected is None:
        return found is None or (isinstance(found, float) and math.isnan(found))
    if isinstance(expected, str | bool):
        return found == expected
    return found == pytest.approx(expected)


def test_every_measure_kind_matches_hand_worked_values(tiny: Warehouse) -> None:
    config = tiny_config()
    wide = wide_measures(
        compute_measures(tiny, config=config, as_of_dates=AS_OF), config=config
    )
    rows = {(r["account_id"], r["as_of_date"]): r for r in wide.to_dict("records")}
    assert set(rows) == set(EXPECTED)
    for key, expected in EXPECTED.items():
        for name, value in expected.items():
            assert _same(rows[key][name], value), f"{name} at {key}: {rows[key][name]!r}"
    assert list(wide.columns) == ["account_id", "as_of_date", "is_trial", *config.names]


def test_tidy_table_has_one_row_per_account_date_and_measure(tiny: Warehouse) -> None:
    config = tiny_config()
    tidy = compute_measures(tiny, config=config, as_of_dates=AS_OF).to_pandas()
    assert list(tidy.columns) == [
        "account_id", "as_of_date", "measure", "value", "text_value", "is_trial"
    ]
    assert not tidy.duplicated(["account_id", "as_of_date", "measure"]).any()
    assert len(tidy) == len(EXPECTED) * len(config.names)
    labels = tidy[tidy["measure"].isin(["plan", "plan_any", "nps_category"])]
    assert labels["value"].isna().all()
    assert tidy.loc[~tidy.index.isin(labels.index), "text_value"].isna().all()


def test_cancellation_recognition_ends_service_on_the_cancellation_day(
    tiny: Warehouse,
) -> None:
    # B asked to cancel on 03-01: under "cancellation" its service stops then, before 03-04.
    definitions = RevenueDefinitions(churn_recognition="cancellation")
    config = MeasuresConfig.model_validate(
        {"measures": [{"name": "mrr", "kind": "mrr"}]}
    )
    tidy = compute_measures(
        tiny, config=config, as_of_dates=[MONDAY_1], definitions=definitions
    ).to_pandas()
    assert sorted(tidy["account_id"]) == ["A", "C"]


def test_absent_optional_tables_give_null_not_zero(warehouse: Warehouse) -> None:
    tables = tiny_tables()
    warehouse.replace_tables({k: tables[k] for k in ("accounts", "subscriptions")})
    config = MeasuresConfig.model_validate(
        {"measures": [
            {"name": "events_7d", "kind": "event_count", "window_days": 7},
            {"name": "open_tickets", "kind": "open_tickets"},
            {"name": "nps", "kind": "nps_score"},
            {"name": "mrr", "kind": "mrr"},
        ]}
    )
    wide = wide_measures(compute_measures(warehouse, config=config, as_of_dates=[MONDAY_1]))
    assert wide[["events_7d", "open_tickets", "nps"]].isna().all().all()
    assert sorted(wide["mrr"]) == [0.0, 38.0, 405.0]


def test_default_measures_compute_on_the_tiny_business(tiny: Warehouse) -> None:
    config = default_measures_config()
    wide = wide_measures(compute_measures(tiny, as_of_dates=[MONDAY_2]), config=config)
    assert list(wide["account_id"]) == ["A", "C"]
    a = wide.iloc[0]
    # A on 03-11: u1 login and u3 export in [02-12, 03-11) plus the logins of 02-20, 02-26,
    # 02-28 and the reports of 02-26 and 03-03: 7 events by 3 users over 6 days.
    assert (a["events_28d"], a["active_users_28d"], a["active_days_28d"]) == (7, 3, 6)
    assert a["seat_utilisation_28d"] == pytest.approx(3 / 4)
    assert a["reports_per_active_user"] == pytest.approx(2 / 3)
    assert (a["plan"], a["nps_category"], a["mrr"]) == ("team", "detractor", 405.0)


def test_as_of_grid_is_on_mondays_and_includes_both_ends() -> None:
    assert as_of_grid(date(2024, 3, 4), date(2024, 3, 18)) == [
        date(2024, 3, 4), date(2024, 3, 11), date(2024, 3, 18)
    ]
    with pytest.raises(InputError, match="before it starts"):
        as_of_grid(date(2024, 3, 4), date(2024, 3, 1))


def test_default_as_of_dates_run_from_first_service_to_the_end_of_data(tiny: Warehouse) -> None:
    # First start 2024-01-15 (a Monday); the latest recorded day is 03-11 (C's paid start), so
    # the data ends on 03-12 and the last Monday is 03-11.
    dates = resolve_as_of_dates(tiny)
    assert dates[0] == date(2024, 1, 15)
    assert dates[-1] == date(2024, 3, 11)
    assert len(dates) == 9


def test_missing_subscriptions_table_names_the_fix(warehouse: Warehouse) -> None:
    with pytest.raises(WarehouseError, match="subscriptions"):
        compute_measures(warehouse, as_of_dates=[MONDAY_1])
