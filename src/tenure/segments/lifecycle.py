"""Lifecycle stage of each customer as of a date, and the provider activity that stage calls for.

Stages (``docs/segments.md`` holds the definition table; a test checks it against the enums):

``cancelled``
    The account has a pending request to cancel its running service (the rule the churn
    training sets and the scores' ``cancel_pending`` use: :mod:`tenure.measures.cancellations`),
    or its paid service ended in the last ``cancelled_days`` days.
``at_risk``
    In service, not cancelled, and its churn-risk score (the latest on or before the as-of date)
    is at or above ``at_risk_threshold``, or its health colour is ``red``.
``new``
    In its first ``onboarding_days`` days since its first paid day and before first value (the
    ``first_value_measure`` is not above 0, or not every ``first_value_events`` event happened).
``renewal``
    A paid line billed for more than one month at once (``billing_period_months > 1``) whose
    current term ends within ``renewal_window_days`` days: ``as_of <= term end < as_of + window``.
``growing``
    Every other account in service.

Precedence, first match wins: cancelled, at_risk, new, renewal, growing. A cancelled account is
not "at risk": it has already said it leaves, so the work is a cancellation (or win-back), not
prevention. A save outranks onboarding and renewal: an account likely to leave needs saving
whatever else is true of it. An account still without value is onboarded before its renewal is
harvested: it cannot renew well without value (only a term shorter than the onboarding period
can overlap both).

The provider activities follow the customer-success "lifecycle" playbooks (integrate the new
account into its workflow, tend the growing one, harvest the renewal or expansion, save the one at
risk); a cancelled account has no activity among these four.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from enum import StrEnum

import numpy as np
import pandas as pd

from tenure.config import RevenueDefinitions, SegmentSettings
from tenure.errors import ConfigError, InputError
from tenure.measures.cancellations import cancellation_status
from tenure.segments.customers import customer_lines, term_end
from tenure.segments.inputs import measures_at
from tenure.warehouse import Warehouse

__all__ = ["ACTIVITY", "PRECEDENCE", "LifecycleStage", "ProviderActivity", "lifecycle_stages"]


class LifecycleStage(StrEnum):
    """Lifecycle stages of a customer; ``docs/segments.md`` defines each (a test checks it)."""

    new = "new"
    growing = "growing"
    renewal = "renewal"
    at_risk = "at_risk"
    cancelled = "cancelled"


class ProviderActivity(StrEnum):
    """What the provider does for an account in each stage; defined in ``docs/segments.md``."""

    integrate = "integrate"
    tend = "tend"
    harvest = "harvest"
    save = "save"


#: The provider activity of each stage (``None``: the account has left or asked to leave).
ACTIVITY: dict[LifecycleStage, ProviderActivity | None] = {
    LifecycleStage.new: ProviderActivity.integrate,
    LifecycleStage.growing: ProviderActivity.tend,
    LifecycleStage.renewal: ProviderActivity.harvest,
    LifecycleStage.at_risk: ProviderActivity.save,
    LifecycleStage.cancelled: None,
}

#: The order in which stages are tested; the first that applies wins.
PRECEDENCE: tuple[LifecycleStage, ...] = (
    LifecycleStage.cancelled,
    LifecycleStage.at_risk,
    LifecycleStage.new,
    LifecycleStage.renewal,
    LifecycleStage.growing,
)

_COLUMNS = [
    "account_id", "as_of_date", "stage", "activity", "in_service", "customer_since",
    "service_end", "cancel_requested_at", "term_end", "first_value", "churn_risk", "health",
]


def _latest_on_or_before(frame: pd.DataFrame, as_of: date, value: str, name: str) -> pd.Series:
    """Each account's ``value`` from its latest row dated on or before ``as_of``."""
    missing = {"account_id", value} - set(frame.columns)
    if missing:
        raise InputError(
            f"the {name} frame lacks column(s) {', '.join(sorted(missing))} (found: "
            f"{', '.join(map(str, frame.columns))}); it needs account_id and {value}"
            + (" (and optionally as_of_date)." if name == "health" else " and as_of_date.")
        )
    rows = frame
    if "as_of_date" in frame.columns:
        dates = pd.to_datetime(frame["as_of_date"]).dt.date
        rows = frame.assign(_day=dates)[dates <= as_of].sort_values("_day", kind="stable")
    elif name == "scores":
        raise InputError("the scores frame lacks column as_of_date; pass the scores table "
                         "(account_id, as_of_date, churn_risk).")
    rows = rows.assign(account_id=rows["account_id"].astype(str))
    return rows.groupby("account_id")[value].last()


def _first_value_by_events(
    warehouse: Warehouse, events: list[str], as_of: date, accounts: list[str]
) -> pd.Series:
    """True for accounts that did every listed event before ``as_of`` (midnight UTC)."""
    if not warehouse.has_table("events"):
        raise ConfigError(
            "setting 'segments.first_value_events' names events but the warehouse has no events "
            "table; load events or set first_value_events to null to use first_value_measure."
        )
    table = warehouse.table("events")
    cutoff = datetime.combine(as_of, time())
    done = (
        table.filter(table.event_name.isin(events), table.occurred_at < cutoff)
        .group_by(account_id=table.account_id.cast("string"))
        .aggregate(kinds=table.event_name.nunique())
        .to_pandas()
    )
    reached = set(done.loc[done["kinds"] >= len(set(events)), "account_id"])
    return pd.Series([a in reached for a in accounts], index=accounts, dtype=bool)


def _first_value_by_measure(
    measures: pd.DataFrame, measure: str, as_of: date, accounts: list[str]
) -> pd.Series:
    """True for accounts whose first-value measure as of ``as_of`` is above 0."""
    if measure not in measures.columns:
        known = [c for c in measures.columns if c not in ("account_id", "as_of_date", "is_trial")]
        raise ConfigError(
            f"setting 'segments.first_value_measure' is {measure!r}, which is not a measure of "
            f"this project (known: {', '.join(known)}); name one of them, or declare it in "
            "measures.yaml and rerun `tenure measures`."
        )
    day = measures[pd.to_datetime(measures["as_of_date"]).dt.date == as_of]
    values = pd.to_numeric(day.set_index(day["account_id"].astype(str))[measure], errors="coerce")
    values = values[~values.index.duplicated()]
    return (values.reindex(accounts) > 0).fillna(False).astype(bool)


def lifecycle_stages(
    warehouse: Warehouse,
    as_of: date,
    *,
    settings: SegmentSettings | None = None,
    definitions: RevenueDefinitions | None = None,
    measures: pd.DataFrame | None = None,
    scores: pd.DataFrame | None = None,
    health: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Lifecycle stage and provider activity of every customer as of ``as_of``.

    Parameters
    ----------
    warehouse
        Warehouse with ``subscriptions`` (and ``cancellations``, ``events`` when used).
    as_of
        The as-of date: only facts dated before it are known (the measures' convention).
    settings
        The project's ``segments`` settings (default: every default).
    definitions
        Customer definitions: ``churn_recognition`` decides when a cancelled line stops.
    measures
        Wide measures (``account_id, as_of_date`` and the first-value measure); default the
        warehouse table ``measures_wide``. Not read when ``first_value_events`` is set.
    scores
        Optional churn-risk scores: ``account_id, as_of_date, churn_risk`` (the lead's ``scores``
        table); each account's latest score on or before ``as_of`` counts.
    health
        Optional health colours: ``account_id, colour`` and optionally ``as_of_date`` (latest on
        or before ``as_of``); ``red`` puts an account at risk.

    Returns
    -------
    pandas.DataFrame
        One row per customer: accounts in paid service as of ``as_of`` and those whose service
        ended in the last ``cancelled_days`` days. Columns ``account_id, as_of_date, stage``
        (:class:`LifecycleStage`), ``activity`` (:class:`ProviderActivity` or None),
        ``in_service``, ``customer_since`` (first paid day), ``service_end`` (when service
        ended, for those no longer in service), ``cancel_requested_at`` (latest request that
        makes a cancellation pending), ``term_end`` (earliest current term end of a multi-month
        line), ``first_value``, ``churn_risk`` and ``health``.

    Examples
    --------
    >>> stages = lifecycle_stages(wh, date(2024, 7, 1))  # doctest: +SKIP
    >>> stages["stage"].value_counts()  # doctest: +SKIP
    """
    settings = settings or SegmentSettings()
    lines = customer_lines(warehouse, definitions)
    known = lines[lines["start_date"] < as_of]

    # Step 1: who is a customer: in service now, or gone within cancelled_days.
    live = known[known["end_date"] >= as_of]
    in_service = set(live["account_id"])
    last_end = known.groupby("account_id")["end_date"].max()
    horizon = as_of - timedelta(days=settings.cancelled_days)
    ended = last_end[(last_end < as_of) & (last_end >= horizon)]
    accounts = sorted(in_service | set(ended.index))
    out = pd.DataFrame({"account_id": pd.Series(accounts, dtype=object)})
    out["as_of_date"] = as_of
    out["in_service"] = out["account_id"].isin(in_service)
    since = known.groupby("account_id")["start_date"].min()
    out["customer_since"] = out["account_id"].map(since)
    out["service_end"] = out["account_id"].map(ended)

    # Step 2: a pending request to cancel the running service (the rule of training and scores).
    serving = out.loc[out["in_service"], ["account_id", "as_of_date"]].reset_index(drop=True)
    status = cancellation_status(warehouse, serving, definitions)
    asked = status["requested_at"].dt.date.where(status["cancel_pending"].to_numpy())
    out["cancel_requested_at"] = out["account_id"].map(
        pd.Series(asked.to_numpy(), index=serving["account_id"]).dropna()
    )

    # Step 3: the current term end of each multi-month line in force; the earliest per account.
    terms = live[live["billing_period_months"] > 1]
    ends = pd.Series(
        [term_end(s, int(p), as_of) for s, p in
         zip(terms["start_date"], terms["billing_period_months"], strict=True)],
        index=terms.index, dtype=object,
    )
    out["term_end"] = out["account_id"].map(
        terms.assign(term_end=ends).groupby("account_id")["term_end"].min()
    )

    # Step 4: first value, by events or by a measure.
    if settings.first_value_events:
        reached = _first_value_by_events(warehouse, settings.first_value_events, as_of, accounts)
    else:
        if measures is None:
            measures = measures_at(warehouse, as_of)
        reached = _first_value_by_measure(measures, settings.first_value_measure, as_of, accounts)
    out["first_value"] = reached.reindex(accounts).to_numpy(dtype=bool)

    # Step 5: the optional risk inputs.
    risk = (
        _latest_on_or_before(scores, as_of, "churn_risk", "scores") if scores is not None
        else pd.Series(dtype=float)
    )
    out["churn_risk"] = pd.to_numeric(out["account_id"].map(risk), errors="coerce")
    colours = (
        _latest_on_or_before(health, as_of, "colour", "health") if health is not None
        else pd.Series(dtype=object)
    )
    out["health"] = out["account_id"].map(colours).map(
        lambda c: None if c is None or pd.isna(c) else str(c)
    )

    # Step 6: the stage, first match wins.
    cancelled = ~out["in_service"] | out["cancel_requested_at"].notna()
    red = out["health"].map(lambda c: c is not None and c.lower() == "red").astype(bool)
    at_risk = (out["churn_risk"] >= settings.at_risk_threshold).fillna(False) | red
    days_paid = [(as_of - s).days for s in out["customer_since"]]
    new = (pd.Series(days_paid, dtype="int64") <= settings.onboarding_days) & ~out["first_value"]
    window_end = as_of + timedelta(days=settings.renewal_window_days)
    renewal = out["term_end"].map(lambda t: t is not None and not pd.isna(t) and t < window_end)
    applies = {
        LifecycleStage.cancelled: cancelled.to_numpy(dtype=bool),
        LifecycleStage.at_risk: at_risk.to_numpy(dtype=bool),
        LifecycleStage.new: new.to_numpy(dtype=bool),
        LifecycleStage.renewal: renewal.to_numpy(dtype=bool),
        LifecycleStage.growing: np.ones(len(out), dtype=bool),
    }
    stage = pd.Series(None, index=out.index, dtype=object)
    for value in PRECEDENCE:
        stage[stage.isna().to_numpy() & applies[value]] = value
    out["stage"] = stage
    out["activity"] = out["stage"].map(ACTIVITY)
    for column in ("service_end", "cancel_requested_at", "term_end", "customer_since"):
        out[column] = out[column].map(lambda v: None if v is None or pd.isna(v) else v)
    return out[_COLUMNS]
