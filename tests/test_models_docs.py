"""docs/models.md documents every public model, parameter, vocabulary and evaluation function."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

import tenure.models as models
from tenure.models import OUTCOME_MODELS, Calibration, Candidate, OutcomeModel
from tenure.models import evaluation as ev

DOC = (Path(__file__).resolve().parents[1] / "docs" / "models.md").read_text(encoding="utf-8")


def _table_keys(heading_text: str) -> list[str]:
    """First-column `names` of the table under the first heading containing ``heading_text``."""
    section = DOC.split(heading_text, 1)[1]
    keys = []
    for line in section.splitlines()[2:]:  # the rest of the header line, then |---|
        if not line.startswith("|"):
            break
        row = re.match(r"^\| `([^`]+)`", line)
        if row:
            keys.append(row.group(1).split("(")[0])
    return keys


@pytest.mark.parametrize("kind", list(OUTCOME_MODELS))
def test_every_model_has_a_row_with_its_kind(kind: str) -> None:
    rows = {line.split("|")[1].strip(" `"): line.split("|")[2].strip(" `")
            for line in DOC.split("## The models", 1)[1].splitlines() if line.startswith("| `")}
    assert rows.get(OUTCOME_MODELS[kind].__name__) == kind


def test_every_parameter_of_the_contract_is_in_its_table() -> None:
    params = list(inspect.signature(OutcomeModel.__init__).parameters)[1:]
    assert _table_keys("| parameter | default | meaning |") == params
    for cls in OUTCOME_MODELS.values():
        assert list(inspect.signature(cls.__init__).parameters)[1:] == params


@pytest.mark.parametrize("vocabulary", [Calibration, Candidate])
def test_every_vocabulary_member_is_defined(vocabulary) -> None:
    heading = {Calibration: "| calibration | map", Candidate: "| candidate | model |"}[vocabulary]
    assert _table_keys(heading) == [m.value for m in vocabulary]


def test_every_evaluation_function_has_its_formula() -> None:
    documented = set(_table_keys("| function | formula |")) | set(
        _table_keys("| function | what it gives |"))
    assert documented == set(ev.__all__)


def test_every_public_name_is_mentioned() -> None:
    hidden = {"ATTRIBUTES", "OUTCOME_PREFIXES", "OutcomeKind", "Fold", "training_set"}
    for name in set(models.__all__) - hidden:
        assert f"`{name}" in DOC, f"docs/models.md does not mention {name}"


def test_every_learned_attribute_is_in_its_table() -> None:
    documented = " ".join(_table_keys("| attribute | holds |"))
    for name in ("classes_", "n_features_in_", "feature_names_in_", "features_", "chosen_",
                 "estimator_", "calibrator_", "backtest_", "evaluation_", "oot_predictions_"):
        assert name in documented or f"`{name}`" in DOC
