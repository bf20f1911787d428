"""The mapping file: how a user's export maps onto Tenure's canonical tables.

A mapping is YAML, validated by pydantic. Per canonical table it may name the source file,
rename columns, translate values, give the date format and say how money is written::

    tables:
      subscriptions:
        file: billing_export.csv
        columns: {customer: account_id, plan_tier: plan, mrr_amount: mrr}
        values:
          plan: {T1: starter, T2: growth}
          is_trial: {Y: "true", N: "false"}
        date_format: "%d/%m/%Y"
        money_in_minor_units: false
        constants: {currency: EUR}
      events:
        join:
          account_id: {table: subscriptions, on: sub_id}

``docs/loading.md`` documents every field with a worked example that the tests load.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from tenure.config import read_yaml, validate_settings
from tenure.errors import ConfigError
from tenure.schema import TABLES
from tenure.sources.suggest import suggest_columns

__all__ = ["MAPPING_FILE", "Join", "Mapping", "TableMapping", "load_mapping"]

#: A mapping file with this name in the source folder is used when no other is given.
MAPPING_FILE = "mapping.yaml"


def _as_text(value: Any) -> str:
    """A YAML scalar as the text a source file holds (``true`` -> ``'true'``, 12 -> ``'12'``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        raise ValueError("a value map cannot map to or from an empty value")
    return str(value)


class Join(BaseModel):
    """A canonical column taken from another table of the load, through a key the file holds.

    ``{table: subscriptions, on: sub_id}`` under ``join.account_id`` of ``events``: each event's
    account is the ``account_id`` of the subscription line whose ``subscription_id`` is the
    event's ``sub_id``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    table: str = Field(description="Canonical table to look the value up in (loaded before).")
    on: str = Field(description="Column of this file holding the other table's key.")


class TableMapping(BaseModel):
    """How one source file maps onto one canonical table."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    file: str | None = Field(
        None,
        description="Source file name in the load folder (default: <table>.csv/.parquet/.jsonl).",
    )
    columns: dict[str, str] = Field(
        default_factory=dict, description="Column renames: source column -> canonical column."
    )
    values: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="Value translations per canonical column: source value -> canonical value.",
    )
    date_format: str | None = Field(
        None, description="strptime format of the file's date columns when they are not ISO."
    )
    timestamp_format: str | None = Field(
        None, description="strptime format of the file's timestamp columns when they are not ISO."
    )
    money_in_minor_units: bool = Field(
        False, description="Money columns hold whole minor units (cents), e.g. 1250 for 12.50."
    )
    delimiter: str = Field(
        ",",
        min_length=1,
        max_length=1,
        description="Field separator of a CSV file, e.g. ';' for a semicolon-separated export.",
    )
    billed_amount: str | None = Field(
        None,
        description=(
            "Source column holding the amount billed per billing period (subscriptions only); "
            "mrr is derived as billed amount / billing_period_months, rounded half-even to the "
            "cent."
        ),
    )

    constants: dict[str, str] = Field(
        default_factory=dict,
        description=("Canonical columns the file lacks, set to one value for every row "
                     "(a plan name, a currency)."))
    join: dict[str, Join] = Field(
        default_factory=dict,
        description=("Canonical columns taken from another table of the load through a key "
                     "column of this file: {account_id: {table: subscriptions, on: sub_id}}."))

    @field_validator("constants", mode="before")
    @classmethod
    def _constants_as_text(cls, raw: Any) -> Any:
        if not isinstance(raw, dict):
            return raw
        return {str(col): _as_text(v) for col, v in raw.items()}

    @field_validator("values", mode="before")
    @classmethod
    def _values_as_text(cls, raw: Any) -> Any:
        if not isinstance(raw, dict):
            return raw
        return {
            str(col): (
                {_as_text(k): _as_text(v) for k, v in m.items()} if isinstance(m, dict) else m
            )
            for col, m in raw.items()
        }

    @field_validator("date_format", "timestamp_format")
    @classmethod
    def _is_strptime_format(cls, fmt: str | None) -> str | None:
        if fmt is not None and "%" not in fmt:
            raise ValueError(
                f"{fmt!r} is not a strptime format; write it with % codes, e.g. '%d/%m/%Y'"
            )
        return fmt


class Mapping(BaseModel):
    """A whole mapping file: one :class:`TableMapping` per canonical table that needs one.

    Examples
    --------
    >>> raw = {"tables": {"subscriptions": {"columns": {"mrr_amount": "mrr"}}}}
    >>> m = Mapping.model_validate(raw)
    >>> m.for_table("subscriptions").columns
    {'mrr_amount': 'mrr'}
    >>> m.for_table("accounts").columns
    {}
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    tables: dict[str, TableMapping] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _names_are_canonical(self) -> Mapping:
        for table, tm in self.tables.items():
            if table not in TABLES:
                raise ValueError(f"unknown table {table!r}{_suggest(table, TABLES)}")
            spec = TABLES[table]
            for source, target in tm.columns.items():
                if target not in spec.column_names and not spec.free_attributes:
                    raise ValueError(
                        f"tables.{table}.columns maps {source!r} to {target!r}, which is not a "
                        f"column of {table}{_suggest_column(table, target)}"
                    )
            for column in tm.values:
                if column not in spec.column_names:
                    raise ValueError(
                        f"tables.{table}.values names {column!r}, which is not a column of "
                        f"{table}{_suggest(column, spec.column_names)}"
                    )
            _check_added_columns(table, tm)
            if tm.billed_amount is not None and table != "subscriptions":
                raise ValueError(
                    f"tables.{table}.billed_amount: only subscriptions derive mrr from a billed "
                    "amount; remove the setting"
                )
            if tm.billed_amount is not None and "mrr" in tm.columns.values():
                raise ValueError(
                    f"tables.{table}: both billed_amount and a column renamed to mrr are given; "
                    "keep one of the two"
                )
        return self

    def for_table(self, table: str) -> TableMapping:
        """The mapping of ``table``; an empty mapping when the file does not mention it."""
        return self.tables.get(table) or TableMapping()


def _check_added_columns(table: str, tm: TableMapping) -> None:
    """The columns a mapping adds (constants, joins) must be canonical, added once, and a join
    must name a table loaded before this one, keyed by one column, that has the column."""
    spec = TABLES[table]
    renamed = set(tm.columns.values())
    for kind, added in (("constants", tm.constants), ("join", tm.join)):
        for column in added:
            where = f"tables.{table}.{kind}.{column}"
            if column not in spec.column_names:
                raise ValueError(f"{where}: {column!r} is not a column of {table}"
                                 f"{_suggest_column(table, column)}")
            if column in renamed:
                raise ValueError(f"{where}: {column} is also the target of tables.{table}.columns;"
                                 " keep one of the two")
            if kind == "join" and column in tm.constants:
                raise ValueError(f"{where}: {column} is also set in tables.{table}.constants; "
                                 "keep one of the two")
    order = list(TABLES)
    for column, join in tm.join.items():
        where = f"tables.{table}.join.{column}"
        if join.table not in TABLES:
            raise ValueError(f"{where}: unknown table {join.table!r}"
                             f"{_suggest(join.table, TABLES)}")
        other = TABLES[join.table]
        if order.index(join.table) >= order.index(table):
            raise ValueError(f"{where}: {table} can only look values up in a table loaded before "
                             f"it ({', '.join(order[:order.index(table)]) or 'none'})")
        if len(other.grain) != 1 or column not in other.column_names:
            raise ValueError(f"{where}: {join.table} has no single key and {column} column to "
                             "look up; join a table such as subscriptions (key subscription_id)")


def _suggest_column(table: str, name: str) -> str:
    """A hint naming the canonical column ``name`` most likely means: by spelling (``mmr``),
    else by meaning (``tier`` is a plan)."""
    spec = TABLES[table]
    if difflib.get_close_matches(name, spec.column_names, n=1):
        return _suggest(name, spec.column_names)
    meant = suggest_columns(spec, [name])
    return f" (did you mean {meant[name]!r}?)" if meant else _suggest(name, spec.column_names)


def _suggest(name: str, choices: Any) -> str:
    close = difflib.get_close_matches(name, list(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else f"; choose from {', '.join(choices)}"


class _Yaml12Loader(yaml.SafeLoader):
    """YAML with YAML 1.2 booleans: only true/false are booleans, so ``Y``, ``N``, ``yes`` and
    ``no`` stay text (a trial-flag map ``{Y: true, N: false}`` must keep its keys)."""


_Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def load_mapping(path: Path) -> Mapping:
    """Read and validate a mapping file.

    Raises
    ------
    ConfigError
        When the file is missing, is not YAML, or names an unknown table, column or setting;
        the message names the file, the setting and the fix.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"mapping file {path} does not exist; check the --mapping path.")
    raw = read_yaml(path.read_text(encoding="utf-8"), str(path), loader=_Yaml12Loader)
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping with a top-level 'tables:' key.")
    return validate_settings(Mapping, raw, str(path), top="tables")
