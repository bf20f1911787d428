"""The single writer: every warehouse write of the server goes through one queue and one thread.

DuckDB lets one process hold the file read-write; inside that process, many connections
(cursors of one database) may read while another writes, each reading the last committed
state. The server therefore opens the file once and:

* runs every write (ingested events, pipeline steps, users and keys, audit rows) as a job on
  :class:`Writer`'s one thread, in the order submitted, each job one transaction (the
  :class:`~tenure.warehouse.Warehouse` write methods are transactions), so a reader never
  sees half a write and two writes never interleave;
* hands each reader its own cursor (:meth:`Writer.reader`), which never waits for the queue.

This is the pattern of Datasette's write queue, with DuckDB's multi-version concurrency doing
the isolation.
"""

from __future__ import annotations

import asyncio
import contextlib
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import TypeVar

import duckdb
import ibis

from tenure.errors import WarehouseError
from tenure.warehouse import Warehouse
from tenure.warehouse.locking import DEFAULT_LOCK_TIMEOUT, wait_for_lock

__all__ = ["Writer"]

_T = TypeVar("_T")

#: A job: given the writer's warehouse, do the writes (one transaction) and return a result.
Job = Callable[[Warehouse], _T]

_STOP = object()


class Writer:
    """Owns the server's one read-write DuckDB connection and runs writes one at a time.

    Parameters
    ----------
    path
        The warehouse file (``":memory:"`` for tests).
    lock_timeout
        Seconds to wait at start-up for another process (a ``tenure`` command) to release the
        file.

    Examples
    --------
    >>> w = Writer(":memory:")
    >>> _ = w.submit(lambda wh: wh.con.con.execute("CREATE TABLE t AS SELECT 1 AS a")).result()
    >>> with w.reader() as wh:
    ...     int(wh.table("t").count().execute())
    1
    >>> w.close()
    """

    def __init__(self, path: str | Path, *, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> None:
        self.path = str(path)
        if self.path == ":memory:":
            self._db = duckdb.connect(":memory:")
        else:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            self._db = wait_for_lock(Path(self.path), lambda: duckdb.connect(self.path),
                                     timeout=lock_timeout)
        self._queue: queue.Queue[object] = queue.Queue()
        self._warehouse = self._wrap(self._db.cursor(), name=self.path)
        self._closed = False
        self._thread = threading.Thread(target=self._serve, name="tenure-writer", daemon=True)
        self._thread.start()

    @staticmethod
    def _wrap(cursor: duckdb.DuckDBPyConnection, *, name: str) -> Warehouse:
        warehouse = Warehouse.from_backend(ibis.duckdb.from_connection(cursor))
        warehouse.path = name  # errors name the file, not "<duckdb>"
        return warehouse

    def _serve(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            job, future = item  # type: ignore[misc]
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(job(self._warehouse))
            except BaseException as exc:  # handed to the submitter, who decides
                future.set_exception(exc)

    def submit(self, job: Job[_T]) -> Future[_T]:
        """Queue ``job``; the future holds its result (or its exception) once it has run."""
        if self._closed:
            raise WarehouseError("the server is shutting down; the write was not queued, retry "
                                 "when it is back")
        future: Future[_T] = Future()
        self._queue.put((job, future))
        return future

    async def run(self, job: Job[_T]) -> _T:
        """Queue ``job`` and wait for it without blocking the event loop."""
        return await asyncio.wrap_future(self.submit(job))

    @contextlib.contextmanager
    def reader(self) -> Iterator[Warehouse]:
        """A warehouse on a fresh cursor: reads the last committed state, never waits on writes."""
        cursor = self._db.cursor()
        try:
            yield self._wrap(cursor, name=self.path)
        finally:
            cursor.close()

    @property
    def pending(self) -> int:
        """Jobs queued and not yet started."""
        return self._queue.qsize()

    def close(self) -> None:
        """Run the jobs already queued, then stop the thread and close the file."""
        if self._closed:
            return
        self._closed = True
        self._queue.put(_STOP)
        self._thread.join()
        self._db.close()
