"""Scratch tables: intermediate results computed once and read by several measures."""

from __future__ import annotations

from uuid import uuid4

import ibis.expr.types as ir
from ibis.backends import BaseBackend

__all__ = ["materialise"]


def materialise(con: BaseBackend, expr: ir.Table, label: str) -> ir.Table:
    """Compute ``expr`` once and return a table reading the result.

    On DuckDB the result is a temporary table, living as long as the connection and never
    written to the warehouse file. On PySpark it is a cached temporary view of the session.
    Other engines get the expression back unchanged (recomputed where it is read). Ibis's own
    ``cache()`` is not used: it drops its table from a finaliser, which fails once the
    connection has been closed.
    """
    name = f"__tenure_{label}_{uuid4().hex[:12]}"
    if con.name == "duckdb":
        return con.create_table(name, expr, temp=True)
    if con.name == "pyspark":
        # Ibis's PySpark backend has no public "temporary view of an expression"; these are
        # the steps of its own cache(), without the finaliser.
        con._run_pre_execute_hooks(expr)  # registers the in-memory tables expr reads
        frame = con._session.sql(con.compile(expr)).cache()
        frame.createOrReplaceTempView(name)
        return con.table(name)
    return expr
