"""Why customers churn: every churn analysis in one call, as one :class:`ChurnAnalysis`.

:func:`analyze_churn` runs, on a training set (one row per account and as-of date, see
``tenure.models.training_set``) and optionally the customer lifetimes and cancellations:

1. behavioural deciles of every measure (:mod:`tenure.analysis.cohorts`);
2. churn by segment with corrected tests (:mod:`tenure.analysis.segments`);
3. a multivariate regression with effects in words (:mod:`tenure.analysis.regression`);
4. survival curves, Cox hazards and remaining lifetime (:mod:`tenure.analysis.survival`);
5. churn reasons (:mod:`tenure.analysis.reasons`);
6. early-warning lead times (:mod:`tenure.analysis.early_warning`).

The result holds DataFrames and the fitted models; :mod:`tenure.analysis.report` writes it as
HTML and JSON.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from tenure.analysis.ahead import parse_ahead_outcome
from tenure.analysis.cohorts import (
    behavioural_cohorts,
    measure_columns,
    outcome_series,
    spaced_snapshots,
)
from tenure.analysis.early_warning import EarlyWarning, churn_dates, early_warning
from tenure.analysis.reasons import ChurnReasons, churn_reasons
from tenure.analysis.regression import ChurnRegression
from tenure.analysis.segments import DEFAULT_ATTRIBUTES, SegmentChurn, segment_churn
from tenure.analysis.survival import (
    CoxModel,
    RetentionCurves,
    cox_hazards,
    expected_remaining_lifetime,
    kaplan_meier,
)
from tenure.errors import InputError

__all__ = [
    "REGRESSION_ATTRIBUTES",
    "ChurnAnalysis",
    "analyze_churn",
    "horizon_days",
    "outcome_label",
]

#: Attributes entered in the regression and the Cox model (owner and country are tested as
#: segments only: they have many levels and, usually, no causal story).
REGRESSION_ATTRIBUTES: tuple[str, ...] = ("plan", "size", "channel", "industry")


def horizon_days(outcome: str) -> int | None:
    """Length of the outcome window: ``churned_30d`` -> 30, ``churned_30_120d`` -> 90 (see
    :mod:`tenure.analysis.ahead`); ``None`` when the name carries no horizon."""
    window = parse_ahead_outcome(outcome)
    if window is not None:
        return window[1] - window[0]
    match = re.fullmatch(r"[a-z]+_(\d+)d", outcome)
    return int(match.group(1)) if match else None


def outcome_label(outcome: str) -> str:
    """``churned_30d`` -> ``30-day churn``, ``churned_30_120d`` -> ``day-30-to-120 churn``;
    other names are returned with spaces."""
    window = parse_ahead_outcome(outcome)
    if window is not None:
        return f"day-{window[0]}-to-{window[1]} churn"
    match = re.fullmatch(r"(churned|expanded)_(\d+)d", outcome)
    if match:
        verb = "churn" if match.group(1) == "churned" else "expansion"
        return f"{match.group(2)}-day {verb}"
    return outcome.replace("_", " ")


@dataclass
class ChurnAnalysis:
    """Every churn analysis of one training set.

    Attributes
    ----------
    outcome
        Outcome column analysed (e.g. ``churned_30d``).
    observations, churn_rate
        Snapshots analysed (known outcome, spaced by the horizon) and the share that churned.
    cohorts
        Churn by decile of each measure (see :func:`behavioural_cohorts`).
    segments
        Churn by attribute level with tests (see :func:`segment_churn`).
    regression
        The fitted :class:`ChurnRegression`; its ``effects_`` are the drivers in words.
    retention
        Kaplan-Meier curves: ``"all"``, ``"plan"``, ``"cohort"`` and each attribute present.
    cox, remaining_lifetime, reasons, early_warning
        Present when lifetimes (and cancellations) were given.
    """

    outcome: str
    observations: int
    churn_rate: float
    cohorts: pd.DataFrame
    segments: SegmentChurn
    regression: ChurnRegression
    retention: dict[str, RetentionCurves] = field(default_factory=dict)
    cox: CoxModel | None = None
    remaining_lifetime: pd.DataFrame | None = None
    reasons: ChurnReasons | None = None
    early_warning: EarlyWarning | None = None

    @property
    def effects(self) -> pd.DataFrame:
        """Drivers of churn, strongest first, with intervals and a sentence each."""
        return self.regression.effects_


def analyze_churn(
    frame: pd.DataFrame,
    *,
    outcome: str = "churned_30d",
    lifetimes: pd.DataFrame | None = None,
    cancellations: pd.DataFrame | None = None,
    measures: Sequence[str] | None = None,
    attributes: Sequence[str] | None = None,
    regression_attributes: Sequence[str] | None = None,
    n_bootstrap: int = 200,
    random_state: int = 0,
) -> ChurnAnalysis:
    """Run every churn analysis and return them together.

    Parameters
    ----------
    frame
        Training set: ``account_id``, ``as_of_date``, measures, attributes, outcome columns.
        Rows whose outcome is not yet known (null) are dropped, and each account's snapshots
        are spaced by the horizon (:func:`spaced_snapshots`) so outcome windows do not overlap;
        early warning uses every snapshot.
    outcome
        Outcome column, e.g. ``churned_30d``, ``churned_90d``.
    lifetimes
        Output of :func:`customer_lifetimes`; enables survival, reasons and early warning.
    cancellations
        The canonical ``cancellations`` table; enables reasons and dates early warning by the
        cancellation request.
    measures, attributes
        Measures and attributes to analyse; default every numeric measure, and the attributes
        of :data:`~tenure.analysis.segments.DEFAULT_ATTRIBUTES` present.
    regression_attributes
        Attributes entered in the regression and Cox model; default
        :data:`REGRESSION_ATTRIBUTES` present.
    n_bootstrap
        Bootstrap refits for the regression intervals.
    """
    if outcome not in frame.columns:
        outcome_series(frame, outcome)  # raises, naming the column and the fix
    known = frame[frame[outcome].notna()].reset_index(drop=True)
    if known.empty:
        raise InputError(f"the training set has no row with a known {outcome!r}; use as-of "
                         "dates at least the horizon before the end of the data.")
    gap = horizon_days(outcome)
    if gap and {"account_id", "as_of_date"} <= set(known.columns):
        # Disjoint outcome windows: each churn counts once (see spaced_snapshots).
        known = spaced_snapshots(known, min_gap_days=gap).reset_index(drop=True)
    y = outcome_series(known, outcome)
    if y.nunique() < 2:
        # A business with no churn yet (or a window where every account left) has nothing to
        # compare churners with; say so rather than fail inside a model.
        which = "every one" if bool(y.iloc[0]) else "none"
        raise InputError(
            f"{which} of the {len(y):,} account snapshots churned ({outcome!r} is "
            f"{bool(y.iloc[0])} on every row), so no account churned to compare with the others; "
            "analyse again once the loaded history holds both churned accounts (subscription "
            "lines with an end_date) and accounts that stayed, or use another --horizon.")
    measures = list(measures) if measures is not None else measure_columns(known)
    attributes = (list(attributes) if attributes is not None
                  else [a for a in DEFAULT_ATTRIBUTES if a in known.columns])
    regression_attributes = (
        list(regression_attributes) if regression_attributes is not None
        else [a for a in REGRESSION_ATTRIBUTES if a in known.columns]
    )
    # Step 1-2: one variable at a time.
    cohorts = behavioural_cohorts(known, outcome=outcome, measures=measures)
    segments = segment_churn(known, outcome=outcome, attributes=attributes)
    # Step 3: all together, resampling accounts (an account appears at several as-of dates).
    regression = ChurnRegression(
        n_bootstrap=n_bootstrap, outcome_label=outcome_label(outcome), random_state=random_state
    ).fit(known[[*measures, *regression_attributes]], y,
          groups=known["account_id"] if "account_id" in known.columns else None)
    analysis = ChurnAnalysis(
        outcome=outcome, observations=len(known), churn_rate=float(y.mean()), cohorts=cohorts,
        segments=segments, regression=regression,
    )
    if lifetimes is None or lifetimes.empty:
        return analysis
    # Step 4: survival of customers.
    analysis.retention["all"] = kaplan_meier(lifetimes)
    for by in ["plan", "cohort", *[a for a in attributes if a != "plan"]]:
        if by in lifetimes.columns and lifetimes[by].nunique() > 1:
            analysis.retention[by] = kaplan_meier(lifetimes, by=by, min_customers=5)
    covariates = [a for a in regression_attributes
                  if a in lifetimes.columns and lifetimes[a].nunique() > 1]
    if covariates and lifetimes["churned"].any():
        analysis.cox = cox_hazards(lifetimes, covariates=covariates, penalizer=0.01)
    analysis.remaining_lifetime = expected_remaining_lifetime(
        lifetimes, by="plan" if "plan" in lifetimes.columns else None
    )
    # Step 5-6: what churners said, and how early they could be seen.
    if cancellations is not None:
        analysis.reasons = churn_reasons(lifetimes, cancellations)
    if "as_of_date" in frame.columns:
        # Every snapshot counts here, also those too recent for the outcome to be known.
        analysis.early_warning = early_warning(
            frame, churn_dates(lifetimes, cancellations), measures=measures,
            random_state=random_state,
        )
    return analysis
