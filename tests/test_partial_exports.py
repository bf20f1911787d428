"""The whole pipeline on exports that did not come from the simulator: every command, every shape.

Each shape of :mod:`handmade` (``full``: twenty accounts with three churners and every table;
accounts and subscriptions only, no ``cancelled_at`` column, an empty or absent trials file, no
tickets, surveys or spend, events without a user id, one month of data, a business with no
churn, overlapping lines) becomes one project, loaded and taken
through every command once per module, in the order a user runs them. Each command must either
work, or say in one line what it skipped, why, and how to add what is missing; a traceback is a
defect. A command may fail (exit 2, one message) only when its whole job is impossible with the
data, and :data:`EXPECTED` says which, with the words its message must hold.

The revenue SQL warm-up that ``tenure load`` runs after loading is replaced by a no-op in these
projects: it only fills a cache beside the warehouse (and never fails a load), and compiling it
for every shape would cost more than the whole matrix. DuckDB runs on one thread (tiny tables).
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from handmade import CHURNERS, LAST_DAY, SHAPES, write_export
from tenure.cli.app import app
from tenure.errors import TenureError
from tenure.models.store import current_folder, stored_kinds
from tenure.warehouse import Warehouse

pytestmark = pytest.mark.slow

RUNNER = CliRunner()

#: The pipeline, in the order a user runs it (``account`` looks at A01, a paying customer).
COMMANDS: dict[str, tuple[str, ...]] = {
    # the exports describe the business up to their last day, as a user's export would say
    "load": ("load", "{data}", "--as-of", str(LAST_DAY)),
    "metrics": ("metrics",),
    "report": ("report",),
    "measures": ("measures",),
    "analyze churn": ("analyze", "churn", "--bootstrap", "0"),
    "analyze onboarding": ("analyze", "onboarding"),
    "analyze trials": ("analyze", "trials", "--bootstrap", "0"),
    "train": ("train",),
    "score": ("score",),
    "health score": ("health", "score"),
    "segments": ("segments",),
    "accounts": ("accounts", "--limit", "0"),
    "account": ("account", "A01"),
}


@dataclass(frozen=True)
class Outcome:
    """What a user saw: the exit code, the output with its line breaks and runs of spaces
    folded (so no assertion depends on the terminal's width or a path's length), and the
    traceback when one escaped."""

    exit_code: int
    text: str
    traceback: str | None


def tenure(*args: str) -> Outcome:
    """Run ``tenure ARGS`` as the ``tenure`` script does: Tenure's errors become one message
    and exit code 2 (``tenure.cli.app.main``); any other exception is a traceback."""
    result = RUNNER.invoke(app, list(args))
    error = result.exception
    text, code, trace = result.output, result.exit_code, None
    if isinstance(error, TenureError):
        text, code = f"{text}\nerror: {error}", 2
    elif error is not None and not isinstance(error, SystemExit):
        trace = "".join(traceback.format_exception(error))
    return Outcome(code, " ".join(text.split()), trace)


@dataclass(frozen=True)
class Expect:
    """What a command must do on a shape: ``exit_code`` 0 (it worked, and ``says`` each of
    these words in its output, e.g. its skip line), or 2 (its whole job is impossible, and its
    one message ``says`` what is missing)."""

    exit_code: int = 0
    says: tuple[str, ...] = ()


OK = Expect()


def works_but_says(*words: str) -> Expect:
    return Expect(0, words)


def impossible(*words: str) -> Expect:
    return Expect(2, words)


NO_EVENTS = impossible("no table 'events'", "events.csv")
NO_TRIALS = impossible("no trials table", "add trials.csv", "tenure load")
#: A model skipped for want of a table names the table and how to load it.
SKIPS_ADVOCACY = works_but_says("skipped advocacy", "survey_responses", "tenure load")

#: Departures from "works, nothing to say", per shape and command.
EXPECTED: dict[str, dict[str, Expect]] = {
    "full": {"analyze churn": works_but_says("churned within 30 days", "--bootstrap 0")},
    "accounts_and_subscriptions_only": {
        "measures": works_but_says("left empty, since the warehouse has no events table",
                                   "no tickets table", "no survey_responses table",
                                   "add events.csv (or .parquet) to the export"),
        "analyze onboarding": NO_EVENTS,
        "analyze trials": NO_TRIALS,
        "health score": works_but_says("0 green, 0 yellow, 0 red", "have no health score",
                                       "active_days_28d", "nps_score", "tenure measures"),
        "train": works_but_says("skipped advocacy", "survey_responses", "skipped conversion",
                                "trials"),
    },
    "no_cancelled_at": {},
    "empty_trials": {"analyze trials": impossible("trials table is empty", "trials")},
    "absent_trials": {"analyze trials": NO_TRIALS},
    "no_tickets_surveys_spend": {
        "measures": works_but_says("left empty, since the warehouse has no tickets table",
                                   "no survey_responses table"),
        "train": SKIPS_ADVOCACY,
    },
    "events_without_user_id": {
        "measures": works_but_says("count no user, since no event has a user_id",
                                   "active_users_28d"),
    },
    "one_month": {
        "analyze churn": impossible("training set is empty", "more history"),
        "analyze trials": NO_TRIALS,
        "train": impossible("no model could be trained", "longer history"),
        "score": impossible("no trained model", "tenure train"),
        "accounts": impossible("no scores", "tenure train"),
        "account": works_but_says("Company A01", "MRR 110", "no scores yet", "tenure train",
                                  "login"),
    },
    "no_churn": {
        "analyze churn": impossible("none of the", "churned", "no account churned"),
        "train": works_but_says("skipped churn: none of its", "churned within 90 days"),
        "accounts": works_but_says("no account has a churn risk", "tenure train"),
    },
    "overlapping_lines": {"analyze trials": NO_TRIALS},
}


class Projects:
    """Each shape's project, built and taken through the pipeline on first use."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.outcomes: dict[str, dict[str, Outcome]] = {}

    def project(self, shape: str) -> Path:
        return self.root / shape / "project"

    def run(self, shape: str) -> dict[str, Outcome]:
        if shape not in self.outcomes:
            self.outcomes[shape] = self._pipeline(shape)
        return self.outcomes[shape]

    def _pipeline(self, shape: str) -> dict[str, Outcome]:
        data = write_export(SHAPES[shape], self.root / shape / "export")
        project = self.project(shape)
        assert tenure("init", "--project", str(project)).exit_code == 0
        outcomes = {}
        for name, args in COMMANDS.items():
            args = tuple(a.format(data=data) for a in args)
            outcomes[name] = tenure(*args, "--project", str(project))
        return outcomes


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Projects]:
    import ibis

    from tenure.metrics import revenue

    connect = ibis.duckdb.connect
    with pytest.MonkeyPatch.context() as patch:
        # Only a cache of compiled SQL (see the module's docstring).
        patch.setattr(revenue, "warm_sql_cache", lambda *args, **kwargs: None)
        # Tables of tens of rows gain nothing from DuckDB's thread pool, and on a busy machine
        # its threads wait on each other: one thread halves the matrix's time. Same results.
        patch.setattr(ibis.duckdb, "connect", lambda *args, **kwargs: connect(
            *args, **{"threads": 1, **kwargs}))
        yield Projects(tmp_path_factory.mktemp("partial-exports"))


def _cases() -> Iterator[object]:
    for shape in SHAPES:
        for command in COMMANDS:
            yield pytest.param(shape, command, id=f"{shape}-{command.replace(' ', '-')}")


@pytest.mark.parametrize(("shape", "command"), list(_cases()))
def test_every_command_on_every_shape(projects: Projects, shape: str, command: str) -> None:
    outcome = projects.run(shape)[command]
    expect = EXPECTED[shape].get(command, OK)
    if outcome.traceback:
        pytest.fail(f"a traceback reached the user:\n{outcome.traceback}", pytrace=False)
    assert outcome.exit_code == expect.exit_code, outcome.text
    for words in expect.says:
        assert words in outcome.text, outcome.text


# What the commands found in the data written above: the accounts, the churners, the models.

PAYING = {f"A{n:02d}" for n in range(1, 21)}
STAYED = PAYING - set(CHURNERS)


def _table(projects: Projects, shape: str, name: str):
    projects.run(shape)
    with Warehouse(projects.project(shape) / "warehouse.duckdb") as warehouse:
        return warehouse.table(name).to_pandas()


def _metrics(project: Path, *options: str):
    import io

    import pandas as pd

    outcome = tenure("metrics", "--project", str(project), "--format", "csv", *options)
    assert outcome.exit_code == 0, outcome.text
    result = RUNNER.invoke(app, ["metrics", "--project", str(project), "--format", "csv",
                                 *options])
    return pd.read_csv(io.StringIO(result.stdout))


def test_metrics_count_the_three_churners_of_the_year(projects: Projects):
    projects.run("full")
    monthly = _metrics(projects.project("full"), "--from", "2024-01", "--to", "2024-12")
    churned = monthly.set_index(monthly["month"].str[:7])["churned_customers"]
    assert churned.sum() == 3
    assert churned[["2024-10", "2024-11", "2024-12"]].tolist() == [1, 1, 1]


def test_metrics_default_range_shows_the_last_churn(projects: Projects):
    projects.run("full")
    monthly = _metrics(projects.project("full"))
    assert monthly["churned_customers"].sum() == 3


@pytest.mark.parametrize("shape", ["full", "no_cancelled_at", "absent_trials",
                                   "overlapping_lines", "events_without_user_id"])
def test_measures_hold_every_paying_account_once_a_date(projects: Projects, shape: str):
    wide = _table(projects, shape, "measures_wide")
    assert not wide.duplicated(["account_id", "as_of_date"]).any()
    paid = wide[~wide["is_trial"]]
    assert set(paid["account_id"]) == PAYING
    last = paid[paid["as_of_date"] == paid["as_of_date"].max()]
    assert set(last["account_id"]) == STAYED


def test_overlapping_lines_add_up_and_trial_lines_make_trial_rows(projects: Projects):
    wide = _table(projects, "overlapping_lines", "measures_wide")
    last = wide[wide["as_of_date"] == wide["as_of_date"].max()].set_index("account_id")
    # A01's plan line (110.00) and its seats add-on (25.00) are both in force.
    assert last.loc["A01", "mrr"] == pytest.approx(135.0)
    trial = wide[wide["is_trial"]]
    assert set(trial["account_id"]) == {f"A{n:02d}" for n in range(1, 21, 2)}


def test_events_without_user_ids_count_no_active_users(projects: Projects):
    wide = _table(projects, "events_without_user_id", "measures_wide")
    assert (wide["events_28d"].fillna(0) > 0).any()
    assert (wide["active_users_28d"].fillna(0) == 0).all()


def test_train_reports_what_it_trained_and_names_what_it_skipped(projects: Projects):
    outcome = projects.run("no_tickets_surveys_spend")["train"]
    assert outcome.exit_code == 0, outcome.text
    assert "kept churn, conversion in" in outcome.text
    assert "skipped advocacy: it needs NPS answers (table survey_responses)" in outcome.text
    assert "skipped expansion: none of its" in outcome.text
    project = projects.project("no_tickets_surveys_spend")
    assert set(stored_kinds(project)) == {"churn", "conversion"}
    models = current_folder(project)
    churn = json.loads((models / "churn.json").read_text())
    assert churn["horizon_days"] == 90
    assert churn["positives"] > 0
    assert "evaluation" in churn


@pytest.mark.parametrize("shape", [
    "full", "no_cancelled_at", "overlapping_lines",
    "accounts_and_subscriptions_only",
])
def test_scores_and_worklist_cover_the_accounts_still_paying(projects: Projects, shape: str):
    scores = _table(projects, shape, "scores")
    latest = scores[(scores["as_of_date"] == scores["as_of_date"].max()) & ~scores["is_trial"]]
    assert set(latest["account_id"]) == STAYED
    # The reasons under the table name each listed account: "1. A15 (Company A15): ...".
    worklist = projects.run(shape)["accounts"].text
    assert all(f". {a} (Company {a}):" in worklist for a in STAYED)
    assert not any(f"{a} (Company {a})" in worklist for a in CHURNERS)
    segments = _table(projects, shape, "segments")
    assert set(segments["account_id"]) >= STAYED


# The defects the matrix found, each on the smallest warehouse that shows it.


def _warehouse(tmp_path: Path, **tables: list[dict[str, object]]) -> Warehouse:
    """A warehouse holding ``tables``, each given as rows (an empty list: an empty table
    whose columns are those of ``schema`` below)."""
    import pyarrow as pa

    schema = {
        "trials": pa.schema([("account_id", pa.string()), ("started_at", pa.date32()),
                             ("ends_at", pa.date32()), ("converted_at", pa.date32())]),
    }
    warehouse = Warehouse(tmp_path / "warehouse.duckdb")
    warehouse.replace_tables({
        name: pa.Table.from_pylist(rows) if rows else schema[name].empty_table()
        for name, rows in tables.items()
    })
    return warehouse


def _line(sub: str, account: str, start: str, end: str | None = None, *, plan: str = "basic",
          mrr: str = "100.00", is_trial: bool = False) -> dict[str, object]:
    from datetime import date
    from decimal import Decimal

    return {"subscription_id": sub, "account_id": account, "plan": plan, "mrr": Decimal(mrr),
            "start_date": date.fromisoformat(start),
            "end_date": date.fromisoformat(end) if end else None,
            "cancelled_at": None, "is_trial": is_trial}


def test_data_end_when_no_line_was_cancelled_and_the_trials_table_is_empty(tmp_path: Path):
    """Regression: the latest ``cancelled_at`` of lines none of which was cancelled, and the
    latest start of an empty trials table, came back as NaT and ``max`` could not compare it
    (``TypeError: Cannot compare NaT with datetime.date``)."""
    from datetime import date

    from tenure.measures.asof import data_end

    lines = [_line("S1", "A", "2024-01-01"), _line("S2", "B", "2024-03-05")]
    with _warehouse(tmp_path, subscriptions=lines, trials=[]) as warehouse:
        assert data_end(warehouse) == date(2024, 3, 6)


def test_overlapping_trial_lines_without_a_trials_table_count_an_account_once(tmp_path: Path):
    """Regression: with no trials table the trial population was a union of one table, which
    ``distinct=True`` does not deduplicate, so an account with two overlapping free trial lines
    was measured twice at a date (and ``tenure measures`` could not pivot its measures)."""
    from datetime import date

    from tenure.measures.asof import cutoffs_table
    from tenure.measures.population import population

    lines = [_line("T1", "A", "2024-01-01", "2024-02-01", plan="trial", mrr="0.00",
                   is_trial=True),
             _line("T2", "A", "2024-01-05", "2024-02-01", plan="add-on trial", mrr="0.00",
                   is_trial=True),
             _line("S1", "B", "2024-01-01")]
    with _warehouse(tmp_path, subscriptions=lines) as warehouse:
        rows = population(warehouse, cutoffs_table([date(2024, 1, 15)])).to_pandas()
    assert sorted(zip(rows["account_id"], rows["is_trial"], strict=True)) == [
        ("A", True), ("B", False)]


def test_trial_signals_when_no_trial_used_the_product_in_its_first_days(tmp_path: Path):
    """Regression: when no trial has an event in its first days every behaviour is 0, and the
    first-week regression failed the whole command ("X has no measure or attribute that
    varies"); now that feature set gets no AUC and a note, the answers are still analysed."""
    from datetime import date, datetime, timedelta

    from tenure.analysis.trial_signals import trial_signals

    trials = [{"account_id": f"T{n}", "started_at": date(2024, 1, 1) + timedelta(days=7 * n),
               "ends_at": date(2024, 1, 15) + timedelta(days=7 * n),
               "converted_at": date(2024, 1, 15) + timedelta(days=7 * n) if n % 2 else None,
               "signup_role": ("founder", "engineer")[n % 2]} for n in range(12)]
    events = [{"account_id": "T1", "user_id": "u1", "event_name": "login",
               "occurred_at": datetime(2024, 12, 1, 9)}]
    with _warehouse(tmp_path, trials=trials, events=events) as warehouse:
        result = trial_signals(warehouse, n_bootstrap=0)
    models = result.models.set_index("features")
    assert models.loc["first_week", "roc_auc"] != models.loc["first_week", "roc_auc"]  # NaN
    assert "product use in the first 7 days is the same" in models.loc["first_week", "note"]
    assert models.loc["answers", "roc_auc"] == pytest.approx(1.0)
