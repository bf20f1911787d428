"""Models of customer outcomes, trained on point-in-time training sets.

``training_set`` builds one row per account and as-of date: measures computed from data before
that date, account attributes, and churn, expansion, conversion or advocacy outcomes after it.
``features_and_labels`` turns it into ``X, y``; the outcome models (``OUTCOME_MODELS``) share one
scikit-learn contract (:class:`OutcomeModel`): a time-ordered backtest chooses between a logistic
regression and gradient boosting, the chosen one is calibrated and refitted, and ``explain``
gives each row's strongest reasons. :mod:`tenure.models.evaluation` holds the metrics.
"""

from tenure.models.advocacy import AdvocacyModel
from tenure.models.backtest import Fold, time_folds
from tenure.models.calibration import Calibration, Calibrator
from tenure.models.churn import ChurnRiskModel
from tenure.models.conversion import ConversionModel
from tenure.models.encoding import TabularEncoder
from tenure.models.estimator import Candidate, ModelNotFittedError, OutcomeModel
from tenure.models.evaluation import (
    alert_summary,
    alert_threshold,
    brier_score,
    calibration_curve,
    lead_times,
    roc_auc,
    top_decile_lift,
    top_decile_precision,
)
from tenure.models.expansion import ExpansionModel
from tenure.models.labels import (
    churn_events,
    features_and_labels,
    is_outcome_column,
    label_column,
)
from tenure.models.registry import OUTCOME_MODELS
from tenure.models.training_set import ATTRIBUTES, OUTCOME_PREFIXES, OutcomeKind, training_set

__all__ = [
    "ATTRIBUTES",
    "OUTCOME_MODELS",
    "OUTCOME_PREFIXES",
    "AdvocacyModel",
    "Calibration",
    "Calibrator",
    "Candidate",
    "ChurnRiskModel",
    "ConversionModel",
    "ExpansionModel",
    "Fold",
    "ModelNotFittedError",
    "OutcomeKind",
    "OutcomeModel",
    "TabularEncoder",
    "alert_summary",
    "alert_threshold",
    "brier_score",
    "calibration_curve",
    "churn_events",
    "features_and_labels",
    "is_outcome_column",
    "label_column",
    "lead_times",
    "roc_auc",
    "time_folds",
    "top_decile_lift",
    "top_decile_precision",
    "training_set",
]
