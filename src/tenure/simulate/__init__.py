"""The demo business: a simulated B2B SaaS company written as canonical Parquet files.

``simulate`` draws a population of accounts with hidden traits, runs them month by month through
trials, purchases, expansions, contractions, cancellations and returns (``lifecycle``), and writes
one Parquet file per canonical table, with product-usage events written in bounded chunks
(``usage``). The hidden traits go to ``<out>/_truth/account_traits.parquet``. The planted drivers of
churn, expansion and conversion are documented in ``docs/simulator.md``.

Examples
--------
>>> import tempfile
>>> summary = simulate(Path(tempfile.mkdtemp()), accounts=20, months=3)
>>> summary.rows["accounts"]
20
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from tenure.errors import InputError
from tenure.simulate.calendar import month_starts
from tenure.simulate.lifecycle import run_lifecycle
from tenure.simulate.population import draw_population
from tenure.simulate.tables import arrow_schema, canonical_tables, truth_table, user_ids
from tenure.simulate.usage import UsageInputs, event_batches

__all__ = ["ProgressCallback", "SimulationSummary", "simulate"]

#: ``progress(stage, done, total)``: called as each stage advances (stage is a short label).
ProgressCallback = Callable[[str, int, int], None]

TRUTH_DIR = "_truth"


@dataclass(frozen=True)
class SimulationSummary:
    """What ``simulate`` wrote: rows per canonical table and the path of every file."""

    out: Path
    rows: dict[str, int] = field(default_factory=dict)
    paths: dict[str, Path] = field(default_factory=dict)
    truth_path: Path | None = None


def _check(accounts: int, months: int, event_scale: float) -> None:
    if accounts < 1:
        raise InputError(f"simulate: accounts must be at least 1 (found {accounts}); "
                         "pass e.g. 2000.")
    if not 1 <= months <= 600:
        raise InputError(f"simulate: months must be between 1 and 600 (found {months}); "
                         "pass e.g. 36.")
    if not (math.isfinite(event_scale) and event_scale >= 0):
        raise InputError(f"simulate: event_scale must be a finite number >= 0 (found "
                         f"{event_scale}); 1.0 gives a few million events for 2,000 accounts.")


def simulate(
    out: Path,
    *,
    accounts: int = 2000,
    months: int = 36,
    start: date = date(2023, 1, 1),
    seed: int = 7,
    event_scale: float = 1.0,
    progress: ProgressCallback | None = None,
) -> SimulationSummary:
    """Simulate the demo company and write its canonical tables to ``out`` as Parquet.

    Parameters
    ----------
    out
        Folder to write ``<table>.parquet`` files to (created if absent; files are replaced).
    accounts
        Number of accounts that sign up over the span.
    months
        Months simulated, from the first day of ``start``'s month.
    start
        First simulated month (its day is ignored).
    seed
        Random seed: the same seed and arguments give byte-identical files.
    event_scale
        Multiplier of product-usage events per active user-day (at 1.0, 0.25 events per active
        user-day at average intensity: a few million events for the default company; 10,000
        accounts at 4.1 give about 100 million).
    progress
        Optional ``progress(stage, done, total)`` callback.

    Raises
    ------
    InputError
        When an argument is out of range; the message names it.
    """
    _check(accounts, months, event_scale)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    report = progress or (lambda stage, done, total: None)
    starts = month_starts(start, months)
    rng = np.random.default_rng([seed, 0])

    pop = draw_population(rng, accounts, starts, start.month)
    hist = run_lifecycle(pop, starts, rng,
                         progress=lambda done, total: report("accounts", done, total))

    rows: dict[str, int] = {}
    paths: dict[str, Path] = {}
    for name, table in canonical_tables(pop, hist, starts, seed).items():
        paths[name] = out / f"{name}.parquet"
        pq.write_table(table, paths[name])
        rows[name] = table.num_rows

    users, offset = user_ids(pop, hist.max_seats)
    inputs = UsageInputs(
        account_ids=pa.array(pop.account_ids.tolist(), pa.string()),
        user_ids=users, user_offset=offset, signup_day=pop.signup_day,
        signup_second=pop.signup_second,
        adopt_day=pop.signup_day[:, None] + pop.adopt_offset,
        ell=hist.ell, users=hist.users, lo=hist.lo, hi=hist.hi,
    )
    paths["events"] = out / "events.parquet"
    rows["events"] = 0
    # Written under a temporary name so an interrupted run never leaves a truncated events file.
    partial = out / "events.parquet.partial"
    with pq.ParquetWriter(partial, arrow_schema("events")) as writer:
        for batch in event_batches(inputs, seed=seed, event_scale=event_scale,
                                   progress=lambda done, total: report("events", done, total)):
            if batch.num_rows:
                writer.write_table(batch.cast(writer.schema))
                rows["events"] += batch.num_rows
    partial.replace(paths["events"])

    truth = out / TRUTH_DIR / "account_traits.parquet"
    truth.parent.mkdir(exist_ok=True)
    pq.write_table(truth_table(pop, hist), truth)
    return SimulationSummary(out=out, rows=rows, paths=paths, truth_path=truth)
