"""ConversionModel: the probability that a trial account starts a paid line within the horizon."""

from __future__ import annotations

from tenure.models.estimator import OutcomeModel

__all__ = ["ConversionModel"]


class ConversionModel(OutcomeModel):
    """P(``converted_{h}d``): a trial account starts a paid line within the horizon.

    Population: accounts on a trial at the as-of date (``training_set(kind="conversion")``).
    Parameters and attributes are those of :class:`~tenure.models.OutcomeModel`.
    """

    outcome = "conversion of a trial within the horizon"

    def __init__(
        self,
        *,
        horizon_days: int = 30,
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
