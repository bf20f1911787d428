"""Plotly figures of the churn and onboarding analyses, drawn from their DataFrames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

__all__ = [
    "decile_bars",
    "effect_by_lag",
    "forest_plot",
    "funnel_chart",
    "hazard_curve",
    "lead_time_bars",
    "milestone_retention_bars",
    "reasons_bars",
    "segment_bars",
    "survival_curves",
]

_LAYOUT = {
    "template": "plotly_white",
    "margin": {"l": 60, "r": 20, "t": 50, "b": 40},
    "height": 380,
}
_RED, _BLUE, _GREY = "#c62828", "#1565c0", "#9e9e9e"


def _error_y(frame: pd.DataFrame, value: str = "churn_rate") -> dict:
    return {
        "type": "data", "symmetric": False,
        "array": (frame["ci_high"] - frame[value]).tolist(),
        "arrayminus": (frame[value] - frame["ci_low"]).tolist(),
        "color": "#616161",
    }


def decile_bars(cohorts: pd.DataFrame, measure: str, *, outcome: str) -> go.Figure:
    """Churn rate by decile of ``measure``, with its Wilson interval."""
    part = cohorts[(cohorts["measure"] == measure) & cohorts["decile"].notna()]
    labels = [f"D{int(d)}<br>{lo:.3g}–{hi:.3g}"
              for d, lo, hi in zip(part["decile"], part["lower"], part["upper"], strict=True)]
    fig = go.Figure(go.Bar(
        x=labels, y=part["churn_rate"], error_y=_error_y(part), marker_color=_BLUE,
        customdata=part["observations"], hovertemplate="%{y:.1%} of %{customdata} snapshots",
    ))
    fig.update_layout(title=f"{outcome} rate by decile of {measure}", yaxis_tickformat=".0%",
                      **_LAYOUT)
    return fig


def segment_bars(levels: pd.DataFrame, attribute: str, *, outcome: str) -> go.Figure:
    """Churn rate of each level of ``attribute``; levels that differ after correction in red."""
    part = levels[levels["attribute"] == attribute].sort_values("churn_rate", ascending=False)
    colours = [_RED if s else _GREY for s in part["significant"]]
    fig = go.Figure(go.Bar(
        x=part["level"], y=part["churn_rate"], error_y=_error_y(part), marker_color=colours,
        customdata=np.stack([part["observations"], part["q_value"]], axis=-1),
        hovertemplate="%{y:.1%} of %{customdata[0]} (q = %{customdata[1]:.3g})",
    ))
    overall = (part["churned"].sum() / part["observations"].sum()) if len(part) else 0.0
    fig.add_hline(y=overall, line_dash="dot", line_color="#212121",
                  annotation_text="all accounts")
    fig.update_layout(title=f"{outcome} rate by {attribute} (red: differs from the rest)",
                      yaxis_tickformat=".0%", **_LAYOUT)
    return fig


def survival_curves(curves: pd.DataFrame, *, title: str, unit: str = "months") -> go.Figure:
    """Kaplan-Meier retention curves, one step line per group with its confidence band."""
    fig = go.Figure()
    palette = ["#1565c0", "#c62828", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#5d4037",
               "#ad1457", "#9e9d24", "#455a64"]
    for i, (group, g) in enumerate(curves.groupby("group", sort=False)):
        colour = palette[i % len(palette)]
        fig.add_scatter(x=g["time"], y=g["ci_high"], mode="lines", line_shape="hv",
                        line={"width": 0}, showlegend=False, hoverinfo="skip")
        fig.add_scatter(x=g["time"], y=g["ci_low"], mode="lines", line_shape="hv",
                        line={"width": 0}, fill="tonexty", fillcolor="rgba(0,0,0,0.06)",
                        showlegend=False, hoverinfo="skip")
        fig.add_scatter(x=g["time"], y=g["survival"], mode="lines", line_shape="hv",
                        name=str(group), line={"color": colour})
    fig.update_layout(title=title, xaxis_title=f"tenure ({unit})",
                      yaxis={"title": "still customers", "tickformat": ".0%", "range": [0, 1.02]},
                      **_LAYOUT)
    return fig


def forest_plot(effects: pd.DataFrame, *, outcome: str, top: int = 20) -> go.Figure:
    """Odds ratios with their intervals, strongest first, on a log scale."""
    part = effects.head(top).iloc[::-1]
    has_ci = part["ci_low"].notna()
    colours = [_RED if s else _GREY for s in part["significant"]]
    fig = go.Figure(go.Scatter(
        x=part["odds_ratio"], y=part["feature"], mode="markers",
        marker={"color": colours, "size": 9},
        error_x={"type": "data", "symmetric": False,
                 "array": np.where(has_ci, part["ci_high"] - part["odds_ratio"], 0).tolist(),
                 "arrayminus": np.where(has_ci, part["odds_ratio"] - part["ci_low"], 0).tolist()},
        text=part["sentence"], hovertemplate="%{text}<extra></extra>",
    ))
    fig.add_vline(x=1.0, line_dash="dot", line_color="#212121")
    layout = {**_LAYOUT, "height": max(380, 28 * len(part) + 100),
              "margin": {"l": 220, "r": 20, "t": 50, "b": 40}}
    fig.update_layout(title=f"Drivers of {outcome}: odds ratio per step (red: interval "
                      "excludes 1)", xaxis={"type": "log", "title": "odds ratio"}, **layout)
    return fig


def lead_time_bars(lead_times: pd.DataFrame) -> go.Figure:
    """Days before churn at which each measure first separates churners from retained."""
    part = lead_times.fillna({"lead_time_days": 0}).iloc[::-1]
    colours = {"leading": "#2e7d32", "lagging": "#ef6c00", "none": _GREY}
    fig = go.Figure(go.Bar(
        x=part["lead_time_days"], y=part["measure"], orientation="h",
        marker_color=[colours.get(s, _GREY) for s in part["signal"]],
        text=[f"{s} ({d})" for s, d in zip(part["signal"], part["direction"], strict=True)],
        hovertemplate="%{y}: %{x} days, %{text}<extra></extra>",
    ))
    layout = {**_LAYOUT, "height": max(380, 26 * len(part) + 100),
              "margin": {"l": 220, "r": 20, "t": 50, "b": 40}}
    fig.update_layout(title="Early-warning lead time (green: leading, orange: lagging)",
                      xaxis_title="days before churn", **layout)
    return fig


def effect_by_lag(by_lag: pd.DataFrame, measures: list[str]) -> go.Figure:
    """Rank-biserial effect of churners vs matched retained accounts at each lag."""
    fig = go.Figure()
    for m in measures:
        g = by_lag[by_lag["measure"] == m]
        fig.add_scatter(x=g["lag_days"], y=g["effect"], mode="lines+markers", name=m)
    fig.add_hline(y=0, line_color="#212121", line_dash="dot")
    fig.update_layout(title="Churners vs retained, by days before churn",
                      xaxis={"title": "days before churn", "autorange": "reversed"},
                      yaxis={"title": "effect (rank-biserial)", "range": [-1, 1]}, **_LAYOUT)
    return fig


def reasons_bars(by_reason: pd.DataFrame) -> go.Figure:
    """Share of churned customers and of lost MRR by reason."""
    fig = go.Figure()
    labels = [f"{c} ({k})" for c, k in zip(by_reason["reason_code"], by_reason["reason_category"],
                                           strict=True)]
    fig.add_bar(x=labels, y=by_reason["share_customers"], name="customers", marker_color=_BLUE)
    fig.add_bar(x=labels, y=by_reason["share_mrr"], name="MRR", marker_color="#ef6c00")
    fig.update_layout(title="Churn reasons", barmode="group", yaxis_tickformat=".0%", **_LAYOUT)
    return fig


def funnel_chart(funnel: pd.DataFrame, *, within_days: float) -> go.Figure:
    """Accounts that reached each milestone, and every earlier one, within the deadline."""
    fig = go.Figure(go.Funnel(y=funnel["milestone"], x=funnel["reached_all_so_far"],
                              textinfo="value+percent initial"))
    fig.update_layout(title=f"Onboarding funnel (within {within_days:g} days of sign-up)",
                      **_LAYOUT)
    return fig


def milestone_retention_bars(retention: pd.DataFrame, *, horizon_months: float) -> go.Figure:
    """Retention at the horizon of customers who reached each milestone vs those who did not."""
    fig = go.Figure()
    for reached, colour, name in [(True, "#2e7d32", "reached"), (False, _GREY, "not reached")]:
        part = retention[retention["reached"] == reached]
        fig.add_bar(x=part["milestone"], y=part["retention"], name=name, marker_color=colour)
    fig.update_layout(title=f"Retention at {horizon_months:g} months by milestone reached",
                      barmode="group", yaxis_tickformat=".0%", **_LAYOUT)
    return fig


def hazard_curve(hazards: pd.DataFrame, *, stick_month: int | None,
                 long_run: float) -> go.Figure:
    """Monthly churn hazard by tenure, smoothed, with the stick point and long-run level."""
    fig = go.Figure()
    fig.add_bar(x=hazards["month"], y=hazards["hazard"], name="hazard", marker_color="#90caf9")
    fig.add_scatter(x=hazards["month"], y=hazards["smoothed"], name="smoothed", mode="lines",
                    line={"color": _BLUE})
    if stick_month is not None:
        fig.add_vline(x=stick_month, line_dash="dash", line_color=_RED,
                      annotation_text=f"stick point: month {stick_month}")
        fig.add_hline(y=long_run, line_dash="dot", line_color="#212121",
                      annotation_text="long-run hazard")
    fig.update_layout(title="Monthly churn hazard by tenure", xaxis_title="tenure month",
                      yaxis_tickformat=".1%", **_LAYOUT)
    return fig
