"""Service tiers by revenue concentration: hand-worked cases and Hypothesis properties."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tenure.errors import InputError
from tenure.segments import ServiceTier, service_tiers

RANK = {ServiceTier.top: 0, ServiceTier.leveraged: 1, ServiceTier.scalable: 2}


def tiers_of(mrr: dict[str, str], **shares: object) -> dict[str, str]:
    out = service_tiers({k: Decimal(v) for k, v in mrr.items()}, **shares)
    return {a: str(t) for a, t in zip(out["account_id"], out["tier"], strict=True)}


def test_golden_ten_accounts_at_the_default_shares():
    # Total 1,000.00; 40% = 400.00, 80% = 800.00. Ranked: A 300, B 200, C 150, D 100, E 80,
    # F 60, G 50, H 40, I 20, J 0.
    #   A: above 0      < 400 -> top        (running 300)
    #   B: above 300    < 400 -> top        (running 500: the top tier has reached 40%)
    #   C: above 500    < 800 -> leveraged  (650)
    #   D: above 650    < 800 -> leveraged  (750)
    #   E: above 750    < 800 -> leveraged  (830: top + leveraged have reached 80%)
    #   F..J: above >= 800    -> scalable
    mrr = {"A": "300.00", "B": "200.00", "C": "150.00", "D": "100.00", "E": "80.00",
           "F": "60.00", "G": "50.00", "H": "40.00", "I": "20.00", "J": "0.00"}
    assert tiers_of(mrr) == {
        "A": "top", "B": "top", "C": "leveraged", "D": "leveraged", "E": "leveraged",
        "F": "scalable", "G": "scalable", "H": "scalable", "I": "scalable", "J": "scalable",
    }


def test_exact_share_reached_closes_the_tier():
    # Total 100.00: A 40.00 makes exactly 40%, so the top tier is A alone; A + B make exactly
    # 80% (40 + 40), so C is scalable. With floats 0.4 * 100.00 could miss by a rounding step.
    assert tiers_of({"A": "40.00", "B": "40.00", "C": "20.00"}) == {
        "A": "top", "B": "leveraged", "C": "scalable",
    }
    # One cent short: A 39.99 < 40.00, so the top tier needs B too (79.98); the head is then
    # one cent short of 80.00, so C joins the leveraged tier.
    assert tiers_of({"A": "39.99", "B": "39.99", "C": "20.02"}) == {
        "A": "top", "B": "top", "C": "leveraged",
    }


def test_ties_are_broken_by_account_id_whatever_the_input_order():
    # Four accounts of 25.00: 40% of 100.00 needs two of them; the first two by id are top.
    forward = tiers_of({"d": "25", "a": "25", "c": "25", "b": "25"})
    backward = tiers_of({"b": "25", "c": "25", "a": "25", "d": "25"})
    assert forward == backward == {
        "a": "top", "b": "top", "c": "leveraged", "d": "leveraged",
    }  # 80% = 80.00: after a, b, c the head holds 75.00 < 80.00, so d is leveraged too


def test_output_is_ranked_with_exact_money():
    out = service_tiers(pd.Series({"x": Decimal("10.10"), "y": Decimal("20.20")}))
    assert list(out.columns) == ["account_id", "mrr", "rank", "tier"]
    assert out["account_id"].tolist() == ["y", "x"]
    assert out["mrr"].tolist() == [Decimal("20.20"), Decimal("10.10")]
    assert out["rank"].tolist() == [1, 2]


def test_custom_cut_offs_and_shares_given_as_floats():
    # Top at 10% of 1,000.00 = 100.00: A alone (300); leveraged to 50% = 500.00: B (500 after B).
    mrr = {"A": "300", "B": "200", "C": "150", "D": "350"}
    assert tiers_of(mrr, top_share=0.1, leveraged_share=0.5) == {
        "D": "top", "A": "leveraged", "C": "scalable", "B": "scalable",
    }


def test_no_mrr_means_everyone_is_scalable():
    assert tiers_of({"a": "0", "b": "0"}) == {"a": "scalable", "b": "scalable"}
    assert service_tiers({}).empty


@pytest.mark.parametrize(
    ("mrr", "shares", "match"),
    [
        ({"a": 1.5}, {}, "float"),
        ({"a": Decimal("-1")}, {}, "zero or more"),
        ({"a": Decimal("1")}, {"top_share": 0}, "above 0"),
        ({"a": Decimal("1")}, {"top_share": "1.2"}, "at most 1"),
        ({"a": Decimal("1")}, {"top_share": 0.5, "leveraged_share": 0.4}, "at least top_share"),
    ],
)
def test_bad_input_is_an_input_error(mrr, shares, match):
    with pytest.raises(InputError, match=match):
        service_tiers(mrr, **shares)


money = st.decimals(min_value=0, max_value=100_000, places=2, allow_nan=False)
books = st.dictionaries(st.text("abcdefgh", min_size=1, max_size=3), money, max_size=25)
shares = st.tuples(
    st.decimals(min_value="0.01", max_value=1, places=2),
    st.decimals(min_value="0.01", max_value=1, places=2),
).map(sorted)


@settings(max_examples=200, deadline=None)
@given(books, shares)
def test_top_tier_is_the_smallest_set_reaching_its_share(mrr, cut):
    top_share, leveraged_share = cut
    out = service_tiers(mrr, top_share, leveraged_share)
    total = sum(mrr.values(), Decimal(0))
    top = out[out["tier"] == ServiceTier.top]
    if total == 0:
        assert top.empty
        return
    assert sum(top["mrr"], Decimal(0)) >= top_share * total
    # No set with one account fewer reaches the share: not even the largest MRRs.
    largest = sorted(mrr.values(), reverse=True)[: len(top) - 1]
    assert sum(largest, Decimal(0)) < top_share * total
    head = out[out["tier"] != ServiceTier.scalable]
    assert sum(head["mrr"], Decimal(0)) >= leveraged_share * total
    assert sum(head["mrr"].iloc[:-1], Decimal(0)) < leveraged_share * total


@settings(max_examples=200, deadline=None)
@given(books, shares)
def test_tiers_partition_the_accounts_and_follow_mrr(mrr, cut):
    out = service_tiers(mrr, *cut)
    assert sorted(out["account_id"]) == sorted(mrr)
    assert set(out["tier"]) <= set(ServiceTier)
    by_account = dict(zip(out["account_id"], out["tier"], strict=True))
    for a in mrr:
        for b in mrr:
            if mrr[a] > mrr[b]:
                assert RANK[by_account[a]] <= RANK[by_account[b]]


@settings(max_examples=200, deadline=None)
@given(books, shares, st.data())
def test_more_mrr_never_lowers_an_accounts_tier(mrr, cut, data):
    if not mrr:
        return
    account = data.draw(st.sampled_from(sorted(mrr)))
    raise_by = data.draw(money)
    before = service_tiers(mrr, *cut).set_index("account_id")["tier"][account]
    after = service_tiers({**mrr, account: mrr[account] + raise_by}, *cut)
    assert RANK[after.set_index("account_id")["tier"][account]] <= RANK[before]
