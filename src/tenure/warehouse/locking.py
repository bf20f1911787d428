"""Open the DuckDB warehouse file, waiting for another process's lock instead of failing.

DuckDB lets one process open a file read-write, or many processes open it read-only, never
both at once: a process that opens the file while another holds a conflicting lock gets
``IOException: Could not set lock``. Tenure's commands therefore open the warehouse read-only
when they only read, hold it read-write only for their final write, and when the file is busy
wait for it (saying so once) up to a timeout, then stop with an error naming the file and what
to do. Polling is the only way to wait: DuckDB has no blocking open.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from tenure.errors import WarehouseError

__all__ = ["DEFAULT_LOCK_TIMEOUT", "is_lock_error", "read_only_reason", "wait_for_lock"]

#: Seconds a command waits for another one to release the warehouse before it gives up.
DEFAULT_LOCK_TIMEOUT = 60.0

#: How often a waiting command tries the lock again.
_POLL_SECONDS = 0.2

_HOLDER = re.compile(r"\(PID (\d+)\)")


def is_lock_error(error: BaseException) -> bool:
    """Whether ``error`` is DuckDB refusing a file because another process holds its lock."""
    text = str(error)
    return "Could not set lock" in text or "Conflicting lock" in text


def read_only_reason(path: Path) -> str | None:
    """Why ``path`` (a warehouse file, existing or not) cannot be written; ``None`` when it can.

    Asked before a write opens the file, so a read-only project gets a sentence rather than
    DuckDB's ``Permission denied`` or a read-only attach error halfway through a command.
    """
    path = Path(path)
    if path.exists():
        if not os.access(path, os.W_OK):
            return f"the warehouse file {path} is read-only"
        folder = path.parent  # DuckDB writes its write-ahead log beside the file
    else:
        folder = path.parent
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"the folder {folder} is read-only"
    return None


_T = TypeVar("_T")


def wait_for_lock(
    path: Path,
    open_file: Callable[[], _T],
    *,
    timeout: float,
    on_wait: Callable[[str], None] | None = None,
) -> _T:
    """``open_file()``, tried again while another process holds ``path``'s lock.

    Parameters
    ----------
    path
        The warehouse file, for messages.
    open_file
        Opens it (read-only or read-write); raises DuckDB's ``IOException`` while locked.
    timeout
        Seconds to keep trying; ``0`` tries once.
    on_wait
        Called once, with a one-line message, when the first try finds the file locked.

    Raises
    ------
    WarehouseError
        When the file is still locked after ``timeout`` seconds: names the file, the process
        holding it when DuckDB says, and what to do.
    """
    deadline = time.monotonic() + max(timeout, 0.0)
    told = False
    while True:
        try:
            return open_file()
        except Exception as error:
            if not is_lock_error(error):
                raise
            if time.monotonic() >= deadline:
                raise WarehouseError(_locked_message(path, error, timeout)) from None
            if not told and on_wait is not None:
                on_wait(f"waiting for another tenure command to release {path} "
                        f"(up to {timeout:g} s) ...")
            told = True
            time.sleep(_POLL_SECONDS)


def _locked_message(path: Path, error: BaseException, timeout: float) -> str:
    holder = _HOLDER.search(str(error))
    who = f"process {holder.group(1)}" if holder else "another process"
    return (
        f"the warehouse {path} is in use by {who} (another tenure command still running, or a "
        f"program such as a notebook or the duckdb shell holding it open); waited {timeout:g} s. "
        "Let that command finish (or close the program), then run this one again; to wait "
        "longer, raise lock_timeout_seconds in tenure.yaml."
    )

