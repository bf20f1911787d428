"""Trial signals: the first-week window, who is kept, purchase rates per answer, and the planted
sign-up answers found on a simulated business."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest

from tenure.analysis.trial_signals import trial_rows, trial_signals
from tenure.errors import InputError, WarehouseError
from tenure.simulate import simulate
from tenure.warehouse import Warehouse
from tenure.warehouse.load import load_directory

START = date(2024, 3, 4)


def _at(day: int, hour: int = 9) -> datetime:
    return datetime.combine(START + timedelta(days=day), datetime.min.time()) + timedelta(
        hours=hour
    )


@pytest.fixture
def small(warehouse: Warehouse) -> Warehouse:
    """Four trials, all starting on START:

    * ``A`` (founder) buys on day 10; first week: 2 logins by u1 on day 0, 1 export by u2 on
      day 6; an event on day 7 is outside the window.
    * ``B`` (founder) buys on day 3: it bought inside the first week.
    * ``C`` (student) never buys; no events.
    * ``D`` (student) never buys; 1 login on day 1.
    """
    trials = pa.table({
        "account_id": ["A", "B", "C", "D"],
        "started_at": pa.array([START] * 4, type=pa.date32()),
        "ends_at": pa.array([START + timedelta(days=14)] * 4, type=pa.date32()),
        "converted_at": pa.array([START + timedelta(days=10), START + timedelta(days=3),
                                  None, None], type=pa.date32()),
        "signup_role": ["founder", "founder", "student", "student"],
    })
    accounts = pa.table({"account_id": ["A", "B", "C", "D"],
                         "channel": ["partner", "referral", "partner", "referral"]})
    events = pa.table({
        "account_id": ["A", "A", "A", "A", "D"],
        "user_id": ["u1", "u1", "u2", "u1", "u9"],
        "event_name": ["login", "login", "export", "login", "login"],
        "occurred_at": pa.array([_at(0, 9), _at(0, 10), _at(6, 23), _at(7, 0), _at(1)],
                                type=pa.timestamp("us")),
    })
    warehouse.replace_tables({"trials": trials, "accounts": accounts, "events": events})
    return warehouse


def test_first_week_behaviour_is_counted_in_its_half_open_window(small):
    frame, answers, behaviours = trial_rows(small, first_days=7)
    assert answers == ["signup_role", "channel"]
    assert set(behaviours) == {"events_first_days", "active_days_first_days",
                               "active_users_first_days", "features_first_days",
                               "used_login", "used_export"}
    rows = frame.set_index("account_id")
    # A: two logins on day 0 and an export late on day 6; the login at day 7 00:00 is outside.
    assert rows.loc["A", "events_first_days"] == 3
    assert rows.loc["A", "active_days_first_days"] == 2
    assert rows.loc["A", "active_users_first_days"] == 2
    assert rows.loc["A", "features_first_days"] == 2
    assert (rows.loc["A", "used_login"], rows.loc["A", "used_export"]) == (1.0, 1.0)
    assert rows.loc["C", "events_first_days"] == 0  # no events at all: zero, not missing
    assert rows.loc["D", "events_first_days"] == 1
    assert rows["purchased"].to_dict() == {"A": True, "B": True, "C": False, "D": False}
    assert rows["bought_within_first_days"].to_dict() == {
        "A": False, "B": True, "C": False, "D": False,
    }


def test_purchase_rate_per_answer(small):
    result = trial_signals(small, n_bootstrap=0)
    roles = result.answers[result.answers["question"] == "signup_role"].set_index("answer")
    # founders: A and B bought (2 of 2); students: neither (0 of 2).
    assert roles.loc["founder", ["trials", "bought"]].tolist() == [2, 2]
    assert roles.loc["founder", "purchase_rate"] == pytest.approx(1.0)
    assert roles.loc["student", "purchase_rate"] == pytest.approx(0.0)
    assert roles.loc["student", "rest_purchase_rate"] == pytest.approx(1.0)
    assert set(result.questions["question"]) == {"signup_role", "channel"}


def test_inputs_are_checked(small, warehouse):
    with pytest.raises(InputError, match="first_days must be at least 1"):
        trial_signals(small, first_days=0)
    with pytest.raises(InputError, match="test_share"):
        trial_signals(small, test_share=1.5)


def test_a_warehouse_without_trials_says_what_to_load(tmp_path: Path):
    with Warehouse(tmp_path / "empty.duckdb") as empty, pytest.raises(
        WarehouseError, match="no trials table"
    ):
        trial_signals(empty)


@pytest.mark.slow
def test_planted_signup_answers_and_first_week_use_are_found(tmp_path: Path):
    """docs/simulator.md, trial conversion: students (-1.6) and "just_exploring" (-0.9) buy
    less, use in the trial (``ell``, integration) raises conversion; the analysis must find
    both, and the first week must predict purchase better than the form alone."""
    data = tmp_path / "data"
    simulate(data, accounts=1200, months=24, seed=3)
    with Warehouse(tmp_path / "w.duckdb") as wh:
        load_directory(wh, data)
        result = trial_signals(wh, n_bootstrap=0)
    answers = result.answers.set_index(["question", "answer"])
    for question, answer in (("signup_role", "student"), ("signup_use_case", "just_exploring")):
        row = answers.loc[(question, answer)]
        assert row["purchase_rate"] < row["rest_purchase_rate"]
        assert row["significant"]
    models = result.models.set_index("features")["roc_auc"]
    assert models["first_week"] > models["answers"] > 0.55
    assert models["both"] > 0.7
