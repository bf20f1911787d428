"""Hand-written exports of a small business, and the awkward shapes real exports come in.

Not the simulator: every row below is written out here (or follows from a one-line rule beside
it), so a reader can check any number a test asserts. The base business:

* twenty accounts ``A01``..``A20``, signed up on the first of a month from January to June 2024
  (``A01`` in January, ``A02`` in February, ... six apart), each with one paid line of
  ``100 + 10 * n`` a month from its sign-up day;
* three churners: ``A03``, ``A08`` and ``A13`` asked to cancel on the 15th of September, October
  and November 2024 and their service ended on the first of the next month;
* data up to 31 December 2024: weekly use by two users per account (``u1`` logs in every week,
  ``u2`` most weeks) and onboarding milestones in the first weeks; churners go quiet two months
  before they ask to cancel;
* a trial of fourteen days before each sign-up (the odd accounts bought, plus four extra trials
  that never bought), a few tickets, NPS answers, cancellation reasons and monthly spend.

:func:`write_export` writes a :class:`Business` as one CSV file per table, exactly as a user's
export folder would hold them; the shape functions return altered copies (a table or column
left out, a table emptied, lines that overlap, one month only).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path

__all__ = ["CHURNERS", "SHAPES", "Business", "base_business", "write_export"]

#: Header and rows of one table: ``(columns, rows)``.
Rows = tuple[tuple[str, ...], list[tuple[object, ...]]]

#: The end of the data: the last day anything is recorded.
LAST_DAY = date(2024, 12, 31)

#: Churners: account -> (day it asked to cancel, first day without service).
CHURNERS = {
    "A03": (date(2024, 9, 15), date(2024, 10, 1)),
    "A08": (date(2024, 10, 15), date(2024, 11, 1)),
    "A13": (date(2024, 11, 15), date(2024, 12, 1)),
}


@dataclass(frozen=True)
class Business:
    """A business's export: one :data:`Rows` per table (absent tables are simply not there)."""

    tables: dict[str, Rows] = field(default_factory=dict)

    def without(self, *names: str) -> Business:
        """The same export with tables ``names`` left out."""
        return replace(self, tables={k: v for k, v in self.tables.items() if k not in names})

    def emptied(self, name: str) -> Business:
        """The same export with table ``name`` reduced to its header."""
        columns, _ = self.tables[name]
        return replace(self, tables={**self.tables, name: (columns, [])})

    def drop_column(self, name: str, column: str) -> Business:
        """The same export with ``column`` left out of table ``name``."""
        columns, rows = self.tables[name]
        keep = [i for i, c in enumerate(columns) if c != column]
        return replace(self, tables={**self.tables, name: (
            tuple(columns[i] for i in keep), [tuple(row[i] for i in keep) for row in rows])})

    def rows(self, name: str) -> list[dict[str, object]]:
        """Table ``name`` as dictionaries, for tests that count what they wrote."""
        columns, rows = self.tables[name]
        return [dict(zip(columns, row, strict=True)) for row in rows]


def write_export(business: Business, folder: Path) -> Path:
    """Write each table of ``business`` to ``folder/<table>.csv`` and return the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, (columns, rows) in business.tables.items():
        with (folder / f"{name}.csv").open("w", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(columns)
            writer.writerows(["" if v is None else _text(v) for v in row] for row in rows)
    return folder


def _text(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    return str(value)


def _account_ids() -> list[str]:
    return [f"A{n:02d}" for n in range(1, 21)]


def _signed_up(n: int) -> date:
    """Sign-up day of account number ``n`` (1-based): the first of month ``(n - 1) % 6 + 1``."""
    return date(2024, (n - 1) % 6 + 1, 1)


def _weeks(first: date, last: date) -> list[date]:
    days, day = [], first
    while day <= last:
        days.append(day)
        day += timedelta(days=7)
    return days


def base_business(churners: dict[str, tuple[date, date]] = CHURNERS) -> Business:
    """Twenty accounts, three churners (``churners``), a year: every table Tenure
    reads."""
    accounts = [
        (a, f"Company {a}", datetime.combine(_signed_up(n), datetime.min.time()),
         ("saas", "retail", "health")[n % 3], ("small", "mid")[n % 2], ("web", "sales")[n % 2],
         f"rep{n % 3 + 1}")
        for n, a in enumerate(_account_ids(), start=1)
    ]
    subscriptions = [
        (f"S{n:02d}", a, ("basic", "pro")[n % 2], f"{100 + 10 * n}.00", _signed_up(n),
         churners.get(a, (None, None))[1], churners.get(a, (None, None))[0])
        for n, a in enumerate(_account_ids(), start=1)
    ]
    # Trials: fourteen days before each odd account's sign-up (it bought), and four more
    # prospects (P1..P4, accounts that never bought) whose trials ended unconverted.
    trials = [
        (a, _signed_up(n) - timedelta(days=14), _signed_up(n), _signed_up(n),
         ("founder", "engineer")[n % 4 == 1])
        for n, a in enumerate(_account_ids(), start=1) if n % 2 == 1
    ] + [
        (p, date(2024, m, 3), date(2024, m, 17), None, ("founder", "engineer")[m % 2])
        for p, m in (("P1", 2), ("P2", 4), ("P3", 7), ("P4", 9))
    ]
    accounts += [(p, f"Prospect {p}", datetime(2024, m, 3), "saas", "small", "web", "rep1")
                 for p, m in (("P1", 2), ("P2", 4), ("P3", 7), ("P4", 9))]
    events = []
    for n, a in enumerate(_account_ids(), start=1):
        start = _signed_up(n)
        asked, ended = churners.get(a, (None, None))
        # Churners go quiet two months before they ask to cancel.
        quiet = asked - timedelta(days=60) if asked else LAST_DAY
        for week, day in enumerate(_weeks(start, (ended or LAST_DAY) - timedelta(days=1))):
            at = datetime.combine(day, datetime.min.time()) + timedelta(hours=9)
            if day < quiet or week % 4 == 0:
                events.append((a, "u1", "login", at))
            if day < quiet and week % 3 != 2:
                events.append((a, "u2", "login", at + timedelta(hours=2)))
                events.append((a, "u2", "create_report", at + timedelta(hours=3)))
        first = datetime.combine(start, datetime.min.time()) + timedelta(hours=10)
        events += [(a, "u1", "integration_setup", first + timedelta(days=1)),
                   (a, "u1", "invite_user", first + timedelta(days=2 + n % 5))]
    # Use during the trials: a login on each trial's second day, and a report on its third in
    # the trials of engineers (accounts A01, A05, A09, A13, A17 and prospects P3, P4).
    for account, started, _ends, _converted, role in trials:
        at = datetime.combine(started, datetime.min.time()) + timedelta(days=1, hours=9)
        events.append((account, "u1", "login", at))
        if role == "engineer":
            events.append((account, "u1", "create_report", at + timedelta(days=1)))
    tickets = [
        (f"T{i}", a, datetime(2024, m, 10, 9), datetime(2024, m, 12, 9), p, s)
        for i, (a, m, p, s) in enumerate([("A03", 9, "high", 2), ("A08", 10, "urgent", 1),
                                          ("A05", 8, "normal", 5), ("A13", 11, "high", None),
                                          ("A10", 7, "low", 4)], start=1)
    ]
    surveys = [
        (f"R{n}", a, "u1", (9, 10, 8, 3)[n % 4] if a not in churners else 2, None,
         datetime(2024, 7, 1 + n, 12))
        for n, a in enumerate(_account_ids(), start=1)
    ]
    cancellations = [(a, asked, "price", "avoidable", None) for a, (asked, _) in churners.items()]
    spend = [(date(2024, m, 1), "2000.00", "500.00") for m in range(1, 13)]
    return Business({
        "accounts": (("account_id", "name", "created_at", "industry", "size", "channel",
                      "owner"), accounts),
        "subscriptions": (("subscription_id", "account_id", "plan", "mrr", "start_date",
                           "end_date", "cancelled_at"), subscriptions),
        "trials": (("account_id", "started_at", "ends_at", "converted_at", "signup_role"),
                   trials),
        "events": (("account_id", "user_id", "event_name", "occurred_at"), events),
        "tickets": (("ticket_id", "account_id", "opened_at", "closed_at", "priority",
                     "satisfaction"), tickets),
        "survey_responses": (("response_id", "account_id", "user_id", "score", "comment",
                              "answered_at"), surveys),
        "cancellations": (("account_id", "cancelled_at", "reason_code", "reason_category",
                           "comment"), cancellations),
        "spend": (("month", "sales_marketing", "cost_of_service"), spend),
    })


def no_churn() -> Business:
    """The base business where nobody left: no end dates, cancellations or reasons."""
    return base_business(churners={})


def overlapping_lines() -> Business:
    """Every account holds two overlapping paid lines (a plan and a seat add-on), and the odd
    accounts also two overlapping free trial lines before they bought."""
    business = base_business().without("trials")
    columns, rows = business.tables["subscriptions"]
    lines = list(rows)
    for sub, account, _plan, _mrr, start, end, asked in rows:
        lines.append((f"{sub}-seats", account, "seats", "25.00", start + timedelta(days=20),
                      end, asked))
    lines = [(*line, False) for line in lines]
    for n, row in enumerate(rows, start=1):
        if n % 2 == 1:
            start = row[4]
            lines.append((f"{row[0]}-trial", row[1], "trial", "0.00",
                          start - timedelta(days=14), start, None, True))
            lines.append((f"{row[0]}-trial-addon", row[1], "trial add-on", "0.00",
                          start - timedelta(days=10), start, None, True))
    return replace(business, tables={**business.tables, "subscriptions": (
        (*columns, "is_trial"), lines)})


def one_month() -> Business:
    """A business that started exporting a month ago: December 2024 only, nobody has left."""
    business = base_business().without("trials", "cancellations", "spend")
    tables = dict(business.tables)
    columns, accounts = tables["accounts"]
    tables["accounts"] = (columns, [
        (a[0], a[1], datetime(2024, 12, 1 + n % 5), *a[3:]) for n, a in enumerate(accounts)
        if a[0].startswith("A")])
    columns, rows = tables["subscriptions"]
    tables["subscriptions"] = (columns, [
        (*row[:4], date(2024, 12, 1 + n % 5), None, None) for n, row in enumerate(rows)])
    columns, events = tables["events"]
    tables["events"] = (columns, [
        e for e in events if e[3] >= datetime(2024, 12, 6) and e[0] not in CHURNERS])
    for name, stamp in (("tickets", 2), ("survey_responses", 5)):
        columns, rows = tables[name]
        tables[name] = (columns, [(*r[:stamp], datetime(2024, 12, 20), *r[stamp + 1:])
                                  for r in rows])
    columns, rows = tables["tickets"]
    tables["tickets"] = (columns, [(*r[:3], None, *r[4:]) for r in rows])
    return Business(tables)


#: The awkward shapes of the matrix: name -> the export a user might have.
SHAPES: dict[str, Business] = {}


def _shapes() -> dict[str, Business]:
    base = base_business()
    return {
        "full": base,
        "accounts_and_subscriptions_only": base.without(
            "trials", "events", "tickets", "survey_responses", "cancellations", "spend"),
        "no_cancelled_at": base.drop_column("subscriptions", "cancelled_at"),
        "empty_trials": base.emptied("trials"),
        "absent_trials": base.without("trials"),
        "no_tickets_surveys_spend": base.without("tickets", "survey_responses", "spend"),
        "events_without_user_id": base.drop_column("events", "user_id"),
        "one_month": one_month(),
        "no_churn": no_churn(),
        "overlapping_lines": overlapping_lines(),
    }


SHAPES.update(_shapes())
