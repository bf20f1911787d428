"""Scorecard files: validation with errors that name the file, the component and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from tenure.errors import ConfigError
from tenure.health import (
    Component,
    Direction,
    default_scorecard,
    load_scorecard,
    project_scorecard,
)
from tenure.measures import default_measures_config
from tenure.measures.config import TEXT_KINDS


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scorecard.yaml"
    path.write_text(text)
    return path


def test_the_default_card_reads_only_numeric_default_measures() -> None:
    card = default_scorecard()
    config = default_measures_config()
    numeric = [m.name for m in config.measures if m.kind not in TEXT_KINDS]
    card.check_measures(numeric, source="default")  # raises if not
    assert card.name == "default"
    assert card.measures == ["active_days_28d", "seat_utilisation_28d", "feature_breadth_28d",
                             "onboarded_30d", "urgent_tickets_90d", "nps_score"]
    assert sum(c.weight for c in card.components) == 100
    assert (card.bands.green, card.bands.red) == (70, 40)


def test_a_project_card_replaces_the_default(tmp_path: Path) -> None:
    assert project_scorecard(tmp_path)[0].name == "default"
    _write(tmp_path, "name: ours\ncomponents:\n"
                     "  - {measure: logins_28d, direction: higher, green: 20, red: 2}\n")
    card, source = project_scorecard(tmp_path)
    assert (card.name, source) == ("ours", str(tmp_path / "scorecard.yaml"))
    component = card.components[0]
    assert (component.key, component.direction, component.weight, component.missing) == (
        "logins_28d", Direction.higher, 1.0, "skip")


def test_every_problem_is_reported_with_file_component_and_fix(tmp_path: Path) -> None:
    path = _write(tmp_path, """
name: bad
components:
  - {measure: active_days_28d, direction: higher, green: 4, red: 16}
  - {model: churn_risk, measure: mrr, direction: lower, green: 0.1, red: 0.3}
  - {measure: nps_score, direction: sideways, green: 9, red: 6, weight: 0}
  - {name: seats_used, measure: seats, direction: higher, green: 10, red: 1, missing: lots}
  - {measure: tickets_90d, direction: lower, green: 3, red: 0}
""")
    with pytest.raises(ConfigError) as caught:
        load_scorecard(path)
    lines = str(caught.value).splitlines()
    assert all(line.startswith(f"{path}: component ") for line in lines)
    text = str(caught.value)
    assert ("component 'active_days_28d': direction is 'higher' but green (4.0) is below red "
            "(16.0); swap the thresholds or set direction: lower") in text
    assert "component 'mrr': give exactly one of 'measure'" in text
    assert ("component 'nps_score', field 'direction': Input should be 'higher' or 'lower' "
            "(found 'sideways')") in text
    assert "component 'nps_score', field 'weight': Input should be greater than 0" in text
    assert ("component 'seats_used', field 'missing': use 'skip' or a number of points from 0 "
            "to 100 (found 'lots')") in text
    assert "component 'tickets_90d': direction is 'lower' but green (3.0) is above red" in text
    assert len(lines) == 6


def test_an_unknown_or_label_measure_lists_the_fix() -> None:
    config = default_measures_config()
    numeric = [m.name for m in config.measures if m.kind not in TEXT_KINDS]
    labels = [m.name for m in config.measures if m.kind in TEXT_KINDS]
    from tenure.health import Scorecard

    card = Scorecard(name="x", components=[
        Component(measure="logins_7d", direction="higher", green=5, red=0)])
    with pytest.raises(ConfigError, match=r"mine.yaml: component 'logins_7d': measure "
                                          r"'logins_7d' is not a measure of this project; known "
                                          r"measures: events_28d, logins_28d, .*measures.yaml"):
        card.check_measures(numeric, labels, source="mine.yaml")
    card = Scorecard(name="x", components=[
        Component(measure="nps_category", direction="higher", green=5, red=0)])
    with pytest.raises(ConfigError, match="is a label, not a number; use a numeric measure"):
        card.check_measures(numeric, labels, source="mine.yaml")


_MRR = "  - {measure: mrr, direction: higher, green: 2, red: 1}\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a list\n", "expected a mapping with 'name' and a 'components' list"),
        ("name: x\ncomponents: []\n", "field 'components': List should have at least 1 item"),
        ("name: Bad Name\ncomponents:\n" + _MRR, "field 'name': String should match pattern"),
        ("name: x\nbands: {green: 30, red: 60}\ncomponents:\n" + _MRR,
         "bands.red (60.0) is above bands.green (30.0)"),
        ("name: x\ncomponents:\n  - {measure: mrr, direction: higher, green: 1, red: 1}\n",
         "green and red are both 1.0"),
        ("name: x\ncomponents:\n" + _MRR + _MRR,
         "component 'mrr' appears twice; give one of them a distinct 'name'"),
        ("name: x\ncomponents:\n" + _MRR.replace("}", ", colour: blue}"),
         "component 'mrr', field 'colour': Extra inputs are not permitted"),
        ("name: [x\n", "not valid YAML"),
    ],
)
def test_malformed_cards_are_rejected(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError, match=str(path)) as caught:
        load_scorecard(path)
    assert message in str(caught.value)


def test_a_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="scorecard file not found"):
        load_scorecard(tmp_path / "nope.yaml")
