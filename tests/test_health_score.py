"""Health scores: hand-worked points, scores and colours; model components; invariants."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tenure.errors import ConfigError, InputError
from tenure.health import Bands, Colour, Component, Scorecard, component_points, health_scores

NAN = float("nan")


def _card() -> Scorecard:
    return Scorecard(name="tiny", components=[
        Component(measure="active_days_28d", direction="higher", green=16, red=4, weight=3),
        Component(measure="urgent_tickets_90d", direction="lower", green=0, red=2),
        Component(measure="nps_score", direction="higher", green=9, red=6),
    ])


def _wide() -> pd.DataFrame:
    return pd.DataFrame({
        "account_id": list("abcdefg"),
        "as_of_date": pd.to_datetime(["2024-03-04"] * 7),
        "is_trial": [False] * 6 + [True],
        "active_days_28d": [10, 20, 4, 13, 16, 8, NAN],
        "urgent_tickets_90d": [1, 0, 3, 0, 1, 1, NAN],
        "nps_score": [9, NAN, 7, 6, 8, NAN, NAN],
    })


def test_points_scores_and_colours_worked_by_hand() -> None:
    health = health_scores(_wide(), _card()).set_index("account_id")
    # Points: 100 * clip((v - red) / (green - red), 0, 1).
    #   a: active (10-4)/12 = 50, urgent (1-2)/(0-2) = 50, nps 9 -> 100
    #   b: 20 -> 100, 0 -> 100, nps missing (skipped)
    #   c: 4 -> 0, 3 -> 0 (beyond red), 7 -> 33.33
    #   d: 13 -> 75, 0 -> 100, 6 -> 0
    #   e: 16 -> 100, 1 -> 50, 8 -> 66.67
    #   f: 8 -> 33.33, 1 -> 50, missing
    #   g: nothing known
    assert health["active_days_28d_points"].tolist() == pytest.approx(
        [50, 100, 0, 75, 100, 100 / 3, NAN], nan_ok=True)
    assert health["urgent_tickets_90d_points"].tolist() == pytest.approx(
        [50, 100, 0, 100, 50, 50, NAN], nan_ok=True)
    assert health["nps_score_points"].tolist() == pytest.approx(
        [100, NAN, 100 / 3, 0, 200 / 3, NAN, NAN], nan_ok=True)
    # Score: weighted mean (weights 3, 1, 1) over the components present.
    #   a (150 + 50 + 100) / 5 = 60      b (300 + 100) / 4 = 100   c 33.33 / 5 = 6.67
    #   d (225 + 100 + 0) / 5 = 65       e (300 + 50 + 66.67) / 5 = 83.33
    #   f (100 + 50) / 4 = 37.5          g none: NaN
    assert health["score"].tolist() == pytest.approx(
        [60, 100, 20 / 3, 65, 250 / 3, 37.5, NAN], nan_ok=True)
    # Colour: >= 70 green, < 40 red, else yellow.
    assert health["colour"].tolist() == ["yellow", "green", "red", "yellow", "green", "red", None]
    assert health["is_trial"].tolist() == [False] * 6 + [True]
    assert (health["scorecard"] == "tiny").all()


def test_grain_is_one_row_per_account_and_date_in_input_order() -> None:
    wide = pd.concat([_wide(), _wide().assign(as_of_date=pd.Timestamp("2024-03-11"))])
    health = health_scores(wide, _card())
    assert list(health.columns[:6]) == ["account_id", "as_of_date", "scorecard", "is_trial",
                                        "score", "colour"]
    assert len(health) == 14
    assert not health.duplicated(["account_id", "as_of_date"]).any()
    with pytest.raises(InputError, match="several rows for one"):
        health_scores(pd.concat([_wide(), _wide()]), _card())


def test_band_edges() -> None:
    bands = Bands(green=70, red=40)
    assert bands.colour(70.0) is Colour.green
    assert bands.colour(69.99) is Colour.yellow
    assert bands.colour(40.0) is Colour.yellow
    assert bands.colour(39.99) is Colour.red
    assert bands.colour(NAN) is None


def test_missing_value_counts_as_the_declared_points() -> None:
    card = Scorecard(name="m", components=[
        Component(measure="nps_score", direction="higher", green=9, red=6, missing=50),
        Component(measure="active_days_28d", direction="higher", green=16, red=4),
    ])
    health = health_scores(_wide(), card)
    # b: nps missing -> 50, active 100 -> 75. g: both missing -> nps 50 alone -> 50 (yellow).
    assert health["score"].tolist()[1] == pytest.approx(75)
    assert health["score"].tolist()[6] == pytest.approx(50)
    assert health["colour"].tolist()[6] == "yellow"


def test_a_model_score_is_a_component() -> None:
    card = Scorecard(name="with_model", components=[
        Component(model="churn_risk", direction="lower", green=0.05, red=0.30),
        Component(measure="active_days_28d", direction="higher", green=16, red=4),
    ])
    scores = pd.DataFrame({
        "account_id": ["a", "b", "e"],
        "as_of_date": [pd.Timestamp("2024-03-04").date()] * 3,
        "churn_risk": [0.05, 0.175, 0.40],
        "expansion": [0.1, 0.2, 0.3],
    })
    health = health_scores(_wide(), card, scores).set_index("account_id")
    # a: risk 0.05 -> 100, active 50 -> 75; b: 0.175 -> 50, 100 -> 75; e: 0.40 -> 0, 100 -> 50;
    # c has no score row: the model component is skipped, active 0 -> 0.
    assert health["churn_risk_points"].tolist() == pytest.approx(
        [100, 50, NAN, NAN, 0, NAN, NAN], nan_ok=True)
    assert health.loc[["a", "b", "c", "e"], "score"].tolist() == pytest.approx([75, 75, 0, 50])


def test_a_model_component_without_the_scores_table_says_how_to_make_it() -> None:
    card = Scorecard(name="with_model", components=[
        Component(model="churn_risk", direction="lower", green=0.05, red=0.30)])
    with pytest.raises(ConfigError, match=r"'churn_risk'.*scores.*`tenure train` then "
                                          r"`tenure score`"):
        health_scores(_wide(), card)
    scores = pd.DataFrame({"account_id": ["a"], "as_of_date": [pd.Timestamp("2024-03-04")],
                           "advocacy": [0.5]})
    with pytest.raises(ConfigError, match="has no column 'churn_risk' \\(it has advocacy\\)"):
        health_scores(_wide(), card, scores)


def test_a_measure_missing_from_the_frame_names_the_component_and_the_fix() -> None:
    card = Scorecard(name="x", components=[
        Component(name="logins", measure="logins_28d", direction="higher", green=20, red=2)])
    with pytest.raises(InputError, match=r"component 'logins': measure 'logins_28d'.*"
                                         r"`tenure measures`"):
        health_scores(_wide(), card)


values = st.floats(min_value=-50, max_value=50, allow_nan=False)
maybe = st.one_of(st.just(NAN), values)


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(st.tuples(maybe, maybe), min_size=1, max_size=20),
    weights=st.tuples(st.floats(0.1, 10), st.floats(0.1, 10)),
    bump=st.floats(0, 20),
)
def test_score_is_a_bounded_monotone_weighted_mean(rows, weights, bump) -> None:
    card = Scorecard(name="p", components=[
        Component(measure="x", direction="higher", green=10, red=-10, weight=weights[0]),
        Component(measure="y", direction="lower", green=-5, red=5, weight=weights[1]),
    ])
    wide = pd.DataFrame({"account_id": [str(i) for i in range(len(rows))],
                         "as_of_date": pd.Timestamp("2024-01-01"),
                         "x": [r[0] for r in rows], "y": [r[1] for r in rows]})
    health = health_scores(wide, card)
    points = health[["x_points", "y_points"]].to_numpy()
    for score, row in zip(health["score"], points, strict=True):
        present = row[~np.isnan(row)]
        if len(present) == 0:
            assert math.isnan(score)
        else:
            assert present.min() - 1e-9 <= score <= present.max() + 1e-9
            assert 0 <= score <= 100
    # More of a good thing never lowers the score; more of a bad thing never raises it.
    better = health_scores(wide.assign(x=wide["x"] + bump, y=wide["y"] - bump), card)
    known = ~health["score"].isna()
    assert (better["score"][known] >= health["score"][known] - 1e-9).all()


def test_component_points_are_the_same_formula_both_ways() -> None:
    lower = Component(measure="urgent_tickets_90d", direction="lower", green=0, red=2)
    assert component_points(np.array([-1, 0, 0.5, 2, 5]), lower).tolist() == [
        100.0, 100.0, 75.0, 0.0, 0.0]
