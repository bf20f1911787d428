"""docs/metrics.md documents every output column of the metric functions, and nothing else."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import ibis
import pytest

from tenure.metrics.cohorts import cohort_retention
from tenure.metrics.retention import retention_by_month
from tenure.metrics.trials import trial_metrics
from tenure.metrics.unit_economics import unit_economics_by_month
from test_retention_data import golden_rows, table
from test_trials import subscriptions_table, trials_table
from test_unit_economics import GOLDEN_SPEND, spend_table

DOC = Path(__file__).resolve().parents[1] / "docs" / "metrics.md"
SOURCES = ("ChartMogul", "Baremetrics", "Skok", "Bessemer", "ProfitWell", "KeyBanc", "Hamid",
           "Scale Venture")


def _outputs() -> dict[str, ibis.Table]:
    am = table(golden_rows())
    return {
        "retention_by_month": retention_by_month(am),
        "unit_economics_by_month": unit_economics_by_month(am, spend_table(GOLDEN_SPEND)),
        "cohort_retention": cohort_retention(am),
        "trial_metrics": trial_metrics(trials_table(), subscriptions_table(),
                                       start=date(2024, 1, 1), end=date(2024, 4, 1)),
    }


def _documented_columns() -> dict[str, list[tuple[str, str]]]:
    """Per ``## function`` section: (column, formula) of each row of its column table."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"^## (\w+)\s*$", line)
        if heading:
            current = heading.group(1)
            sections[current] = []
            continue
        row = re.match(r"^\| `(\w+)` \|([^|]*)\|", line)
        if row and current is not None:
            sections[current].append((row.group(1), row.group(2).strip()))
    return sections


@pytest.mark.parametrize("function", list(_outputs()))
def test_every_output_column_is_documented(function: str) -> None:
    documented = _documented_columns().get(function)
    assert documented is not None, f"docs/metrics.md has no '## {function}' section"
    columns = [name for name, _ in documented]
    assert columns == list(_outputs()[function].columns), (
        f"docs/metrics.md '## {function}' must list exactly the output columns, in order"
    )
    assert all(formula for _, formula in documented), "every column needs a definition"


@pytest.mark.parametrize("function", [retention_by_month, unit_economics_by_month,
                                      cohort_retention, trial_metrics])
def test_docstrings_cite_a_source(function) -> None:
    doc = function.__doc__ or ""
    assert "Returns" in doc
    assert any(source in doc for source in SOURCES), function.__name__
