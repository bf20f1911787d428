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

    def __init__(
        self,
        *,
        horizon_days: int = 90,
        candidates: tuple[str, ...] = ("logistic", "boosting"),
        calibration: str = "sigmoid",
        n_folds: int = 3,
        time_column: str = "as_of_date",
        id_column: str = "account_id",
        C: float = 1.0,
        boosting_rounds: int = 200,
        learning_rate: float = 0.05,
        max_leaf_nodes: int = 15,
        min_samples_leaf: int = 40,
        random_state: int | None = 0,
    ) -> None:
        super().__init__(
            horizon_days=horizon_days, candidates=candidates, calibration=calibration,
            n_folds=n_folds, time_column=time_column, id_column=id_column, C=C,
            boosting_rounds=boosting_rounds, learning_rate=learning_rate,
            max_leaf_nodes=max_leaf_nodes, min_samples_leaf=min_samples_leaf,
            random_state=random_state,
        )

    def fit(self, X: pd.DataFrame | np.ndarray, y: Any = None, *,
            churns: pd.DataFrame | None = None) -> ChurnRiskModel:
        """Fit as :meth:`OutcomeModel.fit`; with ``churns``, also judge a churn alert."""
        super().fit(X, y)
        if churns is not None and len(self.oot_predictions_):
            self.evaluation_["alerts"] = alert_summary(
                self.oot_predictions_, churns, run_up_days=int(self.horizon_days)
            )
        return self
