"""Support and sentiment measures: tickets and NPS answers known before each as-of date.

Every function takes a cutoffs table from :func:`window_cutoffs` (``as_of_date``, ``cutoff_ts``
and, for windows, ``since_ts``, all at midnight UTC) and returns ``(account_id, as_of_date,
value)`` (or ``text_value``) for the accounts with something to report.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import ibis
import ibis.expr.types as ir

__all__ = [
    "low_ratings",
    "mean_time_to_resolve",
    "nps_category",
    "nps_latest",
    "open_tickets",
    "recent_tickets",
    "window_cutoffs",
]


def window_cutoffs(as_of_dates: list[date], shift: int, window_days: int | None) -> ir.Table:
    """``as_of_date``, ``cutoff_ts`` (as-of minus shift) and ``since_ts`` (minus the window).

    ``since_ts`` is null when there is no window (all history before the cutoff counts).
    """
    cutoffs = [datetime.combine(d - timedelta(days=shift), time()) for d in as_of_dates]
    since = [None if window_days is None else c - timedelta(days=window_days) for c in cutoffs]
    return ibis.memtable(
        {"as_of_date": as_of_dates, "cutoff_ts": cutoffs, "since_ts": since},
        schema={"as_of_date": "date", "cutoff_ts": "timestamp", "since_ts": "timestamp"},
    )


def _tickets(tickets: ir.Table, priorities: list[str] | None) -> ir.Table:
    t = tickets.select(
        account_id=tickets.account_id.cast("string"),
        opened_at=tickets.opened_at.cast("timestamp"),
        closed_at=(
            tickets.closed_at if "closed_at" in tickets.columns else ibis.null()
        ).cast("timestamp"),
        priority=(
            tickets.priority if "priority" in tickets.columns else ibis.null()
        ).cast("string"),
        satisfaction=(
            tickets.satisfaction if "satisfaction" in tickets.columns else ibis.null()
        ).cast("int64"),
    )
    return t if priorities is None else t.filter(t.priority.isin(priorities))


def _count(rows: ir.Table) -> ir.Table:
    return rows.group_by("account_id", "as_of_date").agg(value=ibis._.count().cast("float64"))


def open_tickets(tickets: ir.Table, cutoffs: ir.Table, priorities: list[str] | None) -> ir.Table:
    """Tickets opened before the cutoff and not closed before it."""
    t = _tickets(tickets, priorities)
    open_then = t.join(
        cutoffs,
        [
            t.opened_at < cutoffs.cutoff_ts,
            t.closed_at.isnull() | (t.closed_at >= cutoffs.cutoff_ts),
        ],
    )
    return _count(open_then)


def recent_tickets(
    tickets: ir.Table, cutoffs: ir.Table, priorities: list[str] | None
) -> ir.Table:
    """Tickets opened in ``[cutoff - window, cutoff)``."""
    t = _tickets(tickets, priorities)
    opened = t.join(
        cutoffs, [t.opened_at >= cutoffs.since_ts, t.opened_at < cutoffs.cutoff_ts]
    )
    return _count(opened)


def mean_time_to_resolve(
    tickets: ir.Table, cutoffs: ir.Table, priorities: list[str] | None
) -> ir.Table:
    """Mean hours from opening to closing of tickets closed in the window before the cutoff."""
    t = _tickets(tickets, priorities)
    t = t.filter(t.closed_at.notnull())
    closed = t.join(
        cutoffs,
        [
            t.closed_at < cutoffs.cutoff_ts,
            cutoffs.since_ts.isnull() | (t.closed_at >= cutoffs.since_ts),
        ],
    )
    hours = (closed.closed_at.epoch_seconds() - closed.opened_at.epoch_seconds()) / 3600.0
    return closed.group_by("account_id", "as_of_date").agg(value=hours.mean().cast("float64"))


def low_ratings(
    tickets: ir.Table, cutoffs: ir.Table, priorities: list[str] | None, max_rating: int
) -> ir.Table:
    """Tickets closed in ``[cutoff - window, cutoff)`` rated at most ``max_rating`` (1-5 scale).

    A rating is taken as known from the ticket's closing time, so a ticket still open at the
    cutoff never counts, whatever its later rating; unrated tickets never count.
    """
    t = _tickets(tickets, priorities)
    t = t.filter(t.closed_at.notnull(), t.satisfaction.notnull(), t.satisfaction <= max_rating)
    closed = t.join(
        cutoffs, [t.closed_at >= cutoffs.since_ts, t.closed_at < cutoffs.cutoff_ts]
    )
    return _count(closed)


def nps_latest(responses: ir.Table, cutoffs: ir.Table) -> ir.Table:
    """The score of the latest answer before the cutoff (within the window, if any).

    Each answer is the latest from its own time until the account's next answer; the next
    answer's time only bounds that span, so an answer after the cutoff changes nothing.
    Answers at the same instant are ordered by ``response_id``.
    """
    r = responses.select(
        account_id=responses.account_id.cast("string"),
        response_id=responses.response_id.cast("string"),
        score=responses.score.cast("int64"),
        answered_at=responses.answered_at.cast("timestamp"),
    )
    r = r.mutate(
        next_at=r.answered_at.lead().over(
            ibis.window(group_by="account_id", order_by=["answered_at", "response_id"])
        )
    )
    latest = r.join(
        cutoffs,
        [
            r.answered_at < cutoffs.cutoff_ts,
            r.next_at.isnull() | (r.next_at >= cutoffs.cutoff_ts),
            cutoffs.since_ts.isnull() | (r.answered_at >= cutoffs.since_ts),
        ],
    )
    return latest.select("account_id", "as_of_date", value=latest.score.cast("float64"))


def nps_category(responses: ir.Table, cutoffs: ir.Table) -> ir.Table:
    """``promoter`` (9-10), ``passive`` (7-8) or ``detractor`` (0-6) of the latest answer."""
    latest = nps_latest(responses, cutoffs)
    label = (
        ibis.cases(
            (latest.value >= 9, "promoter"),
            (latest.value >= 7, "passive"),
            else_="detractor",
        )
    )
    return latest.select("account_id", "as_of_date", text_value=label)
