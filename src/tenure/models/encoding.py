"""From a frame of measures and attributes to the numeric matrix a model fits on.

:class:`TabularEncoder` is a scikit-learn transformer. Numeric (and boolean) columns are
measures, text and categorical columns attributes:

* ``style="linear"`` (for the logistic regression): a skewed non-negative measure (skewness
  above 1, e.g. event counts) enters as ``log(1 + x)``, so a doubling has one effect however
  large the account; a missing value is filled with the training median and flagged in an extra
  ``{measure}__missing`` column when the training data had any missing values (no NPS answer yet
  says something of its own);
* ``style="tree"`` (for gradient boosting): measures as they are, missing values left missing
  (the trees learn where they go);
* both: each attribute is one-hot encoded over its ``max_levels`` most common training levels
  (the rest, and levels never seen in training, share ``(other)``; a missing value is its own
  ``(missing)`` level); measures constant in training are dropped.

``groups_`` maps each output column back to its input column, so an explanation can treat an
attribute's one-hot family (or a measure and its missing flag) as one input.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.base import BaseEstimator, TransformerMixin

from tenure.errors import InputError

__all__ = ["TabularEncoder", "split_columns"]

_OTHER = "(other)"
_MISSING = "(missing)"


def split_columns(frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Names of the numeric (and boolean) columns and of the text/categorical columns.

    Raises
    ------
    InputError
        For a date or time column: dates are never features (an as-of date would let a model
        learn the calendar; outcome dates are the future).
    """
    numeric, text = [], []
    for c in frame.columns:
        dtype = frame[c].dtype
        if pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(
            dtype
        ):
            raise InputError(f"column {c!r} holds dates ({dtype}); dates are not features. "
                             "Drop it, or name it as the model's time_column.")
        if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
            numeric.append(c)
        else:
            text.append(c)
    return numeric, text


class TabularEncoder(TransformerMixin, BaseEstimator):
    """Encode measures and attributes as a float matrix (see the module docstring).

    Parameters
    ----------
    style
        ``"linear"`` (log scales, median fill, missing flags) or ``"tree"`` (raw, NaN kept).
    max_levels
        Most common levels of each attribute that get their own column.

    Attributes
    ----------
    numeric_ : list of str
        Measures kept (constant ones dropped).
    log_ : list of str
        Measures entered as ``log(1 + x)`` (``"linear"`` only).
    medians_ : dict
        Training median of each measure (0 when it was always missing).
    flagged_ : list of str
        Measures with a missing-value flag column (``"linear"`` only).
    levels_ : dict
        Levels with a column, per attribute (``(other)`` last).
    modes_ : dict
        Most common training level of each attribute.
    names_ : list of str
        Output column names.
    groups_ : list of str
        Input column of each output column.
    """

    def __init__(self, *, style: Literal["linear", "tree"] = "linear", max_levels: int = 30):
        self.style = style
        self.max_levels = max_levels

    def fit(self, X: pd.DataFrame, y: Any = None) -> TabularEncoder:
        """Learn scales, medians and levels from the training frame ``X``."""
        if self.style not in ("linear", "tree"):
            raise InputError(f"style must be 'linear' or 'tree' (found {self.style!r}).")
        numeric, text = split_columns(X)
        self.numeric_, self.log_, self.flagged_ = [], [], []
        self.medians_: dict[str, float] = {}
        for c in numeric:
            values = X[c].to_numpy(dtype=float)
            present = values[~np.isnan(values)]
            if len(present) == 0 or (np.ptp(present) == 0 and len(present) == len(values)):
                continue  # constant: carries no information
            self.numeric_.append(c)
            self.medians_[c] = float(np.median(present)) if len(present) else 0.0
            if self.style == "linear":
                if (len(present) > 2 and present.min() >= 0 and np.ptp(present) > 0
                        and len(np.unique(present)) > 2 and stats.skew(present) > 1):
                    self.log_.append(c)
                if len(present) < len(values):
                    self.flagged_.append(c)
        self.levels_: dict[str, list[str]] = {}
        self.modes_: dict[str, str] = {}
        for c in text:
            counts = self._text(X[c]).value_counts(sort=False)
            counts = counts.sort_index().sort_values(ascending=False, kind="stable")
            kept = [str(v) for v in counts.index[: self.max_levels]]
            if len(counts) > self.max_levels:
                kept.append(_OTHER)
            self.levels_[c] = kept
            self.modes_[c] = str(counts.index[0])
        self.names_, self.groups_ = [], []
        for c in self.numeric_:
            self.names_.append(c)
            self.groups_.append(c)
            if c in self.flagged_:
                self.names_.append(f"{c}__missing")
                self.groups_.append(c)
        for c, levels in self.levels_.items():
            self.names_.extend(f"{c}={lvl}" for lvl in levels)
            self.groups_.extend([c] * len(levels))
        self.inputs_ = [*self.numeric_, *self.levels_]
        return self

    @staticmethod
    def _text(values: pd.Series) -> pd.Series:
        return values.astype("string").fillna(_MISSING).astype(object)

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        """The float matrix of ``X``, one column per name in :attr:`names_`."""
        missing = [c for c in self.inputs_ if c not in X.columns]
        if missing:
            raise InputError(f"X lacks column(s) {missing} the model was fitted with; pass "
                             "the same measures and attributes as in training.")
        cols: list[np.ndarray] = []
        for c in self.numeric_:
            values = X[c].to_numpy(dtype=float)
            if self.style == "tree":
                cols.append(values)
                continue
            gone = np.isnan(values)
            filled = np.where(gone, self.medians_[c], values)
            cols.append(np.log1p(np.clip(filled, 0, None)) if c in self.log_ else filled)
            if c in self.flagged_:
                cols.append(gone.astype(float))
        for c, levels in self.levels_.items():
            text = self._text(X[c]).to_numpy()
            if levels and levels[-1] == _OTHER:
                text = np.where(np.isin(text, levels[:-1]), text, _OTHER)
            cols.extend((text == lvl).astype(float) for lvl in levels)
        if not cols:
            return np.empty((len(X), 0))
        return np.column_stack(cols)

    def reference(self) -> pd.DataFrame:
        """One row holding each input's reference: the training median or most common level."""
        row: dict[str, list[Any]] = {c: [self.medians_[c]] for c in self.numeric_}
        row.update({c: [self.modes_[c]] for c in self.levels_})
        return pd.DataFrame(row)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Output column names (scikit-learn's transformer API)."""
        return np.asarray(self.names_, dtype=object)
