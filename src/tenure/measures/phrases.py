"""A measure's value in words, for the reasons a worklist shows next to a score.

``phrase(measure, value)`` turns one value of a declared measure into a short phrase that a
customer-success rep reads without a glossary: ``no activity for 23 days``, ``seat utilisation
18%``, ``3 urgent tickets in the last 90 days``. The phrase is built from the measure's
declaration (its kind, window, events and priorities), so a measure added in YAML gets a phrase
without code; a ``description`` does not change it. Account attributes (``industry``,
``channel``...) and names no measure declares read as ``name value``.

Examples
--------
>>> from tenure.measures import default_measures_config
>>> config = default_measures_config()
>>> phrase_value("days_since_last_activity", 23.0, config)
'no activity for 23 days'
>>> phrase_value("seat_utilisation_28d", 0.18, config)
'seat utilisation 18% (last 28 days)'
>>> phrase_value("urgent_tickets_90d", 3.0, config)
'3 urgent tickets in the last 90 days'
>>> phrase_value("industry", "retail", config)
'industry retail'
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from tenure.measures.config import MeasureKind, MeasuresConfig

__all__ = ["PHRASES", "phrase", "phrase_value"]

_K = MeasureKind


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(math.isnan(value))
    except TypeError:
        return False


def _number(value: float) -> str:
    """Whole numbers without decimals, others to at most one decimal place."""
    v = float(value)
    if v == round(v):
        return f"{round(v):,}"
    return f"{v:,.1f}"


def _plural(count: float, word: str) -> str:
    return f"{_number(count)} {word}{'' if float(count) == 1 else 's'}"


def _window(m: Any) -> str:
    days = getattr(m, "window_days", None)
    return f" in the last {days} days" if days else ""


def _event_count(m: Any, v: float) -> str:
    events = getattr(m, "events", None)
    what = " or ".join(e.replace("_", " ") for e in events) + " " if events else ""
    return f"{_number(v)} {what}event{'' if float(v) == 1 else 's'}{_window(m)}"


def _tickets(m: Any) -> str:
    priorities = getattr(m, "priorities", None)
    return f"{'/'.join(priorities)} tickets" if priorities else "tickets"


def _ticket_count(m: Any, v: float, before: str, after: str) -> str:
    word = _tickets(m)
    if float(v) == 1:
        word = word[:-1]
    return f"{_number(v)} {before}{word}{after}"


def _change(m: Any, v: float) -> str:
    if v == 0:
        return f"{m.of.replace('_', ' ')} unchanged on the window before"
    direction = "up" if v > 0 else "down"
    return f"{m.of.replace('_', ' ')} {direction} {abs(v):.0f}% on the window before"


#: The phrase of each kind of measure, given the declaration and a value that is not missing.
PHRASES: dict[MeasureKind, Callable[[Any, Any], str]] = {
    _K.event_count: _event_count,
    _K.active_days: lambda m, v: f"active on {_plural(v, 'day')} of the last {m.window_days}",
    _K.active_users: lambda m, v: f"{_plural(v, 'active user')}{_window(m)}",
    _K.seat_utilisation: lambda m, v: (
        f"seat utilisation {float(v):.0%} (last {m.window_days} days)"
    ),
    _K.feature_breadth: lambda m, v: f"{_plural(v, 'feature')} used{_window(m)}",
    _K.days_since_last_activity: lambda m, v: (
        "active yesterday" if v <= 1 else f"no activity for {_number(v)} days"
    ),
    _K.change: _change,
    _K.ratio: lambda m, v: f"{m.name.replace('_', ' ')} {float(v):.2g}",
    _K.tenure_months: lambda m, v: f"customer for {_plural(v, 'month')}",
    _K.open_tickets: lambda m, v: _ticket_count(m, v, "open ", ""),
    _K.recent_tickets: lambda m, v: _ticket_count(m, v, "", _window(m)),
    _K.mean_time_to_resolve: lambda m, v: (
        f"{_tickets(m)} took {_number(v)} hours to resolve on average{_window(m)}"
    ),
    _K.low_ratings: lambda m, v: _ticket_count(
        m, v, "", f" rated {m.max_rating} or lower out of 5{_window(m)}"
    ),
    _K.nps_score: lambda m, v: f"last NPS answer {_number(v)}",
    _K.nps_category: lambda m, v: f"last NPS answer a {v}",
    _K.mrr: lambda m, v: f"MRR {float(v):,.2f}",
    _K.seats: lambda m, v: _plural(v, "seat"),
    _K.plan: lambda m, v: f"on the {v} plan",
    _K.milestones_reached: lambda m, v: (
        f"{' and '.join(e.replace('_', ' ') for e in m.events)} "
        f"{'done' if float(v) >= 1 else 'not all done'} within {m.within_days} days of sign-up"
    ),
}

#: What a missing value means, per kind (no answer yet, nothing to divide by...).
_MISSING: dict[MeasureKind, str] = {
    _K.days_since_last_activity: "no activity recorded yet",
    _K.nps_score: "no NPS answer yet",
    _K.nps_category: "no NPS answer yet",
    _K.change: "{of} was zero in the window before",
    _K.ratio: "no {denominator} to divide by",
    _K.mean_time_to_resolve: "no resolved tickets{window}",
}


def phrase(measure: Any, value: Any) -> str:
    """The value of one declared measure in words.

    Parameters
    ----------
    measure
        A measure declaration from :class:`tenure.measures.MeasuresConfig`.
    value
        Its value for one account at one as-of date (a number, a label, or missing).
    """
    kind = MeasureKind(measure.kind)
    if _missing(value):
        template = _MISSING.get(kind, "{name} unknown")
        return template.format(
            name=measure.name.replace("_", " "),
            of=getattr(measure, "of", "").replace("_", " "),
            denominator=getattr(measure, "denominator", "").replace("_", " "),
            window=_window(measure),
        )
    return PHRASES[kind](measure, value)


def phrase_value(name: str, value: Any, config: MeasuresConfig | dict[str, Any]) -> str:
    """The value of the measure or attribute ``name`` in words (see :func:`phrase`).

    ``config`` is the measures' declarations, or a mapping of name to declaration built once
    (``{m.name: m for m in config.measures}``) when phrasing many values.
    """
    declared = config if isinstance(config, dict) else {m.name: m for m in config.measures}
    if name in declared:
        return phrase(declared[name], value)
    if _missing(value):
        return f"{name.replace('_', ' ')} unknown"
    if isinstance(value, float):
        return f"{name.replace('_', ' ')} {_number(value)}"
    return f"{name.replace('_', ' ')} {value}"
