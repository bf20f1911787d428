"""Churn risk: the probability that a paying account's service stops within the horizon."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from tenure.models.estimator import OutcomeModel
from tenure.models.evaluation import alert_summary

__all__ = ["ChurnRiskModel"]


class ChurnRiskModel(OutcomeModel):
    """P(``churned_{h}d``): paid service stops within ``horizon_days`` of the as-of date.

    Population: paying accounts at each as-of date, pending cancellations left out
    (``training_set(kind="churn")``). Parameters and attributes are those of
    :class:`~tenure.models.OutcomeModel`; the defaults suit weekly training sets of a few
    thousand accounts.

    ``fit(X, y, churns=...)`` with the churns of the training set
    (:func:`tenure.models.churn_events`) adds ``evaluation_["alerts"]``: the
    :func:`~tenure.models.evaluation.alert_summary` of the OOT probabilities (threshold
    flagging at most 20% of accounts, recall, share flagged at least 30 days before the request,
    median lead), with a run-up of ``horizon_days``.

    Examples
    --------
    >>> X, y = features_and_labels(frame, "churn", 90)  # doctest: +SKIP
    >>> model = ChurnRiskModel(horizon_days=90).fit(X, y)  # doctest: +SKIP
    >>> model.evaluation_["roc_auc"]  # doctest: +SKIP
    0.83
    """

    outcome = "churn within the horizon"

    def fit(self, X: pd.DataFrame | np.ndarray, y: Any = None, *,
            churns: pd.DataFrame | None = None) -> ChurnRiskModel:
        """Fit as :meth:`OutcomeModel.fit`; with ``churns``, also judge a churn alert."""
        super().fit(X, y)
        if churns is not None and len(self.oot_predictions_):
            self.evaluation_["alerts"] = alert_summary(
                self.oot_predictions_, churns, run_up_days=int(self.horizon_days)
            )
        return self
