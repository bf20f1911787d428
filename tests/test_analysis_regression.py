"""ChurnRegression: planted drivers are found, correlated measures grouped, contract respected."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from tenure.analysis.regression import ChurnRegression, correlated_groups
from tenure.errors import InputError, NotFittedError

#: Planted log-odds: -1.5 - 0.7 * log2(1 + active days) + 0.5 * urgent tickets (+ plan effect).
ACTIVE_DAYS_PER_DOUBLING = -0.7
URGENT_PER_TICKET = 0.5


def _training_set(n: int = 5000, seed: int = 4) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    active_days = rng.gamma(1.2, 6.0, n).round()
    frame = pd.DataFrame({
        "active_days_28d": active_days,
        # Logins follow active days closely: |rho| > 0.8, so they are grouped with it.
        "logins_28d": (active_days * 3 + rng.poisson(2, n)).astype(float),
        "urgent_tickets_90d": rng.poisson(0.8, n).astype(float),
        "nps_score": rng.normal(7, 2, n).round(),
        "noise_a": rng.normal(0, 1, n),
        "noise_b": rng.lognormal(0, 1, n),
        "plan": rng.choice(["basic", "pro", "enterprise"], n, p=[0.5, 0.3, 0.2]),
    })
    logit = (
        -1.0 + ACTIVE_DAYS_PER_DOUBLING * np.log2(1 + active_days)
        + URGENT_PER_TICKET * frame["urgent_tickets_90d"]
        - 0.8 * (frame["plan"] == "enterprise")
    )
    y = rng.random(n) < 1 / (1 + np.exp(-logit))
    return frame, y


@pytest.fixture(scope="module")
def fitted() -> ChurnRegression:
    X, y = _training_set()
    return ChurnRegression(C=10.0, n_bootstrap=60, outcome_label="30-day churn").fit(X, y)


def test_planted_drivers_are_significant_in_the_right_direction(fitted: ChurnRegression):
    effects = fitted.effects_.set_index("feature")
    active = effects.loc["active_days_28d"]
    assert active["kind"] == "log2"
    # Per halving, odds rise by exp(0.7) = 2.01: the estimate and its interval cover it.
    assert active["odds_ratio"] == pytest.approx(np.exp(0.7), rel=0.15)
    assert active["ci_low"] < np.exp(0.7) < active["ci_high"]
    assert active["significant"]
    assert active["sentence"].startswith(
        "each halving of active_days_28d raises 30-day churn odds"
    )
    urgent = effects.loc["urgent_tickets_90d"]
    assert urgent["kind"] == "count"
    assert urgent["odds_ratio"] == pytest.approx(np.exp(0.5), rel=0.15)
    assert urgent["significant"]
    assert urgent["sentence"].startswith("each extra urgent_tickets_90d raises")
    enterprise = effects.loc["plan=enterprise"]
    assert enterprise["kind"] == "level"
    assert enterprise["odds_ratio"] < 1
    assert "plan enterprise (vs basic) lowers" in enterprise["sentence"]


def test_drivers_rank_above_noise(fitted: ChurnRegression):
    effects = fitted.effects_.set_index("feature")
    noise_ranks = effects.loc[["noise_a", "noise_b", "nps_score"], "rank"]
    assert effects.loc["active_days_28d", "rank"] < noise_ranks.min()
    assert effects.loc["urgent_tickets_90d", "rank"] < noise_ranks.min()
    assert effects.loc[["noise_a", "noise_b"], "p_value"].min() > 0.01


def test_correlated_measures_are_grouped_under_the_more_relevant_one(fitted: ChurnRegression):
    groups = fitted.groups_.set_index("member")
    assert groups.loc["logins_28d", "representative"] == "active_days_28d"
    assert groups.loc["logins_28d", "rho"] > 0.8
    assert "logins_28d" not in fitted.features_
    assert fitted.effects_.set_index("feature").loc["active_days_28d", "group"] == "logins_28d"


def test_correlated_groups_chain_by_single_linkage():
    x = np.arange(20.0)
    frame = pd.DataFrame({"a": x, "b": x + np.tile([0, 5], 10), "c": -x,
                          "d": np.tile([1.0, 0.0, 3.0, 2.0], 5)})
    groups = correlated_groups(frame, threshold=0.8).set_index("member")
    assert groups["representative"].tolist() == ["a", "a", "a", "d"]
    assert groups.loc["c", "rho"] == pytest.approx(-1.0)


def test_estimator_contract():
    model = ChurnRegression(C=0.5, n_bootstrap=0)
    assert model.get_params()["C"] == 0.5
    assert clone(model).get_params() == model.get_params()
    with pytest.raises(TypeError):
        ChurnRegression(0.5)  # type: ignore[misc]  # parameters are keyword-only
    with pytest.raises(NotFittedError, match=r"not fitted yet\. Call 'fit'"):
        model.predict_proba(pd.DataFrame({"x": [1.0]}))
    X, y = _training_set(n=400)
    assert model.fit(X, y) is model
    assert not hasattr(ChurnRegression(), "coef_")
    proba = model.predict_proba(X)
    assert proba.shape == (400, 2)
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert model.predict(X).dtype == bool
    # Missing measure values are filled with the training median, not refused.
    X_missing = X.copy()
    X_missing.loc[0, "nps_score"] = np.nan
    assert np.isfinite(model.decision_function(X_missing)).all()


def test_numpy_input_and_a_constant_column():
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.normal(size=300), np.ones(300)])
    y = rng.random(300) < 1 / (1 + np.exp(-2 * X[:, 0]))
    model = ChurnRegression(n_bootstrap=0).fit(X, y)
    assert model.features_ == ["x0"]
    assert model.dropped_ == ["x1"]


def test_errors_name_the_fix():
    X, y = _training_set(n=100)
    with pytest.raises(InputError, match="only one class"):
        ChurnRegression(n_bootstrap=0).fit(X, np.zeros(100, dtype=bool))
    with pytest.raises(InputError, match="measure_scale names unknown measure"):
        ChurnRegression(measure_scale={"nope": "log2"}).fit(X, y)
    model = ChurnRegression(n_bootstrap=0).fit(X, y)
    with pytest.raises(InputError, match="urgent_tickets_90d"):
        model.predict(X.drop(columns=["urgent_tickets_90d"]))


@parametrize_with_checks([ChurnRegression(n_bootstrap=3)])
def test_scikit_learn_estimator_conformance(estimator, check):
    """scikit-learn's own conformance suite: cloning, fitting twice, unfitted errors, NaN, ..."""
    check(estimator)
