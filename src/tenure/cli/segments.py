"""``tenure segments``: service tiers, lifecycle stages and groups of every customer at a date."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Collection
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.table import Table

from tenure.cli.app import app
from tenure.cli.common import (
    FormatOption,
    ProjectOption,
    TableOrJson,
    console,
    open_project,
    parse_day,
)

__all__ = ["segments", "segments_summary"]


def segments_summary(
    segments: pd.DataFrame, group_names: list[str], not_assessed: Collection[str] = (),
    partly: Collection[str] = (),
) -> dict:
    """Counts and MRR by tier and stage, and group sizes, as plain data (money as strings).

    A group in ``not_assessed`` has ``accounts`` and ``mrr`` null (not 0: its members are
    unknown); each group says how far it was ``assessed`` (``assessed``, ``partly``,
    ``not_assessed``)."""
    from tenure.segments import LifecycleStage, ServiceTier

    cells = {}
    for tier in ServiceTier:
        row = {}
        for stage in LifecycleStage:
            part = segments[(segments["tier"] == tier) & (segments["stage"] == stage)]
            row[str(stage)] = {"accounts": len(part),
                               "mrr": str(sum(part["mrr"], Decimal("0.00")))}
        cells[str(tier)] = row
    sizes = Counter(g for groups in segments["groups"] for g in groups)
    group_mrr = {name: sum((m for m, gs in zip(segments["mrr"], segments["groups"], strict=True)
                            if name in gs), Decimal("0.00")) for name in group_names}
    return {
        "as_of_date": str(segments["as_of_date"].iloc[0]) if len(segments) else None,
        "accounts": len(segments),
        "mrr": str(sum(segments["mrr"], Decimal("0.00"))),
        "tiers": cells,
        "groups": {name: ({"accounts": None, "mrr": None, "assessed": "not_assessed"}
                          if name in not_assessed else
                          {"accounts": sizes.get(name, 0), "mrr": str(group_mrr[name]),
                           "assessed": "partly" if name in partly else "assessed"})
                   for name in group_names},
    }


def _how_to_add(source: str) -> str:
    """Why a source is missing and how to add it, for the groups that need it."""
    rerun = "run `tenure load`, `tenure measures`, `tenure segments`"
    if source == "events.user_id":
        return ("no event has a user_id; add a user id column to the events export (or map one "
                f"to user_id in the mapping file) and {rerun}")
    if source == "tickets.closed_at":
        return ("no ticket has a closed_at (a close time); add a close-time column to the "
                f"tickets export (or map one to closed_at in the mapping file) and {rerun}")
    return f"the export has no {source}; add {source}.csv (or .parquet) and {rerun}"


def _print_unassessed(assessments: dict, sources: dict[str, list[str]]) -> None:
    """One line per missing source (or set of them): the groups it leaves unassessed or partly
    assessed, and how to add it. ``sources`` maps each unknown measure to its missing sources."""
    from tenure.segments import Assessment

    lines: dict[tuple[Assessment, tuple[str, ...]], list[str]] = {}
    for name, (status, blind) in assessments.items():
        if status is Assessment.assessed:
            continue
        missing = tuple(sorted({s for m in blind for s in sources.get(m, [])}))
        lines.setdefault((status, missing), []).append(name)
    for (status, missing), names in lines.items():
        what = ("not assessed (no account is put in them)" if len(names) > 1 else
                "not assessed (no account is put in it)") \
            if status is Assessment.not_assessed else \
            "only partly assessed (members match a condition on a known measure)"
        why = "; ".join(_how_to_add(s) for s in missing)
        console.print(f"[yellow]note:[/] {', '.join(names)} {what}: {why}.", highlight=False,
                      soft_wrap=True)


def _whole(amount: str) -> str:
    return f"{Decimal(amount):,.0f}"


def _print_summary(summary: dict) -> None:
    from tenure.segments import LifecycleStage, ServiceTier

    stages = [str(s) for s in LifecycleStage]
    for what, title in (("accounts", "Accounts"), ("mrr", "MRR")):
        table = Table(title=f"{title} by service tier and lifecycle stage, as of "
                      f"{summary['as_of_date']}", header_style="bold", title_justify="left")
        table.add_column("tier", justify="left")
        for stage in stages:
            table.add_column(stage, justify="right")
        table.add_column("total", justify="right")
        totals = dict.fromkeys(stages, Decimal(0))
        for tier in ServiceTier:
            row = summary["tiers"][str(tier)]
            values = [Decimal(row[s][what]) for s in stages]
            for s, v in zip(stages, values, strict=True):
                totals[s] += v
            shown = [_whole(str(v)) for v in [*values, sum(values, Decimal(0))]]
            table.add_row(str(tier), *shown)
        grand = sum(totals.values(), Decimal(0))
        table.add_row("total", *(_whole(str(v)) for v in [*totals.values(), grand]),
                      style="bold")
        console.print(table)
    groups = Table(title="Customer groups", header_style="bold", title_justify="left")
    for label, justify in (("group", "left"), ("accounts", "right"), ("share", "right"),
                           ("MRR", "right")):
        groups.add_column(label, justify=justify)
    for name, size in summary["groups"].items():
        if size["accounts"] is None:
            groups.add_row(name, "not assessed", "", "")
            continue
        share = size["accounts"] / summary["accounts"] if summary["accounts"] else 0.0
        groups.add_row(name, f"{size['accounts']:,}", f"{share:.0%}", _whole(size["mrr"]))
    console.print(groups)


@app.command("segments")
def segments(
    project: ProjectOption = Path("."),
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="As-of date, YYYY-MM-DD (default: the latest as-of date "
                     "of measures_wide)."),
    ] = None,
    groups_file: Annotated[
        Path | None,
        typer.Option("--groups", help="Groups YAML file (default: PROJECT/groups.yaml if "
                     "present, merged with the built-in groups).", dir_okay=False),
    ] = None,
    fmt: FormatOption = TableOrJson.table,
) -> None:
    """Service tier, lifecycle stage, provider activity and groups of every customer at one
    as-of date, stored in table segments (other dates are kept)."""
    from tenure.measures import project_measures_config
    from tenure.measures.sources import missing_sources
    from tenure.segments import (
        Assessment,
        account_segments,
        group_assessments,
        load_groups_config,
        project_groups_config,
        write_segments,
    )
    from tenure.segments.inputs import latest_measures_date, stored_health, stored_scores

    day = parse_day(as_of, "--as-of")
    settings, warehouse = open_project(project)
    measures_config = project_measures_config(project)
    groups = (load_groups_config(groups_file, measures_config) if groups_file
              else project_groups_config(project, measures_config))
    with warehouse:
        day = day or latest_measures_date(warehouse)
        scores, health = stored_scores(warehouse, day), stored_health(warehouse, day)
        sources: dict[str, list[str]] = {}
        for source, names in missing_sources(warehouse, measures_config).items():
            for name in names:
                sources.setdefault(name, []).append(source)
        result = account_segments(
            warehouse, day, settings, scores=scores, health=health, groups=groups,
            measures_config=measures_config, unknown=set(sources),
        )
        write_segments(warehouse, result)
    assessments = group_assessments(groups, set(sources))
    summary = segments_summary(
        result, groups.names,
        not_assessed=[n for n, (a, _) in assessments.items() if a is Assessment.not_assessed],
        partly=[n for n, (a, _) in assessments.items() if a is Assessment.partly],
    )
    summary["inputs"] = {"scores": scores is not None, "health": health is not None}
    if fmt is TableOrJson.json:
        typer.echo(json.dumps(summary, indent=2))
        return
    _print_summary(summary)
    _print_unassessed(assessments, sources)
    first_value = settings.segments.first_value_measure
    if not settings.segments.first_value_events and first_value in sources:
        # Stage `new` needs "before first value"; with the measure unknown, only the days since
        # the first paid day are known, so the stage says less than its definition.
        console.print(
            f"[yellow]note:[/] stage new not fully assessed: first value is unknown "
            f"({first_value} left empty: {_how_to_add(sources[first_value][0])}); every account "
            f"in its first {settings.segments.onboarding_days} paid days counts as new.",
            highlight=False, soft_wrap=True,
        )
    used = [name for name, present in (("scores", scores), ("health_history", health))
            if present is not None]
    console.print(
        f"wrote {len(result):,} rows as of {day} to [bold]segments[/]; at risk from "
        + (" and ".join(used) if used else "nothing (no scores or health_history table yet, "
           "so no account is at risk)")
    )
