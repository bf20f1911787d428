"""No measure can see the future.

For each as-of date ``d`` the data is cut back to what was known at the start of ``d``: rows dated
on or after ``d`` are removed (events, ticket openings, NPS answers, subscription lines and trials
that start on or after ``d``) and facts recorded on or after ``d`` are forgotten (an end, a
cancellation, a ticket's closing or a trial's conversion on or after ``d`` becomes null, i.e. "still
running"). Every measure at ``d`` computed on the cut data must equal the one on the full data.
Equivalently: appending anything dated on or after ``d`` changes no measure at ``d``.
"""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tenure.config import RevenueDefinitions
from tenure.measures import compute_measures, default_measures_config, wide_measures
from tenure.warehouse import Warehouse
from test_measures_data import AS_OF, tiny_config, tiny_tables

#: table -> (column that must be before the cut, columns forgotten when on or after it)
_KNOWN_BY = {
    "subscriptions": ("start_date", ["end_date", "cancelled_at"]),
    "trials": ("started_at", ["converted_at"]),
    "events": ("occurred_at", []),
    "tickets": ("opened_at", ["closed_at"]),
    "survey_responses": ("answered_at", []),
    "cancellations": ("cancelled_at", []),
}


def known_at(tables: dict[str, pa.Table], cut: date) -> dict[str, pa.Table]:
    """The tables as they were known at the start of day ``cut``."""
    out = {}
    for name, table in tables.items():
        if name not in _KNOWN_BY:
            out[name] = table
            continue
        df = table.to_pandas()
        before, forgotten = _KNOWN_BY[name]

        def later(column: pd.Series) -> pd.Series:
            if pd.api.types.is_datetime64_any_dtype(column):
                return column >= pd.Timestamp(datetime.combine(cut, time()))
            # astype(bool): on an empty table, map gives an object Series, which pandas would
            # read as a list of column labels rather than as a row mask.
            return column.map(lambda v: v is not None and not pd.isna(v) and v >= cut).astype(bool)

        df = df[~later(df[before])].copy()
        for column in forgotten:
            df.loc[later(df[column]), column] = None
        out[name] = pa.Table.from_pandas(df, schema=table.schema, preserve_index=False)
    return out


def _assert_blind_to_the_future(
    tmp_path: Path,
    tables: dict[str, pa.Table],
    dates: list[date],
    **options: Any,
) -> None:
    with Warehouse(tmp_path / "full.duckdb") as full:
        full.replace_tables(tables)
        config = options["config"]
        everything = wide_measures(
            compute_measures(full, as_of_dates=dates, **options), config=config
        )
    assert len(everything) > 0
    for d in dates:
        with Warehouse(tmp_path / f"cut_{d}.duckdb") as cut:
            cut.replace_tables(known_at(tables, d))
            then = wide_measures(
                compute_measures(cut, as_of_dates=[d], **options), config=config
            )
        now = everything[everything["as_of_date"] == d].reset_index(drop=True)
        assert len(now) > 0
        pd.testing.assert_frame_equal(now, then[now.columns], check_dtype=False)


def test_tiny_business_measures_ignore_everything_from_the_as_of_date_on(
    tmp_path: Path,
) -> None:
    _assert_blind_to_the_future(tmp_path, tiny_tables(), AS_OF, config=tiny_config())


def test_cancellation_recognition_is_blind_to_later_cancellations(tmp_path: Path) -> None:
    _assert_blind_to_the_future(
        tmp_path, tiny_tables(), AS_OF, config=tiny_config(),
        definitions=RevenueDefinitions(churn_recognition="cancellation"),
    )


@pytest.fixture(scope="module")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pa.Table]:
    from tenure.simulate import simulate

    out = tmp_path_factory.mktemp("sim")
    summary = simulate(out, accounts=60, months=6, event_scale=0.3, seed=11)
    return {name: pq.read_table(path) for name, path in summary.paths.items()}


def test_default_measures_on_a_simulated_business_ignore_the_future(
    tmp_path: Path, simulated: dict[str, pa.Table]
) -> None:
    # Mondays in the simulated half year (it starts 2023-01-01).
    dates = [date(2023, 3, 6), date(2023, 4, 17), date(2023, 6, 5)]
    _assert_blind_to_the_future(
        tmp_path, simulated, dates, config=default_measures_config()
    )
