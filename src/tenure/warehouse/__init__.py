"""The warehouse: an embedded DuckDB file reached through Ibis (or any Ibis backend)."""

from tenure.warehouse.connection import Warehouse

__all__ = ["Warehouse"]
