"""Segments on a small simulated business: who is in the snapshot, exact MRR, tier shares, and
stages that never see the future (cutting the data back to what was known changes nothing)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tenure.measures import compute_measures, wide_measures
from tenure.segments import LifecycleStage, ServiceTier, account_segments, lifecycle_stages
from tenure.warehouse import Warehouse

AS_OF = [date(2023, 7, 3), date(2023, 10, 2), date(2023, 12, 25)]


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tenure.simulate import simulate

    out = tmp_path_factory.mktemp("sim_segments")
    summary = simulate(out, accounts=250, months=12, event_scale=0.2, seed=3)
    path = out / "warehouse.duckdb"
    with Warehouse(path) as wh:
        wh.replace_tables({name: pq.read_table(p) for name, p in summary.paths.items()})
        wide = wide_measures(compute_measures(wh, as_of_dates=AS_OF).to_pyarrow().to_pandas())
        wh.replace_tables({"measures_wide": pa.Table.from_pandas(wide, preserve_index=False)})
    return path


def test_snapshot_invariants(simulated: Path) -> None:
    with Warehouse(simulated) as wh:
        wide = wh.table("measures_wide").to_pandas()
        wide["as_of_date"] = pd.to_datetime(wide["as_of_date"]).dt.date
        for day in AS_OF:
            seg = account_segments(wh, day)
            stages = lifecycle_stages(wh, day, measures=wide)
            paid = wide[(wide["as_of_date"] == day) & ~wide["is_trial"].astype(bool)]
            assert not seg["account_id"].duplicated().any()  # grain: one row per account
            # In service = the paid accounts the measures count that day; exact MRR adds up to
            # the mrr measure.
            assert set(stages.loc[stages["in_service"], "account_id"]) == set(paid["account_id"])
            total = sum(seg["mrr"], Decimal(0))
            assert float(total) == pytest.approx(paid["mrr"].sum(), abs=0.005)
            # Shares: the top tier reaches 40% of MRR, one account fewer would not.
            top = sorted(seg.loc[seg["tier"] == ServiceTier.top, "mrr"], reverse=True)
            assert sum(top, Decimal(0)) >= Decimal("0.4") * total
            assert sum(top[:-1], Decimal(0)) < Decimal("0.4") * total
            head = seg[seg["tier"] != ServiceTier.scalable]
            assert sum(head["mrr"], Decimal(0)) >= Decimal("0.8") * total
            # Cancelled accounts have no activity; those out of service have no MRR.
            cancelled = seg["stage"] == LifecycleStage.cancelled
            assert seg.loc[cancelled, "activity"].isna().all()
            assert seg.loc[~cancelled, "activity"].notna().all()
            gone = set(stages.loc[~stages["in_service"], "account_id"])
            assert (seg.loc[seg["account_id"].isin(gone), "mrr"] == 0).all()
            assert seg.loc[seg["account_id"].isin(gone), "stage"].eq(LifecycleStage.cancelled).all()
            # Renewals are multi-month lines whose term ends within 90 days.
            renewal = stages[stages["stage"] == LifecycleStage.renewal]
            assert all((t - day).days < 90 for t in renewal["term_end"])
        # The business has every stage but at risk (no scores), and both ends of the tiers.
        assert set(seg["stage"]) == set(LifecycleStage) - {LifecycleStage.at_risk}
        assert set(seg["tier"]) == set(ServiceTier)


def _known_at(wh: Warehouse, day: date) -> dict[str, pa.Table]:
    """The subscriptions and cancellations as they were known at the start of ``day``."""
    subs = wh.table("subscriptions").to_pandas()
    subs = subs[pd.to_datetime(subs["start_date"]).dt.date < day].copy()
    for column in ("end_date", "cancelled_at"):
        known = pd.to_datetime(subs[column]).dt.date
        subs[column] = known.where(known < day, None)
    cancellations = wh.table("cancellations").to_pandas()
    cancellations = cancellations[pd.to_datetime(cancellations["cancelled_at"]).dt.date < day]
    schema = wh.table("subscriptions").to_pyarrow().schema
    return {
        "subscriptions": pa.Table.from_pandas(subs, schema=schema, preserve_index=False),
        "cancellations": pa.Table.from_pandas(
            cancellations, schema=wh.table("cancellations").to_pyarrow().schema,
            preserve_index=False,
        ),
    }


def test_stages_never_see_the_future(simulated: Path, tmp_path: Path) -> None:
    with Warehouse(simulated) as wh:
        wide = wh.table("measures_wide").to_pandas()
        wide["as_of_date"] = pd.to_datetime(wide["as_of_date"]).dt.date
        full = {day: lifecycle_stages(wh, day, measures=wide) for day in AS_OF}
        cut = {day: _known_at(wh, day) for day in AS_OF}
    for day in AS_OF:
        with Warehouse(tmp_path / f"{day}.duckdb") as known:
            known.replace_tables(cut[day])
            seen = lifecycle_stages(known, day, measures=wide)
        pd.testing.assert_frame_equal(seen, full[day])
