"""Score accounts with a scorecard: points per component, a 0-100 score and a colour per row.

Points of one component for a value ``v`` (``docs/health.md``):
``100 * clip((v - red) / (green - red), 0, 1)``, the same formula for both directions (with
``direction: lower`` the green threshold is the smaller number). The score is the weighted mean
of the points of the components that have a value, missing values counting as the component's
``missing`` points unless it says ``skip``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tenure.errors import ConfigError, InputError
from tenure.health.scorecard import Colour, Component, Scorecard

__all__ = ["KEYS", "colour_of_points", "component_points", "health_scores", "points_column"]

#: The grain of every health frame and table (with ``scorecard``).
KEYS = ("account_id", "as_of_date")


def points_column(component: Component) -> str:
    """Column of a component's points in :func:`health_scores`' output."""
    return f"{component.key}_points"


def component_points(values: pd.Series | np.ndarray, component: Component) -> np.ndarray:
    """Points (0-100) of each value; NaN where the value is missing and ``missing: skip``.

    Examples
    --------
    >>> c = Component(measure="seat_utilisation_28d", direction="higher", green=0.8, red=0.3)
    >>> component_points(np.array([0.2, 0.3, 0.55, 0.8, 1.0, np.nan]), c).round(6).tolist()
    [0.0, 0.0, 50.0, 100.0, 100.0, nan]
    """
    v = np.asarray(values, dtype=float)
    points = 100.0 * np.clip((v - component.red) / (component.green - component.red), 0.0, 1.0)
    if component.missing != "skip":
        points = np.where(np.isnan(v), float(component.missing), points)
    return points


def _model_values(rows: pd.DataFrame, scores: pd.DataFrame | None,
                  component: Component) -> np.ndarray:
    fix = "run `tenure train` then `tenure score` to write the table scores"
    if scores is None:
        raise ConfigError(
            f"scorecard component {component.key!r} (model: {component.model}) needs the "
            f"warehouse table 'scores', which is absent; {fix}, or drop the component."
        )
    if component.model not in scores.columns:
        raise ConfigError(
            f"scorecard component {component.key!r} (model: {component.model}): the table "
            f"'scores' has no column {component.model!r} (it has "
            f"{', '.join(c for c in scores.columns if c not in KEYS)}); use one of those, or "
            f"{fix} with a model that writes it."
        )
    right = scores[[*KEYS, component.model]].copy()
    if right.duplicated(list(KEYS)).any():
        raise InputError("the scores table has several rows for one (account_id, as_of_date); "
                         "its grain is one row per account and as-of date.")
    right["as_of_date"] = pd.to_datetime(right["as_of_date"])
    joined = rows[list(KEYS)].merge(right, on=list(KEYS), how="left")
    return joined[component.model].to_numpy(dtype=float)


def health_scores(wide_measures: pd.DataFrame, scorecard: Scorecard,
                  scores: pd.DataFrame | None = None) -> pd.DataFrame:
    """Health of every (account, as-of date) row of a wide measures frame.

    Parameters
    ----------
    wide_measures
        One row per ``account_id, as_of_date`` (:func:`tenure.measures.wide_measures`, warehouse
        table ``measures_wide``), with a column per measure the card reads.
    scorecard
        The card to apply.
    scores
        Model scores, one row per ``account_id, as_of_date`` (warehouse table ``scores``);
        needed only when a component reads a ``model`` column.

    Returns
    -------
    pandas.DataFrame
        Grain: one row per ``account_id, as_of_date``. Columns ``account_id, as_of_date``,
        ``scorecard`` (the card's name), ``is_trial`` (when the input has it), ``score``
        (0-100; NaN when every component is missing and skipped), ``colour`` (green, yellow,
        red; null with the score), then ``<component>_points`` per component in card order.

    Examples
    --------
    >>> card = Scorecard(name="tiny", components=[
    ...     Component(measure="active_days_28d", direction="higher", green=16, red=4, weight=3),
    ...     Component(measure="urgent_tickets_90d", direction="lower", green=0, red=2)])
    >>> wide = pd.DataFrame({"account_id": ["a"], "as_of_date": [pd.Timestamp("2024-01-01")],
    ...                      "active_days_28d": [10.0], "urgent_tickets_90d": [1.0]})
    >>> health_scores(wide, card)[["score", "colour"]].values.tolist()
    [[50.0, 'yellow']]
    """
    missing = [k for k in KEYS if k not in wide_measures.columns]
    if missing:
        raise InputError(f"the measures frame lacks column(s) {', '.join(missing)}; pass the "
                         "output of tenure.measures.wide_measures (table measures_wide).")
    absent = [c for c in scorecard.components
              if c.measure is not None and c.measure not in wide_measures.columns]
    if absent:
        c = absent[0]
        raise InputError(
            f"scorecard {scorecard.name!r}, component {c.key!r}: measure {c.measure!r} is not a "
            "column of measures_wide; declare it in measures.yaml and run `tenure measures` "
            "again, or fix the scorecard."
        )
    if wide_measures.duplicated(list(KEYS)).any():
        raise InputError("the measures frame has several rows for one (account_id, as_of_date); "
                         "its grain is one row per account and as-of date.")

    # Step 1: the keys, one row per account and as-of date.
    rows = wide_measures[list(KEYS)].reset_index(drop=True).copy()
    rows["as_of_date"] = pd.to_datetime(rows["as_of_date"])
    out = rows.assign(scorecard=scorecard.name)
    if "is_trial" in wide_measures.columns:
        out["is_trial"] = wide_measures["is_trial"].astype(bool).to_numpy()

    # Step 2: each component's points.
    points = {}
    for c in scorecard.components:
        if c.measure is not None:
            values = pd.to_numeric(wide_measures[c.measure], errors="raise").to_numpy(float)
        else:
            values = _model_values(rows, scores, c)
        points[points_column(c)] = component_points(values, c)

    # Step 3: the weighted mean over the components present in each row, and its colour.
    matrix = np.column_stack(list(points.values()))
    weights = np.array([c.weight for c in scorecard.components])
    present = ~np.isnan(matrix)
    total = (np.where(present, matrix, 0.0) * weights).sum(axis=1)
    weight = (present * weights).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(weight > 0, total / np.where(weight > 0, weight, 1.0), np.nan)
    # A weighted mean of points in [0, 100]; clipping only removes float rounding (100 + 1e-14).
    out["score"] = np.clip(score, 0.0, 100.0)
    out["colour"] = [None if (c := scorecard.bands.colour(s)) is None else str(c) for s in score]
    for column, values in points.items():
        out[column] = values
    return out


def colour_of_points(points: float) -> Colour | None:
    """A component's colour from its points: 100 green, 0 red, anything between yellow."""
    if points != points:
        return None
    if points >= 100:
        return Colour.green
    return Colour.red if points <= 0 else Colour.yellow
