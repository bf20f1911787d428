"""Named customer groups: the condition grammar, validation against the measures, memberships."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tenure.errors import ConfigError, InputError
from tenure.measures import MeasuresConfig, default_measures_config
from tenure.segments.groups import (
    GROUPS_FILE,
    GroupsConfig,
    customer_groups,
    default_groups_config,
    load_groups_config,
    parse_condition,
    project_groups_config,
)

D1, D2 = date(2024, 7, 1), date(2024, 7, 8)
MEASURES = default_measures_config()

# Hand-made measures: four accounts on D1, one of them again on D2.
WIDE = pd.DataFrame(
    {
        "account_id": ["a", "b", "c", "d", "a"],
        "as_of_date": [D1, D1, D1, D1, D2],
        "active_days_28d": [25.0, 20.0, 3.0, np.nan, 19.0],
        "seat_utilisation_28d": [0.9, 0.8, 0.1, np.nan, 0.95],
        "feature_breadth_28d": [7.0, 6.0, 1.0, np.nan, 7.0],
        "days_since_last_activity": [1.0, 2.0, 14.0, np.nan, 1.0],
        "seats": [10.0, 3.0, 5.0, 8.0, 10.0],
        "active_users_28d": [9.0, 3.0, 1.0, 0.0, 9.0],
        "api_calls_28d": [120.0, 99.0, 0.0, 0.0, 100.0],
        "events_28d_change": [10.0, -50.0, -80.0, np.nan, -49.9],
        "urgent_tickets_90d": [0.0, 0.0, 1.0, 0.0, 0.0],
        "open_tickets": [0.0, 2.0, 0.0, 0.0, 0.0],
        "nps_category": ["promoter", "passive", "detractor", None, "promoter"],
    }
)


def _members(frame: pd.DataFrame) -> set[tuple[str, date, str]]:
    return set(zip(frame["account_id"], frame["as_of_date"], frame["group"], strict=True))


def test_built_in_groups_on_hand_made_measures():
    out = customer_groups(WIDE, default_groups_config(MEASURES))
    assert list(out.columns) == ["account_id", "as_of_date", "group"]
    assert _members(out) == {
        # power users: active days >= 20, utilisation >= 0.8 and breadth >= 6, all three.
        ("a", D1, "power_users"), ("b", D1, "power_users"),  # b: every value on its bound
        # (a on D2 has 19 active days: out.)
        # dormant: 14+ days since last activity, or never active (null).
        ("c", D1, "dormant"), ("d", D1, "dormant"),
        # single-threaded: 5+ seats and at most one active user (b has 3 seats: out).
        ("c", D1, "single_threaded"), ("d", D1, "single_threaded"),
        # api users: 100+ calls (b has 99).
        ("a", D1, "api_users"), ("a", D2, "api_users"),
        # usage dropping: change <= -50 (a on D2 at -49.9: out; d's null: out).
        ("b", D1, "usage_dropping"), ("c", D1, "usage_dropping"),
        # support strained: an urgent ticket, or two open.
        ("b", D1, "support_strained"), ("c", D1, "support_strained"),
        # NPS labels; d never answered.
        ("a", D1, "promoters"), ("a", D2, "promoters"), ("c", D1, "detractors"),
    }


def test_operators_nulls_and_text():
    column = pd.Series([1.0, 2.0, np.nan])
    assert parse_condition("x >= 2").mask(column).tolist() == [False, True, False]
    assert parse_condition("x > 1").mask(column).tolist() == [False, True, False]
    assert parse_condition("x <= 1").mask(column).tolist() == [True, False, False]
    assert parse_condition("x < 2").mask(column).tolist() == [True, False, False]
    assert parse_condition("x == 2").mask(column).tolist() == [False, True, False]
    assert parse_condition("x != 2").mask(column).tolist() == [True, False, False]  # null: no
    assert parse_condition("x is null").mask(column).tolist() == [False, False, True]
    assert parse_condition("x is not null").mask(column).tolist() == [True, True, False]
    assert parse_condition("x>=-1.5e0").value == -1.5
    labels = pd.Series(["team", None, "business"])
    assert parse_condition("plan != 'team'").mask(labels).tolist() == [False, False, True]
    assert parse_condition('plan == "team"').mask(labels).tolist() == [True, False, False]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("active_days_28d => 20", "not a condition"),
        ("__import__('os').system('true') == 1", "not a condition"),
        ("active_days_28d >= twenty", "neither a number nor quoted text"),
        ("plan >= 'team'", "only be compared with == or !="),
        ("active_days_28d >= 20 or True", "neither a number nor quoted text"),
    ],
)
def test_conditions_are_parsed_never_evaluated(text, match):
    with pytest.raises(ValueError, match=match):
        parse_condition(text)


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_a_project_file_extends_and_replaces_the_defaults(tmp_path: Path):
    _write(tmp_path / GROUPS_FILE, """
groups:
  - name: dormant
    description: Three weeks without use.
    all: [days_since_last_activity >= 21]
  - name: enterprise_at_scale
    description: Enterprise plan with 50 seats or more.
    all: ['plan == "enterprise"', seats >= 50]
""")
    config = project_groups_config(tmp_path, MEASURES)
    assert config.names[:2] == ["power_users", "dormant"]
    assert config.names[-1] == "enterprise_at_scale"
    wide = WIDE.assign(plan=["enterprise", "enterprise", "team", "team", "enterprise"],
                       seats=[50.0, 49.0, 60.0, 8.0, 50.0])
    out = customer_groups(wide, config)
    assert {(a, d) for a, d, g in _members(out) if g == "dormant"} == set()  # c has 14 days
    assert {(a, d) for a, d, g in _members(out) if g == "enterprise_at_scale"} == {
        ("a", D1), ("a", D2),
    }
    _write(tmp_path / GROUPS_FILE, """
defaults: replace
groups:
  - name: big
    description: 10 seats or more.
    any: [seats >= 10]
""")
    assert project_groups_config(tmp_path, MEASURES).names == ["big"]


def test_no_project_file_gives_the_built_in_groups(tmp_path: Path):
    assert project_groups_config(tmp_path, MEASURES) == default_groups_config(MEASURES)


def test_unknown_measure_names_file_group_condition_and_known_measures(tmp_path: Path):
    path = _write(tmp_path / GROUPS_FILE, """
groups:
  - name: busy
    description: Busy accounts.
    all: [active_dayz_28d >= 20]
""")
    with pytest.raises(ConfigError) as caught:
        load_groups_config(path, MEASURES)
    message = str(caught.value)
    assert f"{path}: group 'busy', condition 'active_dayz_28d >= 20'" in message
    assert "'active_dayz_28d' is not a measure; known measures: active_days_28d," in message


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ("all: ['seats == \"ten\"']", r"'seats' is a number; compare it with a number"),
        ("all: [nps_category == 9]", r"'nps_category' is a label \(nps_category\)"),
        ("all: [seats >>= 1]", "'>= 1' is neither a number nor quoted text"),
        ("all: [seats >= 1]\n    any: [seats >= 2]", "exactly one of 'all'"),
        ("all: []", r"group 'g', field 'all'"),
        ("every: [seats >= 1]", r"group 'g', field 'every'"),
    ],
)
def test_bad_groups_name_the_group(tmp_path: Path, body: str, match: str):
    path = _write(tmp_path / GROUPS_FILE, f"""
defaults: replace
groups:
  - name: g
    description: A group.
    {body}
""")
    with pytest.raises(ConfigError, match=match):
        load_groups_config(path, MEASURES)


def test_groups_are_checked_against_the_projects_own_measures(tmp_path: Path):
    only_mrr = MeasuresConfig.model_validate(
        {"defaults": "replace", "measures": [{"name": "mrr", "kind": "mrr"}]}
    )
    with pytest.raises(ConfigError, match=r"'active_days_28d' is not a measure; known measures: "
                                          r"mrr"):
        default_groups_config(only_mrr)


def test_a_duplicate_group_and_a_missing_column_are_errors(tmp_path: Path):
    path = _write(tmp_path / GROUPS_FILE, """
groups:
  - {name: x, description: One., all: [seats >= 1]}
  - {name: x, description: Two., all: [seats >= 2]}
""")
    with pytest.raises(ConfigError, match="group 'x' is declared twice"):
        load_groups_config(path, MEASURES)
    config = GroupsConfig.model_validate(
        {"groups": [{"name": "x", "description": "One.", "all": ["seats >= 1"]}]}
    )
    with pytest.raises(InputError, match="has no column 'seats'"):
        customer_groups(WIDE.drop(columns="seats"), config)
