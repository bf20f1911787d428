"""The data-quality section of the HTML report: each finding with its fix and examples."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tenure.quality.findings import example_cell

if TYPE_CHECKING:
    from tenure.quality import QualityReport

__all__ = ["quality_section"]


def quality_section(report: QualityReport) -> dict[str, object]:
    """The template's view of a :class:`~tenure.quality.QualityReport`: findings (label,
    summary, fix, an examples table), skipped checks with their reasons, and the clean ones."""
    findings = []
    for r in report.findings:
        columns = list(r.examples[0]) if r.examples else []
        findings.append({
            "label": r.label, "check": str(r.check), "summary": r.summary, "fix": r.fix,
            "columns": columns,
            "rows": [[example_cell(row.get(c), "–") for c in columns] for row in r.examples],
        })
    return {
        "last_day": str(report.last_day) if report.last_day else None,
        "findings": findings,
        "skipped": [(str(r.check), r.summary) for r in report.skipped],
        "clean": [str(r.check) for r in report.results if r.status == "clean"],
    }
