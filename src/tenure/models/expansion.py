"""ExpansionModel: the probability that MRR in force grows within the horizon."""

from __future__ import annotations

from tenure.models.estimator import OutcomeModel

__all__ = ["ExpansionModel"]


class ExpansionModel(OutcomeModel):
    """P(``expanded_{h}d``): MRR in force at the horizon is greater than at the as-of date.

    Population: paying accounts (``training_set(kind="expansion")``). Parameters and attributes
    are those of :class:`~tenure.models.OutcomeModel`.
    """

    outcome = "expansion within the horizon"
