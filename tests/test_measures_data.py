"""A tiny hand-made business shared by the measure tests (no tests of its own).

Three accounts, measured on Mondays 2024-03-04 and 2024-03-11:

* ``A``: team plan, 4 seats, 156.00 since 2024-01-15 (running), plus an analytics add-on at
  249.00 over [2024-02-20, 2024-03-11): the add-on ends exactly on the second as-of date, so it
  is still in force the day before.
* ``B``: starter, 2 seats, 38.00 over [2024-02-01, 2024-03-06): measured on 03-04 only.
* ``C``: a trial over [2024-02-28, 2024-03-13) and a paid team line starting on 2024-03-11, the
  second as-of date itself, so it is still a trial account on both dates.

Awkward cases on purpose: an event, a ticket and an NPS answer at exactly midnight of an as-of
date (invisible that day), a running line and a running (never closed) ticket.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pyarrow as pa

from tenure.measures import MeasuresConfig

MONDAY_1 = date(2024, 3, 4)
MONDAY_2 = date(2024, 3, 11)
AS_OF = [MONDAY_1, MONDAY_2]

MEASURES_YAML = {
    "defaults": "replace",
    "measures": [
        {"name": "events_7d", "kind": "event_count", "window_days": 7},
        {"name": "logins_7d", "kind": "event_count", "events": ["login"], "window_days": 7},
        {"name": "reports_7d", "kind": "event_count", "events": ["create_report"],
         "window_days": 7},
        {"name": "active_days_7d", "kind": "active_days", "window_days": 7},
        {"name": "active_users_7d", "kind": "active_users", "window_days": 7},
        {"name": "breadth_7d", "kind": "feature_breadth", "window_days": 7},
        {"name": "utilisation_7d", "kind": "seat_utilisation", "window_days": 7,
         "exclude_plans": ["analytics_addon"]},
        {"name": "last_seen", "kind": "days_since_last_activity"},
        {"name": "logins_7d_change", "kind": "change", "of": "logins_7d"},
        {"name": "reports_per_user", "kind": "ratio", "numerator": "reports_7d",
         "denominator": "active_users_7d"},
        {"name": "tenure", "kind": "tenure_months"},
        {"name": "mrr", "kind": "mrr"},
        {"name": "seats", "kind": "seats", "exclude_plans": ["analytics_addon"]},
        {"name": "plan", "kind": "plan", "exclude_plans": ["analytics_addon"]},
        {"name": "plan_any", "kind": "plan"},
        {"name": "open_tickets", "kind": "open_tickets"},
        {"name": "tickets_7d", "kind": "recent_tickets", "window_days": 7},
        {"name": "urgent_30d", "kind": "recent_tickets", "window_days": 30,
         "priorities": ["urgent"]},
        {"name": "hours_to_resolve_30d", "kind": "mean_time_to_resolve", "window_days": 30},
        {"name": "low_ratings_30d", "kind": "low_ratings", "window_days": 30},
        {"name": "worst_urgent_7d", "kind": "low_ratings", "window_days": 7, "max_rating": 1,
         "priorities": ["urgent"]},
        {"name": "nps", "kind": "nps_score"},
        {"name": "nps_category", "kind": "nps_category"},
        {"name": "login_and_report_47d", "kind": "milestones_reached",
         "events": ["login", "create_report"], "within_days": 47},
    ],
}


def tiny_config() -> MeasuresConfig:
    return MeasuresConfig.model_validate(MEASURES_YAML)


def _ts(text: str) -> datetime:
    return datetime.fromisoformat(text)


def tiny_tables() -> dict[str, pa.Table]:
    """The canonical tables of the tiny business, as Arrow tables."""
    accounts = pa.table(
        {
            "account_id": ["A", "B", "C"],
            "name": ["Alpha", "Beta", "Gamma"],
            "created_at": [_ts("2024-01-10T00:00"), _ts("2024-01-30T00:00"),
                           _ts("2024-02-28T00:00")],
            "industry": ["software", "retail", "media"],
            "country": ["US", "GB", "DE"],
            "size": ["11-50", "1-10", "1-10"],
            "channel": ["partner", "organic_search", "referral"],
            "owner": ["Ana Souza", "Ben Carter", "Dev Patel"],
        }
    )
    money = pa.decimal128(18, 2)
    subscriptions = pa.table(
        {
            "subscription_id": ["A1", "A2", "B1", "C0", "C1"],
            "account_id": ["A", "A", "B", "C", "C"],
            "plan": ["team", "analytics_addon", "starter", "team", "team"],
            "quantity": [4, 1, 2, 1, 3],
            "billing_period_months": [1, 1, 1, 1, 1],
            "mrr": pa.array([Decimal("156.00"), Decimal("249.00"), Decimal("38.00"),
                             Decimal("0.00"), Decimal("117.00")], type=money),
            "currency": ["USD"] * 5,
            "start_date": [date(2024, 1, 15), date(2024, 2, 20), date(2024, 2, 1),
                           date(2024, 2, 28), date(2024, 3, 11)],
            "end_date": pa.array([None, date(2024, 3, 11), date(2024, 3, 6),
                                  date(2024, 3, 13), None], type=pa.date32()),
            "cancelled_at": pa.array([None, None, date(2024, 3, 1), None, None],
                                     type=pa.date32()),
            "is_trial": [False, False, False, True, False],
        }
    )
    event_rows = [
        ("A", "u1", "login", "2024-02-20T10:00"),
        ("A", "u1", "login", "2024-02-26T09:00"),
        ("A", "u1", "create_report", "2024-02-26T10:00"),
        ("A", "u2", "login", "2024-02-28T08:00"),
        ("A", "u2", "create_report", "2024-03-03T23:59"),
        ("A", "u1", "login", "2024-03-04T00:00"),
        ("A", "u3", "export", "2024-03-10T12:00"),
        ("B", "u9", "login", "2024-02-27T10:00"),
        ("B", "u9", "login", "2024-02-27T11:00"),
        ("B", "u9", "dashboard_view", "2024-03-05T10:00"),
        ("C", "u5", "login", "2024-03-08T15:00"),
    ]
    events = pa.table(
        {
            "account_id": [r[0] for r in event_rows],
            "user_id": [r[1] for r in event_rows],
            "event_name": [r[2] for r in event_rows],
            "occurred_at": pa.array([_ts(r[3]) for r in event_rows], type=pa.timestamp("us")),
            "properties": pa.array([None] * len(event_rows), type=pa.string()),
        }
    )
    ticket_rows = [
        ("t1", "A", "2024-02-10T10:00", "2024-02-12T10:00", "normal", 2),
        ("t2", "A", "2024-03-01T09:00", "2024-03-05T09:00", "urgent", 1),
        ("t3", "A", "2024-03-10T08:00", None, "high", None),
        ("t4", "B", "2024-03-04T00:00", "2024-03-04T06:00", "low", 1),
        ("t5", "C", "2024-03-05T06:00", "2024-03-05T12:00", "normal", 2),
    ]
    tickets = pa.table(
        {
            "ticket_id": [r[0] for r in ticket_rows],
            "account_id": [r[1] for r in ticket_rows],
            "opened_at": pa.array([_ts(r[2]) for r in ticket_rows], type=pa.timestamp("us")),
            "closed_at": pa.array([_ts(r[3]) if r[3] else None for r in ticket_rows],
                                  type=pa.timestamp("us")),
            "priority": [r[4] for r in ticket_rows],
            "satisfaction": pa.array([r[5] for r in ticket_rows], type=pa.int64()),
        }
    )
    surveys = pa.table(
        {
            "response_id": ["r1", "r2", "r3"],
            "account_id": ["A", "A", "B"],
            "user_id": ["u1", "u2", "u9"],
            "score": [9, 6, 7],
            "comment": pa.array([None, None, None], type=pa.string()),
            "answered_at": pa.array(
                [_ts("2024-02-01T12:00"), _ts("2024-03-04T00:00"), _ts("2024-03-02T12:00")],
                type=pa.timestamp("us"),
            ),
        }
    )
    return {
        "accounts": accounts,
        "subscriptions": subscriptions,
        "events": events,
        "tickets": tickets,
        "survey_responses": surveys,
    }


NAN = float("nan")

#: Hand-worked values, one dict per (account, as-of date); see the derivations in
#: tests/test_measures.py. ``None`` is a null value.
EXPECTED: dict[tuple[str, date], dict[str, object]] = {
    ("A", MONDAY_1): {
        "is_trial": False, "events_7d": 4, "logins_7d": 2, "reports_7d": 2,
        "active_days_7d": 3, "active_users_7d": 2, "breadth_7d": 2, "utilisation_7d": 0.5,
        "last_seen": 1, "logins_7d_change": 100.0, "reports_per_user": 1.0, "tenure": 1,
        "mrr": 405.0, "seats": 4, "plan": "team", "plan_any": "analytics_addon",
        "open_tickets": 1, "tickets_7d": 1, "urgent_30d": 1, "hours_to_resolve_30d": 48.0,
        "low_ratings_30d": 1, "worst_urgent_7d": 0,
        "nps": 9, "nps_category": "promoter",
        "login_and_report_47d": 1.0,
    },
    ("B", MONDAY_1): {
        "is_trial": False, "events_7d": 2, "logins_7d": 2, "reports_7d": 0,
        "active_days_7d": 1, "active_users_7d": 1, "breadth_7d": 1, "utilisation_7d": 0.5,
        "last_seen": 6, "logins_7d_change": None, "reports_per_user": 0.0, "tenure": 1,
        "mrr": 38.0, "seats": 2, "plan": "starter", "plan_any": "starter",
        "open_tickets": 0, "tickets_7d": 0, "urgent_30d": 0, "hours_to_resolve_30d": None,
        "low_ratings_30d": 0, "worst_urgent_7d": 0,
        "nps": 7, "nps_category": "passive",
        "login_and_report_47d": 0.0,
    },
    ("C", MONDAY_1): {
        "is_trial": True, "events_7d": 0, "logins_7d": 0, "reports_7d": 0,
        "active_days_7d": 0, "active_users_7d": 0, "breadth_7d": 0, "utilisation_7d": None,
        "last_seen": None, "logins_7d_change": None, "reports_per_user": None, "tenure": None,
        "mrr": 0.0, "seats": 0, "plan": None, "plan_any": None,
        "open_tickets": 0, "tickets_7d": 0, "urgent_30d": 0, "hours_to_resolve_30d": None,
        "low_ratings_30d": 0, "worst_urgent_7d": 0,
        "nps": None, "nps_category": None,
        "login_and_report_47d": 0.0,
    },
    ("A", MONDAY_2): {
        "is_trial": False, "events_7d": 2, "logins_7d": 1, "reports_7d": 0,
        "active_days_7d": 2, "active_users_7d": 2, "breadth_7d": 2, "utilisation_7d": 0.5,
        "last_seen": 1, "logins_7d_change": -50.0, "reports_per_user": 0.0, "tenure": 1,
        "mrr": 405.0, "seats": 4, "plan": "team", "plan_any": "analytics_addon",
        "open_tickets": 1, "tickets_7d": 1, "urgent_30d": 1, "hours_to_resolve_30d": 72.0,
        "low_ratings_30d": 2, "worst_urgent_7d": 1,
        "nps": 6, "nps_category": "detractor",
        "login_and_report_47d": 1.0,
    },
    ("C", MONDAY_2): {
        "is_trial": True, "events_7d": 1, "logins_7d": 1, "reports_7d": 0,
        "active_days_7d": 1, "active_users_7d": 1, "breadth_7d": 1, "utilisation_7d": None,
        "last_seen": 3, "logins_7d_change": None, "reports_per_user": 0.0, "tenure": None,
        "mrr": 0.0, "seats": 0, "plan": None, "plan_any": None,
        "open_tickets": 0, "tickets_7d": 1, "urgent_30d": 0, "hours_to_resolve_30d": 6.0,
        "low_ratings_30d": 1, "worst_urgent_7d": 0,
        "nps": None, "nps_category": None,
        "login_and_report_47d": 0.0,
    },
}
