"""SQL building blocks of the loader: quoting, canonical types and exact parsing of text.

Every value in a source file is parsed by DuckDB over the whole file at once (never row by row
in Python). Text is parsed strictly: an integer column accepts only digits (DuckDB's own cast
would round ``'1.5'`` to 2), money accepts at most two decimals and is cast straight from text to
``DECIMAL(18,2)`` (never through a float), and timestamps with an offset are converted to UTC.
"""

from __future__ import annotations

from tenure.schema import MONEY

__all__ = [
    "ISO_DATE",
    "MIDNIGHT",
    "WITH_TIME",
    "cents_to_money",
    "duckdb_type",
    "half_even_div",
    "literal",
    "literal_list",
    "parse_native",
    "parse_text",
    "quote",
]

_INTEGER_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT",
                  "USMALLINT", "UINTEGER", "UBIGINT"}
_TZ_SUFFIX = r"(Z|[+-][0-9]{2}(:?[0-9]{2})?)$"
_NAIVE_TIMESTAMPS = {"TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S"}

#: Regular expression of an ISO date (for DuckDB's ``regexp_full_match``).
ISO_DATE = "[0-9]{4}-[0-9]{2}-[0-9]{2}"
#: A time of exactly midnight after an ISO date (``' 00:00'``, ``'T00:00:00.000'``, ``...Z``);
#: with an offset it is still the day written (local midnight starts that day).
MIDNIGHT = "[ T]00:00(:00(\\.0+)?)?(Z|[+-][0-9]{2}(:?[0-9]{2})?)?"
#: An ISO date followed by a time of day (a timestamp where a date is expected).
WITH_TIME = ISO_DATE + "[ T][0-9]{2}:[0-9]{2}.*"


def quote(identifier: str) -> str:
    """Quote an SQL identifier (a column or table name), doubling embedded quotes."""
    return '"' + identifier.replace('"', '""') + '"'


def literal(text: str) -> str:
    """An SQL string literal, embedded quotes doubled (used for names, formats and paths)."""
    return "'" + text.replace("'", "''") + "'"


def literal_list(values: list[str]) -> str:
    """An SQL list of string literals: ``['a', 'b']``."""
    return "[" + ", ".join(literal(v) for v in values) + "]"


def duckdb_type(dtype: str) -> str:
    """The DuckDB type of an Ibis type string of :mod:`tenure.schema`.

    >>> duckdb_type("decimal(18,2)"), duckdb_type("int64")
    ('DECIMAL(18,2)', 'BIGINT')
    """
    fixed = {"string": "VARCHAR", "int64": "BIGINT", "timestamp": "TIMESTAMP", "date": "DATE",
             "boolean": "BOOLEAN"}
    if dtype in fixed:
        return fixed[dtype]
    if dtype.startswith("decimal"):
        return dtype.upper()
    raise ValueError(f"no DuckDB type for schema dtype {dtype!r}")


def _decimal_scale(dtype: str) -> int:
    return int(dtype.rstrip(")").split(",")[1])


def half_even_div(numerator: str, denominator: str) -> str:
    """Integer division rounded half to even, exactly, for a non-negative numerator.

    Both arguments are SQL integer expressions. DuckDB divides decimals in floating point, so
    exact money division goes through integers: quotient, remainder, then the banker's rule.
    """
    q = f"(({numerator}) // ({denominator}))"
    r = f"(({numerator}) % ({denominator}))"
    return (f"({q} + CASE WHEN 2 * {r} > ({denominator}) THEN 1 "
            f"WHEN 2 * {r} = ({denominator}) THEN {q} % 2 ELSE 0 END)")


def cents_to_money(cents: str) -> str:
    """A whole number of cents as exact ``DECIMAL(18,2)`` (multiplication, unlike division,
    stays exact in DuckDB decimals)."""
    return f"TRY_CAST(CAST({cents} AS DECIMAL(38,0)) * CAST(0.01 AS DECIMAL(3,2)) AS DECIMAL(18,2))"


def parse_text(dtype: str, text: str, *, fmt: str | None = None, minor_units: bool = False) -> str:
    """SQL parsing the text expression ``text`` as ``dtype``; NULL where it does not parse.

    Parameters
    ----------
    dtype
        Ibis type string of the canonical column.
    text
        SQL expression of the trimmed, value-mapped source text (never empty).
    fmt
        strptime format for date and timestamp columns; ISO 8601 when ``None``.
    minor_units
        Money is written as whole minor units (cents).
    """
    if dtype == "string":
        return text
    if dtype == "int64":
        return (f"CASE WHEN regexp_full_match({text}, '[+-]?[0-9]+') "
                f"THEN TRY_CAST({text} AS BIGINT) END")
    if dtype == MONEY and minor_units:
        return (f"CASE WHEN regexp_full_match({text}, '[+-]?[0-9]{{1,18}}') "
                f"THEN {cents_to_money(f'TRY_CAST({text} AS HUGEINT)')} END")
    if dtype.startswith("decimal"):
        scale = _decimal_scale(dtype)
        return (f"CASE WHEN regexp_full_match({text}, '[+-]?[0-9]+(\\.[0-9]{{1,{scale}}})?') "
                f"THEN TRY_CAST({text} AS {duckdb_type(dtype)}) END")
    if dtype == "date":
        if fmt:
            return f"CAST(TRY_STRPTIME({text}, {literal(fmt)}) AS DATE)"
        # a date, or a timestamp at exactly midnight (what pandas writes for a date column)
        return (f"CASE WHEN regexp_full_match({text}, '{ISO_DATE}({MIDNIGHT})?') "
                f"THEN TRY_CAST(left({text}, 10) AS DATE) END")
    if dtype == "timestamp":
        if fmt:
            return f"CAST(TRY_STRPTIME({text}, {literal(fmt)}) AS TIMESTAMP)"
        return (f"CASE WHEN NOT regexp_full_match({text}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}.*') "
                f"THEN NULL WHEN regexp_matches({text}, '{_TZ_SUFFIX}') "
                f"THEN timezone('UTC', TRY_CAST({text} AS TIMESTAMPTZ)) "
                f"ELSE TRY_CAST({text} AS TIMESTAMP) END")
    if dtype == "boolean":
        return f"TRY_CAST({text} AS BOOLEAN)"
    raise ValueError(f"no parser for schema dtype {dtype!r}")


def parse_native(dtype: str, source: str, source_type: str, *, minor_units: bool) -> str | None:
    """SQL taking a typed (Parquet) column as ``dtype`` without going through text.

    Returns ``None`` when the source type is not a natural fit (a float for money, text for a
    date): such columns are parsed from their text form by :func:`parse_text`, so a float price
    is read from its shortest decimal representation and checked like any written amount.
    """
    st = source_type.upper()
    if dtype == "string" and st == "VARCHAR":
        return source
    if dtype == "int64" and st in _INTEGER_TYPES:
        return f"TRY_CAST({source} AS BIGINT)"
    if dtype == MONEY and minor_units and st in _INTEGER_TYPES:
        return cents_to_money(source)
    if dtype.startswith("decimal") and not minor_units and st.startswith("DECIMAL"):
        if _decimal_scale(st) <= _decimal_scale(dtype):
            return f"TRY_CAST({source} AS {duckdb_type(dtype)})"
        return None
    if dtype == "date" and st == "DATE":
        return source
    if dtype == "date" and st in _NAIVE_TIMESTAMPS | {"TIMESTAMP WITH TIME ZONE"}:
        # a timestamp at midnight is that day; one with a time of day is not a date (NULL, and
        # the date rule says so)
        utc = (f"timezone('UTC', {source})" if st == "TIMESTAMP WITH TIME ZONE"
               else f"CAST({source} AS TIMESTAMP)")
        return f"CASE WHEN {utc} = date_trunc('day', {utc}) THEN CAST({utc} AS DATE) END"
    if dtype == "timestamp" and st in _NAIVE_TIMESTAMPS | {"DATE"}:
        return f"CAST({source} AS TIMESTAMP)"
    if dtype == "timestamp" and st == "TIMESTAMP WITH TIME ZONE":
        return f"timezone('UTC', {source})"
    if dtype == "boolean" and st == "BOOLEAN":
        return source
    return None
