"""docs/loading.md's walk-through "Your own data: three exports to the worklist", as written.

Every file the section shows (``<!-- own-data-file: PATH -->`` before a YAML block) is written,
and every command of its console blocks (``<!-- own-data-run: NAME -->``) is run, in the order
of the page, from a folder where ``docs/examples`` is the repository's. A command must succeed,
print no traceback, and print each line the page shows under it (whitespace aside); the figures
the prose quotes are checked against what the commands stored. The exports are the hand-shaped
files of ``docs/examples/`` (``make_examples.py``), not the simulator's.
"""

from __future__ import annotations

import re
import shlex
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tenure.cli.app import app
from tenure.models.store import load_models, stored_kinds
from tenure.warehouse import Warehouse

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "loading.md"
SECTION = "## Your own data: three exports to the worklist"
MARKER = re.compile(r"<!-- own-data-(file|run): (\S+) -->\n```(\w+)\n(.*?)```", re.DOTALL)
# A fixed width, so Rich lays out tables and lines the same whatever the terminal.
ENV = {"COLUMNS": "200"}


@dataclass
class Step:
    """One command of the page and the output lines it must print."""

    business: str
    command: str
    expected: list[str] = field(default_factory=list)
    output: str = ""
    exit_code: int | None = None


def _section() -> str:
    text = PAGE.read_text()
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    return text[start:] if end < 0 else text[start:end]


def _blocks() -> list[tuple[str, str, str]]:
    """(kind, name or path, body) of each marked block, in page order."""
    return [(kind, name, body) for kind, name, _lang, body in MARKER.findall(_section())]


def _squash(text: str) -> str:
    return " ".join(text.split())


def _run(step: Step, here: Path) -> None:
    words = shlex.split(step.command)
    if words[0] == "cp":  # the one shell step: a file copied into an export folder
        source, target = (here / w for w in words[1:])
        shutil.copy(source, target / source.name if target.is_dir() else target)
        step.exit_code, step.output = 0, ""
        return
    assert words[0] == "tenure", step.command
    result = CliRunner().invoke(app, words[1:], env=ENV)
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{step.command} raised {result.exception!r}\n{result.output}")
    step.exit_code, step.output = result.exit_code, result.output


@pytest.fixture(scope="module")
def walked(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Step]]:
    """Every step of the page, run in order in a fresh folder (once for all tests)."""
    here = tmp_path_factory.mktemp("own-data")
    (here / "docs").mkdir()
    (here / "docs" / "examples").symlink_to(ROOT / "docs" / "examples")
    steps: dict[str, list[Step]] = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(here)
        for kind, name, body in _blocks():
            if kind == "file":
                (here / name).parent.mkdir(parents=True, exist_ok=True)
                (here / name).write_text(body)
                continue
            for line in body.splitlines():
                if line.startswith("$ "):
                    steps.setdefault(name, []).append(Step(name, line[2:]))
                elif line.strip():
                    steps[name][-1].expected.append(line)
            for step in steps[name]:
                if step.exit_code is None:
                    _run(step, here)
    steps["_folder"] = [Step("_folder", str(here))]
    return steps


def test_the_page_has_three_businesses_and_their_files():
    blocks = _blocks()
    assert sorted({name for kind, name, _ in blocks if kind == "run"}) == [
        "billing", "product", "stripe"]
    assert {name for kind, name, _ in blocks if kind == "file"} == {
        "billing.yaml", "stripe-canonical/mapping.yaml", "product.yaml"}


@pytest.mark.parametrize("business", ["billing", "stripe", "product"])
def test_every_command_runs_and_prints_what_the_page_shows(walked, business):
    for step in walked[business]:
        assert step.exit_code == 0, f"{step.command} exited {step.exit_code}:\n{step.output}"
        assert "Traceback" not in step.output, step.output
        printed = _squash(step.output)
        for line in step.expected:
            assert _squash(line) in printed, (
                f"docs/loading.md shows {line!r} under `{step.command}`; it printed:\n"
                f"{step.output}")
    worklist = walked[business][-1]
    assert worklist.command.startswith("tenure accounts")
    assert "5 account(s) shown" in worklist.output


def _project(walked, business: str) -> Path:
    return Path(walked["_folder"][0].command) / business


def test_the_figures_the_prose_quotes(walked):
    """What the page says about each business, read from what the commands stored."""
    auc = {business: load_models(_project(walked, business))["churn"].meta["evaluation"]
           ["roc_auc"] for business in ("billing", "stripe")}
    # "about 0.56, barely better than chance" and "rises to about 0.67"
    assert auc["billing"] == pytest.approx(0.56, abs=0.02)
    assert auc["stripe"] == pytest.approx(0.67, abs=0.02)
    for business in ("billing", "stripe", "product"):
        assert "churn" in stored_kinds(_project(walked, business))
    with Warehouse(_project(walked, "stripe") / "warehouse.duckdb") as wh:
        latest = wh.con.raw_sql(
            "SELECT count(*), count(*) FILTER (WHERE colour IN ('green', 'yellow', 'red')) "
            "FROM health_history "
            "WHERE as_of_date = (SELECT max(as_of_date) FROM health_history)").fetchone()
    assert latest[0] > 0
    assert latest[1] == latest[0]  # "the health card colours every account"


def test_billed_amount_turns_a_yearly_price_into_mrr(walked):
    """'8,940.00 a year is 745.00 a month': line INV-000-1 of the billing export."""
    line = next(row for row in (ROOT / "docs/examples/billing/contract_lines.csv")
                .read_text().splitlines() if row.startswith("INV-000-1;"))
    assert ";8940.00;Annual;" in line
    with Warehouse(_project(walked, "billing") / "warehouse.duckdb") as wh:
        mrr = wh.con.raw_sql(
            "SELECT mrr FROM subscriptions WHERE subscription_id = 'INV-000-1'").fetchone()[0]
    assert str(mrr) == "745.00"
