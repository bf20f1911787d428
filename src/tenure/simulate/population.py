"""Who signs up: accounts, their visible attributes and their hidden traits.

The hidden traits (``fit``, ``propensity``, ``drift``, ``team_growth``, ``pain``,
``price_sensitivity``) never appear in a canonical table; they act only through usage, support and
the sign-up form, and are written to ``_truth/account_traits.parquet`` for checking analyses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tenure.simulate import catalog as cat
from tenure.simulate.calendar import SECONDS_PER_DAY, days_in_month

__all__ = ["SIGNUP_SEASONALITY", "Population", "draw_population"]

#: Sign-up weight of each calendar month (January first): a strong January/September, a summer
#: and December lull.
SIGNUP_SEASONALITY = np.array(
    [1.25, 1.10, 1.10, 1.00, 0.95, 0.85, 0.75, 0.80, 1.15, 1.10, 1.00, 0.70]
)
#: Month-on-month growth of sign-up volume.
SIGNUP_GROWTH = 1.02

# Mean days to adopt each feature (for adopters) and the logit of ever adopting it
# (intercept, per unit of propensity, per unit of fit).
_ADOPT_MEAN_DAYS = np.array([0.0, 0.0, 3.0, 20.0, 10.0, 15.0, 30.0, 45.0])
_ADOPT_LOGIT = np.array(
    [
        [9.0, 0.0, 0.0],
        [9.0, 0.0, 0.0],
        [2.0, 0.8, 0.3],
        [0.2, 1.0, 0.3],
        [0.5, 1.0, 0.4],
        [-0.2, 1.0, 0.5],
        [0.0, 0.6, 0.3],
        [-1.2, 0.7, 0.5],
    ]
)


@dataclass
class Population:
    """Accounts of the simulated company, one array element per account (in sign-up order)."""

    account_ids: np.ndarray
    names: np.ndarray
    signup_day: np.ndarray
    signup_second: np.ndarray
    signup_month: np.ndarray
    size_band: np.ndarray
    industry: np.ndarray
    country: np.ndarray
    channel: np.ndarray
    owner: np.ndarray
    has_trial: np.ndarray
    plan0: np.ndarray
    seats0: np.ndarray
    billing0: np.ndarray
    # Sign-up form answers (-1 = left blank).
    role: np.ndarray
    team_size: np.ndarray
    use_case: np.ndarray
    # Hidden traits.
    fit: np.ndarray
    propensity: np.ndarray
    drift: np.ndarray
    team_growth: np.ndarray
    pain: np.ndarray
    price_sensitivity: np.ndarray
    #: Days from sign-up to the first use of each feature (``inf``: never), shape (n, features).
    adopt_offset: np.ndarray

    @property
    def n(self) -> int:
        return len(self.account_ids)

    @property
    def onboarded(self) -> np.ndarray:
        """Both onboarding milestones (integration set up, a user invited) within 30 days."""
        offset = self.adopt_offset
        return (offset[:, cat.INTEGRATION] <= 30) & (offset[:, cat.INVITE] <= 30)


def _choice(rng: np.random.Generator, n: int, share: np.ndarray) -> np.ndarray:
    return rng.choice(len(share), size=n, p=share / share.sum())


def _rowwise_choice(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One draw per row of a matrix of (unnormalised) probabilities."""
    cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(len(probs))[:, None]
    return np.minimum((cum < u).sum(axis=1), probs.shape[1] - 1)


def draw_population(
    rng: np.random.Generator, accounts: int, starts: np.ndarray, first_month_of_year: int
) -> Population:
    """Draw ``accounts`` accounts signing up over the months bounded by ``starts``.

    Parameters
    ----------
    rng
        The simulation's random generator.
    accounts
        Number of accounts.
    starts
        Day numbers of month starts (``months + 1`` values, see ``calendar.month_starts``).
    first_month_of_year
        Calendar month (1-12) of the first simulated month, for seasonality.
    """
    n = accounts
    months = len(starts) - 1

    # Sign-ups: growth times seasonality; days uniform in the month; ids in sign-up order.
    season = SIGNUP_SEASONALITY[(first_month_of_year - 1 + np.arange(months)) % 12]
    weight = season * SIGNUP_GROWTH ** np.arange(months)
    month = np.sort(rng.choice(months, size=n, p=weight / weight.sum()))
    length = days_in_month(starts[month])
    day = starts[month] + np.floor(rng.random(n) * length).astype(np.int64)
    order = np.argsort(day, kind="stable")
    month, day = month[order], day[order]
    second = np.clip(rng.normal(14.0, 3.0, n) * 3600, 0, SECONDS_PER_DAY - 1).astype(np.int64)

    width = max(5, len(str(n)))
    ids = np.array([f"acc_{i:0{width}d}" for i in range(1, n + 1)], dtype=object)
    first = np.array(["Acme", "Blue", "North", "Bright", "Iron", "Silver", "Nova", "Pine",
                      "Atlas", "Cedar", "Orbit", "Summit", "Harbor", "Maple", "Quartz", "Vertex"])
    second_word = np.array(["Labs", "Works", "Systems", "Analytics", "Foods", "Health", "Media",
                            "Partners", "Retail", "Logistics", "Studio", "Capital"])
    suffix = np.array(["Inc", "Ltd", "GmbH", "LLC", "SA", "Co"])
    names = np.char.add(
        np.char.add(np.char.add(first[rng.integers(0, len(first), n)], " "),
                    np.char.add(second_word[rng.integers(0, len(second_word), n)], " ")),
        suffix[rng.integers(0, len(suffix), n)],
    ).astype(object)

    size_band = _choice(rng, n, cat.SIZE_SHARE)
    industry = _choice(rng, n, cat.INDUSTRY_SHARE)
    country = _choice(rng, n, cat.COUNTRY_SHARE)
    channel = _choice(rng, n, cat.CHANNEL_SHARE)
    owner = rng.integers(0, len(cat.OWNERS), n)

    # Hidden traits: fit and engagement propensity are correlated; pain is a rate multiplier.
    fit = rng.normal(0.0, 1.0, n)
    propensity = 0.4 * fit + np.sqrt(1 - 0.4**2) * rng.normal(0.0, 1.0, n)
    drift = rng.normal(-0.02, 0.04, n)
    team_growth = rng.normal(0.0, 1.0, n)
    pain = rng.lognormal(-0.2, 0.7, n)
    price_sensitivity = rng.normal(0.0, 1.0, n)

    plan0 = _rowwise_choice(rng, cat.SIZE_PLAN_MIX[size_band])
    seats0 = np.maximum(1, np.round(cat.SIZE_MEDIAN_SEATS[size_band] * rng.lognormal(0, 0.45, n)))
    min_seats = np.array([p.min_seats for p in cat.PLANS])[plan0]
    seats0 = np.maximum(seats0, min_seats).astype(np.int64)
    billing0 = np.where(rng.random(n) < cat.SIZE_ANNUAL[size_band], 12, 1).astype(np.int64)
    sales_led = rng.random(n) < cat.SIZE_NO_TRIAL[size_band]
    channel = np.where(sales_led & (rng.random(n) < 0.7), cat.CHANNELS.index("outbound_sales"),
                       channel)
    has_trial = ~sales_led
    # Sales qualifies the deals it closes without a trial, standing in for the trial's filter.
    propensity = propensity + 0.6 * sales_led

    # Sign-up form: answers reflect hidden fit (low fit -> "just exploring", "student").
    role = _choice(rng, n, cat.SIGNUP_ROLE_SHARE)
    student = rng.random(n) < 1 / (1 + np.exp(2.8 + 0.7 * fit))
    role = np.where(student, cat.SIGNUP_ROLES.index("student"),
                    np.where(role == cat.SIGNUP_ROLES.index("student"), 0, role))
    team_size = np.clip(size_band + rng.choice([-1, 0, 0, 0, 1], n), 0,
                        len(cat.SIGNUP_TEAM_SIZES) - 1)
    exploring = rng.random(n) < 1 / (1 + np.exp(1.3 + 0.9 * fit))
    use_case = np.where(exploring, 3, rng.integers(0, 3, n))
    for answer in (role, team_size, use_case):
        answer[rng.random(n) < 0.05] = -1

    # Feature adoption: who ever adopts each feature and after how many days.
    coef = _ADOPT_LOGIT
    logit = coef[:, 0] + np.outer(propensity, coef[:, 1]) + np.outer(fit, coef[:, 2])
    logit[:, cat.API_CALL] += np.where(plan0 >= cat.BUSINESS, 1.0, 0.0)
    logit[:, cat.INVITE] += np.where(seats0 > 1, 0.0, -3.0)
    adopts = rng.random(logit.shape) < 1 / (1 + np.exp(-logit))
    speed = np.exp(-0.3 * propensity)[:, None]
    offset = rng.exponential(1.0, logit.shape) * _ADOPT_MEAN_DAYS * speed
    adopt_offset = np.where(adopts, np.floor(offset), np.inf)
    adopt_offset[:, [cat.LOGIN, cat.DASHBOARD]] = 0.0

    return Population(
        account_ids=ids, names=names, signup_day=day, signup_second=second, signup_month=month,
        size_band=size_band, industry=industry, country=country, channel=channel, owner=owner,
        has_trial=has_trial, plan0=plan0, seats0=seats0, billing0=billing0,
        role=role, team_size=team_size, use_case=use_case,
        fit=fit, propensity=propensity, drift=drift, team_growth=team_growth, pain=pain,
        price_sensitivity=price_sensitivity, adopt_offset=adopt_offset,
    )
