"""docs/health.md cannot drift from the scorecard model, the colours or the moves."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from tenure.health import Bands, Colour, Component, Scorecard, default_scorecard
from tenure.health.distribution import MOVES
from tenure.health.scorecard import _parse

DOC = Path(__file__).resolve().parents[1] / "docs" / "health.md"


def _section(title: str) -> str:
    text = DOC.read_text()
    start = text.index(f"## {title}")
    end = text.find("\n## ", start + 1)
    return text[start:end if end > 0 else None]


def _first_cells(text: str) -> list[str]:
    return re.findall(r"^\| `([^`]+)` \|", text, re.MULTILINE)


def test_every_scorecard_field_is_documented() -> None:
    declared = (
        [f for f in Scorecard.model_fields if f != "bands"]  # documented field by field
        + [f"bands.{f}" for f in Bands.model_fields]
        + [f"components[].{f}" for f in Component.model_fields]
    )
    rows = _first_cells(_section("A scorecard file"))
    assert sorted(rows) == sorted(declared)


def test_documented_defaults_match_the_model() -> None:
    rows = dict(re.findall(r"^\| `([^`]+)` \| `([^`]+)` \|", _section("A scorecard file"),
                           re.MULTILINE))
    assert rows["bands.green"] == str(int(Bands().green))
    assert rows["bands.red"] == str(int(Bands().red))
    assert rows["components[].weight"] == str(Component.model_fields["weight"].default)
    assert rows["components[].missing"] == Component.model_fields["missing"].default


def test_every_colour_and_move_is_defined() -> None:
    assert _first_cells(_section("Points, score and colour")) == [str(c) for c in Colour]
    moves = [c for c in _first_cells(_section("Distribution")) if c in MOVES]
    assert moves == list(MOVES)


def test_the_example_file_is_a_valid_scorecard() -> None:
    block = re.search(r"```yaml\n(.*?)```", DOC.read_text(), re.DOTALL)
    assert block is not None
    card = _parse(yaml.safe_load(block.group(1)), "docs/health.md")
    assert [c.key for c in card.components] == ["seat_utilisation_28d", "urgent_tickets_90d",
                                                "churn_risk"]


def test_the_default_card_table_matches_the_shipped_file() -> None:
    rows = re.findall(r"^\| `([a-z0-9_]+)` \| (higher|lower) \| ([\d.]+) \| ([\d.]+) \| (\d+) \|",
                      _section("The default scorecard"), re.MULTILINE)
    shipped = [(c.measure, str(c.direction), c.green, c.red, c.weight)
               for c in default_scorecard().components]
    assert [(m, d, float(g), float(r), float(w)) for m, d, g, r, w in rows] == shipped
