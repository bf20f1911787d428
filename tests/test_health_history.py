"""health_history keeps every date: re-scoring a date replaces only that card's rows there."""

from __future__ import annotations

import pandas as pd
import pytest

from tenure.errors import WarehouseError
from tenure.health import Component, Scorecard, health_scores, read_health_history
from tenure.health.history import COMPONENTS_TABLE, HISTORY_TABLE, write_health_history
from tenure.warehouse import Warehouse


def _card(name: str = "card", red: float = 0) -> Scorecard:
    return Scorecard(name=name, components=[
        Component(measure="logins_28d", direction="higher", green=20, red=red),
        Component(measure="urgent_tickets_90d", direction="lower", green=0, red=2)])


def _wide(day: str, logins: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"account_id": ["a", "b"], "as_of_date": pd.Timestamp(day),
                         "is_trial": [False, True], "logins_28d": logins,
                         "urgent_tickets_90d": [0.0, None]})


def test_rescoring_a_date_keeps_the_others(warehouse: Warehouse) -> None:
    with pytest.raises(WarehouseError, match="run `tenure health score` first"):
        read_health_history(warehouse)
    card = _card()
    for day, logins in (("2024-03-04", [20, 5]), ("2024-03-11", [10, 0])):
        write_health_history(warehouse, health_scores(_wide(day, logins), card), card)
    # Re-score 03-11 with other thresholds: only that date changes.
    stricter = _card(red=10)
    write_health_history(warehouse, health_scores(_wide("2024-03-11", [10, 0]), stricter),
                         stricter)
    # Another card is kept beside it.
    other = _card("other")
    write_health_history(warehouse, health_scores(_wide("2024-03-04", [0, 0]), other), other)
    history = read_health_history(warehouse).sort_values(["scorecard", "as_of_date",
                                                          "account_id"])
    assert not history.duplicated(["account_id", "as_of_date", "scorecard"]).any()
    assert list(history.columns) == ["account_id", "as_of_date", "scorecard", "is_trial",
                                     "score", "colour"]
    # a on 03-04: logins 20 -> 100, no urgent -> 100; b: 5 -> 25, urgent missing (skipped).
    # a on 03-11 with red 10: logins 10 -> 0, urgent 100 -> 50; b: 0 -> 0.
    rows = history[history["scorecard"] == "card"]
    assert rows["score"].tolist() == pytest.approx([100, 25, 50, 0])
    assert rows["colour"].tolist() == ["green", "red", "yellow", "red"]
    assert rows["is_trial"].tolist() == [False, True, False, True]
    assert read_health_history(warehouse, "other")["score"].tolist() == pytest.approx([50, 0])
    parts = warehouse.table(COMPONENTS_TABLE).to_pandas()
    assert not parts.duplicated(["account_id", "as_of_date", "scorecard", "component"]).any()
    assert len(parts) == 2 * len(history)
    b = parts[(parts["account_id"] == "b") & (parts["scorecard"] == "card")
              & (parts["as_of_date"].astype(str) == "2024-03-04")].set_index("component")
    assert b.loc["logins_28d", ["points", "colour"]].tolist() == [25.0, "yellow"]
    assert pd.isna(b.loc["urgent_tickets_90d", "points"])
    assert warehouse.has_table(HISTORY_TABLE)
