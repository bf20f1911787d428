"""Project configuration: ``tenure.yaml`` in the project folder, validated by pydantic.

Every setting is declared once here, with its default and help text; ``docs/settings.md`` is
checked against these declarations by ``tests/test_docs.py`` so the two cannot drift.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic import ValidationError as PydanticValidationError

from tenure.errors import ConfigError

__all__ = [
    "CONFIG_FILE",
    "ProjectConfig",
    "RevenueDefinitions",
    "SegmentSettings",
    "load_config",
    "read_yaml",
    "render_default_config",
    "validate_listing",
    "validate_settings",
]

CONFIG_FILE = "tenure.yaml"

_M = TypeVar("_M", bound=BaseModel)


class RevenueDefinitions(BaseModel):
    """Customer definitions: where subscription-analytics vendors differ, the choice is a setting.

    Rules that are not settings: trials are never paying customers and a trial that ends without
    converting is never churn; MRR of a month is the MRR in force on the month's last day.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    churn_recognition: Literal["service_end", "cancellation"] = Field(
        "service_end",
        description=(
            "When a cancelled line stops counting as MRR: 'service_end' at the end of the paid "
            "service (end_date) or 'cancellation' on the day "
            "the customer asked to cancel (cancelled_at), so churn shows as soon as it is known."
        ),
    )
    same_month_join_leave: Literal["include", "exclude"] = Field(
        "include",
        description=(
            "A customer whose paid service starts and ends inside one month never shows in a "
            "month-end snapshot. 'include' records them as new and churned in that month (the "
            "movements still sum to the MRR change); 'exclude' leaves them out of every metric."
        ),
    )
    refund_window_days: int = Field(
        0,
        ge=0,
        description=(
            "Cooling-off window: a paid line that ends (or is cancelled) within this many days of "
            "its start was refunded; it never counts as revenue, a new customer or churn."
        ),
    )
    grace_period_days: int = Field(
        0,
        ge=0,
        description=(
            "Past-due grace: when an account's paid service stops and resumes within this many "
            "days, the gap is bridged at the MRR it had before, so a late payment is neither "
            "churn nor reactivation."
        ),
    )
    reactivation_max_gap_months: int | None = Field(
        None,
        ge=1,
        description=(
            "A returning customer is a reactivation when its gap without paid service is at most "
            "this many months, and new business after a longer gap; null means always a "
            "reactivation."
        ),
    )


class SegmentSettings(BaseModel):
    """Service tiers, lifecycle stages and customer groups (``tenure segments``).

    ``docs/segments.md`` defines the tiers and stages these settings shape.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    top_tier_share: float = Field(
        0.4,
        gt=0,
        le=1,
        description=(
            "Share of total MRR the top tier makes: the smallest set of accounts, largest MRR "
            "first, whose MRR reaches this share of the total."
        ),
    )
    leveraged_tier_share: float = Field(
        0.8,
        gt=0,
        le=1,
        description=(
            "Cumulative share of total MRR the top and leveraged tiers make together (at least "
            "top_tier_share); every other account is in the scalable tier."
        ),
    )
    renewal_window_days: int = Field(
        90,
        ge=1,
        le=3660,
        description=(
            "An account on a contract of more than one month (billing_period_months > 1) is in "
            "its renewal window when its current term ends within this many days."
        ),
    )
    onboarding_days: int = Field(
        90,
        ge=0,
        le=3660,
        description=(
            "An account is new (onboarding) during this many days after its first paid day, "
            "until it reaches first value."
        ),
    )
    first_value_measure: str = Field(
        "onboarded_30d",
        pattern=r"^[a-z][a-z0-9_]*$",
        description=(
            "Measure that marks first value: reached when its value as of the date is above 0 "
            "(the built-in onboarded_30d: integration and invite within 30 days of sign-up)."
        ),
    )
    first_value_events: list[str] | None = Field(
        None,
        min_length=1,
        description=(
            "Events that mark first value instead of the measure: reached once every listed "
            "event has occurred before the date; null uses first_value_measure."
        ),
    )
    at_risk_threshold: float = Field(
        0.2,
        ge=0,
        le=1,
        description=(
            "An account is at risk when its churn-risk score (table scores, column churn_risk) "
            "is at or above this value, or its health colour is red. The default is between two "
            "and three times the demo business's 90-day churn rate (7.5%); set it from the alert "
            "threshold `tenure train` reports or from what the save team can handle."
        ),
    )
    cancelled_days: int = Field(
        90,
        ge=0,
        le=3660,
        description=(
            "Days an account whose paid service ended stays in the segments snapshot, as "
            "cancelled; older former customers are left out."
        ),
    )

    @model_validator(mode="after")
    def _leveraged_covers_top(self) -> SegmentSettings:
        if self.leveraged_tier_share < self.top_tier_share:
            raise ValueError(
                f"leveraged_tier_share ({self.leveraged_tier_share}) is below top_tier_share "
                f"({self.top_tier_share}); it is the cumulative share of the top and leveraged "
                "tiers together, so set it at least as high"
            )
        return self


class ProjectConfig(BaseModel):
    """Settings of one Tenure project folder."""

    model_config = ConfigDict(extra="forbid")

    warehouse: str = Field(
        "warehouse.duckdb",
        description="DuckDB file holding the warehouse, relative to the project folder.",
    )
    lock_timeout_seconds: float = Field(
        60.0,
        ge=0,
        description=(
            "How long a command waits for another tenure command (or a program holding the "
            "warehouse open) to release the warehouse file before it stops with an error; 0 "
            "gives up at once."
        ),
    )
    reporting_currency: str = Field(
        "USD",
        min_length=3,
        max_length=3,
        description="ISO 4217 code every amount is reported in (others converted by fx_rates).",
    )
    load_max_shrink: float = Field(
        0.5,
        ge=0,
        le=1,
        description=(
            "Share of a loaded table's rows, or of its accounts, a load may remove without "
            "--allow-shrink; a load that would remove more (or empty the table) stops."
        ),
    )
    definitions: RevenueDefinitions = Field(
        default_factory=RevenueDefinitions,
        description="Customer definitions used by the revenue metrics.",
    )
    segments: SegmentSettings = Field(
        default_factory=SegmentSettings,
        description="Service tiers, lifecycle stages and customer groups (tenure segments).",
    )
    service: dict[str, object] = Field(
        default_factory=dict,
        description=(
            "Settings of the server (tenure serve), checked when it starts; each can also come "
            "from a TENURE_<NAME> environment variable. docs/service.md lists them."
        ),
    )


def load_config(project: Path) -> ProjectConfig:
    """Read ``tenure.yaml`` from ``project``; defaults when the file is absent.

    Raises
    ------
    ConfigError
        When the file is not valid YAML or a setting is unknown or out of range; the message
        names the file and the setting.
    """
    path = Path(project) / CONFIG_FILE
    if not path.exists():
        return ProjectConfig()
    raw = read_yaml(path.read_text(), str(path))
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level.")
    return validate_settings(ProjectConfig, raw, str(path))


def read_yaml(text: str, source: str, *, loader: type = yaml.SafeLoader) -> object:
    """Parse YAML ``text`` (an empty document is ``{}``); a syntax error names ``source``."""
    try:
        return yaml.load(text, Loader=loader) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: not valid YAML ({exc}); fix the syntax and retry.") from exc


def validate_settings(model: type[_M], raw: dict, source: str, *, top: str = "") -> _M:
    """Validate ``raw`` as ``model``; every error names ``source``, the setting and the value.

    ``top`` names the setting for errors about the document as a whole.
    """
    try:
        return model.model_validate(raw)
    except PydanticValidationError as exc:
        msgs = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or top
            msgs.append(f"{source}: setting '{where}': {err['msg']} (found {err.get('input')!r})")
        raise ConfigError("\n".join(msgs)) from exc


def validate_listing(
    model: type[_M],
    raw: object,
    source: str,
    *,
    items: str,
    item: str,
    expected: str,
    labels: tuple[str, ...] = ("name",),
    skip: int = 0,
    depth: int | None = None,
    whole: str = "",
    rewrite: Callable[[str, str], str] | None = None,
) -> _M:
    """Validate a YAML file made of a list of named entries (measures, scorecard components,
    groups) as ``model``; one :class:`ConfigError` lists every problem found.

    Each problem reads ``source: <where>: <what> (found <value>)``. Inside the list, ``<where>``
    names the entry by its first non-empty ``labels`` key (or its position, ``#3``) and the field
    (``measure 'exports_28d', field 'window_days'``); elsewhere it is ``field '<path>'``.

    Parameters
    ----------
    items, item
        Key of the list in the document (``measures``) and the word for one entry (``measure``).
    expected
        What the top level must hold, for a document that is not a mapping.
    skip
        Location parts after the entry's position that are not fields (a discriminated union
        adds its tag there).
    depth
        Field parts to show at most (a union's alternatives add more).
    whole
        Field named for an error about the entry as a whole (``""``: none).
    rewrite
        ``(where, message) -> message``, for a message pydantic words poorly.
    """
    if not isinstance(raw, dict):
        raise ConfigError(
            f"{source}: expected a mapping with {expected} at the top level "
            f"(found {type(raw).__name__})."
        )
    listed = raw.get(items)
    try:
        return model.model_validate(raw)
    except PydanticValidationError as exc:
        messages = []
        for err in exc.errors():
            loc = list(err["loc"])
            if len(loc) >= 2 and loc[0] == items and isinstance(loc[1], int):
                entry = listed[loc[1]] if isinstance(listed, list) and loc[1] < len(listed) else {}
                label = next((entry[k] for k in labels
                              if isinstance(entry, dict) and entry.get(k)), None)
                parts = loc[2 + skip:][:depth]
                field = ".".join(str(p) for p in parts) or whole
                where = f"{item} {label or '#' + str(loc[1] + 1)!r}"
                where += f", field {field!r}" if field else ""
            elif loc:
                where = f"field {'.'.join(str(p) for p in loc)!r}"
            else:
                where = items
            message = err["msg"].removeprefix("Value error, ")
            if rewrite is not None:
                message = rewrite(where, message)
            found = err.get("input")
            shown = "" if isinstance(found, dict) else f" (found {found!r})"
            messages.append(f"{source}: {where}: {message}{shown}")
        raise ConfigError("\n".join(dict.fromkeys(messages))) from exc


def _comment(text: str, indent: str) -> list[str]:
    import textwrap

    return [f"{indent}# {line}" for line in textwrap.wrap(text, 96 - len(indent))]


def _render_fields(model: type[BaseModel], indent: str) -> list[str]:
    """Each field of ``model`` preceded by its help text; nested models become sections."""
    lines: list[str] = []
    for name, fld in model.model_fields.items():
        lines += _comment(fld.description or "", indent)
        nested = fld.annotation
        if isinstance(nested, type) and issubclass(nested, BaseModel):
            lines.append(f"{indent}{name}:")
            lines += _render_fields(nested, indent + "  ")
        else:
            value = yaml.safe_dump(fld.get_default(call_default_factory=True),
                                   default_flow_style=True).splitlines()[0]
            lines.append(f"{indent}{name}: {value}")
        if not indent:
            lines.append("")
    return lines


def render_default_config() -> str:
    """``tenure.yaml`` with every setting at its default, each preceded by its help text.

    Generated from the pydantic declarations (nested models such as ``definitions`` and
    ``segments`` become indented sections), so the file a user starts from cannot drift.
    """
    lines = ["# Tenure project settings. Every setting is shown at its default.", ""]
    lines += _render_fields(ProjectConfig, "")
    return "\n".join(lines)
