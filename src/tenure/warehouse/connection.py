"""Open the warehouse and hand out Ibis tables; all writes go through one writer.

The default engine is an embedded DuckDB file in the project folder. Any other Ibis backend
(PySpark for users who outgrow one machine) can be wrapped with :meth:`Warehouse.from_backend`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import ibis

from tenure.errors import WarehouseError
from tenure.warehouse.locking import DEFAULT_LOCK_TIMEOUT, read_only_reason, wait_for_lock

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa
    from ibis.backends import BaseBackend

__all__ = ["DERIVED_FROM", "LoadRecord", "Warehouse"]

#: Table recording, per table written by :meth:`Warehouse.replace_tables` or
#: :meth:`Warehouse.replace_snapshot_tables` (measures, scores, health, segments), the load it
#: was computed from, so a reader can tell when a later load made it stale.
DERIVED_FROM = "derived_from"

#: The command that recomputes each derived table, for the stale notice.
_REFRESH = {
    "measures": "tenure measures",
    "measures_wide": "tenure measures",
    "scores": "tenure score",
    "health_history": "tenure health score",
    "health_components": "tenure health score",
    "segments": "tenure segments",
}


class LoadRecord(NamedTuple):
    """One row of ``load_log``: which load, when it ran, and the date its data describes."""

    load_id: str
    loaded_at: datetime
    as_of: datetime | None


class Warehouse:
    """A connection to the warehouse.

    Parameters
    ----------
    path
        DuckDB file; created on first write. ``":memory:"`` gives a throw-away warehouse.
    read_only
        Open the file read-only: many commands can read it at once, the last committed data,
        and a read-only folder serves reads. An absent file reads as an empty warehouse (no
        file is created). Writes then raise :class:`~tenure.errors.WarehouseError`.
    lock_timeout
        Seconds to wait when another process holds the file (DuckDB allows one read-write
        process, or many read-only ones); then a :class:`~tenure.errors.WarehouseError` names
        the file and what to do.
    on_wait
        Called once with a one-line message when the file is busy and the open waits.
    on_stale
        Called on :meth:`close`, once per table, with a one-line message for each derived
        table :meth:`table` opened that was computed from an earlier load than the last one
        and was not recomputed meanwhile (see :meth:`staleness`).

    Examples
    --------
    >>> wh = Warehouse(":memory:")
    >>> wh.has_table("accounts")
    False
    """

    def __init__(self, path: str | Path = ":memory:", *, backend: BaseBackend | None = None,
                 read_only: bool = False, lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
                 on_wait: Callable[[str], None] | None = None,
                 on_stale: Callable[[str], None] | None = None):
        self.path = str(path)
        self._con = backend
        self.read_only = read_only
        self.lock_timeout = lock_timeout
        self.on_wait = on_wait
        self.on_stale = on_stale
        self._stale_told: set[str] = set()
        self._stale_read: list[str] = []

    @classmethod
    def from_backend(cls, backend: BaseBackend) -> Warehouse:
        """Wrap an existing Ibis backend (e.g. ``ibis.pyspark.connect(session)``)."""
        return cls(path=f"<{backend.name}>", backend=backend)

    @property
    def con(self) -> BaseBackend:
        if self._con is None:
            if self.path == ":memory:":
                self._con = ibis.duckdb.connect(self.path)
            elif self.read_only and not Path(self.path).exists():
                # Nothing loaded yet: an empty warehouse, whose missing tables name the fix;
                # a mistyped project path must not leave a folder and an empty file behind.
                self._con = ibis.duckdb.connect(":memory:")
            else:
                self._con = self._open_file()
        return self._con

    def _open_file(self) -> BaseBackend:
        """Open the DuckDB file, waiting for another process's lock (see :mod:`.locking`)."""
        path = Path(self.path)
        if not self.read_only:
            self.check_writable()
            path.parent.mkdir(parents=True, exist_ok=True)
        return wait_for_lock(
            path, lambda: ibis.duckdb.connect(self.path, read_only=self.read_only),
            timeout=self.lock_timeout, on_wait=self.on_wait)

    def check_writable(self, *, mode: bool = True) -> None:
        """Raise a clear :class:`~tenure.errors.WarehouseError` when a write cannot happen here.

        A read-only project (file or folder not writable) still serves every command that only
        reads; this names what is read-only and what to do instead of DuckDB's error. With
        ``mode=False`` only the file system is asked (``tenure load`` writes through its own
        connection, whatever this object's mode).
        """
        if self.path == ":memory:" or self.path.startswith("<"):
            return
        reason = "it was opened read-only" if self.read_only and mode else read_only_reason(
            Path(self.path))
        if reason is not None:
            raise WarehouseError(
                f"cannot write to the warehouse {self.path}: {reason}. This command writes to "
                "the warehouse; make the project folder writable (or copy the project to a "
                "writable folder and pass --project), then run it again. Commands that only "
                "read (metrics, report --output FILE, accounts, account) work as they are."
            )

    @property
    def is_duckdb(self) -> bool:
        if self._con is None:  # a path: the DuckDB file (other engines come with their backend)
            return True
        return self.con.name == "duckdb"

    def has_table(self, name: str) -> bool:
        return name in self.con.list_tables()

    def table(self, name: str) -> ibis.Table:
        """Return canonical table ``name``; a clear error names the fix when it is absent."""
        if not self.has_table(name):
            raise WarehouseError(
                f"the warehouse {self.path} has no table {name!r}; load it first with "
                f"`tenure load DIR` (a file named {name}.csv, .parquet or .jsonl in DIR)."
            )
        if self.on_stale is not None and name not in self._stale_told:
            self._stale_told.add(name)
            if self.staleness(name) is not None:
                self._stale_read.append(name)
        return self.con.table(name)

    def _tell_stale(self) -> None:
        """On close: name each stale table this object read that is still stale.

        Told at the end, not when read, so a command that reads a table and then recomputes
        it (``tenure measures`` keeping the history of ``measures``) says nothing.
        """
        pending, self._stale_read = self._stale_read, []
        for name in pending:
            # A notice must never replace the command's own error (a broken connection
            # after Ctrl-C, say): a failure to ask is no notice.
            with contextlib.suppress(Exception):
                notice = self.staleness(name)
                if notice is not None and self.on_stale is not None:
                    self.on_stale(notice)

    def last_load(self) -> LoadRecord | None:
        """The last load recorded in ``load_log`` (``None`` when none, or not on DuckDB)."""
        if not self.is_duckdb or not self.has_table("load_log"):
            return None
        row = self.con.con.execute("SELECT load_id, loaded_at, as_of FROM load_log "
                                   "ORDER BY loaded_at DESC LIMIT 1").fetchone()
        return None if row is None else LoadRecord(*row)

    def staleness(self, name: str) -> str | None:
        """A one-line notice when derived table ``name`` predates the last load, else ``None``.

        Derived tables (measures, scores, health, segments) record the load they were computed
        from in :data:`DERIVED_FROM`; a later load that replaced the data makes them stale
        until their command runs again. Tables without a record (canonical tables, a warehouse
        never loaded) are never stale.

        Examples
        --------
        >>> Warehouse(":memory:").staleness("measures_wide") is None
        True
        """
        if not self.is_duckdb or not (self.has_table(DERIVED_FROM) and self.has_table("load_log")):
            return None
        raw = self.con.con
        made = raw.execute(
            f"SELECT load_id, loaded_at, computed_at FROM {DERIVED_FROM} WHERE table_name = ?",
            [name]).fetchone()
        last = self.last_load()
        if made is None or last is None or made[0] == last.load_id:
            return None
        refresh = _REFRESH.get(name, "the command that computes it")
        return (f"{name} is stale: computed at {made[2]:%Y-%m-%d %H:%M} from the load of "
                f"{made[1]:%Y-%m-%d %H:%M} (load {made[0][:8]}), but the data was loaded again "
                f"at {last.loaded_at:%Y-%m-%d %H:%M} (load {last.load_id[:8]}); run "
                f"`{refresh}` to refresh it.")

    def _record_provenance(self, raw: object, names: Sequence[str]) -> None:
        """Inside the caller's transaction: tables ``names`` were computed from the last load.

        Written in the same transaction as the tables themselves, so a table and its record
        never disagree. Nothing is recorded in a warehouse that was never loaded.
        """
        if not self.has_table("load_log"):
            return
        raw.execute(f"CREATE TABLE IF NOT EXISTS {DERIVED_FROM} (table_name VARCHAR, "
                    "load_id VARCHAR, loaded_at TIMESTAMP, computed_at TIMESTAMP)")
        for name in names:
            raw.execute(f"DELETE FROM {DERIVED_FROM} WHERE table_name = ?", [name])
            raw.execute(
                f"INSERT INTO {DERIVED_FROM} SELECT ?, load_id, loaded_at, "
                "CAST(now() AS TIMESTAMP) FROM load_log ORDER BY loaded_at DESC LIMIT 1", [name])

    def replace_tables(self, tables: Mapping[str, pa.Table]) -> None:
        """Replace each named table by the given Arrow data, all or nothing.

        On DuckDB this is one transaction: if any table fails to write, every table keeps its
        previous contents. Other backends write table by table.
        """
        if not tables:
            return
        self.check_writable()
        if not self.is_duckdb:
            for name, data in tables.items():
                self._overwrite_elsewhere(name, data)
            return
        raw = self.con.con  # the duckdb connection: the single writer
        raw.execute("BEGIN TRANSACTION")
        try:
            for i, (name, data) in enumerate(tables.items()):
                view = f"__tenure_incoming_{i}"
                raw.register(view, data)
                try:
                    raw.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM "{view}"')
                finally:
                    raw.unregister(view)
            self._record_provenance(raw, list(tables))
            raw.execute("COMMIT")
        except BaseException:
            raw.execute("ROLLBACK")
            raise

    def replace_snapshots(self, name: str, data: pa.Table, *, by: Sequence[str]) -> None:
        """Write dated snapshots into table ``name``, keeping every other snapshot (history).

        Rows of ``name`` whose ``by`` values (e.g. ``as_of_date``) occur in ``data`` are replaced
        by ``data``; all other rows stay. The table is created from ``data`` when absent. On
        DuckDB this is one transaction, so a failure leaves the table as it was. Saving the same
        snapshot twice therefore never duplicates a row.

        A snapshot may bring columns the table does not have yet (a newer version of Tenure
        adds a score): they are added, null in the earlier snapshots. A snapshot that lacks a
        column of the table is refused, since the history would silently lose it.

        Parameters
        ----------
        name
            Table to write.
        data
            The new snapshot rows; its columns must match the table's.
        by
            Columns naming a snapshot (at least one).
        """
        self.replace_snapshot_tables({name: data}, by=by)

    def replace_snapshot_tables(self, tables: Mapping[str, pa.Table], *,
                                by: Sequence[str]) -> None:
        """:meth:`replace_snapshots` for several tables at once, all or nothing.

        On DuckDB every table is written in one transaction: if any fails (a refused layout, a
        full disk), none changes, so tables that belong together (a snapshot and its details)
        never disagree. Every table is checked before anything is written. Other backends write
        table by table.
        """
        self.check_writable()
        if not by:
            names = ", ".join(repr(n) for n in tables)
            raise WarehouseError(f"replace_snapshots({names}) needs at least one `by` column.")
        added: dict[str, list[str]] = {}
        for name, data in tables.items():
            missing = [column for column in by if column not in data.column_names]
            if missing:
                raise WarehouseError(f"the snapshot for table {name!r} lacks its key column(s) "
                                     f"{', '.join(missing)}.")
            if not self.has_table(name):
                continue
            existing = self.con.table(name).columns
            lost = [c for c in existing if c not in data.column_names]
            if lost:
                raise WarehouseError(
                    f"table {name!r} has column(s) {', '.join(lost)} that the new snapshot "
                    "lacks; the layout changed: drop the table (its history) or write the "
                    "snapshot with every column of the table."
                )
            added[name] = [c for c in data.column_names if c not in existing]
        if not self.is_duckdb:
            for name, data in tables.items():
                self._merge_snapshot_elsewhere(name, data, by)
            return
        raw = self.con.con  # the duckdb connection: the single writer
        match = " AND ".join(f't."{c}" IS NOT DISTINCT FROM s."{c}"' for c in by)
        views = {name: f"__tenure_snapshot_{i}" for i, name in enumerate(tables)}
        for name, data in tables.items():
            raw.register(views[name], data)
        try:
            raw.execute("BEGIN TRANSACTION")
            try:
                for name, view in views.items():
                    if name not in added:  # a new table: the snapshot is all of it
                        raw.execute(f'CREATE TABLE "{name}" AS SELECT * FROM "{view}"')
                        continue
                    for column in added[name]:
                        kind = raw.execute(
                            f'DESCRIBE SELECT "{column}" FROM "{view}"'
                        ).fetchone()[1]
                        raw.execute(f'ALTER TABLE "{name}" ADD COLUMN "{column}" {kind}')
                    raw.execute(
                        f'DELETE FROM "{name}" t WHERE EXISTS '
                        f'(SELECT 1 FROM "{view}" s WHERE {match})'
                    )
                    raw.execute(f'INSERT INTO "{name}" BY NAME SELECT * FROM "{view}"')
                self._record_provenance(raw, list(tables))
                raw.execute("COMMIT")
            except BaseException:
                raw.execute("ROLLBACK")
                raise
        finally:
            for view in views.values():
                raw.unregister(view)

    def _merge_snapshot_elsewhere(self, name: str, data: pa.Table, by: Sequence[str]) -> None:
        """One table's snapshot on a non-DuckDB backend: read, merge in Arrow, overwrite.

        The merge stays in Arrow, not pandas, so an integer column with a null never passes
        through float. Keys match as ``IS NOT DISTINCT FROM`` does on DuckDB (null equals null).
        """
        if not self.has_table(name):
            self._overwrite_elsewhere(name, data)
            return
        import pyarrow

        old = self.con.table(name).to_pyarrow()
        for column in data.column_names:
            if column not in old.column_names:  # added by this snapshot: null in the earlier ones
                kind = data.schema.field(column).type
                old = old.append_column(column, pyarrow.nulls(old.num_rows, kind))
        old = old.select(data.column_names).cast(data.schema)
        replaced = set(zip(*(data[column].to_pylist() for column in by), strict=True))
        kept = [key not in replaced
                for key in zip(*(old[column].to_pylist() for column in by), strict=True)]
        merged = pyarrow.concat_tables([old.filter(pyarrow.array(kept, pyarrow.bool_())), data])
        self._overwrite_elsewhere(name, merged)

    def _overwrite_elsewhere(self, name: str, data: pa.Table) -> None:
        """Create or overwrite table ``name`` on a non-DuckDB backend; every write there ends here.

        Ibis 12's PySpark ``create_table`` turns Arrow data into pandas first, where an integer
        column with a null becomes float64 with NaN, and Spark's row converter then makes every
        value of that ``bigint`` column null (a decimal column with a null raises instead). On
        PySpark the Arrow table therefore goes to Spark as Arrow, which keeps every type exact.
        """
        if self.con.name == "pyspark":
            session = self.con._session  # ibis exposes no public accessor for the session
            frame = session.createDataFrame(data)
            frame.write.saveAsTable(name, format="parquet", mode="overwrite")
            return
        self.con.create_table(name, data, overwrite=True)

    def temporary_view(self, name: str, data: pa.Table) -> ibis.Table:
        """Register Arrow ``data`` as temporary view ``name`` on a non-DuckDB backend; open it.

        For intermediate results an engine keeps for one call (the revenue facade's account
        months on PySpark). On PySpark the data goes to Spark as Arrow, as in
        :meth:`_overwrite_elsewhere`: through Ibis's in-memory table it would pass through
        pandas, and an integer column with a null would come back all null.
        """
        if self.con.name == "pyspark":
            self.con._session.createDataFrame(data).createOrReplaceTempView(name)
            return self.con.table(name)
        return self.con.create_view(name, ibis.memtable(data), overwrite=True)

    def execute_in_transaction(self, statements: Sequence[str], *,
                               con: duckdb.DuckDBPyConnection | None = None) -> None:
        """Run SQL statements on the DuckDB warehouse as one transaction, all or nothing.

        The loader uses it to write tables straight from staged files with
        ``CREATE OR REPLACE TABLE ... AS SELECT``, so large tables never pass through Python.
        ``con`` is the loader's scratch connection with this warehouse's file attached as its
        default database (see :mod:`tenure.warehouse.load`), in place of this object's own.
        """
        if con is not None:
            _transaction(con, statements)
            return
        if not self.is_duckdb:
            raise WarehouseError(
                f"the warehouse {self.path} is not DuckDB; SQL transactions need the DuckDB "
                "warehouse (load there, then read it from another engine)."
            )
        self.check_writable()
        _transaction(self.con.con, statements)  # the duckdb connection: the single writer

    def close(self) -> None:
        if self._con is not None:
            self._tell_stale()
            self._con.disconnect()
            self._con = None

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _transaction(raw: duckdb.DuckDBPyConnection, statements: Sequence[str]) -> None:
    """``statements`` on ``raw`` as one transaction: all of them, or (on any error) none."""
    raw.execute("BEGIN TRANSACTION")
    try:
        for statement in statements:
            raw.execute(statement)
        raw.execute("COMMIT")
    except BaseException:
        raw.execute("ROLLBACK")
        raise
