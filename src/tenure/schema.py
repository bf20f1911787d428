"""The canonical data model: every table Tenure loads, with its columns, types and grain.

This module is the single declaration that the loader validates against, the warehouse creates,
and ``docs/data-model.md`` is checked against (see ``tests/test_docs.py``).

Conventions
-----------
* Money is exact: ``decimal(18,2)`` in the table's ``currency``; never float.
* Time intervals are half-open ``[start, end)``; a null end means "still running".
* Dates are calendar dates; ``*_at`` columns that carry a time of day are timestamps (UTC).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

__all__ = ["HAPPENED_COLUMNS", "MONEY", "TABLES", "Column", "TableSpec", "cents", "table_spec"]

MONEY = "decimal(18,2)"

_CENT = Decimal("0.01")


def cents(value: object) -> Decimal | None:
    """A money amount as an exact :data:`MONEY` value: a ``Decimal`` to the cent.

    Floats (an aggregate read back from pandas) are taken at their shortest decimal text and
    rounded half to even, as DuckDB rounds decimals; ``None`` and NaN stay missing.

    >>> cents(1234.5), cents(0.125), cents(Decimal("3.456")), cents(float("nan"))
    (Decimal('1234.50'), Decimal('0.12'), Decimal('3.46'), None)
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    return number.quantize(_CENT, rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True)
class Column:
    """One column of a canonical table.

    ``dtype`` is an Ibis type string. ``required`` columns must be present in a source file
    (possibly after mapping); optional ones are filled with null when absent.
    """

    name: str
    dtype: str
    description: str
    required: bool = True
    nullable: bool = False


@dataclass(frozen=True)
class TableSpec:
    """A canonical table: its grain (the columns that identify one row) and its columns."""

    name: str
    description: str
    grain: tuple[str, ...]
    columns: tuple[Column, ...]
    #: Accept columns beyond the declared ones and keep them as text attributes.
    free_attributes: bool = False
    #: Optional tables may be absent from a load.
    optional: bool = False
    aliases: tuple[str, ...] = field(default=())

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


TABLES: dict[str, TableSpec] = {
    t.name: t
    for t in [
        TableSpec(
            name="accounts",
            description="One row per customer account (the unit of value).",
            grain=("account_id",),
            free_attributes=True,
            columns=(
                Column("account_id", "string", "Stable identifier of the account."),
                Column("name", "string", "Display name.", required=False, nullable=True),
                Column("created_at", "timestamp",
                       "When the account was created (sign-up); when the export has none, the "
                       "start of the account's first subscription line (filled by the loader).",
                       required=False),
                Column("industry", "string", "Industry attribute.", required=False, nullable=True),
                Column("country", "string", "Country attribute.", required=False, nullable=True),
                Column("size", "string", "Company size band.", required=False, nullable=True),
                Column("channel", "string", "Acquisition channel.", required=False, nullable=True),
                Column("owner", "string", "Customer-success rep who owns the account.",
                       required=False, nullable=True),
            ),
        ),
        TableSpec(
            name="subscriptions",
            description=(
                "One row per priced subscription line, in force over [start_date, end_date). "
                "An account may hold several lines at once (add-ons, seats of several plans)."
            ),
            grain=("subscription_id",),
            columns=(
                Column("subscription_id", "string",
                       "Identifier of the priced line; when the export has none, made from the "
                       "line's content (filled by the loader, the same on every load).",
                       required=False),
                Column("account_id", "string", "Account holding the line (in accounts)."),
                Column("plan", "string", "Plan or product name."),
                Column("quantity", "int64", "Seats or units.", required=False),
                Column("billing_period_months", "int64",
                       "Months billed at once: 1 monthly, 12 annual.", required=False),
                Column("mrr", MONEY,
                       "Monthly recurring revenue of the line, exact, normalised to one month "
                       "(an annual price divided by 12, rounded half-even to the cent)."),
                Column("currency", "string", "ISO 4217 code of mrr.", required=False),
                Column("start_date", "date", "First day of service (inclusive)."),
                Column("end_date", "date", "First day without service (exclusive); null = running.",
                       required=False, nullable=True),
                Column("cancelled_at", "date",
                       "Day the customer asked to cancel; service may run on to end_date.",
                       required=False, nullable=True),
                Column("is_trial", "boolean", "True for a free trial line (never revenue).",
                       required=False),
                Column("original_mrr", MONEY,
                       "mrr as the source gave it, in original_currency, before conversion to "
                       "the reporting currency (filled by the loader).",
                       required=False, nullable=True),
                Column("original_currency", "string",
                       "Currency the source gave the line in (filled by the loader).",
                       required=False, nullable=True),
            ),
        ),
        TableSpec(
            name="trials",
            description="One row per free trial an account started.",
            grain=("account_id", "started_at"),
            free_attributes=True,
            optional=True,
            columns=(
                Column("account_id", "string", "Account on trial."),
                Column("started_at", "date", "First day of the trial."),
                Column("ends_at", "date", "First day after the trial (exclusive)."),
                Column("converted_at", "date", "Day the first paid line started; null if never.",
                       required=False, nullable=True),
            ),
        ),
        TableSpec(
            name="events",
            description="One row per product-usage event by a user of an account.",
            # The source's event id is the only key: without one, identical rows are real
            # repeated actions (two clicks in one second), counted by the loader, never rejected.
            grain=("event_id",),
            optional=True,
            columns=(
                Column("account_id", "string", "Account whose user acted."),
                Column("user_id", "string", "User who acted; null when the export names none "
                       "(group-level events): measures that count users are then left empty.",
                       required=False, nullable=True),
                Column("event_name", "string", "What happened (feature used)."),
                Column("occurred_at", "timestamp", "When it happened (UTC)."),
                Column("properties", "string", "Optional JSON object of event properties.",
                       required=False, nullable=True),
                Column("event_id", "string",
                       "The source's id of the event (Segment's messageId); a repeated id is a "
                       "duplicate. Null when the source has none.",
                       required=False, nullable=True),
            ),
        ),
        TableSpec(
            name="tickets",
            description="One row per support ticket.",
            grain=("ticket_id",),
            optional=True,
            columns=(
                Column("ticket_id", "string", "Identifier of the ticket."),
                Column("account_id", "string", "Account that raised it."),
                Column("opened_at", "timestamp", "When it was opened."),
                Column("closed_at", "timestamp", "When it was closed; null while open.",
                       required=False, nullable=True),
                Column("priority", "string", "low, normal, high or urgent.", required=False),
                Column("satisfaction", "int64", "Customer satisfaction 1-5, if rated.",
                       required=False, nullable=True),
            ),
        ),
        TableSpec(
            name="survey_responses",
            description="One row per NPS survey answer.",
            grain=("response_id",),
            optional=True,
            columns=(
                Column("response_id", "string", "Identifier of the answer."),
                Column("account_id", "string", "Account of the respondent."),
                Column("user_id", "string", "Respondent.", required=False, nullable=True),
                Column("score", "int64", "Likelihood to recommend, 0-10."),
                Column("comment", "string", "Free text.", required=False, nullable=True),
                Column("answered_at", "timestamp", "When it was answered."),
            ),
        ),
        TableSpec(
            name="cancellations",
            description="One row per cancellation request, with its reason.",
            grain=("account_id", "cancelled_at"),
            optional=True,
            columns=(
                Column("account_id", "string", "Account that cancelled."),
                Column("cancelled_at", "date", "Day the cancellation was requested."),
                Column("reason_code", "string", "Reason code (e.g. price, competitor, closed).",
                       required=False, nullable=True),
                Column("reason_category", "string", "avoidable or unavoidable.",
                       required=False, nullable=True),
                Column("comment", "string", "Free text.", required=False, nullable=True),
            ),
        ),
        TableSpec(
            name="spend",
            description="One row per month: acquisition spend and cost of service.",
            grain=("month",),
            optional=True,
            columns=(
                Column("month", "date", "First day of the month."),
                Column("sales_marketing", MONEY, "Sales and marketing cost in the month."),
                Column("cost_of_service", MONEY,
                       "Cost of serving customers in the month (hosting, support, success)."),
                Column("currency", "string", "ISO 4217 code of the amounts.", required=False),
                Column("original_sales_marketing", MONEY,
                       "sales_marketing as the source gave it, in original_currency "
                       "(filled by the loader).", required=False, nullable=True),
                Column("original_cost_of_service", MONEY,
                       "cost_of_service as the source gave it, in original_currency "
                       "(filled by the loader).", required=False, nullable=True),
                Column("original_currency", "string",
                       "Currency the source gave the amounts in (filled by the loader).",
                       required=False, nullable=True),
            ),
        ),
        TableSpec(
            name="fx_rates",
            description=(
                "Conversion table: one row per currency, the value of one unit in the "
                "reporting currency. Needed only when source money comes in several currencies."
            ),
            grain=("currency",),
            optional=True,
            columns=(
                Column("currency", "string", "ISO 4217 code."),
                Column("rate", "decimal(18,8)", "Reporting-currency value of one unit."),
            ),
        ),
    ]
}


def table_spec(name: str) -> TableSpec:
    """Return the spec of canonical table ``name`` or raise a helpful error."""
    from tenure.errors import InputError

    try:
        return TABLES[name]
    except KeyError:
        raise InputError(
            f"unknown table {name!r}; canonical tables are: {', '.join(TABLES)}"
        ) from None


#: Columns that record something that has happened by the time of the export, per table: the
#: loader rejects them after the load's as-of time, and the data check takes the latest of them
#: as the last day the data describes. Ends are not among them (``end_date``, ``ends_at``): an
#: end may be scheduled (a prepaid line or a trial runs on past the export).
HAPPENED_COLUMNS: dict[str, tuple[str, ...]] = {
    "accounts": ("created_at",),
    "subscriptions": ("start_date", "cancelled_at"),
    "trials": ("started_at", "converted_at"),
    "events": ("occurred_at",),
    "tickets": ("opened_at", "closed_at"),
    "survey_responses": ("answered_at",),
    "cancellations": ("cancelled_at",),
    "spend": ("month",),
}
