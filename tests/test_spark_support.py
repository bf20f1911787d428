"""Support for the Spark tests (no tests here): a database of one's own in the shared session."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from tenure.warehouse import Warehouse


@contextlib.contextmanager
def own_spark_database(spark_backend, database: str) -> Iterator[Warehouse]:
    """A Spark warehouse in database ``database``, created empty and dropped afterwards, so
    tables of the same names that other tests left in the shared session are never read (an
    optional table present by accident would change results) or overwritten."""
    session = spark_backend._session
    previous = session.catalog.currentDatabase()
    session.sql(f"DROP DATABASE IF EXISTS {database} CASCADE")
    session.sql(f"CREATE DATABASE {database}")
    session.catalog.setCurrentDatabase(database)
    try:
        yield Warehouse.from_backend(spark_backend)
    finally:
        session.catalog.setCurrentDatabase(previous)
        session.sql(f"DROP DATABASE IF EXISTS {database} CASCADE")
