"""Trained models in the project folder: written whole, read back with their metadata, refused
when the installed versions differ from the ones that wrote them."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from tenure.errors import InputError
from tenure.models.store import current_folder, load_model, save_model, stored_kinds


def _fitted() -> LogisticRegression:
    X = np.array([[0.0], [1.0], [2.0], [3.0]])
    return LogisticRegression().fit(X, [0, 0, 1, 1])


def test_a_saved_model_reads_back_with_its_metadata(tmp_path: Path):
    model = _fitted()
    save_model(tmp_path, "churn", model, {"horizon_days": 90, "evaluation": {"roc_auc": 0.81}})
    assert stored_kinds(tmp_path) == ["churn"]
    stored = load_model(tmp_path, "churn")
    assert stored.meta["horizon_days"] == 90
    assert stored.meta["evaluation"] == {"roc_auc": 0.81}
    assert stored.meta["kind"] == "churn"
    assert stored.trained_at  # stamped at save time
    X = np.array([[0.5], [2.5]])
    np.testing.assert_array_equal(stored.model.predict_proba(X), model.predict_proba(X))
    # No temporary file is left beside the model.
    assert sorted(p.name for p in current_folder(tmp_path).iterdir()) == ["churn.joblib",
                                                                          "churn.json"]


def test_an_untrained_kind_says_to_train(tmp_path: Path):
    assert stored_kinds(tmp_path) == []
    with pytest.raises(InputError, match="run `tenure train"):
        load_model(tmp_path, "expansion")


def test_a_model_from_another_version_is_refused_with_the_fix(tmp_path: Path):
    save_model(tmp_path, "churn", _fitted(), {"horizon_days": 30})
    meta_path = current_folder(tmp_path) / "churn.json"
    meta = json.loads(meta_path.read_text())
    meta["sklearn_version"] = "0.24.2"
    meta_path.write_text(json.dumps(meta))
    with pytest.raises(InputError, match=r"scikit-learn 0\.24\.2.*retrain it with `tenure train"):
        load_model(tmp_path, "churn")


def test_a_failed_write_leaves_the_previous_model(tmp_path: Path):
    save_model(tmp_path, "churn", _fitted(), {"horizon_days": 30})

    class Unpicklable:
        def __reduce__(self):
            raise RuntimeError("cannot pickle")

    with pytest.raises(RuntimeError, match="cannot pickle"):
        save_model(tmp_path, "churn", Unpicklable(), {"horizon_days": 60})
    assert load_model(tmp_path, "churn").meta["horizon_days"] == 30
    assert sorted(p.name for p in current_folder(tmp_path).iterdir()) == ["churn.joblib",
                                                                          "churn.json"]
