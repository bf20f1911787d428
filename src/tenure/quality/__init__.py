"""Data quality: what is suspicious but not invalid in a loaded warehouse.

The loader refuses what is invalid (a malformed date, an unknown account); these checks list
what loads fine but cannot be right, or is worth a look, before anyone trusts a metric built on
it: activity before sign-up, stacked lines, cancellations that never end service, a source's
churn flag that disagrees with Tenure's, implausible retention, MRR jumps, churn hidden by the
default month range. Each finding has a count, examples and a fix (``docs/quality.md``).

This layer reads the warehouse and the revenue metrics; only ``report`` and ``cli`` import it.
"""

from tenure.quality.checks import check_warehouse
from tenure.quality.findings import CheckResult, QualityReport
from tenure.quality.vocabulary import CheckName, CheckStatus

__all__ = ["CheckName", "CheckResult", "CheckStatus", "QualityReport", "check_warehouse"]
