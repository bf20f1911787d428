"""Exact money in the loader: DuckDB's integer half-even arithmetic against Python's Decimal,
and the large-file CSV path that DuckDB scans itself."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tenure.sources.readers as readers
from tenure.errors import ValidationError
from tenure.sources.sql import cents_to_money, half_even_div
from test_load_support import BASE, load, rows, write_folder

CENT = Decimal("0.01")
_con = duckdb.connect()


def _money(sql: str, params: list) -> Decimal:
    return _con.execute(sql, params).fetchone()[0]


@settings(max_examples=200, deadline=None)
@given(cents=st.integers(0, 10**15), months=st.integers(1, 60))
def test_billed_amount_over_months_matches_decimal_half_even(cents, months):
    sql = f"SELECT {cents_to_money(half_even_div('CAST($1 AS HUGEINT)', 'CAST($2 AS BIGINT)'))}"
    expected = (Decimal(cents) / 100 / months).quantize(CENT, rounding=ROUND_HALF_EVEN)
    assert _money(sql, [cents, months]) == expected


@settings(max_examples=200, deadline=None)
@given(cents=st.integers(0, 10**12), rate_units=st.integers(1, 10**11))
def test_fx_conversion_matches_decimal_half_even(cents, rate_units):
    product = "CAST($1 AS HUGEINT) * CAST($2 AS HUGEINT)"
    sql = f"SELECT {cents_to_money(half_even_div(product, '100000000'))}"
    amount, rate = Decimal(cents) / 100, Decimal(rate_units) / 10**8
    expected = (amount * rate).quantize(CENT, rounding=ROUND_HALF_EVEN)
    assert _money(sql, [cents, rate_units]) == expected


def test_half_even_worked_cases():
    # 12.06 / 12 = 1.005 -> 1.00; 12.18 / 12 = 1.015 -> 1.02; 0.05 / 2 = 0.025 -> 0.02
    sql = f"SELECT {cents_to_money(half_even_div('$1', '$2'))}"
    assert [_money(sql, [c, m]) for c, m in [(1206, 12), (1218, 12), (5, 2), (7, 2)]] == [
        Decimal("1.00"), Decimal("1.02"), Decimal("0.02"), Decimal("0.04")]


def test_large_csv_files_are_scanned_by_duckdb_with_the_same_result(warehouse, tmp_path,
                                                                   monkeypatch):
    monkeypatch.setattr(readers, "LARGE_TEXT_BYTES", 0)  # every CSV counts as large
    load(warehouse, write_folder(tmp_path / "src", BASE))
    assert rows(warehouse, "SELECT subscription_id, mrr, end_date FROM subscriptions "
                           "ORDER BY 1") == [
        ("S1", Decimal("49.00"), None),
        ("S2", Decimal("19.99"), date(2024, 6, 10))]
    bad = write_folder(tmp_path / "bad", {
        **BASE, "subscriptions.csv": BASE["subscriptions.csv"] + "S3,A1,x,-1.00,2024-03-01,\n"})
    with pytest.raises(ValidationError) as caught:
        load(warehouse, bad)
    assert [str(p) for p in caught.value.problems] == [
        ("subscriptions.csv line 4, column mrr: value '-1.00' is negative; MRR must be zero or "
         "more (a refund is a line ending early, not negative MRR)")]
