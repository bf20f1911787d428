"""docs/settings.md cannot drift from the settings declared in tenure.config.

Every field of ``ProjectConfig`` and of each nested section (``RevenueDefinitions`` as
``definitions.<field>``, ``SegmentSettings`` as ``segments.<field>``) must have a row in the
page's tables with its default, no row may name a setting that does not exist,
and the page's example ``tenure.yaml`` must load to exactly the defaults.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from tenure.config import ProjectConfig, RevenueDefinitions, SegmentSettings

SETTINGS_DOC = Path(__file__).resolve().parents[1] / "docs" / "settings.md"
ROW = re.compile(r"^\| `(?P<name>[a-z_.]+)` \| `(?P<default>[^`]*)` \|", re.MULTILINE)


def render_default(info: FieldInfo) -> str:
    """A default as the page writes it: YAML scalars, or ``Factory()`` for a nested model."""
    if info.default_factory is not None:
        return f"{info.default_factory.__name__}()"
    if info.default is None:
        return "null"
    if isinstance(info.default, bool):
        return str(info.default).lower()
    return str(info.default)


def declared(model: type[BaseModel], prefix: str = "") -> dict[str, str]:
    """Every setting of ``model`` with its default, and those of its nested sections."""
    found = {}
    for name, info in model.model_fields.items():
        found[prefix + name] = render_default(info)
        nested = info.annotation
        if isinstance(nested, type) and issubclass(nested, BaseModel):
            found |= declared(nested, prefix=f"{prefix}{name}.")
    return found


def documented() -> dict[str, str]:
    return {m["name"]: m["default"] for m in ROW.finditer(SETTINGS_DOC.read_text())}


def test_every_setting_is_documented_with_its_default():
    expected = declared(ProjectConfig)
    assert {"definitions.churn_recognition", "segments.top_tier_share"} <= set(expected)
    rows = documented()
    missing = sorted(set(expected) - set(rows))
    assert not missing, f"docs/settings.md lacks a row for {missing}"
    unknown = sorted(set(rows) - set(expected))
    assert not unknown, f"docs/settings.md documents settings that do not exist: {unknown}"
    wrong = {name: (rows[name], default) for name, default in expected.items()
             if rows[name] != default}
    assert not wrong, f"documented vs declared defaults differ: {wrong}"


def test_the_example_file_loads_to_the_defaults():
    block = re.search(r"```yaml\n(.*?)```", SETTINGS_DOC.read_text(), re.DOTALL)
    assert block is not None, "docs/settings.md lacks its example tenure.yaml"
    assert ProjectConfig.model_validate(yaml.safe_load(block.group(1))) == ProjectConfig()


@pytest.mark.parametrize(
    ("info", "rendered"),
    [
        (RevenueDefinitions.model_fields["reactivation_max_gap_months"], "null"),
        (RevenueDefinitions.model_fields["refund_window_days"], "0"),
        (ProjectConfig.model_fields["definitions"], "RevenueDefinitions()"),
        (ProjectConfig.model_fields["segments"], "SegmentSettings()"),
        (SegmentSettings.model_fields["top_tier_share"], "0.4"),
    ],
)
def test_defaults_render_as_the_page_writes_them(info, rendered):
    assert render_default(info) == rendered
