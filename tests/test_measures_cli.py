"""``tenure measures``: computes the measures of a project into its warehouse."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from tenure.cli.app import app
from tenure.warehouse import Warehouse
from test_measures_data import tiny_tables


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    with Warehouse(project / "warehouse.duckdb") as wh:
        wh.replace_tables(tiny_tables())
    (project / "measures.yaml").write_text(
        "defaults: replace\nmeasures:\n"
        "  - {name: logins_7d, kind: event_count, events: [login], window_days: 7}\n"
        "  - {name: plan, kind: plan}\n"
    )
    return project


def test_measures_command_writes_tidy_and_wide_tables(tmp_path: Path) -> None:
    project = _project(tmp_path)
    result = CliRunner().invoke(
        app, ["measures", "--project", str(project), "--from", "2024-03-04", "--to",
              "2024-03-11"],
    )
    assert result.exit_code == 0, result.output
    assert "2 measures, 2 as-of dates" in result.output
    with Warehouse(project / "warehouse.duckdb") as wh:
        tidy = wh.table("measures").to_pandas()
        wide = wh.table("measures_wide").to_pandas()
    # A, B and C on 03-04, A and C on 03-11; two measures each.
    assert len(tidy) == 10
    assert list(wide.columns) == ["account_id", "as_of_date", "is_trial", "logins_7d", "plan"]
    logins = wide.set_index(["account_id", wide["as_of_date"].astype(str)])["logins_7d"]
    assert logins[("A", "2024-03-04")] == 2.0
    assert logins[("C", "2024-03-11")] == 1.0


def test_measures_command_rejects_a_bad_date(tmp_path: Path) -> None:
    from tenure.errors import InputError

    result = CliRunner().invoke(app, ["measures", "--project", str(_project(tmp_path)),
                                      "--from", "March"])
    assert isinstance(result.exception, InputError)
    assert "--from 'March' is not a date" in str(result.exception)
