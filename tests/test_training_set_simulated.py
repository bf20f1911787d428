"""Training sets on a small simulated business: shapes, horizons and label invariants."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from tenure.measures import data_end
from tenure.models import training_set
from tenure.warehouse import Warehouse


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tenure.simulate import simulate

    out = tmp_path_factory.mktemp("sim_ts")
    summary = simulate(out, accounts=150, months=12, event_scale=0.2, seed=5)
    path = out / "warehouse.duckdb"
    with Warehouse(path) as wh:
        wh.replace_tables({name: pq.read_table(p) for name, p in summary.paths.items()})
    return path


def test_churn_and_conversion_sets_on_a_simulated_business(simulated: Path) -> None:
    with Warehouse(simulated) as wh:
        end = data_end(wh)
        churn = training_set(wh, horizons=(30, 90), kind="churn")
        conversion = training_set(wh, horizons=(14, 30), kind="conversion")
    for ts, longest in ((churn, 90), (conversion, 30)):
        assert len(ts) > 0
        assert not ts.duplicated(["account_id", "as_of_date"]).any()
        last = pd.to_datetime(ts["as_of_date"]).max()
        assert last + timedelta(days=longest) <= pd.Timestamp(end)
        assert last + timedelta(days=longest + 7) > pd.Timestamp(end)  # the last date kept
    # A churn within 30 days is a churn within 90 days; the same for conversions.
    assert (~churn["churned_30d"] | churn["churned_90d"]).all()
    assert (~conversion["converted_14d"] | conversion["converted_30d"]).all()
    assert 0 < churn["churned_90d"].mean() < 0.5
    assert 0 < conversion["converted_30d"].mean() < 1
    assert (churn["mrr"] > 0).all()
    assert (conversion["mrr"] == 0).all()
    assert {"industry", "size", "channel", "owner", "country", "plan"} <= set(churn.columns)
