"""Benchmark plumbing: run a stage in a child process and read its wall time and peak memory.

Peak memory is the child's maximum resident set size from ``os.wait4``, so each stage is measured
alone, not mixed with the parent's or an earlier stage's memory.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


@dataclass
class StageResult:
    name: str
    seconds: float
    peak_mib: float
    output: dict


def run_stage(script: Path, name: str, *args: str) -> StageResult:
    """Run ``script --stage name args`` in a fresh interpreter; it ends with one JSON line."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, str(script), "--stage", name, *args],
        stdout=subprocess.PIPE,
        text=True,
    )
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"benchmark stage {name!r} failed with exit code {proc.returncode}")
    last = [line for line in out.splitlines() if line.startswith("{")][-1]
    # ru_maxrss is in KiB on Linux.
    return StageResult(name, seconds, usage.ru_maxrss / 1024, json.loads(last))


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def write_section(section: str, body: str) -> None:
    """Replace the part of docs/benchmarks.md between this section's markers (or append it)."""
    begin, end = f"<!-- bench:{section}:begin -->", f"<!-- bench:{section}:end -->"
    text = DOCS.read_text() if DOCS.exists() else "# Benchmarks\n"
    block = f"{begin}\n{body.rstrip()}\n{end}"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    else:
        text = f"{text}\n{block}\n"
    DOCS.write_text(text)


#: Stages that build the warehouse; ``--reuse`` skips them.
BUILD_STAGES = ("simulate", "load")


def bench_parser(doc: str, *, workdir: Path, event_scale: float) -> argparse.ArgumentParser:
    """The flags every benchmark takes; a script adds its own before parsing."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--event-scale", type=float, default=event_scale,
                        help="simulator's usage-event volume (0: no events)")
    parser.add_argument("--workdir", type=Path, default=workdir)
    parser.add_argument("--stage", help=argparse.SUPPRESS)
    parser.add_argument("--write-docs", action="store_true", help="update docs/benchmarks.md")
    parser.add_argument("--reuse", action="store_true",
                        help="reuse the warehouse of an earlier run (skip simulate and load)")
    return parser


def run_benchmark(
    script: Path,
    args: argparse.Namespace,
    stages: list[str],
    stage: Callable[[str, Path, argparse.Namespace], dict],
) -> dict[str, StageResult] | None:
    """Run one stage in this process when called as a child (``--stage``); otherwise run every
    stage in its own child process, passing on this run's flags, and return their results."""
    args.workdir.mkdir(parents=True, exist_ok=True)
    if args.stage:
        print(json.dumps(stage(args.stage, args.workdir, args), default=str))
        return None
    if args.reuse:
        stages = [s for s in stages if s not in BUILD_STAGES]
    results = {}
    for name in stages:
        print(f"running stage {name} ...", flush=True)
        results[name] = run_stage(script, name, *sys.argv[1:])
    return results
