"""Product-usage events, drawn month by month and written in bounded chunks.

For each account-month in service the engine recorded the latent intensity ``ell``, the number of
active users and the service window ``[lo, hi)``. Events are Poisson with mean
``active users x service days x base rate x event_scale x exp(ell)``; each is given a user, a day
(weekends are quieter), a business-hours time and a feature among those the account has adopted.
The first use of every adopted feature is an explicit event on its adoption day (so onboarding
milestones such as ``integration_setup`` within 30 days are visible).

Uniqueness of ``(account_id, user_id, event_name, occurred_at)`` is by construction: the
microsecond field of an event's timestamp is its sequence number within its account-month
(capped below 999,000), first-use events take 999,999 minus the feature index, and service windows
of one account never share a month with another window of the same account.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from tenure.simulate import catalog as cat
from tenure.simulate.calendar import MICROS_PER_DAY, SECONDS_PER_DAY

__all__ = ["BASE_EVENTS_PER_USER_DAY", "UsageInputs", "event_batches"]

#: Events per active user per service day at ``event_scale=1`` and ``ell=0``.
BASE_EVENTS_PER_USER_DAY = 0.25
#: Most events drawn in one batch (bounds memory whatever the size of the company).
CHUNK_EVENTS = 2_000_000
_MAX_PER_ACCOUNT_MONTH = 998_999
_FEATURE_NAMES = pa.array(cat.FEATURES, pa.string())
FEATURE_SHARE = cat.FEATURE_WEIGHTS / cat.FEATURE_WEIGHTS.sum()

_PROPERTIES: tuple[str, ...] = (
    '{"format": "csv"}',
    '{"format": "xlsx"}',
    '{"format": "pdf"}',
    '{"endpoint": "/v1/reports"}',
    '{"endpoint": "/v1/metrics"}',
    '{"endpoint": "/v1/exports"}',
    '{"template": "revenue"}',
    '{"template": "pipeline"}',
)
# For each feature: first index into _PROPERTIES and how many choices (0: no properties).
_PROPERTY_RANGE = {cat.EXPORT: (0, 3), cat.API_CALL: (3, 3), cat.CREATE_REPORT: (6, 2)}


def _properties(rng: np.random.Generator, feature: np.ndarray) -> pa.Array:
    index = np.full(len(feature), -1, dtype=np.int64)
    for f, (first, count) in _PROPERTY_RANGE.items():
        hit = feature == f
        index[hit] = first + rng.integers(0, count, int(hit.sum()))
    return pa.array(_PROPERTIES, pa.string()).take(pa.array(index, mask=index < 0))


def _seconds_of_day(rng: np.random.Generator, k: int) -> np.ndarray:
    hours = rng.normal(14.0, 3.5, k)
    return np.clip(hours * 3600, 0, SECONDS_PER_DAY - 1).astype(np.int64)


@dataclass(frozen=True)
class UsageInputs:
    """What the event generator needs from the population and the engine's history.

    Per-account arrays are indexed by account position; per-account-month arrays have shape
    ``(accounts, months)``; ``user_offset[a] + k`` is the position of user ``k`` of account ``a``
    in ``user_ids``.
    """

    account_ids: pa.Array
    user_ids: pa.Array
    user_offset: np.ndarray
    signup_day: np.ndarray
    signup_second: np.ndarray
    adopt_day: np.ndarray
    ell: np.ndarray
    users: np.ndarray
    lo: np.ndarray
    hi: np.ndarray


def event_batches(
    inputs: UsageInputs,
    *,
    seed: int,
    event_scale: float,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[pa.Table]:
    """Yield the events table in batches of at most about ``CHUNK_EVENTS`` rows.

    Each month draws from its own generator seeded by ``(seed, month)``, so the events do not
    depend on how the months are split into batches.
    """
    u = inputs
    months = u.ell.shape[1]
    for m in range(months):
        rng = np.random.default_rng([seed, 1, m])
        served = np.flatnonzero(u.hi[:, m] > u.lo[:, m])
        days = u.hi[served, m] - u.lo[served, m]
        mean = (u.users[served, m] * days * BASE_EVENTS_PER_USER_DAY * event_scale
                * np.exp(u.ell[served, m]))
        count = np.minimum(rng.poisson(mean), _MAX_PER_ACCOUNT_MONTH)
        # Split the month's accounts into batches of bounded size.
        bounds = np.arange(1, int(count.sum()) // CHUNK_EVENTS + 1) * CHUNK_EVENTS
        cut = np.unique(np.searchsorted(np.cumsum(count), bounds))
        for part in np.split(np.arange(len(served)), cut):
            if len(part):
                yield _generic_events(rng, u, served[part], count[part], m)
        yield _first_uses(rng, u, served, m)
        if progress is not None:
            progress(m + 1, months)


def _generic_events(rng: np.random.Generator, u: UsageInputs, acc: np.ndarray,
                    count: np.ndarray, m: int) -> pa.Table:
    total = int(count.sum())
    row_account = np.repeat(acc, count)
    first_row = np.repeat(np.cumsum(count) - count, count)
    seq = np.arange(total) - first_row
    user = rng.integers(0, np.maximum(u.users[row_account, m], 1))
    start = u.lo[row_account, m]
    length = u.hi[row_account, m] - start
    day = start + np.floor(rng.random(total) * length).astype(np.int64)
    # Weekends are quieter: redraw most weekend days once (1970-01-01 was a Thursday).
    weekend = ((day + 3) % 7 >= 5) & (rng.random(total) < 0.7)
    day = np.where(weekend, start + np.floor(rng.random(total) * length).astype(np.int64), day)
    second = _seconds_of_day(rng, total)
    signup_second = u.signup_second[row_account]
    after_signup = signup_second + np.floor(
        rng.random(total) * (SECONDS_PER_DAY - signup_second)).astype(np.int64)
    second = np.where(day == u.signup_day[row_account], after_signup, second)
    feature = rng.choice(len(FEATURE_SHARE), size=total, p=FEATURE_SHARE)
    # A feature not adopted yet falls back to the dashboard.
    adopted = u.adopt_day[row_account, feature] <= day
    feature = np.where(adopted, feature, cat.DASHBOARD)
    micros = day * MICROS_PER_DAY + second * 1_000_000 + seq
    return _table(rng, u, row_account, u.user_offset[row_account] + user, feature, micros)


def _first_uses(rng: np.random.Generator, u: UsageInputs, served: np.ndarray,
                m: int) -> pa.Table:
    first_day = np.floor(u.adopt_day[served])
    inside = (first_day >= u.lo[served, m][:, None]) & (first_day < u.hi[served, m][:, None])
    row, feature = np.nonzero(inside)
    acc = served[row]
    day = first_day[row, feature].astype(np.int64)
    second = _seconds_of_day(rng, len(acc))
    second = np.where(day == u.signup_day[acc], np.maximum(second, u.signup_second[acc]), second)
    micros = day * MICROS_PER_DAY + second * 1_000_000 + (999_999 - feature)
    return _table(rng, u, acc, u.user_offset[acc], feature, micros)


def _table(rng: np.random.Generator, u: UsageInputs, account: np.ndarray, user: np.ndarray,
           feature: np.ndarray, micros: np.ndarray) -> pa.Table:
    return pa.table({
        "account_id": u.account_ids.take(pa.array(account)),
        "user_id": u.user_ids.take(pa.array(user)),
        "event_name": _FEATURE_NAMES.take(pa.array(feature)),
        "occurred_at": pa.array(micros, pa.timestamp("us")),
        "properties": _properties(rng, feature),
        "event_id": pa.nulls(len(account), pa.string()),  # the simulated source has no event ids
    })
