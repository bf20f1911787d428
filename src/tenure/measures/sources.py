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

Ratios and changes read what their parts read.
"""

from __future__ import annotations

from tenure.measures.config import MeasureKind, MeasuresConfig
from tenure.warehouse import Warehouse

__all__ = ["measure_sources", "missing_sources"]

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
    return {table, "events.user_id"} if kind in _USERS else {table}


def missing_sources(warehouse: Warehouse, config: MeasuresConfig) -> dict[str, list[str]]:
    """Per source the warehouse lacks (a table, or ``events.user_id`` when no event has a user),
    the measures of ``config`` it leaves empty, in the order they are declared."""
    absent = {table for table in set(_TABLE.values()) if not warehouse.has_table(table)}
    if "events" not in absent:
        events = warehouse.table("events")
        if "user_id" not in events.columns or events.user_id.notnull().sum().execute() == 0:
            absent.add("events.user_id")
    missing: dict[str, list[str]] = {}
    for name in config.names:
        for source in sorted(measure_sources(config, name) & absent):
            missing.setdefault(source, []).append(name)
    return missing
