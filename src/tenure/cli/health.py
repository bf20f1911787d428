"""``tenure health``: score accounts with a scorecard, backtest cards, show the distribution."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from tenure.cli.app import app
from tenure.cli.common import (
    FormatOption,
    ProjectOption,
    TableOrJson,
    console,
    open_project,
    parse_days,
    progress_bar,
    read_measures_wide,
)
from tenure.cli.data_end import DataEndOption, resolve_data_end
from tenure.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from tenure.health import Scorecard
    from tenure.warehouse import Warehouse

__all__ = ["backtest", "distribution", "health_app", "score"]

health_app = typer.Typer(
    name="health",
    help="Customer health: score accounts with a YAML scorecard, keep the history, backtest "
    "cards against churn and expansion, and show how accounts spread over health.",
    no_args_is_help=True,
)
app.add_typer(health_app, name="health")


#: Progress goes to standard error, so ``--format json`` output on standard out stays clean.
progress_console = Console(stderr=True)


def _progress() -> Progress:
    return progress_bar(progress_console)


def _wide(warehouse: Warehouse) -> pd.DataFrame:
    """The stored measures_wide table with ``as_of_date`` as timestamps."""
    import pandas as pd

    wide = read_measures_wide(warehouse)
    wide["as_of_date"] = pd.to_datetime(wide["as_of_date"])
    return wide


def _cards(project: Path, files: list[Path] | None) -> list[tuple[Scorecard, str]]:
    """The cards named on the command line, else the project's own (or the built-in) card,
    each checked against the project's measures."""
    from tenure.health import load_scorecard, project_scorecard
    from tenure.measures import project_measures_config
    from tenure.measures.config import TEXT_KINDS

    cards = ([(load_scorecard(f), str(f)) for f in files] if files
             else [project_scorecard(project)])
    measures = project_measures_config(project)
    numeric = [m.name for m in measures.measures if m.kind not in TEXT_KINDS]
    labels = [m.name for m in measures.measures if m.kind in TEXT_KINDS]
    names: dict[str, str] = {}
    for card, source in cards:
        card.check_measures(numeric, labels, source=source)
        if card.name in names:
            raise InputError(f"{source} and {names[card.name]} are both named {card.name!r}; "
                             "give each scorecard its own name to compare them.")
        names[card.name] = source
    return cards


def _scores(warehouse: Warehouse, cards: list[Scorecard]) -> pd.DataFrame | None:
    """The ``scores`` table when a card reads a model column and the table exists."""
    if not any(card.models for card in cards) or not warehouse.has_table("scores"):
        return None
    return warehouse.table("scores").to_pandas()


ScorecardFiles = Annotated[
    list[Path] | None,
    typer.Option("--scorecard", help="Scorecard YAML file (repeat to compare; default: "
                 "PROJECT/scorecard.yaml if present, else the built-in card).", dir_okay=False),
]


@health_app.command("score")
def score(
    project: ProjectOption = Path("."),
    scorecard: Annotated[
        Path | None,
        typer.Option("--scorecard", help="Scorecard YAML file (default: PROJECT/scorecard.yaml "
                     "if present, else the built-in card).", dir_okay=False),
    ] = None,
    first: Annotated[
        str | None, typer.Option("--from", help="First as-of date to score, YYYY-MM-DD.")
    ] = None,
    last: Annotated[
        str | None, typer.Option("--to", help="Last as-of date to score (included), YYYY-MM-DD.")
    ] = None,
) -> None:
    """Score every account at the as-of dates of measures_wide into table health_history
    (other dates are kept)."""
    from tenure.health import health_scores, write_health_history

    start, end = parse_days(first, last)
    _, warehouse = open_project(project)
    card, source = _cards(project, [scorecard] if scorecard else None)[0]
    with warehouse, _progress() as progress:
        wide = _wide(warehouse)
        if start:
            wide = wide[wide["as_of_date"].dt.date >= start]
        if end:
            wide = wide[wide["as_of_date"].dt.date <= end]
        dates = sorted(wide["as_of_date"].unique())
        if not dates:
            raise InputError("no as-of date of measures_wide lies in the --from/--to range; "
                             "widen it or run `tenure measures` over those dates.")
        health = health_scores(wide, card, _scores(warehouse, [card]))
        # Written a quarter of weekly dates at a time, so the bar moves and each write is small.
        chunk = 13
        task = progress.add_task(f"writing health_history ({card.name})", total=len(dates))
        written = 0
        for i in range(0, len(dates), chunk):
            part = health[health["as_of_date"].isin(dates[i:i + chunk])]
            written += write_health_history(warehouse, part, card)
            progress.advance(task, len(dates[i:i + chunk]))
    counts = health["colour"].value_counts()
    console.print(
        f"scored {written:,} account snapshots with [bold]{card.name}[/] ({source}) at "
        f"{len(dates)} as-of dates from {dates[0]:%Y-%m-%d} to {dates[-1]:%Y-%m-%d}: "
        + ", ".join(f"{counts.get(c, 0):,} {c}" for c in ("green", "yellow", "red")),
        highlight=False,
    )
    _print_unscored(health, wide, card)


def _print_unscored(health: pd.DataFrame, wide: pd.DataFrame, card: Scorecard) -> None:
    """One line when snapshots got no score: every component they read was missing (most often
    a measure whose source table the export lacks), naming the measures empty everywhere."""
    unscored = int(health["score"].isna().sum())
    if not unscored:
        return
    empty = [m for m in card.measures if m in wide.columns and wide[m].isna().all()]
    why = (f"; these measures are empty for every account: {', '.join(empty)} (the notes of "
           "`tenure measures` name the tables that fill them)" if empty else "")
    console.print(f"[yellow]note:[/] {unscored:,} of {len(health):,} snapshots have no health "
                  f"score (colour none), as every component of {card.name} was missing for them"
                  f"{why}.", highlight=False, soft_wrap=True)


def _json(frames: dict[str, pd.DataFrame], extra: dict) -> str:
    from tenure.cli.metrics import to_json

    return json.dumps({**extra, **{k: json.loads(to_json(v)) for k, v in frames.items()}},
                      indent=2)


def _print(df: pd.DataFrame, title: str, percent: tuple[str, ...] = (),
           precise: tuple[str, ...] = ()) -> None:
    """A Rich table of ``df``: ``percent`` columns as percentages, ``precise`` to 3 decimals."""
    from tenure.report.html import format_value

    table = Table(title=title, header_style="bold", title_justify="left")
    columns = {c: df[c].tolist() for c in df.columns}  # Python ints stay ints
    for column in df.columns:
        text = any(isinstance(v, str) for v in columns[column])
        table.add_column(str(column), justify="left" if text else "right")
    for i in range(len(df)):
        cells = []
        for column, values in columns.items():
            value = values[i]
            if isinstance(value, float) and value == value and column in percent:
                cells.append(f"{value:.1%}")
            elif isinstance(value, float) and value == value and column in precise:
                cells.append(f"{value:.3f}")
            else:
                cells.append(format_value(str(column), value))
        table.add_row(*cells)
    console.print(table)


@health_app.command("backtest")
def backtest(
    project: ProjectOption = Path("."),
    scorecard: ScorecardFiles = None,
    horizon: Annotated[
        list[int] | None,
        typer.Option("--horizon", help="Days after each as-of date to look for churn and "
                     "expansion (repeat; default 30 and 90)."),
    ] = None,
    data_end: DataEndOption = None,
    fmt: FormatOption = TableOrJson.table,
) -> None:
    """How well each scorecard would have predicted churn and expansion over the history."""
    import pandas as pd

    from tenure.health import backtest as run_backtest
    from tenure.health import health_scores
    from tenure.models.training_set import training_set

    horizons = sorted(set(horizon or [30, 90]))
    if horizons[0] < 1:
        raise InputError(f"--horizon must be a positive number of days (found {horizons[0]}).")
    config, warehouse = open_project(project, read_only=True)
    cards = _cards(project, scorecard)
    with warehouse, _progress() as progress:
        task = progress.add_task("reading measures", total=len(cards) + 3)
        wide = _wide(warehouse)
        end = resolve_data_end(warehouse, data_end, progress_console)
        progress.update(task, advance=1, description="outcomes (churn and expansion)")
        keys = ["account_id", "as_of_date"]
        # Outcomes depend on the keys and the lines only: no need to carry every measure.
        rows = wide[[*keys, "is_trial"]]
        churn = training_set(warehouse, horizons=horizons, measures=rows, kind="churn",
                             definitions=config.definitions, data_end=end)
        expansion = training_set(warehouse, horizons=horizons, measures=rows,
                                 kind="expansion", definitions=config.definitions, data_end=end)
        # churn_date and cancelled_at (when the training set has them) date each churn.
        dating = [c for c in ("churn_date", "cancelled_at") if c in churn.columns]
        outcomes = churn[[*keys, *(f"churned_{h}d" for h in horizons), *dating]].merge(
            expansion[[*keys, *(f"expanded_{h}d" for h in horizons)]], on=keys, how="outer")
        if outcomes.empty:
            raise InputError(f"no paying account has an as-of date at least {horizons[-1]} days "
                             "before the end of the data; load more history or use a shorter "
                             "--horizon.")
        progress.advance(task)
        scores = _scores(warehouse, [c for c, _ in cards])
        health = []
        for card, _ in cards:
            progress.update(task, advance=1, description=f"scoring with {card.name}")
            health.append(health_scores(wide, card, scores))
        result = run_backtest(pd.concat(health, ignore_index=True), outcomes, horizons)
        progress.advance(task)
    frames = {"auc": result.auc, "bands": result.bands, "before_churn": result.before_churn,
              "red_lead": result.red_lead}
    if fmt is TableOrJson.json:
        typer.echo(_json(frames, {"rows": result.rows, "scorecards": [c.name for c, _ in cards],
                                  "horizons": horizons}))
        return
    judged = result.auc.groupby("outcome")["rows"].max()
    console.print(f"{result.rows:,} paying account snapshots scored by every card; "
                  + ", ".join(f"{outcome} judged on {n:,}" for outcome, n in judged.items())
                  + " (churn leaves out pending cancellations).", highlight=False)
    auc = result.auc.pivot_table(index=["outcome", "horizon_days"], columns="scorecard",
                                 values="auc").reset_index()
    auc.columns.name = None
    _print(auc, "AUC (churn: lower score = riskier; expansion: higher score = likelier)",
           precise=tuple(c.name for c, _ in cards))
    for card, _ in cards:
        _print_card(result, card.name)


def _print_card(result, card: str) -> None:
    bands = result.bands[(result.bands["scorecard"] == card)]
    bands = bands.assign(interval=[
        f"{lo:.1%}-{hi:.1%}" if lo == lo else "–"
        for lo, hi in zip(bands["rate_low"], bands["rate_high"], strict=True)
    ])[["outcome", "horizon_days", "colour", "rows", "events", "rate", "interval"]]
    _print(bands, f"{card}: outcome rate per colour (95% Wilson interval)", percent=("rate",))
    before = result.before_churn[result.before_churn["scorecard"] == card].drop(
        columns=["scorecard", "green_share_low", "green_share_high"])
    _print(before, f"{card}: churners' colour N days before their churn date",
           percent=("green_share",))
    lead = result.red_lead[result.red_lead["scorecard"] == card].drop(columns="scorecard")
    _print(lead, f"{card}: red before churn (lead = days from the last red run's start to "
           "churn)", percent=("red_share",), precise=("median_lead_days", "mean_lead_days"))


@health_app.command("distribution")
def distribution(
    project: ProjectOption = Path("."),
    scorecard: Annotated[
        str | None,
        typer.Option("--scorecard", help="Name of the scorecard in health_history (default: "
                     "the project's card)."),
    ] = None,
    months: Annotated[int, typer.Option(help="Months to show, latest last.")] = 6,
    top: Annotated[int, typer.Option(help="Accounts named in each tail (largest MRR first).")
                   ] = 10,
    tail_share: Annotated[
        float, typer.Option(help="Share of accounts in each tail by score (0.1: 10%).")
    ] = 0.1,
    fmt: FormatOption = TableOrJson.table,
) -> None:
    """Accounts by health month by month: colours, MRR, the at-risk and advocate tails, and how
    many moved between colours."""
    from tenure.health import health_distribution, project_scorecard, read_health_history

    if months < 1 or top < 0:
        raise InputError("--months must be at least 1 and --top at least 0.")
    _, warehouse = open_project(project, read_only=True)
    name = scorecard or project_scorecard(project)[0].name
    with warehouse, progress_console.status("reading health_history"):
        health = read_health_history(warehouse, name)
        if health.empty:
            stored = sorted(warehouse.table("health_history").scorecard.to_pandas().unique())
            raise InputError(f"health_history holds no scores of card {name!r} (it holds "
                             f"{', '.join(stored) or 'none'}); run `tenure health score` with "
                             "it or pick a stored one with --scorecard.")
        wide = _wide(warehouse)
        columns = [c for c in ("account_id", "as_of_date", "mrr", "nps_category")
                   if c in wide.columns]
        result = health_distribution(health, wide[columns], tail_share=tail_share)
    shown = sorted(result.bands["month"].unique())[-months:]
    pick = {k: getattr(result, k) for k in ("bands", "bins", "shift", "moves")}
    frames = {k: v[v["month"].isin(shown)] for k, v in pick.items()}
    latest = shown[-1]
    frames["at_risk"] = result.at_risk[result.at_risk["month"] == latest].head(top)
    frames["advocates"] = result.advocates[result.advocates["month"] == latest].head(top)
    if fmt is TableOrJson.json:
        typer.echo(_json(frames, {"scorecard": name, "months": shown}))
        return
    bands = frames["bands"]
    wide_bands = bands.pivot_table(index="month", columns="colour", values="accounts",
                                   aggfunc="sum").reindex(columns=["green", "yellow", "red"])
    share = bands.pivot_table(index="month", columns="colour", values="share",
                              aggfunc="sum").reindex(columns=["green", "yellow", "red"])
    table = wide_bands.astype(int).join(share.add_suffix(" %")).reset_index()
    table.columns.name = None
    _print(table, f"{name}: paying accounts by colour at each month end",
           percent=("green %", "yellow %", "red %"))
    _print(frames["moves"], "moves since the month before (improved: towards green)")
    at_risk = result.at_risk[result.at_risk["month"] == latest]
    advocates = result.advocates[result.advocates["month"] == latest]
    for label, tail, rows in (("at-risk tail", at_risk, frames["at_risk"]),
                              ("advocate tail", advocates, frames["advocates"])):
        mrr = sum((m for m in tail["mrr"] if m is not None), start=0)
        console.print(f"{latest} {label}: {len(tail):,} accounts, MRR {mrr:,.2f}"
                      + (f"; top {len(rows)} by MRR:" if len(rows) else ""), highlight=False)
        if len(rows):
            _print(rows.drop(columns=["month"]), f"{label} ({latest})")
