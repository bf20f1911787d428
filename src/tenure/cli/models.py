"""``tenure train`` and ``tenure score``: fit the outcome models, then score every account.

``train`` builds each model's point-in-time training set from the stored measures, fits it with
a time-ordered backtest and keeps it in ``PROJECT/models`` with its evaluation. ``score`` writes
one dated snapshot of every account's scores and reasons into the ``scores`` table; earlier
snapshots stay, so risk trends can be read back.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from tenure.cli.app import app
from tenure.cli.common import (
    ProjectOption,
    console,
    open_project,
    parse_day,
    progress_bar,
    read_measures_wide,
)
from tenure.cli.data_end import DataEndOption, resolve_data_end
from tenure.errors import InputError

__all__ = ["ModelKind", "score", "train"]


class ModelKind(StrEnum):
    churn = "churn"
    expansion = "expansion"
    conversion = "conversion"
    advocacy = "advocacy"


def _kinds(text: str) -> list[ModelKind]:
    kinds = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        try:
            kinds.append(ModelKind(part))
        except ValueError:
            known = ", ".join(k.value for k in ModelKind)
            raise InputError(f"--models names {part!r}; use any of {known}.") from None
    if not kinds:
        raise InputError("--models is empty; name at least one of churn, expansion, "
                         "conversion, advocacy.")
    return kinds


def _fmt(value: Any, spec: str) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "-"
    return format(value, spec)


def _evaluation_table(results: dict[str, dict[str, Any]]) -> Table:
    table = Table(title="Models: ROC AUC, top-decile lift, Brier score and base rate of the "
                  "time-ordered backtest (later half of history)",
                  title_justify="left", header_style="bold")
    # Short headers: "lift" is the top-decile lift, "base" the outcome's base rate.
    for label in ("model", "horizon", "chosen", "rows", "AUC", "lift", "Brier", "base"):
        # Values are never cut short: headers wrap instead.
        table.add_column(label, justify="left" if label in {"model", "chosen"} else "right",
                         min_width=10 if label in {"model", "chosen"} else 5,
                         overflow="fold")
    for kind, meta in results.items():
        ev = meta.get("evaluation", {})
        table.add_row(
            kind, f"{meta['horizon_days']} d", str(meta.get("chosen", "")),
            f"{meta.get('training_rows', 0):,}", _fmt(ev.get("roc_auc"), ".3f"),
            _fmt(ev.get("top_decile_lift"), ".2f"), _fmt(ev.get("brier"), ".4f"),
            _fmt(ev.get("base_rate"), ".1%"),
        )
    return table


def _alert_lines(meta: dict[str, Any]) -> list[str]:
    alerts = meta.get("evaluation", {}).get("alerts")
    if not alerts:
        return []
    return [(
        "churn alerts at a threshold flagging at most "
        f"{_fmt(alerts.get('max_flagged_share'), '.0%')} of accounts "
        f"(risk >= {_fmt(alerts.get('threshold'), '.3f')}): "
        f"{_fmt(alerts.get('flagged_30d_share'), '.0%')} of churners flagged at least 30 days "
        f"before cancelling, median lead {_fmt(alerts.get('median_lead_days'), '.0f')} days"
    )]


@app.command("train")
def train(
    project: ProjectOption = Path("."),
    models: Annotated[
        str, typer.Option("--models", help="Comma-separated kinds to train: churn, expansion, "
                          "conversion, advocacy.")
    ] = "churn,expansion,conversion,advocacy",
    horizon: Annotated[
        int, typer.Option("--horizon", help="Days after each as-of date over which outcomes "
                          "are observed.", min=1)
    ] = 90,
    data_end: DataEndOption = None,
) -> None:
    """Fit the churn, expansion, conversion and advocacy models on the stored measures, pick
    each by a time-ordered backtest, and keep them in PROJECT/models (the set switches in
    whole when the run completes; an interrupted run leaves the previous set).

    A model the data cannot train (no NPS answers, no trials, a single outcome) is skipped with
    one line saying why and what would let it train; the others are trained and reported. The
    command fails only when no model could be trained."""
    from tenure.models import OUTCOME_MODELS, churn_events, features_and_labels, training_set
    from tenure.models.store import ModelRun
    from tenure.models.trainable import missing_data, missing_outcomes

    kinds = _kinds(models)
    settings, warehouse = open_project(project)
    results: dict[str, dict[str, Any]] = {}
    skipped: dict[str, str] = {}
    # The models of this run switch in together when it completes, or not at all.
    run_set = ModelRun(Path(project), replaces=[k.value for k in kinds])
    with warehouse, progress_bar() as progress, run_set as run:
        wide = read_measures_wide(warehouse)
        end = resolve_data_end(warehouse, data_end)
        task = progress.add_task("training", total=2 * len(kinds))
        for kind in kinds:
            progress.update(task, description=f"{kind}: training set")
            missing = missing_data(warehouse, kind.value, wide)
            if missing:
                skipped[kind.value] = missing
                progress.advance(task, 2)
                continue
            frame = training_set(warehouse, horizons=(horizon,), measures=wide, kind=kind.value,
                                 definitions=settings.definitions, data_end=end)
            progress.advance(task)
            progress.update(task, description=f"{kind}: backtest and fit ({len(frame):,} rows)")
            X, y = features_and_labels(frame, kind.value, horizon)
            missing = missing_outcomes(kind.value, horizon, y)
            if missing:
                skipped[kind.value] = missing
                progress.advance(task)
                continue
            model = OUTCOME_MODELS[kind.value](horizon_days=horizon)
            try:
                if kind is ModelKind.churn:
                    # The churn dates judge the alert: how early it fires before each request.
                    model.fit(X, y, churns=churn_events(frame))
                else:
                    model.fit(X, y)
            except InputError as error:  # data the model cannot learn from, said in words
                skipped[kind.value] = str(error).rstrip(".")
                progress.advance(task)
                continue
            meta = {
                "horizon_days": horizon,
                "chosen": getattr(model, "chosen_", None),
                "training_rows": len(X),
                "positives": int(sum(bool(v) for v in y)),
                "as_of_first": str(min(frame["as_of_date"])),
                "as_of_last": str(max(frame["as_of_date"])),
                "evaluation": getattr(model, "evaluation_", {}),
            }
            run.save(kind.value, model, meta)
            results[kind.value] = meta
            progress.advance(task)
    for kind, reason in skipped.items():
        console.print(f"[yellow]skipped {kind}[/]: {reason}.", highlight=False, soft_wrap=True)
    if not results:
        raise InputError("no model could be trained, so the models kept earlier are unchanged: "
                         + "; ".join(f"{kind}: {reason}" for kind, reason in skipped.items())
                         + ".")
    if run.dropped:
        console.print(f"left out of the new set of models: {', '.join(run.dropped)} (trained "
                      "earlier, skipped now; an older model is not mixed with this run's)",
                      soft_wrap=True)
    console.print(_evaluation_table(results))
    for meta in results.values():
        for line in _alert_lines(meta):
            console.print(line)
    console.print(f"kept {', '.join(results)} in [bold]{Path(project) / 'models'}[/]; next: "
                  f"`tenure score --project {project}`", soft_wrap=True)


@app.command("score")
def score(
    project: ProjectOption = Path("."),
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="As-of date to score, YYYY-MM-DD (default: "
                                 "the latest date of the stored measures).")
    ] = None,
    history: Annotated[
        bool, typer.Option("--history", help="Score every as-of date of the stored measures, "
                           "not only the latest (for trends and health backtests).")
    ] = False,
) -> None:
    """Score every account with the trained models and keep a dated snapshot in table scores
    (earlier snapshots stay)."""
    import pandas as pd

    from tenure.measures import project_measures_config
    from tenure.models.scoring import latest_as_of, score_accounts, scores_table
    from tenure.models.store import load_models

    settings, warehouse = open_project(project)  # first: a mistyped --project says so
    # Every model from one train run's set, even if a train finishes meanwhile.
    stored = load_models(Path(project))
    kinds = list(stored)
    if not kinds:
        raise InputError(f"no trained model in {Path(project) / 'models'}; run "
                         f"`tenure train --project {project}` first.")
    with warehouse, progress_bar() as progress:
        wide = read_measures_wide(warehouse)
        if history and as_of:
            raise InputError("give either --as-of or --history, not both.")
        if history:
            dates = sorted(pd.to_datetime(wide["as_of_date"]).dt.date.unique())
        else:
            dates = [parse_day(as_of, "--as-of") or latest_as_of(wide)]
        task = progress.add_task("scoring", total=len(dates))
        frames = []
        for day in dates:
            progress.update(task, description=f"scoring {day}")
            frames.append(score_accounts(
                warehouse, {k: s.model for k, s in stored.items()}, measures=wide,
                as_of_dates=[day], config=project_measures_config(project),
                definitions=settings.definitions,
                trained_at={k: s.trained_at for k, s in stored.items()},
            ))
            progress.advance(task)
        scores = pd.concat(frames, ignore_index=True)
        warehouse.replace_snapshots("scores", scores_table(scores), by=["as_of_date"])
    paid = scores[~scores["is_trial"]]
    console.print(
        f"wrote {len(scores):,} rows to [bold]scores[/] ({len(dates)} as-of date(s), "
        f"{', '.join(kinds)}); latest {dates[-1]}: {len(paid[paid['as_of_date'] == dates[-1]]):,} "
        "paid accounts scored"
    )
    console.print(f"next: `tenure accounts --project {project}` for the worklist")

