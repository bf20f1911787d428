"""explain(): reasons per row, by hand for the logistic candidate, exact sums for the trees."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tenure.models import ChurnRiskModel
from tenure.models.contributions import tree_path_contributions, tree_root_value


def _data(n: int = 600, seed: int = 3) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({
        "as_of_date": pd.Timestamp("2024-01-01")
        + pd.to_timedelta(np.repeat(np.arange(n // 20) * 7, 20), unit="D"),
        "account_id": [f"a{i % 20}" for i in range(n)],
        "usage": rng.normal(10, 3, n),
        "tickets": rng.normal(2, 1, n),
        "plan": rng.choice(["basic", "pro", "max"], n, p=[0.5, 0.3, 0.2]),
    })
    logit = -0.5 - 0.4 * (X["usage"] - 10) + 0.8 * (X["tickets"] - 2) + 1.0 * (X["plan"] == "max")
    y = rng.random(n) < 1 / (1 + np.exp(-logit))
    return X, y.to_numpy()


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def test_logistic_contributions_by_hand():
    """Uncalibrated logistic: p = s(b + sum_k w_k (x_k - m_k) / s_k) on the standardised design
    (usage, tickets, plan=basic, plan=pro, plan=max). Setting ``usage`` to its training median
    u0 changes the log-odds by w_u (u0 - u) / s_u; setting ``plan`` to its most common level
    (basic) changes every plan column at once. Contribution = p(row) - p(changed row)."""
    X, y = _data()
    model = ChurnRiskModel(candidates=("logistic",), calibration="none").fit(X, y)
    encode, scale, lr = (model.estimator_[name] for name in ("encode", "scale", "model"))
    assert encode.names_ == ["usage", "tickets", "plan=basic", "plan=pro", "plan=max"]
    w = lr.coef_[0] / scale.scale_
    row = X.iloc[[0]].reset_index(drop=True)
    x = np.array([row.loc[0, "usage"], row.loc[0, "tickets"],
                  *(float(row.loc[0, "plan"] == lvl) for lvl in ("basic", "pro", "max"))])
    logit = lr.intercept_[0] + w @ (x - scale.mean_)
    usage0 = float(np.median(X["usage"]))
    tickets0 = float(np.median(X["tickets"]))
    expected = {
        "usage": _sigmoid(logit) - _sigmoid(logit + w[0] * (usage0 - x[0])),
        "tickets": _sigmoid(logit) - _sigmoid(logit + w[1] * (tickets0 - x[1])),
        "plan": _sigmoid(logit) - _sigmoid(logit + w[2:] @ (np.array([1.0, 0.0, 0.0]) - x[2:])),
    }
    assert model.predict_proba(row)[0, 1] == pytest.approx(_sigmoid(logit))
    got = model.explain(row, top=3)
    positive = {k: v for k, v in expected.items() if v > 0}
    assert list(got["feature"]) == sorted(positive, key=positive.get, reverse=True)
    assert got["contribution"].tolist() == pytest.approx([positive[f] for f in got["feature"]])
    assert got["rank"].tolist() == list(range(1, len(got) + 1))
    assert (got["row"] == 0).all()
    values = dict(zip(got["feature"], got["value"], strict=True))
    if "plan" in values:
        assert values["plan"] == row.loc[0, "plan"]  # one reason for the whole one-hot family


def test_explain_ranks_the_strongest_push_first_and_keeps_only_pushes_up():
    X, y = _data()
    model = ChurnRiskModel(candidates=("logistic",)).fit(X, y)
    # A heavy user with few tickets on the basic plan: nothing pushes the risk up.
    calm = pd.DataFrame({"as_of_date": [pd.Timestamp("2025-01-01")], "account_id": ["z"],
                         "usage": [25.0], "tickets": [0.0], "plan": ["basic"]})
    assert model.explain(calm).empty
    # A light user with many tickets on max: all three push up, usage gap the largest.
    risky = calm.assign(usage=1.0, tickets=3.0, plan="max")
    reasons = model.explain(risky, top=2)
    assert reasons["feature"].tolist() == ["usage", "plan"]
    assert (reasons["contribution"].diff().dropna() <= 0).all()
    assert reasons["value"].tolist() == [1.0, "max"]


def test_tree_credits_add_up_to_the_raw_log_odds():
    """Saabas path credits: per row, root values + credits = the trees' raw log-odds."""
    X, y = _data(n=2000)
    X.loc[::7, "usage"] = np.nan  # missing values follow the learned direction
    model = ChurnRiskModel(candidates=("boosting",), boosting_rounds=30).fit(X, y)
    encode, trees = model.estimator_["encode"], model.estimator_["model"]
    Z = encode.transform(X.drop(columns=["as_of_date", "account_id"]))
    input_of = np.array([encode.inputs_.index(g) for g in encode.groups_])
    credit = tree_path_contributions(trees, Z, input_of, len(encode.inputs_))
    np.testing.assert_allclose(tree_root_value(trees) + credit.sum(axis=1),
                               trees.decision_function(Z), atol=1e-9)
    reasons = model.explain(X.head(50), top=3)
    assert set(reasons["feature"]) <= {"usage", "tickets", "plan"}
    assert (reasons["contribution"] > 0).all()
    assert reasons.groupby("row")["rank"].max().max() <= 3


def test_logistic_explanations_equal_predicting_again_with_each_input_at_its_reference():
    """The logistic candidate's shortcut (one matrix product in log-odds) gives exactly the
    contributions of setting each input to its reference and predicting again."""
    rng = np.random.default_rng(4)
    n = 400
    X = pd.DataFrame({
        "as_of_date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, n),
                                                                    unit="D"),
        "a": rng.normal(size=n), "b": rng.exponential(size=n),
        "plan": rng.choice(["x", "y", "z"], n),
    })
    y = rng.random(n) < 1 / (1 + np.exp(-(X["a"] - 1)))
    model = ChurnRiskModel(horizon_days=7, candidates=("logistic",)).fit(X, y)
    encode, rest = model.estimator_[0], model.estimator_[1:]
    Z = encode.transform(model._features(model._frame(X, reset=False)))
    reference = encode.transform(encode.reference())[0]
    groups = np.asarray(encode.groups_, dtype=object)
    inputs = list(encode.inputs_)

    def calibrated(z: np.ndarray) -> np.ndarray:
        return model.calibrator_.predict(rest.predict_proba(z)[:, 1])

    # The oracle: each input at its reference in turn, everything else as it is.
    expected = np.zeros((len(Z), len(inputs)))
    for j, name in enumerate(inputs):
        at_reference = Z.copy()
        cols = np.flatnonzero(groups == name)
        at_reference[:, cols] = reference[cols]
        expected[:, j] = calibrated(Z) - calibrated(at_reference)
    explained = model.explain(X, top=len(inputs))
    got = expected[explained["row"], [inputs.index(f) for f in explained["feature"]]]
    np.testing.assert_allclose(explained["contribution"], got, atol=1e-12)
    # Every positive contribution is a reason, and no other.
    assert len(explained) == int((expected > 0).sum())


@pytest.mark.parametrize("candidate", ["logistic", "boosting"])
def test_excluded_inputs_are_never_reasons_and_the_rest_keep_their_order(candidate):
    rng = np.random.default_rng(5)
    n = 600
    X = pd.DataFrame({
        "as_of_date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, n),
                                                                    unit="D"),
        "a": rng.normal(size=n), "b": rng.normal(size=n), "c": rng.normal(size=n),
    })
    y = rng.random(n) < 1 / (1 + np.exp(-(X["a"] + X["b"] - 1)))
    model = ChurnRiskModel(horizon_days=7, candidates=(candidate,)).fit(X, y)
    every = model.explain(X, top=3)
    without_a = model.explain(X, top=3, exclude=["a"])
    assert "a" not in set(without_a["feature"])
    # Dropping "a" from the full ranking gives the ranking without it.
    expected = every[every["feature"] != "a"].copy()
    expected["rank"] = expected.groupby("row").cumcount() + 1
    merged = without_a.merge(expected, on=["row", "rank"], suffixes=("", "_all"))
    assert (merged["feature"] == merged["feature_all"]).all()
    np.testing.assert_allclose(merged["contribution"], merged["contribution_all"])


@pytest.mark.parametrize("candidate", ["logistic", "boosting"])
def test_predict_and_explain_is_predict_proba_and_explain_in_one_pass(candidate):
    rng = np.random.default_rng(6)
    n = 500
    X = pd.DataFrame({
        "as_of_date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, n),
                                                                    unit="D"),
        "a": rng.normal(size=n), "b": rng.normal(size=n),
        "plan": rng.choice(["x", "y"], n),
    })
    y = rng.random(n) < 1 / (1 + np.exp(-(X["a"] - 1)))
    model = ChurnRiskModel(horizon_days=7, candidates=(candidate,)).fit(X, y)
    probability, explained = model.predict_and_explain(X, top=2, exclude=["plan"])
    np.testing.assert_allclose(probability, model.predict_proba(X)[:, 1], atol=1e-12)
    pd.testing.assert_frame_equal(explained, model.explain(X, top=2, exclude=["plan"]))
