"""Churn dates, pending cancellations and advocacy labels on a hand-made business.

As of Monday 2024-01-01 (day 0; day 45 = 2024-02-15), horizons 30, 60 and 90 days:

* ``C1`` paid until day 45, never asked to cancel: ``churn_date`` day 45, no ``cancelled_at``.
* ``C2`` asked to cancel on day 20, service runs to day 45: ``churn_date`` day 45,
  ``cancelled_at`` day 20 (the request comes after the as-of date: not pending).
* ``C3`` asked to cancel on day -10 (2023-12-22), service runs to day 20: a pending
  cancellation, dropped by default; kept on request with ``churn_date`` day 20.
* ``C4`` cancelled its add-on on day -10 but keeps its main line: the running service is not
  being cancelled, so nothing is pending (the add-on does not end the spell).
* ``C5`` has an annual line cancelled on day 30 that runs past the end of the data (day 200):
  no churn within the data, so ``churn_date`` and ``cancelled_at`` are missing.

NPS answers (``A*`` accounts, all paid and running):

* ``A1`` answers 9 on day 10, then 3 on day 40: the first answer counts, a promoter at every
  horizon.
* ``A2`` answers 10 on day 40: unknown within 30 days, a promoter within 60 and 90.
* ``A3`` answered 10 on day -5 (before the as-of date, not an outcome), then 6 on day 70:
  unknown within 30 and 60 days, not a promoter within 90.
* ``A4`` never answers: dropped.
* ``A5`` answers 9 at midnight of day 0: the as-of day itself is inside ``[d, d + h)``.
* ``A6`` answers 10 at midnight of day 30: outside ``[d, d + 30)``, inside 60.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pandas as pd
import pyarrow as pa
import pytest

from tenure.config import RevenueDefinitions
from tenure.errors import InputError
from tenure.measures import MeasuresConfig
from tenure.models import training_set
from tenure.warehouse import Warehouse

AS_OF = date(2024, 1, 1)
DATA_END = date(2024, 4, 15)
OLD = date(2023, 6, 1)


def day(n: int) -> date:
    return AS_OF + timedelta(days=n)


def at(n: int, hour: int = 12) -> datetime:
    return datetime.combine(day(n), datetime.min.time()) + timedelta(hours=hour)


def _tables(with_answers: bool = True) -> dict[str, pa.Table]:
    lines = [
        # id, account, plan, mrr, start, end, cancelled
        ("c1", "C1", "team", "39.00", OLD, day(45), None),
        ("c2", "C2", "team", "39.00", OLD, day(45), day(20)),
        ("c3", "C3", "team", "39.00", OLD, day(20), day(-10)),
        ("c4", "C4", "business", "69.00", OLD, None, None),
        ("c4x", "C4", "analytics_addon", "249.00", OLD, day(5), day(-10)),
        ("c5", "C5", "team", "32.96", OLD, day(200), day(30)),
        *[(f"a{i}", f"A{i}", "team", "39.00", OLD, None, None) for i in range(1, 7)],
    ]
    tables = {
        "subscriptions": pa.table({
            "subscription_id": [r[0] for r in lines],
            "account_id": [r[1] for r in lines],
            "plan": [r[2] for r in lines],
            "quantity": [1] * len(lines),
            "mrr": pa.array([Decimal(r[3]) for r in lines], type=pa.decimal128(18, 2)),
            "start_date": pa.array([r[4] for r in lines], type=pa.date32()),
            "end_date": pa.array([r[5] for r in lines], type=pa.date32()),
            "cancelled_at": pa.array([r[6] for r in lines], type=pa.date32()),
            "is_trial": [False] * len(lines),
        }),
    }
    if with_answers:
        answers = [
            ("A1", 9, at(10)), ("A1", 3, at(40)), ("A2", 10, at(40)), ("A3", 10, at(-5)),
            ("A3", 6, at(70)), ("A5", 9, at(0, hour=0)), ("A6", 10, at(30, hour=0)),
        ]
        tables["survey_responses"] = pa.table({
            "response_id": [f"r{i}" for i in range(len(answers))],
            "account_id": [a[0] for a in answers],
            "score": pa.array([a[1] for a in answers], type=pa.int64()),
            "answered_at": pa.array([a[2] for a in answers], type=pa.timestamp("us")),
        })
    return tables


MRR_ONLY = MeasuresConfig.model_validate(
    {"defaults": "replace", "measures": [{"name": "mrr", "kind": "mrr"}]}
)


@pytest.fixture
def business(warehouse: Warehouse) -> Warehouse:
    warehouse.replace_tables(_tables())
    return warehouse


def _set(warehouse: Warehouse, kind: str, **options: object) -> pd.DataFrame:
    return training_set(warehouse, horizons=(30, 60, 90), as_of_dates=[AS_OF], kind=kind,
                        config=MRR_ONLY, data_end=DATA_END, **options).set_index("account_id")


def ts(n: int) -> pd.Timestamp:
    return pd.Timestamp(day(n))


def test_pending_cancellations_are_dropped_by_default(business: Warehouse) -> None:
    churn = _set(business, "churn")
    assert "C3" not in churn.index
    assert {"C1", "C2", "C4", "C5"} <= set(churn.index)
    kept = _set(business, "churn", exclude_pending_cancellations=False)
    assert "C3" in kept.index
    assert kept.loc["C3", "churned_30d"]
    assert kept.loc["C3", "churn_date"] == ts(20)
    assert kept.loc["C3", "cancelled_at"] == ts(-10)
    assert len(kept) == len(churn) + 1


def test_churn_date_and_the_request_behind_it(business: Warehouse) -> None:
    churn = _set(business, "churn")
    assert churn.loc["C1", "churn_date"] == ts(45)
    assert pd.isna(churn.loc["C1", "cancelled_at"])
    assert churn.loc["C2", "churn_date"] == ts(45)
    assert churn.loc["C2", "cancelled_at"] == ts(20)
    assert not churn.loc["C2", "churned_30d"]
    assert churn.loc["C2", "churned_60d"]
    # C4's add-on was cancelled before the as-of date, its main line runs on: no churn.
    assert pd.isna(churn.loc["C4", "churn_date"])
    assert pd.isna(churn.loc["C4", "cancelled_at"])
    assert not churn.loc["C4", "churned_90d"]
    # C5's term ends after the data: no churn within the data.
    assert pd.isna(churn.loc["C5", "churn_date"])
    assert pd.isna(churn.loc["C5", "cancelled_at"])
    assert str(churn["churn_date"].dtype).startswith("datetime64")
    assert str(churn["cancelled_at"].dtype).startswith("datetime64")


def test_cancellation_recognition_has_no_pending_requests(business: Warehouse) -> None:
    definitions = RevenueDefinitions(churn_recognition="cancellation")
    churn = _set(business, "churn", definitions=definitions)
    # C3's service stopped on its request day (day -10), before the as-of date: not a customer.
    assert "C3" not in churn.index
    assert churn.loc["C2", "churn_date"] == ts(20)
    assert churn.loc["C2", "cancelled_at"] == ts(20)
    assert churn.loc["C2", "churned_30d"]
    assert churn.loc["C5", "churn_date"] == ts(30)


def test_advocacy_labels_the_first_answer_in_the_horizon(business: Warehouse) -> None:
    nps = _set(business, "advocacy")
    assert sorted(nps.index) == ["A1", "A2", "A3", "A5", "A6"]  # A4 never answers; C* neither
    expected = {
        "A1": (True, True, True),
        "A2": (pd.NA, True, True),
        "A3": (pd.NA, pd.NA, False),
        "A5": (True, True, True),
        "A6": (pd.NA, True, True),
    }
    for account, labels in expected.items():
        got = tuple(nps.loc[account, f"promoter_{h}d"] for h in (30, 60, 90))
        assert [g is pd.NA for g in got] == [e is pd.NA for e in labels], account
        assert [bool(g) for g, e in zip(got, labels, strict=True) if e is not pd.NA] == [
            e for e in labels if e is not pd.NA
        ], account
    assert str(nps["promoter_30d"].dtype) == "boolean"
    assert "churn_date" not in nps.columns


def test_advocacy_needs_survey_answers(warehouse: Warehouse) -> None:
    warehouse.replace_tables(_tables(with_answers=False))
    with pytest.raises(InputError, match="survey_responses"):
        _set(warehouse, "advocacy")


def test_outcome_invariants_on_a_simulated_business(simulated_project) -> None:
    """On 150 simulated accounts over 18 months: the churn label agrees with ``churn_date``, no
    row has a pending request, every request precedes its churn, and the rows left out are
    exactly those with a request before the as-of date."""
    with Warehouse(simulated_project / "warehouse.duckdb") as wh:
        churn = training_set(wh, horizons=(30, 90), kind="churn")
        everyone = training_set(wh, horizons=(30, 90), kind="churn",
                                exclude_pending_cancellations=False)
        nps = training_set(wh, horizons=(90,), kind="advocacy")
    as_of = pd.to_datetime(churn["as_of_date"])
    for h in (30, 90):
        by_date = churn["churn_date"].notna() & (churn["churn_date"] < as_of + pd.Timedelta(h, "D"))
        assert (churn[f"churned_{h}d"] == by_date).all()
    assert not (churn["cancelled_at"] < as_of).any()
    known = churn["cancelled_at"].notna()
    assert (churn.loc[known, "cancelled_at"] <= churn.loc[known, "churn_date"]).all()
    left_out = everyone.merge(churn[["account_id", "as_of_date"]], how="left", indicator=True)
    left_out = left_out[left_out["_merge"] == "left_only"]
    assert len(left_out) > 0
    assert len(everyone) == len(churn) + len(left_out)
    pending = left_out["cancelled_at"] < pd.to_datetime(left_out["as_of_date"])
    # A request is pending for every row left out (NaT: the service ends after the data).
    assert (pending | left_out["churn_date"].isna()).all()
    assert len(nps) > 0
    assert nps["promoter_90d"].notna().all()
    assert 0 < nps["promoter_90d"].astype(bool).mean() < 1
