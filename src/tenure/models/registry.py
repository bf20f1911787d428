"""Every outcome model by the training-set kind it learns from."""

from __future__ import annotations

from tenure.models.advocacy import AdvocacyModel
from tenure.models.churn import ChurnRiskModel
from tenure.models.conversion import ConversionModel
from tenure.models.estimator import OutcomeModel
from tenure.models.expansion import ExpansionModel

__all__ = ["OUTCOME_MODELS"]

#: Training-set kind (``training_set(kind=...)``) -> the model of its outcome.
OUTCOME_MODELS: dict[str, type[OutcomeModel]] = {
    "churn": ChurnRiskModel,
    "expansion": ExpansionModel,
    "conversion": ConversionModel,
    "advocacy": AdvocacyModel,
}
