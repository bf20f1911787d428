"""Acceptance on the public IBM Telco Customer Churn data (../shared/data/telco).

The published reference (DataTalksClub ML Zoomcamp, module 4, evaluation notebook) trains a
default ``LogisticRegression`` on one-hot features with ``train_test_split(df, test_size=0.2,
random_state=1)`` then ``train_test_split(df_full_train, test_size=0.25, random_state=1)``, and
reports validation ROC AUC 0.8439 on 1,409 rows. ``ChurnRiskModel`` gets the same train rows
(no as-of date: rows are taken in order for its backtest), chooses its candidate and calibrates
it itself, and is scored on the same validation rows.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from tenure.models import ChurnRiskModel, brier_score, calibration_curve

#: The course's validation ROC AUC.
PUBLISHED_AUC = 0.8439

NUMERICAL = ["tenure", "monthlycharges", "totalcharges"]
CATEGORICAL = [
    "gender", "seniorcitizen", "partner", "dependents", "phoneservice", "multiplelines",
    "internetservice", "onlinesecurity", "onlinebackup", "deviceprotection", "techsupport",
    "streamingtv", "streamingmovies", "contract", "paperlessbilling", "paymentmethod",
]


@pytest.fixture(scope="module")
def split(shared_data: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Prepared as the course does: lower-case names and values, blank totalcharges -> 0."""
    path = shared_data / "telco" / "telco_customer_churn.csv"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    df = pd.read_csv(path)
    df.columns = df.columns.str.lower().str.replace(" ", "_")
    for c in df.columns[df.dtypes == "object"]:
        df[c] = df[c].str.lower().str.replace(" ", "_")
    df["totalcharges"] = pd.to_numeric(df["totalcharges"], errors="coerce").fillna(0)
    df["churn"] = (df["churn"] == "yes").astype(int)
    full_train, _test = train_test_split(df, test_size=0.2, random_state=1)
    train, val = train_test_split(full_train, test_size=0.25, random_state=1)
    return train, val


def test_churn_risk_model_matches_or_beats_the_published_validation_auc(split):
    train, val = split
    assert len(val) == 1409
    features = CATEGORICAL + NUMERICAL
    model = ChurnRiskModel().fit(train[features], train["churn"])
    p = model.predict_proba(val[features])[:, 1]
    auc = roc_auc_score(val["churn"], p)
    # Measured: 0.8466 (logistic chosen by the backtest; boosting alone gives 0.8463).
    assert auc >= PUBLISHED_AUC
    assert model.evaluation_["time_split"] == "row order"

    # Calibration, reported beside it on the validation rows the calibrator never saw.
    brier = brier_score(val["churn"], p)
    base = val["churn"].mean()
    assert brier < base * (1 - base)  # better than always saying the base rate (0.196)
    assert brier == pytest.approx(0.137, abs=0.01)
    bins = calibration_curve(val["churn"], p, n_bins=10)
    assert sum(b["n"] for b in bins) == 1409
    predicted = np.array([b["mean_predicted"] for b in bins])
    observed = np.array([b["observed_rate"] for b in bins])
    assert np.all(np.diff(predicted) >= 0)
    # Every decile's observed rate is within 0.1 of its mean probability.
    assert np.abs(predicted - observed).max() < 0.1
    assert p.mean() == pytest.approx(base, abs=0.03)
