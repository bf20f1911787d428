"""Where each customer-success rep should spend the day: the worklist and one account's page.

:func:`worklist` reads one dated snapshot of the ``scores`` table (``tenure score``) and sorts the
paid accounts by **MRR at risk** = churn risk x MRR, the expected recurring revenue lost, so a
small account with a high risk does not push a large one with a moderate risk off the page.
Accounts that already asked to cancel a paid line still running (``scores.cancel_pending``) are
left out unless asked for: their churn is known. It
joins each account's rep (``accounts.owner``), its service tier and lifecycle stage (the
``segments`` snapshot, when ``tenure segments`` has run) and its latest health (the
``health_history`` table, when ``tenure health score`` has run), and keeps the reasons behind
the risk, in words.

:func:`account_view` gathers what a rep opens before a call: scores and reasons, the risk and
health trend, MRR over the snapshots, and recent activity (events by name in the last 28 days,
tickets in the last 90, the latest NPS answer).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import ibis
import pandas as pd

from tenure.errors import InputError, WarehouseError
from tenure.segments.inputs import stored_health
from tenure.warehouse import Warehouse

__all__ = ["AccountView", "account_view", "snapshot_dates", "worklist"]

#: Columns of the worklist, in order.
WORKLIST_COLUMNS = [
    "account_id", "name", "owner", "tier", "stage", "plan", "mrr", "churn_risk", "mrr_at_risk",
    "health", "health_colour", "expansion", "advocacy", "churn_reasons", "cancel_pending",
    "as_of_date",
]


def _scores(warehouse: Warehouse) -> ibis.Table:
    if not warehouse.has_table("scores"):
        raise WarehouseError("the warehouse has no scores table; run `tenure train` and then "
                             "`tenure score` first.")
    return warehouse.table("scores")


def snapshot_dates(warehouse: Warehouse) -> list[date]:
    """The as-of dates of the stored score snapshots, oldest first."""
    scores = _scores(warehouse)
    days = scores.select("as_of_date").distinct().to_pandas()["as_of_date"]
    return sorted(pd.to_datetime(days).dt.date)


def _pick_snapshot(warehouse: Warehouse, as_of: date | None) -> date:
    dates = snapshot_dates(warehouse)
    if not dates:
        raise WarehouseError("the scores table is empty; run `tenure score` first.")
    if as_of is None:
        return dates[-1]
    if as_of not in dates:
        shown = ", ".join(str(d) for d in dates[-5:])
        raise InputError(f"no score snapshot at {as_of}; the latest are {shown} (or run "
                         f"`tenure score --as-of {as_of}`).")
    return as_of


def _accounts(warehouse: Warehouse) -> pd.DataFrame:
    accounts = warehouse.table("accounts")
    cols = [c for c in ("account_id", "name", "owner") if c in accounts.columns]
    frame = accounts.select(*cols).to_pandas()
    frame["account_id"] = frame["account_id"].astype(str)
    return frame


def _latest_before(warehouse: Warehouse, table: str, as_of: date,
                   columns: list[str]) -> pd.DataFrame | None:
    """Each account's row of a dated snapshot table at the latest date on or before ``as_of``."""
    if not warehouse.has_table(table):
        return None
    t = warehouse.table(table)
    if not set(columns) <= set(t.columns):
        return None
    t = t.filter(t.as_of_date <= as_of)
    latest = t.group_by("account_id").aggregate(last=t.as_of_date.max())
    joined = t.join(latest, [t.account_id == latest.account_id, t.as_of_date == latest["last"]])
    frame = joined.select("account_id", *columns).to_pandas()
    frame["account_id"] = frame["account_id"].astype(str)
    return frame.drop_duplicates("account_id")


def _health(warehouse: Warehouse, as_of: date) -> pd.DataFrame | None:
    """Latest health on or before ``as_of``: with several scorecards, the worst colour's card,
    the rule the lifecycle stages follow (:func:`tenure.segments.inputs.stored_health`)."""
    frame = stored_health(warehouse, as_of)
    if frame is None or "score" not in frame.columns:
        return None
    return frame[["account_id", "score", "colour"]].rename(
        columns={"score": "health", "colour": "health_colour"})


def worklist(
    warehouse: Warehouse,
    *,
    as_of: date | None = None,
    rep: str | None = None,
    tier: str | None = None,
    stage: str | None = None,
    min_risk: float = 0.0,
    limit: int | None = None,
    include_pending: bool = False,
) -> pd.DataFrame:
    """Paid accounts of one score snapshot, sorted by MRR at risk (largest first).

    Parameters
    ----------
    warehouse
        The project's warehouse, with a ``scores`` table.
    as_of
        Snapshot date; default the latest.
    rep, tier, stage
        Keep only this rep's accounts (``accounts.owner``), this service tier, this lifecycle
        stage. Tier and stage need the ``segments`` table (``tenure segments``).
    min_risk
        Keep accounts whose churn risk is at least this.
    limit
        Keep the first ``limit`` rows.
    include_pending
        Keep the accounts that already asked to cancel (``scores.cancel_pending``); left out by
        default, as their churn is known rather than a risk: a win-back, not a save.

    Returns
    -------
    pandas.DataFrame
        One row per account (grain ``account_id``), columns ``WORKLIST_COLUMNS``; tier, stage and
        health are null where their tables are absent.
    """
    day = _pick_snapshot(warehouse, as_of)
    scores = _scores(warehouse)
    rows = scores.filter((scores.as_of_date == day) & ~scores.is_trial).to_pandas()
    rows["account_id"] = rows["account_id"].astype(str)
    rows = rows.merge(_accounts(warehouse), on="account_id", how="left")
    segments = _latest_before(warehouse, "segments", day, ["tier", "stage"])
    if segments is not None:
        rows = rows.merge(segments, on="account_id", how="left")
    health = _health(warehouse, day)
    if health is not None:
        rows = rows.merge(health, on="account_id", how="left")
    plan = _latest_before(warehouse, "measures_wide", day, ["plan"])
    if plan is not None:
        rows = rows.merge(plan, on="account_id", how="left")
    for column in WORKLIST_COLUMNS:
        if column not in rows.columns:
            rows[column] = None
    for option, value in (("--tier", tier), ("--stage", stage)):
        if value is not None and segments is None:
            raise WarehouseError(f"{option} needs the segments table; run `tenure segments` "
                                 "first.")
    if rep is not None:
        if rep not in set(rows["owner"].dropna()):
            known = ", ".join(sorted(set(rows["owner"].dropna()))) or "none"
            raise InputError(f"--rep {rep!r} owns no scored account; reps: {known}.")
        rows = rows[rows["owner"] == rep]
    if tier is not None:
        rows = rows[rows["tier"] == tier]
    if stage is not None:
        rows = rows[rows["stage"] == stage]
    rows = rows[rows["churn_risk"].fillna(0) >= min_risk]
    if not include_pending and "cancel_pending" in rows.columns:
        rows = rows[~rows["cancel_pending"].astype(bool)]
    # Expected MRR lost first; ties (accounts without MRR) by risk, then id for a stable order.
    rows = rows.assign(_at_risk=rows["mrr_at_risk"].map(lambda v: -1 if v is None else float(v)))
    rows = rows.sort_values(["_at_risk", "churn_risk", "account_id"],
                            ascending=[False, False, True], kind="mergesort")
    rows = rows[WORKLIST_COLUMNS].reset_index(drop=True)
    return rows.head(limit) if limit is not None else rows


@dataclass
class AccountView:
    """What a rep reads before a call with one account."""

    account_id: str
    as_of_date: date
    summary: dict[str, object]
    scores: pd.DataFrame = field(repr=False)
    health: pd.DataFrame | None = field(repr=False)
    activity: pd.DataFrame = field(repr=False)
    tickets: pd.DataFrame = field(repr=False)
    nps: dict[str, object] | None = None
    #: False when the project has no scores yet: no risk, reasons or trend, the rest is shown.
    scored: bool = True


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time())


def account_view(warehouse: Warehouse, account_id: str, *, as_of: date | None = None,
                 history: int = 12) -> AccountView:
    """One account: its latest scores and reasons, trends and recent activity.

    ``history`` is how many score (and health) snapshots up to ``as_of`` the trends keep.
    Without scores (no model could be trained yet) the view still holds the account, its MRR
    and plan from the stored measures, tier and stage, and its recent activity, at ``as_of``
    or the latest as-of date of the measures; ``scored`` is then false.
    """
    scored = warehouse.has_table("scores") and bool(snapshot_dates(warehouse))
    day = _pick_snapshot(warehouse, as_of) if scored else _unscored_day(warehouse, as_of)
    accounts = warehouse.table("accounts")
    found = accounts.filter(accounts.account_id.cast("string") == account_id).to_pandas()
    if found.empty:
        raise InputError(f"no account {account_id!r} in the warehouse; `tenure accounts` lists "
                         "the scored accounts and their ids.")
    summary: dict[str, object] = {k: v for k, v in found.iloc[0].items() if pd.notna(v)}
    trend = pd.DataFrame({"as_of_date": [], "mrr": [], "churn_risk": [], "expansion": []})
    if scored:
        scores = _scores(warehouse)
        trend = (scores.filter((scores.account_id.cast("string") == account_id)
                               & (scores.as_of_date <= day))
                 .order_by(ibis.desc("as_of_date")).limit(history).to_pandas()
                 .sort_values("as_of_date").reset_index(drop=True))
        if trend.empty:
            raise InputError(f"account {account_id!r} has no score on or before {day}; it was "
                             "not active then (scores cover paid accounts and trials).")
        summary.update(trend.iloc[-1].to_dict())
    else:
        measured = _latest_before(warehouse, "measures_wide", day, ["mrr", "plan"])
        if measured is not None:
            mine = measured[measured["account_id"] == account_id]
            if not mine.empty:
                summary.update(mine.iloc[0].drop("account_id").dropna().to_dict())
    segments = _latest_before(warehouse, "segments", day, ["tier", "stage"])
    if segments is not None:
        mine = segments[segments["account_id"] == account_id]
        if not mine.empty:
            summary.update(mine.iloc[0].drop("account_id").to_dict())

    health = None
    if warehouse.has_table("health_history"):
        h = warehouse.table("health_history")
        health = (h.filter((h.account_id.cast("string") == account_id) & (h.as_of_date <= day))
                  .order_by(ibis.desc("as_of_date")).limit(history).to_pandas()
                  .sort_values("as_of_date").reset_index(drop=True))

    start, end = _midnight(day - timedelta(days=28)), _midnight(day)
    activity = pd.DataFrame({"event_name": [], "events": [], "users": [], "last_seen": []})
    if warehouse.has_table("events"):
        e = warehouse.table("events")
        mine = e.filter((e.account_id.cast("string") == account_id)
                        & (e.occurred_at >= start) & (e.occurred_at < end))
        activity = (mine.group_by("event_name")
                    .aggregate(events=mine.count(), users=mine.user_id.nunique(),
                               last_seen=mine.occurred_at.max())
                    .order_by(ibis.desc("events")).to_pandas())
    tickets = pd.DataFrame()
    if warehouse.has_table("tickets"):
        t = warehouse.table("tickets")
        tickets = (t.filter((t.account_id.cast("string") == account_id)
                            & (t.opened_at >= _midnight(day - timedelta(days=90)))
                            & (t.opened_at < end))
                   .order_by(ibis.desc("opened_at")).to_pandas())
    nps = None
    if warehouse.has_table("survey_responses"):
        s = warehouse.table("survey_responses")
        latest = (s.filter((s.account_id.cast("string") == account_id) & (s.answered_at < end))
                  .order_by(ibis.desc("answered_at")).limit(1).to_pandas())
        if not latest.empty:
            nps = {k: v for k, v in latest.iloc[0].items() if pd.notna(v)}
    return AccountView(account_id=account_id, as_of_date=day, summary=summary, scores=trend,
                       health=health, activity=activity, tickets=tickets, nps=nps, scored=scored)


def _unscored_day(warehouse: Warehouse, as_of: date | None) -> date:
    """The date an account is shown at when nothing is scored: ``as_of``, else the latest as-of
    date of the stored measures, else the first day without data."""
    if as_of is not None:
        return as_of
    if warehouse.has_table("measures_wide"):
        latest = warehouse.table("measures_wide").as_of_date.max().execute()
        if latest is not None and pd.notna(latest):
            return pd.Timestamp(latest).date()
    from tenure.measures.asof import data_end

    return data_end(warehouse)
