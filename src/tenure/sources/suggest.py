"""Which canonical column a file's header most likely holds, for the hints of a load.

Exports name their columns in many ways: ``Customer ID``, ``customer_uuid``, ``groupId``,
``Canceled At (UTC)``, ``MRR``. A header and a canonical column are compared as sets of
*concepts*: the header is split into words (case, spaces, underscores, punctuation and
camelCase all separate words), each word is replaced by its concept (customer, client and
company are all *account*; began and started are *start*; at, time and timestamp are *date*),
and the two sets are compared. Words such as ``id`` and ``date`` count half: they say what kind
of value a column holds, not what it is about. A date-like header is only ever suggested for a
date column, and the other way round, so ``End`` can never become ``account_id``.

Suggestions are hints in messages, never applied silently: the user copies them into the
mapping.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from tenure.schema import Column, TableSpec

__all__ = ["concepts", "mapping_hint", "score", "suggest_columns"]

#: A suggestion needs at least this score (1.0: the same concepts).
THRESHOLD = 0.6

#: Phrases that stand for one concept, replaced before the words are split.
_PHRASES = {
    "monthly recurring revenue": "mrr",
    "monthly recurring": "mrr",
    "recurring revenue": "mrr",
    "monthly amount": "mrr",
    "monthly revenue": "mrr",
    "monthly value": "mrr",
    "monthly price": "mrr",
    "sign up": "created",
    "signed up": "created",
    "billing period months": "billingperiod",
    "billing period": "billingperiod",
    "billing interval": "billingperiod",
    "billing cycle": "billingperiod",
    "reason code": "reasoncode",
    "churn reason": "reasoncode",
    "cost of service": "costofservice",
    "cost of goods": "costofservice",
    "sales and marketing": "salesmarketing",
    "sales marketing": "salesmarketing",
    "nps score": "score",
}

#: Word -> concept. Words not listed are their own concept.
_SYNONYMS = {
    **dict.fromkeys(("account", "accounts", "customer", "customers", "client", "clients",
                     "company", "companies", "org", "organization", "organisation", "tenant",
                     "workspace", "acct", "cust", "group"), "account"),
    **dict.fromkeys(("subscription", "subscriptions", "sub", "subs", "contract"),
                    "subscription"),
    **dict.fromkeys(("id", "ids", "identifier", "uuid", "guid", "key", "ref", "reference"),
                    "id"),
    **dict.fromkeys(("user", "users", "email", "mail", "member", "person", "contact", "visitor",
                     "respondent"), "user"),
    **dict.fromkeys(("start", "started", "starts", "begin", "began", "begins", "beginning",
                     "activated", "activation"), "start"),
    **dict.fromkeys(("end", "ended", "ends", "ending", "until", "expires", "expired", "expiry",
                     "expiration", "finished"), "end"),
    **dict.fromkeys(("cancel", "canceled", "cancelled", "cancellation", "cancelation",
                     "canceled_at"), "cancelled"),
    **dict.fromkeys(("created", "create", "creation", "signup", "signed", "joined",
                     "registered", "registration"), "created"),
    **dict.fromkeys(("date", "at", "time", "timestamp", "datetime", "day", "on", "when", "ts"),
                    "date"),
    **dict.fromkeys(("event", "events", "action", "activity", "message", "track"), "event"),
    **dict.fromkeys(("name", "type", "title"), "name"),
    **dict.fromkeys(("occurred", "occured", "happened"), "occurred"),
    **dict.fromkeys(("plan", "product", "tier", "package", "sku"), "plan"),
    **dict.fromkeys(("quantity", "qty", "seats", "seat", "units", "licenses", "licences"),
                    "quantity"),
    **dict.fromkeys(("currency", "curr", "ccy"), "currency"),
    **dict.fromkeys(("trial", "trialing", "trialling"), "trial"),
    **dict.fromkeys(("opened", "open", "submitted", "raised"), "opened"),
    **dict.fromkeys(("closed", "close", "resolved", "solved"), "closed"),
    **dict.fromkeys(("answered", "responded", "replied"), "answered"),
    **dict.fromkeys(("converted", "conversion"), "converted"),
    **dict.fromkeys(("priority", "urgency", "severity"), "priority"),
    **dict.fromkeys(("satisfaction", "csat", "rating"), "satisfaction"),
    **dict.fromkeys(("comment", "comments", "feedback", "text"), "comment"),
    **dict.fromkeys(("properties", "props", "attributes", "context"), "properties"),
    **dict.fromkeys(("month", "period"), "month"),
    **dict.fromkeys(("rate", "fx"), "rate"),
    **dict.fromkeys(("owner", "csm", "rep", "manager"), "owner"),
    **dict.fromkeys(("size", "employees", "headcount"), "size"),
    **dict.fromkeys(("channel", "source", "acquisition"), "channel"),
}

#: Words that say nothing about what a column holds (``Start (UTC)``, ``Record ID``).
_NOISE = {"utc", "gmt", "the", "of", "a", "in", "local", "record", "object", "hs", "is", "has",
          "was", "by", "number"}

#: Concepts that count half: the kind of value, not what it is about (`mrr_amount` is mrr).
_WEAK = {"id", "date", "name", "amount", "value", "total"}

#: Concepts that make a header a date, whatever else it says.
_DATE_CONCEPTS = {"date", "start", "end", "cancelled", "created", "occurred", "opened", "closed",
                  "answered", "converted", "month", "since"}

#: Names a canonical column is also known by, per table (besides its own name).
_ALIASES: dict[tuple[str, str], tuple[str, ...]] = {
    ("accounts", "name"): ("account name",),
    ("accounts", "created_at"): ("created", "account since"),
    ("accounts", "owner"): ("account owner",),
    ("accounts", "size"): ("account size",),
    ("accounts", "country"): ("country region",),
    ("subscriptions", "is_trial"): ("trial",),
    ("events", "event_name"): ("event",),
    ("events", "occurred_at"): ("date",),
    ("tickets", "opened_at"): ("created at",),
    ("survey_responses", "answered_at"): ("submitted at", "created at"),
    ("survey_responses", "score"): ("nps", "likelihood to recommend"),
    ("cancellations", "reason_code"): ("reason",),
}


def concepts(name: str) -> frozenset[str]:
    """The concepts a column name speaks of.

    >>> sorted(concepts("Customer ID")), sorted(concepts("Canceled At (UTC)"))
    (['account', 'id'], ['cancelled', 'date'])
    >>> sorted(concepts("messageId")), sorted(concepts("Monthly Recurring Revenue"))
    (['event', 'id'], ['mrr'])
    """
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    text = re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()
    text = f" {text} "
    for phrase, concept in _PHRASES.items():
        text = text.replace(f" {phrase} ", f" {concept} ")
    words = [w for w in text.split() if w not in _NOISE]
    return frozenset(_SYNONYMS.get(w, w) for w in words)


def _weight(found: Iterable[str]) -> float:
    return sum(0.5 if c in _WEAK else 1.0 for c in found)


def _is_date(found: frozenset[str]) -> bool:
    return bool(found & _DATE_CONCEPTS)


def _similarity(header: frozenset[str], name: frozenset[str]) -> float:
    strong_h, strong_n = header - _WEAK, name - _WEAK
    if not (strong_h & strong_n) and (strong_h or strong_n):
        return 0.0
    return _weight(header & name) / _weight(header | name)


def score(header: str, column: Column, spec: TableSpec) -> float:
    """How well ``header`` fits ``column`` of ``spec``, from 0 (not at all) to 1.

    >>> from tenure.schema import TABLES
    >>> subs = TABLES["subscriptions"]
    >>> score("End", subs.column("account_id"), subs), score("End", subs.column("end_date"), subs)
    (0.0, 0.6666666666666666)
    """
    found = concepts(header)
    if not found:
        return 0.0
    wants_date = column.dtype in ("date", "timestamp")
    if _is_date(found) != wants_date:
        return 0.0  # 'End' is never an id, 'Customer ID' never a date
    if "id" in found and column.dtype != "string":
        return 0.0
    names = [column.name, *_ALIASES.get((spec.name, column.name), ())]
    if len(spec.grain) == 1 and column.name == spec.grain[0] and column.name.endswith("_id"):
        names.append("id")  # a bare 'id' is the table's own key
    return max(_similarity(found, concepts(n)) for n in names)


def suggest_columns(spec: TableSpec, headers: Iterable[str],
                    wanted: Iterable[str] | None = None) -> dict[str, str]:
    """The likely canonical column of each header that has one: ``{header: column}``.

    Each header and each column is used once, best matches first (ties go to required
    columns, then to the table's order), so ``Customer ID`` goes to ``account_id`` and a bare
    ``id`` to the table's own key. ``wanted`` limits the columns considered (default: all).

    Examples
    --------
    >>> from tenure.schema import TABLES
    >>> suggest_columns(TABLES["subscriptions"],
    ...                 ["id", "Customer ID", "MRR", "Start (UTC)", "End", "Canceled At (UTC)"])
    ... # doctest: +NORMALIZE_WHITESPACE
    {'id': 'subscription_id', 'Customer ID': 'account_id', 'MRR': 'mrr',
     'Start (UTC)': 'start_date', 'End': 'end_date', 'Canceled At (UTC)': 'cancelled_at'}
    """
    headers = list(headers)
    allowed = set(wanted) if wanted is not None else set(spec.column_names)
    order = {name: i for i, name in enumerate(spec.column_names)}
    candidates = []
    for h_index, header in enumerate(headers):
        for column in spec.columns:
            if column.name not in allowed:
                continue
            s = score(header, column, spec)
            if s >= THRESHOLD:
                candidates.append((-s, not column.required, order[column.name], h_index,
                                   header, column.name))
    chosen: dict[str, str] = {}
    for *_rank, header, column in sorted(candidates):
        if header not in chosen and column not in chosen.values():
            chosen[header] = column
    return {h: chosen[h] for h in headers if h in chosen}


def mapping_hint(table: str, header: str, column: str) -> str:
    """The mapping line that maps ``header`` to ``column``, to copy into the mapping file.

    >>> mapping_hint("subscriptions", "MRR", "mrr")
    'tables.subscriptions.columns: {MRR: mrr}'
    """
    return f"tables.{table}.columns: {{{header}: {column}}}"
