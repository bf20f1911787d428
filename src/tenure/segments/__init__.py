"""Segments of the customer base: service tiers, lifecycle stages and named customer groups.

:func:`account_segments` joins all three for one as-of date (the ``segments`` table, written by
``tenure segments``, and the worklist read it). See ``docs/segments.md``.
"""

from tenure.segments.groups import (
    GROUPS_FILE,
    Assessment,
    CustomerGroup,
    GroupsConfig,
    customer_groups,
    default_groups_config,
    group_assessments,
    load_groups_config,
    project_groups_config,
)
from tenure.segments.lifecycle import (
    ACTIVITY,
    PRECEDENCE,
    LifecycleStage,
    ProviderActivity,
    lifecycle_stages,
)
from tenure.segments.snapshot import SEGMENTS_TABLE, account_segments, write_segments
from tenure.segments.tiers import ServiceTier, service_tiers

__all__ = [
    "ACTIVITY",
    "GROUPS_FILE",
    "PRECEDENCE",
    "SEGMENTS_TABLE",
    "Assessment",
    "CustomerGroup",
    "GroupsConfig",
    "LifecycleStage",
    "ProviderActivity",
    "ServiceTier",
    "account_segments",
    "customer_groups",
    "default_groups_config",
    "group_assessments",
    "lifecycle_stages",
    "load_groups_config",
    "project_groups_config",
    "service_tiers",
    "write_segments",
]
