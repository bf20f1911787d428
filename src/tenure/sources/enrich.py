"""Columns a mapping adds to a source file before it is staged: constants and joined values.

* ``constants: {plan: standard}`` gives every row of the file the column ``plan`` with that
  value (an export of a one-plan business has no plan column).
* ``join: {account_id: {table: subscriptions, on: sub_id}}`` gives every row the ``account_id``
  of the subscription line whose ``subscription_id`` is the row's ``sub_id`` (usage exports
  often carry the subscription, not the account).

The added columns carry their canonical names, so staging maps, translates and checks them like
any column of the file; the join's key column is left out of the staged file (it is not part of
the table) and checked here: a row whose key is empty, or names no row of the other table, is a
row problem naming the key column and the value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tenure.sources.mapping import TableMapping
from tenure.sources.problems import Problem
from tenure.sources.readers import RawSource
from tenure.sources.sql import literal, quote
from tenure.sources.staging import StagedTable

if TYPE_CHECKING:
    import duckdb

__all__ = ["add_mapped_columns"]


def add_mapped_columns(
    con: duckdb.DuckDBPyConnection,
    raw: RawSource,
    table: str,
    tm: TableMapping,
    staged: dict[str, StagedTable],
    relation: str,
) -> tuple[RawSource | None, list[str], list[Problem]]:
    """``raw`` with the mapping's constants and joined columns added, as view ``relation``.

    Returns the new source, rule queries (``row, column_name, value, message, fix``) for the
    rows whose join key finds nothing, and file problems instead when the columns cannot be
    added (the file already has the column, the join's key column or table is missing).
    """
    if not tm.constants and not tm.join:
        return raw, [], []
    name = raw.file.name
    problems = []
    for column in [*tm.constants, *tm.join]:
        if column in raw.columns:
            kind = "constants" if column in tm.constants else "join"
            problems.append(Problem(
                name, None, column, None,
                f"is in the file and also set by tables.{table}.{kind}.{column} in the mapping",
                f"remove tables.{table}.{kind}.{column} from the mapping, or drop the column"))
    for column, join in tm.join.items():
        where = f"tables.{table}.join.{column}"
        if join.on not in raw.columns:
            problems.append(Problem(
                name, None, join.on, None,
                f"is named by {where} in the mapping but the file has no such column (it has: "
                f"{', '.join(raw.columns)})", f"correct {where}.on in the mapping"))
        if join.table not in staged:
            problems.append(Problem(
                name, None, column, None,
                f"is taken from table {join.table} ({where}), which is not in this load or "
                "could not be read", f"add the {join.table} file, or fix its problems"))
    if problems:
        return None, [], problems

    joined_keys = {j.on for j in tm.join.values()}
    keep = [c for c in raw.columns if c not in joined_keys or c in tm.columns]
    selects = ["r.__row", *(f"r.{quote(c)}" for c in keep)]
    selects += [f"{literal(value)} AS {quote(column)}" for column, value in tm.constants.items()]
    joins = []
    rules = []
    for i, (column, join) in enumerate(tm.join.items()):
        other = staged[join.table]
        key = other.spec.grain[0]
        alias = f"j{i}"
        text = f"NULLIF(TRIM(CAST(r.{quote(join.on)} AS VARCHAR)), '')"
        joins.append(
            f"LEFT JOIN (SELECT {quote(key)} AS k, any_value({quote(column)}) AS v FROM "
            f"{quote(other.relation)} WHERE {quote(key)} IS NOT NULL GROUP BY 1) {alias} "
            f"ON {alias}.k = {text}")
        selects.append(f"CAST({alias}.v AS VARCHAR) AS {quote(column)}")
        source = (f"(SELECT r.__row, {text} AS key, {alias}.k AS found FROM "
                  f"{quote(raw.relation)} r {joins[-1]})")
        label = f"{join.on} (join to {join.table})"
        fix = (f"every row needs the {key} its {column} is taken from (tables.{table}.join."
               f"{column}): fill it in, or add the missing row to {other.source.name}")
        rules.append(
            f"SELECT __row AS row, {literal(label)} AS column_name, key AS value, "
            f"CASE WHEN key IS NULL THEN 'is empty' ELSE "
            f"{literal(f'is not a {key} in {other.source.name}')} END AS message, "
            f"{literal(fix)} AS fix FROM {source} WHERE found IS NULL")
    con.execute(f"CREATE TEMP VIEW {quote(relation)} AS SELECT {', '.join(selects)} "
                f"FROM {quote(raw.relation)} r {' '.join(joins)}")
    columns = {c: raw.columns[c] for c in keep}
    columns.update(dict.fromkeys([*tm.constants, *tm.join], "VARCHAR"))
    return RawSource(raw.file, relation, columns, list(raw.row_problems)), rules, []
