"""Problems that point at the mapping rather than at rows: when (nearly) every row of a file
names an account that does not exist, the rows are not wrong one by one; the wrong column was
mapped to ``account_id`` (or the accounts' own ids come from the wrong column).

The hint looks for the column whose values do match: first among the file's own columns, then
among the accounts file's columns. It reads a sample of rows, so it stays cheap on a large file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tenure.sources.problems import Problem
from tenure.sources.sql import quote
from tenure.sources.staging import StagedTable
from tenure.sources.suggest import mapping_hint

if TYPE_CHECKING:
    import duckdb

__all__ = ["NEARLY_ALL", "SAMPLE_ROWS", "unknown_accounts_hint"]

#: Share of a file's rows naming unknown accounts from which the mapping is suspected.
NEARLY_ALL = 0.9
#: Rows read to find the column that matches.
SAMPLE_ROWS = 10_000


def unknown_accounts_hint(
    con: duckdb.DuckDBPyConnection,
    st: StagedTable,
    raw: str,
    unknown: int,
    accounts: StagedTable | None,
    accounts_raw: str | None,
    accounts_name: str,
    account_ids: str,
) -> Problem | None:
    """A problem about the mapping of ``account_id`` when (nearly) every row of ``st`` names an
    unknown account; ``None`` otherwise.

    Parameters
    ----------
    st
        The staged file; ``raw`` is the relation of its raw columns (before the mapping).
    unknown
        Rows of the file whose account is not in ``account_ids``.
    accounts, accounts_raw
        The staged accounts file and the relation of its raw columns (``None`` when accounts
        are kept from an earlier load), searched when no column of ``st`` matches.
    account_ids
        SQL relation with one ``account_id`` column: the accounts loaded.
    """
    total = int(con.execute(f"SELECT count(*) FROM {quote(st.relation)}").fetchone()[0])
    if unknown < 2 or unknown < NEARLY_ALL * total:
        return None
    label = st.labels.get("account_id", "account_id")
    source = _source_column(st, "account_id")
    example = con.execute(f"SELECT account_id FROM {quote(st.relation)} WHERE account_id IS NOT "
                          f"NULL AND account_id NOT IN (SELECT account_id FROM {account_ids} "
                          "WHERE account_id IS NOT NULL) LIMIT 1").fetchone()
    join = st.mapping.join.get("account_id")
    taken = (f"the mapping takes account_id from {join.table} through column {join.on!r}"
             if join is not None else
             f"the mapping takes account_id from column {source!r}" if source != "account_id"
             else "the file's own account_id column names the account")
    message = (f"names no account of {accounts_name} in {unknown:,} of {total:,} rows (e.g. "
               f"{example[0] if example else ''!r}); {taken}")
    raw_columns = _columns(con, raw)
    best = _best_match(con, raw, [c for c in raw_columns if c != source],
                       f"(SELECT account_id FROM {account_ids} WHERE account_id IS NOT NULL)")
    if best is not None:
        column, matched, sampled = best
        fix = (f"column {column!r} holds the accounts' ids ({matched:,} of {sampled:,} sampled "
               f"rows match): map it instead, {mapping_hint(st.spec.name, column, 'account_id')}")
        return Problem(st.source.name, None, label, None, message, fix)
    if accounts is not None and accounts_raw is not None and source in raw_columns:
        ids = (f"(SELECT DISTINCT CAST({quote(source)} AS VARCHAR) AS account_id FROM "
               f"(SELECT * FROM {raw} LIMIT {SAMPLE_ROWS}) WHERE {quote(source)} IS NOT NULL)")
        columns = [c for c in _columns(con, accounts_raw)
                   if c != _source_column(accounts, "account_id")]
        best = _best_match(con, accounts_raw, columns, ids)
        if best is not None:
            column, matched, sampled = best
            fix = (f"{accounts_name}'s column {column!r} holds the ids this file uses "
                   f"({matched:,} of {sampled:,} sampled rows match): map it to account_id "
                   f"there, {mapping_hint('accounts', column, 'account_id')}")
            return Problem(st.source.name, None, label, None, message, fix)
    fix = (f"check that tables.{st.spec.name}.columns maps the column holding the account's id "
           f"to account_id, and that {accounts_name} comes from the same system as this file")
    return Problem(st.source.name, None, label, None, message, fix)


def _source_column(st: StagedTable, column: str) -> str:
    """The file's column that canonical ``column`` was read from (labels read ``src (col)``)."""
    return st.labels.get(column, column).removesuffix(f" ({column})")


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    return [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()
            if r[0] != "__row"]


def _best_match(con: duckdb.DuckDBPyConnection, relation: str, columns: list[str],
                ids: str) -> tuple[str, int, int] | None:
    """The column of ``relation`` whose sampled values are most often in ``ids`` (one
    ``account_id`` column), with (matches, rows sampled); ``None`` when none matches half."""
    if not columns:
        return None
    sample = f"(SELECT * FROM {relation} LIMIT {SAMPLE_ROWS})"
    parts = []
    for c in columns:
        text = f"NULLIF(TRIM(CAST({quote(c)} AS VARCHAR)), '')"
        parts.append(f"count(*) FILTER (WHERE {text} IN (SELECT account_id FROM {ids}))")
        parts.append(f"count({text})")
    found = con.execute(f"SELECT {', '.join(parts)} FROM {sample}").fetchone()
    best = None
    for i, column in enumerate(columns):
        matched, sampled = int(found[2 * i]), int(found[2 * i + 1])
        if sampled and matched >= 0.5 * sampled and (best is None or matched > best[1]):
            best = (column, matched, sampled)
    return best
