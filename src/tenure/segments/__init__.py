"""Segments of the customer base: service tiers, lifecycle stages and named customer groups.

``account_segments`` joins all three for one as-of date (the ``segments`` table and the
worklist read it). See ``docs/segments.md``.
"""

from tenure.segments.lifecycle import ACTIVITY, LifecycleStage, ProviderActivity, lifecycle_stages
from tenure.segments.tiers import ServiceTier, service_tiers

__all__ = [
    "ACTIVITY",
    "LifecycleStage",
    "ProviderActivity",
    "ServiceTier",
    "lifecycle_stages",
    "service_tiers",
]
