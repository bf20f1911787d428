"""Load a folder of exports into the warehouse: validate everything, then write all or nothing.

``load_directory`` is the whole flow of ``tenure load``:

1. find each canonical table's file (``<table>.csv``, ``.parquet`` or ``.jsonl``, or the file the
   mapping names) and stage it in DuckDB as typed rows, mapping applied;
2. run every validation rule over every staged file and collect all the problems;
3. without ``quarantine`` any problem stops the load; with it, rejected rows (and the rows of
   rejected accounts) are set aside with their reasons;
4. write every table in one transaction, with the load recorded in ``load_log``.

Each loaded table is replaced wholesale, so loading the same files twice gives the same
warehouse. A load that would empty a loaded table, remove most of its rows or accounts, or drop
it (its file is absent) stops unless confirmed (``allow_shrink``, ``drop_missing``), or
``keep_missing`` keeps what an earlier load wrote: see :mod:`tenure.warehouse.replacement`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import tempfile
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from tenure.errors import InputError, ValidationError, WarehouseError
from tenure.schema import TABLES, TableSpec
from tenure.sources.enrich import add_mapped_columns
from tenure.sources.fill import fill_line_ids, fill_sign_up_dates, unfilled_rules
from tenure.sources.hints import unknown_accounts_hint, unparsed_column_hints
from tenure.sources.mapping import MAPPING_FILE, Mapping, load_mapping
from tenure.sources.problems import Problem, ProblemCount
from tenure.sources.readers import SourceFile, locate_sources, read_raw
from tenure.sources.rules import (
    account_rules,
    column_rules,
    currency_rules,
    duplicate_key_rule,
    overlap_rule,
    problem_from_row,
    repeated_rows_sql,
)
from tenure.sources.sql import (
    cents_to_money,
    duckdb_type,
    half_even_div,
    literal,
    literal_list,
    quote,
)
from tenure.sources.staging import StagedTable, stage_table
from tenure.warehouse.connection import Warehouse
from tenure.warehouse.locking import wait_for_lock
from tenure.warehouse.replacement import DEFAULT_MAX_SHRINK, ReplacementPolicy, replacement_problems

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "EXAMPLES_PER_RULE",
    "LOAD_LOG",
    "LOAD_REJECTS",
    "MAX_LISTED",
    "REQUIRED_TABLES",
    "LoadReport",
    "load_directory",
]

#: Table recording every load: when, which files, their content hash and the rows loaded.
LOAD_LOG = "load_log"
#: Table of the rows the last quarantined load set aside, each with its reasons.
LOAD_REJECTS = "load_rejects"
#: Tables a first load must provide (later loads may keep them with ``keep_missing``).
REQUIRED_TABLES = tuple(name for name, spec in TABLES.items() if not spec.optional)
#: At most this many problems are listed in a ValidationError; all are counted.
MAX_LISTED = 1000
#: Examples listed per rule and file; the rest of each rule's rows are counted.
EXAMPLES_PER_RULE = 5

_CONVERTED = {"subscriptions": ("mrr",), "spend": ("sales_marketing", "cost_of_service")}
_RATE_UNITS = 100_000_000  # fx rates carry 8 decimals


@dataclass(frozen=True)
class LoadReport:
    """What a load did.

    Attributes
    ----------
    rows_loaded
        Rows written per table.
    rejects
        Rows set aside by ``quarantine`` (all tables), including ``cascaded``.
    rejects_by_table
        The same, per table.
    cascaded
        Rows set aside only because their account was rejected.
    warnings
        Things worth knowing that did not stop the load (ignored columns, cancellations
        recorded after the end of service, dropped tables, values the loader derived).
    repeated_events
        Events without an ``event_id`` identical to an earlier row, loaded as repeated
        actions (also said in ``warnings``).
    """

    load_id: str
    rows_loaded: dict[str, int]
    rejects: int = 0
    rejects_by_table: dict[str, int] = field(default_factory=dict)
    cascaded: int = 0
    files: dict[str, str] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    content_hash: str = ""
    #: Events without a source id identical to an earlier row: loaded as repeated actions.
    repeated_events: int = 0

    def summary(self) -> str:
        """One line per loaded table, then rejects and warnings, for a terminal.

        >>> print(LoadReport("x", {"accounts": 2, "subscriptions": 3}).summary())
        loaded accounts: 2 rows, subscriptions: 3 rows
        """
        lines = ["loaded " + ", ".join(f"{t}: {n:,} rows" for t, n in self.rows_loaded.items())]
        if self.rejects:
            lines.append(f"rejected {self.rejects:,} row(s), {self.cascaded:,} of them because "
                         "their account was rejected")
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def load_directory(
    warehouse: Warehouse,
    source_dir: Path,
    *,
    mapping: Mapping | Path | None = None,
    reporting_currency: str = "USD",
    quarantine: bool = False,
    as_of: datetime | None = None,
    rejects_path: Path | None = None,
    keep_missing: bool = False,
    drop_missing: bool = False,
    allow_shrink: bool = False,
    max_shrink: float = DEFAULT_MAX_SHRINK,
    on_step: Callable[[str], None] | None = None,
) -> LoadReport:
    """Validate the exports in ``source_dir`` and load them into ``warehouse`` atomically.

    Parameters
    ----------
    warehouse
        A DuckDB warehouse.
    source_dir
        Folder with one file per canonical table.
    mapping
        Renames, value maps and formats; a path to a YAML mapping, or ``None`` to use
        ``mapping.yaml`` in ``source_dir`` when present.
    reporting_currency
        ISO code all money is converted to (with the folder's ``fx_rates``).
    quarantine
        Load the good rows and set the rejected ones aside (``load_rejects`` table and
        ``rejects_path``) instead of stopping at the first load with problems.
    as_of
        Time the data describes; dates after it are rejected (default: now, UTC).
    rejects_path
        CSV file the quarantined rows are written to.
    keep_missing
        Keep the tables an earlier load wrote when their file is absent.
    drop_missing
        Drop the tables an earlier load wrote when their file is absent. Without this or
        ``keep_missing``, such a table stops the load (see :mod:`tenure.warehouse.replacement`).
    allow_shrink
        Let the load empty a loaded table, or remove more than ``max_shrink`` of its rows or
        accounts; without it, such a load stops.
    max_shrink
        Share of a loaded table's rows (or accounts) a load may remove unconfirmed.
    on_step
        Called with a short description of each step (a file being read, the checks, the
        write), for progress display.

    Raises
    ------
    ValidationError
        With every problem found; nothing is written.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "accounts.csv").write_text("account_id,created_at\\nA1,2024-01-05\\n")
    >>> _ = (folder / "subscriptions.csv").write_text(
    ...     "subscription_id,account_id,plan,mrr,start_date\\nS1,A1,pro,49.00,2024-01-05\\n")
    >>> load_directory(Warehouse(), folder).rows_loaded
    {'accounts': 1, 'subscriptions': 1}
    """
    source_dir = Path(source_dir)
    if not source_dir.is_dir():
        raise InputError(f"{source_dir} is not a folder; give the folder holding the exports.")
    if not re.fullmatch(r"[A-Z]{3}", reporting_currency):
        raise InputError(f"reporting currency {reporting_currency!r} is not an ISO 4217 code; "
                         "set reporting_currency in tenure.yaml to e.g. USD.")
    if not warehouse.is_duckdb:
        raise WarehouseError("tenure load writes to the DuckDB warehouse; load there first.")
    warehouse.check_writable(mode=False)  # before minutes of staging, not after
    if keep_missing and drop_missing:
        raise InputError("--keep-missing and --drop-missing ask for opposite things; pass one.")
    policy = ReplacementPolicy(allow_shrink=allow_shrink, drop_missing=drop_missing,
                               max_shrink=max_shrink)
    if isinstance(mapping, Path | str):
        mapping = load_mapping(Path(mapping))
    elif mapping is None:
        default = source_dir / MAPPING_FILE
        mapping = load_mapping(default) if default.is_file() else Mapping()
    if as_of is None:
        as_of = datetime.now(UTC)
    if as_of.tzinfo is not None:
        as_of = as_of.astimezone(UTC).replace(tzinfo=None)
    with _staging(warehouse) as (con, target):
        run = _LoadRun(warehouse, source_dir, mapping, reporting_currency, as_of, keep_missing,
                       con=con, target=target, on_step=on_step,
                       policy=policy)
        # DuckDB draws progress bars for long scans; they would garble the command's own output.
        progress = run.con.execute("SELECT current_setting('enable_progress_bar')").fetchone()[0]
        run.con.execute("SET enable_progress_bar = false")
        try:
            return run.execute(quarantine=quarantine, rejects_path=rejects_path)
        finally:
            run.cleanup()
            run.con.execute(f"SET enable_progress_bar = {'true' if progress else 'false'}")


#: A statement writing a loaded table (see ``_LoadRun._write_statement``): table, then query.
_CREATE_AS = re.compile(r'CREATE OR REPLACE TABLE main\.("[^"]+") AS (SELECT .*)', re.DOTALL)
#: Name the warehouse file is attached under in the staging connection.
_ATTACHED = "tenure_warehouse"
#: The scratch database of a load (its file ``staging.duckdb`` in a temporary folder).
_SCRATCH = "staging"


@contextlib.contextmanager
def _staging(warehouse: Warehouse) -> Iterator[tuple[duckdb.DuckDBPyConnection, Path | None]]:
    """The connection a load stages and validates on, and the warehouse file it writes to.

    A file warehouse is not held while the exports are read and checked (minutes on a large
    business): staging happens in a scratch DuckDB database in a temporary folder, with the
    warehouse attached read-only (other commands keep reading it; a read-only attach is only
    refused while another process writes, and then the load waits for it). The file is
    attached read-write only for the final transaction (:meth:`_LoadRun.commit`). The
    warehouse object's own connection is closed first: DuckDB refuses to attach a file this
    process already has open, and the next use of the object reopens it.

    An in-memory warehouse (tests, doctests) is staged on its own connection, as it cannot be
    attached from another one; ``target`` is then ``None``.
    """
    if warehouse.path == ":memory:":
        yield warehouse.con.con, None
        return
    import duckdb

    target = Path(warehouse.path)
    warehouse.close()
    # Beside the warehouse when its folder exists: staged data spills to disk there, as it did
    # when the load staged inside the warehouse, not to a possibly small system temp folder.
    scratch = target.parent if target.parent.is_dir() else None
    with tempfile.TemporaryDirectory(prefix=".tenure-load-", dir=scratch) as folder:
        con = duckdb.connect(str(Path(folder) / f"{_SCRATCH}.duckdb"))
        try:
            if target.exists():
                _attach(con, target, warehouse, read_only=True)
            yield con, target
        finally:
            con.close()


def _attach(con: duckdb.DuckDBPyConnection, path: Path, warehouse: Warehouse, *,
            read_only: bool) -> None:
    """Attach the warehouse file as the default database of ``con``, waiting for its lock.

    A previous attachment (read-only, while staging) is detached first.
    """
    import duckdb

    con.execute(f"USE {_SCRATCH}")
    if con.execute("SELECT count(*) FROM duckdb_databases() WHERE database_name = ?",
                   [_ATTACHED]).fetchone()[0]:
        con.execute(f"DETACH {_ATTACHED}")
    mode = " (READ_ONLY)" if read_only else ""
    try:
        wait_for_lock(path, lambda: con.execute(
            f"ATTACH {literal(str(path))} AS {_ATTACHED}{mode}"),
            timeout=warehouse.lock_timeout, on_wait=warehouse.on_wait)
    except duckdb.BinderException as error:
        if "already attached" not in str(error):
            raise
        raise WarehouseError(
            f"the warehouse {path} is open in this process through another Warehouse object; "
            "close it (Warehouse.close) before loading.") from None
    # `main.<table>` and current_database() now mean the warehouse; temp objects stay in temp.
    con.execute(f"USE {_ATTACHED}")


class _LoadRun:
    """The state of one load: staged tables and the DuckDB names to clean up afterwards."""

    def __init__(self, warehouse: Warehouse, source_dir: Path, mapping: Mapping,
                 currency: str, as_of: datetime, keep_missing: bool, *,
                 con: duckdb.DuckDBPyConnection, target: Path | None = None,
                 on_step: Callable[[str], None] | None = None,
                 policy: ReplacementPolicy | None = None) -> None:
        self.warehouse = warehouse
        self.con = con
        self.target = target
        self.on_step = on_step
        self.source_dir = source_dir
        self.mapping = mapping
        self.currency = currency
        self.as_of = as_of
        self.keep_missing = keep_missing
        self.policy = policy or ReplacementPolicy()
        self.load_id = uuid.uuid4().hex
        self.prefix = f"__tenure_load_{self.load_id[:8]}"
        self.problems = f"{self.prefix}_problems"
        self.staged: dict[str, StagedTable] = {}
        self.kept: list[str] = []
        self.file_problems: list[Problem] = []
        self.warnings: list[str] = []
        #: Rule queries of the mapping's joins, per table (rows whose key finds nothing).
        self.join_rules: dict[str, list[str]] = {}
        self._temp_tables: list[str] = []
        self._views: list[str] = []
        self._registered: list[str] = []

    # -- steps -------------------------------------------------------------------------------

    def execute(self, *, quarantine: bool, rejects_path: Path | None) -> LoadReport:
        existing = self._main_tables()
        sources, self.file_problems = locate_sources(self.source_dir, self.mapping)
        self.kept = kept = sorted(t for t in TABLES if t not in sources and t in existing
                                  and self.keep_missing)
        for table in REQUIRED_TABLES:
            if table not in sources and table not in kept:
                self.file_problems.append(Problem(
                    f"{table}.csv", None, None, None, f"is not in {self.source_dir}",
                    f"every load needs {', '.join(REQUIRED_TABLES)} (a later load may keep the "
                    "loaded ones with --keep-missing); add the file or name it in the mapping"))
        self._stage(sources)
        self._fill_missing_values(kept)
        self.step("checking every row")
        self._validate(kept)
        cascaded = self._cascade() if quarantine else 0
        self._guard_replacements(existing, sources, quarantine)
        self._raise_if_fatal(quarantine)
        rejects_by_table = {t: n for t, n in self.con.execute(
            f"SELECT table_name, count(DISTINCT row) FROM {quote(self.problems)} "
            "GROUP BY table_name ORDER BY table_name").fetchall()}
        counts = {t: self._count(f"SELECT count(*) FROM {quote(st.data_relation)}")
                  - rejects_by_table.get(t, 0) for t, st in self.staged.items()}
        self._warn_cancelled_after_end()
        repeated = self._count_repeated_events()
        dropped = sorted(t for t in TABLES if t in existing and t not in sources
                         and t not in kept)
        self.warnings.extend(f"table {t} was dropped: it is not in {self.source_dir} (pass "
                             "--keep-missing to keep it)" for t in dropped)
        digest = self._content_hash(sources)
        statements = [self._write_statement(t) for t in self.staged]
        statements += [f"DROP TABLE IF EXISTS {quote(t)}" for t in dropped]
        statements += self._rejects_statements()
        statements += self._log_statements(sources, counts, sum(rejects_by_table.values()),
                                           digest)
        self.commit(statements)
        if rejects_path is not None and quarantine:
            self.con.execute(
                f"COPY (SELECT table_name, file, row, reasons, record FROM {LOAD_REJECTS} "
                f"ORDER BY table_name, row) TO {literal(str(rejects_path))} "
                "(HEADER, DELIMITER ',')")
        return LoadReport(
            load_id=self.load_id, rows_loaded=counts, rejects=sum(rejects_by_table.values()),
            rejects_by_table=rejects_by_table, cascaded=cascaded,
            files={t: s.name for t, s in sources.items()}, dropped=dropped, kept=kept,
            warnings=self.warnings, content_hash=digest, repeated_events=repeated)

    def _stage(self, sources: dict[str, SourceFile]) -> None:
        values = [(t, col, src, dst) for t, tm in self.mapping.tables.items()
                  for col, vmap in tm.values.items() for src, dst in vmap.items()]
        names = ["table_name", "column_name", "source", "target"]
        self._register(f"{self.prefix}_values", pa.table(
            {n: pa.array([v[i] for v in values], pa.string()) for i, n in enumerate(names)}))
        for table, source in sources.items():
            self.step(f"reading {source.name}")
            raw_name = f"{self.prefix}_raw_{table}"
            raw, problems = read_raw(self.con, source, raw_name)
            if raw is None:
                self.file_problems.extend(problems)
                continue
            self._views.append(raw_name)  # registered data is a temporary view as well
            raw, self.join_rules[table], problems = add_mapped_columns(
                self.con, raw, table, self.mapping.for_table(table), self.staged,
                f"{self.prefix}_mapped_{table}")
            if raw is None:
                self.file_problems.extend(problems)
                continue
            if raw.relation != raw_name:
                self._views.append(raw.relation)
            staged, problems = stage_table(
                self.con, raw, TABLES[table], self.mapping.for_table(table),
                relation=f"{self.prefix}_stg_{table}", values_relation=f"{self.prefix}_values",
                reporting_currency=self.currency)
            if staged is None:
                self.file_problems.extend(problems)
                continue
            self._views.append(staged.relation)
            self._temp_tables.append(staged.data_relation)
            self.staged[table] = staged
            self.warnings.extend(staged.warnings)

    def _validate(self, kept: list[str]) -> None:
        self.con.execute(
            f"CREATE TEMP TABLE {quote(self.problems)} (table_name VARCHAR, file VARCHAR, "
            "row_label VARCHAR, row BIGINT, column_name VARCHAR, value VARCHAR, "
            "message VARCHAR, fix VARCHAR)")
        self._temp_tables.append(self.problems)
        accounts, accounts_name = self._accounts_relation(kept)
        fx, fx_name = self._fx_relation(kept)
        for table, st in self.staged.items():
            self._insert_python_problems(table, st.row_problems)
            queries = [*column_rules(st, self.as_of), *unfilled_rules(st),
                       *self.join_rules.get(table, []), duplicate_key_rule(st)]
            if table == "subscriptions":
                queries.append(overlap_rule(st))
            if accounts is not None:
                queries += account_rules(st, accounts, accounts_name)
            if "currency" in st.spec.column_names:
                queries += currency_rules(st, self.currency, fx, fx_name)
            for query in queries:
                self.con.execute(
                    f"INSERT INTO {quote(self.problems)} SELECT {literal(table)}, "
                    f"{literal(st.source.name)}, {literal(st.source.row_label)}, * "
                    f"FROM ({query})")
        if accounts is not None:
            self._unknown_account_hints(accounts, accounts_name)
        self._unparsed_column_hints()
        if "accounts" in self.staged:
            self._check_kept_tables(kept, accounts)

    def _guard_replacements(self, existing: set[str], sources: dict[str, SourceFile],
                            quarantine: bool) -> None:
        """Stop a load that would empty, sharply shrink or drop a loaded table unconfirmed."""
        incoming = {
            t: (st.source.name, f"{quote(st.relation)} s" + (
                f" WHERE {self._accepted(t)}" if quarantine else ""))
            for t, st in self.staged.items()}
        # a required table's absence is already a problem of its own
        absent = sorted(t for t in TABLES if t in existing and t not in sources
                        and t not in self.kept and t not in REQUIRED_TABLES)
        problems, warnings = replacement_problems(self.con, incoming, absent, self.source_dir,
                                                  self.policy)
        self.file_problems.extend(problems)
        self.warnings.extend(warnings)

    def _unparsed_column_hints(self) -> None:
        """A column whose values (nearly) all fail to parse has a format or mapping problem."""
        for table, st in self.staged.items():
            for column, problem in unparsed_column_hints(self.con, st):
                # One problem with the column explains its rows: they are not listed one by one.
                self.file_problems.append(problem)
                self.con.execute(
                    f"DELETE FROM {quote(self.problems)} WHERE table_name = {literal(table)} "
                    f"AND column_name = {literal(st.labels.get(column, column))} AND row IN "
                    f"(SELECT __row FROM {quote(st.relation)} WHERE "
                    f"{quote(column + '__raw')} IS NOT NULL AND {quote(column)} IS NULL)")

    def _unknown_account_hints(self, accounts: str, accounts_name: str) -> None:
        """A file whose rows (nearly) all name unknown accounts has a mapping problem, not row
        problems: say which column was mapped to account_id and which one matches."""
        staged_accounts = self.staged.get("accounts")
        unknown_message = literal(f"is not an account in {accounts_name}")
        for table, st in self.staged.items():
            if table == "accounts" or "account_id" not in st.spec.column_names:
                continue
            unknown = self._count(
                f"SELECT count(DISTINCT row) FROM {quote(self.problems)} WHERE table_name = "
                f"{literal(table)} AND message = {unknown_message}")
            if not unknown:
                continue
            problem = unknown_accounts_hint(
                self.con, st, quote(f"{self.prefix}_raw_{table}"), unknown, staged_accounts,
                quote(f"{self.prefix}_raw_accounts") if staged_accounts else None,
                accounts_name, accounts)
            if problem is not None:
                # One mapping problem explains these rows: they are not listed one by one.
                self.file_problems.append(problem)
                self.con.execute(f"DELETE FROM {quote(self.problems)} WHERE table_name = "
                                 f"{literal(table)} AND message = {unknown_message}")

    def _fill_missing_values(self, kept: list[str]) -> None:
        """Derive what an export may lack (sign-up dates, line ids), and say so."""
        subs = self.staged.get("subscriptions")
        if subs is not None:
            n = fill_line_ids(self.con, subs)
            if n:
                self.warnings.append(
                    f"{subs.source.name}: {n:,} subscription line(s) have no subscription_id; "
                    "each was given one made from its account, plan, dates and price (the same "
                    "on every load of the same rows)")
        accounts = self.staged.get("accounts")
        if accounts is None:
            return
        starts = (quote(subs.relation) if subs is not None else
                  "main.subscriptions" if "subscriptions" in kept else None)
        n = fill_sign_up_dates(self.con, accounts, starts)
        if n:
            self.warnings.append(
                f"{accounts.source.name}: {n:,} account(s) have no created_at (sign-up date); "
                "it was taken from the start of each account's first subscription line")

    def _check_kept_tables(self, kept: list[str], accounts: str) -> None:
        """Tables kept from an earlier load must still point at loaded accounts."""
        for table in kept:
            if "account_id" not in TABLES[table].column_names or table == "accounts":
                continue
            orphans = self.con.execute(
                f"SELECT count(*), min(account_id) FROM main.{quote(table)} WHERE account_id "
                f"NOT IN (SELECT account_id FROM {accounts} WHERE account_id IS NOT NULL)"
            ).fetchone()
            if orphans[0]:
                self.file_problems.append(Problem(
                    f"table {table} (kept from an earlier load)", None, None, None,
                    f"has {orphans[0]} row(s) for accounts that are not in "
                    f"{self.staged['accounts'].source.name}, e.g. {orphans[1]!r}",
                    f"load {table} again from the same export as the accounts, or load without "
                    "--keep-missing to drop it"))

    def _cascade(self) -> int:
        """Quarantine: set aside the rows of accounts that were rejected. Returns their count."""
        if "accounts" not in self.staged:
            return 0
        accounts = quote(self.staged["accounts"].relation)
        rejected = (f"(SELECT account_id FROM {accounts} WHERE account_id IS NOT NULL "
                    f"EXCEPT SELECT account_id FROM {accounts} s WHERE account_id IS NOT NULL "
                    f"AND {self._accepted('accounts')})")
        before = self._count(f"SELECT count(*) FROM {quote(self.problems)}")
        for table, st in self.staged.items():
            if table == "accounts" or "account_id" not in st.spec.column_names:
                continue
            self.con.execute(
                f"INSERT INTO {quote(self.problems)} SELECT {literal(table)}, "
                f"{literal(st.source.name)}, {literal(st.source.row_label)}, s.__row, "
                f"{literal(st.labels['account_id'])}, s.account_id__raw, "
                f"{literal('belongs to an account rejected from ' + self.staged['accounts'].source.name)}, "  # noqa: E501
                "'fix that account''s row (see the rejects) and load again' "
                f"FROM {quote(st.relation)} s WHERE s.account_id IN {rejected} "
                f"AND {self._accepted(table)}")
        return self._count(f"SELECT count(*) FROM {quote(self.problems)}") - before

    def _raise_if_fatal(self, quarantine: bool) -> None:
        total = self._count(f"SELECT count(*) FROM {quote(self.problems)}")
        if not self.file_problems and (quarantine or total == 0):
            return
        listed, counts = self._examples_and_counts()
        raise ValidationError(
            self.file_problems + listed, total=len(self.file_problems) + total,
            counts=counts, advice=_advice(self.file_problems, total))

    def _examples_and_counts(self) -> tuple[list[Problem], list[ProblemCount]]:
        """A few examples of each rule in each file (at most MAX_LISTED in all), and the count
        of every rule in every file, in table order."""
        order = literal_list(list(TABLES))
        # One rule in one file: its column and fix (a message may quote the row's values).
        rule = "table_name, file, column_name, fix"
        rows = self.con.execute(
            f"WITH p AS (SELECT *, row_number() OVER (PARTITION BY {rule} ORDER BY row, message) "
            f"AS __n, count(*) OVER (PARTITION BY {rule}) AS __count, "
            f"min(row) OVER (PARTITION BY {rule}) AS __first FROM {quote(self.problems)}) "
            f"SELECT * EXCLUDE (__n, __first), __n FROM p WHERE __n <= {EXAMPLES_PER_RULE} "
            f"ORDER BY list_position({order}, table_name), file, __first, column_name, fix, __n"
        ).fetchall()
        examples = [(problem_from_row(tuple(r[:-2])), r[-2], r[-1]) for r in rows]
        listed = [p for p, _, _ in examples][:max(MAX_LISTED - len(self.file_problems), 0)]
        shown = Counter((p.file, p.column, p.fix) for p in listed)
        counts = [ProblemCount(p, count, shown[p.file, p.column, p.fix])
                  for p, count, n in examples if n == 1]
        return listed, counts

    # -- writing -----------------------------------------------------------------------------

    def _write_statement(self, table: str) -> str:
        st = self.staged[table]
        spec: TableSpec = st.spec
        converted = _CONVERTED.get(table, ())
        fx, _ = self._fx_relation(self.kept)
        join = f" LEFT JOIN {fx} fx ON fx.currency = s.currency" if converted and fx else ""
        exprs = []
        for col in spec.columns:
            expr = f"s.{quote(col.name)}"
            if col.name in converted and join:
                cents = f"CAST(s.{quote(col.name)} * 100 AS HUGEINT)"
                rate = f"CAST(fx.rate * {_RATE_UNITS} AS HUGEINT)"
                expr = (f"CASE WHEN s.currency = {literal(self.currency)} THEN s.{quote(col.name)}"
                        f" ELSE {cents_to_money(half_even_div(f'{cents} * {rate}', str(_RATE_UNITS)))}"  # noqa: E501
                        " END")
            elif col.name == "currency" and join:
                expr = literal(self.currency)
            elif col.name.startswith("original_") and converted:
                expr = f"s.{quote(col.name.removeprefix('original_'))}"
            exprs.append(f"CAST({expr} AS {duckdb_type(col.dtype)}) AS {quote(col.name)}")
        exprs += [f"CAST(s.{quote(a)} AS VARCHAR) AS {quote(a)}" for a in st.attributes]
        return (f"CREATE OR REPLACE TABLE main.{quote(table)} AS SELECT {', '.join(exprs)} "
                f"FROM {quote(st.relation)} s{join} WHERE {self._accepted(table)}")

    def _rejects_statements(self) -> list[str]:
        statements = [(f"CREATE OR REPLACE TABLE main.{LOAD_REJECTS} (load_id VARCHAR, "
                      "table_name VARCHAR, file VARCHAR, row BIGINT, reasons VARCHAR, "
                      "record VARCHAR)")]
        reason = ("CASE WHEN column_name IS NOT NULL THEN 'column ' || column_name || ': ' "
                  "ELSE '' END || CASE WHEN value IS NOT NULL THEN 'value ''' || value || ''' ' "
                  "ELSE '' END || message || '; ' || fix")
        for table, st in self.staged.items():
            fields = [f"{quote(c)} := s.{quote(c + '__raw')}" for c in st.spec.column_names
                      if c in st.present] + [f"{quote(a)} := s.{quote(a)}" for a in st.attributes]
            record = f"CAST(to_json(struct_pack({', '.join(fields)})) AS VARCHAR)" if fields \
                else "NULL"
            statements.append(
                f"INSERT INTO main.{LOAD_REJECTS} SELECT {literal(self.load_id)}, "
                f"{literal(table)}, {literal(st.source.name)}, p.row, p.reasons, {record} "
                f"FROM (SELECT row, string_agg({reason}, ' | ' ORDER BY column_name) AS reasons "
                f"FROM {quote(self.problems)} WHERE table_name = {literal(table)} GROUP BY row) p "
                f"JOIN {quote(st.relation)} s ON s.__row = p.row")
        return statements

    def _log_statements(self, sources: dict[str, SourceFile], counts: dict[str, int],
                        rejects: int, digest: str) -> list[str]:
        name = f"{self.prefix}_log"
        self._register(name, pa.table({
            "load_id": [self.load_id],
            "loaded_at": pa.array([datetime.now(UTC).replace(tzinfo=None)], pa.timestamp("us")),
            "as_of": pa.array([self.as_of], pa.timestamp("us")),
            "source_dir": [str(self.source_dir)],
            "files": [json.dumps({t: s.name for t, s in sources.items()})],
            "content_hash": [digest],
            "row_counts": [json.dumps(counts)],
            "rejected_rows": pa.array([rejects], pa.int64()),
        }))
        return [(f"CREATE TABLE IF NOT EXISTS main.{LOAD_LOG} (load_id VARCHAR, "
                 "loaded_at TIMESTAMP, as_of TIMESTAMP, source_dir VARCHAR, files VARCHAR, "
                 "content_hash VARCHAR, row_counts VARCHAR, rejected_rows BIGINT)"),
                f"INSERT INTO main.{LOAD_LOG} SELECT * FROM {quote(name)}"]

    def commit(self, statements: list[str]) -> None:
        """Run the load's statements as one transaction in the warehouse, all or nothing.

        A file warehouse is attached read-write only now, for this transaction (waiting, with a
        message, while another process holds it); it stays attached for the rejects file, and
        is released when the load's scratch connection closes.
        """
        if self.target is None:
            self.step("writing the warehouse")
            self.warehouse.execute_in_transaction(statements)
            return
        self.step("preparing the tables")
        statements = [self._prepared(statement) for statement in statements]
        self.step("writing the warehouse")
        # The file's folder may be new (a `warehouse:` setting naming a subfolder); it is
        # made only now that there is something to write.
        self.target.parent.mkdir(parents=True, exist_ok=True)
        _attach(self.con, self.target, self.warehouse, read_only=False)
        self.warehouse.execute_in_transaction(statements, con=self.con)

    def _prepared(self, statement: str) -> str:
        """A table-writing statement whose rows are computed now, in the scratch database.

        The typed, converted, filtered rows of each loaded table become a temporary table
        before the warehouse is opened read-write, so the transaction that holds it only
        copies them. Other statements (the log, the rejects, drops) are returned unchanged.
        """
        match = _CREATE_AS.fullmatch(statement)
        if match is None:
            return statement
        table, select = match.groups()
        ready = f"{self.prefix}_ready_{len(self._temp_tables)}"
        self.con.execute(f"CREATE TEMP TABLE {quote(ready)} AS {select}")
        self._temp_tables.append(ready)
        return f"CREATE OR REPLACE TABLE main.{table} AS SELECT * FROM {quote(ready)}"

    def step(self, what: str) -> None:
        """Report progress (a file being read, the checks, the write) to ``on_step``."""
        if self.on_step is not None:
            self.on_step(what)

    # -- helpers -----------------------------------------------------------------------------

    def _accepted(self, table: str) -> str:
        """SQL condition: row ``s`` of ``table`` has no problem."""
        return (f"NOT EXISTS (SELECT 1 FROM {quote(self.problems)} p "
                f"WHERE p.table_name = {literal(table)} AND p.row = s.__row)")

    def _accounts_relation(self, kept: list[str]) -> tuple[str | None, str]:
        if "accounts" in self.staged:
            st = self.staged["accounts"]
            return f"(SELECT account_id FROM {quote(st.relation)})", st.source.name
        if "accounts" in kept:
            return "(SELECT account_id FROM main.accounts)", "the loaded accounts"
        return None, ""

    def _fx_relation(self, kept: list[str]) -> tuple[str | None, str | None]:
        if "fx_rates" in self.staged:
            st = self.staged["fx_rates"]
            # the first valid rate per currency: later duplicates are rejected, not used
            return ((f"(SELECT currency, rate FROM {quote(st.relation)} WHERE rate > 0 AND "
                    "currency IS NOT NULL QUALIFY row_number() OVER (PARTITION BY currency "
                    "ORDER BY __row) = 1)"), st.source.name)
        if "fx_rates" in kept:
            return "(SELECT currency, rate FROM main.fx_rates)", "the loaded fx_rates"
        return None, None

    def _warn_cancelled_after_end(self) -> None:
        st = self.staged.get("subscriptions")
        if st is None or not {"cancelled_at", "end_date"} <= st.present:
            return
        n = self._count(f"SELECT count(*) FROM {quote(st.relation)} s WHERE "
                        f"cancelled_at > end_date AND {self._accepted('subscriptions')}")
        if n:
            self.warnings.append(
                f"{st.source.name}: {n} subscription line(s) have cancelled_at after end_date "
                "(a cancellation recorded after service had already ended); loaded as given")

    def _count_repeated_events(self) -> int:
        """Events without a source id that repeat an identical earlier row: kept, and counted."""
        st = self.staged.get("events")
        if st is None:
            return 0
        # Rows set aside by quarantine are not loaded, so not counted; the filter costs an
        # anti-join over every event, so it is applied only when there are such rows.
        rejected = self._count(f"SELECT count(*) FROM {quote(self.problems)} "
                               "WHERE table_name = 'events'")
        n = self._count(repeated_rows_sql(st, self._accepted("events") if rejected else "true"))
        if n:
            self.warnings.append(
                f"{st.source.name}: {n:,} event(s) repeat an identical earlier row (same account,"
                " user, event, time and properties); they were loaded as repeated actions. Give "
                "each event its source id (an event_id column, e.g. Segment's messageId) to "
                "have true duplicates found")
        return n

    def _insert_python_problems(self, table: str, problems: list[Problem]) -> None:
        if not problems:
            return
        name = f"{self.prefix}_pyproblems_{table}"
        self._register(name, pa.table({
            "table_name": [table] * len(problems),
            "file": [p.file for p in problems],
            "row_label": [p.row_label for p in problems],
            "row": pa.array([p.row for p in problems], pa.int64()),
            "column_name": pa.array([p.column for p in problems], pa.string()),
            "value": pa.array([p.value for p in problems], pa.string()),
            "message": [p.message for p in problems],
            "fix": [p.fix for p in problems],
        }))
        self.con.execute(f"INSERT INTO {quote(self.problems)} SELECT * FROM {quote(name)}")

    def _content_hash(self, sources: dict[str, SourceFile]) -> str:
        digest = hashlib.sha256(self.mapping.model_dump_json().encode())
        for table in sorted(sources):
            digest.update(f"\0{table}\0{sources[table].name}\0".encode())
            with sources[table].path.open("rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(block)
        return digest.hexdigest()

    def _main_tables(self) -> set[str]:
        """Tables of the warehouse, asked of DuckDB (Ibis's listing warns on duckdb 1.5)."""
        rows = self.con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT temporary "
                                "AND schema_name = 'main' AND database_name = current_database()"
                                ).fetchall()
        return {r[0] for r in rows}

    def _count(self, sql: str) -> int:
        return int(self.con.execute(sql).fetchone()[0])

    def _register(self, name: str, data: pa.Table) -> None:
        self.con.register(name, data)
        self._registered.append(name)

    def cleanup(self) -> None:
        """Drop every temporary object of this load (also after a failure)."""
        for name in [*self._views, *self._registered]:
            self.con.execute(f"DROP VIEW IF EXISTS temp.{quote(name)}")
        for name in self._temp_tables:
            self.con.execute(f"DROP TABLE IF EXISTS temp.{quote(name)}")


def _advice(file_problems: list[Problem], row_problems: int) -> str:
    """What to do after a failed load. ``--quarantine`` sets rows aside, so it is suggested only
    for row problems: it cannot skip a missing file or column, nor mend a mapping."""
    if not file_problems:
        return ("Fix the rows (or translate their values in the mapping) and load again, or pass "
                "--quarantine to load the good rows and set the others aside with their reasons.")
    files = ", ".join(dict.fromkeys(p.file for p in file_problems))
    if not row_problems:
        return f"Fix the files or the mapping as shown ({files}) and load again."
    return (f"First fix the problems with whole files or the mapping ({files}); the row "
            "problems can then be fixed, or set aside with --quarantine.")
