"""Cohort retention and the cohort matrix: golden values worked by hand."""

from __future__ import annotations

from decimal import Decimal

import ibis
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tenure.errors import InputError
from tenure.metrics.cohorts import cohort_matrix, cohort_retention
from tenure.metrics.retention import retention_by_month
from test_retention_data import FEB, JAN, golden_rows, months_from, rows_from_series, table

CON = ibis.duckdb.connect()
NAN = np.nan


@pytest.fixture(scope="module")
def long() -> pd.DataFrame:
    expr = cohort_retention(table(golden_rows()))
    return CON.execute(expr.order_by(["cohort", "months_since_start"]))


def test_grain_is_cohort_by_months_since_start(long: pd.DataFrame) -> None:
    # January cohort (a, b) over Jan-Apr, February cohort (c) over Feb-Apr; d joined and left in
    # March, had no month-end MRR and starts no cohort.
    keys = list(zip(long.cohort, long.months_since_start, strict=True))
    assert keys == [(pd.Timestamp(JAN), k) for k in range(4)] + [
        (pd.Timestamp(FEB), k) for k in range(3)
    ]
    assert not long.duplicated(["cohort", "months_since_start"]).any()


def test_cohort_sizes_and_follow_up_by_hand(long: pd.DataFrame) -> None:
    jan, feb = long[long.cohort == pd.Timestamp(JAN)], long[long.cohort == pd.Timestamp(FEB)]
    assert set(jan.cohort_customers) == {2}
    assert set(jan.cohort_mrr) == {Decimal("300.00")}
    # a: 100, 150, 150, 120; b: 200, 200, 0, 50 (reactivated).
    assert list(jan.customers) == [2, 2, 1, 2]
    assert list(jan.mrr) == [Decimal(300), Decimal(350), Decimal(150), Decimal(170)]
    assert list(jan.logo_retention) == pytest.approx([1.0, 1.0, 0.5, 1.0])
    assert list(jan.revenue_retention) == pytest.approx([1.0, 350 / 300, 150 / 300, 170 / 300])
    # c: 80, 60, 60.
    assert list(feb.logo_retention) == pytest.approx([1.0, 1.0, 1.0])
    assert list(feb.revenue_retention) == pytest.approx([1.0, 0.75, 0.75])


def test_matrix_by_hand(long: pd.DataFrame) -> None:
    logos = cohort_matrix(long, "logo_retention")
    expected = pd.DataFrame(
        [[1.0, 1.0, 0.5, 1.0], [1.0, 1.0, 1.0, NAN]],
        index=pd.Index([pd.Timestamp(JAN), pd.Timestamp(FEB)], name="cohort"),
        columns=pd.Index([0, 1, 2, 3], name="months_since_start"),
    )
    pd.testing.assert_frame_equal(logos, expected, check_dtype=False, check_index_type=False)
    money = cohort_matrix(long, "mrr")
    assert money.loc[pd.Timestamp(FEB), 1] == Decimal("60.00")


def test_segmented_by_starting_plan_by_hand() -> None:
    frame = CON.execute(cohort_retention(table(golden_rows()), by="plan"))
    matrix = cohort_matrix(frame, "revenue_retention")
    # pro/January is a alone (100 -> 150, 150, 120); team/January is b (200 -> 200, 0, 50).
    assert list(matrix.loc[("pro", pd.Timestamp(JAN))]) == pytest.approx([1.0, 1.5, 1.5, 1.2])
    assert list(matrix.loc[("team", pd.Timestamp(JAN))]) == pytest.approx([1.0, 1.0, 0.0, 0.25])
    assert list(matrix.index.names) == ["plan", "cohort"]


def test_cohort_starting_before_the_table_is_left_out() -> None:
    rows = [r for r in golden_rows() if r["month"] >= FEB]
    frame = CON.execute(cohort_retention(table(rows)))
    assert set(frame.cohort) == {pd.Timestamp(FEB)}


def test_a_cohort_everyone_left_shows_zeros_even_without_rows() -> None:
    # b alone, and its rows after churning dropped (the contract allows it).
    rows = [r for r in golden_rows() if r["account_id"] == "b" and r["month"] <= FEB]
    rows += [r for r in golden_rows() if r["account_id"] == "c"]
    frame = CON.execute(cohort_retention(table(rows)).order_by(["cohort", "months_since_start"]))
    jan = frame[frame.cohort == pd.Timestamp(JAN)]
    assert list(jan.customers) == [1, 1, 0, 0]
    assert list(jan.revenue_retention) == pytest.approx([1.0, 1.0, 0.0, 0.0])


def test_matrix_rejects_an_unknown_value(long: pd.DataFrame) -> None:
    with pytest.raises(InputError, match=r"value='nrr'.*choose one of .*logo_retention"):
        cohort_matrix(long, "nrr")


def test_unknown_segment_is_named() -> None:
    with pytest.raises(InputError, match=r"by='country'"):
        cohort_retention(table(golden_rows()), by="country")


_MONTHS = months_from(JAN, 8)
_series = st.dictionaries(
    st.sampled_from(list("abcdef")),
    st.lists(st.one_of(st.none(), st.sampled_from([0, 15, 30, 99.5])), min_size=8, max_size=8),
    min_size=1,
    max_size=6,
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_series)
def test_cohorts_partition_the_customers(series: dict) -> None:
    # Every account starts in the table with month-end MRR, so each customer of a month belongs
    # to exactly one cohort: the cohorts' customers and MRR add up to the month's totals.
    rows = rows_from_series(series, _MONTHS)
    if not rows:
        return
    am = table(rows)
    cohorts = CON.execute(cohort_retention(am))
    totals = CON.execute(retention_by_month(am)).set_index("month").sort_index()
    summed = cohorts.groupby("month")[["customers", "mrr"]].sum().sort_index()
    assert list(summed.customers) == list(totals.customers)
    assert list(summed.mrr) == list(totals.mrr)
    assert (cohorts[cohorts.months_since_start == 0].logo_retention == 1.0).all()
    assert (cohorts.logo_retention <= 1.0).all()
