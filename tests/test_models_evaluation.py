"""Evaluation helpers against hand-worked examples, and ROC AUC against scikit-learn's own."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import roc_auc_score

from tenure.errors import InputError
from tenure.models.evaluation import (
    alert_summary,
    alert_threshold,
    brier_score,
    calibration_curve,
    lead_times,
    roc_auc,
    top_decile_lift,
    top_decile_precision,
)


def test_roc_auc_by_hand():
    """3 positives x 2 negatives = 6 pairs. Positive 0.9 ties negative 0.9 (1/2) and beats 0.2
    (1); positive 0.4 loses to 0.9 and beats 0.2 (1); positive 0.1 loses both: 2.5 / 6."""
    assert roc_auc([1, 0, 1, 0, 1], [0.9, 0.9, 0.4, 0.2, 0.1]) == pytest.approx(2.5 / 6)
    assert np.isnan(roc_auc([1, 1], [0.2, 0.3]))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 5)), min_size=2, max_size=40))
def test_roc_auc_matches_scikit_learn(rows):
    y = np.array([r[0] for r in rows])
    p = np.array([r[1] for r in rows], dtype=float) / 5
    if y.all() or not y.any():
        assert np.isnan(roc_auc(y, p))
        return
    assert roc_auc(y, p) == pytest.approx(roc_auc_score(y, p), abs=1e-12)
    assert roc_auc(y, -p) == pytest.approx(1 - roc_auc(y, p), abs=1e-12)


def test_top_decile_with_ties_at_the_cut():
    """20 rows: the top decile is 2 rows. 0.9 (a churner) is in; three rows tie at 0.8 for the
    last place, one of them a churner, so the place holds 1/3 of a churner: precision
    (1 + 1/3) / 2 = 2/3. Four churners in 20 (base rate 0.2): lift (2/3) / 0.2 = 10/3."""
    p = [0.9, 0.8, 0.8, 0.8] + [0.5] * 16
    y = [1, 1, 0, 0] + [1, 1] + [0] * 14
    assert top_decile_precision(y, p) == pytest.approx(2 / 3)
    assert top_decile_lift(y, p) == pytest.approx(10 / 3)


def test_top_decile_rounds_the_decile_up():
    """5 rows: the top decile is ceil(0.5) = 1 row, the highest score (not a churner)."""
    assert top_decile_precision([0, 1, 1, 0, 0], [0.9, 0.8, 0.7, 0.1, 0.0]) == 0.0
    assert np.isnan(top_decile_lift([0, 0], [0.3, 0.1]))  # no positives: no base rate


def test_brier_by_hand():
    """(0.2^2 + 0.3^2 + 0^2 + 0.5^2) / 4 = 0.38 / 4."""
    assert brier_score([1, 0, 0, 1], [0.8, 0.3, 0.0, 0.5]) == pytest.approx(0.095)


def test_calibration_curve_uses_bins_of_equal_size():
    """7 rows in 3 bins of 3, 2 and 2 rows, sorted by probability."""
    bins = calibration_curve([0, 0, 1, 0, 1, 1, 0], [0.05, 0.1, 0.2, 0.3, 0.6, 0.9, 0.1],
                             n_bins=3)
    assert [b["n"] for b in bins] == [3, 2, 2]
    assert [b["mean_predicted"] for b in bins] == pytest.approx([0.25 / 3, 0.25, 0.75])
    assert [b["observed_rate"] for b in bins] == pytest.approx([0.0, 0.5, 1.0])
    assert len(calibration_curve([1, 0], [0.2, 0.4], n_bins=10)) == 2


def test_mismatched_inputs_name_the_fix():
    with pytest.raises(InputError, match="differ in length"):
        roc_auc([1, 0], [0.5])
    with pytest.raises(InputError, match="missing"):
        brier_score([1, 0], [0.5, np.nan])


# -- alerts: five accounts scored weekly on four Mondays -----------------------------------------

DATES = ["2024-01-01", "2024-01-08", "2024-01-15", "2024-01-22"]
SCORES = {
    "a": [0.30, 0.60, 0.70, 0.90],  # asks to cancel on 2024-01-22
    "b": [0.50, 0.20, 0.10, None],  # churns on 2024-01-15 without a request on record
    "c": [0.95, 0.95, 0.95, 0.95],  # asked on 2024-01-05: its run-up starts before the scores
    "d": [0.10, 0.10, 0.10, 0.10],
    "e": [0.20, 0.30, 0.40, 0.50],
}


def _predictions() -> pd.DataFrame:
    rows = [(acc, pd.Timestamp(d), p) for acc, ps in SCORES.items()
            for d, p in zip(DATES, ps, strict=True) if p is not None]
    return pd.DataFrame(rows, columns=["account_id", "as_of_date", "probability"])


CHURNS = pd.DataFrame({
    "account_id": ["a", "b", "c"],
    "churn_date": pd.to_datetime(["2024-02-21", "2024-01-15", "2024-02-04"]),
    "cancelled_at": pd.to_datetime(["2024-01-22", None, "2024-01-05"]),
})


def test_alert_threshold_by_hand():
    """Rows weigh 1/20 on the first three dates (5 accounts) and 1/16 on the last (4).

    Flagged share at each threshold, from the top: 0.95 -> 3/20 + 1/16 = 0.2125; 0.90 ->
    0.275; 0.70 -> 0.325; 0.60 -> 0.375; 0.50 (b and e) -> 0.4875. At most 0.45: 0.60.
    """
    assert alert_threshold(_predictions(), max_flagged_share=0.45) == 0.60
    assert alert_threshold(_predictions(), max_flagged_share=0.30) == 0.90
    assert alert_threshold(_predictions(), max_flagged_share=0.2125) == 0.95
    # Even the top score flags too many: nobody is flagged.
    assert alert_threshold(_predictions(), max_flagged_share=0.1) > 0.95
    with pytest.raises(InputError, match="max_flagged_share"):
        alert_threshold(_predictions(), max_flagged_share=0)


def test_lead_times_by_hand():
    """Run-up 14 days. ``a`` asked on 01-22: run-up 01-08..01-22, first >= 0.6 on 01-08, lead 14
    days. ``b`` has no request: its churn date 01-15 stands in, run-up 01-01..01-15, never
    flagged. ``c``'s run-up (from 2023-12-22) starts before the first score: not judged."""
    leads = lead_times(_predictions(), CHURNS, 0.60, run_up_days=14).set_index("account_id")
    assert sorted(leads.index) == ["a", "b"]
    assert leads.loc["a", "first_flagged"] == pd.Timestamp("2024-01-08")
    assert leads.loc["a", "lead_days"] == 14
    assert leads.loc["a", "scored_dates"] == 3
    assert leads.loc["b", "request_date"] == pd.Timestamp("2024-01-15")
    assert pd.isna(leads.loc["b", "first_flagged"])
    assert np.isnan(leads.loc["b", "lead_days"])


def test_alert_summary_by_hand():
    """Threshold 0.60: per-date flagged shares 1/5, 2/5, 2/5, 2/4, mean 0.375; one churner of
    two flagged, 14 days ahead."""
    summary = alert_summary(_predictions(), CHURNS, max_flagged_share=0.45, min_lead_days=14,
                            run_up_days=14)
    assert summary["threshold"] == 0.60
    assert summary["flagged_share"] == pytest.approx(0.375)
    assert summary["churners"] == 2
    assert summary["recall"] == 0.5
    assert summary["flagged_14d_share"] == 0.5
    assert summary["median_lead_days"] == 14
    strict = alert_summary(_predictions(), CHURNS, max_flagged_share=0.45, run_up_days=14)
    assert strict["flagged_30d_share"] == 0.0
