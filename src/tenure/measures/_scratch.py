"""Scratch tables: intermediate results computed once and read by several measures."""

from __future__ import annotations

from uuid import uuid4

import ibis.expr.types as ir
from ibis.backends import BaseBackend

__all__ = ["materialise"]


def materialise(con: BaseBackend, expr: ir.Table, label: str) -> ir.Table:
    """Compute ``expr`` once into a temporary table on DuckDB; elsewhere return it unchanged.

    A DuckDB temporary table lives as long as the connection and is never written to the
    warehouse file. Ibis's ``cache()`` is not used: it drops its table from a finaliser, which
    fails once the connection has been closed. Other engines (PySpark) recompute the
    expression where it is read; they optimise the plan as a whole.
    """
    if con.name != "duckdb":
        return expr
    return con.create_table(f"__tenure_{label}_{uuid4().hex[:12]}", expr, temp=True)
