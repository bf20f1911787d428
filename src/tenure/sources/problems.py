"""One problem found in a source file: where it is, what was found and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Problem", "ProblemCount"]


@dataclass(frozen=True)
class Problem:
    """A validation problem, precise enough to fix the file without guessing.

    Attributes
    ----------
    file
        Name of the source file at fault (``subscriptions.csv``), or of the table when the
        problem concerns a table that is absent or kept from an earlier load.
    row
        Line number in a CSV or JSON-lines file (the CSV header is line 1), row number (from 1)
        in a Parquet file; ``None`` for a problem with the whole file.
    column
        Column at fault as the file names it; a renamed column shows its canonical name in
        brackets (``mrr_amount (mrr)``).
    value
        The value found, as text; ``None`` when the value is empty or the problem has no value.
    message
        What is wrong, worded to follow the value (``is negative``).
    fix
        What to do about it.
    row_label
        ``"line"`` for text files, ``"row"`` for Parquet.

    Examples
    --------
    >>> print(Problem("subscriptions.csv", 14, "mrr", "-12.00", "is negative",
    ...               "MRR must be zero or more"))
    subscriptions.csv line 14, column mrr: value '-12.00' is negative; MRR must be zero or more
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    message: str
    fix: str
    row_label: str = "line"

    @property
    def reason(self) -> str:
        """The problem without the file and row: what a rejects file stores beside the row."""
        where = f"column {self.column}: " if self.column else ""
        what = f"value {self.value!r} {self.message}" if self.value is not None else self.message
        return f"{where}{what}; {self.fix}"

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file} {self.row_label} {self.row}"
        return f"{where}, {self.reason}" if self.column else f"{where}: {self.reason}"


@dataclass(frozen=True)
class ProblemCount:
    """How many rows of one file break one rule, with the first of them as the example.

    A load lists a few examples of each rule per file and counts the rest: a file with 27,412
    negative amounts must say so, and must not hide the problems of the next file.

    Examples
    --------
    >>> example = Problem("subscriptions.csv", 4, "mrr", "-3", "is negative", "...")
    >>> print(ProblemCount(example, count=1100, listed=5))
    subscriptions.csv, column mrr: 1,100 problem(s), 5 listed; e.g. line 4: value '-3' is negative
    """

    example: Problem
    count: int
    listed: int

    @property
    def file(self) -> str:
        return self.example.file

    @property
    def column(self) -> str | None:
        return self.example.column

    def __str__(self) -> str:
        p = self.example
        where = f"{p.file}, column {p.column}" if p.column else p.file
        shown = f", {self.listed:,} listed" if self.listed < self.count else ""
        at = f"{p.row_label} {p.row}: " if p.row is not None else ""
        what = f"value {p.value!r} {p.message}" if p.value is not None else p.message
        return f"{where}: {self.count:,} problem(s){shown}; e.g. {at}{what}"
