"""Models of customer outcomes, trained on point-in-time training sets.

``training_set`` builds one row per account and as-of date: measures computed from data before
that date, account attributes, and churn, expansion or conversion outcomes after it.
"""

from tenure.models.training_set import ATTRIBUTES, OutcomeKind, training_set

__all__ = ["ATTRIBUTES", "OutcomeKind", "training_set"]
