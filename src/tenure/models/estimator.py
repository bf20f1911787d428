"""The contract every outcome model follows: candidates, a time-ordered backtest, calibration.

:class:`OutcomeModel` is a scikit-learn classifier of a yes/no outcome within ``horizon_days``
of an as-of date (churn, expansion, conversion, promoter). ``fit``:

1. splits the rows by time (:func:`tenure.models.backtest.time_folds`): the later half of the
   as-of dates is cut into ``n_folds`` consecutive test blocks, each predicted by a model
   trained only on rows whose label was decided before the block starts (``as_of_date +
   horizon_days <= block start``); never a random split across time;
2. backtests each candidate (``logistic``: a standardised, L2-penalised logistic regression on
   log scales with missing-value flags; ``boosting``: histogram gradient boosting) and keeps
   the one whose out-of-time (OOT) predictions rank best (pooled ROC AUC; ties go to the
   earlier candidate);
3. fits a calibrator (:mod:`tenure.models.calibration`) on the chosen candidate's OOT raw
   scores, and reports calibration honestly: each block's probabilities in ``evaluation_`` and
   ``oot_predictions_`` come from a calibrator fitted on the *other* blocks (cross-fitting);
4. refits the chosen candidate on every row. ``predict_proba`` is ``calibrator(raw(X))``.

``X`` is a DataFrame (``time_column`` and ``id_column``, when present, give the split and the
ids and are never features; text columns are one-hot encoded) or a numeric array, whose rows
are then taken as already in time order (row positions are the times, with no purge gap).
"""

from __future__ import annotations

import math
from collections.abc import Collection
from contextlib import AbstractContextManager, nullcontext
from enum import StrEnum
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import Tags
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import assert_all_finite, column_or_1d, validate_data
from threadpoolctl import threadpool_limits

from tenure.errors import InputError
from tenure.fitted import ModelNotFittedError, check_fitted
from tenure.models import evaluation as ev
from tenure.models.backtest import Fold, time_folds
from tenure.models.calibration import Calibration, Calibrator
from tenure.models.contributions import (
    linear_pushes,
    tree_path_contributions,
    tree_root_value,
)
from tenure.models.encoding import TabularEncoder

__all__ = ["Candidate", "ModelNotFittedError", "OutcomeModel"]

#: Fewest training rows a backtest fold needs; smaller folds are skipped (and recorded).
MIN_TRAIN_ROWS = 10

#: Below this many cells (rows x columns) models run on one thread: starting OpenMP and BLAS
#: threads costs more than it saves on small data (30 times more on a busy machine).
_SMALL_CELLS = 2_000_000


def _threads(X: Any) -> AbstractContextManager[Any]:
    """One thread for small data, the libraries' default otherwise."""
    shape = getattr(X, "shape", None)
    if shape is None:  # a list or an array-like: measure it as an array
        shape = np.asarray(X).shape
    if int(np.prod(shape)) < _SMALL_CELLS:
        return threadpool_limits(limits=1)
    return nullcontext()


class Candidate(StrEnum):
    """The model families a fit chooses between (``docs/models.md`` defines each)."""

    LOGISTIC = "logistic"
    BOOSTING = "boosting"


def _json_number(value: float | int | None) -> float | int | None:
    """A number for a JSON document: NaN and infinity become ``None``."""
    if value is None:
        return None
    if isinstance(value, (int, np.integer)):
        return int(value)
    value = float(value)
    return None if math.isnan(value) or math.isinf(value) else value


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Column indices of the ``k`` largest scores of each row, largest first (ties: lower
    column first)."""
    if k < scores.shape[1]:
        part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    else:
        part = np.tile(np.arange(scores.shape[1]), (len(scores), 1))
    picked = np.take_along_axis(scores, part, axis=1)
    # Sort the k picked by score (descending), then by column for a stable order.
    order = np.lexsort((part, -picked), axis=1)
    return np.take_along_axis(part, order, axis=1)


def _iso(value: Any) -> Any:
    """A date as ``YYYY-MM-DD``; a row position as it is."""
    return value.date().isoformat() if isinstance(value, pd.Timestamp) else value


def _scores(y: np.ndarray, p: np.ndarray) -> dict[str, float | None]:
    """ROC AUC, top-decile precision and lift, Brier of probabilities ``p`` for outcomes ``y``."""
    if len(y) == 0:
        return {"roc_auc": None, "top_decile_precision": None, "top_decile_lift": None,
                "brier": None}
    return {
        "roc_auc": _json_number(ev.roc_auc(y, p)),
        "top_decile_precision": _json_number(ev.top_decile_precision(y, p)),
        "top_decile_lift": _json_number(ev.top_decile_lift(y, p)),
        "brier": _json_number(ev.brier_score(y, p)),
    }


class OutcomeModel(ClassifierMixin, BaseEstimator):
    """Calibrated probability of a yes/no outcome within ``horizon_days`` of the as-of date.

    Subclasses (:class:`~tenure.models.ChurnRiskModel`, ...) set the outcome and defaults.

    Parameters
    ----------
    horizon_days
        Days after the as-of date over which the outcome is observed; the backtest's purge gap.
    candidates
        Model families to backtest and choose from: ``"logistic"``, ``"boosting"``.
    calibration
        ``"sigmoid"`` (default; keeps the ranking), ``"isotonic"`` or ``"none"``.
    n_folds
        Consecutive test blocks over the later half of the as-of dates.
    time_column, id_column
        Columns of a DataFrame ``X`` holding the as-of date and the account: used for the split
        and the ids of ``oot_predictions_``, never as features.
    C
        Inverse L2 penalty of the logistic candidate (on standardised columns).
    boosting_rounds, learning_rate, max_leaf_nodes, min_samples_leaf
        Gradient boosting's trees: number, shrinkage, size and the fewest rows in a leaf
        (lowered to a tenth of the rows for tiny data).
    random_state
        Seed of the boosting candidate.

    Attributes
    ----------
    classes_ : numpy.ndarray
        The two labels of ``y``, sorted; the larger is the event.
    n_features_in_ : int
    feature_names_in_ : numpy.ndarray
        Columns of a DataFrame ``X`` (including the time and id columns).
    features_ : list of str
        Input columns used as features.
    chosen_ : str
        The candidate chosen by the backtest (``"logistic"`` or ``"boosting"``).
    estimator_ : sklearn.pipeline.Pipeline
        The chosen candidate refitted on every row (``encode`` step first).
    calibrator_ : Calibrator
        Fitted on the chosen candidate's OOT raw probabilities.
    backtest_ : pandas.DataFrame
        One row per candidate and fold: ``candidate, fold, test_start, test_end, n_train, n,
        positives, roc_auc, brier, top_decile_precision, top_decile_lift, status`` (metrics
        of the raw, uncalibrated probabilities; ``status`` says why a fold was skipped).
    evaluation_ : dict
        JSON-serialisable summary of the chosen model's cross-fitted OOT probabilities:
        ``roc_auc, top_decile_precision, top_decile_lift, brier, base_rate, n, positives,
        calibration_curve`` (bins ``{mean_predicted, observed_rate, n}``) and how they were
        obtained.
    oot_predictions_ : pandas.DataFrame
        ``account_id, as_of_date, y, probability, fold`` of every OOT row.
    """

    #: The outcome in words (subclasses), e.g. "churn within the horizon".
    outcome: ClassVar[str] = "the outcome"

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
        self.horizon_days = horizon_days
        self.candidates = candidates
        self.calibration = calibration
        self.n_folds = n_folds
        self.time_column = time_column
        self.id_column = id_column
        self.C = C
        self.boosting_rounds = boosting_rounds
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.random_state = random_state

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # missing measures are imputed (and flagged)
        tags.classifier_tags.multi_class = False  # a yes/no outcome only
        return tags

    # -- inputs ---------------------------------------------------------------------------

    def _frame(self, X: Any, *, reset: bool) -> pd.DataFrame:
        """``X`` as a DataFrame of every input column, checked like scikit-learn checks it."""
        if isinstance(X, pd.DataFrame):
            validate_data(self, X, reset=reset, skip_check_array=True)
            if X.shape[1] == 0:
                raise InputError(f"Found array with 0 feature(s) (shape={X.shape}) while a "
                                 "minimum of 1 is required.")
            numeric = X.select_dtypes("number")
            if numeric.shape[1] and np.isinf(numeric.to_numpy(dtype=float)).any():
                bad = [c for c in numeric.columns if np.isinf(numeric[c].astype(float)).any()]
                raise InputError(f"Input X contains infinity in column(s) {bad}; replace it "
                                 "by a finite value or leave the value missing.")
            return X.reset_index(drop=True)
        arr = validate_data(self, X, reset=reset, ensure_all_finite="allow-nan",
                            dtype="numeric")
        names = (list(self.feature_names_in_) if hasattr(self, "feature_names_in_")
                 else [f"x{i}" for i in range(arr.shape[1])])
        return pd.DataFrame(arr, columns=names)

    def _times(self, frame: pd.DataFrame) -> tuple[np.ndarray, bool]:
        """Each row's time (day numbers, or positions) and whether they are dates."""
        if self.time_column not in frame.columns:
            return np.arange(len(frame), dtype=float), False
        stamps = pd.to_datetime(frame[self.time_column])
        if stamps.isna().any():
            row = int(np.flatnonzero(stamps.isna().to_numpy())[0])
            raise InputError(f"column {self.time_column!r} is missing on row {row}; every row "
                             "needs its as-of date.")
        return stamps.to_numpy("datetime64[D]").astype(np.int64).astype(float), True

    def _features(self, frame: pd.DataFrame) -> pd.DataFrame:
        return frame.drop(columns=[c for c in (self.time_column, self.id_column)
                                   if c in frame.columns])

    def _labels(self, y: Any, n: int) -> np.ndarray:
        if y is None:
            raise InputError(f"{type(self).__name__} requires y to be passed, but the target y "
                             f"is None; pass the outcome ({self.outcome}).")
        y = column_or_1d(y, warn=True)
        if len(y) != n:
            raise InputError(f"X has {n} rows but y has {len(y)}; pass matching rows.")
        if y.dtype.kind in "fc":
            assert_all_finite(y, input_name="y")
        check_classification_targets(y)
        classes = np.unique(y)
        if len(classes) < 2:
            raise InputError(
                f"the outcome has only one class ({classes[0]!r} on every row); a model of "
                f"{self.outcome} needs rows with and without it: widen the period or horizon."
            )
        if len(classes) > 2:
            raise InputError(f"Only binary classification is supported: {type(self).__name__} "
                             f"models a yes/no outcome, and y has {len(classes)} classes "
                             f"({', '.join(map(str, classes[:5]))}...).")
        self.classes_ = classes
        return y == classes[1]

    def _check_params(self) -> list[Candidate]:
        names = [self.candidates] if isinstance(self.candidates, str) else list(self.candidates)
        try:
            candidates = [Candidate(c) for c in names]
        except ValueError:
            raise InputError(f"candidates {names!r} holds an unknown model; use "
                             f"{', '.join(c.value for c in Candidate)}.") from None
        if not candidates:
            raise InputError("candidates is empty; name at least one of logistic, boosting.")
        Calibrator(self.calibration)  # raises on an unknown method
        if self.horizon_days < 0 or self.n_folds < 1:
            raise InputError(f"horizon_days must be >= 0 and n_folds >= 1 (found "
                             f"{self.horizon_days} and {self.n_folds}).")
        return candidates

    # -- candidates -----------------------------------------------------------------------

    def _candidate(self, name: Candidate, n_rows: int) -> Pipeline:
        if name is Candidate.LOGISTIC:
            return Pipeline([
                ("encode", TabularEncoder(style="linear")),
                ("scale", StandardScaler()),
                ("model", LogisticRegression(C=self.C, max_iter=2000)),
            ])
        leaf = max(1, min(self.min_samples_leaf, n_rows // 10))
        return Pipeline([
            ("encode", TabularEncoder(style="tree")),
            ("model", HistGradientBoostingClassifier(
                learning_rate=self.learning_rate, max_iter=self.boosting_rounds,
                max_leaf_nodes=self.max_leaf_nodes, min_samples_leaf=leaf,
                l2_regularization=1.0, early_stopping=False, random_state=self.random_state,
            )),
        ])

    def _backtest_fold(self, name: Candidate, fold: Fold, features: pd.DataFrame,
                       y: np.ndarray) -> tuple[dict[str, Any], np.ndarray | None]:
        train_y, test_y = y[fold.train], y[fold.test]
        record: dict[str, Any] = {"candidate": name.value, "fold": fold.number,
                                  "n_train": int(fold.train.sum()), "n": int(fold.test.sum()),
                                  "positives": int(test_y.sum())}
        if record["n_train"] < MIN_TRAIN_ROWS:
            record["status"] = f"skipped: {record['n_train']} training rows (< {MIN_TRAIN_ROWS})"
        elif train_y.all() or not train_y.any():
            record["status"] = "skipped: the training rows hold one outcome only"
        elif record["n"] == 0:
            record["status"] = "skipped: no test rows"
        else:
            model = self._candidate(name, record["n_train"]).fit(features[fold.train], train_y)
            raw = model.predict_proba(features[fold.test])[:, 1]
            record.update(_scores(test_y, raw), status="ok")
            return record, raw
        record.update(_scores(np.empty(0), np.empty(0)))
        return record, None

    # -- fitting --------------------------------------------------------------------------

    def fit(self, X: pd.DataFrame | np.ndarray, y: Any = None) -> OutcomeModel:
        """Backtest the candidates, choose one, calibrate it and refit it on every row.

        Parameters
        ----------
        X
            One row per account and as-of date: measures, attributes and optionally the
            ``time_column`` and ``id_column`` (see :func:`tenure.models.features_and_labels`).
        y
            The yes/no outcome of each row; the larger label (``True``, 1) is the event.
        """
        with _threads(X):
            return self._fit(X, y)

    def _fit(self, X: pd.DataFrame | np.ndarray, y: Any) -> OutcomeModel:
        candidates = self._check_params()
        frame = self._frame(X, reset=True)
        y_event = self._labels(y, len(frame))
        times, dated = self._times(frame)
        ids = (frame[self.id_column].astype(str).to_numpy() if self.id_column in frame.columns
               else np.arange(len(frame)))
        features = self._features(frame)
        self.features_ = list(features.columns)
        folds = time_folds(times, n_folds=self.n_folds,
                           gap=float(self.horizon_days) if dated else 0.0)

        def when(t: float) -> Any:
            return pd.Timestamp(int(t), unit="D") if dated else int(t)

        records, raw_of = [], {}
        for name in candidates:
            raw_of[name] = {}
            for fold in folds:
                record, raw = self._backtest_fold(name, fold, features, y_event)
                records.append({**record, "test_start": when(fold.test_start),
                                "test_end": when(fold.test_end)})
                if raw is not None:
                    raw_of[name][fold.number] = raw
        columns = ["candidate", "fold", "test_start", "test_end", "n_train", "n", "positives",
                   "roc_auc", "brier", "top_decile_precision", "top_decile_lift", "status"]
        self.backtest_ = pd.DataFrame(records, columns=columns)

        # Choose: the best pooled OOT ranking; ties (and no usable fold) go to the first.
        def pooled_auc(name: Candidate) -> float:
            done = [f for f in folds if f.number in raw_of[name]]
            if not done:
                return -np.inf
            yy = np.concatenate([y_event[f.test] for f in done])
            pp = np.concatenate([raw_of[name][f.number] for f in done])
            auc = ev.roc_auc(yy, pp)
            return -np.inf if np.isnan(auc) else auc

        chosen = max(candidates, key=lambda c: (pooled_auc(c), -candidates.index(c)))
        self.chosen_ = chosen.value
        done = [f for f in folds if f.number in raw_of[chosen]]
        oot_y = [y_event[f.test] for f in done]
        oot_raw = [raw_of[chosen][f.number] for f in done]

        # Calibrate on every OOT score; report each block through a calibrator of the others.
        all_y = np.concatenate(oot_y) if done else np.empty(0, dtype=bool)
        all_raw = np.concatenate(oot_raw) if done else np.empty(0)
        self.calibrator_ = Calibrator(self.calibration).fit(all_raw, all_y)
        crossfit = []
        for k in range(len(done)):
            others = [i for i in range(len(done)) if i != k]
            if others:
                cal = Calibrator(self.calibration).fit(
                    np.concatenate([oot_raw[i] for i in others]),
                    np.concatenate([oot_y[i] for i in others]),
                )
            else:
                cal = Calibrator(Calibration.NONE).fit(oot_raw[k], oot_y[k])
            crossfit.append(cal.predict(oot_raw[k]))
        probability = np.concatenate(crossfit) if done else np.empty(0)
        test_rows = (np.concatenate([np.flatnonzero(f.test) for f in done]) if done
                     else np.empty(0, dtype=int))
        self.oot_predictions_ = pd.DataFrame({
            "account_id": ids[test_rows],
            "as_of_date": ([when(t) for t in times[test_rows]] if dated
                           else test_rows.astype(int)),
            "y": all_y,
            "probability": probability,
            "fold": np.concatenate([[f.number] * int(f.test.sum()) for f in done]).astype(int)
            if done else np.empty(0, dtype=int),
        })
        self.evaluation_ = self._evaluation(done, all_y, probability, dated, when)

        # Refit the chosen candidate on every row.
        self.estimator_ = self._candidate(chosen, len(frame)).fit(features, y_event)
        return self

    def _evaluation(self, done: list[Fold], y: np.ndarray, p: np.ndarray, dated: bool,
                    when: Any) -> dict[str, Any]:
        n, positives = len(y), int(y.sum())
        out: dict[str, Any] = {
            "model": type(self).__name__,
            "outcome": self.outcome,
            "horizon_days": int(self.horizon_days),
            "candidate": self.chosen_,
            "calibration": self.calibrator_.method_.value,
            "calibration_reported": ("cross-fitted: each block through a calibrator of the "
                                     "other blocks" if len(done) > 1 else
                                     "raw probabilities (fewer than two backtest folds)"),
            "folds": len(done),
            "oot_start": _iso(when(done[0].test_start)) if done else None,
            "oot_end": _iso(when(done[-1].test_end)) if done else None,
            "time_split": "as-of dates" if dated else "row order",
            "n": n,
            "positives": positives,
            "base_rate": _json_number(positives / n) if n else None,
            **_scores(y, p),
            "calibration_curve": ev.calibration_curve(y, p) if n else [],
        }
        return out

    # -- prediction -----------------------------------------------------------------------

    def _check_fitted(self) -> None:
        check_fitted(self, "estimator_")

    def _raw(self, features: pd.DataFrame) -> np.ndarray:
        return self.estimator_.predict_proba(features)[:, 1]

    def predict_proba(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """Calibrated probability of ``[no event, event]`` for each row, shape ``(n, 2)``."""
        self._check_fitted()
        features = self._features(self._frame(X, reset=False))
        with _threads(features):
            p = self.calibrator_.predict(self._raw(features))
        return np.column_stack([1 - p, p])

    def predict(self, X: pd.DataFrame | np.ndarray) -> np.ndarray:
        """The event label where its calibrated probability is at least one half."""
        self._check_fitted()
        return self.classes_[(self.predict_proba(X)[:, 1] >= 0.5).astype(int)]

    def explain(self, X: pd.DataFrame | np.ndarray, top: int = 3, *,
                exclude: Collection[str] = ()) -> pd.DataFrame:
        """Per row, the inputs that push its probability up the most.

        An input's contribution is the row's calibrated probability minus its probability
        without that input's push (:mod:`tenure.models.contributions`):

        * logistic: with the input set to its reference (the training median of a measure, the
          most common level of an attribute), every other input as it is; exact;
        * boosting: with the log-odds the trees credit to the input along the row's paths
          (Saabas 2014) taken away; one pass over the trees explains every input.

        An attribute's one-hot columns and a measure's missing flag move together: each input
        column is one reason. 100,000 rows of 35 inputs take seconds.

        Parameters
        ----------
        X
            Rows to explain (the columns ``fit`` saw).
        top
            Most reasons per row. Only inputs with a positive contribution are reasons, so a
            row scored at or below its references may have fewer (or none).
        exclude
            Input columns never given as reasons (they still weigh in the score), e.g. account
            attributes a rep cannot act on.

        Returns
        -------
        pandas.DataFrame
            Long format, strongest first within each row: ``row`` (position in ``X``),
            ``rank`` (1..top), ``feature`` (input column), ``value`` (the row's value) and
            ``contribution`` (change in probability, > 0).
        """
        return self.predict_and_explain(X, top, exclude=exclude)[1]

    def predict_and_explain(self, X: pd.DataFrame | np.ndarray, top: int = 3, *,
                            exclude: Collection[str] = ()) -> tuple[np.ndarray, pd.DataFrame]:
        """``predict_proba(X)[:, 1]`` and ``explain(X, top, exclude=exclude)`` in one pass.

        The explanation already works out each row's log-odds; scoring a large population with
        reasons this way predicts once instead of twice. The numbers are those of the two calls.
        """
        self._check_fitted()
        if top < 1:
            raise InputError(f"top must be at least 1 (found {top}).")
        features = self._features(self._frame(X, reset=False))
        with _threads(features):
            return self._explain(features, top, set(exclude))

    def _explain(self, features: pd.DataFrame, top: int,
                 exclude: set[str] | None = None) -> tuple[np.ndarray, pd.DataFrame]:
        """Each row's probability and its reasons (see :meth:`explain`)."""
        encode, rest = self.estimator_[0], self.estimator_[1:]
        Z = encode.transform(features)
        inputs = list(encode.inputs_)
        groups = np.asarray(encode.groups_, dtype=object)
        k = min(top, len(inputs))
        barred = [j for j, name in enumerate(inputs) if name in (exclude or ())]
        # The log-odds each input adds, for every row: both candidates give them directly.
        if self.chosen_ == Candidate.BOOSTING.value:
            trees = rest[-1]
            input_of = np.array([inputs.index(g) for g in encode.groups_], dtype=np.intp)
            push = tree_path_contributions(trees, Z, input_of, len(inputs))
            # The credits add up exactly to the log-odds less the trees' roots: no second pass.
            logit = tree_root_value(trees) + push.sum(axis=1)
        else:
            # The logistic candidate: log-odds linear in Z, so no prediction per input.
            scale, model = rest.named_steps["scale"], rest.named_steps["model"]
            logit = model.decision_function(scale.transform(Z))
            reference = encode.transform(encode.reference())[0]
            push = linear_pushes(Z, reference, model.coef_[0] / scale.scale_, groups, inputs)
        push[:, barred] = -np.inf  # never a reason; its contribution comes out negative
        # The calibrator is monotone, so the largest pushes are the largest contributions:
        # rank in log-odds, then calibrate only the k chosen per row.
        order = _top_k(push, k)
        rows = np.repeat(np.arange(len(Z)), k)
        cols = order.ravel()
        probability = self.calibrator_.predict(_sigmoid(logit))
        values = probability[rows] - self.calibrator_.predict(
            _sigmoid(logit[rows] - push[rows, cols]))
        keep = values > 0
        rows, cols, values = rows[keep], cols[keep], values[keep]
        ranks = np.tile(np.arange(1, k + 1), len(Z))[keep]
        shown = np.empty(len(rows), dtype=object)
        for j, name in enumerate(inputs):
            at = cols == j
            if at.any():
                shown[at] = features[name].to_numpy(dtype=object)[rows[at]]
        return probability, pd.DataFrame({
            "row": rows.astype(int), "rank": ranks.astype(int),
            "feature": np.asarray(inputs, dtype=object)[cols] if len(cols) else
            np.empty(0, dtype=object),
            "value": shown, "contribution": values,
        })
