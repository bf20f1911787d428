"""Unit economics per month: golden values worked by hand and error messages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import ibis
import pandas as pd
import pytest

from tenure.errors import InputError
from tenure.metrics.unit_economics import unit_economics_by_month
from test_retention_data import (
    APR,
    FEB,
    JAN,
    MAR,
    golden_rows,
    months_from,
    rows_from_series,
    table,
)

CON = ibis.duckdb.connect()
SPEND_SCHEMA = {"month": "date", "sales_marketing": "decimal(18,2)",
                "cost_of_service": "decimal(18,2)"}


def spend_table(rows: list[tuple[date, str, str]]) -> ibis.Table:
    frame = pd.DataFrame(
        [(m, Decimal(sm), Decimal(cos)) for m, sm, cos in rows], columns=list(SPEND_SCHEMA)
    )
    return ibis.memtable(frame, schema=SPEND_SCHEMA)


GOLDEN_SPEND = [(JAN, "600", "60"), (FEB, "200", "86"), (MAR, "100", "63"), (APR, "30", "46")]


@pytest.fixture(scope="module")
def golden() -> pd.DataFrame:
    expr = unit_economics_by_month(table(golden_rows()), spend_table(GOLDEN_SPEND))
    return CON.execute(expr.order_by("month")).set_index("month")


def row(frame: pd.DataFrame, month: date) -> pd.Series:
    return frame.loc[pd.Timestamp(month)]


def test_grain_and_types(golden: pd.DataFrame) -> None:
    assert list(golden.index) == [pd.Timestamp(m) for m in (JAN, FEB, MAR, APR)]
    schema = unit_economics_by_month(table(golden_rows()), spend_table(GOLDEN_SPEND)).schema()
    for column in ("arpa", "ltv", "revenue_ltv", "cac", "arc", "profit", "sales_marketing"):
        assert str(schema[column]) == "decimal(18, 2)", column
    for column in ("gross_margin", "cac_payback_months", "magic_number",
                   "trailing_logo_churn_rate"):
        assert schema[column].is_float64(), column


def test_customers_and_churn_window_by_hand(golden: pd.DataFrame) -> None:
    # New customers: a, b in Jan; c in Feb; d (joined and left) in Mar; b's return is not new.
    assert list(golden.new_customers) == [2, 1, 1, 0]
    # Logo churn: -, 0, 1/3, 0; trailing three-month mean of the months that have one.
    assert pd.isna(row(golden, JAN).trailing_logo_churn_rate)
    assert list(golden.trailing_logo_churn_rate[1:]) == pytest.approx([0.0, 1 / 6, 1 / 9])


def test_margin_ltv_cac_payback_by_hand(golden: pd.DataFrame) -> None:
    # Gross margin: 1 - 60/300, 1 - 86/430, 1 - 63/210, 1 - 46/230.
    assert list(golden.gross_margin) == pytest.approx([0.8, 0.8, 0.7, 0.8])
    # LTV = ARPA x margin / trailing churn; undefined while the trailing churn is 0 or unknown.
    assert pd.isna(row(golden, JAN).ltv)
    assert pd.isna(row(golden, FEB).ltv)
    assert row(golden, MAR).ltv == Decimal("441.00")  # 105 x 0.7 / (1/6)
    assert row(golden, APR).ltv == Decimal("552.02")  # 76.67 x 0.8 x 9 = 552.024
    assert row(golden, MAR).revenue_ltv == Decimal("630.00")  # 105 x 6
    assert row(golden, APR).revenue_ltv == Decimal("690.03")  # 76.67 x 9
    # CAC = S&M / new customers of the month: 600/2, 200/1, 100/1, none won in April.
    assert list(golden.cac[:3]) == [Decimal("300.00"), Decimal("200.00"), Decimal("100.00")]
    assert pd.isna(row(golden, APR).cac)
    # Payback = CAC / (ARPA x margin): 300/120, 200/(143.33 x 0.8), 100/(105 x 0.7).
    assert list(golden.cac_payback_months[:3]) == pytest.approx(
        [2.5, 200 / (143.33 * 0.8), 100 / 73.5]
    )
    assert pd.isna(row(golden, APR).cac_payback_months)


def test_profit_equation_by_hand(golden: pd.DataFrame) -> None:
    # ARC = cost of service / customers: 60/2, 86/3, 63/2, 46/3.
    assert list(golden.arc) == [Decimal("30.00"), Decimal("28.67"), Decimal("31.50"),
                                Decimal("15.33")]
    # Jan: (150 - 30) x 2 - 300 x 2 = -360; Feb: 430 - 86 - 200 = 144; Mar: 210 - 63 - 100 = 47;
    # Apr: no customer won but the 30 of S&M was spent: 230 - 46 - 30 = 154.
    assert list(golden.profit) == [Decimal("-360.00"), Decimal("144.00"), Decimal("47.00"),
                                   Decimal("154.00")]


def test_magic_number_by_hand() -> None:
    months = months_from(JAN, 6)
    # MRR Jan-Jun: 100, 150, 150, 250, 250, 300.
    am = table(rows_from_series({"p": [100, 100, 100, 200, 200, 200],
                                 "q": [None, 50, 50, 50, 50, 100]}, months))
    spend = spend_table([(m, sm, "10") for m, sm in zip(months, ["100", "100", "200", "50", "50",
                                                                 "50"], strict=True)])
    frame = CON.execute(unit_economics_by_month(am, spend).order_by("month"))
    # June: (250 + 250 + 300 - (100 + 150 + 150)) x 4 / (100 + 100 + 200) = 4.0.
    assert frame.magic_number.iloc[5] == pytest.approx(4.0)
    # Before June there are not two full quarters of history.
    assert frame.magic_number.iloc[:5].isna().all()


def test_without_spend_only_revenue_columns_are_filled() -> None:
    frame = CON.execute(unit_economics_by_month(table(golden_rows())).order_by("month"))
    for column in ("gross_margin", "ltv", "cac", "cac_payback_months", "magic_number", "arc",
                   "profit"):
        assert frame[column].isna().all(), column
    assert frame.revenue_ltv.iloc[2] == Decimal("630.00")


def test_several_spend_rows_of_a_month_are_added() -> None:
    spend = spend_table([*GOLDEN_SPEND, (date(2024, 1, 15), "100", "0")])
    frame = CON.execute(unit_economics_by_month(table(golden_rows()), spend).order_by("month"))
    assert frame.sales_marketing.iloc[0] == Decimal("700.00")
    assert frame.cac.iloc[0] == Decimal("350.00")


def test_window_must_be_positive() -> None:
    with pytest.raises(InputError, match=r"churn_window_months must be at least 1 \(found 0\)"):
        unit_economics_by_month(table(golden_rows()), churn_window_months=0)


def test_spend_without_cost_column_names_it() -> None:
    spend = spend_table(GOLDEN_SPEND).drop("cost_of_service")
    with pytest.raises(InputError, match=r"spend table lacks column\(s\) cost_of_service"):
        unit_economics_by_month(table(golden_rows()), spend)
