"""The data-quality checks' closed vocabularies: which check, and what it concluded."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["CHECK_LABELS", "CheckName", "CheckStatus"]


class CheckName(StrEnum):
    """One data-quality check (each is defined in ``docs/quality.md``)."""

    #: Events or tickets dated before the account's ``created_at``.
    activity_before_account = "activity_before_account"
    #: Events or tickets dated long after service ended, with no line (or trial) running.
    activity_outside_service = "activity_outside_service"
    #: The same plan held on two overlapping paid lines: MRR counted twice.
    stacked_lines = "stacked_lines"
    #: Cancellation requests whose service never ends, or ends far later than any term.
    stuck_cancellations = "stuck_cancellations"
    #: A churn flag or status in the source that contradicts the service Tenure derives.
    churn_flag_disagrees = "churn_flag_disagrees"
    #: Net revenue retention above 200%, monthly or over twelve months.
    implausible_retention = "implausible_retention"
    #: An account's MRR more than ten times the month before.
    mrr_jumps = "mrr_jumps"
    #: Churn recorded after the end of the default month range of ``tenure metrics``.
    range_cuts_off_churn = "range_cuts_off_churn"


class CheckStatus(StrEnum):
    """What a check concluded."""

    #: The check found something to look at.
    found = "found"
    #: The check ran and found nothing.
    clean = "clean"
    #: The data lacks what the check reads (a table or column); the reason says what.
    skipped = "skipped"


#: Short label of each check, for one-line summaries.
CHECK_LABELS: dict[CheckName, str] = {
    CheckName.activity_before_account: "activity before sign-up",
    CheckName.activity_outside_service: "activity outside service",
    CheckName.stacked_lines: "stacked lines",
    CheckName.stuck_cancellations: "stuck cancellations",
    CheckName.churn_flag_disagrees: "churn flag disagrees",
    CheckName.implausible_retention: "NRR above 200%",
    CheckName.mrr_jumps: "MRR jumps over 10x",
    CheckName.range_cuts_off_churn: "churn after the default range",
}
