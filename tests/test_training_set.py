"""Outcome labels of point-in-time training sets on a hand-made business, as of Monday 2024-01-01.

Day numbers below count from the as-of date (day 45 = 2024-02-15, day 40 = 2024-02-10):

* ``P1`` paid until day 45: churned within 60 and 90 days, not within 30.
* ``P2`` paid until day 45, back on day 50: churn under no grace, none under a 7-day grace.
* ``P3`` asked to cancel on day 20, service runs to day 45: churn within 30 days only when
  churn is recognised at cancellation.
* ``E1`` 100.00 running, adds a 50.00 line on day 40: expanded within 60 days, not within 30.
* ``T1`` on a trial, first paid line on day 19: converted within 30 days. ``T2`` never converts.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pyarrow as pa
import pytest

from tenure.config import RevenueDefinitions
from tenure.errors import InputError
from tenure.measures import MeasuresConfig, compute_measures, wide_measures
from tenure.models import training_set
from tenure.warehouse import Warehouse

AS_OF = date(2024, 1, 1)
LATER = date(2024, 2, 5)
DATA_END = date(2024, 4, 15)  # AS_OF + 90 days fits; LATER + 90 days does not


def day(n: int) -> date:
    return AS_OF + timedelta(days=n)


def _tables() -> dict[str, pa.Table]:
    lines = [
        # id, account, plan, mrr, start, end, cancelled, trial
        ("p1", "P1", "team", "39.00", date(2023, 6, 1), day(45), None, False),
        ("p2a", "P2", "team", "39.00", date(2023, 6, 1), day(45), None, False),
        ("p2b", "P2", "team", "39.00", day(50), None, None, False),
        ("p3", "P3", "team", "39.00", date(2023, 6, 1), day(45), day(20), False),
        ("e1a", "E1", "business", "100.00", date(2023, 6, 1), None, None, False),
        ("e1b", "E1", "analytics_addon", "50.00", day(40), None, None, False),
        ("t1a", "T1", "team", "0.00", date(2023, 12, 20), day(19), None, True),
        ("t1b", "T1", "team", "39.00", day(19), None, None, False),
        ("t2a", "T2", "team", "0.00", date(2023, 12, 28), day(13), None, True),
    ]
    subscriptions = pa.table(
        {
            "subscription_id": [r[0] for r in lines],
            "account_id": [r[1] for r in lines],
            "plan": [r[2] for r in lines],
            "quantity": [1] * len(lines),
            "mrr": pa.array([Decimal(r[3]) for r in lines], type=pa.decimal128(18, 2)),
            "start_date": pa.array([r[4] for r in lines], type=pa.date32()),
            "end_date": pa.array([r[5] for r in lines], type=pa.date32()),
            "cancelled_at": pa.array([r[6] for r in lines], type=pa.date32()),
            "is_trial": [r[7] for r in lines],
        }
    )
    ids = ["P1", "P2", "P3", "E1", "T1", "T2"]
    accounts = pa.table(
        {
            "account_id": ids,
            "industry": ["retail", "media", "retail", "software", "education", "media"],
            "size": ["1-10"] * 6,
            "channel": ["partner"] * 6,
            "owner": ["Ana Souza"] * 6,
            "country": ["US", "GB", "US", "DE", "FR", "US"],
        }
    )
    return {"subscriptions": subscriptions, "accounts": accounts}


MRR_ONLY = MeasuresConfig.model_validate(
    {"defaults": "replace", "measures": [{"name": "mrr", "kind": "mrr"}]}
)


@pytest.fixture
def business(warehouse: Warehouse) -> Warehouse:
    warehouse.replace_tables(_tables())
    return warehouse


def _labels(ts, column: str) -> dict[str, bool]:
    return {r["account_id"]: bool(r[column]) for r in ts.to_dict("records")}


def _set(warehouse: Warehouse, kind: str, **options: object):
    return training_set(
        warehouse, horizons=(30, 60, 90), as_of_dates=[AS_OF, LATER], kind=kind,
        config=MRR_ONLY, data_end=DATA_END, **options,
    )


def test_churn_labels_follow_the_service_end(business: Warehouse) -> None:
    ts = _set(business, "churn")
    # Only the first as-of date: LATER + 90 days runs past the end of the data.
    assert set(ts["as_of_date"]) == {AS_OF}
    assert sorted(ts["account_id"]) == ["E1", "P1", "P2", "P3"]  # trials are left out
    assert _labels(ts, "churned_30d") == {"P1": False, "P2": False, "P3": False, "E1": False}
    assert _labels(ts, "churned_60d") == {"P1": True, "P2": True, "P3": True, "E1": False}
    assert _labels(ts, "churned_90d") == {"P1": True, "P2": True, "P3": True, "E1": False}
    assert list(ts.columns) == [
        "account_id", "as_of_date", "plan", "industry", "size", "channel", "owner", "country",
        "mrr", "churned_30d", "churned_60d", "churned_90d", "churn_date", "cancelled_at",
    ]
    assert ts.set_index("account_id").loc["E1", "mrr"] == 100.0


def test_a_gap_within_the_grace_period_is_not_churn(business: Warehouse) -> None:
    ts = _set(business, "churn", definitions=RevenueDefinitions(grace_period_days=7))
    assert _labels(ts, "churned_90d") == {"P1": True, "P2": False, "P3": True, "E1": False}


def test_cancellation_recognition_labels_churn_on_the_request_day(business: Warehouse) -> None:
    ts = _set(business, "churn", definitions=RevenueDefinitions(churn_recognition="cancellation"))
    assert _labels(ts, "churned_30d") == {"P1": False, "P2": False, "P3": True, "E1": False}


def test_expansion_compares_mrr_after_the_horizon(business: Warehouse) -> None:
    ts = _set(business, "expansion")
    assert _labels(ts, "expanded_30d") == {"P1": False, "P2": False, "P3": False, "E1": False}
    assert _labels(ts, "expanded_60d") == {"P1": False, "P2": False, "P3": False, "E1": True}


def test_conversion_sets_hold_only_trial_accounts(business: Warehouse) -> None:
    ts = _set(business, "conversion")
    assert sorted(ts["account_id"]) == ["T1", "T2"]
    assert _labels(ts, "converted_30d") == {"T1": True, "T2": False}
    assert ts["plan"].isna().all()


def test_given_measures_are_used_as_they_are(business: Warehouse) -> None:
    wide = wide_measures(
        compute_measures(business, config=MRR_ONLY, as_of_dates=[AS_OF]), config=MRR_ONLY
    )
    ts = training_set(business, measures=wide, horizons=(30,), data_end=DATA_END)
    assert sorted(ts["account_id"]) == ["E1", "P1", "P2", "P3"]
    assert "plan" in ts.columns


def test_bad_arguments_name_the_fix(business: Warehouse) -> None:
    with pytest.raises(InputError, match="horizons"):
        training_set(business, horizons=(0,), data_end=DATA_END)
    with pytest.raises(InputError, match="unknown"):
        training_set(business, kind="upsell", data_end=DATA_END)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="wide_measures"):
        training_set(business, measures=wide_measures_frame_without_keys(), data_end=DATA_END)


def wide_measures_frame_without_keys():
    import pandas as pd

    return pd.DataFrame({"account_id": ["P1"], "mrr": [39.0]})
