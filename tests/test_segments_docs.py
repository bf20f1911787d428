"""docs/segments.md cannot drift from the vocabularies, precedence, table, settings and groups."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from tenure.config import SegmentSettings
from tenure.measures import default_measures_config
from tenure.segments import (
    ACTIVITY,
    PRECEDENCE,
    GroupsConfig,
    LifecycleStage,
    ProviderActivity,
    ServiceTier,
    default_groups_config,
)
from tenure.segments.groups import _validate
from tenure.segments.snapshot import SEGMENTS_COLUMNS

DOC = Path(__file__).resolve().parents[1] / "docs" / "segments.md"


def _table(header: str) -> list[list[str]]:
    """Cells of the table whose header row starts with ``| header |``, backticks removed."""
    lines = DOC.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {header} |"))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip().strip("`") for cell in line.strip("|").split("|")])
    return rows


def test_every_tier_is_defined_once():
    assert [row[0] for row in _table("tier | definition")] == [t.value for t in ServiceTier]


def test_stages_follow_the_precedence_with_their_activity():
    rows = _table("order | stage")
    assert [int(row[0]) for row in rows] == list(range(1, len(PRECEDENCE) + 1))
    assert [row[1] for row in rows] == [s.value for s in PRECEDENCE]
    assert set(PRECEDENCE) == set(LifecycleStage)
    documented = {row[1]: row[3] for row in rows}
    assert documented == {s.value: (ACTIVITY[s] or "none") for s in LifecycleStage}


def test_every_activity_is_defined_with_its_stage():
    rows = _table("activity | stage")
    assert sorted(row[0] for row in rows) == sorted(a.value for a in ProviderActivity)
    assert {row[0]: row[1] for row in rows} == {
        a.value: s.value for s, a in ACTIVITY.items() if a is not None
    }


def test_the_table_columns_are_documented_in_order():
    assert [row[0] for row in _table("column | type")] == SEGMENTS_COLUMNS


def test_every_setting_is_named_with_its_default():
    text = DOC.read_text(encoding="utf-8").split("## Settings", 1)[1].split("\n## ", 1)[0]
    for name, info in SegmentSettings.model_fields.items():
        default = "null" if info.default is None else str(info.default)
        assert f"`{name}` ({default})" in text or f"`{name}` (`{default}`)" in text, name


def test_the_built_in_groups_are_listed_and_the_example_is_valid():
    names = default_groups_config(default_measures_config()).names
    listed = re.search(r"groups\.yaml`\) are (.*?)\. ", DOC.read_text(encoding="utf-8"), re.DOTALL)
    assert listed is not None, "docs/segments.md does not list the built-in groups"
    assert re.findall(r"`([a-z_]+)`", listed.group(1)) == names
    example = DOC.read_text(encoding="utf-8").split("```yaml\n", 1)[1].split("```", 1)[0]
    config = _validate(yaml.safe_load(example), "docs/segments.md", default_measures_config())
    assert isinstance(config, GroupsConfig)
    assert config.names == ["power_users", "dormant", "enterprise_at_scale"]
