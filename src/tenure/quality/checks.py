"""The data-quality checks: what is suspicious but not invalid in a loaded warehouse.

Each check is one function of a :class:`~tenure.quality.scope.DataScope` returning a
:class:`~tenure.quality.findings.CheckResult`; it builds Ibis expressions over the warehouse
tables and fetches only what it found (counts, totals and a few examples). A check whose table
or column is absent raises :class:`~tenure.quality.scope.MissingData`, which
:func:`check_warehouse` turns into a skipped result with that reason. The definitions, with
the thresholds below, are in ``docs/quality.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import ibis
import ibis.expr.types as ir

from tenure.config import RevenueDefinitions
from tenure.metrics.period import (
    MonthRange,
    add_months,
    as_of_month_end,
    data_month_range,
    month_start,
)
from tenure.quality.findings import CheckResult, QualityReport, counted, format_money
from tenure.quality.scope import DataScope, MissingData, as_day, first_rows
from tenure.quality.vocabulary import CheckName, CheckStatus
from tenure.schema import MONEY
from tenure.warehouse import Warehouse

__all__ = [
    "ACTIVE_VALUES",
    "AFTER_SERVICE_DAYS",
    "CHECKS",
    "CHURNED_VALUES",
    "FLAG_COLUMNS",
    "JUMP_FACTOR",
    "MAX_NRR",
    "activity_before_account",
    "activity_outside_service",
    "check_warehouse",
    "churn_flag_disagrees",
    "implausible_retention",
    "mrr_jumps",
    "range_cuts_off_churn",
    "stacked_lines",
    "stuck_cancellations",
]

#: Activity this many days or more after every line (or trial) that had started ended is outside
#: service.
AFTER_SERVICE_DAYS = 90
#: Net revenue retention above this (200%), monthly or trailing twelve months, is implausible.
MAX_NRR = 2.0
#: An account's MRR more than this many times its MRR the month before is a jump.
JUMP_FACTOR = 10
#: Account columns read as the source's churn flag: ``status`` holds words, ``churned`` a flag.
FLAG_COLUMNS = ("status", "churned")
#: ``status`` values meaning the account has churned, and values meaning it is a customer.
CHURNED_VALUES = frozenset({"churned", "cancelled", "canceled", "inactive", "lost", "closed",
                            "ended", "expired", "former"})
ACTIVE_VALUES = frozenset({"active", "paying", "live", "current", "customer", "subscribed"})
#: ``churned`` flag values (as the loader reads booleans).
_TRUE = frozenset({"true", "t", "yes", "y", "1"})
_FALSE = frozenset({"false", "f", "no", "n", "0"})

#: A line's end standing for "still running" inside comparisons (no date arithmetic touches it).
_OPEN = date(9999, 12, 31)
_EXAMPLES = 5


@dataclass(frozen=True)
class _Run:
    """What every check reads: the scope, the revenue definitions and the currency."""

    scope: DataScope
    definitions: RevenueDefinitions
    currency: str

    def money(self, amount: Decimal | None) -> str:
        return format_money(amount or Decimal(0), self.currency)


def _clean(check: CheckName, unit: str) -> CheckResult:
    return CheckResult(check, CheckStatus.clean, unit=unit, summary="nothing found")


def _money_total(value: object) -> Decimal:
    return Decimal(0) if value is None else Decimal(value).quantize(Decimal("0.01"))


def _end_or_open(table: ir.Table) -> ir.DateValue:
    """A line's ``end_date`` with :data:`_OPEN` for a running line (or no end column)."""
    if "end_date" in table.columns:
        return table.end_date.fill_null(_OPEN)
    return ibis.literal(_OPEN)


def _null_date(table: ir.Table, column: str) -> ir.DateValue:
    return table[column] if column in table.columns else ibis.null("date")


# --- usage and tickets --------------------------------------------------------------------

_ACTIVITY = {"events": "occurred_at", "tickets": "opened_at"}


def _activity(scope: DataScope, purpose: str) -> ir.Table:
    """Events and tickets as ``(account_id, source, day)``, whichever tables are present."""
    parts = []
    for table, column in _ACTIVITY.items():
        if scope.has(table, "account_id", column) and not scope.is_empty(table):
            t = scope.warehouse.con.table(table)
            parts.append(t.select(account_id=t.account_id.cast("string"),
                                  source=ibis.literal(table), day=as_day(t[column])))
    if not parts:
        raise MissingData(f"no events or tickets rows; load events.csv or tickets.csv to check "
                          f"{purpose}")
    return parts[0] if len(parts) == 1 else ibis.union(*parts)


def _activity_result(check: CheckName, rows: ir.Table, *, what: str, fix: str,
                     examples: list[str]) -> CheckResult:
    """Count the accounts and rows of ``rows`` (grain: one activity row) into a result."""
    per_account = rows.group_by("account_id").aggregate(
        rows=rows.count(), first_day=rows.day.min(), last_day=rows.day.max(),
        events=(rows.source == "events").sum(), tickets=(rows.source == "tickets").sum(),
        **{c: rows[c].max() for c in examples},
    )
    totals = per_account.aggregate(accounts=per_account.count(), rows=per_account.rows.sum())
    total = totals.to_pyarrow().to_pylist()[0]
    if not total["accounts"]:
        return _clean(check, "accounts")
    accounts, found = total["accounts"], int(total["rows"])
    return CheckResult(
        check, CheckStatus.found, count=accounts, unit="accounts",
        summary=f"{accounts:,} account(s) have {found:,} event(s) or ticket(s) {what}.",
        fix=fix, brief=f"{counted(accounts, 'accounts')}, {counted(found, 'rows')}",
        examples=first_rows(per_account, [ibis.desc("rows"), "account_id"], _EXAMPLES),
    )


def activity_before_account(run: _Run) -> CheckResult:
    """Events or tickets dated (as calendar days, UTC) before the account's ``created_at``."""
    check = CheckName.activity_before_account
    purpose = "activity dated before the account was created"
    activity = _activity(run.scope, purpose)
    accounts = run.scope.need("accounts", "account_id", "created_at", purpose=purpose)
    accounts = accounts.select(account_id=accounts.account_id.cast("string"),
                               created=as_day(accounts.created_at))
    joined = activity.join(accounts, "account_id")
    early = joined.filter(joined.day < joined.created)
    return _activity_result(
        check, early, what="dated before the account was created", examples=["created"],
        fix="created_at is often the day a record reached the billing system, not the sign-up: "
            "export the real sign-up date (or the first subscription's start), or correct the "
            "activity timestamps' time zone. Tenure counts usage from sign-up, so this activity "
            "shapes the first weeks' measures.")


def activity_outside_service(run: _Run) -> CheckResult:
    """Events or tickets dated after the account's first line (or trial) started, yet
    :data:`AFTER_SERVICE_DAYS` days or more after the end of every line and trial that started
    by then: long after service ended, or in a long gap between two spells of service. Activity
    before the first line (a free plan, a sign-up before buying) is not counted, nor are
    accounts that never had a line."""
    check = CheckName.activity_outside_service
    purpose = "activity outside any subscription"
    activity = _activity(run.scope, purpose)
    subs = run.scope.need("subscriptions", "account_id", "start_date", purpose=purpose)
    spans = subs.select(account_id=subs.account_id.cast("string"), start=subs.start_date,
                        end=_end_or_open(subs))
    if run.scope.has("trials", "account_id", "started_at", "ends_at"):
        trials = run.scope.warehouse.con.table("trials")
        spans = ibis.union(spans, trials.select(
            account_id=trials.account_id.cast("string"), start=trials.started_at.cast("date"),
            end=trials.ends_at.cast("date")))
    first = spans.group_by("account_id").aggregate(first_start=spans.start.min())
    since = activity.join(first, "account_id")
    since = since.filter(since.day >= since.first_start)
    # Covered: some span started by the day and ended less than N days before it (day - N
    # days < end, never end + N days: no arithmetic on the open end).
    outside = since.anti_join(spans, [
        since.account_id == spans.account_id, spans.start <= since.day,
        since.day - ibis.interval(days=AFTER_SERVICE_DAYS) < spans.end,
    ])
    last_end = spans.group_by("account_id").aggregate(last_end=spans.end.max())
    outside = outside.join(last_end, "account_id")
    return _activity_result(
        check, outside, examples=["first_start", "last_end"],
        what=f"dated {AFTER_SERVICE_DAYS} days or more after their service ended, with no line "
             "running",
        fix="Either service went on and the subscriptions export misses it (a renewal, a line "
            "on another billing account: export it, or map the account ids so they match), or "
            "the activity belongs to another account that reuses the id. Churn labels trust the "
            "end of service, so unrecorded service makes these accounts look churned.")


# --- subscription lines -------------------------------------------------------------------


def stacked_lines(run: _Run) -> CheckResult:
    """Paid lines of the same plan and account that overlap in time: each line starting while
    an earlier one of the same plan runs adds its MRR a second time."""
    check = CheckName.stacked_lines
    lines = run.scope.paid_lines("stacked lines", "subscription_id")
    base = lines.select(account_id=lines.account_id.cast("string"),
                        plan=lines.plan.cast("string"), line=lines.subscription_id.cast("string"),
                        start=lines.start_date, end=_end_or_open(lines), mrr=lines.mrr.cast(MONEY))
    a = base.rename(a_account="account_id", a_plan="plan", a_line="line", a_start="start",
                    a_end="end", a_mrr="mrr")
    pairs = a.join(base, [
        a.a_account == base.account_id, a.a_plan == base.plan,
        # a started first (ties broken by line id), and still ran when the later line started
        (a.a_start < base.start) | ((a.a_start == base.start) & (a.a_line < base.line)),
        a.a_end > base.start, base.end > base.start,
    ])
    stacked = pairs.group_by(["account_id", "plan", "line", "start", "end", "mrr"]).aggregate(
        stacked_on=pairs.a_line.min())
    total = stacked.aggregate(
        accounts=stacked.account_id.nunique(), lines=stacked.count(), mrr=stacked.mrr.sum(),
    ).to_pyarrow().to_pylist()[0]
    if not total["lines"]:
        return _clean(check, "accounts")
    accounts, added = total["accounts"], _money_total(total["mrr"])
    shown = stacked.select(
        "account_id", "plan", "line", "stacked_on", "start",
        end=(stacked.end == _OPEN).ifelse(ibis.null("date"), stacked.end), extra_mrr=stacked.mrr,
    )
    return CheckResult(
        check, CheckStatus.found, count=accounts, unit="accounts", mrr=added,
        summary=f"{accounts:,} account(s) hold the same plan on overlapping paid lines "
                f"({total['lines']:,} line(s) stacked on an earlier one), adding "
                f"{run.money(added)} MRR while they overlap.",
        brief=f"{counted(accounts, 'accounts')}, +{run.money(added)} MRR",
        fix="If a renewal or plan change was exported as a new line without ending the old "
            "one, set the old line's end_date to the new line's start_date; if the same line "
            "was exported twice, drop the copy. If the account really holds the plan twice "
            "(extra seats sold as a second line), nothing is wrong: the MRR is real.",
        examples=first_rows(shown, ["account_id", "start", "line"], _EXAMPLES),
    )


def stuck_cancellations(run: _Run) -> CheckResult:
    """Cancellation requests whose service ends more than one billing term and a month later
    (``billing_period_months * 31 + 31`` days, the longest term among the account's paid lines
    running on the request day), or has not ended that long after the request by the last day
    of data. Requests are a paid line's ``cancelled_at`` (its service: that line), and rows of
    the ``cancellations`` table no line carries (Tenure counts those as pending for the
    account's running service: every paid line running on the request day)."""
    check = CheckName.stuck_cancellations
    end_of_data = run.scope.last_day
    lines = run.scope.paid_lines("cancellation requests that never end service",
                                 "subscription_id", "cancelled_at")
    if end_of_data is None:
        return _clean(check, "accounts")
    months = (lines.billing_period_months.fill_null(1) if "billing_period_months" in lines.columns
              else ibis.literal(1))
    base = lines.select(
        account_id=lines.account_id.cast("string"), line=lines.subscription_id.cast("string"),
        start=lines.start_date, end=_null_date(lines, "end_date"), cancelled_at="cancelled_at",
        months=months.cast("int64"), mrr=lines.mrr.cast(MONEY),
    )

    # Step 1: the requests, each with the line(s) whose end it waits for.
    carried = base.filter(base.cancelled_at.notnull())
    parts = [carried.select("account_id", "line", "end", "mrr", requested="cancelled_at")]
    if run.scope.has("cancellations", "account_id", "cancelled_at"):
        table = run.scope.warehouse.con.table("cancellations")
        only_here = table.select(account_id=table.account_id.cast("string"),
                                 requested=table.cancelled_at.cast("date"))
        only_here = only_here.anti_join(carried, [only_here.account_id == carried.account_id,
                                                  only_here.requested == carried.cancelled_at])
        running = only_here.join(base, [only_here.account_id == base.account_id,
                                        base.start <= only_here.requested,
                                        base.end.fill_null(_OPEN) > only_here.requested])
        parts.append(running.select("account_id", "line", "end", "mrr", "requested"))
    requests = parts[0] if len(parts) == 1 else ibis.union(*parts)

    # Step 2: the longest billing term running on the request day (an add-on billed monthly
    # runs on to the end of the annual term it belongs to).
    days = requests.select("account_id", "requested").distinct()
    on_day = days.join(base, [days.account_id == base.account_id, base.start <= days.requested,
                              base.end.fill_null(_OPEN) > days.requested])
    terms = on_day.group_by(["account_id", "requested"]).aggregate(term=on_day.months.max())
    requests = requests.left_join(terms, ["account_id", "requested"]).drop(
        "account_id_right", "requested_right")

    # Step 3: how long service ran after the request, against the term and a month.
    waited = requests.end.fill_null(end_of_data).delta(requests.requested, unit="day")
    found = requests.mutate(days=waited).filter(
        waited > requests.term.fill_null(1) * 31 + 31).drop("term")
    per_request = found.group_by(["account_id", "requested"]).aggregate(
        end=found.end.max(), days=found.days.max(), lines=found.line.nunique(),
        mrr=found.mrr.sum().cast(MONEY))
    accounts = per_request.account_id.nunique().to_pyarrow().as_py()
    if not accounts:
        return _clean(check, "accounts")
    consequence = ("Tenure counts them as pending cancellations all that time"
                   if run.definitions.churn_recognition == "service_end" else
                   "with churn_recognition: cancellation their lines' MRR stopped at the request, "
                   "but a request in cancellations alone stays pending")
    return CheckResult(
        check, CheckStatus.found, count=accounts, unit="accounts",
        summary=f"{accounts:,} account(s) asked to cancel but their service ran on longer than "
                f"a billing term and a month after the request (or has not ended by "
                f"{end_of_data}); {consequence}.",
        fix="Record when service ended (end_date on the line) if the customer left; if the "
            "customer was won back, clear the line's cancelled_at and drop the request from "
            "cancellations. Pending accounts are left out of churn training and the worklist.",
        examples=first_rows(per_request, [ibis.desc("days"), "account_id"], _EXAMPLES),
    )


def churn_flag_disagrees(run: _Run) -> CheckResult:
    """The source's churn flag (account attribute ``status`` or ``churned``) against the
    service Tenure derives on the last day of data: an account flagged churned with a paid
    line running and no pending request, or flagged active whose paid service has ended.
    Accounts that never paid, and flag values outside the known words, are not compared."""
    check = CheckName.churn_flag_disagrees
    scope = run.scope
    column = next((c for c in FLAG_COLUMNS if scope.has("accounts", c)), None)
    if column is None:
        raise MissingData("the accounts table has no status or churned column; map the "
                          "source's churn flag to one (e.g. tables.accounts.columns: "
                          "{Customer Status: status}) to compare it with Tenure's churn")
    end_of_data = scope.last_day
    lines = scope.paid_lines("the source's churn flag")
    if end_of_data is None:
        return _clean(check, "accounts")
    accounts = scope.need("accounts", "account_id", column, purpose="the source's churn flag")
    value = accounts[column].cast("string").strip().lower()
    churned_words, active_words = ((CHURNED_VALUES, ACTIVE_VALUES) if column == "status"
                                   else (_TRUE, _FALSE))
    flags = accounts.select(
        account_id=accounts.account_id.cast("string"), flag=accounts[column].cast("string"),
        says_churned=value.isin(list(churned_words)), says_active=value.isin(list(active_words)),
    )
    known = flags.filter(flags.says_churned | flags.says_active)
    if not known.count().to_pyarrow().as_py():
        seen = flags.flag.value_counts().order_by(ibis.desc("flag_count")).limit(5)
        values = ", ".join(repr(v) for v in seen.flag.to_pyarrow().to_pylist())
        words = ", ".join(sorted(churned_words | active_words))
        raise MissingData(f"the accounts' {column} column holds none of the values Tenure reads "
                          f"(found {values}; read: {words}); rename the values in the export "
                          "to compare the flag with Tenure's churn")
    end = _end_or_open(lines)
    running = (lines.start_date <= end_of_data) & (end > end_of_data)
    cancelled = _null_date(lines, "cancelled_at")
    service = lines.group_by(account_id=lines.account_id.cast("string")).aggregate(
        running_mrr=lines.mrr.sum(where=running).cast(MONEY),
        running_since=lines.start_date.min(where=running),
        pending=(running & cancelled.notnull() & (cancelled <= end_of_data)).any(),
        ended=end.max(where=end <= end_of_data),
    )
    if scope.has("cancellations", "account_id", "cancelled_at"):
        table = scope.warehouse.con.table("cancellations")
        asked = table.group_by(account_id=table.account_id.cast("string")).aggregate(
            last_request=table.cancelled_at.cast("date").max())
        service = service.left_join(asked, "account_id").drop("account_id_right")
        service = service.mutate(pending=service.pending | (
            service.running_since.notnull() & (service.last_request >= service.running_since)
        ).fill_null(False))
    joined = known.join(service, "account_id")
    in_service = joined.running_mrr.notnull()
    flagged_but_paying = joined.says_churned & in_service & ~joined.pending
    active_but_ended = joined.says_active & ~in_service
    bad = joined.filter(flagged_but_paying | active_but_ended).select(
        "account_id", "flag",
        tenure=flagged_but_paying.ifelse(ibis.literal("in service"), ibis.literal("churned")),
        running_mrr="running_mrr", service_ended=(~in_service).ifelse(
            joined.ended, ibis.null("date")),
    )
    total = bad.aggregate(accounts=bad.count(), paying=(bad.tenure == "in service").sum(),
                          mrr=bad.running_mrr.sum()).to_pyarrow().to_pylist()[0]
    if not total["accounts"]:
        return _clean(check, "accounts")
    count, paying = total["accounts"], int(total["paying"] or 0)
    mrr = _money_total(total["mrr"])
    kinds = [text for n, text in [
        (paying, f"{paying:,} flagged churned still hold paid lines ({run.money(mrr)} MRR)"),
        (count - paying, f"{count - paying:,} flagged active have no paid line running"),
    ] if n]
    return CheckResult(
        check, CheckStatus.found, count=count, unit="accounts", mrr=mrr if paying else None,
        summary=f"{count:,} account(s) whose {column} column disagrees with Tenure on "
                f"{end_of_data}: {'; '.join(kinds)}.",
        brief=counted(count, "accounts"),
        fix="Tenure derives churn from the subscription lines' dates, not from the flag. An "
            "account flagged churned with a running line needs its end_date (or cancelled_at); "
            "one flagged active with no running line misses a renewal or a line in the export. "
            "If the flag means something else, rename its values in the export (docs/quality.md "
            "lists the words read).",
        examples=first_rows(bad, ["tenure", "account_id"], _EXAMPLES),
    )


# --- metric values ------------------------------------------------------------------------


def _default_range(warehouse: Warehouse, subscriptions: ir.Table) -> MonthRange:
    """The month range ``tenure metrics`` takes when given none, also for a table without
    ``cancelled_at``: from the data's first month to the month of the last load's as-of date
    (:func:`~tenure.metrics.period.as_of_month_end`), or, with no load recorded, to the month
    after the last start or cancellation, as :func:`~tenure.metrics.revenue.revenue_metrics`
    takes it.
    """
    if "cancelled_at" not in subscriptions.columns:
        subscriptions = subscriptions.mutate(cancelled_at=ibis.null("date"))
    covered = data_month_range(subscriptions)
    end = as_of_month_end(warehouse, covered.start)
    return covered if end is None else MonthRange(covered.start, max(end, covered.end))


def _account_months(run: _Run, purpose: str) -> ir.Table:
    """Every account-month of the data (:func:`~tenure.metrics.mrr.account_months`), from the
    first month to the month of the last day of data (or the default range's end, if later)."""
    from tenure.metrics.mrr import account_months

    subs = run.scope.need("subscriptions", "account_id", "plan", "mrr", "start_date",
                          purpose=purpose)
    covered = _default_range(run.scope.warehouse, subs)
    end = covered.end
    if run.scope.last_day is not None:
        end = max(end, add_months(month_start(run.scope.last_day), 1))
    return account_months(subs, start=covered.start, end=end, definitions=run.definitions)


def implausible_retention(run: _Run) -> CheckResult:
    """Months whose net revenue retention (monthly, or trailing twelve months) is above
    :data:`MAX_NRR`, over every month of data (the rates of ``tenure metrics``)."""
    from tenure.metrics.retention import retention_by_month

    check = CheckName.implausible_retention
    monthly = retention_by_month(_account_months(run, "net revenue retention"))
    high = monthly.filter((monthly.nrr > MAX_NRR) | (monthly.nrr_ttm > MAX_NRR))
    high = high.select("month", "mrr", "nrr", "nrr_ttm", peak=ibis.greatest(
        high.nrr.fill_null(0), high.nrr_ttm.fill_null(0)))
    total = high.aggregate(months=high.count(), peak=high.peak.max()).to_pyarrow().to_pylist()[0]
    if not total["months"]:
        return _clean(check, "months")
    examples = [
        {**row, "nrr": _rate(row["nrr"]), "nrr_ttm": _rate(row["nrr_ttm"])}
        for row in first_rows(high.drop("peak"), ["month"], _EXAMPLES)
    ]
    months = total["months"]
    return CheckResult(
        check, CheckStatus.found, count=months, unit="months",
        summary=f"{months:,} month(s) show net revenue retention above {MAX_NRR:.0%} "
                f"(up to {total['peak']:.0%}); no real business keeps that up.",
        fix="Look for stacked lines and MRR jumps (the checks beside this one); an mrr column "
            "holding cents or a yearly amount inflates it too (map billed_amount with "
            "billing_period_months, or set money_in_minor_units). `tenure metrics --table "
            "accounts --from M --to M` lists each account's movements in a month.",
        examples=examples,
    )


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def mrr_jumps(run: _Run) -> CheckResult:
    """Account-months whose MRR is more than :data:`JUMP_FACTOR` times the month before on the
    same plan (the plan of the account's largest line). A jump that comes with a plan change
    is an upgrade, which real businesses see (one seat of a small plan to ten of the largest);
    on the same plan it is an amount in cents or per year, or a line exported twice."""
    check = CheckName.mrr_jumps
    months = _account_months(run, "MRR jumps")
    # Every month from the account's first paid month is a row, so the row before is the
    # month before.
    months = months.mutate(previous_plan=months.plan.lag().over(
        group_by="account_id", order_by="month"))
    jumps = months.filter(months.previous_mrr > 0,
                          months.mrr > months.previous_mrr * JUMP_FACTOR,
                          months.plan == months.previous_plan)
    jumps = jumps.select("account_id", "month", "plan", "previous_mrr", "mrr",
                         added=(jumps.mrr - jumps.previous_mrr).cast(MONEY))
    total = jumps.aggregate(accounts=jumps.account_id.nunique(), months=jumps.count(),
                            added=jumps.added.sum()).to_pyarrow().to_pylist()[0]
    if not total["months"]:
        return _clean(check, "accounts")
    accounts, added = total["accounts"], _money_total(total["added"])
    return CheckResult(
        check, CheckStatus.found, count=accounts, unit="accounts", mrr=added,
        summary=f"{accounts:,} account(s) whose MRR grew more than {JUMP_FACTOR}x in a month on "
                f"the same plan ({total['months']:,} month(s), +{run.money(added)} MRR).",
        brief=f"{counted(accounts, 'accounts')}, +{run.money(added)} MRR",
        fix="Check the lines behind each jump: an amount in cents or per year where a monthly "
            "amount is wanted (map billed_amount with billing_period_months, or set "
            "money_in_minor_units), a seat count in the price, or a line exported twice.",
        examples=first_rows(jumps, [ibis.desc("added"), "account_id"], _EXAMPLES),
    )


def range_cuts_off_churn(run: _Run) -> CheckResult:
    """Paid lines ending (and ``cancellations`` rows dated) on or after the end of the default
    month range of ``tenure metrics`` and ``tenure report``, up to the last day of data: churn
    the default range hides."""
    check = CheckName.range_cuts_off_churn
    scope = run.scope
    lines = scope.paid_lines("churn after the default month range")
    # The range `tenure metrics` takes when given none (from all lines, as it does).
    default = _default_range(scope.warehouse, scope.warehouse.con.table("subscriptions"))
    last_month = add_months(default.end, -1)
    if scope.last_day is None or scope.last_day < default.end or "end_date" not in lines.columns:
        return _clean(check, "lines")
    after = lines.filter(lines.end_date >= default.end, lines.end_date <= scope.last_day)
    after = after.select(account_id=after.account_id.cast("string"), plan="plan",
                         end_date="end_date", mrr=after.mrr.cast(MONEY))
    total = after.aggregate(lines=after.count(), accounts=after.account_id.nunique(),
                            mrr=after.mrr.sum(), last=after.end_date.max()
                            ).to_pyarrow().to_pylist()[0]
    requests = 0
    if scope.has("cancellations", "account_id", "cancelled_at"):
        table = scope.warehouse.con.table("cancellations")
        day = table.cancelled_at.cast("date")
        requests = table.filter(day >= default.end, day <= scope.last_day).count(
        ).to_pyarrow().as_py()
    if not total["lines"] and not requests:
        return _clean(check, "lines")
    mrr = _money_total(total["mrr"])
    last = max(d for d in (total["last"], scope.last_day if requests else None) if d)
    asked = f" and {requests:,} cancellation request(s) are dated after it" if requests else ""
    count, unit = (int(total["lines"]), "lines") if total["lines"] else (requests, "requests")
    return CheckResult(
        check, CheckStatus.found, count=count, unit=unit, mrr=mrr,
        summary=f"The default month range of `tenure metrics` ends with {last_month:%Y-%m}, but "
                f"{total['lines']:,} paid line(s) of {total['accounts']:,} account(s) end after "
                f"it ({run.money(mrr)} MRR){asked}, up to {scope.last_day}: their churn is not "
                "in the default view.",
        brief=f"{counted(count, unit)}, {run.money(mrr)} MRR after {last_month:%Y-%m}",
        fix=f"Pass the range yourself: `tenure metrics --to {last:%Y-%m}` (and the same to "
            "`tenure report`).",
        examples=first_rows(after, ["end_date", "account_id"], _EXAMPLES),
    )


#: Every check, in the vocabulary's order.
CHECKS: dict[CheckName, Callable[[_Run], CheckResult]] = {
    CheckName.activity_before_account: activity_before_account,
    CheckName.activity_outside_service: activity_outside_service,
    CheckName.stacked_lines: stacked_lines,
    CheckName.stuck_cancellations: stuck_cancellations,
    CheckName.churn_flag_disagrees: churn_flag_disagrees,
    CheckName.implausible_retention: implausible_retention,
    CheckName.mrr_jumps: mrr_jumps,
    CheckName.range_cuts_off_churn: range_cuts_off_churn,
}


def check_warehouse(
    warehouse: Warehouse,
    *,
    definitions: RevenueDefinitions | None = None,
    currency: str = "USD",
    checks: Iterable[CheckName] | None = None,
) -> QualityReport:
    """Run the data-quality checks on a loaded warehouse.

    Parameters
    ----------
    warehouse
        The loaded warehouse (any subset of the canonical tables).
    definitions
        The revenue definitions the metrics use (default: the defaults).
    currency
        The reporting currency, for amounts in sentences.
    checks
        The checks to run (default: every :class:`CheckName`).

    Returns
    -------
    QualityReport
        One result per check: ``found`` with a count, examples and a fix; ``clean``; or
        ``skipped`` with the reason (a table or column the check reads is absent).

    Examples
    --------
    >>> from tenure.warehouse import Warehouse
    >>> report = check_warehouse(Warehouse(":memory:"))
    >>> report.result(CheckName.stacked_lines).summary
    'no subscriptions table; load subscriptions.csv (or .parquet) to check stacked lines'
    """
    run = _Run(DataScope.of(warehouse), definitions or RevenueDefinitions(), currency)
    wanted = list(CheckName) if checks is None else [CheckName(c) for c in checks]
    results = []
    for name in wanted:
        try:
            results.append(CHECKS[name](run))
        except MissingData as exc:
            results.append(CheckResult(name, CheckStatus.skipped, summary=str(exc)))
    return QualityReport(results, run.scope.last_day, currency)
