"""The warehouse is shared between commands: locks are waited for, readers read read-only, a load
holds the file only for its final write, and a read-only project serves reads.

Every lock here is held by a process the test starts itself and releases on an event (a
message the command prints, a step of the load), never after a delay.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

import tenure
import tenure.cli.common as common
from tenure.cli.app import app, main
from tenure.errors import WarehouseError
from tenure.warehouse import Warehouse
from tenure.warehouse.load import load_directory

runner = CliRunner()
SRC = str(Path(tenure.__file__).parents[1])

ACCOUNTS = "account_id,created_at\nA1,2024-01-05\nA2,2024-01-20\n"
SUBSCRIPTIONS = (
    "subscription_id,account_id,plan,mrr,start_date,end_date,cancelled_at\n"
    "S1,A1,pro,100.00,2024-01-05,,\n"
    "S2,A2,pro,50.00,2024-01-20,2024-03-01,2024-02-10\n"
)


def write_exports(folder: Path, accounts: str = ACCOUNTS,
                  subscriptions: str = SUBSCRIPTIONS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "accounts.csv").write_text(accounts)
    (folder / "subscriptions.csv").write_text(subscriptions)
    return folder


def loaded_project(tmp_path: Path, *, settings: str = "") -> Path:
    project = tmp_path / "project"
    project.mkdir()
    (project / "tenure.yaml").write_text(settings)
    with Warehouse(project / "warehouse.duckdb") as wh:
        load_directory(wh, write_exports(tmp_path / "exports"), as_of=_as_of())
    return project


def _as_of():
    from datetime import datetime

    return datetime(2024, 6, 30, 23, 59, 59)


class LockHolder:
    """Another process holding ``path`` open (read-write or read-only) until released."""

    def __init__(self, path: Path, *, read_only: bool) -> None:
        code = ("import duckdb, sys; c = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == '1');"
                " print('ready', flush=True); sys.stdin.read()")
        self.process = subprocess.Popen(
            [sys.executable, "-c", code, str(path), "1" if read_only else "0"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout.readline().strip() == "ready"

    def release(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.close()
            self.process.wait()


@contextmanager
def holding(path: Path, *, read_only: bool = False) -> Iterator[LockHolder]:
    holder = LockHolder(path, read_only=read_only)
    try:
        yield holder
    finally:
        holder.release()


def test_a_reader_waits_for_a_writer_says_so_and_then_reads(tmp_path, monkeypatch):
    project = loaded_project(tmp_path)
    told: list[str] = []
    with holding(project / "warehouse.duckdb") as holder:
        def released_when_told(message: str) -> None:
            told.append(message)
            holder.release()  # the other command finishes once this one says it waits

        monkeypatch.setattr(common, "notice", released_when_told)
        result = runner.invoke(app, ["metrics", "--project", str(project), "--format", "csv",
                                     "--to", "2024-03"])
    assert result.exit_code == 0, result.output
    assert told == [(f"waiting for another tenure command to release "
                    f"{project / 'warehouse.duckdb'} (up to 60 s) ...")]
    assert result.output.startswith("month,")


def test_a_lock_held_past_the_timeout_is_one_clear_error_naming_the_file(tmp_path, monkeypatch,
                                                                        capsys):
    project = loaded_project(tmp_path, settings="lock_timeout_seconds: 0\n")
    monkeypatch.setattr(sys, "argv", ["tenure", "metrics", "--project", str(project)])
    monkeypatch.setenv("COLUMNS", "30")
    with holding(project / "warehouse.duckdb"), pytest.raises(SystemExit) as stopped:
        main()
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: the warehouse ")
    assert f"{project / 'warehouse.duckdb'} is in use by process " in err  # not wrapped
    assert "raise lock_timeout_seconds in tenure.yaml" in err
    assert "Traceback" not in err
    assert "IOException" not in err


def test_readers_run_beside_each_other(tmp_path):
    project = loaded_project(tmp_path, settings="lock_timeout_seconds: 0\n")
    with holding(project / "warehouse.duckdb", read_only=True):
        result = runner.invoke(app, ["metrics", "--project", str(project), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert '"month": "2024-01-01"' in result.output


def test_load_leaves_the_warehouse_readable_while_it_stages_and_validates(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    with Warehouse(path) as wh:
        load_directory(wh, write_exports(tmp_path / "v1"), as_of=_as_of())
    reads: list[str] = []

    def read_from_another_process(step: str) -> None:
        if step != "checking every row":
            return
        # Before the fix the load held the file read-write from its start: this failed.
        out = subprocess.run(
            [sys.executable, "-c", ("import duckdb, sys; print(duckdb.connect(sys.argv[1], "
             "read_only=True).execute('SELECT count(*) FROM accounts').fetchone()[0])"),
             str(path)], capture_output=True, text=True, check=False)
        reads.append(out.stdout.strip() or out.stderr)

    more = ACCOUNTS + "A3,2024-02-01\n"
    with Warehouse(path) as wh:
        report = load_directory(wh, write_exports(tmp_path / "v2", accounts=more),
                                as_of=_as_of(), on_step=read_from_another_process)
        assert report.rows_loaded["accounts"] == 3
        assert wh.con.con.execute("SELECT count(*) FROM accounts").fetchone()[0] == 3
    assert reads == ["2"]  # the last committed data, read during the load


def test_load_waits_for_a_reader_before_its_write_and_says_so(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    with Warehouse(path) as wh:
        load_directory(wh, write_exports(tmp_path / "v1"), as_of=_as_of())
    told: list[str] = []
    with holding(path, read_only=True) as reader:
        def release(message: str) -> None:
            told.append(message)
            reader.release()

        wh = Warehouse(path, on_wait=release)
        more = ACCOUNTS + "A3,2024-02-01\n"
        report = load_directory(wh, write_exports(tmp_path / "v2", accounts=more),
                                as_of=_as_of())
    assert report.rows_loaded["accounts"] == 3
    assert len(told) == 1
    assert str(path) in told[0]
    with Warehouse(path, read_only=True) as wh:
        assert wh.con.con.execute("SELECT count(*) FROM accounts").fetchone()[0] == 3


def test_a_load_stopped_by_the_lock_timeout_writes_nothing(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    with Warehouse(path) as wh:
        load_directory(wh, write_exports(tmp_path / "v1"), as_of=_as_of())
    more = ACCOUNTS + "A3,2024-02-01\n"
    with holding(path), pytest.raises(WarehouseError, match="is in use by process"):
        load_directory(Warehouse(path, lock_timeout=0),
                       write_exports(tmp_path / "v2", accounts=more), as_of=_as_of())
    with Warehouse(path, read_only=True) as wh:
        assert wh.con.con.execute("SELECT count(*) FROM accounts").fetchone()[0] == 2


def test_a_read_only_warehouse_never_creates_a_file(tmp_path):
    wh = Warehouse(tmp_path / "typo" / "warehouse.duckdb", read_only=True)
    with pytest.raises(WarehouseError, match="has no table 'subscriptions'; load it first"):
        wh.table("subscriptions")
    assert not (tmp_path / "typo").exists()
    with pytest.raises(WarehouseError, match="opened read-only"):
        wh.replace_tables({"x": __import__("pyarrow").table({"a": [1]})})


# -- a read-only project ------------------------------------------------------------------------


#: Run first in the child process when it is root: drop the capabilities that let root write
#: anywhere (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER), so file modes apply to it.
_DROP_ROOTS_OVERRIDE = """
import ctypes, os
if os.geteuid() == 0:
    libc = ctypes.CDLL(None, use_errno=True)
    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]
    class Data(ctypes.Structure):
        _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32),
                    ("inheritable", ctypes.c_uint32)]
    header, data = Header(0x20080522, 0), (Data * 2)()
    assert libc.capget(ctypes.byref(header), data) == 0
    keep = ~0b1110 & 0xFFFFFFFF
    data[0].effective &= keep
    data[0].permitted &= keep
    assert libc.capset(ctypes.byref(header), data) == 0
"""


def _run_where_the_project_is_read_only(args: list[str],
                                        project: Path) -> subprocess.CompletedProcess:
    """Run the ``tenure`` entry point in a process that cannot write the project folder."""
    env = {**os.environ, "PYTHONPATH": SRC, "COLUMNS": "40"}
    code = (_DROP_ROOTS_OVERRIDE + "import sys\nfrom tenure.cli.app import main\n"
            "sys.argv[0] = 'tenure'\nmain()\n")
    items = [project, *project.rglob("*")]
    for item in items:
        item.chmod(0o555 if item.is_dir() else 0o444)
    try:
        return subprocess.run([sys.executable, "-c", code, *args], capture_output=True,
                              text=True, env=env, check=False)
    finally:
        for item in items:
            item.chmod(0o755 if item.is_dir() else 0o644)


def test_a_read_only_project_serves_reads_and_says_why_writes_fail(tmp_path):
    project = loaded_project(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    warehouse = project / "warehouse.duckdb"

    # The SQL cache beside the warehouse exists (a writable run filled it) but is read-only
    # now: a call it holds is read from it, a call it lacks is computed and not stored.
    warm = runner.invoke(app, ["metrics", "--project", str(project), "--format", "csv"])
    assert warm.exit_code == 0, warm.output
    assert any((project / "warehouse.duckdb.sql-cache").glob("*.json"))
    metrics = _run_where_the_project_is_read_only(
        ["metrics", "--project", str(project), "--format", "csv"], project)
    assert metrics.returncode == 0, metrics.stderr
    assert metrics.stdout == warm.stdout
    by_plan = _run_where_the_project_is_read_only(
        ["metrics", "--project", str(project), "--format", "csv", "--by", "plan"], project)
    assert by_plan.returncode == 0, by_plan.stderr
    assert by_plan.stdout.startswith("plan,month,") or "plan" in by_plan.stdout.splitlines()[0]

    report = _run_where_the_project_is_read_only(["report", "--project", str(project)], project)
    assert report.returncode == 2, report.stderr
    assert f"cannot write {project / 'report.html'}: " in report.stderr
    assert "pass --output with a file in a writable folder" in report.stderr

    elsewhere = _run_where_the_project_is_read_only(
        ["report", "--project", str(project), "--output", str(out / "r.html")], project)
    assert elsewhere.returncode == 0, elsewhere.stderr
    assert (out / "r.html").stat().st_size > 1000

    load = _run_where_the_project_is_read_only(
        ["load", str(tmp_path / "exports"), "--project", str(project)], project)
    assert load.returncode == 2, load.stderr
    assert f"cannot write to the warehouse {warehouse}: " in load.stderr
    assert "make the project folder writable" in load.stderr
    for result in (metrics, by_plan, report, elsewhere, load):
        assert "Traceback" not in result.stderr
