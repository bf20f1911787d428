"""The default measures on a small simulated business (150 accounts, 12 months, weekly dates).

Usage measures at one as-of date are checked against a straightforward pandas computation over
the raw events; the rest against invariants that hold whatever the simulation draws.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from tenure.measures import compute_measures, default_measures_config, wide_measures
from tenure.simulate.catalog import ALL_PLAN_NAMES, FEATURES
from tenure.warehouse import Warehouse

CHECK_DAY = date(2023, 9, 4)  # a Monday in the simulated year


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, dict]:
    from tenure.simulate import simulate

    out = tmp_path_factory.mktemp("sim150")
    summary = simulate(out, accounts=150, months=12, event_scale=0.3, seed=3)
    tables = {name: pq.read_table(path) for name, path in summary.paths.items()}
    with Warehouse(Path(out) / "warehouse.duckdb") as wh:
        wh.replace_tables(tables)
        config = default_measures_config()
        wide = wide_measures(compute_measures(wh), config=config)
    return wide, tables


def test_every_default_measure_is_computed_weekly(simulated: tuple[pd.DataFrame, dict]) -> None:
    wide, _ = simulated
    names = default_measures_config().names
    assert list(wide.columns) == ["account_id", "as_of_date", "is_trial", *names]
    assert not wide.duplicated(["account_id", "as_of_date"]).any()
    dates = sorted(set(wide["as_of_date"]))
    assert len(dates) >= 45
    assert all(d.weekday() == 0 for d in dates)
    assert {d2 - d1 for d1, d2 in pairwise(dates)} == {timedelta(days=7)}
    paid = wide[~wide["is_trial"]]
    assert len(paid) > 1000
    assert wide["is_trial"].any()
    for name in names:
        assert wide[name].notna().any(), f"{name} is never computed"


def test_invariants_hold(simulated: tuple[pd.DataFrame, dict]) -> None:
    wide, _ = simulated
    paid, trial = wide[~wide["is_trial"]], wide[wide["is_trial"]]
    assert (paid["mrr"] > 0).all()
    assert (trial["mrr"] == 0).all()
    assert set(paid["plan"]) <= set(ALL_PLAN_NAMES) - {"analytics_addon"}
    assert (wide["events_28d"] >= wide["logins_28d"] + wide["reports_28d"]).all()
    assert wide["feature_breadth_28d"].between(0, len(FEATURES)).all()
    assert wide["active_days_28d"].between(0, 28).all()
    assert (wide["days_since_last_activity"].dropna() >= 1).all()
    scored = wide.dropna(subset=["nps_score"])
    category = pd.cut(scored["nps_score"], [-1, 6, 8, 10],
                      labels=["detractor", "passive", "promoter"]).astype(str)
    assert (category == scored["nps_category"]).all()
    used = paid[paid["active_users_28d"] > 0]
    ratio = used["active_users_28d"] / used["seats"]
    assert used["seat_utilisation_28d"].to_numpy() == pytest.approx(ratio.to_numpy())


def test_usage_matches_a_plain_pandas_computation(simulated: tuple[pd.DataFrame, dict]) -> None:
    wide, tables = simulated
    events = tables["events"].to_pandas()
    cut = pd.Timestamp(datetime.combine(CHECK_DAY, datetime.min.time()))
    window = events[(events["occurred_at"] >= cut - pd.Timedelta(days=28))
                    & (events["occurred_at"] < cut)]
    window = window.assign(day=window["occurred_at"].dt.normalize())
    by_account = window.groupby("account_id")
    before = events[events["occurred_at"] < cut]
    last = before.groupby("account_id")["occurred_at"].max().dt.normalize()
    expected = pd.DataFrame(
        {
            "events_28d": by_account.size(),
            "active_users_28d": by_account["user_id"].nunique(),
            "active_days_28d": by_account["day"].nunique(),
            "feature_breadth_28d": by_account["event_name"].nunique(),
            "days_since_last_activity": (cut - last).dt.days,
        }
    )
    found = wide[wide["as_of_date"] == CHECK_DAY].set_index("account_id")
    assert len(found) > 20
    expected = expected.reindex(found.index)
    counts = ["events_28d", "active_users_28d", "active_days_28d", "feature_breadth_28d"]
    expected[counts] = expected[counts].fillna(0)
    pd.testing.assert_frame_equal(
        found[expected.columns].astype(float), expected.astype(float), check_names=False
    )
