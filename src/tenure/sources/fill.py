"""Values the loader derives when an export lacks them, so no mapping needs a preprocessing step.

* An account without a sign-up date (``created_at`` absent from the file, or empty in a row)
  signed up when its first subscription line started: that start is taken, at midnight.
* A subscription line without an id (``subscription_id`` absent or empty) gets one made from its
  content: ``gen-`` and the first 16 hex digits of the SHA-256 of its account, plan, dates,
  quantity, billing period, mrr, currency and trial flag. The same row gets the same id on every
  load of the file, wherever it stands in it; two identical rows get the same id and are
  reported as a duplicate (almost always the same line exported twice).

Each fill works on a staged table before validation and returns how many rows it filled, for
the load's warnings; :func:`unfilled_rules` reports the rows that could not be filled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tenure.sources.sql import literal, quote
from tenure.sources.staging import StagedTable

if TYPE_CHECKING:
    import duckdb

__all__ = ["LINE_ID_PREFIX", "fill_line_ids", "fill_sign_up_dates", "unfilled_rules"]

#: Generated subscription ids start with this, so they are never mistaken for the source's.
LINE_ID_PREFIX = "gen-"

#: The columns a generated line id is made from, in this order.
_LINE_CONTENT = ("account_id", "plan", "start_date", "end_date", "cancelled_at", "quantity",
                 "billing_period_months", "mrr", "currency", "is_trial")


def fill_sign_up_dates(con: duckdb.DuckDBPyConnection, accounts: StagedTable,
                       first_starts: str | None) -> int:
    """Give accounts without ``created_at`` the start of their first subscription line.

    ``first_starts`` is an SQL relation of ``(account_id, start_date)`` rows (the staged or
    kept subscriptions), ``None`` when there are none. Returns the number of accounts filled.
    """
    if first_starts is None:
        return 0
    data = quote(accounts.data_relation)
    before = _count(con, f"SELECT count(*) FROM {data} WHERE created_at IS NULL "
                         "AND created_at__raw IS NULL")
    if not before:
        return 0
    con.execute(
        f"UPDATE {data} SET created_at = CAST(f.first_start AS TIMESTAMP) "
        f"FROM (SELECT account_id, min(start_date) AS first_start FROM {first_starts} "
        f"WHERE account_id IS NOT NULL GROUP BY account_id) f "
        f"WHERE {data}.account_id = f.account_id AND {data}.created_at IS NULL "
        f"AND {data}.created_at__raw IS NULL AND f.first_start IS NOT NULL")
    after = _count(con, f"SELECT count(*) FROM {data} WHERE created_at IS NULL "
                        "AND created_at__raw IS NULL")
    return before - after


def fill_line_ids(con: duckdb.DuckDBPyConnection, subscriptions: StagedTable) -> int:
    """Give subscription lines without an id one made from their content; returns how many."""
    data = quote(subscriptions.data_relation)
    missing = "subscription_id IS NULL"
    n = _count(con, f"SELECT count(*) FROM {data} WHERE {missing}")
    if n:
        parts = ", ".join(f"coalesce(CAST({quote(c)} AS VARCHAR), '')" for c in _LINE_CONTENT)
        # Messages show the generated id as the value found (a duplicate names it).
        columns = {r[0] for r in con.execute(f"DESCRIBE {data}").fetchall()}
        raw = "subscription_id__raw" in columns
        con.execute(
            f"UPDATE {data} SET subscription_id = {literal(LINE_ID_PREFIX)} || "
            f"substr(sha256(concat_ws(chr(31), {parts})), 1, 16) WHERE {missing}")
        if raw:
            con.execute(f"UPDATE {data} SET subscription_id__raw = subscription_id "
                        f"WHERE subscription_id__raw IS NULL")
    return n


def unfilled_rules(st: StagedTable) -> list[str]:
    """Rule queries (as in :mod:`tenure.sources.rules`) for rows a fill could not complete."""
    if st.spec.name != "accounts":
        return []
    label = st.labels.get("created_at", "created_at")
    fix = ("write the account's sign-up date in created_at (or map the file's column that holds "
           "it: tables.accounts.columns), or load its subscription lines")
    return [(f"SELECT __row AS row, {literal(label)} AS column_name, NULL AS value, "
            f"'is empty, and the account has no subscription line to take its sign-up date "
            f"from' AS message, {literal(fix)} AS fix FROM {quote(st.relation)} "
            f"WHERE created_at IS NULL AND created_at__raw IS NULL")]


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return int(con.execute(sql).fetchone()[0])
