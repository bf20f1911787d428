"""``tenure accounts`` (the worklist) and ``tenure account ID`` (one account before a call)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from tenure.cli.app import app
from tenure.cli.common import ProjectOption, console, open_project, parse_day
from tenure.cli.metrics import OutputFormat, to_json

__all__ = ["account", "accounts"]

AsOfOption = Annotated[
    str | None,
    typer.Option("--as-of", help="Score snapshot to read, YYYY-MM-DD (default: the latest)."),
]


def _cell(value: Any, kind: str = "") -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "-"
    if isinstance(value, Decimal):
        return f"{value:,.0f}"
    if kind == "share" and isinstance(value, float):
        return f"{value:.0%}"
    if isinstance(value, float):
        return f"{value:,.0f}"
    return str(value)


@app.command("accounts")
def accounts(
    project: ProjectOption = Path("."),
    as_of: AsOfOption = None,
    rep: Annotated[str | None, typer.Option("--rep", help="Only this rep's accounts "
                                            "(accounts.owner).")] = None,
    tier: Annotated[str | None, typer.Option("--tier", help="Only this service tier (top, "
                                             "leveraged, scalable).")] = None,
    stage: Annotated[str | None, typer.Option("--stage", help="Only this lifecycle stage.")] = None,
    min_risk: Annotated[float, typer.Option("--min-risk", help="Only accounts whose churn risk "
                                            "is at least this (0-1).", min=0, max=1)] = 0.0,
    limit: Annotated[int, typer.Option("--limit", help="Rows to show (0 = all).", min=0)] = 25,
    include_pending: Annotated[bool, typer.Option(
        "--include-pending", help="Also list accounts that already asked to cancel (their churn "
        "is known: a win-back, not a save).")] = False,
    fmt: Annotated[OutputFormat, typer.Option("--format", help="table, csv or json.")] = (
        OutputFormat.table
    ),
) -> None:
    """The worklist: at-risk accounts sorted by MRR at risk (churn risk x MRR), with the
    reasons, filterable by rep, tier and stage."""
    from tenure.worklist import worklist

    _, warehouse = open_project(project, read_only=True)
    with warehouse:
        rows = worklist(warehouse, as_of=parse_day(as_of, "--as-of"), rep=rep, tier=tier,
                        stage=stage, min_risk=min_risk, limit=limit or None,
                        include_pending=include_pending)
    if fmt is OutputFormat.csv:
        typer.echo(rows.to_csv(index=False), nl=False)
        return
    if fmt is OutputFormat.json:
        typer.echo(to_json(rows))
        return
    day = str(rows["as_of_date"].iloc[0])[:10] if len(rows) else as_of
    table = Table(title=f"Worklist at {day}: accounts by MRR at risk (churn risk x MRR)",
                  title_justify="left", header_style="bold")
    columns = [("account_id", "account", ""), ("owner", "rep", ""), ("tier", "tier", ""),
               ("stage", "stage", ""), ("mrr", "MRR", ""), ("churn_risk", "risk", "share"),
               ("mrr_at_risk", "at risk", ""), ("health_colour", "health", "")]
    table.add_column("#", justify="right")
    for column, label, kind in columns:
        cells = [_cell(v, kind) for v in rows[column]]
        table.add_column(label, justify="right" if label in {"MRR", "risk", "at risk"}
                         else "left", min_width=max([len(c) for c in cells] or [1]),
                         overflow="fold")
    for i, (_, row) in enumerate(rows.iterrows(), start=1):
        table.add_row(str(i), *(_cell(row[c], kind) for c, _, kind in columns))
    console.print(table)
    # Reasons are sentences: one line per account under the table, never cut to a column.
    for i, (_, row) in enumerate(rows.iterrows(), start=1):
        name = f" ({row['name']})" if row["name"] else ""
        console.print(f"{i:>2}. [bold]{row['account_id']}[/]{name}: {row['churn_reasons'] or '-'}",
                      highlight=False)
    total = sum((v for v in rows["mrr_at_risk"] if v is not None), Decimal(0))
    console.print(f"{len(rows):,} account(s) shown; MRR at risk among them {total:,.2f}")
    if len(rows) and rows["churn_risk"].isna().all():
        console.print("[yellow]note:[/] no account has a churn risk, since the scores hold no "
                      "churn model (`tenure train` says why it skipped it); the accounts are "
                      "listed by id.", highlight=False, soft_wrap=True)


@app.command("account")
def account(
    account_id: Annotated[str, typer.Argument(help="The account's id (accounts.account_id).")],
    project: ProjectOption = Path("."),
    as_of: AsOfOption = None,
) -> None:
    """One account: scores and reasons, risk and health trend, MRR, recent activity."""
    from tenure.worklist import account_view

    _, warehouse = open_project(project, read_only=True)
    with warehouse:
        view = account_view(warehouse, account_id, as_of=parse_day(as_of, "--as-of"))
    s = view.summary
    console.rule(f"{account_id} {s.get('name', '')}".strip())
    facts = [("rep", s.get("owner")), ("industry", s.get("industry")),
             ("tier", s.get("tier")), ("stage", s.get("stage")), ("MRR", s.get("mrr"))]
    console.print("  ".join(f"[bold]{k}[/] {_cell(v)}" for k, v in facts))
    scores = [("churn risk", s.get("churn_risk")), ("expansion", s.get("expansion")),
              ("advocacy", s.get("advocacy")), ("conversion", s.get("conversion"))]
    console.print("  ".join(f"[bold]{k}[/] {_cell(v, 'share')}" for k, v in scores
                            if v is not None and v == v))
    if not view.scored:
        console.print(f"[yellow]no scores yet[/]: churn risk, its reasons and the trend need "
                      f"trained models; run `tenure train --project {project}` and then "
                      "`tenure score` (train says what the data lacks when it cannot).",
                      highlight=False, soft_wrap=True)
    if s.get("mrr_at_risk") is not None:
        console.print(f"[bold]MRR at risk[/] {s['mrr_at_risk']:,.2f} at {view.as_of_date}")
    if s.get("churn_reasons"):
        console.print(f"[bold]why at risk:[/] {s['churn_reasons']}")
    if s.get("expansion_reasons") and (s.get("expansion") or 0) >= 0.2:
        console.print(f"[bold]why it may expand:[/] {s['expansion_reasons']}")

    trend = Table(title="Trend", title_justify="left", header_style="bold")
    for label in ("as of", "MRR", "churn risk", "expansion", "health"):
        trend.add_column(label, justify="left" if label == "as of" else "right")
    health = {}
    if view.health is not None and not view.health.empty:
        health = {str(r.as_of_date)[:10]: f"{r.score:.0f} {r.colour}"
                  for r in view.health.itertuples()}
    for r in view.scores.itertuples():
        day = str(r.as_of_date)[:10]
        trend.add_row(day, _cell(r.mrr), _cell(r.churn_risk, "share"),
                      _cell(r.expansion, "share"), health.get(day, "-"))
    console.print(trend)

    activity = Table(title="Product use, last 28 days", title_justify="left",
                     header_style="bold")
    for label in ("event", "events", "users", "last seen"):
        activity.add_column(label, justify="left" if label in {"event", "last seen"}
                            else "right")
    for r in view.activity.itertuples():
        activity.add_row(str(r.event_name), f"{int(r.events):,}", f"{int(r.users):,}",
                         str(r.last_seen)[:16])
    if view.activity.empty:
        console.print("[yellow]no product use in the last 28 days[/]")
    else:
        console.print(activity)
    if not view.tickets.empty:
        urgent = int((view.tickets.get("priority") == "urgent").sum())
        still_open = int(view.tickets["closed_at"].isna().sum())
        console.print(f"[bold]tickets, last 90 days:[/] {len(view.tickets)} ({urgent} urgent, "
                      f"{still_open} open)")
    if view.nps:
        console.print(f"[bold]latest NPS:[/] {view.nps.get('score')} on "
                      f"{str(view.nps.get('answered_at'))[:10]}"
                      + (f" - \"{view.nps['comment']}\"" if view.nps.get("comment") else ""))
