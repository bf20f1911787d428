"""Write the revenue report: one self-contained HTML file (no network needed to open it)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape
from plotly.offline import get_plotlyjs

from tenure.report import charts

if TYPE_CHECKING:
    from tenure.metrics.revenue import RevenueMetrics
    from tenure.quality import QualityReport

__all__ = ["format_value", "write_revenue_report"]

_RATE_COLUMNS = {
    "logo_churn_rate", "gross_mrr_churn_rate", "net_mrr_churn_rate", "grr", "nrr", "grr_ttm",
    "nrr_ttm", "conversion_rate", "gross_margin", "logo_retention", "revenue_retention",
}


def format_value(column: str, value: object) -> str:
    """Human format for a table cell: money with separators, rates as percentages."""
    if value is None or (not isinstance(value, str | Decimal) and pd.isna(value)):
        return "–"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if hasattr(value, "strftime"):
        return f"{value:%Y-%m}" if column in {"month", "cohort"} else str(value)
    if isinstance(value, float):
        if column in _RATE_COLUMNS:
            return f"{value:.1%}"
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _table(df: pd.DataFrame, columns: list[str]) -> dict[str, list]:
    cols = [c for c in columns if c in df.columns]
    rows = [[format_value(c, row[c]) for c in cols] for _, row in df.iterrows()]
    return {"columns": cols, "rows": rows}


def _figure_html(fig) -> str:
    return fig.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False})


def write_revenue_report(metrics: RevenueMetrics, path: Path, *, title: str = "Revenue",
                         quality: QualityReport | None = None) -> Path:
    """Render ``metrics`` to a self-contained HTML report at ``path`` and return the path.

    ``quality``, the data check of the same warehouse, adds a "Data quality" section listing
    its findings (or saying there are none) before the metrics.
    """
    from tenure.metrics.cohorts import cohort_matrix
    from tenure.report.quality import quality_section

    monthly = metrics.monthly
    if metrics.by:
        raise ValueError("the HTML report is company-wide; compute metrics without `by`")
    latest = monthly.iloc[-1]
    kpis = [
        (label, format_value(col, latest[col]))
        for label, col in [
            ("MRR", "mrr"), ("ARR", "arr"), ("Paying customers", "customers"), ("ARPA", "arpa"),
            ("NRR (12 mo)", "nrr_ttm"), ("GRR (12 mo)", "grr_ttm"),
            ("Logo churn (month)", "logo_churn_rate"), ("Quick ratio", "quick_ratio"),
        ]
        if col in monthly.columns
    ]
    figures = [
        _figure_html(charts.mrr_trend(monthly)),
        _figure_html(charts.movements_waterfall(monthly)),
        _figure_html(charts.movements_bars(monthly)),
        _figure_html(charts.retention_trend(monthly)),
    ]
    if not metrics.cohorts.empty:
        for value, label in [("logo_retention", "Logo"), ("revenue_retention", "Revenue")]:
            matrix = cohort_matrix(metrics.cohorts, value)
            figures.append(
                _figure_html(charts.cohort_heatmap(matrix, title=f"{label} retention by cohort"))
            )
    env = Environment(
        loader=PackageLoader("tenure.report", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
    )
    html = env.get_template("revenue.html.j2").render(
        title=title,
        period=f"{metrics.period.start:%Y-%m} to {metrics.period.months[-1]:%Y-%m}",
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        kpis=kpis,
        kpi_month=f"{latest['month']:%B %Y}",
        figures=figures,
        monthly=_table(monthly, [
            "month", "mrr", "customers", "arpa", "new_mrr", "expansion_mrr", "reactivation_mrr",
            "contraction_mrr", "churned_mrr", "mrr_change", "logo_churn_rate",
            "gross_mrr_churn_rate", "net_mrr_churn_rate", "grr", "nrr", "grr_ttm", "nrr_ttm",
            "quick_ratio",
        ]),
        unit_economics=_table(metrics.unit_economics, [
            "month", "arpa", "gross_margin", "ltv", "cac", "cac_payback_months", "magic_number",
            "new_customers", "profit",
        ]),
        trials=_table(metrics.trials, list(metrics.trials.columns)),
        definitions=metrics.definitions.model_dump(),
        quality=quality_section(quality) if quality is not None else None,
        plotly_js=get_plotlyjs(),
    )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path
