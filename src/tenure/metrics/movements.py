"""MRR movements: split each account-month's MRR change into new, expansion, contraction, churn
and reactivation.

The rules (tabled in ``docs/movements.md``) compare the MRR in force on the last day of the month
with the MRR on the last day of the previous month:

* previous 0, now > 0: **new**, or **reactivation** when the account paid at an earlier month-end
  (or joined and left in an earlier month) and the months without MRR since are at most
  ``reactivation_max_gap_months`` (always, when that setting is null; ChartMogul's convention);
* previous > 0: **expansion** when higher, **contraction** when lower but above 0, **churn** at 0;
* previous 0, now 0, paid service inside the month (``same_month_join_leave="include"``): the row
  is new (or reactivation, by the same rule) for the largest MRR in force on any day of the
  month, X, and churns -X in the same month, flagged ``joined_and_left``. Its movement is
  the joining one; the churn shows in ``churned_mrr`` and ``churned_customers``.

In every row ``new + expansion + reactivation + contraction + churned == mrr - previous_mrr``
exactly (decimal arithmetic), and at most one of the five is non-zero except on a
joined-and-left row, where new (or reactivation) X and churned -X cancel out.

Sources and choices. The five categories are ChartMogul's MRR movements (help centre, "Data Table
and MRR Movements"): reactivation is "a previously paying customer that had churned" returning to
a paid plan, with no time limit. Vendors disagree on two points, both settings here:

* same-month join and leave: ProfitWell ignores such customers entirely, Chargify counts them as
  new and churned (as ProfitWell's comparison page reports); Tenure includes them by default;
* how long a return stays a reactivation: ChartMogul and ProfitWell set no limit (Tenure's
  default), Chargify treats returns after 90 days as new business.
"""

from __future__ import annotations

from decimal import Decimal

import ibis
import ibis.expr.types as ir

from tenure.metrics.vocabulary import Movement
from tenure.schema import MONEY

__all__ = ["classify_movements", "movements_by_account"]

_ZERO = Decimal("0.00")


def _money(value: ir.NumericValue | Decimal) -> ir.DecimalValue:
    return ibis.literal(value, type=MONEY) if isinstance(value, Decimal) else value.cast(MONEY)


def classify_movements(
    rows: ir.Table, *, reactivation_max_gap_months: int | None
) -> ir.Table:
    """Add the movement columns to account-month rows.

    Parameters
    ----------
    rows
        One row per account and month with ``mrr`` and ``previous_mrr`` (decimal, never null),
        ``month_index`` (months since year 0), ``joined_and_left_mrr`` (the largest MRR in force
        inside a month with no MRR at either month-end, else null) and ``last_paid_index`` (the
        ``month_index`` of the account's latest earlier month with MRR at month-end or a
        same-month join and leave, else null).
    reactivation_max_gap_months
        The longest run of months without MRR after which a returning account is a reactivation
        rather than new; ``None`` means no limit.

    Returns
    -------
    ir.Table
        ``rows`` plus ``new_mrr``, ``expansion_mrr``, ``reactivation_mrr`` (>= 0),
        ``contraction_mrr``, ``churned_mrr`` (<= 0), ``mrr_change``, ``movement`` (a
        :class:`~tenure.metrics.vocabulary.Movement` value or null) and ``joined_and_left``.
    """
    zero = _money(_ZERO)
    mrr, previous = rows.mrr, rows.previous_mrr
    joined_and_left = rows.joined_and_left_mrr.notnull()

    # Step 1: does the account start paying this month, and is it a return within the gap limit?
    starts = (previous == zero) & ((mrr > zero) | joined_and_left)
    months_without_mrr = rows.month_index - rows.last_paid_index - 1
    returning = rows.last_paid_index.notnull()
    if reactivation_max_gap_months is not None:
        returning = returning & (months_without_mrr <= reactivation_max_gap_months)
    started_mrr = (mrr > zero).ifelse(mrr, rows.joined_and_left_mrr.fill_null(zero))

    # Step 2: the five movement amounts; exactly one applies except on a join-and-leave row.
    was_paying = previous > zero
    amounts = {
        "new_mrr": (starts & ~returning).ifelse(started_mrr, zero),
        "expansion_mrr": (was_paying & (mrr > previous)).ifelse(mrr - previous, zero),
        "reactivation_mrr": (starts & returning).ifelse(started_mrr, zero),
        "contraction_mrr": (was_paying & (mrr > zero) & (mrr < previous)).ifelse(
            mrr - previous, zero
        ),
        "churned_mrr": ibis.cases(
            (was_paying & (mrr == zero), -previous),
            (joined_and_left, -rows.joined_and_left_mrr),
            else_=zero,
        ),
    }

    # Step 3: the row's movement label.
    movement = ibis.cases(
        (starts & ~returning, Movement.NEW.value),
        (starts & returning, Movement.REACTIVATION.value),
        (was_paying & (mrr == zero), Movement.CHURN.value),
        (was_paying & (mrr > previous), Movement.EXPANSION.value),
        (was_paying & (mrr < previous), Movement.CONTRACTION.value),
        else_=ibis.null("string"),
    )
    return rows.mutate(
        **{name: _money(amount) for name, amount in amounts.items()},
        mrr_change=_money(mrr - previous),
        movement=movement,
        joined_and_left=joined_and_left,
    )


def movements_by_account(account_months: ir.Table) -> ir.Table:
    """The account-months where something moved: one row per account and month with a movement.

    Parameters
    ----------
    account_months
        The table of :func:`tenure.metrics.mrr.account_months`.

    Returns
    -------
    ir.Table
        ``account_id, month, movement, previous_mrr, mrr, mrr_change, joined_and_left, plan``,
        ordered by month and account: the drill-down behind each movement total.

    Examples
    --------
    >>> moves = movements_by_account(am)                    # doctest: +SKIP
    >>> moves.filter(moves.movement == "churn").to_pandas()  # doctest: +SKIP
    """
    moved = account_months.filter(account_months.movement.notnull())
    return moved.select(
        "account_id", "month", "movement", "previous_mrr", "mrr", "mrr_change",
        "joined_and_left", "plan",
    ).order_by(["month", "account_id"])
