"""Trial conversion by trial-start month: how many converted, how fast, inside the trial or after.

Input is the canonical ``trials`` table (grain: account_id, started_at; a trial runs over
``[started_at, ends_at)``) and, optionally, ``subscriptions``. The output grain is one row per
month of ``[start, end)`` by the month the trial started, months without trials included.

When is a trial converted
-------------------------
* Without ``subscriptions``: when its ``converted_at`` is not null (the day the first paid line
  started, as the source system recorded it).
* With ``subscriptions`` (the facts win over the recorded flag): when a paid line of the account
  (not a trial line, MRR above 0) starts in ``[started_at, ends_at + conversion_window_days)``;
  the conversion day is the earliest such start. A paid line that began before the trial is an
  existing customer trying something, not a conversion. The default window of 30 days after the
  trial end follows ProfitWell/Paddle's and Baremetrics' trial reports, which credit a trial with
  a purchase made shortly after it expired. An account with two trials whose windows both hold
  the same paid start converts both: each trial is judged on its own.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from tenure.errors import InputError
from tenure.metrics.period import MonthBound, check_month_bounds, month_calendar
from tenure.metrics.retention import month_index, ratio, require_columns

__all__ = ["trial_metrics"]

TRIAL_COLUMNS = ("account_id", "started_at", "ends_at")


def trial_metrics(
    trials: ir.Table,
    subscriptions: ir.Table | None = None,
    *,
    start: MonthBound,
    end: MonthBound,
    conversion_window_days: int = 30,
) -> ir.Table:
    """Trials started, converted and the time to convert, by trial-start month.

    Parameters
    ----------
    trials
        The canonical ``trials`` table.
    subscriptions
        The canonical ``subscriptions`` table; when given, conversion is read from the paid lines
        (see the module docstring) instead of ``converted_at``.
    start, end
        Month starts: trials that started in ``[start, end)`` are counted. Dates, or date
        expressions the engine evaluates (see :func:`tenure.metrics.mrr.account_months`).
    conversion_window_days
        With ``subscriptions``: days after the trial end within which a paid start still counts.

    Returns
    -------
    ibis.Table
        One row per month of ``[start, end)``, not executed:

        * ``month``: month the trials started; ``trials_started``; ``converted``: of those, how many
          converted (whenever that happened; a recent month's count can still grow).
        * ``conversion_rate = converted / trials_started`` (float; null without trials), the
          trial-to-paid rate of ChartMogul and Baremetrics, by trial cohort.
        * ``converted_within_trial``: converted before ``ends_at``; ``converted_after_trial``: on or
          after it (a late purchase, within the window).
        * ``median_days_to_convert`` and ``mean_days_to_convert``: days from ``started_at`` to the
          conversion, over converted trials. The median is exact (interpolated between the middle
          two values) on DuckDB and PySpark alike.

    Examples
    --------
    >>> trial_metrics(wh.table("trials"), wh.table("subscriptions"),
    ...               start=date(2024, 1, 1), end=date(2025, 1, 1))  # doctest: +SKIP
    """
    check_month_bounds(start, end)
    if conversion_window_days < 0:
        raise InputError(
            f"conversion_window_days must be 0 or more (found {conversion_window_days}); "
            "0 counts only purchases before the trial ends."
        )
    require_columns(trials, TRIAL_COLUMNS, what="the trials table",
                    fix="load a trials file with account_id, started_at and ends_at")

    # Step 1: the trials that started in the range, and the day each converted (or null).
    in_range = trials.filter(
        (trials.started_at >= start) & (trials.started_at < end)
    ).select("account_id", "started_at", "ends_at", **_recorded_conversion(trials))
    if subscriptions is None:
        converted = in_range
    else:
        converted = _conversion_from_subscriptions(in_range, subscriptions, conversion_window_days)

    # Step 2: per trial, whether, when and how fast it converted.
    per_trial = converted.mutate(
        _idx=month_index(converted.started_at),
        _converted=converted.converted_on.notnull().cast("int64"),
        _within=(converted.converted_on < converted.ends_at).fill_null(False).cast("int64"),
        _after=(converted.converted_on >= converted.ends_at).fill_null(False).cast("int64"),
        _days=converted.converted_on.delta(converted.started_at, unit="day"),
    )
    by_month = per_trial.group_by("_idx").aggregate(
        trials_started=per_trial.count(),
        converted=per_trial._converted.sum(),
        converted_within_trial=per_trial._within.sum(),
        converted_after_trial=per_trial._after.sum(),
        median_days_to_convert=per_trial._days.median(),
        mean_days_to_convert=per_trial._days.mean(),
    )

    # Step 3: every month of the range, with zeros where no trial started.
    calendar = month_calendar(start, end)
    months = calendar.select("month", _month_idx=calendar.month_index)
    table = months.left_join(by_month, months._month_idx == by_month._idx)
    trials_started = table.trials_started.coalesce(0)
    converted_count = table.converted.coalesce(0)
    return table.select(
        "month",
        trials_started=trials_started,
        converted=converted_count,
        conversion_rate=ratio(converted_count, trials_started),
        converted_within_trial=table.converted_within_trial.coalesce(0),
        converted_after_trial=table.converted_after_trial.coalesce(0),
        median_days_to_convert=table.median_days_to_convert.cast("float64"),
        mean_days_to_convert=table.mean_days_to_convert.cast("float64"),
    )


def _recorded_conversion(trials: ir.Table) -> dict[str, ir.DateValue]:
    """``converted_on`` from the trials table's own ``converted_at`` (null when absent)."""
    if "converted_at" in trials.columns:
        return {"converted_on": trials.converted_at.cast("date")}
    return {"converted_on": ibis.null("date")}


def _conversion_from_subscriptions(
    trials: ir.Table, subscriptions: ir.Table, window_days: int
) -> ir.Table:
    """Replace ``converted_on`` by the earliest paid start in the trial's conversion window."""
    require_columns(
        subscriptions,
        ("account_id", "mrr", "start_date"),
        what="the subscriptions table",
        fix="load a subscriptions file with account_id, mrr and start_date",
    )
    paid = subscriptions.filter(subscriptions.mrr > 0)
    if "is_trial" in subscriptions.columns:
        paid = paid.filter(~paid.is_trial.fill_null(False))
    paid = paid.select(_paid_account=paid.account_id, _paid_start=paid.start_date)

    # One output row per trial: the canonical grain is (account_id, started_at).
    trials = trials.drop("converted_on")
    matched = trials.left_join(
        paid,
        [
            trials.account_id == paid._paid_account,
            paid._paid_start >= trials.started_at,
            paid._paid_start.delta(trials.ends_at, unit="day") < window_days,
        ],
    )
    return matched.group_by(["account_id", "started_at", "ends_at"]).aggregate(
        converted_on=matched._paid_start.min()
    )
