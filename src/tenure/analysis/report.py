"""Write the churn and onboarding analyses as one self-contained HTML file and one JSON file.

The HTML inlines plotly.js, so it opens without network; the JSON holds the same tables
(records; money as exact two-decimal numbers, dates ISO, missing values null).
"""

from __future__ import annotations

import json
import math
from dataclasses import fields, is_dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape
from plotly.offline import get_plotlyjs

from tenure.analysis import charts
from tenure.analysis.churn import ChurnAnalysis, outcome_label
from tenure.analysis.cohorts import decile_slope
from tenure.analysis.onboarding import OnboardingAnalysis
from tenure.analysis.regression import ChurnRegression

__all__ = [
    "churn_json",
    "onboarding_json",
    "to_jsonable",
    "write_churn_report",
    "write_json",
    "write_onboarding_report",
]

_PERCENT = {"churn_rate", "ci_low", "ci_high", "rest_churn_rate", "share_customers", "share_mrr",
            "retention", "conversion", "share_of_accounts", "survival", "hazard", "smoothed",
            "later_hazard"}
_SMALL = {"p_value", "q_value"}


def to_jsonable(value: Any) -> Any:
    """Results as plain JSON values: DataFrames as records, fitted models by their summaries."""
    if isinstance(value, pd.DataFrame):
        return [{str(k): to_jsonable(v) for k, v in row.items()}
                for row in value.to_dict("records")]
    if isinstance(value, ChurnRegression):
        return {"effects": to_jsonable(value.effects_), "groups": to_jsonable(value.groups_),
                "transforms": value.transforms_, "params": to_jsonable(value.get_params())}
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in fields(value)
                if f.name not in {"fitters", "fitter", "times"}}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return float(value)  # two-decimal money round-trips exactly through the shortest repr
    if isinstance(value, datetime | date | pd.Timestamp):
        return value.isoformat()
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _cell(column: str, value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, float | np.floating):
        if column in _PERCENT:
            return f"{value:.1%}"
        if column in _SMALL:
            return f"{value:.2g}"
        return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def _table(caption: str, frame: pd.DataFrame, columns: list[str] | None = None,
           limit: int = 60) -> dict[str, Any]:
    cols = [c for c in (columns or list(frame.columns)) if c in frame.columns]
    rows = [[_cell(c, row[c]) for c in cols] for _, row in frame.head(limit).iterrows()]
    note = f" (first {limit} of {len(frame)})" if len(frame) > limit else ""
    return {"caption": caption + note, "columns": cols, "rows": rows}


def _html(fig: Any) -> str:
    return fig.to_html(full_html=False, include_plotlyjs=False, config={"displaylogo": False})


def _render(path: Path, **context: Any) -> Path:
    env = Environment(loader=PackageLoader("tenure.analysis", "templates"),
                      autoescape=select_autoescape(["html", "j2"]))
    html = env.get_template("analysis.html.j2").render(
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        plotly_js=get_plotlyjs(), **context,
    )
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path


def churn_json(analysis: ChurnAnalysis) -> dict[str, Any]:
    """The churn analysis as a JSON-ready dict (the same tables as the HTML report)."""
    return to_jsonable(analysis)


def _churn_sections(a: ChurnAnalysis) -> list[dict[str, Any]]:
    label = outcome_label(a.outcome)
    sections = []
    # The six measures whose churn rate differs most between their lowest and highest decile.
    steepest = decile_slope(a.cohorts)["measure"].head(6)
    sections.append({
        "title": "Behavioural cohorts",
        "text": [(f"Share of account snapshots that saw {label}, by decile of each measure "
                 "(D1 = lowest values), with Wilson 95% intervals. A steady slope marks a "
                 "measure that matters; overlapping intervals, one that does not.")],
        "figures": [_html(charts.decile_bars(a.cohorts, m, outcome=label))
                    for m in steepest],
        "tables": [_table("Deciles of every measure", a.cohorts, limit=200)],
    })
    flagged = a.segments.flagged()
    sections.append({
        "title": "Segments",
        "text": [(f"Chi-square test per attribute, and each level against all other accounts "
                 f"(Fisher exact), corrected together for multiple testing (Benjamini-Hochberg, "
                 f"false discovery rate {a.segments.alpha:.0%}). "
                 f"{len(flagged)} of {len(a.segments.levels)} levels differ from the rest.")],
        "figures": [_html(charts.segment_bars(a.segments.levels, attr, outcome=label))
                    for attr in a.segments.attributes["attribute"]],
        "tables": [_table("Attributes", a.segments.attributes),
                   _table("Levels that differ from the rest", flagged),
                   _table("Every level", a.segments.levels, limit=200)],
    })
    effects = a.effects
    significant = effects[effects["significant"]]
    sections.append({
        "title": "Drivers (multivariate)",
        "text": [(f"Regularised logistic regression of {label} on every measure and attribute "
                 "at once, standardised; correlated measures grouped (one representative "
                 "each); 95% intervals from a bootstrap over accounts.")]
                + [s for s in significant["sentence"].head(10)],
        "figures": [_html(charts.forest_plot(effects, outcome=label))],
        "tables": [_table("Effects", effects, ["rank", "feature", "kind", "odds_ratio",
                                               "ci_low", "ci_high", "p_value", "group",
                                               "sentence"]),
                   _table("Correlated measure groups", a.regression.groups_)],
    })
    if a.retention:
        text = []
        figures = []
        for by, curves in a.retention.items():
            title = "Retention of all customers" if by == "all" else f"Retention by {by}"
            figures.append(_html(charts.survival_curves(curves.curves, title=title)))
            if curves.logrank:
                text.append(f"{by}: log-rank test that all curves are equal, "
                            f"p = {curves.logrank['p_value']:.2g}.")
        medians = pd.concat([c.medians.assign(by=by) for by, c in a.retention.items()])
        tables = [_table("Median lifetime (months)", medians,
                         ["by", "group", "customers", "churned", "median_lifetime"], limit=200)]
        if a.cox is not None:
            tables.append(_table(f"Cox hazard ratios (concordance {a.cox.concordance:.3f})",
                                 a.cox.hazard_ratios))
        if a.remaining_lifetime is not None and not a.remaining_lifetime.empty:
            tables.append(_table("Expected remaining lifetime of current customers (months)",
                                 a.remaining_lifetime.sort_values("expected_remaining")))
        intro = "Kaplan-Meier share of customers still paying by tenure, with 95% bands."
        sections.append({"title": "Survival", "text": [intro, *text],
            "figures": figures, "tables": tables})
    if a.reasons is not None:
        r = a.reasons
        sections.append({
            "title": "Churn reasons",
            "text": [(f"{len(r.churned)} churned customers; {len(r.unexplained)} left without a "
                     "recorded reason (listed below).")],
            "figures": [_html(charts.reasons_bars(r.by_reason))] if len(r.by_reason) else [],
            "tables": [_table("By reason", r.by_reason), _table("By category", r.by_category),
                       _table("Churned without a reason", r.unexplained, limit=200)],
        })
    if a.early_warning is not None:
        ew = a.early_warning
        top = ew.lead_times.dropna(subset=["lead_time_days"])["measure"].head(6).tolist()
        sections.append({
            "title": "Early warning",
            "text": [("Churners d days before churn against matched retained accounts (same "
                     "tenure band, plan and quarter); lead time = largest d where Mann-Whitney "
                     "p < 0.01 and |rank-biserial effect| >= 0.2.")],
            "figures": [_html(charts.lead_time_bars(ew.lead_times))]
            + ([_html(charts.effect_by_lag(ew.by_lag, top))] if top else []),
            "tables": [_table("Lead times", ew.lead_times)],
        })
    return sections


def write_churn_report(analysis: ChurnAnalysis, path: Path, *, json_path: Path | None = None,
                       title: str = "Why customers churn") -> Path:
    """Render ``analysis`` to a self-contained HTML file (and JSON when ``json_path`` is given)."""
    label = outcome_label(analysis.outcome)
    kpis = [("Snapshots analysed", f"{analysis.observations:,}"),
            (f"{label} rate", f"{analysis.churn_rate:.1%}"),
            ("Significant drivers", str(int(analysis.effects["significant"].sum()))),
            ("Segments that differ", str(len(analysis.segments.flagged())))]
    if json_path is not None:
        write_json(churn_json(analysis), json_path)
    return _render(path, title=title, subtitle=f"Outcome: {label}", kpis=kpis,
                   sections=_churn_sections(analysis))


def onboarding_json(analysis: OnboardingAnalysis) -> dict[str, Any]:
    """The onboarding analysis as a JSON-ready dict (per-account times left out)."""
    return to_jsonable(analysis)


def write_onboarding_report(analysis: OnboardingAnalysis, path: Path, *,
                            json_path: Path | None = None, horizon_months: float = 6,
                            title: str = "Onboarding") -> Path:
    """Render the onboarding analysis to a self-contained HTML file (and JSON)."""
    a = analysis
    fv = a.first_value
    kpis = [("New accounts", f"{int(fv['accounts']):,}"),
            (f"First value within {a.within_days:g} days", _cell("share_of_accounts",
                                                                 fv["share"])),
            ("Median days to first value", _cell("median_days", fv["median_days"])),
            ("Stick point", f"month {a.stick.month}" if a.stick and a.stick.month is not None
             else "–")]
    sections = [{
        "title": "Funnel",
        "text": [(f"Accounts reaching each milestone, and every earlier one, within "
                 f"{a.within_days:g} days of sign-up; 'stuck' counts those who reached every "
                 "earlier step but not this one.")],
        "figures": [_html(charts.funnel_chart(a.funnel, within_days=a.within_days))],
        "tables": [_table("Funnel", a.funnel)],
    }]
    if not a.retention.empty:
        sections.append({
            "title": "Milestones and retention",
            "text": [("Paying customers still there at the deadline, split by whether they "
                     "reached the milestone by then (landmark analysis); log-rank p-value.")],
            "figures": [_html(charts.milestone_retention_bars(a.retention,
                                                              horizon_months=horizon_months))],
            "tables": [_table("Retention by milestone", a.retention)],
        })
    if a.stick is not None:
        sections.append({
            "title": "Stick point",
            "text": [("The first tenure month from which the smoothed monthly churn hazard stays "
                     "within 20% (or its own noise) of the hazard over all later months.")],
            "figures": [_html(charts.hazard_curve(a.stick.hazards, stick_month=a.stick.month,
                                                  long_run=a.stick.long_run_hazard))],
            "tables": [_table("Monthly hazard", a.stick.hazards)],
        })
    if json_path is not None:
        write_json(onboarding_json(a), json_path)
    return _render(path, title=title, subtitle="Milestones: " + ", ".join(a.milestones),
                   kpis=kpis, sections=sections)


def write_json(payload: dict[str, Any], path: Path) -> Path:
    """Write ``payload`` as indented JSON (NaN never appears: it is null)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, allow_nan=False), encoding="utf-8")
    return path

