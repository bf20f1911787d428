"""The customer's voice: support tickets, NPS answers and cancellation reasons.

Each function draws one month's worth for a set of accounts and returns plain arrays; the lifecycle
engine accumulates them. Times are microseconds since the epoch; ``-1`` marks a missing value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tenure.simulate import catalog as cat
from tenure.simulate.calendar import MICROS_PER_DAY, SECONDS_PER_DAY

__all__ = [
    "NPS_COMMENTS_FLAT",
    "PRIORITIES",
    "TicketDraw",
    "draw_cancel_reasons",
    "draw_nps",
    "draw_tickets",
]

PRIORITIES: tuple[str, ...] = ("low", "normal", "high", "urgent")
LOW, NORMAL, HIGH, URGENT = range(4)

NPS_COMMENT_LISTS = (cat.NPS_COMMENTS["promoter"], cat.NPS_COMMENTS["passive"],
                     cat.NPS_COMMENTS["detractor"])
#: NPS comments, promoter then passive then detractor ones; answers index into this.
NPS_COMMENTS_FLAT: tuple[str, ...] = tuple(c for group in NPS_COMMENT_LISTS for c in group)
_NPS_SIZES = np.array([len(group) for group in NPS_COMMENT_LISTS])
_NPS_OFFSETS = np.concatenate([[0], np.cumsum(_NPS_SIZES)[:-1]])


@dataclass
class TicketDraw:
    account: np.ndarray
    opened_us: np.ndarray
    closed_us: np.ndarray
    priority: np.ndarray
    satisfaction: np.ndarray


def _times_in(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray,
              not_before_us: np.ndarray) -> np.ndarray:
    """A business-hours time on a uniform day of ``[lo, hi)``, after ``not_before_us``."""
    day = lo + np.floor(rng.random(len(lo)) * (hi - lo)).astype(np.int64)
    second = np.clip(rng.normal(14.0, 3.0, len(lo)) * 3600, 0, SECONDS_PER_DAY - 1)
    us = day * MICROS_PER_DAY + second.astype(np.int64) * 1_000_000 + rng.integers(0, 1_000_000,
                                                                                    len(lo))
    return np.minimum(np.maximum(us, not_before_us + 60_000_000), hi * MICROS_PER_DAY - 1)


def draw_tickets(
    rng: np.random.Generator,
    *,
    account: np.ndarray,
    seats: np.ndarray,
    pain: np.ndarray,
    ell: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    month_days: int,
    created_us: np.ndarray,
    end_us: int,
) -> TicketDraw:
    """Tickets of one month for accounts in service over ``[lo, hi)`` (day numbers).

    The rate grows with seats and hidden ``pain`` and is 60% higher for low-usage accounts
    (struggling customers ask for help); urgent tickets and low satisfaction follow pain.
    """
    rate = 0.25 * seats**0.5 * pain * (1 + 0.6 * (ell < -0.5)) * (hi - lo) / month_days
    count = rng.poisson(rate)
    idx = np.repeat(np.arange(len(account)), count)
    k = len(idx)
    opened = _times_in(rng, lo[idx], hi[idx], created_us[idx])
    urgent_p = np.minimum(0.06 * pain[idx], 0.4)
    u = rng.random(k)
    priority = np.select(
        [u < urgent_p, u < urgent_p + 0.15, u < urgent_p + 0.45], [URGENT, HIGH, LOW], NORMAL
    )
    median_hours = np.array([40.0, 24.0, 10.0, 4.0])[priority]
    closed = opened + (rng.lognormal(0, 0.8, k) * median_hours * 3.6e9).astype(np.int64)
    closed = np.where(closed < end_us, closed, -1)
    raw = (4.3 - 1.0 * (priority == URGENT) - 0.4 * (priority == HIGH)
           - 0.8 * np.log(pain[idx]) + rng.normal(0, 0.8, k))
    rated = (rng.random(k) < 0.6) & (closed >= 0)
    satisfaction = np.where(rated, np.clip(np.round(raw), 1, 5), -1).astype(np.int64)
    return TicketDraw(account[idx], opened, closed, priority, satisfaction)


def draw_nps(
    rng: np.random.Generator,
    *,
    account: np.ndarray,
    users: np.ndarray,
    ell: np.ndarray,
    fit: np.ndarray,
    recent_urgent: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    created_us: np.ndarray,
) -> tuple[np.ndarray, ...]:
    """NPS answers of one month from surveyed accounts (40% respond).

    Returns ``(account, user_index, score, comment_index, answered_us)``; ``comment_index`` points
    into ``NPS_COMMENTS_FLAT`` (a comment of the score's category), ``-1`` for no comment.
    """
    respond = rng.random(len(account)) < 0.4
    a, u, e, f, r = account[respond], users[respond], ell[respond], fit[respond], recent_urgent[
        respond]
    lo, hi, created = lo[respond], hi[respond], created_us[respond]
    k = len(a)
    user = rng.integers(0, np.maximum(u, 1))
    raw = 7.6 + 1.3 * e + 0.6 * f - 0.8 * (r > 0) + rng.normal(0, 1.6, k)
    score = np.clip(np.round(raw), 0, 10).astype(np.int64)
    category = np.where(score >= 9, 0, np.where(score >= 7, 1, 2))
    comment = rng.integers(0, 1_000_000, k) % _NPS_SIZES[category] + _NPS_OFFSETS[category]
    comment = np.where(rng.random(k) < 0.6, comment, -1)
    answered = _times_in(rng, lo, hi, created)
    return a, user, score, comment, answered


def draw_cancel_reasons(
    rng: np.random.Generator,
    *,
    ell_recent: np.ndarray,
    support_trouble: np.ndarray,
    industry: np.ndarray,
    price_sensitivity: np.ndarray,
) -> np.ndarray:
    """Reason index (into ``CANCEL_REASONS``) of each cancellation; ``-1`` for 7% left blank.

    The stated reason follows the real cause: low usage -> 'not_using' (x2.5), urgent tickets or
    a low rating -> 'poor_support' (x4), retail and hospitality -> 'business_closed' (x2.5),
    hidden price sensitivity -> 'price' (x2 when above +1 sd).
    """
    k = len(ell_recent)
    w = np.tile(cat.CANCEL_REASON_WEIGHTS, (k, 1))
    w[:, cat.NOT_USING] *= np.where(ell_recent < -0.5, 2.5, 1.0)
    w[:, cat.POOR_SUPPORT] *= np.where(support_trouble, 4.0, 1.0)
    risky = np.isin(industry, [cat.INDUSTRIES.index("retail"), cat.INDUSTRIES.index("hospitality")])
    w[:, cat.BUSINESS_CLOSED] *= np.where(risky, 2.5, 1.0)
    w[:, cat.PRICE] *= np.where(price_sensitivity > 1.0, 2.0, 1.0)
    cum = np.cumsum(w / w.sum(axis=1, keepdims=True), axis=1)
    reason = np.minimum((cum < rng.random(k)[:, None]).sum(axis=1), w.shape[1] - 1)
    return np.where(rng.random(k) < 0.07, -1, reason)
