"""The monthly engine: every account's trial, purchase, changes, cancellation and return.

One loop step per month moves the whole population with numpy: latent usage evolves, new sign-ups
start trials, paying accounts may start to disengage, expand or contract (hazards in ``drivers``),
disengaged ones ask to cancel or recover, churned ones may come back, and support tickets and NPS
answers are drawn. The engine records the usage state (intensity, active users, service window)
of every account-month for ``usage`` to turn into events.

Churn has a run-up: the churn hazard draws the day an account's intent to leave begins; from then
its usage falls (``drivers.disengagement_lapse``) until, 45-120 days later, it asks to cancel, or
recovers (``drivers.RECOVERY_SHARE``), in which case its usage is back to its own level
from the next month.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from tenure.simulate import catalog as cat
from tenure.simulate import drivers as drv
from tenure.simulate.calendar import MICROS_PER_DAY, add_months, next_anniversary
from tenure.simulate.lines import NO_DATE, LineStore
from tenure.simulate.population import Population
from tenure.simulate.support import URGENT, draw_cancel_reasons, draw_nps, draw_tickets

__all__ = ["History", "run_lifecycle"]

PENDING, LOST_TRIAL, PAYING, CHURNED = range(4)
#: A day number beyond any simulated date: "not yet" / "still running".
FAR = np.int64(2**40)
DAYS_PER_MONTH = 30.44

REFUND_SHARE = 0.04
QUICK_LEAVER_SHARE = 0.04
SHOCK_MONTHLY = 0.025
SHOCK_SIZE = -0.9


@dataclass
class History:
    """Everything the engine produced, as arrays (times in day numbers or microseconds)."""

    lines: LineStore
    ell: np.ndarray
    users: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    max_seats: np.ndarray
    shock_month: np.ndarray
    trials: dict[str, np.ndarray] = field(default_factory=dict)
    cancellations: dict[str, np.ndarray] = field(default_factory=dict)
    tickets: dict[str, np.ndarray] = field(default_factory=dict)
    nps: dict[str, np.ndarray] = field(default_factory=dict)


class _Collector:
    """Accumulates arrays month by month and concatenates them once."""

    def __init__(self, *names: str) -> None:
        self.parts: dict[str, list[np.ndarray]] = {name: [] for name in names}

    def add(self, **arrays: np.ndarray) -> None:
        for name, values in arrays.items():
            self.parts[name].append(np.asarray(values))

    def result(self) -> dict[str, np.ndarray]:
        return {
            name: np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
            for name, parts in self.parts.items()
        }


def _uniform_day(rng: np.random.Generator, k: int, lo: int, hi: int) -> np.ndarray:
    return lo + np.floor(rng.random(k) * (hi - lo)).astype(np.int64)


def _month_start_of(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype("datetime64[M]").astype("datetime64[D]").astype(
        np.int64)


class _Engine:
    def __init__(self, pop: Population, starts: np.ndarray, rng: np.random.Generator) -> None:
        n, months = pop.n, len(starts) - 1
        self.pop, self.starts, self.rng = pop, starts, rng
        self.months, self.sim_end = months, int(starts[-1])
        self.lines = LineStore(capacity=4 * n + 16)
        self.status = np.zeros(n, dtype=np.int64)
        self.plan = pop.plan0.copy()
        self.seats = pop.seats0.copy()
        self.billing = pop.billing0.copy()
        self.line = np.full(n, -1)
        self.addon = np.full(n, -1)
        self.line_start = np.full(n, FAR)
        self.term_end = np.full(n, FAR)
        self.svc_start = np.full(n, FAR)
        self.svc_end = np.full(n, FAR)
        self.cancel_day = np.full(n, NO_DATE)
        # The disengagement phase: intent to leave, the planned request, recover or not, and the
        # cause (usage and support trouble when the intent began) that the stated reason follows.
        self.intent_day = np.full(n, FAR)
        self.request_day = np.full(n, FAR)
        self.recovers = np.zeros(n, dtype=bool)
        self.cause_ell = np.zeros(n)
        self.cause_trouble = np.zeros(n, dtype=bool)
        self.paid_start = np.full(n, FAR)
        self.paid_month = np.full(n, -1)
        self.can_return = np.ones(n, dtype=bool)
        self.mu = 0.7 * pop.propensity + 0.3 * pop.fit
        self.x = rng.normal(0.0, 0.4, n)
        self.shock = np.zeros(n)
        self.shock_month = np.full(n, -1)
        self.created_us = (pop.signup_day * 86_400 + pop.signup_second) * 1_000_000
        self.adopt_day = pop.signup_day[:, None] + pop.adopt_offset
        self.onboarded = pop.onboarded
        self.ell = np.zeros((n, months))
        self.users = np.zeros((n, months), dtype=np.int64)
        self.lo = np.zeros((n, months), dtype=np.int64)
        self.hi = np.zeros((n, months), dtype=np.int64)
        self.urgent = np.zeros((n, months), dtype=np.int64)
        self.low_sat = np.zeros((n, months), dtype=np.int64)
        self.max_seats = self.seats.copy()
        self.trials = _Collector("account", "started", "ends", "converted")
        self.cancels = _Collector("account", "day", "reason")
        self.tickets = _Collector("account", "opened_us", "closed_us", "priority", "satisfaction")
        self.nps = _Collector("account", "user", "score", "comment", "answered_us")

    # -- one month -------------------------------------------------------------------------------
    def step(self, m: int) -> None:
        ms, me = int(self.starts[m]), int(self.starts[m + 1])
        self._evolve_usage(m, ms, me)
        self._sign_up(m)
        if m > 0:
            self._decide(m, ms, me)
        self._reactivate(m, ms, me)
        self._observe(m, ms, me)

    def _lapse(self, acc: np.ndarray | slice, ms: int, me: int) -> np.ndarray:
        """Disengagement lapse of ``acc`` at the middle of the month; frozen at the request."""
        centre = 0.5 * (ms + me)
        intent = self.intent_day[acc]
        months = (np.minimum(centre, self.request_day[acc]) - intent) / DAYS_PER_MONTH
        return np.where(intent < FAR, drv.disengagement_lapse(months), 0.0)

    def _evolve_usage(self, m: int, ms: int, me: int) -> None:
        pop, rng, n = self.pop, self.rng, self.pop.n
        self.x = 0.75 * self.x + rng.normal(0.0, 0.3, n)
        hit = (self.status != PENDING) & (self.shock_month < 0) & (rng.random(n) < SHOCK_MONTHLY)
        self.shock[hit] += SHOCK_SIZE
        self.shock_month[hit] = m
        tenure = np.maximum(ms - pop.signup_day, 0) / DAYS_PER_MONTH
        notice = (self.cancel_day != NO_DATE) & (self.svc_end > ms)
        since = (ms - self.cancel_day) / DAYS_PER_MONTH + 0.5
        penalty = np.where(notice, -0.5 * np.minimum(since, 3.0), 0.0)
        self.ell[:, m] = (self.mu + pop.drift * tenure + self.x + self.shock + penalty
                          + self._lapse(slice(None), ms, me))

    def _sign_up(self, m: int) -> None:
        pop, rng = self.pop, self.rng
        new = np.flatnonzero(pop.signup_month == m)
        if not len(new):
            return
        t = pop.signup_day[new]
        trial = pop.has_trial[new]
        p = drv.logistic(drv.conversion_logit(
            ell=self.ell[new, m],
            integration_in_trial=pop.adopt_offset[new, cat.INTEGRATION] < 14,
            invite_in_trial=pop.adopt_offset[new, cat.INVITE] < 14,
            role=pop.role[new], team_size=pop.team_size[new], use_case=pop.use_case[new],
            channel=pop.channel[new],
        ))
        converted_day = np.where(rng.random(len(new)) < 0.3, t + rng.integers(2, 14, len(new)),
                                 t + 14)
        converts = (rng.random(len(new)) < p) & (converted_day < self.sim_end)

        tr = new[trial]
        trial_end = np.where(converts[trial], converted_day[trial], t[trial] + 14)
        ids = self.lines.open(tr, self.plan[tr], self.seats[tr], np.ones(len(tr), np.int64),
                              t[trial], trial=True)
        self.lines.close(ids, trial_end)
        self.trials.add(account=tr, started=t[trial], ends=t[trial] + 14,
                        converted=np.where(converts[trial], converted_day[trial], NO_DATE))

        self.svc_start[new] = t
        lost = new[trial & ~converts]
        self.status[lost] = LOST_TRIAL
        self.svc_end[lost] = t[trial & ~converts] + 14
        paying = trial & converts | ~trial
        buyers = new[paying]
        start = np.where(trial, converted_day, t)[paying]
        self._open_main(buyers, start, m)
        self._early_exits(buyers, start, m)

    def _open_main(self, acc: np.ndarray, start: np.ndarray, m: int) -> None:
        self.line[acc] = self.lines.open(acc, self.plan[acc], self.seats[acc], self.billing[acc],
                                         start)
        self.status[acc] = PAYING
        self.line_start[acc] = start
        self.paid_start[acc] = start
        self.paid_month[acc] = m
        self.term_end[acc] = np.where(self.billing[acc] == 12, add_months(start, 12), FAR)
        self.svc_end[acc] = FAR
        self.cancel_day[acc] = NO_DATE
        self.intent_day[acc] = FAR
        self.request_day[acc] = FAR

    def _early_exits(self, acc: np.ndarray, start: np.ndarray, m: int) -> None:
        """Refunds (cancelled within 14 days) and quick leavers (gone within about a month)."""
        rng, k = self.rng, len(acc)
        u = rng.random(k)
        refund = u < REFUND_SHARE
        quick = (u >= REFUND_SHARE) & (u < REFUND_SHARE + QUICK_LEAVER_SHARE)
        quick &= self.billing[acc] == 1
        day = np.where(refund, start + rng.integers(1, 15, k), start + rng.integers(15, 30, k))
        # Quick leavers who bought early in a month are gone before it ends (join-leave).
        next_month = add_months(_month_start_of(start), 1)
        early = (start - _month_start_of(start)) <= 12
        day = np.where(quick & early, np.minimum(day, next_month), day)
        leave = (refund | quick) & (day < self.sim_end)
        self._cancel(acc[leave], day[leave], day[leave], self.ell[acc[leave], m])

    def _cancel(self, acc: np.ndarray, day: np.ndarray, end: np.ndarray,
                ell_recent: np.ndarray, support_trouble: np.ndarray | None = None) -> None:
        """Record cancellation requests on ``day``; service runs to ``end``.

        The stated reason follows ``ell_recent`` and ``support_trouble`` (an urgent ticket or a
        low rating the month before; by default the month before the request).
        """
        self.lines.close(self.line[acc], end, day)
        has_addon = self.addon[acc] >= 0
        self.lines.close(self.addon[acc][has_addon], end[has_addon], day[has_addon])
        self.addon[acc] = -1
        self.status[acc] = CHURNED
        self.svc_end[acc] = end
        self.cancel_day[acc] = day
        if support_trouble is None:
            m = np.searchsorted(self.starts, day, side="right") - 1
            support_trouble = self._trouble(acc, np.maximum(m - 1, 0))
        reason = draw_cancel_reasons(
            self.rng, ell_recent=ell_recent, support_trouble=support_trouble,
            industry=self.pop.industry[acc], price_sensitivity=self.pop.price_sensitivity[acc],
        )
        self.can_return[acc] = reason != cat.BUSINESS_CLOSED
        self.cancels.add(account=acc, day=day, reason=reason)

    def _trouble(self, acc: np.ndarray, m: np.ndarray | int) -> np.ndarray:
        """An urgent ticket or a low rating in month ``m``."""
        return (self.urgent[acc, m] + self.low_sat[acc, m]) > 0

    def _decide(self, m: int, ms: int, me: int) -> None:
        pop, rng = self.pop, self.rng
        acc = np.flatnonzero((self.status == PAYING) & (self.line_start < ms))
        if not len(acc):
            return
        k = len(acc)
        ell_recent = 0.5 * (self.ell[acc, m - 1] + self.ell[acc, m])
        util = self.users[acc, m - 1] / self.seats[acc]
        breadth = (self.adopt_day[acc] <= ms).sum(axis=1)
        window = slice(max(m - 3, 0), m)
        h = drv.logistic(drv.churn_logit(
            ell_recent=ell_recent, util=util, breadth=breadth, onboarded=self.onboarded[acc],
            urgent_90d=self.urgent[acc, window].sum(axis=1),
            low_satisfaction_90d=self.low_sat[acc, window].sum(axis=1) > 0,
            industry=pop.industry[acc], channel=pop.channel[acc], plan=self.plan[acc],
            paid_months=(ms - self.paid_start[acc]) / DAYS_PER_MONTH,
        ))
        annual = self.billing[acc] == 12
        # Annual terms renew silently; a cancelled annual line runs on to the end of its term.
        passed = annual & (self.term_end[acc] <= ms)
        self.term_end[acc[passed]] = add_months(self.term_end[acc[passed]], 12)
        term_end = self.term_end[acc]
        renewal = annual & (term_end >= me) & (term_end < add_months(np.array([me]), 1)[0])
        day = _uniform_day(rng, k, ms, me)

        # The hazard starts the disengagement of accounts not already disengaging.
        intent = (self.intent_day[acc] == FAR) & (rng.random(k) < h)
        delay = _uniform_day(rng, k, *drv.DISENGAGEMENT_DELAY_DAYS)
        recovers = rng.random(k) < drv.RECOVERY_SHARE
        new = acc[intent]
        self.intent_day[new] = day[intent]
        self.request_day[new] = day[intent] + delay[intent]
        self.recovers[new] = recovers[intent]
        self.cause_ell[new] = ell_recent[intent]
        self.cause_trouble[new] = self._trouble(new, m - 1)
        # This month's usage (drawn before the decision) already falls from the intent day.
        self.ell[new, m] += self._lapse(new, ms, me)

        # Disengaged accounts whose delay is over ask to cancel, or recover and stay.
        due = (self.intent_day[acc] < FAR) & (self.request_day[acc] < me)
        back = due & self.recovers[acc]
        churn = due & ~self.recovers[acc]
        well = acc[back]
        # Re-engaged: from next month usage is back to the account's own level.
        self.intent_day[well] = FAR
        self.request_day[well] = FAR
        day = np.where(churn, np.maximum(self.request_day[acc], ms), day)
        # A term ending this month before the request has already renewed for another year.
        term_end = np.where(day < term_end, term_end, add_months(term_end, 12))
        end = np.where(annual, term_end, next_anniversary(self.line_start[acc], day, 1))
        gone = acc[churn]
        self._cancel(gone, day[churn], end[churn], self.cause_ell[gone], self.cause_trouble[gone])

        # Changes among those who stay (disengaging or not): at most one per account and month.
        stay = ~churn
        plan, seats = self.plan[acc], self.seats[acc]
        may_shrink = ~annual | renewal
        min_seats = np.array([p.min_seats for p in cat.PLANS])
        api = self.adopt_day[acc, cat.API_CALL] <= ms
        p = np.stack([
            drv.logistic(drv.seat_up_logit(util, pop.team_growth[acc])),
            drv.logistic(drv.upgrade_logit(breadth, ell_recent)) * (plan < cat.ENTERPRISE),
            drv.logistic(drv.downgrade_logit(ell_recent, pop.price_sensitivity[acc]))
            * (plan > cat.STARTER) * may_shrink,
            drv.logistic(drv.seat_down_logit(util)) * (seats > min_seats[plan]) * may_shrink,
            drv.logistic(drv.addon_logit(api, ell_recent)) * (plan >= cat.BUSINESS)
            * (self.addon[acc] < 0),
        ], axis=1)
        action = (np.cumsum(p, axis=1) < rng.random(k)[:, None]).sum(axis=1)
        action = np.where(stay, action, 5)
        grow = np.maximum(1, np.round(seats * rng.uniform(0.1, 0.5, k))).astype(np.int64)
        new_seats = np.select([action == 0, action == 3], [
            seats + grow,
            np.maximum(np.maximum(min_seats[plan], self.users[acc, m - 1]),
                       np.floor(seats * rng.uniform(0.6, 0.9, k))).astype(np.int64),
        ], seats)
        new_plan = np.select([action == 1, action == 2], [plan + 1, plan - 1], plan)
        new_seats = np.maximum(new_seats, min_seats[np.minimum(new_plan, cat.ENTERPRISE)])
        change = ((action <= 2) | ((action == 3) & (new_seats < seats)))
        self._change_line(acc[change], new_plan[change], new_seats[change], day[change])
        drop_addon = (action == 2) & (new_plan < cat.BUSINESS) & (self.addon[acc] >= 0)
        gone = acc[drop_addon]
        self.lines.close(self.addon[gone], day[drop_addon])
        self.addon[gone] = -1
        buy = acc[action == 4]
        self.addon[buy] = self.lines.open(buy, np.full(len(buy), cat.ADDON_INDEX),
                                          np.ones(len(buy), np.int64), np.ones(len(buy), np.int64),
                                          day[action == 4])

    def _change_line(self, acc: np.ndarray, plan: np.ndarray, seats: np.ndarray,
                     day: np.ndarray) -> None:
        """Close the current line and open its replacement the same day."""
        self.lines.close(self.line[acc], day)
        self.plan[acc], self.seats[acc] = plan, seats
        self.line[acc] = self.lines.open(acc, plan, seats, self.billing[acc], day)
        self.line_start[acc] = day
        annual = self.billing[acc] == 12
        self.term_end[acc] = np.where(annual, add_months(day, 12), FAR)

    def _reactivate(self, m: int, ms: int, me: int) -> None:
        pop, rng = self.pop, self.rng
        gap_over = (self.status == CHURNED) & self.can_return & (self.svc_end + 45 <= ms)
        acc = np.flatnonzero(gap_over)
        back = acc[rng.random(len(acc)) < drv.logistic(drv.reactivation_logit(pop.fit[acc]))]
        if not len(back):
            return
        k = len(back)
        day = _uniform_day(rng, k, ms, me)
        self.plan[back] = np.where(rng.random(k) < 0.25, np.maximum(self.plan[back] - 1, 0),
                                   self.plan[back])
        min_seats = np.array([p.min_seats for p in cat.PLANS])[self.plan[back]]
        shrink = np.round(self.seats[back] * rng.uniform(0.6, 1.0, k)).astype(np.int64)
        self.seats[back] = np.maximum(shrink, np.maximum(min_seats, 1))
        self.billing[back] = 1
        self._open_main(back, day, m)
        self.svc_start[back] = day
        self.x[back] += 0.6
        self.shock[back] *= 0.5

    def _observe(self, m: int, ms: int, me: int) -> None:
        pop, rng = self.pop, self.rng
        lo = np.maximum(self.svc_start, ms)
        hi = np.minimum(np.minimum(self.svc_end, me), self.sim_end)
        served = hi > lo
        self.lo[:, m] = np.where(served, lo, 0)
        self.hi[:, m] = np.where(served, hi, 0)
        tenure_years = np.maximum(ms - pop.signup_day, 0) / 365.25
        p_active = drv.logistic(drv.active_logit(self.ell[:, m], pop.team_growth, tenure_years))
        self.users[:, m] = np.where(served, rng.binomial(self.seats, p_active), 0)
        self.max_seats = np.maximum(self.max_seats, self.seats)

        acc = np.flatnonzero(served)
        draw = draw_tickets(
            rng, account=acc, seats=self.seats[acc], pain=pop.pain[acc], ell=self.ell[acc, m],
            lo=lo[acc], hi=hi[acc], month_days=me - ms, created_us=self.created_us[acc],
            end_us=self.sim_end * MICROS_PER_DAY,
        )
        self.tickets.add(account=draw.account, opened_us=draw.opened_us, closed_us=draw.closed_us,
                         priority=draw.priority, satisfaction=draw.satisfaction)
        n = pop.n
        self.urgent[:, m] = np.bincount(draw.account[draw.priority == URGENT], minlength=n)
        low = (draw.satisfaction >= 1) & (draw.satisfaction <= 2)
        self.low_sat[:, m] = np.bincount(draw.account[low], minlength=n)

        surveyed = np.flatnonzero(served & (self.status == PAYING) & (self.paid_month >= 0)
                                  & (m > self.paid_month) & ((m - self.paid_month) % 6 == 3))
        window = slice(max(m - 3, 0), m + 1)
        a, user, score, comment, answered = draw_nps(
            rng, account=surveyed, users=self.users[surveyed, m], ell=self.ell[surveyed, m],
            fit=pop.fit[surveyed], recent_urgent=self.urgent[surveyed, window].sum(axis=1),
            lo=lo[surveyed], hi=hi[surveyed], created_us=self.created_us[surveyed],
        )
        self.nps.add(account=a, user=user, score=score, comment=comment, answered_us=answered)

    def history(self) -> History:
        return History(
            lines=self.lines, ell=self.ell, users=self.users, lo=self.lo, hi=self.hi,
            max_seats=self.max_seats, shock_month=self.shock_month,
            trials=self.trials.result(), cancellations=self.cancels.result(),
            tickets=self.tickets.result(), nps=self.nps.result(),
        )


def run_lifecycle(pop: Population, starts: np.ndarray, rng: np.random.Generator,
                  progress: Callable[[int, int], None] | None = None) -> History:
    """Run the monthly engine over the months bounded by ``starts``; return its history.

    ``progress``, when given, is called as ``progress(months_done, months_total)``.
    """
    engine = _Engine(pop, starts, rng)
    for m in range(engine.months):
        engine.step(m)
        if progress is not None:
            progress(m + 1, engine.months)
    return engine.history()
