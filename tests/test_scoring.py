"""Scoring: every account of an as-of date gets its probabilities, its exact MRR at risk, its
reasons in words (what it does, never what it is) and the pending-cancellation flag."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from tenure.errors import InputError
from tenure.models import ChurnRiskModel
from tenure.models.scoring import SCORES_TABLE_COLUMNS, score_accounts
from tenure.warehouse import Warehouse

DAY = date(2025, 6, 2)
MONEY = pa.decimal128(18, 2)


@pytest.fixture(scope="module")
def model() -> ChurnRiskModel:
    """Churn driven by days without activity only; industry and MRR are noise."""
    rng = np.random.default_rng(0)
    n = 3000
    dates = [date(2024, 1, 1) + timedelta(days=7 * (i % 40)) for i in range(n)]
    X = pd.DataFrame({
        "account_id": [f"x{i % 300}" for i in range(n)],
        "as_of_date": dates,
        "days_since_last_activity": rng.integers(0, 60, n).astype(float),
        "seat_utilisation_28d": rng.uniform(0, 1, n),
        "mrr": rng.uniform(50, 5000, n),
        "industry": rng.choice(["retail", "media"], n),
    })
    logit = -3 + 0.08 * X["days_since_last_activity"]
    y = rng.random(n) < 1 / (1 + np.exp(-logit))
    return ChurnRiskModel(horizon_days=30, candidates=("logistic",)).fit(X, y)


@pytest.fixture
def business(warehouse: Warehouse) -> Warehouse:
    """Accounts at DAY: ``A`` dormant 40 days, ``B`` active yesterday, ``C`` like B but it asked
    to cancel on 2025-05-20 a line running to 2025-06-20, ``T`` on a trial."""
    wide = pd.DataFrame({
        "account_id": ["A", "B", "C", "T"],
        "as_of_date": [DAY] * 4,
        "is_trial": [False, False, False, True],
        "days_since_last_activity": [40.0, 1.0, 1.0, 2.0],
        "seat_utilisation_28d": [0.5, 0.5, 0.5, 0.2],
        "mrr": [1234.56, 99.00, 500.00, 0.0],
    })
    warehouse.replace_tables({
        "accounts": pa.table({"account_id": ["A", "B", "C", "T"],
                              "industry": ["retail", "media", "retail", "media"]}),
        "subscriptions": pa.table({
            "subscription_id": ["a", "b", "c", "t"],
            "account_id": ["A", "B", "C", "T"],
            "plan": ["team"] * 4,
            "mrr": pa.array([Decimal("1234.56"), Decimal("99.00"), Decimal("500.00"),
                             Decimal("0.00")], type=MONEY),
            "start_date": pa.array([date(2024, 1, 1)] * 3 + [date(2025, 5, 25)],
                                   type=pa.date32()),
            "end_date": pa.array([None, None, date(2025, 6, 20), date(2025, 6, 8)],
                                 type=pa.date32()),
            "cancelled_at": pa.array([None, None, date(2025, 5, 20), None], type=pa.date32()),
            "is_trial": [False, False, False, True],
        }),
        "measures_wide": pa.Table.from_pandas(wide, preserve_index=False),
    })
    return warehouse


def test_scores_of_one_as_of_date(business, model):
    wide = business.table("measures_wide").to_pandas()
    scores = score_accounts(business, {"churn": model}, measures=wide,
                            trained_at={"churn": "2025-06-01T00:00:00+00:00"}).set_index(
        "account_id")
    assert scores.index.is_unique  # grain: one row per account and as-of date
    assert ["account_id", *scores.columns] == SCORES_TABLE_COLUMNS
    assert set(scores["as_of_date"]) == {DAY}
    # Forty days without use is the risk; the trial is not scored for churn.
    assert scores.loc["A", "churn_risk"] > scores.loc["B", "churn_risk"]
    assert np.isnan(scores.loc["T", "churn_risk"])
    assert scores["is_trial"].tolist() == [False, False, False, True]
    # MRR at risk is risk x MRR to the cent, half-even.
    risk = Decimal(repr(float(scores.loc["A", "churn_risk"])))
    assert scores.loc["A", "mrr"] == Decimal("1234.56")
    assert scores.loc["A", "mrr_at_risk"] == (Decimal("1234.56") * risk).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_EVEN)
    # Reasons are what the account does; its industry and MRR are never a reason.
    assert scores.loc["A", "churn_reasons"].split("; ")[0] == "no activity for 40 days"
    for reasons in scores["churn_reasons"]:
        assert "industry" not in reasons
        assert "MRR" not in reasons
    # C asked to cancel before the as-of date and its line still runs: pending.
    assert scores["cancel_pending"].to_dict() == {"A": False, "B": False, "C": True, "T": False}
    assert scores.loc["A", "scored_at"] == "churn=2025-06-01T00:00:00+00:00"


def test_a_model_trained_on_columns_the_measures_lack_says_to_retrain(business, model):
    wide = business.table("measures_wide").to_pandas().drop(columns="seat_utilisation_28d")
    with pytest.raises(InputError, match=r"seat_utilisation_28d.*retrain with `tenure train`"):
        score_accounts(business, {"churn": model}, measures=wide)


def test_a_date_without_measures_is_refused(business, model):
    wide = business.table("measures_wide").to_pandas()
    with pytest.raises(InputError, match="no account has measures at 2020-01-06"):
        score_accounts(business, {"churn": model}, measures=wide,
                       as_of_dates=[date(2020, 1, 6)])
    with pytest.raises(InputError, match="unknown model kind"):
        score_accounts(business, {"upsell": model}, measures=wide)


def test_snapshots_of_any_amounts_share_one_layout(business, model):
    """Arrow would type 1.00 as decimal(3,2) and refuse 1,004.70 in the next snapshot; the
    scores table's money is always decimal(18,2)."""
    from tenure.models.scoring import scores_table

    wide = business.table("measures_wide").to_pandas()
    small = score_accounts(business, {"churn": model}, measures=wide)
    small["mrr"] = [Decimal("1.00")] * len(small)
    small["mrr_at_risk"] = [Decimal("0.10")] * len(small)
    business.replace_snapshots("scores", scores_table(small), by=["as_of_date"])
    large = small.assign(as_of_date=date(2025, 6, 9), mrr=[Decimal("100004.70")] * len(small))
    business.replace_snapshots("scores", scores_table(large), by=["as_of_date"])
    stored = business.table("scores").to_pandas()
    assert sorted(stored["mrr"].unique()) == [Decimal("1.00"), Decimal("100004.70")]
