"""Calibrators: maps from a model's raw score to a probability that matches observed rates.

``sigmoid`` (Platt 1999) fits ``P(y) = 1 / (1 + exp(-(a s + b)))`` on the raw log-odds ``s``:
two parameters, monotone, so the ranking (and the ROC AUC) is kept. ``isotonic`` (Zadrozny &
Elkan 2002) fits a non-decreasing step function: more flexible, needs more data, and ties
scores that fall on one step. ``none`` keeps the raw probability.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

from tenure.errors import InputError

__all__ = ["Calibration", "Calibrator"]

#: Raw probabilities are clipped to [EPS, 1 - EPS] before taking log-odds.
_EPS = 1e-9


class Calibration(StrEnum):
    """How raw scores become probabilities (``docs/models.md`` defines each)."""

    SIGMOID = "sigmoid"
    ISOTONIC = "isotonic"
    NONE = "none"


def _logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(np.asarray(p, dtype=float), _EPS, 1 - _EPS)
    return np.log(q / (1 - q))


class Calibrator:
    """A fitted map from raw probabilities to calibrated ones.

    Falls back to the identity (``method_ == "none"``) when the scores it is given hold only
    one outcome (there is nothing to calibrate against), and for ``sigmoid`` when the fitted
    slope is not positive (the scores rank no better than chance there; calibrating would
    reverse or flatten the ranking).

    Examples
    --------
    >>> raw = np.array([0.1, 0.2, 0.3, 0.6, 0.7, 0.9])
    >>> cal = Calibrator("isotonic").fit(raw, np.array([0, 0, 1, 0, 1, 1]))
    >>> cal.predict(np.array([0.15, 0.95])).round(2).tolist()
    [0.0, 1.0]
    """

    def __init__(self, method: str = "sigmoid") -> None:
        try:
            self.method = Calibration(method)
        except ValueError:
            raise InputError(f"calibration {method!r} is unknown; use "
                             f"{', '.join(c.value for c in Calibration)}.") from None

    def fit(self, raw: np.ndarray, y: np.ndarray) -> Calibrator:
        """Fit on raw probabilities ``raw`` and yes/no outcomes ``y``."""
        y = np.asarray(y).astype(bool)
        self.method_ = self.method if 0 < y.sum() < len(y) else Calibration.NONE
        if self.method_ is Calibration.SIGMOID:
            # A large C: two parameters need no penalty, and a penalty would shrink the slope.
            self.model_ = LogisticRegression(C=1e6, max_iter=1000)
            self.model_.fit(_logit(raw).reshape(-1, 1), y)
            if self.model_.coef_[0, 0] <= 0:
                # Scores that rank no better than chance would be flattened or reversed:
                # keep the raw probabilities rather than destroy the ranking.
                self.method_ = Calibration.NONE
        elif self.method_ is Calibration.ISOTONIC:
            self.model_ = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
            self.model_.fit(np.asarray(raw, dtype=float), y.astype(float))
        return self

    def predict(self, raw: np.ndarray) -> np.ndarray:
        """Calibrated probabilities of the event for raw probabilities ``raw``."""
        raw = np.asarray(raw, dtype=float)
        if self.method_ is Calibration.SIGMOID:
            return self.model_.predict_proba(_logit(raw).reshape(-1, 1))[:, 1]
        if self.method_ is Calibration.ISOTONIC:
            return self.model_.predict(raw)
        return raw

    def __repr__(self) -> str:
        return f"Calibrator({self.method.value!r})"
