"""Shared helpers of the loader tests: a small valid export, and a snapshot of the warehouse."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from tenure.warehouse import Warehouse
from tenure.warehouse.load import LoadReport, load_directory

#: Every test loads "as of" this time, so no result depends on today's date.
AS_OF = datetime(2025, 1, 1)

ACCOUNTS = """\
account_id,name,created_at,region
A1,Acme,2024-01-05,EU
A2,Beta,2024-02-10 09:30:00,US
"""

SUBSCRIPTIONS = """\
subscription_id,account_id,plan,mrr,start_date,end_date
S1,A1,pro,49.00,2024-01-05,
S2,A2,basic,19.99,2024-02-10,2024-06-10
"""

BASE = {"accounts.csv": ACCOUNTS, "subscriptions.csv": SUBSCRIPTIONS}


def write_folder(folder: Path, files: dict[str, str | bytes | None]) -> Path:
    """Write ``files`` (name -> text) into ``folder``; ``None`` removes a file."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = folder / name
        if content is None:
            path.unlink(missing_ok=True)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


def load(warehouse: Warehouse, folder: Path, **options: object) -> LoadReport:
    options.setdefault("as_of", AS_OF)
    return load_directory(warehouse, folder, **options)  # type: ignore[arg-type]


def snapshot(warehouse: Warehouse) -> dict[str, list[tuple]]:
    """Every table of the warehouse with all its rows: equal snapshots mean nothing changed."""
    con = warehouse.con.con
    names = [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE NOT temporary ORDER BY table_name"
    ).fetchall()]
    state = {name: con.execute(f'SELECT * FROM "{name}" ORDER BY ALL').fetchall()
             for name in names}
    temp = con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone()[0]
    views = con.execute(
        "SELECT count(*) FROM duckdb_views() WHERE temporary AND NOT internal").fetchone()[0]
    state["(temporary objects left behind)"] = [(temp, views)]
    return state


def rows(warehouse: Warehouse, sql: str) -> list[tuple]:
    return warehouse.con.con.execute(sql).fetchall()
