"""The ChurnAnalysis facade and its HTML + JSON report, on a small synthetic business."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import tenure.analysis as analysis_api
from tenure.analysis import analyze_churn, analyze_onboarding
from tenure.analysis.churn import horizon_days, outcome_label
from tenure.analysis.cohorts import spaced_snapshots
from tenure.analysis.report import to_jsonable, write_churn_report, write_onboarding_report
from tenure.errors import InputError

DOCS = Path(__file__).resolve().parents[1] / "docs" / "analysis.md"
START = date(2023, 1, 2)


def _business(n: int = 240, seed: int = 2) -> dict[str, pd.DataFrame]:
    """Accounts with monthly snapshots; low-usage accounts churn, with reasons for most."""
    rng = np.random.default_rng(seed)
    usage = rng.gamma(2.0, 5.0, n)
    plan = rng.choice(["basic", "pro"], n, p=[0.7, 0.3])
    start = [START + timedelta(days=int(d)) for d in rng.integers(0, 120, n)]
    life_days = rng.exponential(300 * (1 + usage / 10)).astype(int) + 20
    ids = [f"acc_{i:03d}" for i in range(n)]
    as_of_end = date(2024, 7, 1)
    rows, lifetimes, cancels = [], [], []
    for i in range(n):
        end = start[i] + timedelta(days=int(life_days[i]))
        churned = end < as_of_end
        lifetimes.append({
            "account_id": ids[i], "duration": (min(end, as_of_end) - start[i]).days / 30.44,
            "churned": churned, "end_date": min(end, as_of_end), "plan": plan[i],
            "mrr": Decimal("49.00") if plan[i] == "basic" else Decimal("199.00"),
            "industry": "retail" if i % 2 else "media",
        })
        if churned and i % 4:
            cancels.append({"account_id": ids[i], "cancelled_at": end - timedelta(days=10),
                            "reason_code": "price" if i % 3 else "not_using",
                            "reason_category": "avoidable"})
        day = start[i] + timedelta(days=28)
        while day < min(end, as_of_end - timedelta(days=30)):
            fade = min(1.0, (end - day).days / 90) if churned else 1.0
            rows.append({
                "account_id": ids[i], "as_of_date": day, "plan": plan[i],
                "industry": "retail" if i % 2 else "media",
                "active_days_28d": float(np.clip(usage[i] * fade + rng.normal(0, 1), 0, 28)),
                "urgent_tickets_90d": float(rng.poisson(0.3)),
                "tenure_months": (day - start[i]).days / 30.44,
                "churned_30d": churned and (end - day).days < 30,
            })
            day += timedelta(days=14)
    return {"frame": pd.DataFrame(rows), "lifetimes": pd.DataFrame(lifetimes),
            "cancellations": pd.DataFrame(cancels)}


@pytest.fixture(scope="module")
def business() -> dict[str, pd.DataFrame]:
    return _business()


@pytest.fixture(scope="module")
def churn(business):
    return analyze_churn(business["frame"], lifetimes=business["lifetimes"],
                         cancellations=business["cancellations"], n_bootstrap=20)


def test_facade_runs_every_analysis(churn, business):
    # Snapshots every 14 days, outcome window 30 days: every third snapshot is analysed.
    spaced = spaced_snapshots(business["frame"], min_gap_days=30)
    assert len(spaced) < len(business["frame"]) / 2
    assert churn.observations == len(spaced)
    assert churn.churn_rate == pytest.approx(spaced["churned_30d"].mean())
    assert churn.cohorts.groupby("measure")["observations"].sum().eq(len(spaced)).all()
    assert set(churn.retention) == {"all", "plan", "industry"}
    assert churn.cox is not None
    assert churn.reasons is not None
    assert churn.early_warning is not None
    active = churn.effects.set_index("feature").loc["active_days_28d"]
    assert active["coef"] < 0  # more usage, less churn
    assert active["significant"]
    lead = churn.early_warning.lead_times.set_index("measure")
    assert lead.loc["active_days_28d", "direction"] == "lower"


def test_json_is_strict_and_money_exact(churn, tmp_path: Path):
    html = write_churn_report(churn, tmp_path / "out" / "churn.html",
                              json_path=tmp_path / "out" / "churn.json")
    text = (tmp_path / "out" / "churn.json").read_text()
    assert "NaN" not in text
    payload = json.loads(text)
    mrr = {r["reason_code"]: r["mrr"] for r in payload["reasons"]["by_reason"]}
    expected = churn.reasons.by_reason.set_index("reason_code")["mrr"]
    assert {k: Decimal(str(v)) for k, v in mrr.items()} == expected.to_dict()
    page = html.read_text()
    assert page.count('class="chart"') >= 6
    assert "30-day churn rate" in page


def test_to_jsonable_handles_missing_values_dates_and_numpy():
    frame = pd.DataFrame({"a": [1.5, np.nan], "d": [date(2024, 1, 1), None],
                          "m": [Decimal("1.10"), Decimal("2.00")]})
    assert to_jsonable(frame) == [{"a": 1.5, "d": "2024-01-01", "m": 1.1},
                                  {"a": None, "d": None, "m": 2.0}]
    assert to_jsonable({"x": np.int64(3), "y": np.float64("inf")}) == {"x": 3, "y": None}


def test_onboarding_report(tmp_path: Path, business):
    accounts = pd.DataFrame({"account_id": business["lifetimes"]["account_id"],
                             "created_at": pd.Timestamp("2023-01-01")})
    events = pd.DataFrame({"account_id": accounts["account_id"].iloc[::2],
                           "event_name": "create_report",
                           "occurred_at": pd.Timestamp("2023-01-05")})
    result = analyze_onboarding(events, accounts, business["lifetimes"])
    assert result.first_value["share"] == pytest.approx(0.5)
    assert result.first_value["median_days"] == 4.0
    path = write_onboarding_report(result, tmp_path / "onb.html", json_path=tmp_path / "o.json")
    assert ">Funnel</h2>" in path.read_text()
    assert json.loads((tmp_path / "o.json").read_text())["funnel"][2]["reached"] == 120


def test_outcome_labels():
    assert outcome_label("churned_30d") == "30-day churn"
    assert outcome_label("expanded_90d") == "90-day expansion"
    assert outcome_label("left_early") == "left early"
    assert horizon_days("churned_60d") == 60
    assert horizon_days("left_early") is None


def test_an_unknown_outcome_names_the_column(business):
    with pytest.raises(InputError, match="churned_45d"):
        analyze_churn(business["frame"], outcome="churned_45d")


def test_every_public_name_is_documented():
    text = DOCS.read_text()
    undocumented = [name for name in analysis_api.__all__
                    if not re.search(rf"\b{re.escape(name)}\b", text)]
    assert undocumented == [], f"docs/analysis.md does not mention {undocumented}"


def test_every_analyze_option_is_documented():
    import typer

    from tenure.cli.analyze import analyze_app

    text = DOCS.read_text()
    group = typer.main.get_command(analyze_app)
    for name, command in group.commands.items():
        assert f"tenure analyze {name}" in text
        for param in command.params:
            long_names = [o for o in param.opts if o.startswith("--")]
            assert any(f"`{o}`" in text for o in long_names), (
                f"docs/analysis.md does not explain {long_names} of `tenure analyze {name}`"
            )
