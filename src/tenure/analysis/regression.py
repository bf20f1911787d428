"""Multivariate churn drivers: regularised logistic regression with effects in plain words.

Deciles and segments look at one measure at a time; active days and logins move together, so
both look important on their own. :class:`ChurnRegression` looks at all of them at once:

1. each measure gets a scale on which its effect reads naturally (``log2`` for skewed
   non-negative measures: "each halving of ..."; ``count`` for small whole numbers: "each extra
   ..."; ``linear`` otherwise: "each increase of one standard deviation ...");
2. strongly correlated measures (``|Spearman rho| > correlation_threshold``) are grouped and only
   one representative per group enters the model (the one most associated with the outcome), so
   the coefficients are not split arbitrarily between near-duplicates; the groups are reported;
3. attributes (plan, industry...) are one-hot encoded against their most common level;
4. every column is standardised and an L2-regularised logistic regression is fitted;
5. a (cluster) bootstrap over accounts refits the model to give each effect a confidence interval
   and a p-value.

The estimator follows scikit-learn's contract: keyword-only ``__init__`` that only stores
parameters, ``fit`` returns ``self``, learned attributes end in ``_``, and use before ``fit``
raises :class:`tenure.errors.NotFittedError`.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.utils import Tags
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import assert_all_finite, check_array, column_or_1d

from tenure.errors import InputError
from tenure.fitted import check_fitted

__all__ = ["ChurnRegression", "Transform", "correlated_groups"]

Transform = Literal["log2", "count", "binary", "linear"]

#: Largest whole-number measure still read as a count ("each extra urgent ticket").
_MAX_COUNT = 20


def _choose_transform(values: np.ndarray) -> Transform:
    """The scale on which a measure's effect reads naturally (see the module docstring)."""
    v = values[~np.isnan(values)]
    if len(v) == 0 or v.min() < 0:
        return "linear"
    if set(np.unique(v)) <= {0.0, 1.0}:
        return "binary"
    if np.all(v == np.round(v)) and v.max() <= _MAX_COUNT:
        return "count"
    if len(v) > 2 and stats.skew(v) > 1:
        return "log2"
    return "linear"


def _apply_transform(values: np.ndarray, transform: Transform) -> np.ndarray:
    if transform == "log2":
        return np.log2(1 + np.clip(values, 0, None))
    return values


def correlated_groups(
    frame: pd.DataFrame, *, threshold: float, relevance: pd.Series | None = None
) -> pd.DataFrame:
    """Group columns whose absolute Spearman correlation exceeds ``threshold`` (single linkage).

    Parameters
    ----------
    frame
        Numeric columns to group.
    threshold
        Columns ``a`` and ``b`` share a group when ``|rho(a, b)| > threshold``, directly or
        through a chain of such pairs.
    relevance
        Score per column (e.g. absolute correlation with the outcome); the most relevant member
        represents its group. Default: the first column in ``frame`` order.

    Returns
    -------
    pandas.DataFrame
        One row per column: ``member``, ``representative``, ``rho`` (Spearman correlation of the
        member with its representative).

    Examples
    --------
    >>> x = np.arange(10.0)
    >>> frame = pd.DataFrame({"a": x, "b": x ** 2, "c": [1, 0, 1, 1, 0, 0, 1, 0, 1, 0]})
    >>> correlated_groups(frame, threshold=0.8)["representative"].tolist()
    ['a', 'a', 'c']
    """
    columns = list(frame.columns)
    rho = frame.corr(method="spearman").fillna(0.0).to_numpy()
    parent = list(range(len(columns)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(columns)):
        for j in range(i + 1, len(columns)):
            if abs(rho[i, j]) > threshold:
                parent[root(j)] = root(i)
    score = relevance if relevance is not None else pd.Series(
        -np.arange(len(columns), dtype=float), index=columns
    )
    rows = []
    members_of: dict[int, list[int]] = {}
    for i in range(len(columns)):
        members_of.setdefault(root(i), []).append(i)
    for members in members_of.values():
        rep = max(members, key=lambda i: (score.get(columns[i], 0.0), -i))
        for i in members:
            rows.append({"member": columns[i], "representative": columns[rep],
                         "rho": float(rho[i, rep])})
    order = {c: k for k, c in enumerate(columns)}
    return (pd.DataFrame(rows, columns=["member", "representative", "rho"])
            .sort_values("member", key=lambda s: s.map(order)).reset_index(drop=True))


class ChurnRegression(ClassifierMixin, BaseEstimator):
    """Regularised logistic regression of a churn outcome on measures and attributes.

    Parameters
    ----------
    C
        Inverse strength of the L2 penalty on the standardised coefficients (scikit-learn's
        ``C``; 1.0 is its default).
    correlation_threshold
        Group measures whose ``|Spearman rho|`` exceeds this and keep one per group; ``None``
        keeps every measure.
    measure_scale
        ``"auto"`` picks ``log2``/``count``/``linear`` per measure; ``"linear"`` keeps every
        measure as it is; a mapping sets the transform of named measures (others ``auto``).
    n_bootstrap
        Bootstrap refits for the intervals and p-values of the effects; 0 skips them.
    confidence
        Level of the effect intervals.
    max_iter
        Iterations of the lbfgs solver.
    outcome_label
        How the outcome reads in the sentences of :attr:`effects_` (e.g. ``"30-day churn"``).
    random_state
        Seed of the bootstrap.

    Attributes
    ----------
    feature_names_in_ : numpy.ndarray
        Input columns seen by ``fit``.
    features_ : list of str
        Columns of the fitted design: kept measures, then ``attribute=level`` indicators.
    coef_ : numpy.ndarray
        Coefficients on the standardised design, shape ``(1, len(features_))``.
    intercept_ : numpy.ndarray
    classes_ : numpy.ndarray
        The two labels of ``y``, sorted (``[False, True]`` for a boolean outcome).
    transforms_ : dict
        The transform used for each measure.
    groups_ : pandas.DataFrame
        Correlated measure groups: ``member``, ``representative``, ``rho``.
    effects_ : pandas.DataFrame
        One row per design column, strongest first: ``feature``, ``kind``, ``odds_ratio`` (for the
        step named in ``step``), ``ci_low``, ``ci_high``, ``p_value``, ``significant``,
        ``importance`` (absolute standardised coefficient), ``rank``, ``group`` and ``sentence``.
    model_ : sklearn.linear_model.LogisticRegression
        The fitted scikit-learn model on the standardised design.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"tickets": rng.poisson(1.0, 2000), "noise": rng.normal(size=2000)})
    >>> y = rng.random(2000) < 1 / (1 + np.exp(2.5 - 0.8 * X["tickets"]))
    >>> model = ChurnRegression(n_bootstrap=50).fit(X, y)
    >>> model.effects_["feature"].iloc[0]
    'tickets'
    """

    def __init__(
        self,
        *,
        C: float = 1.0,
        correlation_threshold: float | None = 0.8,
        measure_scale: str | dict[str, str] = "auto",
        n_bootstrap: int = 200,
        confidence: float = 0.95,
        max_iter: int = 1000,
        outcome_label: str = "churn",
        random_state: int | None = 0,
    ) -> None:
        self.C = C
        self.correlation_threshold = correlation_threshold
        self.measure_scale = measure_scale
        self.n_bootstrap = n_bootstrap
        self.confidence = confidence
        self.max_iter = max_iter
        self.outcome_label = outcome_label
        self.random_state = random_state

    # -- fitting --------------------------------------------------------------------------

    def fit(self, X: pd.DataFrame | np.ndarray, y: Any = None, *,
            groups: Any = None) -> ChurnRegression:
        """Fit on measures/attributes ``X`` and the yes/no outcome ``y``.

        Parameters
        ----------
        X
            One row per observation; numeric columns are measures, text/categorical columns
            attributes (text needs a DataFrame). Missing measure values get the median.
        y
            Two-class outcome (churned within the horizon); the larger label (``True``, 1) is
            the event whose odds the effects describe.
        groups
            Cluster of each row (e.g. ``account_id`` when an account appears at several as-of
            dates); the bootstrap resamples whole clusters so repeated rows do not narrow the
            intervals. Default: rows are independent.
        """
        if y is None:
            raise InputError(f"{type(self).__name__} requires y to be passed, but the target y "
                             "is None; pass the churn outcome column.")
        X = self._as_frame(X)
        y = column_or_1d(y, warn=True)
        if len(y) != len(X):
            raise InputError(f"X has {len(X)} rows but y has {len(y)}; pass matching rows.")
        if y.dtype.kind in "fc":
            assert_all_finite(y, input_name="y")
        check_classification_targets(y)
        classes = np.unique(y)
        if len(classes) < 2:
            raise InputError(
                f"the outcome has only one class ({classes[0]!r} on every row: every row churned "
                "or none did); a churn model needs both: widen the period or the horizon."
            )
        if len(classes) > 2:
            raise InputError(f"Only binary classification is supported: {type(self).__name__} "
                             f"models a yes/no outcome, and y has {len(classes)} classes "
                             f"({', '.join(map(str, classes[:5]))}...).")
        y_arr = y == classes[1]
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        self.classes_ = classes
        self._learn_columns(X, y_arr)
        design = self._design(X)
        self.means_ = design.mean(axis=0)
        self.scales_ = design.std(axis=0)
        self.scales_[self.scales_ == 0] = 1.0
        Z = (design - self.means_) / self.scales_
        self.model_ = self._new_model().fit(Z, y_arr)
        self.coef_ = self.model_.coef_
        self.intercept_ = self.model_.intercept_
        self.n_iter_ = self.model_.n_iter_
        boot = self._bootstrap(Z, y_arr, groups)
        self.effects_ = self._effects(boot)
        return self

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # missing measures get the training median
        tags.classifier_tags.multi_class = False
        return tags

    def _new_model(self) -> LogisticRegression:
        return LogisticRegression(C=self.C, max_iter=self.max_iter)

    def _as_frame(self, X: pd.DataFrame | np.ndarray) -> pd.DataFrame:
        """``X`` as a DataFrame; arrays are checked like scikit-learn checks them."""
        if isinstance(X, pd.DataFrame):
            if X.shape[1] == 0:
                raise InputError(f"Found array with 0 feature(s) (shape={X.shape}) while a "
                                 "minimum of 1 is required.")
            numeric = X.select_dtypes("number")
            if np.isinf(numeric.to_numpy(dtype=float)).any():
                bad = [c for c in numeric.columns if np.isinf(numeric[c].astype(float)).any()]
                raise InputError(f"Input X contains infinity in column(s) {bad}; replace it by "
                                 "a finite value or leave the value missing.")
            return X.reset_index(drop=True)
        arr = check_array(X, ensure_all_finite="allow-nan", dtype="numeric")
        if hasattr(self, "n_features_in_") and arr.shape[1] != self.n_features_in_:
            raise InputError(f"X has {arr.shape[1]} features, but {type(self).__name__} is "
                             f"expecting {self.n_features_in_} features as input.")
        return pd.DataFrame(arr, columns=[f"x{i}" for i in range(arr.shape[1])])

    def _learn_columns(self, X: pd.DataFrame, y: np.ndarray) -> None:
        numeric = [
            c for c in X.columns
            if pd.api.types.is_numeric_dtype(X[c]) or pd.api.types.is_bool_dtype(X[c])
        ]
        attributes = [c for c in X.columns if c not in numeric]
        overrides = self.measure_scale if isinstance(self.measure_scale, dict) else {}
        unknown = set(overrides) - set(numeric)
        if unknown:
            raise InputError(f"measure_scale names unknown measure(s) {sorted(unknown)}; the "
                             f"measures are {numeric}.")
        if isinstance(self.measure_scale, str) and self.measure_scale not in {"auto", "linear"}:
            raise InputError(f"measure_scale must be 'auto', 'linear' or a mapping; found "
                             f"{self.measure_scale!r}.")
        self.medians_: dict[str, float] = {}
        self.transforms_: dict[str, Transform] = {}
        transformed = {}
        for c in numeric:
            values = X[c].astype(float).to_numpy()
            if np.all(np.isnan(values)) or np.nanstd(values) == 0:
                continue  # constant: carries no information
            self.medians_[c] = float(np.nanmedian(values))
            if c in overrides:
                if overrides[c] not in ("log2", "count", "binary", "linear"):
                    raise InputError(f"measure_scale of {c!r} must be log2, count, binary or "
                                     f"linear; found {overrides[c]!r}.")
                self.transforms_[c] = overrides[c]  # type: ignore[assignment]
            elif self.measure_scale == "linear":
                self.transforms_[c] = "linear"
            else:
                self.transforms_[c] = _choose_transform(values)
            filled = np.where(np.isnan(values), self.medians_[c], values)
            transformed[c] = _apply_transform(filled, self.transforms_[c])
        self.dropped_ = [c for c in numeric if c not in self.transforms_]
        measures = pd.DataFrame(transformed)
        if self.correlation_threshold is not None and measures.shape[1] > 1:
            relevance = measures.apply(
                lambda s: abs(stats.spearmanr(s, y).statistic) if np.ptp(s) > 0 else 0.0
            ).fillna(0.0)
            self.groups_ = correlated_groups(
                measures, threshold=self.correlation_threshold, relevance=relevance
            )
        else:
            self.groups_ = pd.DataFrame({"member": list(measures.columns),
                                         "representative": list(measures.columns),
                                         "rho": 1.0})
        self.measures_ = [
            m for m in measures.columns
            if (self.groups_.loc[self.groups_["member"] == m, "representative"] == m).all()
        ]
        self.categories_: dict[str, tuple[str, list[str]]] = {}
        for a in attributes:
            counts = X[a].astype("string").fillna("(missing)").value_counts()
            reference = str(sorted(counts.index[counts == counts.max()])[0])
            levels = sorted(str(v) for v in counts.index if v != reference)
            self.categories_[a] = (reference, levels)
        self.features_ = [*self.measures_] + [
            f"{a}={lvl}" for a, (_, levels) in self.categories_.items() for lvl in levels
        ]

    def _design(self, X: pd.DataFrame) -> np.ndarray:
        missing = [c for c in [*self.measures_, *self.categories_] if c not in X.columns]
        if missing:
            raise InputError(f"X lacks column(s) {missing} the model was fitted with.")
        cols = []
        for m in self.measures_:
            values = X[m].astype(float).to_numpy()
            values = np.where(np.isnan(values), self.medians_[m], values)
            cols.append(_apply_transform(values, self.transforms_[m]))
        for a, (_, levels) in self.categories_.items():
            text = X[a].astype("string").fillna("(missing)").to_numpy()
            cols.extend((text == lvl).astype(float) for lvl in levels)
        if not cols:
            raise InputError("X has no measure or attribute that varies; nothing to model.")
        return np.column_stack(cols)

    def _bootstrap(self, Z: np.ndarray, y: np.ndarray, groups: Any) -> np.ndarray:
        """Coefficients of ``n_bootstrap`` refits on resampled clusters, shape (B, features)."""
        if self.n_bootstrap <= 0:
            return np.empty((0, Z.shape[1]))
        rng = np.random.default_rng(self.random_state)
        cluster = (np.arange(len(y)) if groups is None
                   else pd.factorize(np.asarray(groups))[0])
        rows_of = pd.Series(np.arange(len(y))).groupby(cluster).apply(np.asarray).tolist()
        coefs = []
        for _ in range(20 * self.n_bootstrap):
            pick = rng.integers(0, len(rows_of), len(rows_of))
            idx = np.concatenate([rows_of[i] for i in pick])
            if y[idx].all() or not y[idx].any():
                continue  # a resample with one class cannot be fitted; draw again
            coefs.append(self._new_model().fit(Z[idx], y[idx]).coef_[0])
            if len(coefs) == self.n_bootstrap:
                break
        else:
            raise InputError(
                f"only {len(coefs)} of {self.n_bootstrap} bootstrap resamples held both "
                "outcomes: too few churners for intervals; pass n_bootstrap=0 or more data."
            )
        return np.asarray(coefs)

    # -- effects in words -----------------------------------------------------------------

    def _effects(self, boot: np.ndarray) -> pd.DataFrame:
        beta = self.coef_[0]
        low_q, high_q = (1 - self.confidence) / 2, (1 + self.confidence) / 2
        rows = []
        for j, feature in enumerate(self.features_):
            kind, step = self._step(feature, j)
            ratio = float(np.exp(beta[j] * step))
            if len(boot):
                draws = np.exp(boot[:, j] * step)
                ci_low, ci_high = (float(v) for v in np.quantile(draws, [low_q, high_q]))
                se = float(boot[:, j].std(ddof=1))
                p = float(2 * stats.norm.sf(abs(beta[j]) / se)) if se > 0 else float("nan")
            else:
                ci_low = ci_high = p = float("nan")
            group = self.groups_.loc[self.groups_["representative"] == feature, "member"].tolist()
            rows.append({
                "feature": feature,
                "kind": kind,
                "coef": float(beta[j]),
                "odds_ratio": ratio,
                "ci_low": ci_low,
                "ci_high": ci_high,
                "p_value": p,
                "significant": bool(ci_low > 1 or ci_high < 1),
                "importance": abs(float(beta[j])),
                "group": ", ".join(m for m in group if m != feature),
                "sentence": self._sentence(feature, kind, j, ratio, ci_low, ci_high),
            })
        out = pd.DataFrame(rows, columns=["feature", "kind", "coef", "odds_ratio", "ci_low",
                                          "ci_high", "p_value", "significant", "importance",
                                          "group", "sentence"])
        out = out.sort_values("importance", ascending=False, kind="stable").reset_index(drop=True)
        out.insert(1, "rank", np.arange(1, len(out) + 1))
        return out

    def _step(self, feature: str, j: int) -> tuple[str, float]:
        """The step a reported odds ratio refers to, on the standardised scale of column ``j``."""
        scale = float(self.scales_[j])
        if feature not in self.transforms_:
            return "level", 1.0 / scale  # from 0 (reference) to 1 (this level)
        kind = self.transforms_[feature]
        if kind == "log2":
            return kind, -1.0 / scale  # one halving: log2(1 + x) falls by one
        if kind in ("count", "binary"):
            return kind, 1.0 / scale  # one extra unit; from 0 to 1 for a flag
        return kind, 1.0  # one standard deviation

    def _sentence(self, feature: str, kind: str, j: int, ratio: float, low: float,
                  high: float) -> str:
        pct = (ratio - 1) * 100
        verb = "raises" if pct >= 0 else "lowers"
        odds = f"{self.outcome_label} odds"
        if kind == "level":
            attribute, level = feature.split("=", 1)
            reference = self.categories_[attribute][0]
            head = f"{attribute} {level} (vs {reference}) {verb} {odds}"
        elif kind == "log2":
            head = f"each halving of {feature} {verb} {odds}"
        elif kind == "count":
            head = f"each extra {feature} {verb} {odds}"
        elif kind == "binary":
            head = f"{feature} (1 vs 0) {verb} {odds}"
        else:
            sd = float(self.scales_[j])
            head = f"each increase of one standard deviation ({sd:.3g}) in {feature} {verb} {odds}"
        text = f"{head} by {abs(pct):.0f}%"
        if not np.isnan(low):
            level = round(self.confidence * 100)
            text += f" ({level}% CI {(low - 1) * 100:+.0f}% to {(high - 1) * 100:+.0f}%)"
        return text

    # -- prediction -----------------------------------------------------------------------

    def _check_fitted(self) -> None:
        check_fitted(self, "model_")

    def decision_function(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """Log-odds of the outcome for each row of ``X``."""
        self._check_fitted()
        Z = (self._design(self._as_frame(X)) - self.means_) / self.scales_
        return self.model_.decision_function(Z)

    def predict_proba(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """Probability of ``[no churn, churn]`` for each row, shape ``(n, 2)``."""
        self._check_fitted()
        Z = (self._design(self._as_frame(X)) - self.means_) / self.scales_
        return self.model_.predict_proba(Z)

    def predict(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """The event label (``True``) where its probability is at least one half."""
        self._check_fitted()
        return self.classes_[(self.predict_proba(X)[:, 1] >= 0.5).astype(int)]
