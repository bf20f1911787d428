"""Onboarding milestones: did the account reach every listed event soon enough after sign-up?

The start is the account's sign-up, ``accounts.created_at``: onboarding is about the first days of
use, which for a trial-led business begin before any paid line. An event is "within
``within_days``" when its UTC calendar day is at most ``within_days`` days after the sign-up day
(sign-up on 1 March and within 30 days: up to and including 31 March), the rule the demo
simulator plants (``docs/simulator.md``, ``onboarded_within_30d``).

Point in time: an event counts at an as-of date only if it occurred before that date's midnight,
so an account still inside its first ``within_days`` days is 0 until it reaches every milestone.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

__all__ = ["milestones_reached"]


def milestones_reached(
    events: ir.Table,
    accounts: ir.Table,
    population: ir.Table,
    cutoffs: ir.Table,
    milestones: list[str],
    within_days: int,
) -> ir.Table:
    """1.0 when every milestone occurred within ``within_days`` of sign-up and before the cutoff.

    Parameters
    ----------
    events, accounts
        The canonical ``events`` and ``accounts`` tables.
    population
        ``(account_id, as_of_date)`` pairs to report on.
    cutoffs
        ``as_of_date`` and ``cutoff_ts`` (see :func:`tenure.measures.support.window_cutoffs`).

    Returns
    -------
    ibis.Table
        ``(account_id, as_of_date, value)`` for every pair whose account has a sign-up time:
        1.0 or 0.0. Accounts without ``created_at`` are left out (their value is unknown).
    """
    wanted = sorted(set(milestones))
    # Step 1: each account's sign-up day and the first midnight past its deadline.
    signed = accounts.select(
        account_id=accounts.account_id.cast("string"),
        deadline_ts=(
            accounts.created_at.cast("timestamp").date() + ibis.interval(days=within_days + 1)
        ).cast("timestamp"),
    ).filter(ibis._.deadline_ts.notnull())
    # Step 2: the first time each milestone occurred, if it did by the deadline.
    e = events.select(
        account_id=events.account_id.cast("string"),
        event_name=events.event_name.cast("string"),
        occurred_at=events.occurred_at.cast("timestamp"),
    )
    e = e.filter(e.event_name.isin(wanted))
    in_time = e.join(signed, "account_id").filter(ibis._.occurred_at < ibis._.deadline_ts)
    first = in_time.group_by("account_id", "event_name").agg(first_at=ibis._.occurred_at.min())
    # Step 3: milestones known at each cutoff (the first occurrence is before it).
    known = first.join(cutoffs, first.first_at < cutoffs.cutoff_ts)
    reached = known.group_by("account_id", "as_of_date").agg(
        reached=known.event_name.nunique()
    )
    # Step 4: every measured account with a sign-up time, 1.0 when all milestones are known.
    pop = population.select("account_id", "as_of_date").join(signed, "account_id")
    joined = pop.left_join(
        reached,
        [pop.account_id == reached.account_id, pop.as_of_date == reached.as_of_date],
    )
    done = joined.reached.fill_null(0) == len(wanted)
    return joined.select(
        pop.account_id, pop.as_of_date, value=done.ifelse(1.0, 0.0).cast("float64")
    )
