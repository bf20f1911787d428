"""Write the three example exports of docs/own-data.md (run from the repository root).

The files in ``docs/examples/`` were written by this script and are committed as they are; the
walk-through and its test (``tests/test_own_data_walkthrough.py``) read the committed files.
None of it comes from Tenure's simulator: each folder is shaped the way one real system
exports, with that system's gaps.

* ``billing/``: a spreadsheet from an invoicing tool: semicolon-separated, day-first dates, its
  own column names, annual lines priced per year, no cancellation column, no usage.
* ``stripe/``: Stripe's customers and subscriptions as the API lists them (JSON, in
  ``stripe-export/``), and the product's events as JSON lines keyed by the Stripe customer.
* ``product/``: a CRM without sign-up dates, a billing export with cancellation requests, a usage stream
  that names the subscription rather than the account, and help-desk tickets.

In each business low engagement raises the chance of leaving, and use fades in the two months
before an account leaves, as it does in real businesses; the rates are modest, so a model on
these few accounts finds a signal but not a certain one.
"""

from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

OUT = Path(__file__).resolve().parent
AS_OF = date(2025, 6, 30)  # the day the exports were taken
PLANS = {"starter": 49, "growth": 149, "scale": 399}
REPS = ["Dana", "Eli", "Fran"]
INDUSTRIES = ["retail", "software", "health", "education"]
COUNTRIES = ["US", "GB", "DE", "CA"]


@dataclass
class Line:
    plan: str
    seats: int
    start: date
    end: date | None
    annual: bool = False


@dataclass
class Account:
    key: int
    signup: date
    engagement: float
    industry: str
    country: str
    owner: str
    lines: list[Line] = field(default_factory=list)
    left: date | None = None  # first day without service
    asked: date | None = None  # day the cancellation was asked for

    def active_on(self, day: date) -> bool:
        return any(x.start <= day and (x.end is None or day < x.end) for x in self.lines)

    def fading(self, day: date) -> bool:
        return self.left is not None and self.left - timedelta(days=60) <= day


def months_after(day: date, months: int) -> date:
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, min(day.day, 28))


def business(seed: int, n: int) -> list[Account]:
    rng = random.Random(seed)
    accounts = []
    for key in range(n):
        signup = date(2024, 1, 1) + timedelta(days=rng.randrange(0, 330))
        engagement = rng.uniform(0.15, 1.0)
        acc = Account(key, signup, engagement, rng.choice(INDUSTRIES), rng.choice(COUNTRIES),
                      rng.choice(REPS))
        plan = rng.choices(list(PLANS), weights=[5, 3, 1])[0]
        seats = rng.randint(1, 5)
        annual = rng.random() < 0.2
        start, month = signup, 1
        while True:  # month by month: leave, upgrade, or stay
            day = months_after(signup, month)
            if day > AS_OF:
                acc.lines.append(Line(plan, seats, start, None, annual))
                break
            hazard = 0.10 * (1.15 - engagement) ** 2 + 0.005
            if not annual and rng.random() < hazard:
                acc.asked = day - timedelta(days=rng.randint(3, 20))
                acc.left = day
                acc.lines.append(Line(plan, seats, start, day, annual))
                break
            if engagement > 0.6 and plan != "scale" and rng.random() < 0.04:
                acc.lines.append(Line(plan, seats, start, day, annual))
                plan = "growth" if plan == "starter" else "scale"
                start = day
            if annual and month % 12 == 0 and rng.random() < 0.5 * (1.1 - engagement):
                acc.asked = day - timedelta(days=30)
                acc.left = day
                acc.lines.append(Line(plan, seats, start, day, annual))
                break
            month += 1
        accounts.append(acc)
    return accounts


def mrr(line: Line) -> int:
    return PLANS[line.plan] * line.seats


def usage(acc: Account, rng: random.Random):
    """(day, time, user, event) rows: each user active a week with the account's engagement."""
    users = [f"u{acc.key}-{i}" for i in range(1 + min(acc.lines[0].seats, 3))]
    week = acc.signup
    while week <= AS_OF:
        if acc.active_on(week):
            p = acc.engagement * (0.25 if acc.fading(week) else 1.0)
            for user in users:
                if rng.random() < p:
                    for _ in range(rng.randint(1, 2)):
                        day = week + timedelta(days=rng.randrange(0, 5))
                        when = datetime(day.year, day.month, day.day, rng.randint(8, 18),
                                        rng.randrange(60), rng.randrange(60), tzinfo=UTC)
                        event = rng.choice(["login", "report_viewed", "export", "invite_sent"])
                        if when.date() <= AS_OF and acc.active_on(when.date()):
                            yield when, user, event
        week += timedelta(days=7)


def write_csv(path: Path, header: list[str], rows: list[list[object]], delimiter=",") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        writer = csv.writer(f, delimiter=delimiter, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def billing() -> None:
    """An invoicing tool's spreadsheet: no usage, no cancellation column, annual lines."""
    accounts = business(seed=3, n=60)
    folder = OUT / "billing"
    write_csv(folder / "customers.csv", ["Customer", "Company", "Signed up", "Country", "CSM"],
              [[f"CU{a.key:03d}", f"Company {a.key}", a.signup.strftime("%d/%m/%Y"),
                a.country, a.owner] for a in accounts], delimiter=";")
    rows = []
    for a in accounts:
        for i, x in enumerate(a.lines):
            amount = mrr(x) * (12 if x.annual else 1)
            rows.append([f"INV-{a.key:03d}-{i}", f"CU{a.key:03d}", x.plan.title(), x.seats,
                         f"{amount}.00", "Annual" if x.annual else "Monthly",
                         x.start.strftime("%d/%m/%Y"),
                         x.end.strftime("%d/%m/%Y") if x.end else ""])
    write_csv(folder / "contract_lines.csv",
              ["Line", "Customer", "Product", "Seats", "Amount", "Billing", "From", "Until"],
              rows, delimiter=";")


def stamp(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, 12, tzinfo=UTC).timestamp())


def stripe() -> None:
    """Stripe customers and subscriptions (list objects) and product events as JSON lines."""
    accounts = business(seed=5, n=60)
    rng = random.Random(55)
    folder = OUT / "stripe"
    folder.mkdir(parents=True, exist_ok=True)
    prices = {plan: {"id": f"price_{plan}", "object": "price", "currency": "usd",
                     "product": f"prod_{plan}", "nickname": plan, "type": "recurring",
                     "billing_scheme": "per_unit", "unit_amount": amount * 100,
                     "recurring": {"interval": "month", "interval_count": 1,
                                   "usage_type": "licensed"}}
              for plan, amount in PLANS.items()}
    customers, subscriptions, events = [], [], []
    for a in accounts:
        cus = f"cus_{a.key:04d}"
        customers.append({"id": cus, "object": "customer", "created": stamp(a.signup),
                          "name": f"Company {a.key}", "address": {"country": a.country},
                          "metadata": {"industry": a.industry}})
        for i, x in enumerate(a.lines):
            last = i == len(a.lines) - 1
            sub = {"id": f"sub_{a.key:04d}_{i}", "object": "subscription", "customer": cus,
                   "created": stamp(x.start), "start_date": stamp(x.start),
                   "currency": "usd", "status": "active", "cancel_at_period_end": False,
                   "cancel_at": None, "canceled_at": None, "ended_at": None,
                   "trial_start": None, "trial_end": None, "discounts": [],
                   "items": {"object": "list", "has_more": False, "data": [
                       {"id": f"si_{a.key:04d}_{i}", "object": "subscription_item",
                        "price": prices[x.plan], "quantity": x.seats,
                        "current_period_start": stamp(x.start),
                        "current_period_end": stamp(months_after(x.start, 1))}]}}
            if x.end is not None:
                sub["status"] = "canceled"
                sub["ended_at"] = stamp(x.end)
                # an upgrade replaces the subscription the day it ends; a departure was asked
                sub["canceled_at"] = stamp(a.asked if last and a.asked else x.end)
                if last:
                    sub["cancel_at_period_end"] = True
            subscriptions.append(sub)
        for when, user, event in usage(a, rng):
            events.append({"messageId": f"evt-{len(events):06d}", "groupId": cus,
                           "userId": user, "event": event,
                           "timestamp": when.strftime("%Y-%m-%dT%H:%M:%SZ")})
    for name, objects in (("customers.json", customers), ("subscriptions.json", subscriptions)):
        (folder / "stripe-export").mkdir(parents=True, exist_ok=True)
        (folder / "stripe-export" / name).write_text(json.dumps(
            {"object": "list", "data": objects, "has_more": False}) + "\n")
    events.sort(key=lambda e: e["timestamp"])
    with (folder / "events.jsonl").open("w") as f:
        f.writelines(json.dumps(e) + "\n" for e in events)


def product() -> None:
    """A CRM, a billing export, a usage stream keyed by subscription, help-desk tickets."""
    accounts = business(seed=7, n=60)
    rng = random.Random(77)
    folder = OUT / "product"
    write_csv(folder / "crm_companies.csv", ["Company ID", "Company name", "Industry", "Owner"],
              [[f"co-{a.key}", f"Company {a.key}", a.industry, a.owner] for a in accounts])
    lines, usage_rows, tickets = [], [], []
    for a in accounts:
        for i, x in enumerate(a.lines):
            sub = f"S{a.key}{'abcdefgh'[i]}"
            lines.append([sub, f"co-{a.key}", x.plan, x.seats, f"{mrr(x)}.00",
                          x.start.isoformat(), x.end.isoformat() if x.end else "",
                          a.asked.isoformat() if a.asked and x.end == a.left else ""])
        for when, user, event in usage(a, rng):
            sub = next(f"S{a.key}{'abcdefgh'[i]}" for i, x in enumerate(a.lines)
                       if x.start <= when.date() and (x.end is None or when.date() < x.end))
            usage_rows.append([sub, user, event, when.strftime("%Y-%m-%d %H:%M:%S")])
        month = a.signup
        while month <= AS_OF and a.active_on(month):
            rate = 0.15 + 0.6 * (1 - a.engagement) + (0.5 if a.fading(month) else 0)
            for _ in range(sum(rng.random() < rate / 2 for _ in range(2))):
                opened = month + timedelta(days=rng.randrange(0, 28))
                if opened <= AS_OF:
                    tickets.append([f"T-{len(tickets) + 1}", f"co-{a.key}",
                                    f"{opened.isoformat()} 10:00:00",
                                    "urgent" if rng.random() < 0.1 else "normal"])
            month += timedelta(days=30)
    write_csv(folder / "billing.csv",
              ["subscription", "company", "plan", "seats", "mrr", "start", "end", "cancel_requested"],
              lines)
    usage_rows.sort(key=lambda r: r[3])
    write_csv(folder / "usage.csv", ["subscription", "user", "event", "time"], usage_rows)
    write_csv(folder / "tickets.csv", ["Ticket", "Company", "Created", "Priority"], tickets)


if __name__ == "__main__":
    billing()
    stripe()
    product()
