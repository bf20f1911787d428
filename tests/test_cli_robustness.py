"""CLI-wide behaviour: Ctrl-C is one line and exit 130, messages are never wrapped at the
terminal's width, and the default month range runs to the load's as-of date."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

import tenure.cli.common as common
from tenure.cli.app import app, main
from tenure.warehouse import Warehouse
from tenure.warehouse.load import _LoadRun

runner = CliRunner()
ACCOUNTS = "account_id,created_at\nA1,2024-01-05\nA2,2023-10-01\n"
# The last start and the last cancellation are in January; A2's $1,500 line ends (churns)
# in April, three months later.
SUBSCRIPTIONS = (
    "subscription_id,account_id,plan,mrr,start_date,end_date,cancelled_at\n"
    "S1,A1,pro,100.00,2024-01-05,,\n"
    "S2,A2,enterprise,1500.00,2023-10-01,2024-04-15,2024-01-10\n"
)


def project_with_exports(tmp_path: Path) -> tuple[Path, Path]:
    exports = tmp_path / "exports"
    exports.mkdir()
    (exports / "accounts.csv").write_text(ACCOUNTS)
    (exports / "subscriptions.csv").write_text(SUBSCRIPTIONS)
    project = tmp_path / "project"
    project.mkdir()
    (project / "tenure.yaml").write_text("")
    return project, exports


def load(project: Path, exports: Path, as_of: str = "2024-06-30") -> None:
    result = runner.invoke(app, ["load", str(exports), "--project", str(project),
                                 "--as-of", as_of])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(("as_of", "last_month"), [
    ("2024-06-30", "2024-06-01"),           # the end of June 30
    ("2024-07-01T00:00:00", "2024-06-01"),  # midnight on July 1: nothing of July yet
    ("2024-07-01T00:00:01", "2024-07-01"),
])
def test_default_months_run_to_the_as_of_date_so_a_late_churn_shows(tmp_path, as_of,
                                                                    last_month):
    project, exports = project_with_exports(tmp_path)
    load(project, exports, as_of)
    result = runner.invoke(app, ["metrics", "--project", str(project), "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = [line.split(",") for line in result.output.splitlines()]
    header = rows[0]
    months = {r[header.index("month")]: r for r in rows[1:]}
    assert min(months) == "2023-10-01"
    assert max(months) == last_month
    april = months["2024-04-01"]
    assert april[header.index("churned_mrr")] in {"-1500.0", "-1500.00", "1500.0", "1500.00"}
    assert april[header.index("mrr")] in {"100.0", "100.00"}


def test_ctrl_c_during_a_load_is_one_line_exit_130_and_nothing_written(tmp_path, monkeypatch,
                                                                      capsys):
    project, exports = project_with_exports(tmp_path)
    load(project, exports)
    (exports / "accounts.csv").write_text(ACCOUNTS + "A3,2024-02-01\n")

    def pressed(self, kept):
        raise KeyboardInterrupt

    monkeypatch.setattr(_LoadRun, "_validate", pressed)
    monkeypatch.setattr(sys, "argv", ["tenure", "load", str(exports), "--project", str(project),
                                      "--as-of", "2024-06-30"])
    with pytest.raises(SystemExit) as stopped:
        main()
    assert stopped.value.code == 130
    err = capsys.readouterr().err
    assert err.splitlines()[-1] == "interrupted; nothing was written"
    assert "Traceback" not in err
    with Warehouse(project / "warehouse.duckdb", read_only=True) as wh:
        assert wh.con.con.execute("SELECT count(*) FROM accounts").fetchone()[0] == 2


@pytest.mark.parametrize("error", [duckdb.InterruptException("INTERRUPT Error: Interrupted!"),
                                   RuntimeError("Query interrupted")])
def test_duckdbs_interrupt_error_is_the_same_one_line(tmp_path, monkeypatch, error):
    project, exports = project_with_exports(tmp_path)
    load(project, exports)

    def interrupted(*args, **kwargs):
        raise error

    monkeypatch.setattr("tenure.metrics.revenue.revenue_metrics", interrupted)
    result = runner.invoke(app, ["metrics", "--project", str(project)])
    assert result.exit_code == 130
    assert result.output.strip().splitlines()[-1] == "interrupted; nothing was written"
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.fixture
def long_path(tmp_path: Path) -> Path:
    """A project folder whose path is far wider than the terminal."""
    folder = tmp_path.joinpath(*["a-rather-long-folder-name"] * 6)
    folder.mkdir(parents=True)
    return folder


def test_a_notice_keeps_a_long_path_whole_on_a_narrow_terminal(long_path, monkeypatch):
    monkeypatch.setattr(common.console, "width", 30)
    first = runner.invoke(app, ["init", "--project", str(long_path)], env={"COLUMNS": "30"})
    assert first.exit_code == 0, first.output
    again = runner.invoke(app, ["init", "--project", str(long_path)], env={"COLUMNS": "30"})
    assert again.exit_code == 1
    assert f"{long_path / 'tenure.yaml'} already exists; pass --force" in again.output


def test_an_error_keeps_a_long_path_whole_on_a_narrow_terminal(long_path, monkeypatch, capsys):
    (long_path / "tenure.yaml").write_text("")
    monkeypatch.setenv("COLUMNS", "30")
    monkeypatch.setattr(sys, "argv", ["tenure", "metrics", "--project", str(long_path)])
    with pytest.raises(SystemExit) as stopped:
        main()
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert (f"{long_path} has no warehouse yet ({long_path / 'warehouse.duckdb'}); load your "
            f"data first: `tenure load DIR --project {long_path}`") in err
    assert not (long_path / "warehouse.duckdb").exists()  # reading created nothing


def test_load_shows_each_step_on_stderr_and_keeps_stdout_for_its_report(tmp_path):
    project, exports = project_with_exports(tmp_path)
    result = runner.invoke(app, ["load", str(exports), "--project", str(project),
                                 "--as-of", "2024-06-30"])
    assert result.exit_code == 0, result.output
    steps = [line for line in result.stderr.splitlines() if line.startswith("load: ")]
    assert steps == ["load: reading accounts.csv", "load: reading subscriptions.csv",
                     "load: checking every row", "load: preparing the tables",
                     "load: writing the warehouse"]
    assert "load: " not in result.stdout
    assert "Rows loaded" in result.stdout
