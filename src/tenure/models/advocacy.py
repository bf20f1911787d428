"""AdvocacyModel: the probability that the first NPS answer within the horizon is 9 or 10."""

from __future__ import annotations

from tenure.models.estimator import OutcomeModel

__all__ = ["AdvocacyModel"]


class AdvocacyModel(OutcomeModel):
    """P(``promoter_{h}d``): the first NPS answer within the horizon is 9 or 10.

    Population: paying accounts that answer an NPS survey within the horizon
    (``training_set(kind="advocacy")``): the probability is P(promoter | asked). Parameters and
    attributes are those of :class:`~tenure.models.OutcomeModel`.
    """

    outcome = "a promoter answer (9 or 10) within the horizon"
