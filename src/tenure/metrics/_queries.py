"""Running the revenue facade's queries: compiled once per kind of call, then run as SQL.

Turning the metric expressions into SQL costs Ibis more than DuckDB takes to run that SQL on ten
thousand accounts, and the SQL depends only on the *shape* of a call, not on the data: which
tables exist with which columns, the customer definitions, the segments. The call's values (the
month range) are data too: :meth:`QueryRunner.parameters` writes them to a one-row temporary
table the SQL reads, so a new month range runs the same SQL. So on
DuckDB a :class:`QueryRunner` looks up the :class:`QueryPlan` of its :class:`PlanKey`: first on
the connection, then in the warehouse's on-disk cache of compiled SQL
(:mod:`tenure.warehouse.sql_cache`, so a new process compiles nothing either); only when both
miss does it build and compile each query, and it stores the SQL in both places.

Why a stored plan can never give a stale or wrong answer:

* the SQL reads the warehouse's tables by name when it runs, so new data is always seen;
* everything the SQL text depends on is in the key: the schema of every table read (DuckDB's
  own column types and nullability, read from its catalog), the definitions, the segments,
  whether conversions are recorded; on disk also the versions of Tenure, Ibis,
  sqlglot, DuckDB and pyarrow and a fingerprint of the code that builds the queries. A change
  to any of it makes a new plan;
* the queries embed no data: no in-memory table is registered for them (the calendar is
  generated in SQL), the call's parameters and intermediate results live in temporary tables the
  plan names, created fresh at each call and dropped at its end (temporary tables belong to one
  connection, so two processes running one plan never meet);
* in memory, plans are kept per connection (a weak reference; Ibis counts two connections to
  one database file as the same), so one is never run on another database; on disk, next to
  the one DuckDB file they were compiled for.

After a load, ``tenure load`` runs each common kind of call once
(:func:`tenure.metrics.revenue.warm_sql_cache`), so the next process finds its SQL on disk.

Other engines (PySpark) compile every call: there an intermediate result is fetched and handed
back as an in-memory table, which is data, so its SQL cannot be kept; parameters are literals.
"""

from __future__ import annotations

import uuid
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from tenure.warehouse import Warehouse
from tenure.warehouse.sql_cache import CachedPlan, SqlCache, source_fingerprint

__all__ = ["PlanKey", "QueryPlan", "QueryRunner", "read_schemas"]

#: Plans kept per connection; the least recently used one is dropped beyond this.
MAX_PLANS_PER_CONNECTION = 32

_PACKAGE = Path(__file__).resolve().parents[1]

#: The code that builds the queries: a change to it must not reuse SQL stored on disk.
QUERY_SOURCES = (_PACKAGE / "metrics", _PACKAGE / "schema.py", _PACKAGE / "config.py")

Schemas = tuple[tuple[str, tuple[tuple[str, ...], ...]], ...]


@dataclass(frozen=True)
class PlanKey:
    """Everything the SQL of one facade call depends on.

    Attributes
    ----------
    schemas
        ``(table name, ((column, type, ...), ...))`` of every warehouse table the call reads, in
        a fixed order (see :func:`read_schemas`); an absent table is absent from it.
    options
        The call's other settings (definitions as JSON, segments, flags), hashable; never a
        value passed through :meth:`QueryRunner.parameters`.
    """

    schemas: Schemas
    options: tuple[Hashable, ...]


@dataclass
class QueryPlan:
    """The compiled queries of one :class:`PlanKey` on one connection.

    Attributes
    ----------
    prefix
        Unique stem of the temporary tables the plan creates (``tenure_<name>_<stem>``).
    statements
        Per query name, its SQL and, for a fetched query, the Arrow schema of its result.
    """

    prefix: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    statements: dict[str, tuple[str, pa.Schema | None]] = field(default_factory=dict)


def read_schemas(warehouse: Warehouse, names: Sequence[str]) -> Schemas:
    """The schema of each table ``names`` that exists, by name, as a :class:`PlanKey` wants.

    On DuckDB one query of its catalog gives ``(column, DuckDB type, nullable)`` for every
    table at once: the types Ibis derives its own from, read without Ibis's per-table
    ``DESCRIBE`` and type parsing, which cost more than running the revenue SQL itself on ten
    thousand accounts. Other engines go through Ibis.
    """
    if not warehouse.is_duckdb:
        present = sorted(set(names) & set(warehouse.con.list_tables()))
        schemas = {name: warehouse.con.table(name).schema() for name in present}
        return tuple(
            (name, tuple((column, str(dtype)) for column, dtype in schema.items()))
            for name, schema in schemas.items()
        )
    wanted = sorted(set(names))
    rows = warehouse.con.con.execute(
        "SELECT table_name, column_name, data_type, is_nullable FROM duckdb_columns() "
        "WHERE database_name = current_database() AND schema_name = current_schema() "
        f"AND table_name IN ({', '.join('?' * len(wanted))}) ORDER BY table_name, column_index",
        wanted,
    ).fetchall()
    tables: dict[str, list[tuple[str, ...]]] = {}
    for table, column, dtype, nullable in rows:
        tables.setdefault(table, []).append((column, dtype, "null" if nullable else "not null"))
    return tuple((table, tuple(columns)) for table, columns in tables.items())


_PLANS: weakref.WeakKeyDictionary[object, OrderedDict[PlanKey, QueryPlan]] = (
    weakref.WeakKeyDictionary()
)


def _database_file(warehouse: Warehouse) -> str | None:
    """The file of the DuckDB database the connection reads (``None`` when in memory)."""
    row = warehouse.con.con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    return row[0] if row else None


class QueryRunner:
    """Runs one facade call's queries: materialised tables first, then fetched results.

    Parameters
    ----------
    warehouse
        Where the queries run.
    key
        The call's :class:`PlanKey`; only used on DuckDB.

    Attributes
    ----------
    compiled
        Number of queries this runner had to compile (0 when an earlier call with an equal key,
        in this process or, through the SQL cache beside the warehouse file, in another, left
        every one in the plan).
    queries
        Number of statements sent to the engine by this runner so far.
    plan_source
        Where the plan came from: ``"connection"`` (an earlier call on this connection),
        ``"disk"`` (the SQL cache), ``"new"`` (compiled here), or ``None`` (not DuckDB).

    Examples
    --------
    >>> with QueryRunner(wh, key) as run:                          # doctest: +SKIP
    ...     run.materialise("base", lambda: expensive_expression)
    ...     totals = run.fetch("totals", lambda: summarise(run.table("base")))
    """

    def __init__(self, warehouse: Warehouse, key: PlanKey) -> None:
        self.warehouse = warehouse
        self.con = warehouse.con
        self.key = key
        self.queries = 0
        self.compiled = 0
        self.plan_source: str | None = None
        self._created: list[str] = []
        self._views: dict[str, ibis.Table] = {}  # materialised tables, as opened for Ibis
        self._disk: tuple[SqlCache, str] | None = None
        self._plan = self._find_plan() if warehouse.is_duckdb else None

    def _disk_cache(self) -> tuple[SqlCache, str] | None:
        """The warehouse's SQL cache and this key's text in it (``None`` for in-memory)."""
        if self._disk is None:
            database = _database_file(self.warehouse)
            cache = SqlCache.beside(database) if database else None
            if cache is None:
                return None
            fingerprint = source_fingerprint(QUERY_SOURCES)
            self._disk = (cache, cache.key_text((fingerprint, self.key.schemas, self.key.options)))
        return self._disk

    def _find_plan(self) -> QueryPlan:
        """The plan of the key: from this connection, else from disk, else a new empty one."""
        plans = _PLANS.setdefault(self.con, OrderedDict())
        plan = plans.get(self.key)
        if plan is not None:
            plans.move_to_end(self.key)
            self.plan_source = "connection"
            return plan
        disk = self._disk_cache()
        cached = disk[0].load(disk[1]) if disk is not None else None
        if cached is not None:
            plan = QueryPlan(prefix=cached.prefix, statements=dict(cached.statements))
            self.plan_source = "disk"
        else:
            plan = QueryPlan()
            self.plan_source = "new"
        plans[self.key] = plan
        if len(plans) > MAX_PLANS_PER_CONNECTION:
            plans.popitem(last=False)
        return plan

    def __enter__(self) -> QueryRunner:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        self.close()
        # A plan completed here is stored for other processes; one interrupted by an error is
        # kept in memory only (its statements are right, but it lacks the rest).
        if exc_type is None and self.compiled and self._plan is not None:
            disk = self._disk_cache()
            if disk is not None:
                disk[0].save(disk[1], CachedPlan(self._plan.prefix, dict(self._plan.statements)))

    def _name(self, name: str) -> str:
        prefix = self._plan.prefix if self._plan is not None else uuid.uuid4().hex[:12]
        return f"tenure_{name}_{prefix}"

    def materialise(self, name: str, build: Callable[[], ibis.Table]) -> None:
        """Compute ``build()`` once and keep it on the engine as table ``name`` for this call.

        On DuckDB it becomes a temporary table (from the stored SQL when the plan has it). On
        other engines the result is fetched and registered as a temporary view
        (:meth:`tenure.warehouse.Warehouse.temporary_view`): ibis 12's ``Table.cache`` does not
        work on PySpark.
        """
        if self._plan is None:
            view = self._name(name)
            data = self.con.to_pyarrow(build())
            self.queries += 1
            self.compiled += 1
            self._views[name] = self.warehouse.temporary_view(view, data)
            self._created.append(view)
            return
        table = self._name(name)
        if name not in self._plan.statements:
            self._plan.statements[name] = (str(self.con.compile(build())), None)
            self.compiled += 1
        sql, _ = self._plan.statements[name]
        self._views.pop(name, None)
        self.con.con.execute(f'CREATE OR REPLACE TEMPORARY TABLE "{table}" AS {sql}')
        self.queries += 1
        self._created.append(table)

    def parameters(self, **values: date | int) -> dict[str, date | int | ir.Scalar]:
        """Bind this call's values; what the expressions should read for each, by name.

        On DuckDB they become the one row of temporary table ``tenure_params_<prefix>``
        (written with bound parameters, never spliced into SQL) and each is returned as a
        scalar subquery of it, so the compiled SQL reads the values when it runs and serves
        every call that differs only in them. On other engines each value is returned as is, a
        literal in the SQL. Values are dates (``DATE``) or integers (``BIGINT``).
        """
        if self._plan is None:
            return dict(values)
        types: dict[str, str] = {}
        for name, value in values.items():
            if isinstance(value, date):
                types[name] = "date"
            elif isinstance(value, int) and not isinstance(value, bool):
                types[name] = "int64"
            else:
                raise TypeError(f"parameter {name}={value!r}: pass a date or an int")
        table = self._name("params")
        sql_types = {"date": "DATE", "int64": "BIGINT"}
        columns = ", ".join(f'?::{sql_types[t]} AS "{name}"' for name, t in types.items())
        self.con.con.execute(
            f'CREATE OR REPLACE TEMPORARY TABLE "{table}" AS SELECT {columns}',
            list(values.values()),
        )
        self.queries += 1
        self._created.append(table)
        # An unbound table of the known schema: compiling reads it by name, with no DESCRIBE.
        params = ibis.table(types, name=table)
        return {name: params[name].as_scalar() for name in types}

    def table(self, name: str) -> ibis.Table:
        """The table materialised as ``name``, to build later queries on (when compiling).

        Opened once per call (Ibis opens a table with a ``DESCRIBE`` and parses every column
        type), with the types DuckDB gave it: not the expression's own schema, since DuckDB
        widens some (a sum of integers is a ``HUGEINT``) and later SQL must match the table.
        """
        if self._plan is None:
            return self._views[name]
        if name not in self._views:
            self._views[name] = self.con.table(self._name(name))
        return self._views[name]

    def fetch(self, name: str, build: Callable[[], ibis.Table]) -> pa.Table:
        """Run ``build()`` (or its stored SQL) and return the result as Arrow."""
        self.queries += 1
        if self._plan is None:
            self.compiled += 1
            return self.con.to_pyarrow(build())
        if name not in self._plan.statements:
            expr = build()
            # The same types Ibis's own to_pyarrow gives (e.g. a sum DuckDB widens is cast
            # back).
            wanted = expr.schema().to_pyarrow()
            self._plan.statements[name] = (str(self.con.compile(expr)), wanted)
            self.compiled += 1
        sql, wanted = self._plan.statements[name]
        result = self.con.con.sql(sql).to_arrow_table()
        return result if wanted is None or result.schema == wanted else result.cast(wanted)

    def close(self) -> None:
        """Drop the tables and views this call created."""
        while self._created:
            name = self._created.pop()
            if self._plan is None:
                self.con.drop_view(name, force=True)
            else:
                self.con.con.execute(f'DROP TABLE IF EXISTS "{name}"')
                self.queries += 1
