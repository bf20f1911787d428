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

    ``problems`` holds every problem found (not just the first): a file is fixed in one pass.
    """

    def __init__(self, problems: list, *, shown: int = 20) -> None:
        self.problems = list(problems)
        lines = [str(p) for p in self.problems[:shown]]
        more = len(self.problems) - shown
        if more > 0:
            lines.append(f"... and {more} more problem(s); use --quarantine to load the good rows "
                         "and write every rejected row with its reason to a rejects file.")
        header = f"{len(self.problems)} problem(s) found; nothing was written to the warehouse."
        super().__init__("\n".join([header, *lines]))


class NotFittedError(TenureError, AttributeError):
    """A model was used before ``fit``."""
