"""The models of one ``tenure train`` run switch in together or not at all, and ``train`` reads
outcomes up to the end of the data it says (or ``--data-end``).

The outcome models are replaced by a tiny stand-in (the real ones are tested elsewhere), so the
tests exercise what ``train`` does around them, on a hand-written export of four accounts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from typer.testing import CliRunner

from tenure.cli.app import app
from tenure.models import OUTCOME_MODELS
from tenure.models.store import ModelRun, load_model, load_models, save_model, stored_kinds
from test_measures_history import CANCELLED, hand_written_project

# A3 adds a second line in April: an expansion, so both outcomes have two classes.
UPGRADED = CANCELLED + "S5,A3,pro,150.00,2024-04-01,,\n"


class StandIn:
    """Learns the base rate; ``interrupt`` makes its fit stand for a user pressing Ctrl-C."""

    interrupt = False

    def __init__(self, *, horizon_days: int) -> None:
        self.horizon_days = horizon_days

    def fit(self, X: Any, y: Any, churns: Any = None) -> StandIn:
        if self.interrupt:
            raise KeyboardInterrupt
        self.rate_ = float(np.mean(y))
        return self


class InterruptedStandIn(StandIn):
    interrupt = True


def _train(project: Path, *args: str):
    return CliRunner().invoke(app, ["train", "--project", str(project), "--models",
                                    "churn,expansion", *args])


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    project = hand_written_project(tmp_path, subscriptions=UPGRADED)
    result = CliRunner().invoke(app, ["measures", "--project", str(project)])
    assert result.exit_code == 0, result.output
    monkeypatch.setitem(OUTCOME_MODELS, "churn", StandIn)
    monkeypatch.setitem(OUTCOME_MODELS, "expansion", StandIn)
    return project


def test_an_interrupted_train_leaves_the_previous_set_whole(project: Path,
                                                            monkeypatch: pytest.MonkeyPatch):
    first = _train(project, "--horizon", "30")
    assert first.exit_code == 0, first.output
    assert stored_kinds(project) == ["churn", "expansion"]
    before = {kind: load_model(project, kind).meta for kind in ("churn", "expansion")}
    assert {meta["horizon_days"] for meta in before.values()} == {30}

    # The second run fits churn, then is interrupted while fitting expansion.
    monkeypatch.setitem(OUTCOME_MODELS, "expansion", InterruptedStandIn)
    second = _train(project, "--horizon", "60")
    assert second.exit_code != 0
    after = {kind: load_model(project, kind).meta for kind in ("churn", "expansion")}
    assert after == before  # the new churn model did not join the old expansion model
    stored = load_models(project)
    assert {s.meta["horizon_days"] for s in stored.values()} == {30}
    assert len({s.meta["run"] for s in stored.values()}) == 1
    leftovers = [p.name for p in (project / "models").iterdir() if p.name.startswith(".")]
    assert leftovers == []

    # A complete run replaces the whole set.
    monkeypatch.setitem(OUTCOME_MODELS, "expansion", StandIn)
    third = _train(project, "--horizon", "60")
    assert third.exit_code == 0, third.output
    assert {s.meta["horizon_days"] for s in load_models(project).values()} == {60}


def test_train_says_the_data_end_and_takes_data_end(project: Path):
    result = _train(project, "--horizon", "30")
    assert result.exit_code == 0, result.output
    assert ("data end 2024-05-31 (the first day without data), inferred from the latest event "
            "(events.occurred_at, 2024-05-30)") in " ".join(result.output.split())
    assert load_model(project, "churn").meta["as_of_last"][:10] == "2024-04-29"

    result = _train(project, "--horizon", "30", "--data-end", "2024-05-01")
    assert result.exit_code == 0, result.output
    assert "data end" not in result.output
    # The last row is the latest Monday at least 30 days before the end: 2024-04-01.
    assert load_model(project, "churn").meta["as_of_last"][:10] == "2024-04-01"

    # Ended before A2's churn is known, churn has one outcome only: skipped, and the churn
    # model of the earlier run is left out rather than mixed with this run's expansion model.
    result = _train(project, "--horizon", "30", "--data-end", "2024-04-16")
    assert result.exit_code == 0, result.output
    assert "left out of the new set of models: churn" in " ".join(result.output.split())
    assert stored_kinds(project) == ["expansion"]
    assert load_model(project, "expansion").meta["as_of_last"][:10] == "2024-03-11"
    result = _train(project, "--data-end", "April")
    assert "--data-end 'April' is not a date" in str(result.exception)


def _fitted(offset: float = 0.0) -> LogisticRegression:
    X = np.array([[0.0], [1.0], [2.0], [3.0]]) + offset
    return LogisticRegression().fit(X, [0, 0, 1, 1])


def test_a_run_carries_over_the_kinds_it_does_not_train(tmp_path: Path):
    with ModelRun(tmp_path) as run:
        run.save("churn", _fitted(), {"horizon_days": 30})
        run.save("expansion", _fitted(), {"horizon_days": 30})
    with ModelRun(tmp_path) as run:
        run.save("churn", _fitted(1.0), {"horizon_days": 90})
    stored = load_models(tmp_path)
    assert {k: s.meta["horizon_days"] for k, s in stored.items()} == {"churn": 90,
                                                                     "expansion": 30}
    manifest = json.loads((tmp_path / "models" / "current.json").read_text())
    assert manifest["trained"] == ["churn"]
    assert manifest["carried_over"] == ["expansion"]
    # Two run folders at most: the current set and the previous one.
    with ModelRun(tmp_path) as run:
        run.save("churn", _fitted(2.0), {"horizon_days": 60})
    runs = [p for p in (tmp_path / "models").iterdir() if p.is_dir()]
    assert len(runs) == 2


def test_a_project_trained_before_runs_is_read_then_replaced(tmp_path: Path):
    """Models saved straight into models/ (the earlier layout) stay readable, and the next run
    carries them over into its set."""
    import joblib

    folder = tmp_path / "models"
    folder.mkdir()
    joblib.dump(_fitted(), folder / "expansion.joblib")
    import sklearn

    import tenure
    (folder / "expansion.json").write_text(json.dumps({
        "kind": "expansion", "horizon_days": 45, "tenure_version": tenure.__version__,
        "sklearn_version": sklearn.__version__}))
    assert stored_kinds(tmp_path) == ["expansion"]
    save_model(tmp_path, "churn", _fitted(), {"horizon_days": 30})
    assert {k: s.meta["horizon_days"] for k, s in load_models(tmp_path).items()} == {
        "churn": 30, "expansion": 45}
