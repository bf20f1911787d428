"""Tenure's exceptions: one root, and input errors that are also ``ValueError``.

Every message names what is at fault (file, row, column, setting), the value found and the fix.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "InputError",
    "NotFittedError",
    "TenureError",
    "ValidationError",
    "WarehouseError",
]


class TenureError(Exception):
    """Root of every error Tenure raises on purpose."""


class InputError(TenureError, ValueError):
    """Something the user gave us (a file, a value, an argument) is wrong."""


class ConfigError(InputError):
    """A configuration file or setting is invalid."""


class WarehouseError(TenureError):
    """The warehouse is missing, locked, or lacks a table a computation needs."""


class ValidationError(InputError):
    """One or more rows of a load failed validation.

    ``problems`` lists the problems to show: every problem with a whole file, and a few
    examples of each rule in each file. ``total`` is the true number of problems found (all
    of them are counted, not just the listed ones) and ``counts`` holds one
    ``ProblemCount`` per file and rule. ``advice`` is the closing line: what to do next, with
    ``--quarantine`` only when quarantine would help.
    """

    def __init__(self, problems: list, *, shown: int = 20, total: int | None = None,
                 counts: list | None = None, advice: str | None = None) -> None:
        self.problems = list(problems)
        self.total = len(self.problems) if total is None else total
        self.counts = list(counts or [])
        self.advice = advice or ("Fix the files (or the mapping) and load again, or pass "
                                 "--quarantine to load the good rows and set the others aside.")
        lines = [str(p) for p in self.problems[:shown]]
        more = self.total - len(lines)
        if more > 0:
            lines.append(f"... and {more:,} more problem(s)"
                         + ("; per file and rule:" if self.counts else "."))
            lines += [f"  {c}" for c in self.counts]
        header = f"{self.total:,} problem(s) found; nothing was written to the warehouse."
        super().__init__("\n".join([header, *lines, self.advice]))


class NotFittedError(TenureError, AttributeError):
    """A model was used before ``fit``."""
