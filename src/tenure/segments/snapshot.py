"""The segments of every customer at one as-of date: tier, lifecycle stage, activity and groups.

Grain of the ``segments`` table: one row per ``(account_id, as_of_date)``. Columns:

* ``mrr`` (decimal): MRR of the paid lines in force as of the date (0 once service has ended);
* ``tier`` (:class:`~tenure.segments.tiers.ServiceTier`), from that MRR;
* ``stage`` (:class:`~tenure.segments.lifecycle.LifecycleStage`) and ``activity``
  (:class:`~tenure.segments.lifecycle.ProviderActivity`, null for cancelled accounts);
* ``groups``: the names of the customer groups the account is in, in declaration order.

The table keeps history: :func:`write_segments` replaces only the snapshot's own as-of dates
(:meth:`tenure.warehouse.Warehouse.replace_snapshots`).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from decimal import Decimal

import pandas as pd
import pyarrow as pa

from tenure.config import ProjectConfig, SegmentSettings
from tenure.measures import MeasuresConfig, default_measures_config
from tenure.measures.sources import missing_sources
from tenure.segments.customers import customer_lines, mrr_in_force
from tenure.segments.groups import GroupsConfig, customer_groups, default_groups_config
from tenure.segments.inputs import latest_measures_date, measures_at
from tenure.segments.lifecycle import lifecycle_stages
from tenure.segments.tiers import service_tiers
from tenure.warehouse import Warehouse

__all__ = [
    "SEGMENTS_COLUMNS",
    "SEGMENTS_TABLE",
    "account_segments",
    "segments_table",
    "write_segments",
]

SEGMENTS_TABLE = "segments"
_SCHEMA = pa.schema([
    ("account_id", pa.string()), ("as_of_date", pa.date32()), ("mrr", pa.decimal128(18, 2)),
    ("tier", pa.string()), ("stage", pa.string()), ("activity", pa.string()),
    ("groups", pa.list_(pa.string())),
])
SEGMENTS_COLUMNS = list(_SCHEMA.names)


def account_segments(
    warehouse: Warehouse,
    as_of: date | None = None,
    settings: ProjectConfig | SegmentSettings | None = None,
    *,
    scores: pd.DataFrame | None = None,
    health: pd.DataFrame | None = None,
    groups: GroupsConfig | None = None,
    measures_config: MeasuresConfig | None = None,
    measures: pd.DataFrame | None = None,
    unknown: Collection[str] | None = None,
) -> pd.DataFrame:
    """Tier, lifecycle stage, provider activity and groups of every customer as of a date.

    Parameters
    ----------
    warehouse
        The project's warehouse, with ``subscriptions`` and ``measures_wide``.
    as_of
        The as-of date; default the latest of ``measures_wide``.
    settings
        Project settings: ``segments`` (tiers and stages) and ``definitions`` (when a cancelled
        line stops); a bare :class:`~tenure.config.SegmentSettings` uses the default
        definitions. Default: every default.
    scores, health
        Optional risk inputs (see :func:`~tenure.segments.lifecycle.lifecycle_stages`): the
        ``scores`` table's ``account_id, as_of_date, churn_risk`` and health colours
        ``account_id, colour``. Without them no account is at risk.
    groups
        Customer groups; default the built-in ones, checked against ``measures_config``.
    measures_config
        The project's measures (default: the built-in ones), to check the groups against.
    measures
        Wide measures at ``as_of``; default read from ``measures_wide``.
    unknown
        Measures unknown for the whole business (their source is absent); default those
        :func:`~tenure.measures.sources.missing_sources` finds in ``warehouse``. No account is
        put in a group that needs one (see :func:`~tenure.segments.groups.customer_groups`).

    Returns
    -------
    pandas.DataFrame
        ``account_id, as_of_date, mrr`` (Decimal), ``tier``, ``stage``, ``activity`` (None for
        cancelled accounts) and ``groups`` (list of names), one row per customer: accounts in
        paid service, and those whose service ended in the last ``segments.cancelled_days``.

    Examples
    --------
    >>> seg = account_segments(wh, settings=load_config(project))  # doctest: +SKIP
    >>> seg[seg["stage"] == "at_risk"]  # doctest: +SKIP
    """
    if isinstance(settings, SegmentSettings):
        settings = ProjectConfig(segments=settings)
    settings = settings or ProjectConfig()
    if as_of is None:
        as_of = latest_measures_date(warehouse)
    if measures is None:
        measures = measures_at(warehouse, as_of)
    measures_config = measures_config or default_measures_config()
    if groups is None:
        groups = default_groups_config(measures_config)
    if unknown is None:
        unknown = {m for names in missing_sources(warehouse, measures_config).values()
                   for m in names}

    # Step 1: the lifecycle stage of every customer (who is a customer is decided there).
    stages = lifecycle_stages(
        warehouse, as_of, settings=settings.segments, definitions=settings.definitions,
        measures=measures, scores=scores, health=health,
    )
    accounts = stages["account_id"].tolist()

    # Step 2: exact MRR in force and the service tier it gives.
    in_force = mrr_in_force(customer_lines(warehouse, settings.definitions), as_of)
    mrr = {a: in_force.get(a, Decimal("0.00")) for a in accounts}
    tiers = service_tiers(
        mrr, settings.segments.top_tier_share, settings.segments.leveraged_tier_share
    ).set_index("account_id")["tier"]

    # Step 3: group memberships, in declaration order.
    day = measures[pd.to_datetime(measures["as_of_date"]).dt.date == as_of]
    members = customer_groups(day[day["account_id"].astype(str).isin(set(accounts))], groups,
                              unknown)
    position = {name: i for i, name in enumerate(groups.names)}
    by_account: dict[str, list[str]] = {a: [] for a in accounts}
    for account, group in sorted(zip(members["account_id"], members["group"], strict=True),
                                 key=lambda m: (m[0], position[m[1]])):
        by_account[account].append(group)

    out = pd.DataFrame({
        "account_id": pd.Series(accounts, dtype=object),
        "as_of_date": as_of,
        "mrr": pd.Series([mrr[a] for a in accounts], dtype=object),
        "tier": pd.Series([tiers[a] for a in accounts], dtype=object),
        "stage": stages["stage"].to_numpy(),
        "activity": stages["activity"].to_numpy(),
        "groups": pd.Series([by_account[a] for a in accounts], dtype=object),
    })
    return out[SEGMENTS_COLUMNS]


def segments_table(segments: pd.DataFrame) -> pa.Table:
    """The Arrow table written to ``segments`` (vocabularies as plain strings)."""
    return pa.table({
        "account_id": pa.array(segments["account_id"].astype(str).tolist(), pa.string()),
        "as_of_date": pa.array(list(segments["as_of_date"]), pa.date32()),
        "mrr": pa.array(list(segments["mrr"]), pa.decimal128(18, 2)),
        "tier": pa.array([str(v) for v in segments["tier"]], pa.string()),
        "stage": pa.array([str(v) for v in segments["stage"]], pa.string()),
        "activity": pa.array([None if v is None else str(v) for v in segments["activity"]],
                             pa.string()),
        "groups": pa.array([list(v) for v in segments["groups"]], pa.list_(pa.string())),
    }, schema=_SCHEMA)


def write_segments(warehouse: Warehouse, segments: pd.DataFrame) -> None:
    """Store a snapshot in table ``segments``, replacing only its own as-of dates (history kept)."""
    warehouse.replace_snapshots(SEGMENTS_TABLE, segments_table(segments), by=["as_of_date"])
