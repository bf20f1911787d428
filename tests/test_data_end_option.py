"""``--data-end`` on every command that labels outcomes: the day given reaches the outcomes, and
without it the inferred day is said in one line (which day, from which column).

Projects are loaded from the hand-written export of ``test_measures_history`` (four accounts,
events running two and a half months past the last subscription date).
"""

from __future__ import annotations

import importlib
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from tenure.analysis.trial_signals import trial_signals
from tenure.cli.app import app
from tenure.warehouse import Warehouse
from test_measures_history import CANCELLED, hand_written_project

INFERRED = ("data end 2024-05-31 (the first day without data), inferred from the latest event "
            "(events.occurred_at, 2024-05-30)")


class Stop(Exception):
    """Raised by a stand-in once it has seen what it was given: the test needs no more."""


def _invoke(*args: str):
    return CliRunner().invoke(app, list(args))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return hand_written_project(tmp_path, subscriptions=CANCELLED)


@pytest.fixture
def seen_data_end(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The ``data_end`` of every training set the command builds; the first one stops it."""
    # The module, not the function of the same name that tenure.models re-exports.
    module = importlib.import_module("tenure.models.training_set")
    seen: list[Any] = []

    def recording(*args: Any, data_end: Any = None, **kwargs: Any) -> Any:
        seen.append(data_end)
        raise Stop

    monkeypatch.setattr(module, "training_set", recording)
    return seen


@pytest.mark.parametrize("command", [["analyze", "churn"], ["health", "backtest"]])
def test_commands_building_training_sets_pass_the_data_end(project: Path, command: list[str],
                                                           seen_data_end: list[Any]):
    if command[0] == "health":  # the default scorecard reads the built-in measures
        (project / "measures.yaml").unlink()
        assert _invoke("measures", "--project", str(project)).exit_code == 0
    result = _invoke(*command, "--project", str(project), "--data-end", "2024-05-01")
    assert isinstance(result.exception, Stop)
    assert seen_data_end == [date(2024, 5, 1)]
    assert "data end" not in result.output

    result = _invoke(*command, "--project", str(project))
    assert isinstance(result.exception, Stop)
    assert seen_data_end[-1] == date(2024, 5, 31)
    assert INFERRED in " ".join(result.output.split())


def test_onboarding_observes_lifetimes_at_the_data_end(project: Path,
                                                       monkeypatch: pytest.MonkeyPatch):
    import tenure.analysis.lifetimes as module

    seen: list[date] = []

    def recording(*args: Any, as_of: date, **kwargs: Any) -> Any:
        seen.append(as_of)
        raise Stop

    monkeypatch.setattr(module, "customer_lifetimes", recording)
    result = _invoke("analyze", "onboarding", "--project", str(project), "--data-end",
                     "2024-05-01")
    assert isinstance(result.exception, Stop)
    result = _invoke("analyze", "onboarding", "--project", str(project))
    assert isinstance(result.exception, Stop)
    assert INFERRED in " ".join(result.output.split())
    # --as-of still names the observation date itself.
    result = _invoke("analyze", "onboarding", "--project", str(project), "--as-of",
                     "2024-04-01")
    assert isinstance(result.exception, Stop)
    assert seen == [date(2024, 5, 1), date(2024, 5, 31), date(2024, 4, 1)]


# Ten trials, data to 2024-03-30: G and J are still running at the end, G buys only later.
TRIALS = [  # account, role, team, started_at, ends_at, converted_at
    ("E", "founder", "solo", date(2024, 3, 4), date(2024, 3, 18), date(2024, 3, 10)),
    ("F", "founder", "team", date(2024, 3, 4), date(2024, 3, 18), None),
    ("G", "founder", "solo", date(2024, 3, 25), date(2024, 4, 8), date(2024, 4, 5)),
    ("H", "student", "team", date(2024, 3, 4), date(2024, 3, 18), date(2024, 3, 15)),
    ("I", "student", "solo", date(2024, 3, 4), date(2024, 3, 18), None),
    ("J", "student", "team", date(2024, 3, 28), date(2024, 4, 11), None),
    ("K", "founder", "team", date(2024, 3, 5), date(2024, 3, 19), date(2024, 3, 16)),
    ("L", "student", "solo", date(2024, 3, 6), date(2024, 3, 20), None),
    ("M", "other", "team", date(2024, 3, 7), date(2024, 3, 21), date(2024, 3, 20)),
    ("N", "other", "solo", date(2024, 3, 8), date(2024, 3, 22), None),
]


def _trials_warehouse(path: Path) -> Warehouse:
    columns = list(zip(*TRIALS, strict=True))
    wh = Warehouse(path)
    wh.replace_tables({
        "trials": pa.table({
            "account_id": list(columns[0]), "signup_role": list(columns[1]),
            "signup_team": list(columns[2]),
            "started_at": pa.array(columns[3], pa.date32()),
            "ends_at": pa.array(columns[4], pa.date32()),
            "converted_at": pa.array(columns[5], pa.date32()),
        }),
        "subscriptions": pa.table({
            "account_id": ["E", "H"],
            "start_date": pa.array([date(2024, 3, 10), date(2024, 3, 15)], pa.date32()),
        }),
        "events": pa.table({
            "account_id": ["E", "F", "H", "K", "E"], "user_id": ["u"] * 5,
            "event_name": ["login"] * 5,
            "occurred_at": pa.array([datetime(2024, 3, d, 9) for d in (4, 5, 6, 7, 30)],
                                    pa.timestamp("us")),
        }),
    })
    return wh


def _founders(result: Any) -> list[int]:
    roles = result.answers[result.answers["question"] == "signup_role"].set_index("answer")
    return roles.loc["founder", ["trials", "bought"]].tolist()


def test_trials_running_at_the_data_end_are_left_out(tmp_path: Path):
    """A trial still running at the end of the data has no outcome yet: counting it as "not
    bought" would lower every purchase rate. A purchase after the end is not known yet."""
    with _trials_warehouse(tmp_path / "warehouse.duckdb") as wh:
        assert _founders(trial_signals(wh, n_bootstrap=0)) == [4, 3]  # as recorded
        end = date(2024, 3, 31)
        assert _founders(trial_signals(wh, n_bootstrap=0, data_end=end)) == [3, 2]
    result = _invoke("analyze", "trials", "--project", str(tmp_path), "--bootstrap", "0",
                     "--json", str(tmp_path / "t.json"))
    assert result.exit_code == 0, result.output
    line = " ".join(result.output.split())
    assert ("data end 2024-03-31 (the first day without data), inferred from the latest event "
            "(events.occurred_at, 2024-03-30)") in line
    answers = json.loads((tmp_path / "t.json").read_text())["answers"]
    founders = next(a for a in answers if a["question"] == "signup_role"
                    and a["answer"] == "founder")
    assert (founders["trials"], founders["bought"]) == (3, 2)
