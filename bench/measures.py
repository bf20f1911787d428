"""Benchmark: customer-success measures on a simulated business, weekly over its whole history.

Simulates ``--accounts`` accounts over ``--months`` months with ``--event-scale`` (10,000 x 36 at
4.3 gives about 100 million events), loads the Parquet files into DuckDB, then computes the
usage measures of the defaults (event counts over 28 and 90 days, active days, active users,
feature breadth, days since last activity) for every account at every weekly as-of date three
ways: with Tenure, with one hand-written DuckDB SQL query, and with straightforward pandas. It
also times every default measure with Tenure.

Goal (issue 3): default measures for 10,000 accounts, 100 million events, ~156 weekly dates in
under 60 s on 2 cores, within 1.5x of the hand-written SQL, peak memory under 8 GiB.

Each stage runs in its own process (wall time and peak RSS from ``os.wait4``); the compute time
inside the stage is reported too, without interpreter start-up and imports.

Usage: ``python bench/measures.py [--accounts 10000] [--months 36] [--event-scale 4.3]
[--pandas-max-events 20000000] [--reuse] [--write-docs]``
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _harness import bench_parser, machine, run_benchmark, write_section  # noqa: E402

#: The usage measures compared three ways (a subset of tenure/measures/defaults.yaml).
USAGE = ["events_28d", "logins_28d", "dashboard_views_28d", "reports_28d", "shares_28d",
         "exports_28d", "api_calls_28d", "invites_90d", "integrations_90d", "active_days_28d",
         "active_users_28d", "feature_breadth_28d", "days_since_last_activity"]

#: The same measures, hand-written as one DuckDB query. $dates: the as-of dates.
SQL = """
WITH as_of_grid AS (SELECT unnest($dates::DATE[]) AS as_of_date),
lines AS (
    SELECT account_id, start_date, coalesce(end_date, DATE '9999-12-31') AS end_date,
           coalesce(is_trial, false) AS is_trial, mrr
    FROM subscriptions
),
paid AS (
    SELECT DISTINCT l.account_id, a.as_of_date FROM lines l JOIN as_of_grid a
      ON l.start_date < a.as_of_date AND l.end_date >= a.as_of_date
    WHERE NOT l.is_trial AND l.mrr > 0
),
trial AS (
    SELECT l.account_id, a.as_of_date FROM lines l JOIN as_of_grid a
      ON l.start_date < a.as_of_date AND l.end_date >= a.as_of_date
    WHERE l.is_trial
    UNION
    SELECT t.account_id, a.as_of_date FROM trials t JOIN as_of_grid a
      ON t.started_at < a.as_of_date AND t.ends_at >= a.as_of_date
    WHERE coalesce(t.converted_at, DATE '9999-12-31') >= a.as_of_date
),
population AS (
    SELECT account_id, as_of_date FROM paid
    UNION ALL
    SELECT account_id, as_of_date FROM trial
    WHERE (account_id, as_of_date) NOT IN (SELECT (account_id, as_of_date) FROM paid)
),
-- Daily roll-ups, each at the grain its measures need, then joined to the as-of dates whose
-- window covers the day (about 4 dates per day for a 28-day window on a weekly grid).
counts AS (
    SELECT account_id, CAST(occurred_at AS DATE) AS day, event_name, count(*) AS n
    FROM events
    WHERE occurred_at < (SELECT max(as_of_date) FROM as_of_grid)
    GROUP BY ALL
),
users AS (
    SELECT DISTINCT account_id, CAST(occurred_at AS DATE) AS day, user_id
    FROM events
    WHERE occurred_at < (SELECT max(as_of_date) FROM as_of_grid)
),
w28 AS (
    SELECT a.as_of_date, c.account_id,
           sum(n) AS events_28d,
           sum(n) FILTER (WHERE event_name = 'login') AS logins_28d,
           sum(n) FILTER (WHERE event_name = 'dashboard_view') AS dashboard_views_28d,
           sum(n) FILTER (WHERE event_name = 'create_report') AS reports_28d,
           sum(n) FILTER (WHERE event_name = 'share_report') AS shares_28d,
           sum(n) FILTER (WHERE event_name = 'export') AS exports_28d,
           sum(n) FILTER (WHERE event_name = 'api_call') AS api_calls_28d,
           count(DISTINCT day) AS active_days_28d,
           count(DISTINCT event_name) AS feature_breadth_28d
    FROM counts c JOIN as_of_grid a ON c.day >= a.as_of_date - 28 AND c.day < a.as_of_date
    GROUP BY ALL
),
u28 AS (
    SELECT a.as_of_date, u.account_id, count(DISTINCT user_id) AS active_users_28d
    FROM users u JOIN as_of_grid a ON u.day >= a.as_of_date - 28 AND u.day < a.as_of_date
    GROUP BY ALL
),
w90 AS (
    SELECT a.as_of_date, c.account_id,
           sum(n) FILTER (WHERE event_name = 'invite_user') AS invites_90d,
           sum(n) FILTER (WHERE event_name = 'integration_setup') AS integrations_90d
    FROM counts c JOIN as_of_grid a ON c.day >= a.as_of_date - 90 AND c.day < a.as_of_date
    WHERE event_name IN ('invite_user', 'integration_setup')
    GROUP BY ALL
),
active_days AS (SELECT DISTINCT account_id, day FROM counts),
last_seen AS (
    SELECT p.account_id, p.as_of_date, p.as_of_date - s.day AS days_since_last_activity
    FROM population p ASOF JOIN active_days s
      ON p.account_id = s.account_id AND s.day < p.as_of_date
)
SELECT p.account_id, p.as_of_date,
       coalesce(events_28d, 0) AS events_28d, coalesce(logins_28d, 0) AS logins_28d,
       coalesce(dashboard_views_28d, 0) AS dashboard_views_28d,
       coalesce(reports_28d, 0) AS reports_28d, coalesce(shares_28d, 0) AS shares_28d,
       coalesce(exports_28d, 0) AS exports_28d, coalesce(api_calls_28d, 0) AS api_calls_28d,
       coalesce(invites_90d, 0) AS invites_90d, coalesce(integrations_90d, 0) AS integrations_90d,
       coalesce(active_days_28d, 0) AS active_days_28d,
       coalesce(active_users_28d, 0) AS active_users_28d,
       coalesce(feature_breadth_28d, 0) AS feature_breadth_28d,
       days_since_last_activity
FROM population p
LEFT JOIN w28 USING (account_id, as_of_date)
LEFT JOIN u28 USING (account_id, as_of_date)
LEFT JOIN w90 USING (account_id, as_of_date)
LEFT JOIN last_seen USING (account_id, as_of_date)
"""

_TABLES = ("accounts", "subscriptions", "trials", "events", "tickets", "survey_responses")


def _warehouse(workdir: Path):
    from tenure.warehouse import Warehouse

    return Warehouse(workdir / "warehouse.duckdb")


def _dates(wh) -> list[date]:
    from tenure.measures import resolve_as_of_dates

    return resolve_as_of_dates(wh)


def _usage_config():
    from tenure.measures import MeasuresConfig, default_measures_config

    defaults = default_measures_config()
    return MeasuresConfig(defaults="replace", measures=[defaults.measure(n) for n in USAGE])


def run_tenure(wh, dates: list[date], *, everything: bool = False):
    from tenure.measures import compute_measures, default_measures_config

    config = default_measures_config() if everything else _usage_config()
    return compute_measures(wh, config=config, as_of_dates=dates).to_pyarrow()


def run_sql(wh, dates: list[date]):
    return wh.con.con.execute(SQL, {"dates": dates}).to_arrow_table()


def run_pandas(wh, dates: list[date]):
    """The obvious pandas version: daily aggregates, then one filter per as-of date."""
    import pandas as pd

    raw = wh.con.con
    population = raw.execute(
        SQL.split("-- Daily roll-ups")[0].rstrip().rstrip(",") + " SELECT * FROM population",
        {"dates": dates},
    ).df()
    events = raw.execute("SELECT account_id, user_id, event_name, occurred_at FROM events").df()
    events["day"] = events["occurred_at"].dt.normalize()
    daily = events.groupby(["account_id", "user_id", "event_name", "day"]).size()
    daily = daily.rename("n").reset_index()
    del events
    names = {"login": "logins_28d", "dashboard_view": "dashboard_views_28d",
             "create_report": "reports_28d", "share_report": "shares_28d", "export": "exports_28d",
             "api_call": "api_calls_28d"}
    frames = []
    for d in dates:
        cut = pd.Timestamp(d)
        w = daily[(daily["day"] >= cut - pd.Timedelta(days=28)) & (daily["day"] < cut)]
        g = w.groupby("account_id")
        parts = {
            "events_28d": g["n"].sum(),
            "active_days_28d": g["day"].nunique(),
            "active_users_28d": g["user_id"].nunique(),
            "feature_breadth_28d": g["event_name"].nunique(),
        }
        per_name = w.groupby(["account_id", "event_name"])["n"].sum().unstack()
        for event, column in names.items():
            if event in per_name:
                parts[column] = per_name[event]
        w90 = daily[(daily["day"] >= cut - pd.Timedelta(days=90)) & (daily["day"] < cut)]
        per90 = w90.groupby(["account_id", "event_name"])["n"].sum().unstack()
        for event, column in [("invite_user", "invites_90d"),
                              ("integration_setup", "integrations_90d")]:
            if event in per90:
                parts[column] = per90[event]
        last = daily[daily["day"] < cut].groupby("account_id")["day"].max()
        parts["days_since_last_activity"] = (cut - last).dt.days
        out = pd.concat(parts, axis=1)  # outer join on account_id
        out.index.name = "account_id"
        frames.append(out.reset_index().assign(as_of_date=d))
    usage = pd.concat(frames, ignore_index=True)
    population["as_of_date"] = pd.to_datetime(population["as_of_date"]).dt.date
    result = population.merge(usage, on=["account_id", "as_of_date"], how="left")
    counts = [c for c in USAGE if c != "days_since_last_activity"]
    for column in counts:
        result[column] = result[column].fillna(0) if column in result else 0
    return result


def agreement(tenure_tidy, other) -> dict[str, bool]:
    """Per measure: do Tenure's values equal the other implementation's (nulls included)?"""
    import pandas as pd

    tidy = tenure_tidy.to_pandas() if hasattr(tenure_tidy, "to_pandas") else tenure_tidy
    wide = tidy.pivot(index=["account_id", "as_of_date"], columns="measure", values="value")
    other = other.to_pandas() if hasattr(other, "to_pandas") else other
    other = other.assign(as_of_date=pd.to_datetime(other["as_of_date"]).dt.date)
    other = other.set_index(["account_id", "as_of_date"]).sort_index()
    wide.index = wide.index.set_levels(
        pd.to_datetime(wide.index.levels[1]).date, level="as_of_date"
    )
    wide = wide.sort_index()
    if not wide.index.equals(other.index):
        return dict.fromkeys(USAGE, False)
    return {
        m: bool(((wide[m] == other[m].astype(float)) | (wide[m].isna() & other[m].isna())).all())
        for m in USAGE
    }


def load(workdir: Path) -> None:
    """Load the simulated Parquet files straight into DuckDB (the bench is not about loading)."""
    with _warehouse(workdir) as wh:
        raw = wh.con.con
        for name in _TABLES:
            path = workdir / "data" / f"{name}.parquet"
            if path.exists():
                raw.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM read_parquet(?)',
                            [str(path)])


def stage(name: str, workdir: Path, args: argparse.Namespace) -> dict:
    if name == "simulate":
        from tenure.simulate import simulate

        summary = simulate(workdir / "data", accounts=args.accounts, months=args.months,
                           event_scale=args.event_scale, seed=7)
        return {"rows": {k: int(v) for k, v in summary.rows.items()}}
    if name == "load":
        load(workdir)
        return {}
    with _warehouse(workdir) as wh:
        dates = _dates(wh)
        events = wh.con.con.execute("SELECT count(*) FROM events").fetchone()[0]
        start = time.perf_counter()
        if name == "tenure_all":
            out = run_tenure(wh, dates, everything=True)
        elif name == "tenure":
            out = run_tenure(wh, dates)
        elif name == "sql":
            out = run_sql(wh, dates)
        elif name == "pandas":
            if events > args.pandas_max_events:
                return {"skipped": True, "events": events}
            out = run_pandas(wh, dates)
        elif name == "compare":
            tenure_out = run_tenure(wh, dates)
            found = {"sql": agreement(tenure_out, run_sql(wh, dates))}
            if events <= args.pandas_max_events:
                found["pandas"] = agreement(tenure_out, run_pandas(wh, dates))
            return {"agreement": found}
        else:
            raise SystemExit(f"unknown stage {name!r}")
        seconds = time.perf_counter() - start
        return {"compute_s": seconds, "rows": len(out), "dates": len(dates), "events": events,
                "first": str(dates[0]), "last": str(dates[-1])}


def main() -> None:
    parser = bench_parser(__doc__, workdir=HERE / "out" / "measures", event_scale=4.3)
    parser.add_argument("--pandas-max-events", type=int, default=20_000_000,
                        help="skip the pandas implementation above this many events")
    args = parser.parse_args()
    stages = ["simulate", "load", "tenure", "sql", "pandas", "tenure_all", "compare"]
    results = run_benchmark(Path(__file__), args, stages, stage)
    if results is None:
        return
    report = _report(args, results)
    print(report)
    if args.write_docs:
        write_section("measures", report)


def _report(args: argparse.Namespace, results: dict) -> str:
    tenure = results["tenure"].output
    sql = results["sql"].output
    ratio = tenure["compute_s"] / sql["compute_s"]
    all_s = results["tenure_all"].output["compute_s"]
    peak_gib = max(r.peak_mib for r in results.values()) / 1024
    lines = [
        (f"## Customer-success measures: {args.accounts:,} accounts x {args.months} months, "
         f"{tenure['events']:,} events, {tenure['dates']} weekly as-of dates"),
        "",
        (f"Machine: {machine()}. Command: `python bench/measures.py --accounts {args.accounts} "
         f"--months {args.months} --event-scale {args.event_scale} --write-docs`. "
         f"As-of dates {tenure['first']} to {tenure['last']}."),
        "",
        "| stage | compute (s) | process wall time (s) | peak memory (MiB) |",
        "|---|---:|---:|---:|",
    ]
    labels = {
        "simulate": "simulate the business (Parquet)",
        "load": "load the Parquet files into DuckDB",
        "tenure": f"Tenure: {len(USAGE)} usage measures (tidy table)",
        "sql": "hand-written DuckDB SQL: the same usage measures (one query, wide)",
        "pandas": "straightforward pandas: the same usage measures",
        "tenure_all": "Tenure: every default measure (tidy table)",
    }
    for name, label in labels.items():
        r = results.get(name)
        if r is None:
            continue
        if r.output.get("skipped"):
            lines.append(f"| {label} | skipped (over --pandas-max-events) | | |")
            continue
        compute = r.output.get("compute_s")
        shown = f"{compute:.2f}" if compute is not None else ""
        lines.append(f"| {label} | {shown} | {r.seconds:.2f} | {r.peak_mib:,.0f} |")
    agree = results["compare"].output["agreement"]
    verdicts = []
    for other, columns in agree.items():
        differing = [k for k, ok in columns.items() if not ok]
        verdicts.append(f"{other}: " + ("all measures equal" if not differing
                                        else "differ on " + ", ".join(differing)))
    lines += [
        "",
        (f"Tenure / hand-written SQL on the usage measures: **{ratio:.2f}x** (goal <= 1.5x). "
         f"Every default measure: **{all_s:.1f} s** (goal < 60 s: "
         f"**{'met' if all_s < 60 else 'NOT met'}**); peak memory of any stage "
         f"{peak_gib:.2f} GiB (goal < 8 GiB)."),
        "Agreement with Tenure, value by value: " + "; ".join(verdicts) + ".",
        "",
        "Compute times exclude interpreter start-up and imports; each stage is a fresh process.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
