"""Turn a raw source relation into a typed staging table with the canonical columns.

The staging table (a DuckDB temp table) holds, per row of the file:

* ``__row``: the line (or Parquet row) number, for messages;
* each canonical column, typed (NULL where the text did not parse), defaults filled in;
* ``<column>__raw``: the text found in the file, for messages and the rejects file;
* the free attribute columns of tables that allow them, as text.

Renames and value maps of the mapping are applied here; values are translated through a
registered lookup relation, never pasted into SQL.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tenure.schema import MONEY, TableSpec
from tenure.sources.mapping import TableMapping
from tenure.sources.problems import Problem
from tenure.sources.readers import RawSource, SourceFile
from tenure.sources.sql import (
    cents_to_money,
    duckdb_type,
    half_even_div,
    literal,
    parse_native,
    parse_text,
    quote,
)
from tenure.sources.suggest import mapping_hint, suggest_columns

if TYPE_CHECKING:
    import duckdb

__all__ = ["BILLED", "StagedTable", "stage_table"]

#: Internal column of the billed amount when mrr is derived from it.
BILLED = "__billed"


def _defaults(reporting_currency: str) -> dict[str, str]:
    """SQL defaults of optional columns absent from the file or empty in a row."""
    return {
        "quantity": "1",
        "billing_period_months": "1",
        "currency": literal(reporting_currency),
        "is_trial": "false",
        "priority": "'normal'",
    }


@dataclass
class StagedTable:
    """A source file staged as typed rows; see the module docstring for its columns."""

    spec: TableSpec
    source: SourceFile
    relation: str
    #: The temp table under ``relation`` (a view adding the raw text of plain text columns).
    data_relation: str
    #: Canonical column -> how messages name it (the file's column, canonical name in brackets).
    labels: dict[str, str]
    #: Canonical columns the file provides (after renames); the others hold their default.
    present: set[str]
    #: Free attribute columns kept as text.
    attributes: list[str]
    mapping: TableMapping
    row_problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def derives_mrr(self) -> bool:
        return self.mapping.billed_amount is not None


def _resolve_columns(
    raw: RawSource, spec: TableSpec, tm: TableMapping
) -> tuple[dict[str, str], list[str], list[Problem], list[str]]:
    """Match the file's columns to canonical ones.

    Returns (canonical -> source column, attribute columns, problems, warnings).
    """
    name = raw.file.name
    problems: list[Problem] = []
    warnings: list[str] = []
    for source in [*tm.columns, *([tm.billed_amount] if tm.billed_amount else [])]:
        if source not in raw.columns:
            problems.append(Problem(
                name, None, source, None,
                f"is named in the mapping but the file has no such column (it has: "
                f"{', '.join(raw.columns)})",
                f"correct tables.{spec.name} in the mapping"))
    to_source: dict[str, str] = {}
    attributes: list[str] = []
    for source in raw.columns:
        target = BILLED if source == tm.billed_amount else tm.columns.get(source, source)
        if target in to_source:
            problems.append(Problem(
                name, None, source, None,
                f"and {to_source[target]!r} both become column {target}",
                "rename or drop one of them in the mapping"))
        elif target in spec.column_names or target == BILLED:
            to_source[target] = source
        elif spec.free_attributes:
            to_source[target] = source
            attributes.append(target)
        else:
            warnings.append(f"{name}: column {source!r} is not part of table {spec.name} and "
                            "was not loaded")
    warnings += _unmapped_hints(raw, spec, to_source, attributes)
    if BILLED in to_source and "mrr" in to_source:
        problems.append(Problem(
            name, None, to_source["mrr"], None,
            f"holds mrr but the mapping derives mrr from billed_amount {tm.billed_amount!r}",
            f"drop tables.{spec.name}.billed_amount from the mapping, or rename this column"))
    unmapped = [s for s in raw.columns if s not in to_source.values()]
    for col in spec.columns:
        if not col.required or col.name in to_source:
            continue
        if col.name == "mrr" and BILLED in to_source:
            continue
        close = _likely_source(spec, col.name, unmapped)
        hint = (f"map one of the file's columns to it in the mapping, e.g. "
                f"{mapping_hint(spec.name, close[0], col.name)}" if close else
                f"add the column, or map a column of the file to it in the mapping "
                f"(tables.{spec.name}.columns)")
        problems.append(Problem(
            name, None, col.name, None,
            f"is missing ({col.description}); the file has columns {', '.join(raw.columns)}",
            hint))
    return to_source, attributes, problems, warnings


def _likely_source(spec: TableSpec, column: str, unmapped: list[str]) -> list[str]:
    """The file's column most likely to hold canonical ``column`` (empty when none fits).

    Headers are matched by meaning (``Customer ID`` -> ``account_id``, ``MRR`` -> ``mrr``),
    each header to its best column; near-spellings (``acount_id``) are caught as typos.
    """
    found = [h for h, c in suggest_columns(spec, unmapped).items() if c == column]
    if found:
        return found
    taken = set(suggest_columns(spec, unmapped))
    return difflib.get_close_matches(column, [h for h in unmapped if h not in taken], n=1,
                                     cutoff=0.8)


def _unmapped_hints(raw: RawSource, spec: TableSpec, to_source: dict[str, str],
                    attributes: list[str]) -> list[str]:
    """Warnings for columns that were not loaded as canonical ones but look like one that the
    file lacks (``MRR`` left out of subscriptions, ``Signup Date`` kept as an attribute)."""
    unused = [s for s in raw.columns if s not in to_source.values()]
    unused += [to_source[a] for a in attributes]
    absent = [c for c in spec.column_names if c not in to_source]
    hints = suggest_columns(spec, unused, wanted=absent)
    return [f"{raw.file.name}: column {header!r} looks like {column} but was "
            f"{'kept as a text attribute' if header in to_source.values() else 'not loaded'}; "
            f"if it is, map it: {mapping_hint(spec.name, header, column)}"
            for header, column in hints.items()]


def stage_table(
    con: duckdb.DuckDBPyConnection,
    raw: RawSource,
    spec: TableSpec,
    tm: TableMapping,
    *,
    relation: str,
    values_relation: str,
    reporting_currency: str,
) -> tuple[StagedTable | None, list[Problem]]:
    """Create the typed staging table ``relation`` from ``raw``; file-level problems instead."""
    to_source, attributes, problems, warnings = _resolve_columns(raw, spec, tm)
    if problems:
        return None, problems
    defaults = _defaults(reporting_currency)
    texts: list[str] = ["__row"]
    typed: list[str] = ["__row"]
    labels: dict[str, str] = {}
    # Plain text columns are stored once: their raw text is their value (half the memory for
    # a large events file); the view over the data adds them back under the raw name.
    shared: list[str] = []
    columns = [(c.name, c.dtype) for c in spec.columns]
    if BILLED in to_source:
        columns.append((BILLED, MONEY))
    for name, dtype in columns:
        source = to_source.get(name)
        raw_col, text_col = quote(f"{name}__raw"), quote(f"{name}__text")
        default = defaults.get(name, "NULL")
        target = duckdb_type(dtype)
        if source is None:
            typed.append(f"CAST({default} AS {target}) AS {quote(name)}")
            typed.append(f"CAST(NULL AS VARCHAR) AS {raw_col}")
            continue
        labels[name] = source if source == name else (
            f"{source} (billed amount)" if name == BILLED else f"{source} ({name})")
        source_type = raw.columns[source]
        src = quote(source)
        as_text = (f"NULLIF(TRIM({src}), '')" if source_type == "VARCHAR"
                   else f"CAST({src} AS VARCHAR)")
        texts.append(f"{as_text} AS {raw_col}")
        native = None
        if name in tm.values:
            texts.append(
                f"COALESCE((SELECT v.target FROM {quote(values_relation)} v "
                f"WHERE v.table_name = {literal(spec.name)} AND v.column_name = {literal(name)} "
                f"AND v.source = {as_text}), {as_text}) AS {text_col}")
        else:
            texts.append(f"{as_text} AS {text_col}")
            if source_type != "VARCHAR":
                native = parse_native(dtype, quote(f"{name}__src"), source_type,
                                      minor_units=tm.money_in_minor_units)
                if native is not None:
                    texts.append(f"{src} AS {quote(f'{name}__src')}")
        fmt = {"date": tm.date_format, "timestamp": tm.timestamp_format}.get(dtype)
        parsed = native or parse_text(dtype, text_col, fmt=fmt,
                                      minor_units=tm.money_in_minor_units)
        if dtype == "string" and native is None and name not in tm.values and default == "NULL" \
                and source_type == "VARCHAR":
            typed.append(f"{text_col} AS {quote(name)}")
            shared.append(name)
            continue
        typed.append(f"CAST(CASE WHEN {text_col} IS NULL THEN {default} ELSE {parsed} END "
                     f"AS {target}) AS {quote(name)}")
        typed.append(raw_col)
    for attribute in attributes:
        texts.append(f"CAST({quote(to_source[attribute])} AS VARCHAR) AS {quote(attribute)}")
        typed.append(quote(attribute))
    final = "*"
    if BILLED in to_source:
        # mrr = billed amount / months billed, rounded half-even to the cent, in exact integers.
        cents = f"CAST({quote(BILLED)} * 100 AS HUGEINT)"
        months = quote("billing_period_months")
        derived = cents_to_money(half_even_div(cents, months))
        final = (f"* REPLACE (CASE WHEN {quote(BILLED)} >= 0 AND {months} > 0 THEN {derived} END "
                 f"AS mrr, {quote(BILLED + '__raw')} AS mrr__raw)")
        labels["mrr"] = labels[BILLED]
    data_relation = f"{relation}_data"
    con.execute(
        f"CREATE TEMP TABLE {quote(data_relation)} AS "
        f"WITH texts AS (SELECT {', '.join(texts)} FROM {quote(raw.relation)}), "
        f"typed AS (SELECT {', '.join(typed)} FROM texts) "
        f"SELECT {final} FROM typed"
    )
    raws = "".join(f", {quote(name)} AS {quote(f'{name}__raw')}" for name in shared)
    con.execute(f"CREATE TEMP VIEW {quote(relation)} AS SELECT *{raws} "
                f"FROM {quote(data_relation)}")
    present = {name for name in to_source if name != BILLED} | (
        {"mrr"} if BILLED in to_source else set())
    staged = StagedTable(spec, raw.file, relation, data_relation, labels, present, attributes, tm,
                         list(raw.row_problems), warnings)
    return staged, []
