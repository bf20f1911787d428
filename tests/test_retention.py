"""Retention per month: golden values worked by hand, error messages, and invariants."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import ibis
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tenure.errors import InputError
from tenure.metrics.retention import divide_money, retention_by_month
from test_retention_data import (
    APR,
    FEB,
    JAN,
    MAR,
    golden_rows,
    months_from,
    rows_from_series,
    table,
    ttm_rows,
)

CON = ibis.duckdb.connect()


def run(expr: ibis.Table, order: list[str]) -> pd.DataFrame:
    return CON.execute(expr.order_by(order)).set_index(order)


@pytest.fixture(scope="module")
def monthly() -> pd.DataFrame:
    return run(retention_by_month(table(golden_rows())), ["month"])


def at(frame: pd.DataFrame, month: date, column: str) -> object:
    return frame.loc[pd.Timestamp(month), column]


def test_grain_is_one_row_per_month(monthly: pd.DataFrame) -> None:
    assert list(monthly.index) == [pd.Timestamp(m) for m in (JAN, FEB, MAR, APR)]


def test_counts_and_money_by_hand(monthly: pd.DataFrame) -> None:
    # Jan a100 b200; Feb a150 b200 c80; Mar a150 c60 (b churned, d joined and left);
    # Apr a120 b50 (reactivated) c60.
    assert list(monthly.customers) == [2, 3, 2, 3]
    assert list(monthly.previous_customers) == [0, 2, 3, 2]
    assert list(monthly.churned_customers) == [0, 0, 1, 0]
    assert list(monthly.mrr) == [Decimal("300.00"), Decimal("430.00"), Decimal("210.00"),
                                 Decimal("230.00")]
    assert list(monthly.previous_mrr) == [Decimal(0), Decimal(300), Decimal(430), Decimal(210)]
    assert list(monthly.arr) == [Decimal(3600), Decimal(5160), Decimal(2520), Decimal(2760)]
    # 430 / 3 = 143.333..., 230 / 3 = 76.666... rounded to the cent.
    assert list(monthly.arpa) == [Decimal("150.00"), Decimal("143.33"), Decimal("105.00"),
                                  Decimal("76.67")]
    assert list(monthly.new_mrr) == [Decimal(300), Decimal(80), Decimal(40), Decimal(0)]
    assert list(monthly.expansion_mrr) == [Decimal(0), Decimal(50), Decimal(0), Decimal(0)]
    assert list(monthly.reactivation_mrr) == [Decimal(0), Decimal(0), Decimal(0), Decimal(50)]
    assert list(monthly.contraction_mrr) == [Decimal(0), Decimal(0), Decimal(-20), Decimal(-30)]
    # March: b churns 200 and d joins and leaves at 40.
    assert list(monthly.churned_mrr) == [Decimal(0), Decimal(0), Decimal(-240), Decimal(0)]
    assert list(monthly.mrr_change) == [Decimal(300), Decimal(130), Decimal(-220), Decimal(20)]


def test_money_columns_are_exact_decimals(monthly: pd.DataFrame) -> None:
    schema = retention_by_month(table(golden_rows())).schema()
    for column in ("mrr", "previous_mrr", "arr", "arpa", "churned_mrr", "mrr_change"):
        assert str(schema[column]) == "decimal(18, 2)", column
    for column in ("logo_churn_rate", "grr", "nrr", "grr_ttm", "quick_ratio"):
        assert schema[column].is_float64(), column


def test_rates_by_hand(monthly: pd.DataFrame) -> None:
    # January: nobody was a customer at the end of December, every rate is undefined.
    for column in ("logo_churn_rate", "gross_mrr_churn_rate", "net_mrr_churn_rate", "grr", "nrr",
                   "quick_ratio"):
        assert pd.isna(at(monthly, JAN, column)), column
    # February: base a100 b200 = 300; a expands +50; c is new (not in the base).
    assert at(monthly, FEB, "logo_churn_rate") == pytest.approx(0.0)
    assert at(monthly, FEB, "gross_mrr_churn_rate") == pytest.approx(0.0)
    assert at(monthly, FEB, "net_mrr_churn_rate") == pytest.approx(-50 / 300)
    assert at(monthly, FEB, "grr") == pytest.approx(300 / 300)
    assert at(monthly, FEB, "nrr") == pytest.approx(350 / 300)
    assert pd.isna(at(monthly, FEB, "quick_ratio"))  # nothing lost
    # March: base a150 b200 c80 = 430; b churns (-200), c contracts (-20); d joins and leaves
    # at 40 and is in no rate's base, but is in the quick ratio: 40 / (240 + 20).
    assert at(monthly, MAR, "logo_churn_rate") == pytest.approx(1 / 3)
    assert at(monthly, MAR, "gross_mrr_churn_rate") == pytest.approx(220 / 430)
    assert at(monthly, MAR, "net_mrr_churn_rate") == pytest.approx(220 / 430)
    assert at(monthly, MAR, "grr") == pytest.approx(210 / 430)
    assert at(monthly, MAR, "nrr") == pytest.approx(210 / 430)
    assert at(monthly, MAR, "quick_ratio") == pytest.approx(40 / 260)
    # April: base a150 c60 = 210; a contracts -30; b reactivates +50 (not in the base).
    assert at(monthly, APR, "logo_churn_rate") == pytest.approx(0.0)
    assert at(monthly, APR, "gross_mrr_churn_rate") == pytest.approx(30 / 210)
    # ChartMogul net churn counts the reactivation: (30 - 50) / 210.
    assert at(monthly, APR, "net_mrr_churn_rate") == pytest.approx(-20 / 210)
    assert at(monthly, APR, "grr") == pytest.approx(180 / 210)
    assert at(monthly, APR, "nrr") == pytest.approx(180 / 210)
    assert at(monthly, APR, "quick_ratio") == pytest.approx(50 / 30)


def test_nrr_is_net_churn_without_reactivation(monthly: pd.DataFrame) -> None:
    rows = monthly.loc[[pd.Timestamp(m) for m in (FEB, MAR, APR)]]
    reactivation = rows.reactivation_mrr.astype(float) / rows.previous_mrr.astype(float)
    assert list(rows.nrr) == pytest.approx(list(1 - rows.net_mrr_churn_rate - reactivation))
    assert list(rows.grr) == pytest.approx(list(1 - rows.gross_mrr_churn_rate))


def test_segments_by_plan_by_hand() -> None:
    by_plan = run(retention_by_month(table(golden_rows()), by="plan"), ["month", "plan"])
    team_march = by_plan.loc[(pd.Timestamp(MAR), "team")]
    # team in March: b churns 200 from a base of 200; d joins and leaves at 40.
    assert team_march.customers == 0
    assert team_march.churned_mrr == Decimal("-240.00")
    assert team_march.logo_churn_rate == pytest.approx(1.0)
    assert team_march.grr == pytest.approx(0.0)
    assert pd.isna(team_march.arpa)
    pro_feb = by_plan.loc[(pd.Timestamp(FEB), "pro")]
    # pro in February: base a100, a expands to 150, c is new at 80.
    assert pro_feb.mrr == Decimal("230.00")
    assert pro_feb.arpa == Decimal("115.00")
    assert pro_feb.nrr == pytest.approx(1.5)


def test_trailing_twelve_months_by_hand() -> None:
    monthly = run(retention_by_month(table(ttm_rows())), ["month"])
    # No month twelve months before December 2023 in the table: undefined.
    assert pd.isna(at(monthly, date(2023, 12, 1), "grr_ttm"))
    assert pd.isna(at(monthly, date(2023, 12, 1), "nrr_ttm"))
    # January 2024 vs January 2023: base x100 y200 z100 = 400; now x130 (capped 100), y50, z60.
    assert at(monthly, date(2024, 1, 1), "grr_ttm") == pytest.approx(210 / 400)
    assert at(monthly, date(2024, 1, 1), "nrr_ttm") == pytest.approx(240 / 400)
    # February 2024 vs February 2023: base adds w40 = 440; z has churned; w still 40.
    assert at(monthly, date(2024, 2, 1), "grr_ttm") == pytest.approx(190 / 440)
    assert at(monthly, date(2024, 2, 1), "nrr_ttm") == pytest.approx(220 / 440)


def test_trailing_twelve_months_survive_dropped_rows_of_churned_accounts() -> None:
    # The contract allows dropping the trailing zero rows of a long-churned account.
    rows = [r for r in ttm_rows() if not (r["account_id"] == "z" and r["mrr"] == 0)]
    monthly = run(retention_by_month(table(rows)), ["month"])
    assert at(monthly, date(2024, 2, 1), "grr_ttm") == pytest.approx(190 / 440)


def test_divide_money_rounds_half_away_from_zero() -> None:
    cases = [("10.00", 3, "3.33"), ("0.05", 2, "0.03"), ("-0.05", 2, "-0.03"), ("20.00", 3, "6.67"),
             ("1.00", 0, None)]
    for amount, count, expected in cases:
        value = CON.execute(divide_money(ibis.literal(Decimal(amount), type="decimal(18,2)"),
                                         ibis.literal(count)))
        assert (value is None if expected is None else value == Decimal(expected)), (amount, count)


def test_missing_column_names_it_and_the_fix() -> None:
    with pytest.raises(InputError, match=r"lacks column\(s\) was_customer.*account_months"):
        retention_by_month(table(golden_rows()).drop("was_customer"))


def test_unknown_segment_names_it_and_the_choices() -> None:
    with pytest.raises(InputError, match=r"by='industry'.*segment by one of .*plan"):
        retention_by_month(table(golden_rows()), by="industry")


# --- invariants on generated account-month tables ----------------------------------------------

_MONTHS = months_from(date(2023, 1, 1), 15)
_mrr = st.one_of(st.none(), st.sampled_from([0, 0, 10, 25, 40, 99.99, 120]))
_accounts = st.dictionaries(
    st.sampled_from(list("abcdefg")),
    st.tuples(st.lists(_mrr, min_size=15, max_size=15), st.sampled_from(["pro", "team", None])),
    min_size=1,
    max_size=6,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_accounts)
def test_retention_invariants(accounts: dict) -> None:
    series = {k: v[0] for k, v in accounts.items()}
    plans = {k: v[1] for k, v in accounts.items()}
    rows = rows_from_series(series, _MONTHS, plans)
    if not rows:
        return
    am = table(rows)
    total = CON.execute(retention_by_month(am)).set_index("month").sort_index()
    by_plan = CON.execute(retention_by_month(am, by="plan"))

    # GRR <= 1 and NRR >= GRR, monthly and over twelve months.
    for grr, nrr in [("grr", "nrr"), ("grr_ttm", "nrr_ttm")]:
        defined = total.dropna(subset=[grr])
        assert (defined[grr] <= 1 + 1e-12).all()
        assert (defined[nrr] >= defined[grr] - 1e-12).all()
    # Movements sum to the MRR change.
    movements = total[["new_mrr", "expansion_mrr", "reactivation_mrr", "contraction_mrr",
                       "churned_mrr"]].sum(axis=1)
    assert list(movements) == list(total.mrr_change)
    # Additive columns: the segments (a null plan is a segment too) sum to the total.
    additive = ["customers", "previous_customers", "churned_customers", "mrr", "previous_mrr",
                "arr", "new_mrr", "expansion_mrr", "reactivation_mrr", "contraction_mrr",
                "churned_mrr", "mrr_change"]
    summed = by_plan.groupby("month")[additive].sum().sort_index()
    for column in additive:
        assert list(summed[column]) == list(total[column]), column
