"""What a data-quality run returns: one result per check, and the report that holds them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from tenure.quality.vocabulary import CHECK_LABELS, CheckName, CheckStatus

__all__ = ["CheckResult", "QualityReport", "counted", "example_cell", "format_money"]


def counted(count: int, unit: str) -> str:
    """A count with its unit, singular for one.

    >>> counted(1, "accounts"), counted(1200, "rows")
    ('1 account', '1,200 rows')
    """
    return f"{count:,} {unit.removesuffix('s') if count == 1 else unit}"


def example_cell(value: object, missing: str = "-") -> str:
    """One value of a finding's examples as text: money with two decimals, a rate as a percent.

    >>> example_cell(Decimal("1450.5")), example_cell(2.5), example_cell(None, "–")
    ('1,450.50', '250%', '–')
    """
    if value is None:
        return missing
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, float):
        return f"{value:.0%}"  # the only float examples are retention rates
    return str(value)


def format_money(amount: Decimal, currency: str) -> str:
    """Money for a sentence: separators, two decimals, the currency code.

    >>> format_money(Decimal("1450.5"), "USD")
    '1,450.50 USD'
    """
    return f"{amount:,.2f} {currency}"


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check.

    Attributes
    ----------
    check
        Which check.
    status
        ``found``, ``clean`` or ``skipped``.
    count
        How many things it found (0 when clean or skipped), counted in ``unit``.
    unit
        What ``count`` counts: ``accounts``, ``months``, ``lines``.
    summary
        One sentence saying what was found (or why the check was skipped).
    fix
        What to do about it, in words (empty when clean).
    mrr
        MRR the finding puts in (or keeps out of) the metrics, in the reporting currency, when
        the check measures one.
    examples
        A few of the rows found (account ids, dates, amounts), at most five.
    brief
        A few words for :meth:`QualityReport.summary_line` (default: the count and its unit).
    """

    check: CheckName
    status: CheckStatus
    count: int = 0
    unit: str = ""
    summary: str = ""
    fix: str = ""
    mrr: Decimal | None = None
    examples: list[dict[str, object]] = field(default_factory=list)
    brief: str = ""

    @property
    def label(self) -> str:
        return CHECK_LABELS[self.check]

    def to_dict(self) -> dict[str, object]:
        """Plain values for JSON: money as a string (exact), dates ISO."""
        return {
            "check": str(self.check), "status": str(self.status), "count": self.count,
            "unit": self.unit, "summary": self.summary, "fix": self.fix,
            "mrr": None if self.mrr is None else str(self.mrr),
            "examples": [{k: _plain(v) for k, v in row.items()} for row in self.examples],
        }


def _plain(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class QualityReport:
    """Every check's result on one warehouse.

    Attributes
    ----------
    results
        One :class:`CheckResult` per :class:`CheckName`, in the vocabulary's order.
    last_day
        The last day the data records (see ``docs/quality.md``); None for an empty warehouse.
    currency
        The reporting currency of every amount.
    """

    results: list[CheckResult]
    last_day: date | None
    currency: str = "USD"

    @property
    def findings(self) -> list[CheckResult]:
        return [r for r in self.results if r.status is CheckStatus.found]

    @property
    def skipped(self) -> list[CheckResult]:
        return [r for r in self.results if r.status is CheckStatus.skipped]

    def result(self, check: CheckName) -> CheckResult:
        """The result of one check."""
        return next(r for r in self.results if r.check is check)

    def summary_line(self) -> str:
        """One line for the end of ``tenure load``: how many findings, each in a few words.

        >>> QualityReport([], date(2024, 6, 30)).summary_line()
        'data check: no findings; run `tenure check` for details'
        """
        skipped = f", {len(self.skipped)} check(s) skipped" if self.skipped else ""
        if not self.findings:
            return f"data check: no findings{skipped}; run `tenure check` for details"
        parts = [f"{r.label}: {r.brief or counted(r.count, r.unit)}" for r in self.findings]
        return (f"data check: {len(self.findings)} finding(s) ({'; '.join(parts)}){skipped}; "
                "run `tenure check` for details")

    def to_dict(self) -> dict[str, object]:
        """The report as plain values for JSON."""
        return {
            "last_day": None if self.last_day is None else self.last_day.isoformat(),
            "currency": self.currency,
            "findings": len(self.findings),
            "results": [r.to_dict() for r in self.results],
        }
