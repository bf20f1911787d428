"""Revenue metrics: account-month MRR and movements, retention, unit economics, cohorts, trials.

Every function returns an unexecuted Ibis expression, so the same code runs on DuckDB and PySpark;
:func:`revenue_metrics` computes them all for a month range and returns pandas DataFrames.
"""

from tenure.metrics.cohorts import cohort_matrix, cohort_retention
from tenure.metrics.movements import classify_movements, movements_by_account
from tenure.metrics.mrr import account_months, mrr_by_month
from tenure.metrics.period import MonthRange, data_month_range, parse_month
from tenure.metrics.retention import retention_by_month
from tenure.metrics.revenue import RevenueMetrics, revenue_metrics
from tenure.metrics.trials import trial_metrics
from tenure.metrics.unit_economics import unit_economics_by_month
from tenure.metrics.vocabulary import Movement

__all__ = [
    "MonthRange",
    "Movement",
    "RevenueMetrics",
    "account_months",
    "classify_movements",
    "cohort_matrix",
    "cohort_retention",
    "data_month_range",
    "movements_by_account",
    "mrr_by_month",
    "parse_month",
    "retention_by_month",
    "revenue_metrics",
    "trial_metrics",
    "unit_economics_by_month",
]
