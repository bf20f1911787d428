"""Named customer groups declared in YAML: rules over an account's measures at an as-of date.

A group has a ``name``, a ``description`` and conditions under ``all`` (every one holds) or
``any`` (at least one holds). A condition compares one measure with a value::

    active_days_28d >= 20        # operators: >= > <= < == !=
    nps_category == "promoter"   # labels are compared with quoted text, by == and != only
    days_since_last_activity is null          # or: is not null

A condition on a missing value (null) is false, except ``is null``. A condition on a measure
that is *unknown* for the whole business (its source is absent from the export, see
:func:`tenure.measures.sources.missing_sources`) is not assessed: it holds for no account, not
even ``is null`` (no events does not mean "never active"). An ``all`` group with such a condition
is not assessed (no account is put in it); an ``any`` group still takes the accounts that match
one of its known conditions and is partly assessed; with no known condition it is not assessed.
Conditions are parsed by a small grammar (a regular expression), never evaluated as code. The
built-in groups live in ``groups.yaml`` beside this module; a project's own ``groups.yaml``
(beside ``tenure.yaml``) extends them (same name replaces), or with ``defaults: replace`` stands
alone. Every measure a condition names is checked against the project's measures; errors name
the file, the group and the condition and list the known measures.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from tenure.config import read_yaml, validate_listing
from tenure.errors import ConfigError, InputError
from tenure.measures.config import TEXT_KINDS, MeasuresConfig

__all__ = [
    "GROUPS_FILE",
    "Assessment",
    "Condition",
    "CustomerGroup",
    "GroupsConfig",
    "customer_groups",
    "default_groups_config",
    "group_assessments",
    "load_groups_config",
    "parse_condition",
    "project_groups_config",
]

#: A project's own groups file, beside ``tenure.yaml``.
GROUPS_FILE = "groups.yaml"
_DEFAULTS_SOURCE = "tenure/segments/groups.yaml"

_OPERATORS: dict[str, Callable[[object, object], object]] = {
    ">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt,
    "==": operator.eq, "!=": operator.ne,
}
_COMPARISON = re.compile(
    r"^\s*(?P<measure>[a-z][a-z0-9_]*)\s*(?P<op>>=|<=|==|!=|>|<)\s*(?P<value>.+?)\s*$"
)
_NULL_TEST = re.compile(r"^\s*(?P<measure>[a-z][a-z0-9_]*)\s+is\s+(?P<negated>not\s+)?null\s*$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_TEXT = re.compile(r"""^(?P<quote>["'])(?P<text>[^"']*)(?P=quote)$""")


@dataclass(frozen=True)
class Condition:
    """One parsed condition: ``measure op value``; ``op`` is ``is null``/``is not null`` for the
    null tests (``value`` None), and ``value`` is a float for numbers, a str for labels."""

    measure: str
    op: str
    value: float | str | None
    text: str

    def mask(self, column: pd.Series) -> np.ndarray:
        """Rows where the condition holds (null values never match a comparison)."""
        present = column.notna().to_numpy()
        if self.op == "is null":
            return ~present
        if self.op == "is not null":
            return present
        compare = _OPERATORS[self.op]
        if isinstance(self.value, str):
            values = column.astype(object)
        else:
            values = pd.to_numeric(column, errors="coerce")
            present = values.notna().to_numpy()
        return np.asarray(compare(values, self.value), dtype=bool) & present


def parse_condition(text: str) -> Condition:
    """Parse one condition; a :class:`ValueError` says what is wrong and shows the grammar.

    Examples
    --------
    >>> parse_condition("active_days_28d >= 20")
    Condition(measure='active_days_28d', op='>=', value=20.0, text='active_days_28d >= 20')
    """
    if not isinstance(text, str):
        raise ValueError(f"a condition must be text such as 'active_days_28d >= 20' "
                         f"(found {text!r})")
    null_test = _NULL_TEST.match(text)
    if null_test:
        op = "is not null" if null_test["negated"] else "is null"
        return Condition(null_test["measure"], op, None, text)
    found = _COMPARISON.match(text)
    if not found:
        raise ValueError(
            "not a condition; write `measure op value` with op one of >= > <= < == != "
            "(e.g. active_days_28d >= 20 or plan == \"enterprise\"), or `measure is null`"
        )
    raw = found["value"]
    value: float | str
    if _NUMBER.match(raw):
        value = float(raw)
    elif (quoted := _TEXT.match(raw)) is not None:
        value = quoted["text"]
        if found["op"] not in ("==", "!="):
            raise ValueError(f"text {raw} can only be compared with == or != "
                             f"(found {found['op']})")
    else:
        raise ValueError(f"the value {raw!r} is neither a number nor quoted text; quote a "
                         f"label (\"{raw}\") or write a number")
    return Condition(found["measure"], found["op"], value, text)


class Assessment(StrEnum):
    """How far a group could be assessed on a business's data."""

    #: Every condition reads a known measure.
    assessed = "assessed"
    #: An ``any`` group with some conditions on unknown measures: members match a known one.
    partly = "partly"
    #: No member can be decided: an ``all`` group with an unknown measure, or an ``any`` group
    #: whose every condition reads one. No account is put in it.
    not_assessed = "not_assessed"


class CustomerGroup(BaseModel):
    """One named group: every condition under ``all`` holds, or one under ``any`` does."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="Name of the group (snake_case).")
    description: str = Field(min_length=1, description="Who is in the group, in words.")
    all_of: list[str] | None = Field(None, alias="all", min_length=1,
                                     description="Conditions that must all hold.")
    any_of: list[str] | None = Field(None, alias="any", min_length=1,
                                     description="Conditions of which one must hold.")

    @model_validator(mode="after")
    def _one_combination(self) -> CustomerGroup:
        if (self.all_of is None) == (self.any_of is None):
            raise ValueError(
                f"group {self.name!r} needs exactly one of 'all' (every condition holds) or "
                "'any' (at least one holds), each a list of conditions"
            )
        return self

    @property
    def combination(self) -> Literal["all", "any"]:
        return "all" if self.all_of is not None else "any"

    @property
    def conditions(self) -> list[Condition]:
        return [parse_condition(c) for c in (self.all_of or self.any_of or [])]

    def assessment(self, unknown: Collection[str]) -> tuple[Assessment, list[str]]:
        """How far the group can be assessed when the measures ``unknown`` are unknown for
        the whole business, and the unknown measures it reads (in condition order)."""
        reads = [c.measure for c in self.conditions]
        blind = list(dict.fromkeys(m for m in reads if m in unknown))
        if not blind:
            return Assessment.assessed, []
        if self.combination == "any" and any(m not in unknown for m in reads):
            return Assessment.partly, blind
        return Assessment.not_assessed, blind


class GroupsConfig(BaseModel):
    """A validated set of groups with unique names."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    defaults: Literal["extend", "replace"] = Field(
        "extend",
        description="'extend' adds these groups to the built-in ones (same name replaces); "
        "'replace' uses these groups alone.",
    )
    groups: list[CustomerGroup] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique(self) -> GroupsConfig:
        seen: set[str] = set()
        for group in self.groups:
            if group.name in seen:
                raise ValueError(f"group {group.name!r} is declared twice; give each a unique name")
            seen.add(group.name)
        return self

    @property
    def names(self) -> list[str]:
        return [g.name for g in self.groups]


def _validate(raw: object, source: str, measures: MeasuresConfig) -> GroupsConfig:
    """Validate YAML data and check every condition against ``measures``."""
    config = validate_listing(GroupsConfig, raw, source, items="groups", item="group",
                              expected="a 'groups' list")
    known = {m.name: m for m in measures.measures}
    listing = ", ".join(sorted(known))
    problems = []
    for group in config.groups:
        for text in group.all_of or group.any_of or []:
            where = f"{source}: group {group.name!r}, condition {text!r}"
            try:
                condition = parse_condition(text)
            except ValueError as exc:
                problems.append(f"{where}: {exc}")
                continue
            if condition.measure not in known:
                problems.append(f"{where}: {condition.measure!r} is not a measure; known "
                                f"measures: {listing}")
                continue
            is_label = known[condition.measure].kind in TEXT_KINDS
            if isinstance(condition.value, str) and not is_label:
                problems.append(f"{where}: {condition.measure!r} is a number; compare it with "
                                "a number, not quoted text")
            elif isinstance(condition.value, float) and is_label:
                problems.append(f"{where}: {condition.measure!r} is a label "
                                f"({known[condition.measure].kind}); compare it with quoted "
                                "text by == or !=")
    if problems:
        raise ConfigError("\n".join(problems))
    return config


def _default_raw() -> dict:
    text = resources.files("tenure.segments").joinpath("groups.yaml").read_text()
    return read_yaml(text, _DEFAULTS_SOURCE)  # type: ignore[return-value]


def default_groups_config(measures: MeasuresConfig) -> GroupsConfig:
    """The built-in groups (``groups.yaml`` shipped with Tenure), checked against ``measures``."""
    return _validate(_default_raw(), _DEFAULTS_SOURCE, measures)


def load_groups_config(path: Path, measures: MeasuresConfig) -> GroupsConfig:
    """Read a groups file and merge it with the built-in groups, as its ``defaults`` key says.

    Raises
    ------
    ConfigError
        When the file is missing or not valid YAML, a group lacks a field, a condition does not
        parse or names an unknown measure; the message names the file, the group and the
        condition (and lists the known measures).
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: groups file not found; create it or drop the option.")
    raw = read_yaml(path.read_text(), str(path))
    if isinstance(raw, dict) and raw.get("defaults", "extend") == "extend":
        own = raw.get("groups") or []
        if not isinstance(own, list):
            raise ConfigError(f"{path}: 'groups' must be a list of groups.")
        merged = list(_default_raw()["groups"])
        position = {g["name"]: i for i, g in enumerate(merged)}
        for item in own:
            name = item.get("name") if isinstance(item, dict) else None
            if name in position:
                merged[position[name]] = item
            else:
                merged.append(item)
        raw = {**raw, "groups": merged}
    return _validate(raw, str(path), measures)


def project_groups_config(project: Path, measures: MeasuresConfig) -> GroupsConfig:
    """The groups of a project: its ``groups.yaml`` merged with the built-in ones, if present."""
    path = Path(project) / GROUPS_FILE
    return load_groups_config(path, measures) if path.is_file() else default_groups_config(measures)


def group_assessments(
    groups: GroupsConfig, unknown: Collection[str]
) -> dict[str, tuple[Assessment, list[str]]]:
    """Per group (in declaration order): how far it can be assessed, and the unknown measures
    it reads (see :meth:`CustomerGroup.assessment`)."""
    return {g.name: g.assessment(unknown) for g in groups.groups}


def customer_groups(
    wide_measures: pd.DataFrame, groups: GroupsConfig, unknown: Collection[str] = ()
) -> pd.DataFrame:
    """Memberships of every account and as-of date in every group.

    Parameters
    ----------
    wide_measures
        Wide measures (:func:`tenure.measures.wide_measures`, table ``measures_wide``): one row
        per ``account_id, as_of_date`` and a column per measure.
    groups
        The groups (:func:`project_groups_config`).
    unknown
        Measures unknown for the whole business, because their source is absent
        (:func:`tenure.measures.sources.missing_sources`): a condition on one holds for no
        account, so a group that needs one is not assessed, and an ``any`` group keeps only its
        known conditions (:class:`Assessment`).

    Returns
    -------
    pandas.DataFrame
        ``account_id, as_of_date, group``: one row per membership (grain: all three), sorted.

    Examples
    --------
    >>> members = customer_groups(wide, project_groups_config(project, measures))  # doctest: +SKIP
    """
    missing = {"account_id", "as_of_date"} - set(wide_measures.columns)
    if missing:
        raise InputError(f"the measures frame lacks column(s) {', '.join(sorted(missing))}; "
                         "pass the output of tenure.measures.wide_measures.")
    parts = []
    for group in groups.groups:
        masks = []
        if group.assessment(unknown)[0] is Assessment.not_assessed:
            continue
        for condition in group.conditions:
            if condition.measure not in wide_measures.columns:
                raise InputError(
                    f"group {group.name!r}, condition {condition.text!r}: the measures frame "
                    f"has no column {condition.measure!r}; rerun `tenure measures` with the "
                    "project's measures."
                )
            if condition.measure in unknown:  # partly assessed 'any': this clause is unknown
                continue
            masks.append(condition.mask(wide_measures[condition.measure]))
        held = np.logical_and.reduce(masks) if group.combination == "all" else \
            np.logical_or.reduce(masks)
        members = wide_measures.loc[held, ["account_id", "as_of_date"]].assign(group=group.name)
        parts.append(members)
    columns = ["account_id", "as_of_date", "group"]
    if not parts:
        return pd.DataFrame(columns=columns)
    out = pd.concat(parts, ignore_index=True)[columns]
    out["account_id"] = out["account_id"].astype(str)
    return out.sort_values(columns, ignore_index=True)
