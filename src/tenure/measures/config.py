"""Measures declared as data: the pydantic model of ``measures.yaml`` and its loader.

A measure is one number (or one label) per account per as-of date. Each ``kind`` below is one
formula with its own YAML fields; ``docs/measures.md`` documents every kind (a test checks it).
The built-in set lives in ``defaults.yaml`` beside this module; a project's own ``measures.yaml``
extends it (a measure with a default's name replaces that default) or, with
``defaults: replace``, replaces it.

Windows are half-open and end the day before the as-of date: ``[as_of - window_days, as_of)``.
"""

from __future__ import annotations

from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from tenure.config import read_yaml, validate_listing
from tenure.errors import ConfigError

__all__ = [
    "MEASURES_FILE",
    "Measure",
    "MeasureKind",
    "MeasuresConfig",
    "default_measures_config",
    "load_measures_config",
    "project_measures_config",
]

#: A project's own measures file, beside ``tenure.yaml``.
MEASURES_FILE = "measures.yaml"


class MeasureKind(StrEnum):
    """Every kind of measure; each is one formula, documented in ``docs/measures.md``."""

    event_count = "event_count"
    active_days = "active_days"
    active_users = "active_users"
    seat_utilisation = "seat_utilisation"
    feature_breadth = "feature_breadth"
    days_since_last_activity = "days_since_last_activity"
    change = "change"
    ratio = "ratio"
    tenure_months = "tenure_months"
    open_tickets = "open_tickets"
    recent_tickets = "recent_tickets"
    mean_time_to_resolve = "mean_time_to_resolve"
    low_ratings = "low_ratings"
    nps_score = "nps_score"
    nps_category = "nps_category"
    mrr = "mrr"
    seats = "seats"
    plan = "plan"
    milestones_reached = "milestones_reached"


#: Kinds whose value is a label (``text_value`` in the tidy table), not a number.
TEXT_KINDS = frozenset({MeasureKind.nps_category, MeasureKind.plan})

_NAME = r"^[a-z][a-z0-9_]*$"
WindowDays = Annotated[int, Field(ge=1, le=3660, description="Window length in days.")]
EventNames = Annotated[
    list[str] | None,
    Field(description="Event names counted; null means every event.", min_length=1),
]


class _MeasureBase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=_NAME, description="Column name of the measure (snake_case).")
    description: str | None = Field(None, description="What the measure tells a reader.")

    @property
    def window(self) -> int | None:
        """The measure's window in days, if it has one."""
        return getattr(self, "window_days", None)

    def references(self) -> list[str]:
        """Names of the other measures this one is computed from."""
        return []


class EventCount(_MeasureBase):
    kind: Literal["event_count"]
    events: EventNames = None
    window_days: WindowDays


class ActiveDays(_MeasureBase):
    kind: Literal["active_days"]
    events: EventNames = None
    window_days: WindowDays


class ActiveUsers(_MeasureBase):
    kind: Literal["active_users"]
    events: EventNames = None
    window_days: WindowDays


class SeatUtilisation(_MeasureBase):
    kind: Literal["seat_utilisation"]
    events: EventNames = None
    window_days: WindowDays
    exclude_plans: list[str] = Field(default_factory=list)


class FeatureBreadth(_MeasureBase):
    kind: Literal["feature_breadth"]
    events: EventNames = None
    window_days: WindowDays


class DaysSinceLastActivity(_MeasureBase):
    kind: Literal["days_since_last_activity"]
    events: EventNames = None


class Change(_MeasureBase):
    kind: Literal["change"]
    of: str = Field(pattern=_NAME)
    window_days: WindowDays | None = None

    def references(self) -> list[str]:
        return [self.of]


class Ratio(_MeasureBase):
    kind: Literal["ratio"]
    numerator: str = Field(pattern=_NAME)
    denominator: str = Field(pattern=_NAME)

    def references(self) -> list[str]:
        return [self.numerator, self.denominator]


class TenureMonths(_MeasureBase):
    kind: Literal["tenure_months"]


class OpenTickets(_MeasureBase):
    kind: Literal["open_tickets"]
    priorities: list[str] | None = Field(None, min_length=1)


class RecentTickets(_MeasureBase):
    kind: Literal["recent_tickets"]
    window_days: WindowDays
    priorities: list[str] | None = Field(None, min_length=1)


class MeanTimeToResolve(_MeasureBase):
    kind: Literal["mean_time_to_resolve"]
    window_days: WindowDays | None = None
    priorities: list[str] | None = Field(None, min_length=1)


class LowRatings(_MeasureBase):
    kind: Literal["low_ratings"]
    window_days: WindowDays
    max_rating: int = Field(
        2, ge=1, le=5, description="Highest satisfaction rating (1-5) that counts as low."
    )
    priorities: list[str] | None = Field(None, min_length=1)


class NpsScore(_MeasureBase):
    kind: Literal["nps_score"]
    window_days: WindowDays | None = None


class NpsCategory(_MeasureBase):
    kind: Literal["nps_category"]
    window_days: WindowDays | None = None


class Mrr(_MeasureBase):
    kind: Literal["mrr"]


class Seats(_MeasureBase):
    kind: Literal["seats"]
    exclude_plans: list[str] = Field(default_factory=list)


class Plan(_MeasureBase):
    kind: Literal["plan"]
    exclude_plans: list[str] = Field(default_factory=list)


class MilestonesReached(_MeasureBase):
    kind: Literal["milestones_reached"]
    events: list[str] = Field(
        min_length=1, description="Milestone event names; every one must be reached."
    )
    within_days: int = Field(
        ge=0, le=3660, description="Days after the sign-up day (accounts.created_at)."
    )


Measure = Annotated[
    EventCount
    | ActiveDays
    | ActiveUsers
    | SeatUtilisation
    | FeatureBreadth
    | DaysSinceLastActivity
    | Change
    | Ratio
    | TenureMonths
    | OpenTickets
    | RecentTickets
    | MeanTimeToResolve
    | LowRatings
    | NpsScore
    | NpsCategory
    | Mrr
    | Seats
    | Plan
    | MilestonesReached,
    Field(discriminator="kind"),
]

#: Pydantic model of each kind, keyed by kind (used by the docs test and ``docs/measures.md``).
MEASURE_MODELS: dict[MeasureKind, type[_MeasureBase]] = {
    MeasureKind(m.model_fields["kind"].annotation.__args__[0]): m  # type: ignore[union-attr]
    for m in _MeasureBase.__subclasses__()
}


class MeasuresConfig(BaseModel):
    """A validated set of measures: unique names, every reference defined, no cycles."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    defaults: Literal["extend", "replace"] = Field(
        "extend",
        description="'extend' adds these measures to the built-in ones (a measure with a "
        "default's name replaces it); 'replace' uses these measures alone.",
    )
    measures: list[Measure] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check_references(self) -> MeasuresConfig:
        names = [m.name for m in self.measures]
        seen: set[str] = set()
        for name in names:
            if name in seen:
                raise ValueError(f"measure {name!r} is declared twice; give each a unique name")
            seen.add(name)
        by_name = {m.name: m for m in self.measures}
        for m in self.measures:
            for ref in m.references():
                if ref not in by_name:
                    raise ValueError(
                        f"measure {m.name!r} ({m.kind}) refers to {ref!r}, which is not a "
                        f"measure; defined measures: {', '.join(names)}"
                    )
                if by_name[ref].kind in TEXT_KINDS:
                    raise ValueError(
                        f"measure {m.name!r} ({m.kind}) refers to {ref!r}, a label "
                        f"({by_name[ref].kind}); it needs a numeric measure"
                    )
            if isinstance(m, Change) and m.window_days is None and by_name[m.of].window is None:
                raise ValueError(
                    f"measure {m.name!r} (change): {m.of!r} has no window_days, so set "
                    "window_days on the change measure to say how far back the previous value is"
                )
        for m in self.measures:
            _check_no_cycle(m.name, by_name, ())
        return self

    def measure(self, name: str) -> _MeasureBase:
        """The measure called ``name``."""
        for m in self.measures:
            if m.name == name:
                return m
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [m.name for m in self.measures]


def _check_no_cycle(name: str, by_name: dict[str, _MeasureBase], path: tuple[str, ...]) -> None:
    if name in path:
        chain = " -> ".join([*path, name])
        raise ValueError(f"measure {path[0]!r} refers to itself through {chain}; break the cycle")
    for ref in by_name[name].references():
        _check_no_cycle(ref, by_name, (*path, name))


def _parse(raw: object, source: str) -> MeasuresConfig:
    """Validate ``raw`` YAML data; errors name ``source`` and the measure at fault."""
    # A measure's kind is a discriminated union: its tag follows the position in the location.
    return validate_listing(MeasuresConfig, raw, source, items="measures", item="measure",
                            expected="a 'measures' list", skip=1, whole="kind")

def _default_raw() -> dict:
    text = resources.files("tenure.measures").joinpath("defaults.yaml").read_text()
    return read_yaml(text, _DEFAULTS_SOURCE)  # type: ignore[return-value]


_DEFAULTS_SOURCE = "tenure/measures/defaults.yaml"


def default_measures_config() -> MeasuresConfig:
    """The built-in measures (``defaults.yaml`` shipped with Tenure).

    Examples
    --------
    >>> "active_users_28d" in default_measures_config().names
    True
    """
    return _parse(_default_raw(), _DEFAULTS_SOURCE)


def _extend_defaults(raw: dict) -> dict:
    """The default measures with the file's own merged in: same name replaces, new appends."""
    merged = list(_default_raw()["measures"])
    position = {item["name"]: i for i, item in enumerate(merged)}
    for item in raw.get("measures") or []:
        name = item.get("name") if isinstance(item, dict) else None
        if name in position:
            merged[position[name]] = item
        else:
            merged.append(item)
    return {**raw, "measures": merged}


def load_measures_config(path: Path) -> MeasuresConfig:
    """Read a measures file and merge it with the defaults, as its ``defaults`` key says.

    With ``defaults: extend`` (the default) the file's measures may refer to default ones.

    Raises
    ------
    ConfigError
        When the file is missing or not valid YAML, a measure has an unknown kind, lacks a
        field or refers to an undefined measure; the message names the file and the measure.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: measures file not found; create it or drop the option.")
    raw = read_yaml(path.read_text(), str(path))
    if isinstance(raw, dict) and raw.get("defaults", "extend") == "extend":
        if not isinstance(raw.get("measures", []), list):
            raise ConfigError(f"{path}: 'measures' must be a list of measures.")
        own = [m.get("name") for m in raw.get("measures") or [] if isinstance(m, dict)]
        twice = sorted({n for n in own if n is not None and own.count(n) > 1})
        if twice:
            raise ConfigError(
                f"{path}: measure {twice[0]!r} is declared twice; give each a unique name."
            )
        raw = _extend_defaults(raw)
    return _parse(raw, str(path))


def project_measures_config(project: Path) -> MeasuresConfig:
    """The measures of a project: its ``measures.yaml`` merged with the defaults, if present."""
    path = Path(project) / MEASURES_FILE
    return load_measures_config(path) if path.is_file() else default_measures_config()
