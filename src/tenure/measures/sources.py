"""Which tables each measure reads, and the measures a business's export leaves empty.

A measure whose source table is absent is unknown (null), not zero (``tenure.measures.compute``):
a business that exports no tickets has no ticket measures, not zero tickets. ``tenure measures``
says so in one line per missing table, naming the measures and the file that would fill them.

=============================================  =====================================
kinds                                          table
=============================================  =====================================
usage (event counts, active days and users,    ``events``
seat utilisation, breadth, recency),
milestones
tickets (open, recent, time to resolve,        ``tickets``
low ratings)
NPS score and category                         ``survey_responses``
MRR, seats, plan, tenure                       ``subscriptions`` (always loaded)
=============================================  =====================================

Ratios and changes read what their parts read. Two columns are sources of their own: measures that
count users need ``events.user_id``, and those that need a ticket's close time (open tickets, time
to resolve, low ratings, which count closed tickets) need ``tickets.closed_at``. An export whose
tickets carry no close time at all (the column is absent, or empty in every row) would otherwise
count every ticket ever opened as open; those measures are left empty instead.
"""

from __future__ import annotations

from tenure.measures.config import MeasureKind, MeasuresConfig
from tenure.warehouse import Warehouse

__all__ = ["closed_at_known", "measure_sources", "missing_sources"]

_K = MeasureKind
_TABLE = {
    **dict.fromkeys((_K.event_count, _K.active_days, _K.active_users, _K.seat_utilisation,
                     _K.feature_breadth, _K.days_since_last_activity, _K.milestones_reached),
                    "events"),
    **dict.fromkeys((_K.open_tickets, _K.recent_tickets, _K.mean_time_to_resolve,
                     _K.low_ratings), "tickets"),
    **dict.fromkeys((_K.nps_score, _K.nps_category), "survey_responses"),
}
#: Kinds that count users: they need ``events.user_id``.
_USERS = {_K.active_users, _K.seat_utilisation}
#: Kinds that read a ticket's close time: they need ``tickets.closed_at``.
_CLOSED = {_K.open_tickets, _K.mean_time_to_resolve, _K.low_ratings}


def closed_at_known(warehouse: Warehouse) -> bool:
    """True unless the warehouse holds tickets and none of them has a ``closed_at``.

    The loader fills an absent optional column with nulls, so a column that is null in every
    row of a non-empty table means the export had no close times, not that no ticket closed.
    An empty (or absent) tickets table is not a missing close time: nothing was opened.
    """
    if not warehouse.has_table("tickets"):
        return True
    tickets = warehouse.table("tickets")
    if "closed_at" not in tickets.columns:
        return tickets.count().execute() == 0
    counts = tickets.aggregate(rows=tickets.count(),
                               closed=tickets.closed_at.notnull().sum()).execute()
    rows, closed = int(counts["rows"].iloc[0]), counts["closed"].iloc[0]
    return rows == 0 or (closed is not None and int(closed) > 0)


def measure_sources(config: MeasuresConfig, name: str) -> set[str]:
    """The optional tables measure ``name`` reads (``events.user_id`` for those that count
    users), following ratios and changes to their parts."""
    m = config.measure(name)
    kind = MeasureKind(m.kind)
    if kind == _K.ratio:
        return measure_sources(config, m.numerator) | measure_sources(config, m.denominator)
    if kind == _K.change:
        return measure_sources(config, m.of)
    table = _TABLE.get(kind)
    if table is None:
        return set()
    if kind in _USERS:
        return {table, "events.user_id"}
    return {table, "tickets.closed_at"} if kind in _CLOSED else {table}


def missing_sources(warehouse: Warehouse, config: MeasuresConfig) -> dict[str, list[str]]:
    """Per source the warehouse lacks (a table, ``events.user_id`` when no event has a user, or
    ``tickets.closed_at`` when tickets exist but none has a close time), the measures of
    ``config`` it leaves empty, in the order they are declared."""
    absent = {table for table in set(_TABLE.values()) if not warehouse.has_table(table)}
    if "events" not in absent:
        events = warehouse.table("events")
        if "user_id" not in events.columns or events.user_id.notnull().sum().execute() == 0:
            absent.add("events.user_id")
    if not closed_at_known(warehouse):
        absent.add("tickets.closed_at")
    missing: dict[str, list[str]] = {}
    for name in config.names:
        for source in sorted(measure_sources(config, name) & absent):
            missing.setdefault(source, []).append(name)
    return missing
