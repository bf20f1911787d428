"""The shifted-beta-geometric (sBG) model of contractual retention (Fader and Hardie, 2007).

Each customer renews at the end of every period with their own probability ``1 - theta``;
``theta`` varies across customers as Beta(``alpha``, ``beta``). The cohort's retention rate
therefore *rises* with tenure (the customers likely to leave leave first), which a flat churn
rate cannot show and which is why projecting a flat rate underestimates a cohort's future.

With ``T`` the period in which a customer churns (T = 1 in the first period):

* ``P(T = 1) = alpha / (alpha + beta)``,
  ``P(T = t) = P(T = t - 1) (beta + t - 2) / (alpha + beta + t - 1)``;
* survival ``S(t) = P(T > t) = B(alpha, beta + t) / B(alpha, beta)``;
* retention rate ``r(t) = S(t) / S(t - 1) = (beta + t - 1) / (alpha + beta + t - 1)``.

The parameters are fitted by maximum likelihood on a cohort's customers still active at the end
of each observed period: those lost in period ``t`` contribute ``log P(T = t)``, those still
active at the end of the last observed period ``n`` contribute ``log S(n)``.

For a customer who has renewed ``n`` times, the *discounted expected residual lifetime*
(Fader and Hardie, 2010, "Customer-base valuation in a contractual setting: the perils of
ignoring heterogeneity", Marketing Science 29(1), eq. 6) is

``DERL(d, n) = (beta + n) / (alpha + beta + n)
* 2F1(1, beta + n + 1; alpha + beta + n + 1; 1 / (1 + d))``

periods (counting the coming renewal), with ``d`` the discount rate per period. Undiscounted
(``d = 0``) it is finite only when ``alpha > 1``: with ``alpha <= 1`` enough customers almost
never leave that the mean lifetime is infinite, so a horizon or a discount rate is needed.

Sources: P. S. Fader and B. G. S. Hardie (2007), "How to project customer retention", Journal of
Interactive Marketing 21(1), 76-90; their 2010 paper above for DERL.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from scipy import optimize, special

from tenure.errors import InputError
from tenure.fitted import check_fitted

__all__ = ["ShiftedBetaGeometric"]

#: Largest log parameter searched (alpha, beta up to about 1.2 million).
_LOG_CAP = 14.0


def _churn_probabilities(alpha: float, beta: float, periods: int) -> np.ndarray:
    """``P(T = t)`` for ``t = 1 .. periods``."""
    t = np.arange(1, periods + 1, dtype=float)
    # log P(T = t) = log B(alpha + 1, beta + t - 1) - log B(alpha, beta): stable for any t.
    return np.exp(special.betaln(alpha + 1, beta + t - 1) - special.betaln(alpha, beta))


def _survival(alpha: float, beta: float, t: np.ndarray) -> np.ndarray:
    return np.exp(special.betaln(alpha, beta + t) - special.betaln(alpha, beta))


def _log_covariance(negative_ll_per_customer: Callable[[np.ndarray], float], x: np.ndarray,
                    size: float) -> np.ndarray:
    """Inverse of the observed information at ``x`` (central finite differences)."""
    h = 1e-4
    hessian = np.empty((2, 2))
    for i in range(2):
        for j in range(2):
            e_i, e_j = np.eye(2)[i] * h, np.eye(2)[j] * h
            hessian[i, j] = (negative_ll_per_customer(x + e_i + e_j)
                             - negative_ll_per_customer(x + e_i - e_j)
                             - negative_ll_per_customer(x - e_i + e_j)
                             + negative_ll_per_customer(x - e_i - e_j)) / (4 * h * h)
    hessian *= size
    try:
        covariance = np.linalg.inv(hessian)
    except np.linalg.LinAlgError:
        return np.full((2, 2), np.nan)
    if not np.all(np.isfinite(covariance)) or np.any(np.diag(covariance) <= 0):
        return np.full((2, 2), np.nan)
    return covariance


class ShiftedBetaGeometric:
    """sBG retention model of one cohort (see the module docstring).

    The estimator follows scikit-learn's conventions where they fit: parameters in ``__init__``,
    ``fit`` returns ``self``, learned attributes end in ``_``.

    Parameters
    ----------
    start
        Starting values of ``(alpha, beta)`` for the optimiser.

    Attributes
    ----------
    alpha_, beta_ : float
        Maximum-likelihood estimates.
    log_likelihood_ : float
        Log-likelihood at the estimates.
    periods_ : int
        Periods the fit observed.
    customers_ : float
        Customers the fit rests on.
    log_covariance_ : numpy.ndarray
        Asymptotic covariance of ``(log alpha_, log beta_)`` (the inverse of the observed
        information); NaN when the likelihood is flat at the optimum.

    Examples
    --------
    The "high end" cohort of Fader and Hardie (2007), customers still active of 1,000 in
    years 0-7:

    >>> sbg = ShiftedBetaGeometric().fit([1000, 869, 743, 653, 593, 551, 517, 491])
    >>> round(sbg.alpha_, 3), round(sbg.beta_, 3)
    (0.668, 3.806)
    >>> [round(float(s), 3) for s in sbg.survival([8, 12])]
    [0.46, 0.378]
    """

    def __init__(self, *, start: tuple[float, float] = (1.0, 1.0)) -> None:
        self.start = start

    def fit(self, alive: Sequence[float] | np.ndarray) -> ShiftedBetaGeometric:
        """Fit on ``alive[t]``, the customers of the cohort still active at the end of period
        ``t`` (``alive[0]`` is the cohort's size at the start).

        Raises
        ------
        InputError
            When fewer than two periods are given, a count rises, or no customer ever leaves
            (nothing to fit: retention would be 100%).
        """
        counts = np.asarray(alive, dtype=float)
        if counts.ndim != 1 or len(counts) < 2:
            raise InputError("the sBG model needs the cohort's size and at least one later count "
                             f"of active customers (got {len(np.atleast_1d(counts))} value(s)).")
        if np.any(np.isnan(counts)) or np.any(counts < 0):
            raise InputError("active-customer counts must be non-negative numbers.")
        if np.any(np.diff(counts) > 0):
            period = int(np.argmax(np.diff(counts) > 0)) + 1
            raise InputError(f"active customers rise in period {period} ({counts[period - 1]:g} "
                             f"to {counts[period]:g}); a cohort only shrinks. Count each cohort "
                             "separately: new customers form a new cohort.")
        lost = -np.diff(counts)
        n = len(lost)
        # Those lost in period t churned after t - 1 renewals; the last count renewed n times.
        renewals = np.concatenate([np.arange(n), [n]]).astype(float)
        weights = np.concatenate([lost, [counts[-1]]])
        churned = np.concatenate([np.ones(n, dtype=bool), [False]])
        return self.fit_lifetimes(renewals, churned, weights=weights)

    def fit_lifetimes(self, renewals: Sequence[float] | np.ndarray,
                      churned: Sequence[bool] | np.ndarray, *,
                      weights: Sequence[float] | np.ndarray | None = None
                      ) -> ShiftedBetaGeometric:
        """Fit on individual lifetimes, from any number of cohorts observed for any length.

        Parameters
        ----------
        renewals
            Periods each customer completed after their first (0: left in, or is in, the first
            period).
        churned
            Whether the customer left at the end of that spell (``T = renewals + 1``) or is still
            a customer (censored: ``T > renewals``).
        weights
            Customers each row stands for (default one).

        Raises
        ------
        InputError
            When no customer left (nothing to estimate churn from) or the inputs do not match.

        Examples
        --------
        A cohort of 100 with 70 left after one period and 50 after two, as lifetimes: 30 left
        in the first period, 20 in the second, 50 are still customers after two renewals:

        >>> lifetimes = ShiftedBetaGeometric().fit_lifetimes(
        ...     [0, 1, 2], [True, True, False], weights=[30, 20, 50])
        >>> counts = ShiftedBetaGeometric().fit([100, 70, 50])
        >>> round(lifetimes.alpha_, 3) == round(counts.alpha_, 3)
        True
        """
        r = np.asarray(renewals, dtype=float)
        dead = np.asarray(churned, dtype=bool)
        w = np.ones(len(r)) if weights is None else np.asarray(weights, dtype=float)
        if not (len(r) == len(dead) == len(w)):
            raise InputError(f"renewals, churned and weights differ in length ({len(r)}, "
                             f"{len(dead)}, {len(w)}).")
        if len(r) and (np.any(r < 0) or np.any(r != np.round(r))):
            raise InputError("renewals must be whole numbers of periods, zero or more.")
        if np.any(w < 0) or np.any(np.isnan(w)):
            raise InputError("weights must be non-negative numbers.")
        if w[dead].sum() == 0:
            raise InputError("no customer left in the periods given; the sBG model cannot "
                             "estimate churn from that (retention is 100% so far).")
        # Collapse to counts per (renewals, churned): the likelihood is a sum over distinct
        # durations, whatever the number of customers.
        top = int(r.max()) + 1
        lost = np.bincount(r[dead].astype(int), weights=w[dead], minlength=top)
        alive = np.bincount(r[~dead].astype(int), weights=w[~dead], minlength=top)
        periods = np.arange(top, dtype=float)
        size = float(w.sum())

        def negative_ll(log_params: np.ndarray) -> float:
            # Capped at about a million: beyond it the customers are as good as alike (no
            # heterogeneity), and the beta functions of larger values lose precision.
            a, b = np.exp(np.clip(log_params, -_LOG_CAP, _LOG_CAP))
            with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
                ll = (np.sum(lost * np.log(_churn_probabilities(a, b, top)))
                      + np.sum(alive * np.log(_survival(a, b, periods))))
            return -ll / size if np.isfinite(ll) else np.inf

        # Searched on log scales (both parameters are positive), on the log-likelihood per
        # customer so the tolerances mean the same for a cohort of 100 or of a million.
        result = optimize.minimize(negative_ll, np.log(np.asarray(self.start, dtype=float)),
                                   method="Nelder-Mead",
                                   options={"xatol": 1e-9, "fatol": 1e-13, "maxiter": 5_000})
        if not result.success:
            raise InputError(f"the sBG fit did not converge ({result.message}); the counts may "
                             "not look like one cohort's retention.")
        self.alpha_, self.beta_ = (float(v) for v in np.exp(np.clip(result.x, -_LOG_CAP,
                                                                    _LOG_CAP)))
        self.log_likelihood_ = float(-result.fun * size)
        self.periods_ = top
        self.customers_ = size
        self.log_covariance_ = _log_covariance(negative_ll, result.x, size)
        return self

    def survival(self, periods: Sequence[float] | np.ndarray) -> np.ndarray:
        """Share of the cohort still active at the end of each of ``periods`` (``S(t)``)."""
        check_fitted(self, "alpha_")
        return _survival(self.alpha_, self.beta_, np.asarray(periods, dtype=float))

    def retention_rate(self, periods: Sequence[float] | np.ndarray) -> np.ndarray:
        """Share of those active at the start of period ``t`` who renew through it (``r(t)``)."""
        check_fitted(self, "alpha_")
        t = np.asarray(periods, dtype=float)
        return (self.beta_ + t - 1) / (self.alpha_ + self.beta_ + t - 1)

    def project(self, size: float, periods: int) -> np.ndarray:
        """Expected active customers of a cohort of ``size`` at the end of periods 0 to
        ``periods``."""
        return size * self.survival(np.arange(periods + 1))

    def residual_lifetime(self, renewals: Sequence[float] | np.ndarray | float, *,
                          discount: float) -> np.ndarray:
        """Discounted expected residual lifetime, in periods, of a customer who has renewed
        ``renewals`` times (DERL, Fader and Hardie 2010; see the module docstring).

        ``discount`` is the discount rate per period (e.g. 0.10 a year). With ``discount = 0``
        the lifetime is finite only when ``alpha_ > 1``; otherwise an error says to discount.
        """
        check_fitted(self, "alpha_")
        n = np.asarray(renewals, dtype=float)
        if discount < 0:
            raise InputError(f"discount must be zero or more (got {discount}).")
        if discount == 0:
            if self.alpha_ <= 1:
                raise InputError(
                    f"with alpha = {self.alpha_:.3f} <= 1 the expected lifetime is infinite: "
                    "some customers almost never leave. Pass a discount rate (e.g. 0.1 per "
                    "year) or project over a fixed horizon with survival().")
            # E[T - n | T > n] for the beta-geometric: (alpha + beta + n - 1) / (alpha - 1).
            return (self.alpha_ + self.beta_ + n - 1) / (self.alpha_ - 1)
        a, b = self.alpha_, self.beta_
        return (b + n) / (a + b + n) * special.hyp2f1(1.0, b + n + 1, a + b + n + 1,
                                                      1.0 / (1.0 + discount))

    def __repr__(self) -> str:
        if hasattr(self, "alpha_"):
            return f"ShiftedBetaGeometric(alpha_={self.alpha_:.3f}, beta_={self.beta_:.3f})"
        return "ShiftedBetaGeometric()"
