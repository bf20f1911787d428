"""Customer health: scorecards declared in YAML, scores per account over time, backtests.

``scorecard`` validates a card, ``score`` applies it to the measures, ``history`` keeps the
scores in the warehouse, ``backtest`` checks a card against what happened, ``distribution`` shows
how accounts spread over health month by month. See ``docs/health.md``.
"""

from tenure.health.backtest import Backtest, auc, backtest, departure_days
from tenure.health.distribution import Distribution, health_distribution, monthly_snapshots
from tenure.health.history import (
    COMPONENTS_TABLE,
    HISTORY_TABLE,
    read_health_history,
    write_health_history,
)
from tenure.health.score import component_points, health_scores
from tenure.health.scorecard import (
    SCORECARD_FILE,
    Bands,
    Colour,
    Component,
    Direction,
    Scorecard,
    default_scorecard,
    load_scorecard,
    project_scorecard,
)

__all__ = [
    "COMPONENTS_TABLE",
    "HISTORY_TABLE",
    "SCORECARD_FILE",
    "Backtest",
    "Bands",
    "Colour",
    "Component",
    "Direction",
    "Distribution",
    "Scorecard",
    "auc",
    "backtest",
    "component_points",
    "default_scorecard",
    "departure_days",
    "health_distribution",
    "health_scores",
    "load_scorecard",
    "monthly_snapshots",
    "project_scorecard",
    "read_health_history",
    "write_health_history",
]
