"""The error of an estimator used before ``fit``, shared by every Tenure estimator.

It is both :class:`tenure.errors.NotFittedError` and scikit-learn's ``NotFittedError``, so
``sklearn.utils.validation.check_is_fitted`` conventions and scikit-learn's estimator checks hold.
Kept apart from :mod:`tenure.errors`, which must import without scikit-learn (the CLI starts
faster without it).
"""

from __future__ import annotations

from sklearn.exceptions import NotFittedError as SklearnNotFittedError

from tenure.errors import NotFittedError

__all__ = ["ModelNotFittedError", "check_fitted"]


class ModelNotFittedError(NotFittedError, SklearnNotFittedError):
    """An estimator was used before ``fit`` (Tenure's and scikit-learn's error both)."""


def check_fitted(estimator: object, attribute: str) -> None:
    """Raise :class:`ModelNotFittedError` unless ``estimator`` has the fitted ``attribute``."""
    if not hasattr(estimator, attribute):
        raise ModelNotFittedError(
            f"This {type(estimator).__name__} instance is not fitted yet. Call 'fit' with a "
            "training set before using this estimator."
        )
