"""Measure values in words: every kind has a phrase, and the phrases read as written here."""

from __future__ import annotations

import doctest

import pytest

from tenure.measures import MeasureKind, MeasuresConfig, default_measures_config, phrases
from tenure.measures.phrases import PHRASES, phrase, phrase_value


@pytest.fixture(scope="module")
def config() -> MeasuresConfig:
    return default_measures_config()


def test_every_measure_kind_has_a_phrase():
    assert set(PHRASES) == set(MeasureKind)


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("days_since_last_activity", 23.0, "no activity for 23 days"),
        ("days_since_last_activity", 1.0, "active yesterday"),
        ("days_since_last_activity", None, "no activity recorded yet"),
        ("seat_utilisation_28d", 0.18, "seat utilisation 18% (last 28 days)"),
        ("urgent_tickets_90d", 3.0, "3 urgent tickets in the last 90 days"),
        ("urgent_tickets_90d", 1.0, "1 urgent ticket in the last 90 days"),
        ("tickets_90d", 0.0, "0 tickets in the last 90 days"),
        ("open_tickets", 2.0, "2 open tickets"),
        ("logins_28d", 1.0, "1 login event in the last 28 days"),
        ("events_28d", 1250.0, "1,250 events in the last 28 days"),
        ("active_days_28d", 3.0, "active on 3 days of the last 28"),
        ("active_users_28d", 1.0, "1 active user in the last 28 days"),
        ("feature_breadth_28d", 2.0, "2 features used in the last 28 days"),
        ("events_28d_change", -45.0, "events 28d down 45% on the window before"),
        ("events_28d_change", float("nan"), "events 28d was zero in the window before"),
        ("reports_per_active_user", 0.5, "reports per active user 0.5"),
        ("reports_per_active_user", None, "no active users 28d to divide by"),
        ("tenure_months", 4.0, "customer for 4 months"),
        ("mrr", 1234.5, "MRR 1,234.50"),
        ("seats", 12.0, "12 seats"),
        ("plan", "starter", "on the starter plan"),
        ("nps_score", 3.0, "last NPS answer 3"),
        ("nps_score", None, "no NPS answer yet"),
        ("nps_category", "detractor", "last NPS answer a detractor"),
        ("hours_to_resolve_90d", 30.0,
         "tickets took 30 hours to resolve on average in the last 90 days"),
        ("onboarded_30d", 0.0,
         "integration setup and invite user not all done within 30 days of sign-up"),
        ("onboarded_30d", 1.0,
         "integration setup and invite user done within 30 days of sign-up"),
        ("industry", "retail", "industry retail"),
        ("industry", None, "industry unknown"),
    ],
)
def test_phrases_read_as_a_rep_would_say_them(config, name, value, expected):
    assert phrase_value(name, value, config) == expected


def test_a_measure_declared_in_yaml_gets_its_phrase_from_the_declaration():
    config = MeasuresConfig.model_validate({"measures": [
        {"name": "exports_7d", "kind": "event_count", "events": ["export", "share_report"],
         "window_days": 7, "description": "ignored by the phrase"},
    ]})
    (measure,) = config.measures
    assert phrase(measure, 2.0) == "2 export or share report events in the last 7 days"


def test_docstring_examples_run():
    result = doctest.testmod(phrases, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
