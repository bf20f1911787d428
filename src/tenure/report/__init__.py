"""Self-contained HTML reports (Plotly charts, plotly.js inlined from the installed package)."""

from tenure.report.html import write_revenue_report

__all__ = ["write_revenue_report"]
