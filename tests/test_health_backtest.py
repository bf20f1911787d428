"""Backtests on tiny frames, every number worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tenure.errors import InputError
from tenure.health import auc, backtest, departure_days

NAN = float("nan")
DAY = pd.Timestamp("2024-01-01")


def _health(card: str, scores: list[float], colours: list[str | None]) -> pd.DataFrame:
    return pd.DataFrame({"account_id": [f"x{i}" for i in range(1, len(scores) + 1)],
                         "as_of_date": DAY, "scorecard": card, "is_trial": False,
                         "score": scores, "colour": colours})


def _outcomes() -> pd.DataFrame:
    return pd.DataFrame({
        "account_id": [f"x{i}" for i in range(1, 7)], "as_of_date": DAY,
        "churned_30d": [True, False, True, False, False, True],
        "expanded_30d": [False, False, False, True, True, False],
    })


CARD_A = _health("a", [10, 20, 30, 60, 80, 90], ["red", "red", "red", "yellow", "green", "green"])


def test_auc_and_band_rates_by_hand() -> None:
    result = backtest(CARD_A, _outcomes())
    assert result.rows == 6
    aucs = result.auc.set_index(["outcome", "horizon_days"])
    # Churn ranks by -score. Churners score 10, 30, 90; stayers 20, 60, 80. A churner scores
    # below a stayer in 3 (10) + 2 (30) + 0 (90) of 9 pairs.
    assert aucs.loc[("churn", 30), "auc"] == pytest.approx(5 / 9)
    assert aucs.loc[("churn", 30), ["rows", "events"]].tolist() == [6, 3]
    # Expansion ranks by score. Expanders 60 and 80 each beat 10, 20 and 30, not 90: 6 of 8.
    assert aucs.loc[("expansion", 30), "auc"] == pytest.approx(0.75)
    bands = result.bands.set_index(["outcome", "colour"])
    assert bands.loc[("churn", "red"), ["rows", "events"]].tolist() == [3, 2]
    assert bands.loc[("churn", "red"), "rate"] == pytest.approx(2 / 3)
    # Wilson (z = 1.96) for 2 of 3: centre (2/3 + z^2/6) / (1 + z^2/3) = 0.5731, half-width
    # z / (1 + z^2/3) * sqrt(2/27 + z^2/36) = 0.3654.
    assert bands.loc[("churn", "red"), ["rate_low", "rate_high"]].tolist() == pytest.approx(
        [0.2077, 0.9385], abs=1e-4)
    assert bands.loc[("churn", "yellow"), ["rows", "events", "rate"]].tolist() == [1, 0, 0.0]
    assert bands.loc[("churn", "green"), "rate"] == pytest.approx(0.5)
    assert bands.loc[("expansion", "green"), "rate"] == pytest.approx(0.5)


def test_cards_are_compared_on_the_same_rows() -> None:
    flat = _health("b", [50, 50, 50, 50, 50, NAN], ["yellow"] * 5 + [None])
    result = backtest(pd.concat([CARD_A, flat]), _outcomes(), horizons=[30])
    # x6 has no score on card b, so neither card is judged on it. On x1..x5, churners 10 and 30
    # against stayers 20, 60, 80: 3 + 2 of 6 pairs. Card b ties everywhere: 0.5.
    assert result.rows == 5
    churn = result.auc[result.auc["outcome"] == "churn"].set_index("scorecard")["auc"]
    assert churn.to_dict() == pytest.approx({"a": 5 / 6, "b": 0.5})
    flat_bands = result.bands[(result.bands["scorecard"] == "b")
                              & (result.bands["outcome"] == "churn")].set_index("colour")
    assert flat_bands["rows"].to_dict() == {"green": 0, "yellow": 5, "red": 0}
    assert np.isnan(flat_bands.loc["green", "rate"])


def _weekly(account: str, colours: list[str], first: str = "2024-01-01") -> pd.DataFrame:
    dates = pd.date_range(first, periods=len(colours), freq="7D")
    score = {"green": 90.0, "yellow": 50.0, "red": 10.0}
    return pd.DataFrame({"account_id": account, "as_of_date": dates, "scorecard": "a",
                         "is_trial": False, "score": [score[c] for c in colours],
                         "colour": colours})


def test_colours_before_churn_and_how_early_red_came() -> None:
    health = pd.concat([
        _weekly("p", ["green", "green", "yellow", "red", "red"]),   # 01-01 .. 01-29
        _weekly("q", ["green"] * 5),
        _weekly("r", ["red"]),                                       # only 01-01
        _weekly("s", ["red"]), _weekly("s", ["red"], first="2024-01-29"),  # a 4-week gap
    ], ignore_index=True)
    churns = pd.DataFrame({"account_id": ["p", "q", "r", "s"],
                           "churned_at": pd.Timestamp("2024-02-01")})
    outcomes = health[["account_id", "as_of_date"]].assign(churned_30d=False)
    result = backtest(health, outcomes, churns=churns, days_before=(7, 14, 28))
    before = result.before_churn.set_index("days_before")
    # 7 days before (01-25): p's latest row 01-22 is red, q's green; r's and s's 01-01 is over
    # a grid step away. 14 days (01-18): p 01-15 yellow. 28 days (01-04): p, q green, r, s red.
    assert before.loc[7, ["churners", "green", "yellow", "red"]].tolist() == [2, 1, 0, 1]
    assert before.loc[14, ["churners", "green", "yellow", "red"]].tolist() == [2, 1, 1, 0]
    assert before.loc[28, ["churners", "green", "yellow", "red"]].tolist() == [4, 2, 0, 2]
    assert before.loc[28, "green_share"] == pytest.approx(0.5)
    lead = result.red_lead.iloc[0]
    # p, q and s were measured on 01-29, 3 days before churn (r was not). p was red from 01-22:
    # 10 days of warning; s's red run restarts after its gap, on 01-29: 3 days. q never red.
    assert (lead["churners"], lead["red_before"]) == (3, 2)
    assert lead["red_share"] == pytest.approx(2 / 3)
    assert lead["median_lead_days"] == 6.5
    assert lead["mean_lead_days"] == 6.5


def test_churn_dates_from_a_training_set() -> None:
    rows = pd.DataFrame({
        "account_id": ["p"] * 5 + ["q"] * 2,
        "as_of_date": pd.to_datetime(["2024-01-01", "2024-01-08", "2024-01-15", "2024-03-04",
                                      "2024-03-11", "2024-01-01", "2024-01-08"]),
        "churned_30d": [False, True, True, False, True, False, False],
        "churned_90d": [True, True, True, True, True, False, False],
    })
    # Runs of the shortest horizon's flag end at p's last measurement before each churn.
    found = departure_days(rows)
    assert found.values.tolist() == [["p", pd.Timestamp("2024-01-15")],
                                     ["p", pd.Timestamp("2024-03-11")]]
    # A churn_date column wins, and a cancellation request before it wins over it.
    dated = rows.assign(churn_date=pd.Timestamp("2024-02-01"),
                        cancelled_at=pd.Timestamp("2024-01-20"))
    dated.loc[dated["account_id"] == "q", ["churn_date", "cancelled_at"]] = pd.NaT
    assert departure_days(dated).values.tolist() == [["p", pd.Timestamp("2024-01-20")]]


def test_missing_outcomes_are_named() -> None:
    with pytest.raises(InputError, match="churned_90d"):
        backtest(CARD_A, _outcomes(), horizons=[90])
    with pytest.raises(InputError, match="no churned_"):
        backtest(CARD_A, _outcomes()[["account_id", "as_of_date"]])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 5)), min_size=2, max_size=30))
def test_auc_matches_counting_pairs(rows) -> None:
    y = np.array([r[0] for r in rows])
    s = np.array([r[1] for r in rows], dtype=float)
    pos, neg = s[y], s[~y]
    if len(pos) == 0 or len(neg) == 0:
        assert np.isnan(auc(y, s))
        return
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    assert auc(y, s) == pytest.approx(wins / (len(pos) * len(neg)))
    assert auc(y, -s) == pytest.approx(1 - auc(y, s))
