"""Why customers churn: root-cause analyses of a training set and the customer lifetimes.

Each module holds one analysis; :func:`analyze_churn` and :func:`analyze_onboarding` run them
together and :mod:`tenure.analysis.report` writes the results as HTML and JSON. Methods and how
to read every result: ``docs/analysis.md``.
"""

from __future__ import annotations

from tenure.analysis.ahead import churn_ahead
from tenure.analysis.churn import ChurnAnalysis, analyze_churn
from tenure.analysis.cohorts import behavioural_cohorts
from tenure.analysis.early_warning import EarlyWarning, churn_dates, early_warning
from tenure.analysis.lifetimes import customer_lifetimes
from tenure.analysis.onboarding import (
    OnboardingAnalysis,
    StickPoint,
    analyze_onboarding,
    milestone_retention,
    milestone_times,
    onboarding_funnel,
    stick_point,
)
from tenure.analysis.reasons import ChurnReasons, churn_reasons
from tenure.analysis.regression import ChurnRegression
from tenure.analysis.segments import SegmentChurn, segment_churn
from tenure.analysis.survival import (
    CoxModel,
    RetentionCurves,
    cox_hazards,
    expected_remaining_lifetime,
    kaplan_meier,
)
from tenure.analysis.trial_signals import TrialSignals, trial_rows, trial_signals

__all__ = [
    "ChurnAnalysis",
    "ChurnReasons",
    "ChurnRegression",
    "CoxModel",
    "EarlyWarning",
    "OnboardingAnalysis",
    "RetentionCurves",
    "SegmentChurn",
    "StickPoint",
    "TrialSignals",
    "analyze_churn",
    "analyze_onboarding",
    "behavioural_cohorts",
    "churn_ahead",
    "churn_dates",
    "churn_reasons",
    "cox_hazards",
    "customer_lifetimes",
    "early_warning",
    "expected_remaining_lifetime",
    "kaplan_meier",
    "milestone_retention",
    "milestone_times",
    "onboarding_funnel",
    "segment_churn",
    "stick_point",
    "trial_rows",
    "trial_signals",
]
