"""scikit-learn's conformance suite over every outcome model (cloning, refits, NaN, dtypes...)."""

from __future__ import annotations

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from tenure.models import OUTCOME_MODELS

#: 216 checks, about 15 s in all.
pytestmark = pytest.mark.slow

#: Fewer boosting rounds keep the suite fast; both candidates are still backtested.
MODELS = [model(boosting_rounds=20) for model in OUTCOME_MODELS.values()]


@parametrize_with_checks(MODELS)
def test_scikit_learn_estimator_conformance(estimator, check):
    check(estimator)
