"""Plotly figures of the revenue metrics, drawn from the DataFrames of ``RevenueMetrics``."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

__all__ = [
    "cohort_heatmap",
    "movements_bars",
    "movements_waterfall",
    "mrr_trend",
    "retention_trend",
]

_MOVEMENTS = [
    ("new_mrr", "New", "#2e7d32"),
    ("expansion_mrr", "Expansion", "#66bb6a"),
    ("reactivation_mrr", "Reactivation", "#26a69a"),
    ("contraction_mrr", "Contraction", "#ef9a9a"),
    ("churned_mrr", "Churn", "#c62828"),
]
_LAYOUT = {
    "template": "plotly_white",
    "margin": {"l": 60, "r": 20, "t": 50, "b": 40},
    "height": 380,
}


def _f(series: pd.Series) -> list[float]:
    # Charts draw floats; the exact Decimal values stay in the tables.
    return [float(v) if v is not None and not pd.isna(v) else None for v in series]


def mrr_trend(monthly: pd.DataFrame) -> go.Figure:
    """MRR at each month-end, with paying customers on a second axis."""
    fig = go.Figure()
    fig.add_bar(x=monthly["month"], y=_f(monthly["mrr"]), name="MRR", marker_color="#1565c0")
    fig.add_scatter(
        x=monthly["month"], y=_f(monthly["customers"]), name="Paying customers", yaxis="y2",
        mode="lines", line={"color": "#ff8f00"},
    )
    fig.update_layout(
        title="MRR and paying customers (month-end)",
        yaxis={"title": "MRR"},
        yaxis2={"title": "Customers", "overlaying": "y", "side": "right", "showgrid": False},
        legend={"orientation": "h", "y": -0.15},
        **_LAYOUT,
    )
    return fig


def movements_waterfall(monthly: pd.DataFrame) -> go.Figure:
    """From MRR at the start of the range to MRR at its end, one bar per movement type."""
    opening = float(monthly["previous_mrr"].iloc[0])
    closing = float(monthly["mrr"].iloc[-1])
    labels = [f"MRR {monthly['month'].iloc[0]:%b %Y} start"]
    values = [opening]
    measures = ["absolute"]
    for col, label, _ in _MOVEMENTS:
        labels.append(label)
        values.append(float(sum(monthly[col])))
        measures.append("relative")
    labels.append(f"MRR {monthly['month'].iloc[-1]:%b %Y} end")
    values.append(closing)
    measures.append("total")
    fig = go.Figure(
        go.Waterfall(
            x=labels, y=values, measure=measures,
            increasing={"marker": {"color": "#2e7d32"}},
            decreasing={"marker": {"color": "#c62828"}},
            totals={"marker": {"color": "#1565c0"}},
        )
    )
    fig.update_layout(title="MRR bridge over the period", showlegend=False, **_LAYOUT)
    return fig


def movements_bars(monthly: pd.DataFrame) -> go.Figure:
    """Each month's MRR movements, gains above zero and losses below, with net change."""
    fig = go.Figure()
    for col, label, colour in _MOVEMENTS:
        fig.add_bar(x=monthly["month"], y=_f(monthly[col]), name=label, marker_color=colour)
    fig.add_scatter(
        x=monthly["month"], y=_f(monthly["mrr_change"]), name="Net change", mode="lines+markers",
        line={"color": "#212121"},
    )
    fig.update_layout(
        title="MRR movements by month", barmode="relative",
        legend={"orientation": "h", "y": -0.15}, **_LAYOUT,
    )
    return fig


def retention_trend(monthly: pd.DataFrame) -> go.Figure:
    """Net and gross revenue retention, trailing twelve months and monthly."""
    fig = go.Figure()
    for col, label, colour, dash in [
        ("nrr_ttm", "NRR (trailing 12 months)", "#1565c0", "solid"),
        ("grr_ttm", "GRR (trailing 12 months)", "#c62828", "solid"),
        ("nrr", "NRR (monthly)", "#1565c0", "dot"),
        ("grr", "GRR (monthly)", "#c62828", "dot"),
    ]:
        fig.add_scatter(
            x=monthly["month"], y=_f(monthly[col]), name=label, mode="lines",
            line={"color": colour, "dash": dash},
        )
    fig.update_layout(
        title="Revenue retention", yaxis={"tickformat": ".0%"},
        legend={"orientation": "h", "y": -0.15}, **_LAYOUT,
    )
    return fig


def cohort_heatmap(matrix: pd.DataFrame, *, title: str) -> go.Figure:
    """Cohorts (rows) by months since first payment (columns), coloured by retention."""
    z = matrix.to_numpy(dtype=float)
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[str(c) for c in matrix.columns],
            y=[f"{c:%Y-%m}" if hasattr(c, "strftime") else str(c) for c in matrix.index],
            colorscale="Blues", zmin=0, zmax=max(1.0, float(pd.DataFrame(z).max().max() or 1)),
            hovertemplate="cohort %{y}, month %{x}: %{z:.1%}<extra></extra>",
            colorbar={"tickformat": ".0%"},
        )
    )
    fig.update_layout(
        title=title, xaxis={"title": "Months since first payment"},
        yaxis={"title": "Cohort", "autorange": "reversed"},
        template="plotly_white", margin=_LAYOUT["margin"], height=max(380, 18 * len(matrix) + 120),
    )
    return fig
