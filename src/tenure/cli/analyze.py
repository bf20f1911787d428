"""``tenure analyze churn`` and ``tenure analyze onboarding``: why customers churn, HTML + JSON."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from tenure.cli.app import app
from tenure.cli.common import ProjectOption, console, open_project
from tenure.cli.data_end import DataEndOption, resolve_data_end
from tenure.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from tenure.config import ProjectConfig
    from tenure.warehouse import Warehouse

__all__ = ["analyze_app", "churn", "onboarding", "trials"]

analyze_app = typer.Typer(
    name="analyze",
    help="Why customers churn: behavioural cohorts, segments, drivers, survival, reasons, early "
    "warning and onboarding, as an HTML report and a JSON file.",
    no_args_is_help=True,
)
app.add_typer(analyze_app, name="analyze")

OutputOption = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="HTML file to write (default in the project folder).",
                 dir_okay=False),
]
JsonOption = Annotated[
    Path | None,
    typer.Option("--json", help="JSON file of the same results (default beside the HTML).",
                 dir_okay=False),
]
AsOfOption = Annotated[
    str | None,
    typer.Option("--as-of", help="Observation date YYYY-MM-DD for customer lifetimes (default: "
                 "the first day without data, --data-end)."),
]


def _as_of(end: date, text: str | None) -> date:
    """``--as-of`` as a date; the end of the data when not given."""
    if text is None:
        return end
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"--as-of {text!r} is not a date; write it as YYYY-MM-DD.") from None


def _lifetimes(warehouse: Warehouse, config: ProjectConfig, as_of: date) -> pd.DataFrame:
    """Customer lifetimes from the subscription lines as the project's definitions recognise them
    (``churn_recognition``), and the accounts' attributes."""
    import pandas as pd

    from tenure.analysis.lifetimes import customer_lifetimes
    from tenure.measures.population import OPEN_END, subscription_lines

    lines = subscription_lines(warehouse, config.definitions).to_pandas()
    # Running lines carry a far-future end (OPEN_END) in the warehouse; a lifetime wants null.
    lines["end_date"] = [
        None if end is None or pd.isna(end) or end.year >= OPEN_END.year else end
        for end in lines["end_date"]
    ]
    accounts = warehouse.table("accounts").to_pandas()
    return customer_lifetimes(lines, accounts, as_of=as_of)


def _paths(project: Path, output: Path | None, json_path: Path | None,
           stem: str) -> tuple[Path, Path]:
    html = output or Path(project) / f"{stem}.html"
    return html, json_path or html.with_suffix(".json")


@analyze_app.command("churn")
def churn(
    project: ProjectOption = Path("."),
    horizon: Annotated[
        int, typer.Option(help="Churn within this many days of each as-of date (30, 60, 90...).")
    ] = 30,
    lead_days: Annotated[
        int, typer.Option(help="Start the churn window this many days after each as-of date, "
                          "among accounts that have not decided to leave by then, to find the "
                          "causes of the decision rather than its symptoms (0: from the date).")
    ] = 0,
    as_of: AsOfOption = None,
    data_end: DataEndOption = None,
    bootstrap: Annotated[
        int, typer.Option(help="Bootstrap refits for the intervals of the drivers.")
    ] = 200,
    seed: Annotated[int, typer.Option(help="Random seed of the bootstrap and matching.")] = 0,
    output: OutputOption = None,
    json_path: JsonOption = None,
) -> None:
    """Why customers churn: deciles, segments, drivers, survival, reasons, early warning."""
    from tenure.analysis.ahead import ahead_outcome, churn_ahead
    from tenure.analysis.churn import analyze_churn
    from tenure.analysis.report import write_churn_report
    from tenure.measures import project_measures_config
    from tenure.models.training_set import training_set

    if horizon < 1:
        raise InputError(f"--horizon must be a positive number of days (found {horizon}).")
    if lead_days < 0:
        raise InputError(f"--lead-days must be 0 or more days (found {lead_days}).")
    config, warehouse = open_project(project, read_only=True)
    reach = lead_days + horizon
    with console.status("building the training set and analysing churn"), warehouse:
        end = resolve_data_end(warehouse, data_end)
        observed = _as_of(end, as_of)
        horizons = (horizon, reach) if lead_days else (horizon,)
        frame = training_set(warehouse, horizons=horizons, definitions=config.definitions,
                             config=project_measures_config(project), data_end=end)
        if frame.empty:
            raise InputError(f"the training set is empty: no paying account has an as-of date at "
                             f"least {reach} days before the end of the data; load more "
                             "history or use a shorter --horizon (or --lead-days).")
        outcome = f"churned_{horizon}d"
        if lead_days:
            frame = churn_ahead(frame, lead_days=lead_days, horizon_days=horizon)
            outcome = ahead_outcome(lead_days, horizon)
        lifetimes = _lifetimes(warehouse, config, observed)
        cancellations = (warehouse.table("cancellations").to_pandas()
                         if warehouse.has_table("cancellations") else None)
        analysis = analyze_churn(
            frame, outcome=outcome, lifetimes=lifetimes,
            cancellations=cancellations, n_bootstrap=bootstrap, random_state=seed,
        )
    html, json_file = _paths(project, output, json_path, "churn-analysis")
    write_churn_report(analysis, html, json_path=json_file)
    within = (f"decided to leave {lead_days}-{reach} days after the snapshot" if lead_days
              else f"churned within {horizon} days")
    console.print(f"{analysis.observations:,} account snapshots, "
                  f"{analysis.churn_rate:.1%} {within}. Top drivers:")
    drivers = analysis.effects.loc[analysis.effects["significant"], "sentence"].head(5)
    for sentence in drivers:
        console.print(f"  • {sentence}", highlight=False)
    if drivers.empty:
        why = ("--bootstrap 0 computes no intervals, so none is judged significant" if not
               bootstrap else "none is significant with this many snapshots and churns")
        console.print(f"  {why}; the report still shows every measure's churn rates and "
                      "effects.", highlight=False)
    console.print(f"wrote [bold]{html}[/] and [bold]{json_file}[/]")


@analyze_app.command("onboarding")
def onboarding(
    project: ProjectOption = Path("."),
    milestone: Annotated[
        list[str] | None,
        typer.Option("--milestone", help="Onboarding milestone event name, in funnel order "
                     "(repeat the option; default integration_setup, invite_user, "
                     "create_report)."),
    ] = None,
    first_value: Annotated[
        str, typer.Option(help="Event name that marks first value.")
    ] = "create_report",
    within: Annotated[
        int, typer.Option(help="Days after sign-up a milestone must be reached by.")
    ] = 30,
    as_of: AsOfOption = None,
    data_end: DataEndOption = None,
    output: OutputOption = None,
    json_path: JsonOption = None,
) -> None:
    """Onboarding: time to first value, funnel, milestone retention and stick point."""
    from tenure.analysis.onboarding import DEFAULT_MILESTONES, analyze_onboarding
    from tenure.analysis.report import write_onboarding_report

    milestones = tuple(milestone) if milestone else DEFAULT_MILESTONES
    config, warehouse = open_project(project, read_only=True)
    with console.status("analysing onboarding"), warehouse:
        events = warehouse.table("events")
        names = list(dict.fromkeys([*milestones, first_value]))
        # Only each account's first occurrence of each milestone leaves the warehouse.
        first = (events.filter(events.event_name.isin(names))
                 .group_by(["account_id", "event_name"])
                 .aggregate(occurred_at=events.occurred_at.min())
                 .to_pandas())
        accounts = warehouse.table("accounts").select("account_id", "created_at").to_pandas()
        observed = _as_of(resolve_data_end(warehouse, data_end), as_of)
        lifetimes = _lifetimes(warehouse, config, observed)
        analysis = analyze_onboarding(first, accounts, lifetimes, milestones=milestones,
                                      first_value=first_value, within_days=within)
    html, json_file = _paths(project, output, json_path, "onboarding-analysis")
    write_onboarding_report(analysis, html, json_path=json_file)
    fv = analysis.first_value
    console.print(f"{int(fv['accounts']):,} accounts; {fv['share']:.1%} reached first value "
                  f"({first_value}) within {within} days.")
    if analysis.stick is not None and analysis.stick.month is not None:
        console.print(f"stick point: tenure month {analysis.stick.month} (long-run monthly "
                      f"churn hazard {analysis.stick.long_run_hazard:.1%})")
    console.print(f"wrote [bold]{html}[/] and [bold]{json_file}[/]")


@analyze_app.command("trials")
def trials(
    project: ProjectOption = Path("."),
    first_days: Annotated[
        int, typer.Option("--first-days", help="Days from a trial's start whose behaviour is "
                          "used.", min=1)
    ] = 7,
    bootstrap: Annotated[
        int, typer.Option(help="Bootstrap refits for the intervals of the effects.")
    ] = 200,
    data_end: DataEndOption = None,
    json_path: Annotated[
        Path | None,
        typer.Option("--json", help="JSON file of the results (default "
                     "PROJECT/trial-signals.json).", dir_okay=False),
    ] = None,
) -> None:
    """Which sign-up answers and first-week behaviours predict that a trial buys."""
    import json

    from rich.table import Table

    from tenure.analysis.trial_signals import trial_signals
    from tenure.cli.metrics import to_json

    _, warehouse = open_project(project, read_only=True)
    with console.status("analysing trials"), warehouse:
        end = resolve_data_end(warehouse, data_end)
        result = trial_signals(warehouse, first_days=first_days, n_bootstrap=bootstrap,
                               data_end=end)
    table = Table(title="What predicts a purchase (ROC AUC on the later trials)",
                  title_justify="left", header_style="bold")
    for label in ("features", "train trials", "test trials", "ROC AUC"):
        table.add_column(label, justify="left" if label == "features" else "right")
    for r in result.models.itertuples():
        table.add_row(str(r.features), f"{r.train_trials:,}", f"{r.test_trials:,}",
                      "-" if r.roc_auc != r.roc_auc else f"{r.roc_auc:.3f}")
    console.print(table)
    for r in result.models.itertuples():
        if r.note:
            console.print(f"[yellow]no ROC AUC for {r.features}[/]: {r.note}.",
                          highlight=False, soft_wrap=True)
    answers = Table(title="Form answers whose purchase rate differs (FDR-corrected)",
                    title_justify="left", header_style="bold")
    for label in ("question", "answer", "trials", "bought", "rest"):
        answers.add_column(label, justify="left" if label in {"question", "answer"} else "right")
    for r in result.answers[result.answers["significant"]].itertuples():
        answers.add_row(str(r.question), str(r.answer), f"{r.trials:,}",
                        f"{r.purchase_rate:.0%}", f"{r.rest_purchase_rate:.0%}")
    console.print(answers)
    if not result.effects.empty:
        console.print("Strongest signals, answers and first week together:")
        for sentence in result.effects.loc[result.effects["significant"], "sentence"].head(8):
            console.print(f"  • {sentence}", highlight=False)
    path = json_path or Path(project) / "trial-signals.json"
    doc = {name: json.loads(to_json(getattr(result, name)))
           for name in ("questions", "answers", "models", "effects")}
    doc["first_days"] = result.first_days
    path.write_text(json.dumps(doc, indent=2))
    console.print(f"wrote [bold]{path}[/]")
