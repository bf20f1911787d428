"""Health distribution month by month, on a hand-made history."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from tenure.errors import InputError
from tenure.health import health_distribution, monthly_snapshots

NAN = float("nan")


def _rows(day: str, scores: dict[str, float], trial: tuple[str, ...] = ()) -> pd.DataFrame:
    colour = {s: ("green" if s >= 70 else "red" if s < 40 else "yellow") for s in scores.values()
              if s == s}
    return pd.DataFrame({
        "account_id": list(scores), "as_of_date": pd.Timestamp(day), "scorecard": "card",
        "is_trial": [a in trial for a in scores],
        "score": list(scores.values()),
        "colour": [colour.get(s) for s in scores.values()],
    })


def _history() -> pd.DataFrame:
    return pd.concat([
        _rows("2024-01-22", {"a": 0, "b": 0}),                    # not a snapshot: ignored
        # 1 February describes the end of January: January's snapshot.
        _rows("2024-02-01", {"a": 100, "b": 50, "c": 20, "d": 75, "e": 10, "t": 95, "n": NAN},
              trial=("t",)),
        _rows("2024-02-26", {"a": 0}),                            # not a snapshot
        _rows("2024-03-01", {"a": 30, "b": 80, "c": 20, "f": 60}),  # February's snapshot
    ], ignore_index=True)


def _measures() -> pd.DataFrame:
    mrr = {"a": 100.0, "b": 200.0, "c": 300.0, "d": 400.0, "e": 50.5, "f": 10.0}
    nps = {"a": "promoter", "b": "passive"}
    rows = _history()[["account_id", "as_of_date"]]
    return rows.assign(mrr=rows["account_id"].map(mrr), nps_category=rows["account_id"].map(nps))


def test_snapshots_are_the_last_as_of_date_describing_each_month() -> None:
    snaps = monthly_snapshots(_history())
    assert sorted(set(zip(snaps["month"], snaps["as_of_date"].astype(str), strict=True))) == [
        ("2024-01", "2024-02-01"), ("2024-02", "2024-03-01")]


def test_bands_bins_moves_and_tails_by_hand() -> None:
    result = health_distribution(_history(), _measures(), tail_share=0.2)
    jan = result.bands[result.bands["month"] == "2024-01"].set_index("colour")
    # January: a 100, d 75 green; b 50 yellow; c 20, e 10 red (trial t and unscored n left out).
    assert jan["accounts"].to_dict() == {"green": 2, "yellow": 1, "red": 2}
    assert jan["share"].to_dict() == pytest.approx({"green": 0.4, "yellow": 0.2, "red": 0.4})
    assert jan["mrr"].to_dict() == {"green": Decimal("500.00"), "yellow": Decimal("200.00"),
                                    "red": Decimal("350.50")}
    assert (jan["as_of_date"] == date(2024, 2, 1)).all()
    bins = result.bins[result.bins["month"] == "2024-01"].set_index("bin")["accounts"]
    assert bins.to_dict() == {"0-10": 0, "10-20": 1, "20-30": 1, "30-40": 0, "40-50": 0,
                              "50-60": 1, "60-70": 0, "70-80": 1, "80-90": 0, "90-100": 1}
    # February: a green -> red, b yellow -> green, c red -> red, f new, d and e gone.
    moves = result.moves.set_index("month").loc["2024-02"].to_dict()
    assert moves == {"improved": 1, "unchanged": 1, "worsened": 1, "new": 1, "gone": 2}
    shift = {(r.from_colour, r.to_colour): r.accounts for r in result.shift.itertuples()}
    assert shift == {("green", "red"): 1, ("yellow", "green"): 1, ("red", "red"): 1,
                     ("new", "yellow"): 1, ("green", "gone"): 1, ("red", "gone"): 1}
    # Tails of 20%: ceil(0.2 * 5) = 1 account in January, ceil(0.2 * 4) = 1 in February.
    risk = result.at_risk
    assert risk[["month", "account_id", "reason", "mrr"]].values.tolist() == [
        ["2024-01", "c", "red", Decimal("300.00")],
        ["2024-01", "e", "red, bottom 20%", Decimal("50.50")],
        ["2024-02", "c", "red, bottom 20%", Decimal("300.00")],
        ["2024-02", "a", "red", Decimal("100.00")],
    ]
    # January's top account a is green and a promoter; February's top b is a passive: none.
    assert result.advocates[["month", "account_id", "nps_category"]].values.tolist() == [
        ["2024-01", "a", "promoter"]]


def test_without_nps_the_advocates_are_the_green_top_tail() -> None:
    result = health_distribution(_history(), tail_share=0.2)
    assert result.advocates[["month", "account_id"]].values.tolist() == [
        ["2024-01", "a"], ["2024-02", "b"]]
    assert result.bands["mrr"].isna().all()
    with_trials = health_distribution(_history(), include_trials=True, tail_share=0.2)
    # With the trial t (95), January has 6 accounts: a tail of ceil(1.2) = 2, a and t.
    assert with_trials.advocates["account_id"].tolist() == ["a", "t", "b"]


def test_one_card_at_a_time() -> None:
    two = pd.concat([_history(), _history().assign(scorecard="other")])
    with pytest.raises(InputError, match="several scorecards"):
        health_distribution(two)
    with pytest.raises(InputError, match="tail_share"):
        health_distribution(_history(), tail_share=1.5)
