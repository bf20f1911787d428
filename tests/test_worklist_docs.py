"""docs/worklist.md cannot drift: every column of the scores table and the worklist, and every
option of train, score, accounts and account, is explained there."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer

from tenure.cli.app import app
from tenure.models.scoring import SCORES_TABLE_COLUMNS
from tenure.worklist import WORKLIST_COLUMNS

DOCS = Path(__file__).resolve().parents[1] / "docs" / "worklist.md"


@pytest.mark.parametrize("column", sorted(set(SCORES_TABLE_COLUMNS) | set(WORKLIST_COLUMNS)))
def test_every_column_is_documented(column):
    assert f"`{column}`" in DOCS.read_text()


@pytest.mark.parametrize("name", ["train", "score", "accounts", "account"])
def test_every_option_is_documented(name):
    text = DOCS.read_text()
    command = typer.main.get_command(app).commands[name]
    assert f"tenure {name}" in text
    for param in command.params:
        long_names = [o for o in param.opts if o.startswith("--")]
        if long_names:
            assert any(f"`{o}`" in text for o in long_names), (
                f"docs/worklist.md does not explain {long_names} of `tenure {name}`"
            )
