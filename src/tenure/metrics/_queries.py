"""Running the revenue facade's queries: compiled once per kind of call, then run as SQL.

Turning the metric expressions into SQL costs Ibis more than DuckDB takes to run that SQL on ten
thousand accounts, and the SQL depends only on the *shape* of a call, not on the data: which
tables exist with which columns, the customer definitions, the month range, the segments. So on
DuckDB a :class:`QueryRunner` looks up the :class:`QueryPlan` of its :class:`PlanKey` on the
connection; the first call builds and compiles each query and stores its SQL there, later calls
with an equal key run the stored SQL directly.

Why a stored plan can never give a stale or wrong answer:

* the SQL reads the warehouse's tables by name when it runs, so new data is always seen;
* everything the SQL text depends on is in the key (the schema of every table read, the
  definitions, the months, the segments, whether conversions are recorded), and a change to any
  of it makes a new plan;
* the queries embed no data: no in-memory table is registered for them (the calendar is
  generated in SQL), and intermediate results live in temporary tables the plan names, created
  fresh at each call and dropped at its end;
* plans are kept per connection object (a weak reference), so one is never run elsewhere.

Other engines (PySpark) compile every call: there an intermediate result is fetched and handed
back as an in-memory table, which is data, so its SQL cannot be kept.
"""

from __future__ import annotations

import uuid
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

import ibis
import ibis.expr.schema as sch
import pyarrow as pa

from tenure.warehouse import Warehouse

__all__ = ["PlanKey", "QueryPlan", "QueryRunner"]

#: Plans kept per connection; the least recently used one is dropped beyond this.
MAX_PLANS_PER_CONNECTION = 32


@dataclass(frozen=True)
class PlanKey:
    """Everything the SQL of one facade call depends on.

    Attributes
    ----------
    schemas
        ``(table name, ((column, type), ...))`` of every warehouse table the call reads, in a fixed
        order; an absent table is absent from it.
    options
        The call's other settings (definitions as JSON, months, segments, flags), hashable.
    """

    schemas: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]
    options: tuple[Hashable, ...]


@dataclass
class QueryPlan:
    """The compiled queries of one :class:`PlanKey` on one connection.

    Attributes
    ----------
    prefix
        Unique stem of the temporary tables the plan creates (``tenure_<name>_<stem>``).
    statements
        Per query name, its SQL and, for a fetched query, the Ibis schema of its result.
    """

    prefix: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    statements: dict[str, tuple[str, sch.Schema | None]] = field(default_factory=dict)


_PLANS: weakref.WeakKeyDictionary[object, OrderedDict[PlanKey, QueryPlan]] = (
    weakref.WeakKeyDictionary()
)


def _plan_for(con: object, key: PlanKey) -> QueryPlan:
    """The stored plan of ``key`` on ``con``, or a new empty one."""
    plans = _PLANS.setdefault(con, OrderedDict())
    plan = plans.get(key)
    if plan is not None:
        plans.move_to_end(key)
        return plan
    plan = plans[key] = QueryPlan()
    if len(plans) > MAX_PLANS_PER_CONNECTION:
        plans.popitem(last=False)
    return plan


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
        Number of queries this runner had to compile (0 when an earlier call with an equal key
        left every one in the plan).
    queries
        Number of statements sent to the engine by this runner so far.

    Examples
    --------
    >>> with QueryRunner(wh, key) as run:                          # doctest: +SKIP
    ...     run.materialise("base", lambda: expensive_expression)
    ...     totals = run.fetch("totals", lambda: summarise(run.table("base")))
    """

    def __init__(self, warehouse: Warehouse, key: PlanKey) -> None:
        self.warehouse = warehouse
        self.con = warehouse.con
        self.queries = 0
        self.compiled = 0
        self._created: list[str] = []
        self._views: dict[str, ibis.Table] = {}
        self._plan = _plan_for(self.con, key) if warehouse.is_duckdb else None

    def __enter__(self) -> QueryRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _name(self, name: str) -> str:
        prefix = self._plan.prefix if self._plan is not None else uuid.uuid4().hex[:12]
        return f"tenure_{name}_{prefix}"

    def materialise(self, name: str, build: Callable[[], ibis.Table]) -> None:
        """Compute ``build()`` once and keep it on the engine as table ``name`` for this call.

        On DuckDB it becomes a temporary table (from the stored SQL when the plan has it). On
        other engines the result is fetched and registered as a temporary view of an in-memory
        table: ibis 12's ``Table.cache`` does not work on PySpark.
        """
        if self._plan is None:
            view = self._name(name)
            data = self.con.to_pyarrow(build())
            self.queries += 1
            self.compiled += 1
            self._views[name] = self.con.create_view(view, ibis.memtable(data), overwrite=True)
            self._created.append(view)
            return
        table = self._name(name)
        if name not in self._plan.statements:
            self._plan.statements[name] = (str(self.con.compile(build())), None)
            self.compiled += 1
        sql, _ = self._plan.statements[name]
        self.con.con.execute(f'CREATE OR REPLACE TEMPORARY TABLE "{table}" AS {sql}')
        self.queries += 1
        self._created.append(table)

    def table(self, name: str) -> ibis.Table:
        """The table materialised as ``name``, to build later queries on (first call only)."""
        if self._plan is None:
            return self._views[name]
        return self.con.table(self._name(name))

    def fetch(self, name: str, build: Callable[[], ibis.Table]) -> pa.Table:
        """Run ``build()`` (or its stored SQL) and return the result as Arrow."""
        self.queries += 1
        if self._plan is None:
            self.compiled += 1
            return self.con.to_pyarrow(build())
        if name not in self._plan.statements:
            expr = build()
            self._plan.statements[name] = (str(self.con.compile(expr)), expr.schema())
            self.compiled += 1
        sql, schema = self._plan.statements[name]
        result = self.con.con.sql(sql).to_arrow_table()
        # The same types Ibis's own to_pyarrow gives (e.g. a sum DuckDB widens is cast back).
        wanted = schema.to_pyarrow()
        return result if result.schema == wanted else result.cast(wanted)

    def close(self) -> None:
        """Drop the tables and views this call created."""
        while self._created:
            name = self._created.pop()
            if self._plan is None:
                self.con.drop_view(name, force=True)
            else:
                self.con.con.execute(f'DROP TABLE IF EXISTS "{name}"')
                self.queries += 1
