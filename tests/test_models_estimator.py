"""The outcome-model contract: time-ordered purged backtest, calibration, attributes, errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.exceptions import NotFittedError as SklearnNotFittedError

from tenure.errors import InputError, NotFittedError
from tenure.models import (
    OUTCOME_MODELS,
    AdvocacyModel,
    ChurnRiskModel,
    ConversionModel,
    ExpansionModel,
    OutcomeModel,
    churn_events,
    features_and_labels,
    time_folds,
)

START = pd.Timestamp("2024-01-01")


def _weekly(weeks: int = 40, accounts: int = 30, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """``accounts`` accounts scored every Monday; churn odds fall with usage."""
    rng = np.random.default_rng(seed)
    n = weeks * accounts
    X = pd.DataFrame({
        "account_id": [f"acc{i % accounts}" for i in range(n)],
        "as_of_date": START + pd.to_timedelta(np.repeat(np.arange(weeks) * 7, accounts), "D"),
        "usage": rng.gamma(2.0, 5.0, n),
        "plan": rng.choice(["team", "business"], n),
    })
    y = rng.random(n) < 1 / (1 + np.exp(1.0 + 0.25 * (X["usage"] - 10)))
    return X, y.to_numpy()


def test_time_folds_by_hand():
    """Eight weekly dates: the later half (days 28..49) in two blocks, starting days 28 and 42.
    With a 7-day horizon the first block trains on days 0..21 (21 + 7 <= 28), the second on
    days 0..35."""
    days = np.array([0, 7, 14, 21, 28, 35, 42, 49] * 2)
    folds = time_folds(days, n_folds=2, gap=7)
    assert [(f.test_start, f.test_end) for f in folds] == [(28, 35), (42, 49)]
    assert [sorted(set(days[f.train])) for f in folds] == [[0, 7, 14, 21], [0, 7, 14, 21, 28, 35]]
    assert [int(f.test.sum()) for f in folds] == [4, 4]
    # A 14-day horizon purges the week before each block.
    purged = time_folds(days, n_folds=2, gap=14)
    assert sorted(set(days[purged[0].train])) == [0, 7, 14]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 60), min_size=1, max_size=80), st.integers(1, 5),
       st.integers(0, 20))
def test_folds_never_train_on_a_label_that_reaches_the_block(times, n_folds, gap):
    t = np.array(times, dtype=float)
    folds = time_folds(t, n_folds=n_folds, gap=gap)
    distinct = np.unique(t)
    later = distinct[len(distinct) // 2:]
    covered = np.zeros(len(t), dtype=int)
    for f in folds:
        assert (t[f.train] + gap <= f.test_start).all()
        assert set(t[f.test]) <= set(later)
        covered += f.test
    assert (covered <= 1).all()  # blocks are disjoint
    assert set(t[covered == 1]) == set(later)  # and cover the later half


class _Recorder:
    """Stands in for a candidate: remembers the latest as-of day it was trained on."""

    def __init__(self, inner, seen):
        self.inner, self.seen = inner, seen

    def fit(self, X, y):
        self.seen.append(float(X["day"].max()))
        self.inner.fit(X, y)
        return self

    def predict_proba(self, X):
        return self.inner.predict_proba(X)


def test_the_backtest_never_trains_on_a_label_that_looks_into_the_test_block():
    """With a 90-day horizon, a training row dated less than 90 days before a test block has a
    label decided inside the block. A spy candidate records the latest as-of day of every
    training set: each is at least 90 days before its block starts."""
    X, y = _weekly()
    X["day"] = (X["as_of_date"] - START).dt.days.astype(float)
    seen: list[float] = []

    class Spy(ChurnRiskModel):
        def _candidate(self, name, n_rows):
            return _Recorder(super()._candidate(name, n_rows), seen)

    model = Spy(horizon_days=90, candidates=("logistic",), calibration="none").fit(X, y)
    ok = model.backtest_[model.backtest_["status"] == "ok"]
    assert len(ok) == 3
    for latest, start in zip(seen[:3], ok["test_start"], strict=True):
        assert START + pd.Timedelta(days=latest + 90) <= start
    assert seen[3] == X["day"].max()  # the final refit sees everything


def _doomed_accounts(seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """30 accounts scored weekly for 80 weeks, each churning on a random day (some after the
    data): the label is "churns within 56 days". The only signal is who the account is (a
    ``code`` attribute copying its id) and noise."""
    rng = np.random.default_rng(seed)
    doom = rng.integers(0, 80 * 7 + 200, 30)
    rows = [(f"acc{a}", d, doom[a] - d < 56) for a in range(30)
            for d in range(0, 80 * 7, 7) if d < doom[a]]
    df = pd.DataFrame(rows, columns=["account_id", "day", "y"])
    X = pd.DataFrame({"account_id": df["account_id"],
                      "as_of_date": START + pd.to_timedelta(df["day"], "D"),
                      "code": df["account_id"], "noise": rng.normal(size=len(df))})
    return X, df["y"].to_numpy()


def test_without_the_purge_a_leak_would_show():
    """Without a purge, the training rows just before a block are labelled by churns inside
    the block, and the model learns *which accounts* churn there: their test rows then score
    high. With the 56-day purge those labels are not known yet and the same model ranks the
    block no better than chance."""
    X, y = _doomed_accounts()
    leaky = ChurnRiskModel(horizon_days=0, candidates=("logistic",), C=10.0).fit(X, y)
    purged = ChurnRiskModel(horizon_days=56, candidates=("logistic",), C=10.0).fit(X, y)
    assert leaky.evaluation_["roc_auc"] > 0.7  # measured 0.75
    assert purged.evaluation_["roc_auc"] < 0.6  # measured 0.34
    assert (purged.backtest_["n_train"] < leaky.backtest_["n_train"]).all()


def test_fit_sets_the_learned_attributes():
    X, y = _weekly()
    model = ChurnRiskModel(horizon_days=28, boosting_rounds=30).fit(X, y)
    assert model.chosen_ in {"logistic", "boosting"}
    assert model.classes_.tolist() == [False, True]
    assert model.n_features_in_ == 4
    assert model.feature_names_in_.tolist() == ["account_id", "as_of_date", "usage", "plan"]
    assert model.features_ == ["usage", "plan"]  # the time and id columns are never features
    assert model.estimator_.steps[0][0] == "encode"
    bt = model.backtest_
    assert list(bt.columns) == ["candidate", "fold", "test_start", "test_end", "n_train", "n",
                                "positives", "roc_auc", "brier", "top_decile_precision",
                                "top_decile_lift", "status"]
    assert sorted(set(bt["candidate"])) == ["boosting", "logistic"]
    assert (bt["status"] == "ok").all()
    # Out-of-time predictions cover exactly the later half of the as-of dates.
    dates = sorted(X["as_of_date"].unique())
    oot = model.oot_predictions_
    assert sorted(oot["as_of_date"].unique()) == dates[len(dates) // 2:]
    assert list(oot.columns) == ["account_id", "as_of_date", "y", "probability", "fold"]
    assert len(oot) == 20 * 30
    ev = json.loads(json.dumps(model.evaluation_))  # JSON-serialisable as it is
    assert ev["n"] == 600
    assert ev["positives"] == int(oot["y"].sum())
    assert ev["base_rate"] == pytest.approx(oot["y"].mean())
    assert ev["candidate"] == model.chosen_
    assert ev["oot_start"] == str(dates[20].date())
    assert sum(b["n"] for b in ev["calibration_curve"]) == 600
    assert 0.5 < ev["roc_auc"] <= 1
    assert ev["calibration_reported"].startswith("cross-fitted")


class _Blind:
    """A candidate that ignores its inputs: every row gets the training rate (AUC 0.5)."""

    def fit(self, X, y):
        self.rate = float(np.mean(y))
        return self

    def predict_proba(self, X):
        return np.column_stack([np.full(len(X), 1 - self.rate), np.full(len(X), self.rate)])


@pytest.mark.parametrize("blind", ["logistic", "boosting"])
def test_the_better_out_of_time_ranker_is_chosen(blind):
    X, y = _weekly(seed=4)

    class OneBlind(ChurnRiskModel):
        def _candidate(self, name, n_rows):
            return _Blind() if name == blind else super()._candidate(name, n_rows)

    model = OneBlind(horizon_days=28, boosting_rounds=30).fit(X, y)
    assert model.chosen_ != blind
    blind_rows = model.backtest_[model.backtest_["candidate"] == blind]
    assert np.allclose(blind_rows["roc_auc"], 0.5)
    assert model.evaluation_["roc_auc"] > 0.6


def test_calibrated_probabilities_match_the_observed_rate():
    X, y = _weekly(weeks=60, accounts=50, seed=5)
    model = ChurnRiskModel(horizon_days=28, candidates=("boosting",), boosting_rounds=60).fit(X, y)
    oot = model.oot_predictions_
    assert oot["probability"].mean() == pytest.approx(oot["y"].mean(), abs=0.03)
    p = model.predict_proba(X)
    assert p.shape == (len(X), 2)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)


def test_shifting_the_calendar_does_not_change_the_scores():
    X, y = _weekly()
    model = ChurnRiskModel(horizon_days=28, candidates=("logistic",)).fit(X, y)
    later = X.assign(as_of_date=X["as_of_date"] + pd.Timedelta(days=365),
                     account_id="someone-else")
    np.testing.assert_allclose(model.predict_proba(later), model.predict_proba(X))


def test_arrays_are_taken_in_row_order():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 3))
    y = X[:, 0] + rng.normal(size=200) > 0
    model = ExpansionModel(candidates=("logistic",)).fit(X, y)
    assert model.evaluation_["time_split"] == "row order"
    assert model.oot_predictions_["as_of_date"].tolist() == list(range(100, 200))
    assert model.backtest_["n_train"].tolist() == [100, 134, 167]  # no purge gap for rows


def test_tiny_data_falls_back_and_says_why():
    X = pd.DataFrame({"as_of_date": pd.date_range("2024-01-01", periods=8, freq="7D"),
                      "usage": [5.0, 1.0, 6.0, 0.0, 7.0, 2.0, 8.0, 1.0]})
    y = np.array([0, 1, 0, 1, 0, 1, 0, 1], dtype=bool)
    model = ChurnRiskModel(horizon_days=7).fit(X, y)
    assert model.backtest_["status"].str.startswith("skipped").all()
    assert "training rows" in model.backtest_["status"].iloc[0]
    assert model.evaluation_["n"] == 0
    assert model.evaluation_["roc_auc"] is None
    assert model.calibrator_.method_.value == "none"
    assert model.predict(X).tolist() == y.tolist()  # the refit on all rows still learns


def test_using_a_model_before_fit_says_what_to_do():
    for model in OUTCOME_MODELS.values():
        with pytest.raises(NotFittedError, match=r"not fitted yet\. Call 'fit'"):
            model().predict_proba(np.zeros((1, 2)))
        with pytest.raises(SklearnNotFittedError):
            model().explain(np.zeros((1, 2)))


def test_bad_parameters_and_inputs_name_the_fix():
    X, y = _weekly(weeks=10)
    with pytest.raises(InputError, match="candidates"):
        ChurnRiskModel(candidates=("forest",)).fit(X, y)
    with pytest.raises(InputError, match="calibration"):
        ChurnRiskModel(calibration="platt").fit(X, y)
    with pytest.raises(InputError, match="only one class"):
        ChurnRiskModel().fit(X, np.zeros(len(X), dtype=bool))
    with pytest.raises(InputError, match="dates are not features"):
        ChurnRiskModel().fit(X.assign(churn_date=X["as_of_date"]), y)
    model = ChurnRiskModel(candidates=("logistic",), horizon_days=7).fit(X, y)
    with pytest.raises(ValueError, match="feature names"):
        model.predict(X.drop(columns=["usage"]))
    with pytest.raises(InputError, match="top must be"):
        model.explain(X, top=0)


def test_registry_and_defaults():
    expected = {"churn": ChurnRiskModel, "expansion": ExpansionModel,
                "conversion": ConversionModel, "advocacy": AdvocacyModel}
    assert expected == OUTCOME_MODELS
    for cls in OUTCOME_MODELS.values():
        assert issubclass(cls, OutcomeModel)
        with pytest.raises(TypeError):
            cls(90)  # keyword-only parameters
    assert ConversionModel().horizon_days == 30
    assert ChurnRiskModel().get_params()["candidates"] == ("logistic", "boosting")


def test_features_and_labels_drop_every_outcome_column():
    frame = pd.DataFrame({
        "account_id": ["a", "b", "c"],
        "as_of_date": pd.to_datetime(["2024-01-01"] * 3),
        "mrr": [39.0, 69.0, 19.0],
        "churned_30d": [False, True, False],
        "churned_90d": [True, True, False],
        "promoter_90d": pd.array([True, pd.NA, False], dtype="boolean"),
        "churn_date": pd.to_datetime(["2024-03-01", "2024-01-20", None]),
        "cancelled_at": pd.to_datetime([None, "2024-01-05", None]),
    })
    X, y = features_and_labels(frame, "churn", 30)
    assert list(X.columns) == ["account_id", "as_of_date", "mrr"]
    assert y.tolist() == [False, True, False]
    X, y = features_and_labels(frame, "advocacy", 90)
    assert X["account_id"].tolist() == ["a", "c"]  # no answer within 90 days: left out
    assert y.tolist() == [True, False]
    with pytest.raises(InputError, match="churned_60d"):
        features_and_labels(frame, "churn", 60)
    events = churn_events(frame)
    assert events["account_id"].tolist() == ["b", "a"]
    assert events["cancelled_at"].iloc[0] == pd.Timestamp("2024-01-05")


def test_churn_alerts_join_the_evaluation_when_churns_are_given():
    X, y = _weekly(weeks=40, accounts=30, seed=6)
    churned = X[y].drop_duplicates("account_id")
    churns = pd.DataFrame({"account_id": churned["account_id"],
                           "churn_date": churned["as_of_date"] + pd.Timedelta(days=10),
                           "cancelled_at": churned["as_of_date"] + pd.Timedelta(days=3)})
    model = ChurnRiskModel(horizon_days=28, candidates=("logistic",)).fit(X, y, churns=churns)
    alerts = model.evaluation_["alerts"]
    assert alerts["flagged_share"] <= 0.20 + 1e-9
    assert set(alerts) >= {"threshold", "recall", "flagged_30d_share", "median_lead_days",
                           "churners"}
    json.dumps(model.evaluation_)
