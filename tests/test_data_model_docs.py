"""docs/data-model.md documents every canonical table and column with its type: it cannot drift
from ``tenure.schema``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tenure.schema import TABLES

DOC = Path(__file__).resolve().parents[1] / "docs" / "data-model.md"


def documented_sections() -> dict[str, str]:
    """Section title -> section text."""
    parts = re.split(r"^## (\S+)\s*$", DOC.read_text(encoding="utf-8"), flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def documented_columns(section: str) -> dict[str, tuple[str, str]]:
    """Column -> (type, required) from the section's column table."""
    rows = re.findall(r"^\| `([^`]+)` \| `([^`]+)` \| ([^|]+) \|", section, flags=re.M)
    return {name: (dtype, required.strip()) for name, dtype, required in rows}


def test_every_table_has_a_section():
    assert [t for t in TABLES if t not in documented_sections()] == []


@pytest.mark.parametrize("table", list(TABLES))
def test_every_column_is_documented_with_its_type_and_whether_required(table):
    section = documented_sections()[table]
    columns = documented_columns(section)
    spec = TABLES[table]
    assert list(columns) == spec.column_names
    for column in spec.columns:
        dtype, required = columns[column.name]
        assert dtype == column.dtype, column.name
        assert (required == "yes") == column.required, column.name
    grain = ", ".join(f"`{c}`" for c in spec.grain)
    assert f"**Grain:** one row per {grain}." in section
    assert spec.description in section
