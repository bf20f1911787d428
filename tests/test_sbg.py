"""The shifted-beta-geometric retention model against Fader and Hardie (2007).

Reference: P. S. Fader and B. G. S. Hardie (2007), "How to project customer retention", Journal of
Interactive Marketing 21(1): maximum likelihood on years 1-7 gives alpha = 0.704, beta = 1.182
(regular customers) and alpha = 0.668, beta = 3.806 (high end), and projects the high-end cohort
at about 0.460, 0.436, 0.414, 0.395, 0.378 of its size in years 8-12.
"""

from __future__ import annotations

import doctest
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tenure.analysis import sbg as sbg_module
from tenure.analysis.sbg import ShiftedBetaGeometric
from tenure.errors import InputError
from tenure.fitted import ModelNotFittedError

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "fader_hardie"
SURVIVAL = DATA / "fader_hardie_2007_survival.csv"

PUBLISHED = {"regular_alive": (0.704, 1.182), "highend_alive": (0.668, 3.806)}
HIGH_END_YEARS_8_TO_12 = [0.460, 0.436, 0.414, 0.395, 0.378]


@pytest.fixture(scope="module")
def cohorts() -> pd.DataFrame:
    if not SURVIVAL.exists():
        pytest.skip(f"reference data absent: {SURVIVAL} (the shared data folder beside the "
                    "project holds Fader and Hardie's two cohorts)")
    return pd.read_csv(SURVIVAL)


@pytest.mark.parametrize("cohort", sorted(PUBLISHED))
def test_parameters_match_the_paper_within_one_percent(cohorts, cohort):
    alive = cohorts.loc[cohorts["year"] <= 7, cohort].to_numpy()
    model = ShiftedBetaGeometric().fit(alive)
    alpha, beta = PUBLISHED[cohort]
    assert model.alpha_ == pytest.approx(alpha, rel=0.01)
    assert model.beta_ == pytest.approx(beta, rel=0.01)


def test_projection_of_years_8_to_12_matches_the_paper_and_the_data(cohorts):
    train = cohorts.loc[cohorts["year"] <= 7, "highend_alive"].to_numpy()
    model = ShiftedBetaGeometric().fit(train)
    projected = model.survival(np.arange(8, 13))
    np.testing.assert_allclose(projected, HIGH_END_YEARS_8_TO_12, rtol=0.01)
    # ... and the paper's point: the projection tracks what actually happened.
    actual = cohorts.loc[cohorts["year"] >= 8, "highend_alive"].to_numpy() / 1000
    np.testing.assert_allclose(projected, actual, rtol=0.05)


def test_retention_rises_with_tenure_unlike_a_flat_churn_rate(cohorts):
    model = ShiftedBetaGeometric().fit(cohorts.loc[cohorts["year"] <= 7, "regular_alive"])
    rates = model.retention_rate(np.arange(1, 13))
    assert np.all(np.diff(rates) > 0)
    # A flat rate from year 1 (63.1%) would leave 4 of 1,000 by year 12; 173 were left.
    assert model.project(1000, 12)[-1] == pytest.approx(173, rel=0.1)
    assert 1000 * 0.631**12 < 5


def test_discounted_residual_lifetime_is_the_discounted_sum_of_survival():
    model = ShiftedBetaGeometric().fit([1000, 869, 743, 653, 593, 551, 517, 491])
    d = 0.1
    for renewals in (0, 3, 10):
        t = np.arange(renewals + 1, 4000)
        survival_from_here = model.survival(t) / model.survival([renewals])[0]
        brute = float((survival_from_here / (1 + d) ** (t - renewals - 1)).sum())
        assert model.residual_lifetime(renewals, discount=d) == pytest.approx(brute, rel=1e-9)
    # Customers who stayed longer are expected to stay longer still.
    lifetimes = model.residual_lifetime(np.arange(0, 10), discount=d)
    assert np.all(np.diff(lifetimes) > 0)


def test_an_undiscounted_lifetime_with_alpha_at_most_one_is_refused_with_the_fix():
    model = ShiftedBetaGeometric().fit([1000, 869, 743, 653, 593, 551, 517, 491])
    with pytest.raises(InputError, match="discount rate"):
        model.residual_lifetime(2, discount=0.0)


def test_an_undiscounted_lifetime_is_the_beta_geometric_mean_when_alpha_exceeds_one():
    # Homogeneous-ish cohort: alpha well above one, so the mean lifetime is finite.
    alive = np.round(1000 * 0.8 ** np.arange(0, 12)).astype(float)
    model = ShiftedBetaGeometric().fit(alive)
    assert model.alpha_ > 1
    t = np.arange(1, 20_000)
    brute = float(model.survival(t).sum())  # E[T - 0 | T > 0] counting period 1 = sum S(t) + 1
    assert model.residual_lifetime(0, discount=0.0) == pytest.approx(brute + 1, rel=1e-6)


@pytest.mark.parametrize(("alive", "message"), [
    ([1000], "at least one later count"),
    ([1000, 900, 950], "rise in period 2"),
    ([1000, 1000, 1000], "no customer left"),
    ([1000, -1], "non-negative"),
])
def test_counts_that_are_not_one_cohort_are_refused_with_the_reason(alive, message):
    with pytest.raises(InputError, match=message):
        ShiftedBetaGeometric().fit(alive)


def test_use_before_fit_is_refused():
    with pytest.raises(ModelNotFittedError):
        ShiftedBetaGeometric().survival([1])


@settings(max_examples=40, deadline=None)
@given(alpha=st.floats(0.3, 5), beta=st.floats(0.3, 8))
def test_the_fit_recovers_the_parameters_of_its_own_expected_counts(alpha, beta):
    # Fed the model's own expected counts over many periods, the likelihood peaks at the truth.
    truth = ShiftedBetaGeometric()
    truth.alpha_, truth.beta_ = alpha, beta
    alive = truth.project(1e6, 40)
    fitted = ShiftedBetaGeometric().fit(alive)
    assert fitted.alpha_ == pytest.approx(alpha, rel=0.02)
    assert fitted.beta_ == pytest.approx(beta, rel=0.02)


def test_docstring_examples():
    assert doctest.testmod(sbg_module).failed == 0


def test_lifetimes_from_staggered_cohorts_recover_the_parameters():
    # 24 monthly cohorts of 2,000 customers each drawn from a known sBG, each observed only up
    # to the same calendar date: the oldest for 24 periods, the newest for one.
    rng = np.random.default_rng(3)
    alpha, beta = 0.9, 4.0
    renewals, churned = [], []
    for cohort in range(24):
        observed = 24 - cohort
        theta = rng.beta(alpha, beta, 2000)
        lifetime = rng.geometric(theta)  # T: the period in which each customer leaves
        churned.append(lifetime <= observed)
        renewals.append(np.where(lifetime <= observed, lifetime - 1, observed))
    model = ShiftedBetaGeometric().fit_lifetimes(np.concatenate(renewals),
                                                 np.concatenate(churned))
    se = np.sqrt(np.diag(model.log_covariance_))
    # Within three standard errors of the truth, on the log scale the errors are measured in.
    assert abs(np.log(model.alpha_) - np.log(alpha)) < 3 * se[0]
    assert abs(np.log(model.beta_) - np.log(beta)) < 3 * se[1]
    assert se[0] < 0.2
