"""The planted drivers: every hazard of the simulated company, as a logit of observed quantities.

Hidden traits never enter these formulas directly (except where noted); they act through what a
later analysis can observe in the canonical tables: usage intensity (events per active user-day),
seat utilisation (active users / seats), feature breadth, onboarding milestones, support pain and
segment attributes. ``docs/simulator.md`` lists every coefficient below; keep the two in step.

Symbols
-------
``ell``
    Log of the account's events per active user-day relative to the base rate (the latent usage
    intensity; events are Poisson with mean ``active users x days x base rate x exp(ell)``).
``util``
    Seat utilisation of the previous month: distinct active users / seats, in [0, 1].
``breadth``
    Number of the 8 features the account has used at least once.

Churn runs in two steps. ``churn_logit`` is the monthly hazard of the *intent to leave*: from that
day the account disengages (its usage intensity falls by ``disengagement_lapse``), and after a
drawn delay (``DISENGAGEMENT_DELAY_DAYS``) it asks to cancel, or, for a share
``RECOVERY_SHARE``, recovers and stays. The cancellation request itself is not a hazard.
"""

from __future__ import annotations

import numpy as np

from tenure.simulate import catalog as cat

__all__ = [
    "active_logit",
    "addon_logit",
    "churn_logit",
    "conversion_logit",
    "disengagement_lapse",
    "downgrade_logit",
    "logistic",
    "reactivation_logit",
    "seat_down_logit",
    "seat_up_logit",
    "upgrade_logit",
]


def logistic(x: np.ndarray) -> np.ndarray:
    """The logistic function ``1 / (1 + exp(-x))``."""
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float)))


def _lookup(table: dict[str, float], names: tuple[str, ...], index: np.ndarray) -> np.ndarray:
    values = np.array([table.get(name, 0.0) for name in names])
    return np.where(index >= 0, values[np.maximum(index, 0)], 0.0)


#: Segment effects on the monthly churn logit; every other industry and channel has none.
INDUSTRY_CHURN = {"retail": 0.6, "hospitality": 0.8}
CHANNEL_CHURN = {"paid_social": 0.9}
#: Plan effect on the churn logit (starter, team, business, enterprise).
PLAN_CHURN = np.array([0.3, 0.0, -0.2, -0.5])
#: Intercept of the churn (intent) logit, set so that cancellation requests stay at about 3-4% of
#: paying customers a month although some disengaged accounts recover (it was -3.5 when the
#: hazard drew the request itself).
CHURN_INTERCEPT = -3.0

#: Days from the intent to leave to the cancellation request: uniform on [low, high).
DISENGAGEMENT_DELAY_DAYS = (45, 121)
#: Share of disengaging accounts that recover instead of asking to cancel.
RECOVERY_SHARE = 0.25
#: Fall of the usage intensity ``ell`` per month of disengagement, and its floor.
LAPSE_PER_MONTH = 0.5
LAPSE_FLOOR = -1.5


def disengagement_lapse(months: np.ndarray) -> np.ndarray:
    """Change of the usage intensity ``ell`` after ``months`` of disengagement (<= 0).

    Usage falls linearly from the intent to leave, ``-LAPSE_PER_MONTH`` per month, down to
    ``LAPSE_FLOOR``. Through the active-user logit (``1.1 ell``) seats go unused as well.
    """
    months = np.clip(np.asarray(months, dtype=float), 0.0, None)
    return np.maximum(-LAPSE_PER_MONTH * months, LAPSE_FLOOR)


def churn_logit(
    *,
    ell_recent: np.ndarray,
    util: np.ndarray,
    breadth: np.ndarray,
    onboarded: np.ndarray,
    urgent_90d: np.ndarray,
    low_satisfaction_90d: np.ndarray,
    industry: np.ndarray,
    channel: np.ndarray,
    plan: np.ndarray,
    paid_months: np.ndarray,
) -> np.ndarray:
    """Monthly logit of a paying account starting to disengage (its intent to leave).

    ``ell_recent`` is the mean usage intensity of this month and the previous one, so low usage
    causes the intent; the disengagement that follows (``disengagement_lapse``) lowers usage
    further before the cancellation request. Annual accounts face the same monthly hazard, but
    their service runs on to the end of the paid term.
    """
    return (
        CHURN_INTERCEPT
        - 0.9 * ell_recent
        - 1.5 * (np.clip(util, 0, 1) - 0.6)
        - 0.15 * (breadth - 5)
        - 0.5 * onboarded
        + 0.5 * np.minimum(urgent_90d, 3)
        + 0.9 * low_satisfaction_90d
        + _lookup(INDUSTRY_CHURN, cat.INDUSTRIES, industry)
        + _lookup(CHANNEL_CHURN, cat.CHANNELS, channel)
        + PLAN_CHURN[plan]
        + 0.3 * (paid_months < 3)
    )


def active_logit(ell: np.ndarray, team_growth: np.ndarray, tenure_years: np.ndarray) -> np.ndarray:
    """Logit of the chance that a seat's user is active in a month (drives seat utilisation).

    Hidden ``team_growth`` acts here: growing teams use more of their seats over time.
    """
    return 0.4 + 1.1 * ell + 0.6 * team_growth * tenure_years


def seat_up_logit(util: np.ndarray, team_growth: np.ndarray) -> np.ndarray:
    """Monthly logit of adding seats: rises steeply with seat utilisation."""
    return -4.4 + 5.0 * (np.clip(util, 0, 1) - 0.65) + 0.3 * team_growth


def upgrade_logit(breadth: np.ndarray, ell_recent: np.ndarray) -> np.ndarray:
    """Monthly logit of moving one plan up: broad feature use and heavy usage."""
    return -5.2 + 0.35 * (breadth - 5) + 0.8 * ell_recent


def downgrade_logit(ell_recent: np.ndarray, price_sensitivity: np.ndarray) -> np.ndarray:
    """Monthly logit of moving one plan down (monthly lines, or annual lines at renewal).

    Hidden ``price_sensitivity`` acts directly; it also raises the share of 'price' reasons.
    """
    return -4.8 - 0.9 * ell_recent + 0.6 * price_sensitivity


def seat_down_logit(util: np.ndarray) -> np.ndarray:
    """Monthly logit of removing seats: low seat utilisation."""
    return -4.2 - 4.0 * (np.clip(util, 0, 1) - 0.5)


def addon_logit(api_adopted: np.ndarray, ell_recent: np.ndarray) -> np.ndarray:
    """Monthly logit of buying the analytics add-on (business and enterprise plans only)."""
    return -4.2 + 1.2 * api_adopted + 0.6 * ell_recent


#: Direct effects of sign-up form answers on the trial conversion logit.
ROLE_CONVERSION = {"founder": 0.3, "engineering": 0.2, "operations": 0.1, "sales": -0.1,
                   "student": -1.6}
TEAM_SIZE_CONVERSION = {"1": -0.5, "6-20": 0.2, "21-100": 0.4, "100+": 0.3}
USE_CASE_CONVERSION = {"reporting": 0.2, "collaboration": 0.3, "automation": 0.2,
                       "just_exploring": -0.9}
CHANNEL_CONVERSION = {"partner": 0.4}


def conversion_logit(
    *,
    ell: np.ndarray,
    integration_in_trial: np.ndarray,
    invite_in_trial: np.ndarray,
    role: np.ndarray,
    team_size: np.ndarray,
    use_case: np.ndarray,
    channel: np.ndarray,
) -> np.ndarray:
    """Logit of a 14-day trial converting to a paid line."""
    return (
        -0.4
        + 1.3 * ell
        + 0.7 * integration_in_trial
        + 0.4 * invite_in_trial
        + _lookup(ROLE_CONVERSION, cat.SIGNUP_ROLES, role)
        + _lookup(TEAM_SIZE_CONVERSION, cat.SIGNUP_TEAM_SIZES, team_size)
        + _lookup(USE_CASE_CONVERSION, cat.SIGNUP_USE_CASES, use_case)
        + _lookup(CHANNEL_CONVERSION, cat.CHANNELS, channel)
    )


def reactivation_logit(fit: np.ndarray) -> np.ndarray:
    """Monthly logit of a churned account coming back (at least 45 days after service ended).

    Hidden ``fit`` acts directly: good-fit customers who left come back more often.
    """
    return -4.3 + 0.6 * fit
