"""The guard of a load's table replacements: a load may not shrink, empty or drop a loaded table
by surprise.

A load replaces each table wholesale, and by default drops a loaded table whose file is absent.
That is right for a complete export, and wrong for a truncated one (a ``subscriptions.csv``
holding only its header), a misnamed file, or an export cut to a few accounts: each would
silently destroy the data an earlier load wrote. So before anything is written, every
replacement is compared with the table it replaces, and the load stops when it would

* empty a table that has rows,
* lose more than ``max_shrink`` of a table's rows, or of its distinct accounts (a table with an
  ``account_id``), default half of them, or
* drop a table whose file is absent from the folder,

unless the user confirms: ``allow_shrink`` (``--allow-shrink``) for the first two, and
``drop_missing`` (``--drop-missing``) for the third (or ``keep_missing`` to keep the table).
A confirmed shrink is still reported, as a warning.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tenure.errors import InputError
from tenure.schema import TABLES
from tenure.sources.problems import Problem
from tenure.sources.readers import FORMATS, UNFINISHED_SUFFIXES
from tenure.sources.sql import quote

if TYPE_CHECKING:
    import duckdb

__all__ = ["DEFAULT_MAX_SHRINK", "ReplacementPolicy", "TableSize", "replacement_problems"]

#: Share of a table's rows (or accounts) a load may remove without ``--allow-shrink``.
DEFAULT_MAX_SHRINK = 0.5


@dataclass(frozen=True)
class ReplacementPolicy:
    """What a load may do to the tables an earlier load wrote.

    Attributes
    ----------
    allow_shrink
        Confirm that a table may be emptied or lose more than ``max_shrink`` of its rows or
        accounts.
    drop_missing
        Confirm that a loaded table whose file is absent is dropped.
    max_shrink
        Share (0 to 1) of a table's rows, or of its accounts, a load may remove unconfirmed.
    """

    allow_shrink: bool = False
    drop_missing: bool = False
    max_shrink: float = DEFAULT_MAX_SHRINK

    def __post_init__(self) -> None:
        if not 0 <= self.max_shrink <= 1:
            raise InputError(f"load_max_shrink {self.max_shrink} is not a share between 0 and "
                             "1; set it in tenure.yaml, e.g. 0.5 for half a table")


@dataclass(frozen=True)
class TableSize:
    """Rows of a table and, when it has an ``account_id``, its distinct accounts."""

    rows: int
    accounts: int | None

    def describe(self, *, brackets: bool = False) -> str:
        """``'6 rows, 3 accounts'`` (``'6 rows (3 accounts)'`` with ``brackets``), or ``'1 row'``
        for a table without accounts.

        >>> TableSize(6, 3).describe(), TableSize(1, None).describe(brackets=True)
        ('6 rows, 3 accounts', '1 row')
        """
        text = _count(self.rows, "row")
        if self.accounts is None:
            return text
        accounts = _count(self.accounts, "account")
        return f"{text} ({accounts})" if brackets else f"{text}, {accounts}"

    @classmethod
    def of(cls, con: duckdb.DuckDBPyConnection, table: str, relation: str) -> TableSize:
        """The size of ``relation`` (SQL after ``FROM``), holding rows of canonical ``table``."""
        with_accounts = "account_id" in TABLES[table].column_names
        accounts = "count(DISTINCT account_id)" if with_accounts else "NULL"
        rows, distinct = con.execute(f"SELECT count(*), {accounts} FROM {relation}").fetchone()
        return cls(int(rows), None if distinct is None else int(distinct))


def replacement_problems(
    con: duckdb.DuckDBPyConnection,
    incoming: dict[str, tuple[str, str]],
    absent: list[str],
    source_dir: Path,
    policy: ReplacementPolicy,
) -> tuple[list[Problem], list[str]]:
    """Problems for the replacements ``policy`` does not allow, and warnings for those it does.

    Parameters
    ----------
    con
        The warehouse connection; the loaded tables are ``main.<table>``.
    incoming
        Table -> (file it is loaded from, SQL relation of the rows that would be written).
    absent
        Loaded tables that this load would drop (their file is absent, ``keep_missing`` off).
    source_dir
        The load folder, for messages.
    policy
        What the user confirmed.
    """
    problems: list[Problem] = []
    warnings: list[str] = []
    loaded = _loaded_tables(con)
    for table, (file, relation) in incoming.items():
        if table not in loaded:
            continue
        before = TableSize.of(con, table, f"main.{quote(table)}")
        if before.rows == 0:
            continue
        after = TableSize.of(con, table, relation)
        loss = _sharp_loss(before, after, policy.max_shrink)
        if loss is None:
            continue
        change = (f"would replace table {table} ({before.describe()}) with "
                  f"{after.describe(brackets=True)}, {loss}")
        if policy.allow_shrink:
            warnings.append(f"{file}: {change.replace('would replace', 'replaced')} "
                            "(--allow-shrink)")
        else:
            problems.append(Problem(file, None, None, None, change,
                                    "if the export is complete, load again with --allow-shrink"))
    for table in absent:
        if policy.drop_missing or _readable_files(source_dir, table):
            continue  # a file that is there but was not staged has its own problem (two files)
        size = TableSize.of(con, table, f"main.{quote(table)}")
        problems.append(Problem(
            f"table {table} ({_count(size.rows, 'row')}, loaded earlier)", None, None, None,
            f"has no file in {source_dir}{_lookalikes(source_dir, table)}, so this load would "
            "drop it",
            f"add {table}.csv (.parquet or .jsonl), pass --keep-missing to keep the loaded "
            "table, or --drop-missing to drop it"))
    return problems, warnings


def _sharp_loss(before: TableSize, after: TableSize, max_shrink: float) -> str | None:
    """How the table shrinks, when it is emptied or loses more than ``max_shrink``."""
    if after.rows == 0:
        return "emptying it"
    losses = [((before.rows - after.rows) / before.rows, "rows")]
    if before.accounts and after.accounts is not None:
        losses.append(((before.accounts - after.accounts) / before.accounts, "accounts"))
    share, what = max(losses)
    if share <= max_shrink:
        return None
    return (f"losing {share:.0%} of its {what} (a load may lose at most {max_shrink:.0%} of a "
            "table's rows or accounts unless confirmed: setting load_max_shrink)")


def _readable_files(source_dir: Path, table: str) -> list[str]:
    stems = {f"{stem}{suffix}" for stem in (table, *TABLES[table].aliases) for suffix in FORMATS}
    return [p.name for p in source_dir.iterdir() if p.name.lower() in stems]


def _lookalikes(source_dir: Path, table: str) -> str:
    """Files of the folder named like the table but in a format Tenure does not read
    (unfinished copies have their own problem)."""
    stems = {table, *TABLES[table].aliases}
    names = sorted(p.name for p in source_dir.iterdir() if p.is_file()
                   and p.name.split(".")[0].lower() in stems
                   and p.suffix.lower() not in FORMATS
                   and not p.name.lower().endswith(UNFINISHED_SUFFIXES))
    return f" ({', '.join(names)} is not a .csv, .parquet or .jsonl file)" if names else ""


def _loaded_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT temporary "
                       "AND schema_name = 'main' AND database_name = current_database()"
                       ).fetchall()
    return {r[0] for r in rows}


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"
