"""Account-month MRR: each account's monthly recurring revenue at every month-end, with movements.

Grain of :func:`account_months`: one row per ``(account_id, month)``. The MRR of a month is the MRR
in force on its **last day** (a month-end snapshot): the sum of the account's paid, non-trial lines
active that day, a line ``[start_date, end_date)`` being active on day ``d`` iff
``start_date <= d`` and (``end_date`` is null or ``end_date > d``). Movements follow
:mod:`tenure.metrics.movements` and the categories of ChartMogul's MRR movements (new business,
expansion, contraction, churn, reactivation); where vendors disagree, the choice is a setting of
:class:`~tenure.config.RevenueDefinitions` (see ``docs/movements.md`` and ``docs/settings.md``).

The computation is a chain of named steps over Ibis expressions, so it runs on any Ibis backend
(DuckDB by default, PySpark for large data) and nothing is executed until the caller asks.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import ibis
import ibis.expr.types as ir

from tenure.config import RevenueDefinitions
from tenure.errors import InputError
from tenure.metrics._intervals import paid_lines
from tenure.metrics.movements import classify_movements
from tenure.metrics.period import MonthBound, check_month_bounds, month_calendar
from tenure.schema import MONEY

__all__ = ["ACCOUNT_ATTRIBUTES", "CALENDAR_START", "account_months", "mrr_by_month"]

#: Account attributes joined onto account-months when ``accounts`` is given (for segmentation).
ACCOUNT_ATTRIBUTES = ("industry", "country", "size", "channel", "owner")

#: First month of the month calendar; service before it counts from this month on.
CALENDAR_START = date(1900, 1, 1)

_ZERO = Decimal("0.00")
_MOVEMENT_COLUMNS = (
    "new_mrr", "expansion_mrr", "reactivation_mrr", "contraction_mrr", "churned_mrr",
)


def _zero() -> ir.DecimalValue:
    return ibis.literal(_ZERO, type=MONEY)


def _line_months(lines: ir.Table, calendar: ir.Table) -> ir.Table:
    """Each line with every month it is in force in, or was in force at the end of the month before.

    A line ``[s, e)`` meets month ``m`` when ``s <= last day of m`` and ``e >= first day of m``
    (so ``e > last day of m - 1``). Flags: active on ``m``'s last day, active on the previous
    month's last day, active on some day of ``m``.
    """
    met = lines.join(
        calendar,
        [lines.start_date <= calendar.month_end, lines.end_date >= calendar.month],
    )
    return met.mutate(
        at_month_end=met.end_date > met.month_end,
        at_previous_month_end=met.start_date < met.month,
        in_month=met.end_date > met.month,
    )


def _month_snapshots(line_months: ir.Table) -> ir.Table:
    """Per account and month: MRR and plan at the month-end and at the previous month-end.

    The plan is the plan of the largest-MRR line active at month-end (ties: first plan name);
    when none is, of the largest line active inside the month (a same-month join and leave).
    Both month-ends are read from the lines, so no window over the account's months is needed,
    and the plan is an arg-max aggregate, not a ranking window per account-month.
    """
    # Step 1: a tie-break for equal MRR: the plan's place in reverse name order.
    plans = line_months.select("plan").distinct()
    plans = plans.mutate(plan_order=ibis.row_number().over(order_by=ibis.desc(plans.plan)))
    lm = line_months.join(plans, "plan")

    # Step 2: MRR at both month-ends, and the plan of the largest line at each.
    month_key = ibis.struct(
        {"at_end": lm.at_month_end.cast("int8"), "mrr": lm.mrr, "order": lm.plan_order}
    )
    previous_key = ibis.struct({"mrr": lm.mrr, "order": lm.plan_order})
    return lm.group_by(["account_id", "month", "month_index"]).aggregate(
        month_end_mrr=lm.mrr.sum(where=lm.at_month_end).cast(MONEY).fill_null(_zero()),
        previous_end_mrr=lm.mrr.sum(where=lm.at_previous_month_end)
        .cast(MONEY)
        .fill_null(_zero()),
        in_month=lm.in_month.any(),
        month_plan=lm.plan.argmax(month_key, where=lm.in_month),
        previous_plan=lm.plan.argmax(previous_key, where=lm.at_previous_month_end),
    )


def _join_and_leave_peaks(line_months: ir.Table, snapshots: ir.Table) -> ir.Table:
    """``joined_and_left_mrr`` per account-month with no MRR at either month-end but paid service
    inside the month: the largest MRR in force on any day of that month.

    Lines in such a month start and end inside it, so the largest total is reached on the start
    day of one of them: the total is evaluated on each of those days and the largest kept.
    """
    keys = ["account_id", "month_index"]
    quiet_months = snapshots.filter(
        snapshots.month_end_mrr == _zero(),
        snapshots.previous_end_mrr == _zero(),
        snapshots.in_month,
    ).select(*keys)
    inside = line_months.filter(line_months.in_month).semi_join(quiet_months, keys)
    inside = inside.select(*keys, "mrr", "start_date", "end_date")

    start_days = inside.select(*keys, day=inside.start_date).distinct()
    in_force = start_days.join(
        inside,
        [*keys, inside.start_date <= start_days.day, inside.end_date > start_days.day],
    )
    day_totals = in_force.group_by([*keys, "day"]).aggregate(day_mrr=in_force.mrr.sum())
    return day_totals.group_by(keys).aggregate(
        joined_and_left_mrr=day_totals.day_mrr.max().cast(MONEY)
    )


def _account_grid(monthly: ir.Table, calendar: ir.Table) -> ir.Table:
    """Every month from each account's first paid month to the calendar's end, with its MRR."""
    paid = (monthly.month_end_mrr > _zero()) | monthly.joined_and_left_mrr.notnull()
    first = (
        monthly.filter(paid)
        .group_by("account_id")
        .aggregate(first_paid_month=monthly.month.min(), first_paid_index=monthly.month_index.min())
    )
    grid = first.join(calendar, calendar.month_index >= first.first_paid_index)
    grid = grid.left_join(monthly, ["account_id", "month_index"])
    return grid.select(
        "account_id",
        "month",
        "month_index",
        "first_paid_month",
        "first_paid_index",
        mrr=grid.month_end_mrr.fill_null(_zero()),
        # A month no line touches had no MRR at its previous month-end either.
        previous_mrr=grid.previous_end_mrr.fill_null(_zero()),
        joined_and_left_mrr=grid.joined_and_left_mrr,
        month_plan=grid.month_plan,
        previous_plan=grid.previous_plan,
    )


def _with_history(grid: ir.Table, *, gap_limited: bool) -> ir.Table:
    """An earlier paid month per account: ``last_paid_index``, null in the first paid month.

    Only a gap limit on reactivations needs it to be the *latest* earlier paid month (a window
    over the account's months); without one, any earlier paid month tells a return from a first
    purchase, and the first paid month is known on every row, so no window is needed.
    """
    if not gap_limited:
        return grid.mutate(
            last_paid_index=(grid.month_index > grid.first_paid_index).ifelse(
                grid.first_paid_index, ibis.null("int64")
            )
        )
    paid_index = (
        (grid.mrr > _zero()) | grid.joined_and_left_mrr.notnull()
    ).ifelse(grid.month_index, ibis.null("int64"))
    earlier = ibis.window(group_by="account_id", order_by="month_index", rows=(None, -1))
    return grid.mutate(last_paid_index=paid_index.max().over(earlier))


def account_months(
    subscriptions: ir.Table,
    *,
    start: MonthBound,
    end: MonthBound,
    definitions: RevenueDefinitions | None = RevenueDefinitions(),  # noqa: B008 (frozen)
    accounts: ir.Table | None = None,
) -> ir.Table:
    """MRR and its movements per account and month, for months ``[start, end)``.

    Parameters
    ----------
    subscriptions
        The canonical ``subscriptions`` table (``account_id, plan, mrr, start_date`` required;
        ``end_date``, ``cancelled_at``, ``is_trial`` read when present).
    start, end
        Month starts; the months ``[start, end)`` are returned. History before ``start`` is still
        read, so ``previous_mrr``, ``first_paid_month`` and reactivations are right in ``start``.
        Dates, or date expressions the engine evaluates (a scalar of the revenue facade's
        parameters table, so its compiled SQL serves any month range).
    definitions
        Customer definitions (churn recognition, refund window, grace period, reactivation gap,
        same-month join and leave); ``None`` means the defaults.
    accounts
        Optional canonical ``accounts`` table: its attributes ``industry, country, size,
        channel, owner`` (those present) are joined on ``account_id`` for segmentation.

    Returns
    -------
    ir.Table
        Unexecuted expression of grain ``(account_id, month)``: one row per month from the
        account's first paid month on (rows with ``mrr`` 0 after churn are kept) with
        ``mrr``, ``previous_mrr``, ``new_mrr``, ``expansion_mrr``, ``reactivation_mrr``,
        ``contraction_mrr``, ``churned_mrr``, ``mrr_change`` (all ``decimal(18,2)``),
        ``movement``, ``joined_and_left``, ``is_customer``, ``was_customer``,
        ``first_paid_month``, ``plan`` and the account attributes.

    Examples
    --------
    Basic at 10.00 from January 10, replaced on March 15 by pro at 30.00, still running:

    >>> subs = ibis.memtable(
    ...     {"account_id": ["a", "a"], "plan": ["basic", "pro"],
    ...      "mrr": [Decimal("10.00"), Decimal("30.00")],
    ...      "start_date": [date(2024, 1, 10), date(2024, 3, 15)],
    ...      "end_date": [date(2024, 3, 15), None]},
    ...     schema={"account_id": "string", "plan": "string", "mrr": "decimal(18,2)",
    ...             "start_date": "date", "end_date": "date"})
    >>> am = account_months(subs, start=date(2024, 1, 1), end=date(2024, 4, 1))
    >>> rows = am.order_by("month").to_pyarrow().to_pylist()
    >>> [(f"{r['month']:%Y-%m}", str(r["mrr"]), r["movement"], r["plan"])
    ...  for r in rows]  # doctest: +NORMALIZE_WHITESPACE
    [('2024-01', '10.00', 'new', 'basic'), ('2024-02', '10.00', None, 'basic'),
     ('2024-03', '30.00', 'expansion', 'pro')]
    """
    check_month_bounds(start, end)
    definitions = definitions if definitions is not None else RevenueDefinitions()

    # Step 1: paid lines with their effective [start, end) under the definitions.
    lines = paid_lines(subscriptions, definitions)

    # Step 2: the month calendar, from the earliest line's month up to `end`.
    calendar = month_calendar(CALENDAR_START, end)
    calendar = calendar.filter(calendar.month_end >= lines.start_date.min().as_scalar())

    # Step 3: per account-month, MRR at the month-end and at the previous month-end.
    line_months = _line_months(lines, calendar)
    snapshots = _month_snapshots(line_months)

    # Step 4: same-month join-and-leave peaks (only when such service counts).
    if definitions.same_month_join_leave == "include":
        peaks = _join_and_leave_peaks(line_months, snapshots)
        monthly = snapshots.left_join(peaks, ["account_id", "month_index"]).drop(
            "account_id_right", "month_index_right"
        )
    else:
        monthly = snapshots.mutate(joined_and_left_mrr=ibis.null(MONEY))

    # Step 5: every month from the account's first paid month on, then month-over-month history.
    history = _with_history(
        _account_grid(monthly, calendar),
        gap_limited=definitions.reactivation_max_gap_months is not None,
    )

    # Step 6: movements, then the requested months and the contract's columns.
    moved = classify_movements(
        history, reactivation_max_gap_months=definitions.reactivation_max_gap_months
    )
    moved = moved.filter(moved.month >= start)
    churned = (moved.mrr == _zero()) & moved.joined_and_left_mrr.isnull()
    result = moved.select(
        "account_id",
        "month",
        "mrr",
        "previous_mrr",
        *_MOVEMENT_COLUMNS,
        "mrr_change",
        "movement",
        "joined_and_left",
        is_customer=moved.mrr > _zero(),
        was_customer=moved.previous_mrr > _zero(),
        first_paid_month="first_paid_month",
        plan=churned.ifelse(moved.previous_plan, moved.month_plan),
    )
    return _with_account_attributes(result, accounts)


def _with_account_attributes(result: ir.Table, accounts: ir.Table | None) -> ir.Table:
    """Join the account attributes present in ``accounts`` onto the account-months."""
    if accounts is None:
        return result
    if "account_id" not in accounts.columns:
        raise InputError(
            f"accounts table lacks column account_id (found: {', '.join(accounts.columns)}); "
            "pass the canonical accounts table (see docs/data-model.md)."
        )
    present = [c for c in ACCOUNT_ATTRIBUTES if c in accounts.columns]
    attributes = accounts.select(
        account_id=accounts.account_id.cast("string"),
        **{c: accounts[c].cast("string") for c in present},
    )
    return result.left_join(attributes, "account_id").drop("account_id_right")


def mrr_by_month(
    account_months_table: ir.Table, *, by: str | list[str] | None = None
) -> ir.Table:
    """Monthly MRR totals and movements, optionally per segment.

    Parameters
    ----------
    account_months_table
        The table of :func:`account_months`.
    by
        Segment column(s) of it (``plan`` or an account attribute such as ``industry``).
        A segment is read from each account-month row, so an account that changes plan is
        counted in its new plan's ``previous_mrr``: per segment, last month's ``mrr`` and this
        month's ``previous_mrr`` may differ; at company level they are equal.

    Returns
    -------
    ir.Table
        One row per month (and segment), ordered: ``mrr``, ``previous_mrr``, ``customers``,
        ``previous_customers``, the five movements, ``mrr_change``, ``new_customers``,
        ``reactivated_customers``, ``churned_customers``. ``customers == previous_customers +
        new_customers + reactivated_customers - churned_customers`` (a same-month join and
        leave counts as both joining and churned).

    Examples
    --------
    >>> subs = ibis.memtable(
    ...     {"account_id": ["a", "b"], "plan": ["basic", "basic"],
    ...      "mrr": [Decimal("10.00"), Decimal("25.00")],
    ...      "start_date": [date(2024, 1, 10), date(2024, 1, 20)],
    ...      "end_date": [None, date(2024, 2, 5)]},
    ...     schema={"account_id": "string", "plan": "string", "mrr": "decimal(18,2)",
    ...             "start_date": "date", "end_date": "date"})
    >>> am = account_months(subs, start=date(2024, 1, 1), end=date(2024, 3, 1))
    >>> totals = mrr_by_month(am).to_pyarrow().to_pylist()
    >>> [(str(t["mrr"]), t["customers"], str(t["churned_mrr"])) for t in totals]
    [('35.00', 2, '0.00'), ('10.00', 1, '-25.00')]
    """
    am = account_months_table
    segments = [by] if isinstance(by, str) else list(by or [])
    unknown = [c for c in ["month", *segments] if c not in am.columns]
    if unknown:
        raise InputError(
            f"by={by!r}: the account_months table has no column {', '.join(unknown)}; segment by "
            f"one of {', '.join(am.columns)} (account attributes need accounts=...)."
        )

    def count(condition: ir.BooleanValue) -> ir.IntegerValue:
        return condition.cast("int64").sum().fill_null(0)

    money = {
        name: am[name].sum().cast(MONEY).fill_null(_zero())
        for name in ("mrr", "previous_mrr", *_MOVEMENT_COLUMNS, "mrr_change")
    }
    totals = am.group_by(["month", *segments]).aggregate(
        mrr=money["mrr"],
        previous_mrr=money["previous_mrr"],
        customers=count(am.is_customer),
        previous_customers=count(am.was_customer),
        **{name: money[name] for name in _MOVEMENT_COLUMNS},
        mrr_change=money["mrr_change"],
        new_customers=count(am.movement == "new"),
        reactivated_customers=count(am.movement == "reactivation"),
        churned_customers=count((am.movement == "churn") | am.joined_and_left),
    )
    return totals.order_by(["month", *segments])
