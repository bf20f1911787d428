"""Scoring benchmark: every trained model over 100,000 accounts, from stored measures to the
dated scores snapshot, with the reasons in words.

The models are trained on the demo business (``--train-accounts``, default 2,000 accounts over
36 months, as `make demo` builds it). The scoring warehouse then holds ``--accounts`` accounts
(default 100,000) at one as-of date: rows of the demo's latest measures drawn with replacement
and given new account ids (with the attributes of the account each was drawn from), so the
models see realistic inputs at the asked-for scale without simulating 100,000 businesses' events.

Stages (each its own process, so its peak memory is its own):

* ``build``: simulate, load, measure and train (``tenure`` commands) in the work folder;
* ``enlarge``: write the scoring warehouse;
* ``score``: load the models and score every account with reasons (``score_accounts``), then
  write the snapshot (``Warehouse.replace_snapshots``);
* ``score-no-reasons``: the same without explanations, to show what the reasons cost.

Usage: ``python bench/scores.py [--accounts 100000] [--write-docs]``.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import bench_parser, machine, run_benchmark, write_section

SCRIPT = Path(__file__).resolve()
STAGES = ["build", "enlarge", "score", "score-no-reasons"]
GOAL_SECONDS = 10.0


def _tenure(*args: str) -> None:
    exe = Path(sys.executable).with_name("tenure")
    subprocess.run([str(exe), *args], check=True, stdout=subprocess.DEVNULL)


def _project(workdir: Path) -> Path:
    return workdir / "demo"


def _build(workdir: Path, args) -> dict:
    project = _project(workdir)
    start = time.perf_counter()
    _tenure("init", "--project", str(project), "--force")
    _tenure("simulate", "--out", str(project / "data"), "--accounts", str(args.train_accounts),
            "--months", str(args.months), "--seed", "7")
    _tenure("load", str(project / "data"), "--project", str(project))
    _tenure("measures", "--project", str(project))
    _tenure("train", "--project", str(project))
    return {"seconds": time.perf_counter() - start}


def _enlarge(workdir: Path, args) -> dict:
    import numpy as np
    import pyarrow as pa

    from tenure import Warehouse
    from tenure.models.scoring import latest_as_of

    with Warehouse(_project(workdir) / "warehouse.duckdb") as demo:
        wide = demo.table("measures_wide").to_pandas()
        accounts = demo.table("accounts").to_pandas()
        lines = demo.table("subscriptions").to_pandas()
    day = latest_as_of(wide)
    latest = wide[wide["as_of_date"].astype("datetime64[ns]") == np.datetime64(day)]
    rng = np.random.default_rng(0)
    drawn = latest.iloc[rng.integers(0, len(latest), args.accounts)].reset_index(drop=True)
    ids = [f"B{i:06d}" for i in range(args.accounts)]
    source = accounts.set_index("account_id").loc[drawn["account_id"]].reset_index(drop=True)
    # Each new account gets the subscription lines of the account it was drawn from.
    copies = (drawn[["account_id"]].assign(new_id=ids)
              .merge(lines, on="account_id").drop(columns="account_id")
              .rename(columns={"new_id": "account_id"}))
    copies["subscription_id"] = [f"S{i:07d}" for i in range(len(copies))]
    source["account_id"] = ids
    drawn["account_id"] = ids
    path = workdir / "scoring.duckdb"
    path.unlink(missing_ok=True)
    with Warehouse(path) as big:
        big.replace_tables({
            "accounts": pa.Table.from_pandas(source, preserve_index=False),
            "measures_wide": pa.Table.from_pandas(drawn, preserve_index=False),
            "subscriptions": pa.Table.from_pandas(copies[lines.columns], preserve_index=False),
        })
    return {"accounts": args.accounts, "paid": int((~drawn["is_trial"]).sum()),
            "as_of": str(day)}


def _score(workdir: Path, args, *, reasons: bool) -> dict:
    from tenure import Warehouse
    from tenure.models.scoring import score_accounts, scores_table
    from tenure.models.store import load_model, stored_kinds

    project = _project(workdir)
    start = time.perf_counter()
    stored = {kind: load_model(project, kind) for kind in stored_kinds(project)}
    loaded = time.perf_counter()
    with Warehouse(workdir / "scoring.duckdb") as big:
        wide = big.table("measures_wide").to_pandas()
        read = time.perf_counter()
        scores = score_accounts(big, {k: s.model for k, s in stored.items()}, measures=wide,
                                top_reasons=3 if reasons else 0)
        scored = time.perf_counter()
        big.replace_snapshots("scores", scores_table(scores), by=["as_of_date"])
    done = time.perf_counter()
    return {
        "models": sorted(stored), "rows": len(scores),
        "load_models": loaded - start, "read_measures": read - loaded,
        "score": scored - read, "write": done - scored, "total": done - start,
        "with_reasons": int((scores["churn_reasons"] != "").sum()),
    }


def stage(name: str, workdir: Path, args) -> dict:
    if name == "build":
        return _build(workdir, args)
    if name == "enlarge":
        return _enlarge(workdir, args)
    if name == "score":
        return _score(workdir, args, reasons=True)
    if name == "score-no-reasons":
        return _score(workdir, args, reasons=False)
    raise SystemExit(f"unknown stage {name}")


def main() -> None:
    parser = bench_parser(__doc__, workdir=Path("bench/out/scores"), event_scale=1.0)
    parser.add_argument("--train-accounts", type=int, default=2000)
    parser.set_defaults(accounts=100_000)
    args = parser.parse_args()
    stages = STAGES if not args.reuse else STAGES[1:]
    results = run_benchmark(SCRIPT, args, stages, stage)
    if results is None:
        return
    with_reasons, bare = results["score"].output, results["score-no-reasons"].output
    rows = [
        ("train on the demo business (simulate, load, measure, train)", results.get("build")),
        ("write the scoring warehouse", results["enlarge"]),
        ("score with reasons: load models, score, write snapshot", results["score"]),
        ("score without reasons", results["score-no-reasons"]),
    ]
    lines = [
        f"## Scoring: {args.accounts:,} accounts, every trained model",
        "",
        (f"Machine: {machine()}. Command: `python bench/scores.py --accounts {args.accounts}"
         f"{' --write-docs' if args.write_docs else ''}`. Models: "
         f"{', '.join(with_reasons['models'])}, trained on the demo business "
         f"({args.train_accounts:,} accounts x {args.months} months)."),
        "",
        "| stage | compute (s) | process wall time (s) | peak memory (MiB) |",
        "|---|---:|---:|---:|",
    ]
    for label, result in rows:
        if result is None:
            continue
        compute = result.output.get("total", result.output.get("seconds", ""))
        compute = f"{compute:.2f}" if isinstance(compute, float) else ""
        lines.append(f"| {label} | {compute} | {result.seconds:.2f} | {result.peak_mib:,.0f} |")
    met = "met" if with_reasons["total"] < GOAL_SECONDS else "**not met**"
    lines += [
        "",
        (f"Scoring {with_reasons['rows']:,} accounts with reasons: "
         f"**{with_reasons['total']:.2f} s** (goal < {GOAL_SECONDS:.0f} s: {met}): "
         f"reading the models {with_reasons['load_models']:.2f} s, "
         f"the measures {with_reasons['read_measures']:.2f} s, "
         f"scoring and explaining {with_reasons['score']:.2f} s, "
         f"writing the snapshot {with_reasons['write']:.2f} s; "
         f"{with_reasons['with_reasons']:,} paid accounts got their three reasons. "
         f"Without reasons: {bare['total']:.2f} s."),
        "",
        "Compute times exclude interpreter start-up and imports; each stage is a fresh process.",
    ]
    text = "\n".join(lines)
    print(text)
    if args.write_docs:
        write_section("scores", text)


if __name__ == "__main__":
    main()
