"""Compiled SQL kept on disk beside the warehouse file, so a new process need not compile again.

Turning Tenure's metric expressions into SQL costs Ibis more than DuckDB takes to run that SQL on
ten thousand accounts. Within a process the SQL is kept per connection
(:mod:`tenure.metrics._queries`); this module keeps it across processes, in a folder next to
the DuckDB file (``warehouse.duckdb`` -> ``warehouse.duckdb.sql-cache/``), one small JSON file
per kind of call.

It is only a cache: deleting the folder is always safe, and it can never change an answer.
``tenure load`` fills it after each successful load (``tenure.metrics.revenue.warm_sql_cache``
runs each common kind of revenue call once), so the first ``tenure metrics`` after a load reads
stored SQL.

* An entry is found by the SHA-256 of its key text and holds that full text, which must equal
  the caller's key exactly: a file renamed, copied from another warehouse or colliding is never
  used.
* The key text is the caller's key (table schemas, settings) plus :func:`environment`: the
  versions of Tenure, Ibis, sqlglot, DuckDB and pyarrow, and a fingerprint of the source code
  that builds the queries, so an upgrade or an edited metric recompiles.
* Any unreadable, truncated or malformed entry reads as a miss; a folder that cannot be
  written (read-only, full, a file in the way) means nothing is stored. Neither ever raises.
* Entries are written to a temporary file and renamed into place, so a reader never sees half
  an entry, and concurrent writers of one key write the same content.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

__all__ = ["CachedPlan", "SqlCache", "environment", "source_fingerprint"]

log = logging.getLogger(__name__)

#: Version of the entry layout; a change makes every older entry a miss.
FORMAT = 1

#: Entries kept per warehouse; beyond it the least recently used are deleted.
MAX_ENTRIES = 64

#: Libraries whose version can change the SQL text or how its result is read.
LIBRARIES = ("tenure", "ibis-framework", "sqlglot", "duckdb", "pyarrow")


@dataclass(frozen=True)
class CachedPlan:
    """The compiled queries of one kind of call.

    Attributes
    ----------
    prefix
        Stem of the temporary table names the SQL refers to.
    statements
        Per query name, its SQL and, for a fetched query, the Arrow schema of its result.
    """

    prefix: str
    statements: dict[str, tuple[str, pa.Schema | None]]


@functools.cache
def environment() -> tuple[tuple[str, str], ...]:
    """``(library, version)`` of every library in :data:`LIBRARIES`, computed once.

    Read from each module's ``__version__`` (the same as its distribution's metadata, without
    parsing five metadata files on every new process).
    """
    import duckdb
    import ibis
    import sqlglot

    import tenure

    modules = {
        "tenure": tenure, "ibis-framework": ibis, "sqlglot": sqlglot, "duckdb": duckdb,
        "pyarrow": pa,
    }
    return tuple((name, str(modules[name].__version__)) for name in LIBRARIES)


@functools.cache
def source_fingerprint(paths: tuple[Path, ...]) -> str:
    """SHA-256 of the named Python files (folders: every ``*.py`` in them), computed once.

    Part of a cache key, so that editing the code that builds the queries (an editable install,
    a patched release) recompiles rather than serving the SQL of the old code.
    """
    digest = hashlib.sha256()
    for path in paths:
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for file in files:
            digest.update(file.name.encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()


def _encode_schema(schema: pa.Schema | None) -> str | None:
    if schema is None:
        return None
    return base64.b64encode(schema.serialize().to_pybytes()).decode("ascii")


def _decode_schema(text: object) -> pa.Schema | None:
    if text is None:
        return None
    if not isinstance(text, str):
        raise ValueError("schema is not text")
    return pa.ipc.read_schema(pa.py_buffer(base64.b64decode(text, validate=True)))


def _decode(payload: object, key: str) -> CachedPlan:
    """The plan in a parsed entry; ``ValueError`` for any other layout or key."""
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError("not an entry of this format")
    if payload.get("key") != key:
        raise ValueError("entry of another key")
    prefix, statements = payload.get("prefix"), payload.get("statements")
    if not isinstance(prefix, str) or not prefix.isalnum() or not isinstance(statements, dict):
        raise ValueError("malformed entry")
    plan: dict[str, tuple[str, pa.Schema | None]] = {}
    for name, statement in statements.items():
        if not (isinstance(statement, list) and len(statement) == 2):
            raise ValueError(f"malformed statement {name!r}")
        sql, schema = statement
        if not isinstance(sql, str) or not sql:
            raise ValueError(f"statement {name!r} has no SQL")
        plan[name] = (sql, _decode_schema(schema))
    return CachedPlan(prefix=prefix, statements=plan)


class SqlCache:
    """Compiled SQL of a warehouse, one JSON file per key, in ``folder``.

    Parameters
    ----------
    folder
        Where the entries live; created on the first write.
    max_entries
        Entries kept; the least recently used beyond it are deleted.

    Examples
    --------
    >>> import tempfile
    >>> cache = SqlCache(Path(tempfile.mkdtemp()) / "sql-cache")
    >>> cache.save("key", CachedPlan("ab12", {"one": ("SELECT 1", None)}))
    True
    >>> cache.load("key").statements["one"]
    ('SELECT 1', None)
    >>> cache.load("another key") is None
    True
    """

    def __init__(self, folder: Path, *, max_entries: int = MAX_ENTRIES) -> None:
        self.folder = Path(folder)
        self.max_entries = max_entries

    @classmethod
    def beside(cls, database: str | Path) -> SqlCache | None:
        """The cache of the DuckDB file ``database`` (``None`` for an in-memory database)."""
        if str(database) in {"", ":memory:"} or str(database).startswith(":memory:"):
            return None
        path = Path(database)
        return cls(path.with_name(f"{path.name}.sql-cache"))

    def key_text(self, key: Iterable[object]) -> str:
        """The full text an entry is stored under: ``key`` plus :func:`environment`."""
        return repr((FORMAT, environment(), tuple(key)))

    def _path(self, key: str) -> Path:
        return self.folder / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.json"

    def load(self, key: str) -> CachedPlan | None:
        """The plan stored under exactly ``key``, or ``None`` (absent, unreadable, malformed)."""
        path = self._path(key)
        try:
            plan = _decode(json.loads(path.read_bytes()), key)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TypeError) as error:
            # binascii.Error, json.JSONDecodeError, UnicodeDecodeError and pyarrow's
            # ArrowInvalid are all ValueErrors: a damaged entry is a miss, never a failure.
            log.debug("ignoring SQL cache entry %s: %s", path, error)
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # most recently used; a read-only folder just keeps the old time
        return plan

    def save(self, key: str, plan: CachedPlan) -> bool:
        """Store ``plan`` under ``key``; ``False`` when the folder cannot be written."""
        payload = {
            "format": FORMAT,
            "key": key,
            "prefix": plan.prefix,
            "statements": {
                name: [sql, _encode_schema(schema)]
                for name, (sql, schema) in plan.statements.items()
            },
        }
        path = self._path(key)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".tmp")
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as file:
                    json.dump(payload, file)
                os.chmod(temporary, 0o644)  # readable like the warehouse file, not owner-only
                os.replace(temporary, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise
        except OSError as error:
            log.debug("not saving SQL cache entry %s: %s", path, error)
            return False
        self._prune()
        return True

    def _prune(self) -> None:
        """Delete the least recently used entries beyond :attr:`max_entries`."""
        try:
            entries = sorted(
                self.folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True
            )
            for stale in entries[self.max_entries :]:
                stale.unlink(missing_ok=True)
        except OSError as error:  # an entry removed meanwhile by another process, say
            log.debug("not pruning SQL cache %s: %s", self.folder, error)

