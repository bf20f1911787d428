"""Problems that point at the mapping rather than at rows.

* When (nearly) every row of a file names an account that does not exist, the rows are not
  wrong one by one: the wrong column was mapped to ``account_id`` (or the accounts' own ids come
  from the wrong column). The hint looks for the column whose values do match: first among the
  file's own columns, then among the accounts file's columns.
* When (nearly) every value of a column fails to parse, its dates are in another format (the
  hint names the format they fit) or the mapping took the wrong column.

Both read a sample of rows, so they stay cheap on a large file, and both are problems with the
whole file: ``--quarantine`` would only set every row aside.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tenure.sources.problems import Problem
from tenure.sources.sql import literal as _literal
from tenure.sources.sql import quote
from tenure.sources.staging import StagedTable
from tenure.sources.suggest import mapping_hint

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "DATE_FORMATS",
    "NEARLY_ALL",
    "SAMPLE_ROWS",
    "TIMESTAMP_FORMATS",
    "unknown_accounts_hint",
    "unparsed_column_hints",
]

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


#: Date formats tried when every date of a column fails: day first, month first, dotted, short.
DATE_FORMATS = ("%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%d-%m-%Y", "%Y/%m/%d", "%d/%m/%y",
                "%m/%d/%y")
#: The same for timestamps (each date format with minutes, and with seconds).
TIMESTAMP_FORMATS = tuple(f"{d} {t}" for d in DATE_FORMATS for t in ("%H:%M", "%H:%M:%S"))


def unparsed_column_hints(con: duckdb.DuckDBPyConnection,
                          st: StagedTable) -> list[tuple[str, Problem]]:
    """``(column, problem)`` about the format or the mapping of each column of ``st`` whose
    values (nearly) all fail to parse (one scan of the file for all its columns)."""
    columns = [c.name for c in st.spec.columns if c.dtype != "string" and c.name in st.present]
    if not columns:
        return []
    parts = []
    for c in columns:
        raw, typed = quote(f"{c}__raw"), quote(c)
        parts += [f"count(*) FILTER (WHERE {raw} IS NOT NULL AND {typed} IS NULL)",
                  f"count({raw})", f"min({raw}) FILTER (WHERE {typed} IS NULL)"]
    found = con.execute(f"SELECT {', '.join(parts)} FROM {quote(st.relation)}").fetchone()
    problems = []
    for i, column in enumerate(columns):
        failed, written, example = found[3 * i: 3 * i + 3]
        if failed >= 2 and failed >= NEARLY_ALL * written:
            problem = _unparsed_column_hint(con, st, column, failed, written, example)
            if problem is not None:
                problems.append((column, problem))
    return problems


def _unparsed_column_hint(con: duckdb.DuckDBPyConnection, st: StagedTable, column: str,
                          failed: int, written: int, example: str) -> Problem | None:
    """The problem of one column whose values (nearly) all fail to parse: its dates are in
    another format (named, to set in the mapping), or the mapping took the wrong column;
    ``None`` when neither is likely (the row messages then say how to write each value)."""
    raw = quote(f"{column}__raw")
    dtype = st.spec.column(column).dtype
    table = st.spec.name
    label = st.labels.get(column, column)
    source = _source_column(st, column)
    message = f"fails to parse in {failed:,} of {written:,} rows (e.g. {example!r})"
    if dtype in ("date", "timestamp"):
        setting = f"tables.{table}.{dtype}_format"
        given = st.mapping.date_format if dtype == "date" else st.mapping.timestamp_format
        formats = DATE_FORMATS if dtype == "date" else TIMESTAMP_FORMATS
        sample = (f"(SELECT {raw} AS v FROM {quote(st.relation)} WHERE {raw} IS NOT NULL AND "
                  f"{quote(column)} IS NULL LIMIT {SAMPLE_ROWS})")
        counts = con.execute("SELECT " + ", ".join(
            f"count(*) FILTER (WHERE TRY_STRPTIME(v, {_literal(f)}) IS NOT NULL)"
            for f in formats) + f", count(*) FROM {sample}").fetchone()
        fits = [f for f, n in zip(formats, counts[:-1], strict=True) if n == counts[-1]]
        now = f"the mapping's {dtype}_format {given!r} fits none of them" if given else (
            f"they are not ISO {dtype}s")
        if len(fits) == 1:
            return Problem(st.source.name, None, label, None, f"{message}; {now}",
                           f"set {setting}: '{fits[0]}' in the mapping")
        if fits:
            return Problem(st.source.name, None, label, None, f"{message}; {now}",
                           f"they fit {' and '.join(repr(f) for f in fits)}: set {setting} in "
                           "the mapping to the one your system writes (day or month first)")
        # No known format fits them all: the row messages say more (a time of day in a date
        # column, an impossible day) than a guess about the column would.
        return None
    if source == column:
        return None  # the file's own column: the row messages say how to write the values
    return Problem(
        st.source.name, None, label, None,
        f"{message}; the mapping takes {column} from column {source!r}",
        f"check that tables.{table}.columns maps the column holding {column} to it")
