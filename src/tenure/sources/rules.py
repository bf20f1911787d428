"""Validation rules, each an SQL query over a staging table that returns the rows breaking it.

Every query yields ``(row, column_name, value, message, fix)``: the line of the file, the column
as the file names it, the text found, what is wrong and how to fix it. Rules run over whole
files in DuckDB, so a 100-million-row events file is checked without entering Python.

``docs/loading.md`` lists every rule with an example message; keep the two together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tenure.schema import HAPPENED_COLUMNS, MONEY
from tenure.sources.fill import LINE_ID_PREFIX
from tenure.sources.problems import Problem
from tenure.sources.sql import WITH_TIME, literal, quote
from tenure.sources.staging import BILLED, StagedTable

__all__ = [
    "CHECKS",
    "FUTURE_COLUMNS",
    "PRIORITIES",
    "Check",
    "account_rules",
    "column_rules",
    "currency_rules",
    "duplicate_key_rule",
    "overlap_rule",
    "repeated_rows_sql",
    "whole_number_with_decimals_rule",
]

PRIORITIES = ("low", "normal", "high", "urgent")
REASON_CATEGORIES = ("avoidable", "unavoidable")
_ISO_CURRENCY = "NOT regexp_full_match({c}, '[A-Z]{{3}}')"
_ISO_FIX = "write the ISO 4217 code in three capital letters, e.g. USD or EUR"


@dataclass(frozen=True)
class Check:
    """A rule on one column: rows where ``predicate`` holds are problems.

    ``predicate`` and ``message`` are SQL over the staging table's typed columns; a NULL value
    never breaks a check (emptiness has its own rule).
    """

    table: str
    column: str
    predicate: str
    message: str
    fix: str


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(literal(v) for v in values)


CHECKS: tuple[Check, ...] = (
    Check("subscriptions", "mrr", "mrr < 0", "'is negative'",
          "MRR must be zero or more (a refund is a line ending early, not negative MRR)"),
    Check("subscriptions", "quantity", "quantity < 1", "'is less than 1'",
          "quantity counts seats or units and must be 1 or more"),
    Check("subscriptions", "billing_period_months", "billing_period_months < 1",
          "'is less than 1'", "write the months billed at once: 1 monthly, 3 quarterly, 12 annual"),
    Check("subscriptions", "currency", _ISO_CURRENCY.format(c="currency"),
          "'is not an ISO 4217 currency code'", _ISO_FIX),
    Check("subscriptions", "end_date", "end_date <= start_date",
          "'is on or before start_date ' || CAST(start_date AS VARCHAR)",
          "end_date is the first day without service, after start_date; leave it empty while "
          "the line runs"),
    Check("trials", "ends_at", "ends_at <= started_at",
          "'is on or before started_at ' || CAST(started_at AS VARCHAR)",
          "ends_at is the first day after the trial and must come after started_at"),
    Check("trials", "converted_at", "converted_at < started_at",
          "'is before started_at ' || CAST(started_at AS VARCHAR)",
          "a trial converts on or after the day it starts; leave converted_at empty if it "
          "never did"),
    Check("tickets", "closed_at", "closed_at < opened_at",
          "'is before opened_at ' || CAST(opened_at AS VARCHAR)",
          "a ticket closes after it opens; leave closed_at empty while it is open"),
    Check("tickets", "priority", f"priority NOT IN ({_in(PRIORITIES)})",
          "'is not a known priority'",
          "use low, normal, high or urgent, or translate your values in the mapping "
          "(values: {priority: {P1: urgent}})"),
    Check("tickets", "satisfaction", "NOT satisfaction BETWEEN 1 AND 5", "'is outside 1-5'",
          "satisfaction is a 1-5 rating; leave it empty when the ticket was not rated"),
    Check("survey_responses", "score", "NOT score BETWEEN 0 AND 10", "'is outside 0-10'",
          "an NPS score is a whole number from 0 to 10"),
    Check("cancellations", "reason_category",
          f"reason_category NOT IN ({_in(REASON_CATEGORIES)})", "'is not a known category'",
          "use avoidable or unavoidable, or translate your values in the mapping"),
    Check("spend", "month", "day(month) <> 1", "'is not the first day of a month'",
          "write each month as its first day, e.g. 2024-03-01"),
    Check("spend", "sales_marketing", "sales_marketing < 0", "'is negative'",
          "a cost is zero or more; book a credit against the month it corrects"),
    Check("spend", "cost_of_service", "cost_of_service < 0", "'is negative'",
          "a cost is zero or more; book a credit against the month it corrects"),
    Check("spend", "currency", _ISO_CURRENCY.format(c="currency"),
          "'is not an ISO 4217 currency code'", _ISO_FIX),
    Check("fx_rates", "currency", _ISO_CURRENCY.format(c="currency"),
          "'is not an ISO 4217 currency code'", _ISO_FIX),
    Check("fx_rates", "rate", "rate <= 0", "'is not positive'",
          "a rate is the reporting-currency value of one unit and must be more than 0"),
    Check("events", "properties", "NOT json_valid(properties)", "'is not valid JSON'",
          'write properties as a JSON object, e.g. {"plan": "pro"}, or leave it empty'),
)

#: (message SQL, fix) for a timestamp with a time of day in a date column (one at midnight is
#: read as its day: pandas writes dates that way).
TIME_OF_DAY = ("'is a timestamp with a time of day, not a date'",
               ("a date column holds days: export the day alone (2024-03-31), or a timestamp at "
               "midnight (00:00:00)"))

#: Columns that record something that happened, so cannot lie after the as-of time.
FUTURE_COLUMNS = HAPPENED_COLUMNS


def _parse_failure(dtype: str, column: str, st: StagedTable) -> tuple[str, str]:
    """(message, fix) for a value of ``column`` that does not parse as ``dtype``."""
    tm = st.mapping
    table = st.spec.name
    if dtype == "int64":
        return "is not a whole number", f"{column} must be a whole number such as 3"
    if dtype == MONEY and tm.money_in_minor_units:
        return ("is not a whole number of minor units",
                ("money_in_minor_units is set in the mapping, so write whole cents "
                "(123450 for 1234.50)"))
    if dtype == MONEY:
        return ("is not an amount of money",
                ("write digits with at most two decimals after a '.', without currency symbol "
                "or thousands separator (e.g. 1234.50)"))
    if dtype.startswith("decimal"):
        return ("is not a decimal number",
                "write digits with a '.' decimal point and at most 8 decimals, e.g. 1.08500000")
    if dtype in ("date", "timestamp"):
        fmt = tm.date_format if dtype == "date" else tm.timestamp_format
        if fmt:
            return (f"does not match the {dtype}_format {fmt!r} of the mapping",
                    (f"write every {dtype} of this column in that format or correct "
                    f"tables.{table}.{dtype}_format"))
        example = "2024-03-31" if dtype == "date" else "2024-03-31 14:05:00 (UTC) or ...+02:00"
        return (f"is not an ISO {dtype}",
                (f"write it as {example}, or give the file's format in the mapping "
                f"(tables.{table}.{dtype}_format: '%d/%m/%Y')"))
    if dtype == "boolean":
        return ("is not true or false",
                ("write true or false, or translate your flags in the mapping "
                f"(tables.{table}.values: {{{column}: {{Y: true, N: false}}}})"))
    return f"is not a valid {dtype}", f"write a {dtype}"


#: '4.0', '12.00': a whole number that went through a float (a spreadsheet, pandas) on the way.
_WHOLE_WITH_DECIMALS = r"regexp_full_match({raw}, '[+-]?[0-9]+\.0+')"


def whole_number_with_decimals_rule(st: StagedTable, column: str, unparsed: str) -> str:
    """Rows of a whole-number column written with zero decimals (``4.0``).

    The value is right but its form is not, so the fix points at the export or at the
    mapping's value translations, not at the number.
    """
    raw = quote(f"{column}__raw")
    fix = literal("the column went through a decimal (float) type on its way out: export it as "
                  "whole numbers, or translate the values in the mapping, e.g. "
                  f"tables.{st.spec.name}.values: {{{column}: {{'1.0': 1, '2.0': 2}}}}")
    return (f"SELECT __row AS row, {literal(st.labels.get(column, column))} AS column_name, "
            f"{raw} AS value, 'is a whole number written with decimals' AS message, {fix} AS fix "
            f"FROM {quote(st.relation)} WHERE {unparsed} AND "
            f"{_WHOLE_WITH_DECIMALS.format(raw=raw)}")


def _select(st: StagedTable, column: str, predicate: str, message: str, fix: str,
            *, value: str | None = None, source: str | None = None) -> str:
    value_sql = value or quote(f"{column}__raw")
    return (f"SELECT __row AS row, {literal(st.labels.get(column, column))} AS column_name, "
            f"{value_sql} AS value, {message} AS message, {literal(fix)} AS fix "
            f"FROM {source or quote(st.relation)} WHERE {predicate}")


def column_rules(st: StagedTable, as_of: datetime) -> list[str]:
    """Queries for the one-column rules: empty, unparseable, out of range, in the future."""
    queries = []
    columns = [(c.name, c.dtype, c.required and not c.nullable, c.description)
               for c in st.spec.columns]
    if st.derives_mrr:
        columns = [c for c in columns if c[0] != "mrr"]
        columns.append((BILLED, MONEY, True, "the amount billed per billing period"))
    for name, dtype, needed, description in columns:
        if name not in st.present and name != BILLED:
            continue
        raw = quote(f"{name}__raw")
        if needed and name not in st.mapping.join:  # a joined value is checked at its key
            queries.append(_select(st, name, f"{raw} IS NULL", "'is empty'",
                                   f"every row needs {name.strip('_')}: {description}"))
        message, fix = _parse_failure(dtype, name, st)
        unparsed = f"{raw} IS NOT NULL AND {quote(name)} IS NULL"
        if dtype == "date" and not st.mapping.date_format:
            timed = f"regexp_full_match({raw}, {literal(WITH_TIME)})"
            queries.append(_select(st, name, f"{unparsed} AND {timed}", *TIME_OF_DAY))
            unparsed += f" AND NOT {timed}"
        if dtype == "int64":
            queries.append(whole_number_with_decimals_rule(st, name, unparsed))
            unparsed += f" AND NOT {_WHOLE_WITH_DECIMALS.format(raw=raw)}"
        queries.append(_select(st, name, unparsed, literal(message), fix))
    for check in CHECKS:
        if check.table != st.spec.name or check.column not in st.present:
            continue
        if check.column == "mrr" and st.derives_mrr:
            queries.append(_select(st, "mrr", f"{quote(BILLED)} < 0", check.message,
                                   "a billed amount must be zero or more (a refund is a line "
                                   "ending early, not a negative price)",
                                   value=quote(f"{BILLED}__raw")))
            continue
        queries.append(_select(st, check.column, check.predicate, check.message, check.fix))
    stamp = as_of.replace(microsecond=0).isoformat(sep=" ")
    for name in FUTURE_COLUMNS.get(st.spec.name, ()):
        if name not in st.present:
            continue
        bound = (f"CAST(TIMESTAMP {literal(stamp)} AS DATE)" if st.spec.column(name).dtype ==
                 "date" else f"TIMESTAMP {literal(stamp)}")
        queries.append(_select(
            st, name, f"{quote(name)} > {bound}", literal(f"is in the future (after {stamp})"),
            "data cannot record what has not happened yet: correct the date, or pass --as-of "
            "with the date of the export"))
    return queries


def duplicate_key_rule(st: StagedTable) -> str:
    """Rows repeating the key (grain) of an earlier row of the same file."""
    grain = st.spec.grain
    keys = ", ".join(quote(c) for c in grain)
    label = ", ".join(st.labels.get(c, c) for c in grain)
    value = (quote(f"{grain[0]}__raw") if len(grain) == 1 else
             "concat_ws(', ', " + ", ".join(quote(f"{c}__raw") for c in grain) + ")")
    # Find the repeated keys by aggregation first (a hash table), then only their rows: far
    # cheaper than a window over every row of a large events file.
    not_null = " AND ".join(f"{quote(c)} IS NOT NULL" for c in grain)
    source = (f"(SELECT s.*, d.__first FROM {quote(st.relation)} s JOIN "
              f"(SELECT {keys}, min(__row) AS __first FROM {quote(st.relation)} WHERE {not_null} "
              f"GROUP BY {keys} HAVING count(*) > 1) d USING ({keys}))")
    noun = "key" if len(grain) == 1 else "key (" + ", ".join(grain) + ")"
    message = f"'repeats the {noun} of {st.source.row_label} ' || CAST(__first AS VARCHAR)"
    if st.spec.name == "subscriptions":
        # A line without an id was given one made from its content (sources.fill): a repeat of
        # that id is a line identical to another, which the user never saw an id for.
        generated = f"subscription_id LIKE {literal(LINE_ID_PREFIX + '%')}"
        value = f"CASE WHEN {generated} THEN NULL ELSE {value} END"
        message = (f"CASE WHEN {generated} THEN 'is empty, and the line is identical to "
                   f"{st.source.row_label} ' || CAST(__first AS VARCHAR) || ' (both were given "
                   f"the id ''' || subscription_id || ''')' ELSE {message} END")
    return (f"SELECT __row AS row, {literal(label)} AS column_name, {value} AS value, "
            f"{message} AS message, "
            f"{literal(f'{st.spec.name} has one row per {label}: remove the duplicate row')} "
            f"AS fix FROM {source} WHERE __row > __first")


def repeated_rows_sql(st: StagedTable, accepted: str = "true") -> str:
    """SQL counting the rows identical to an earlier row, for a table whose key is a source id
    the file does not give (events without ``event_id``).

    Such rows are not duplicates: an event stream with second resolution records two clicks
    in one second as two identical rows, and both are real. They are loaded and counted (the
    load says how many), never rejected; ``accepted`` is an SQL condition on row ``s``.
    """
    key = st.spec.grain[0]
    relation = quote(st.relation)
    columns = ", ".join(f"s.{quote(c)}" for c in st.spec.column_names if c != key)
    # Repeats of the required columns first (a hash table over short values), then the full
    # comparison, properties included, only on their rows: cheaper on a large events file.
    short = ", ".join(quote(c.name) for c in st.spec.columns if c.required and c.name != key)
    unkeyed = f"s.{quote(key)} IS NULL AND {accepted}"
    candidates = (f"SELECT {short} FROM {relation} s WHERE {unkeyed} GROUP BY {short} "
                  "HAVING count(*) > 1")
    return (f"SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM {relation} s "
            f"JOIN ({candidates}) d USING ({short}) WHERE {unkeyed} GROUP BY {columns} "
            "HAVING count(*) > 1)")


def overlap_rule(st: StagedTable) -> str:
    """Subscription lines that repeat another line (same account, plan, quantity and mrr) over
    an overlapping interval: almost always the same line exported twice."""
    s = quote(st.relation)
    far = "DATE '9999-12-31'"
    label = st.labels.get("subscription_id", "subscription_id")
    return (
        f"SELECT b.__row AS row, {literal(label)} AS column_name, "
        f"any_value(b.subscription_id__raw) AS value, "
        f"'overlaps {st.source.row_label} ' || CAST(min(a.__row) AS VARCHAR) || "
        f"' (subscription ' || arg_min(a.subscription_id, a.__row) || ') with the same account, "
        f"plan, quantity and mrr' AS message, "
        f"{literal('almost always the same line exported twice: remove one of the two (if both are real, end one before the other starts)')} AS fix "  # noqa: E501
        f"FROM {s} a JOIN {s} b ON a.account_id = b.account_id AND a.plan = b.plan "
        f"AND a.quantity = b.quantity AND a.mrr = b.mrr AND a.__row < b.__row "
        f"AND a.subscription_id <> b.subscription_id "
        f"AND a.start_date < coalesce(b.end_date, {far}) "
        f"AND b.start_date < coalesce(a.end_date, {far}) "
        f"GROUP BY b.__row"
    )


def account_rules(st: StagedTable, accounts: str, accounts_name: str) -> list[str]:
    """Rows of ``st`` whose account is not in relation ``accounts`` (one ``account_id`` column)."""
    if "account_id" not in st.spec.column_names or st.spec.name == "accounts":
        return []
    return [_select(
        st, "account_id",
        f"account_id IS NOT NULL AND account_id NOT IN (SELECT account_id FROM {accounts} "
        f"WHERE account_id IS NOT NULL)",
        literal(f"is not an account in {accounts_name}"),
        f"add the account to {accounts_name}, or remove the rows of accounts that do not exist")]


def currency_rules(st: StagedTable, reporting_currency: str, fx: str | None,
                   fx_name: str | None) -> list[str]:
    """Rows whose money is in a currency that cannot be converted to the reporting currency."""
    if "currency" not in st.spec.column_names or st.spec.name == "fx_rates":
        return []
    other = f"currency IS NOT NULL AND currency <> {literal(reporting_currency)}"
    if fx is None:
        return [_select(
            st, "currency", other,
            literal(f"differs from the reporting currency {reporting_currency} and there is "
                    "no fx_rates table"),
            f"add fx_rates.csv (columns currency, rate: the {reporting_currency} value of one "
            "unit), or set reporting_currency in tenure.yaml")]
    return [_select(
        st, "currency",
        f"{other} AND currency NOT IN (SELECT currency FROM {fx} WHERE currency IS NOT NULL)",
        literal(f"has no rate in {fx_name}"),
        f"add a row for this currency to {fx_name} (its {reporting_currency} value of one unit)")]


def problem_from_row(row: tuple) -> Problem:
    """A :class:`Problem` from a row of the loader's problems table."""
    _table, file, row_label, line, column, value, message, fix = row
    return Problem(file, line, column, value, message, fix, row_label)
