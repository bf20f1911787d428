"""Stripe's JSON objects -> Tenure's canonical export folder (CSV files the loader reads).

Stripe's API and CLI export lists of objects (``{"object": "list", "data": [...]}``), plain JSON
arrays, single objects or JSON lines. :func:`read_stripe_objects` reads every ``.json`` and
``.jsonl`` file of a folder and sorts the objects by their ``object`` field;
:func:`convert_stripe` maps customers, subscriptions (with their items, prices and discounts)
onto the canonical ``accounts``, ``subscriptions``, ``trials`` and ``cancellations`` rows;
:func:`import_stripe` does both and writes the CSV files, which ``tenure load`` then validates
like any other export. ``docs/stripe.md`` gives the mapping field by field and the source of
each choice.

Every object that cannot be mapped is returned as a :class:`StripeSkip` with its id and the
reason; nothing is dropped silently.

>>> from decimal import Decimal
>>> monthly_mrr(Decimal("1200.00"), "year", 1)
Decimal('100.00')
>>> monthly_mrr(Decimal("100.00"), "month", 3)
Decimal('33.33')
"""

from __future__ import annotations

import csv
import json
import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from enum import StrEnum
from itertools import pairwise
from pathlib import Path
from typing import Any

from tenure.errors import InputError

__all__ = [
    "OUTPUT_FILES",
    "REPORT_FILE",
    "StripeImport",
    "StripeKind",
    "StripeSkip",
    "convert_stripe",
    "import_stripe",
    "monthly_mrr",
    "read_stripe_objects",
]

_CENT = Decimal("0.01")

#: Currencies whose Stripe amounts are whole units, not hundredths (Stripe's currencies guide,
#: "zero-decimal currencies").
ZERO_DECIMAL = frozenset({"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF",
                          "UGX", "VND", "VUV", "XAF", "XOF", "XPF"})
#: Currencies whose Stripe amounts are thousandths (Stripe's "three-decimal currencies").
THREE_DECIMAL = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})

#: The canonical files the importer writes, with their columns, in this order.
OUTPUT_FILES: dict[str, tuple[str, ...]] = {
    "accounts": ("account_id", "name", "created_at", "country"),
    "subscriptions": ("subscription_id", "account_id", "plan", "quantity",
                      "billing_period_months", "mrr", "currency", "start_date", "end_date",
                      "cancelled_at", "is_trial"),
    "trials": ("account_id", "started_at", "ends_at", "converted_at"),
    "cancellations": ("account_id", "cancelled_at", "reason_code", "comment"),
}

#: The list of what was skipped or adjusted, written beside the canonical files. Its suffix is
#: not one the loader reads, so it never becomes a table.
REPORT_FILE = "stripe-import-report.txt"


class StripeKind(StrEnum):
    """The Stripe objects the importer reads (the ``object`` field of each)."""

    customer = "customer"
    subscription = "subscription"
    price = "price"
    plan = "plan"
    product = "product"
    coupon = "coupon"
    invoice = "invoice"
    credit_note = "credit_note"


@dataclass(frozen=True)
class StripeSkip:
    """A Stripe object (or part of one) that was not mapped, or was mapped with a caveat."""

    kind: str
    id: str
    reason: str

    def __str__(self) -> str:
        return f"{self.kind} {self.id}: {self.reason}"


@dataclass
class StripeImport:
    """What an import produced: canonical rows per table, and what was skipped or adjusted."""

    rows: dict[str, list[dict[str, Any]]]
    #: Objects (or subscription items) not mapped, each with the reason.
    skipped: list[StripeSkip] = field(default_factory=list)
    #: Objects mapped with a caveat the user should know (a gross MRR, an invented sign-up date).
    notes: list[StripeSkip] = field(default_factory=list)
    #: Objects read, by ``object`` type.
    read: Counter = field(default_factory=Counter)
    #: Files written (set by :func:`import_stripe`).
    written: dict[str, Path] = field(default_factory=dict)

    @property
    def currencies(self) -> list[str]:
        return sorted({r["currency"] for r in self.rows["subscriptions"]})


# -- reading ---------------------------------------------------------------------------------


def read_stripe_objects(source_dir: Path) -> tuple[dict[str, dict[str, dict]], list[StripeSkip]]:
    """Every Stripe object in the ``.json`` / ``.jsonl`` files of ``source_dir``, by kind and id.

    A file may hold a list object (``{"object": "list", "data": [...]}``, also a search
    result), a JSON array, one object, or JSON lines (one of those per line). Subscriptions
    embedded in a customer's ``subscriptions`` list are read too. A file that is not JSON is an
    :class:`~tenure.errors.InputError` naming the file and line; objects of another kind, or
    repeated ids, are returned as skips.
    """
    source_dir = Path(source_dir)
    if not source_dir.is_dir():
        raise InputError(f"{source_dir}: is not a folder; give the folder holding Stripe's JSON "
                         "exports (customers.json, subscriptions.json, ...)")
    files = sorted(p for p in source_dir.iterdir()
                   if p.is_file() and p.suffix.lower() in (".json", ".jsonl"))
    if not files:
        raise InputError(f"{source_dir}: holds no .json or .jsonl file; export Stripe's objects "
                         "with e.g. `stripe subscriptions list --limit 100 > subscriptions.json`")
    objects: dict[str, dict[str, dict]] = {k.value: {} for k in StripeKind}
    skipped: list[StripeSkip] = []
    embedded: list[tuple[dict, str]] = []  # subscriptions inside customers, used when not listed

    def add(obj: object, where: str) -> None:
        if isinstance(obj, list):  # a plain JSON array of objects
            for item in obj:
                add(item, where)
            return
        if not isinstance(obj, dict) or not isinstance(obj.get("object"), str):
            skipped.append(StripeSkip("value", where, "is not a Stripe object (no 'object' "
                                      "field); export objects as Stripe's API returns them"))
            return
        kind = obj["object"]
        if kind in ("list", "search_result"):
            for item in obj.get("data") or []:
                add(item, where)
            return
        oid = str(obj.get("id") or where)
        if kind not in objects:
            skipped.append(StripeSkip(kind, oid, "is not an object Tenure imports (it reads "
                                      f"{', '.join(k.value for k in StripeKind)})"))
            return
        if oid in objects[kind]:
            if objects[kind][oid] == obj:
                return  # the same object exported twice
            skipped.append(StripeSkip(kind, oid, f"appears again in {where}; the first copy is "
                                      "kept"))
            return
        objects[kind][oid] = obj
        if kind == StripeKind.customer and isinstance(obj.get("subscriptions"), dict):
            embedded.extend((sub, where) for sub in obj["subscriptions"].get("data") or [])

    for path in files:
        for value, line in _json_values(path):
            add(value, f"{path.name} line {line}")
    for sub, where in embedded:
        if isinstance(sub, dict) and sub.get("id") not in objects["subscription"]:
            add(sub, where)
    return objects, skipped


def _json_values(path: Path) -> list[tuple[object, int]]:
    """The JSON values of a file: the whole file as one value, else one per non-empty line."""
    text = path.read_text(encoding="utf-8-sig")
    try:
        return [(json.loads(text), 1)]
    except json.JSONDecodeError as whole:
        values: list[tuple[object, int]] = []
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                values.append((json.loads(line), number))
            except json.JSONDecodeError as one:
                # When even the first line is not a value, the file is one (broken) document:
                # the whole-file error has the right line.
                error = one if values else whole
                raise InputError(
                    f"{path.name} line {number if values else whole.lineno}: is not valid JSON "
                    f"({error.msg}); export it again with the Stripe CLI or API (one JSON "
                    "document, or one object per line)") from None
        return values


# -- money and dates -------------------------------------------------------------------------


def _day(timestamp: object) -> date | None:
    """A Stripe timestamp (Unix seconds) as the UTC calendar day."""
    if timestamp is None:
        return None
    return datetime.fromtimestamp(int(timestamp), UTC).date()


def _instant(timestamp: object) -> str:
    return datetime.fromtimestamp(int(timestamp), UTC).strftime("%Y-%m-%d %H:%M:%S")


def _add_months(day: date, months: int) -> date:
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
    return date(year, month, min(day.day, last))


def _major(minor: Decimal, currency: str) -> Decimal:
    """A Stripe amount in minor units as an amount in the currency's major unit."""
    if currency in ZERO_DECIMAL:
        return minor
    return minor / (1000 if currency in THREE_DECIMAL else 100)


def monthly_mrr(amount: Decimal, interval: str, interval_count: int) -> Decimal:
    """MRR of an amount billed every ``interval_count`` ``interval``: exact, then rounded once,
    half to even, to the cent (as the loader's ``billed_amount``).

    A year is 12 months; a week 12/52 of a month and a day 12/365 of one (Stripe bills weeks
    and days; MRR needs months).

    >>> monthly_mrr(Decimal("49.00"), "week", 1)
    Decimal('212.33')
    """
    per_year = {"month": Decimal(12), "year": Decimal(1), "week": Decimal(52),
                "day": Decimal(365)}[interval]
    return (amount * per_year / 12 / interval_count).quantize(_CENT, rounding=ROUND_HALF_EVEN)


def _period_months(interval: str, interval_count: int) -> int:
    """``billing_period_months``: whole months billed at once (1 for weeks and days)."""
    return {"month": interval_count, "year": 12 * interval_count}.get(interval, 1)


# -- discounts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Discount:
    """One coupon applied over [start, end) (end None = for the life of the line)."""

    id: str
    start: date | None
    end: date | None
    percent_off: Decimal | None
    amount_off: Decimal | None  # major units, per billing period
    currency: str | None
    #: Subscription-wide amount-off coupons are shared among the items by their amounts.
    shared: bool


def _discounts_of(sub: dict, item: dict | None, customer: dict | None,
                  coupons: dict[str, dict], months: int, paid_from: date,
                  notes: list[StripeSkip]) -> list[_Discount]:
    """With ``item`` None, the subscription's discounts (its ``discounts`` list or legacy
    ``discount``), else the customer's (Stripe applies a customer discount only where the
    subscription has none); with ``item``, the item's own ``discounts`` (the caller adds them
    to the subscription's)."""
    if item is not None:
        raw = list(item.get("discounts") or [])
    else:
        raw = list(sub.get("discounts") or []) or ([sub["discount"]] if sub.get("discount")
                                                   else [])
        if not raw and customer and customer.get("discount"):
            raw = [customer["discount"]]
    found = []
    for d in raw:
        if not isinstance(d, dict):
            notes.append(StripeSkip("discount", str(d), f"on subscription {sub['id']} is an id, "
                                    "not an object; its MRR is gross. Export with "
                                    "--expand data.discounts (and data.items.data.discounts)"))
            continue
        coupon = d.get("coupon") or (d.get("source") or {}).get("coupon")
        if isinstance(coupon, str):
            coupon = coupons.get(coupon)
        if not isinstance(coupon, dict):
            notes.append(StripeSkip("discount", str(d.get("id")), f"on subscription {sub['id']} "
                                    "names no coupon the export holds; its MRR is gross. Add "
                                    "coupons.json (`stripe coupons list`)"))
            continue
        start = _day(d.get("start"))
        duration = coupon.get("duration")
        if duration == "forever":
            end = None
        elif duration == "repeating":
            end = _day(d.get("end")) or (
                _add_months(start, int(coupon["duration_in_months"]))
                if start and coupon.get("duration_in_months") else None)
        elif duration == "once":
            # The one invoice it discounts: the first paid one after it was applied.
            start = max(start or paid_from, paid_from)
            end = _add_months(start, months)
        else:
            notes.append(StripeSkip("coupon", str(coupon.get("id")), f"has duration "
                                    f"{duration!r}; not applied to subscription {sub['id']}"))
            continue
        currency = (coupon.get("currency") or "").upper() or None
        amount = coupon.get("amount_off")
        found.append(_Discount(
            id=str(d.get("id") or coupon.get("id")), start=start, end=end,
            percent_off=(Decimal(str(coupon["percent_off"]))
                         if coupon.get("percent_off") is not None else None),
            amount_off=(_major(Decimal(int(amount)), currency or "")
                        if amount is not None else None),
            currency=currency, shared=item is None))
    return found


def _net(gross: Decimal, discounts: list[_Discount], share: Decimal) -> Decimal:
    """Per-period amount after ``discounts``: each percentage is taken of the undiscounted
    amount, each amount off subtracted (``share`` of it for a subscription-wide coupon); never
    below zero."""
    amount = gross
    for d in discounts:
        if d.percent_off is not None:
            amount -= gross * d.percent_off / 100
        elif d.amount_off is not None:
            amount -= d.amount_off * (share if d.shared else 1)
    return max(amount, Decimal(0))


# -- conversion ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Price:
    plan: str
    currency: str
    unit_amount: Decimal  # major units
    interval: str
    interval_count: int
    transform: dict | None


def _price_of(item: dict, prices: dict[str, dict],
              products: dict[str, dict]) -> tuple[_Price | None, str | None]:
    """An item's price, or None and the reason it gives no MRR."""
    price = item.get("price") or item.get("plan")
    if isinstance(price, str):
        price = prices.get(price) or {"id": price, "_missing": True}
    if not isinstance(price, dict) or price.get("_missing"):
        pid = price.get("id") if isinstance(price, dict) else price
        return None, (f"its price {pid} is not in the export; add prices.json "
                      "(`stripe prices list`) or export subscriptions with their items")
    recurring = price.get("recurring") or (
        {"interval": price.get("interval"), "interval_count": price.get("interval_count"),
         "usage_type": price.get("usage_type")} if price.get("object") == "plan" else None)
    if not recurring or recurring.get("interval") not in ("day", "week", "month", "year"):
        return None, f"its price {price.get('id')} is not recurring; a one-off charge is not MRR"
    if recurring.get("usage_type") == "metered":
        return None, (f"its price {price.get('id')} is metered: the amount depends on usage "
                      "reported each period, so MRR cannot be known from the price; it is left "
                      "out of MRR (add the usage revenue as its own lines if you want it in MRR)")
    if price.get("billing_scheme") == "tiered":
        return None, (f"its price {price.get('id')} is tiered: the amount depends on tiers the "
                      "importer does not evaluate; left out of MRR")
    raw = next((price[k] for k in ("unit_amount_decimal", "unit_amount", "amount_decimal",
                                   "amount") if price.get(k) is not None), None)
    if raw is None:
        return None, f"its price {price.get('id')} has no unit amount (a customer-chosen amount)"
    currency = str(price.get("currency") or "").upper()
    product = price.get("product")
    if isinstance(product, str):
        product = products.get(product) or product
    plan = (product.get("name") if isinstance(product, dict) else None) or \
        price.get("nickname") or price.get("lookup_key") or \
        (product.get("id") if isinstance(product, dict) else product) or price.get("id")
    transform = price.get("transform_quantity") or price.get("transform_usage")
    return _Price(str(plan), currency, _major(Decimal(str(raw)), currency),
                  recurring["interval"], int(recurring.get("interval_count") or 1),
                  transform if isinstance(transform, dict) else None), None


def _billed_quantity(quantity: int, transform: dict | None) -> int:
    """Quantity billed after the price's ``transform_quantity`` (divide, round up or down)."""
    if not transform or not transform.get("divide_by"):
        return quantity
    ratio = quantity / int(transform["divide_by"])
    return math.ceil(ratio) if transform.get("round") == "up" else math.floor(ratio)


#: What each subscription status means for its paid lines (docs/stripe.md, "Statuses").
_NO_PAID_SERVICE = {
    "incomplete": "is incomplete: its first payment has not succeeded, so it has no paid "
                  "service yet; import again once it is active",
    "incomplete_expired": "is incomplete_expired: its first payment never succeeded, so it "
                          "never had paid service",
}


def convert_stripe(objects: dict[str, dict[str, dict]]) -> StripeImport:
    """Map Stripe objects (as :func:`read_stripe_objects` returns them) onto canonical rows.

    Returns the rows of ``accounts``, ``subscriptions``, ``trials`` and ``cancellations`` with
    every value as text the loader parses, and what was skipped or adjusted.
    """
    result = StripeImport(rows={t: [] for t in OUTPUT_FILES})
    result.read = Counter({k: len(v) for k, v in objects.items() if v})
    customers = dict(objects.get("customer", {}))
    prices = {**objects.get("plan", {}), **objects.get("price", {})}
    products = objects.get("product", {})
    coupons = objects.get("coupon", {})
    first_seen: dict[str, int] = {}  # account -> earliest start of a line written for it

    for sub in objects.get("subscription", {}).values():
        customer_id = sub.get("customer")
        if isinstance(customer_id, dict):  # an expanded customer
            customers.setdefault(customer_id.get("id"), customer_id)
            customer_id = customer_id.get("id")
        if not customer_id:
            result.skipped.append(StripeSkip("subscription", sub["id"], "has no customer"))
            continue
        before = sum(len(r) for r in result.rows.values())
        _convert_subscription(sub, str(customer_id), customers.get(customer_id), prices,
                              products, coupons, result)
        if sum(len(r) for r in result.rows.values()) > before:
            stamp = int(sub.get("trial_start") or sub.get("start_date") or sub.get("created")
                        or 0)
            first_seen[customer_id] = min(first_seen.get(customer_id, stamp), stamp)

    for cid, customer in customers.items():
        if customer.get("deleted") or customer.get("created") is None:
            if cid not in first_seen:
                result.skipped.append(StripeSkip("customer", cid, "is deleted and holds no "
                                                 "subscription in the export"))
            continue
        created = int(customer["created"])
        if cid in first_seen and first_seen[cid] < created:
            # A subscription backdated before the customer object (a migration into Stripe):
            # the account existed by the time its service began.
            result.notes.append(StripeSkip("customer", cid, f"was created on "
                                           f"{_instant(created)}, after its first subscription "
                                           f"began ({_instant(first_seen[cid])}); that start is "
                                           "taken as its sign-up time"))
            created = first_seen[cid]
        result.rows["accounts"].append({
            "account_id": cid, "name": customer.get("name") or "",
            "created_at": _instant(created),
            "country": ((customer.get("address") or {}).get("country") or "")})
    known = {a["account_id"] for a in result.rows["accounts"]}
    for cid, stamp in sorted(first_seen.items()):
        if cid in known:
            continue
        result.rows["accounts"].append({"account_id": cid, "name": "",
                                        "created_at": _instant(stamp), "country": ""})
        result.notes.append(StripeSkip("customer", cid, "is not in the export (or is deleted); "
                                       "its account was created with its first subscription's "
                                       "start as sign-up date. Add customers.json "
                                       "(`stripe customers list`) for the real one"))
    for table, grain in (("cancellations", ("account_id", "cancelled_at")),
                         ("trials", ("account_id", "started_at"))):
        result.rows[table] = _unique(result.rows[table], grain, table, result.notes)
    for kind in ("invoice", "credit_note"):
        count = len(objects.get(kind, {}))
        if count:
            result.notes.append(StripeSkip(
                kind, f"({count} read)", "not mapped: MRR comes from each subscription's prices "
                "and discounts, and refunds and credit notes do not change MRR (docs/stripe.md, "
                "'Invoices, refunds and credit notes'); set refund_window_days to drop lines "
                "refunded soon after they started"))
    return result


def _unique(rows: list[dict], grain: tuple[str, ...], table: str,
            notes: list[StripeSkip]) -> list[dict]:
    """One row per grain (two subscriptions of an account cancelled, or trialled, on one day
    make one canonical row); each merge is noted."""
    seen: set[tuple] = set()
    kept = []
    for row in rows:
        key = tuple(row[c] for c in grain)
        if key in seen:
            notes.append(StripeSkip(table, " ".join(key), f"appears twice (two subscriptions "
                                    f"on one day); {table} holds one row per "
                                    f"{' and '.join(grain)}, the first is kept"))
            continue
        seen.add(key)
        kept.append(row)
    return kept


def _convert_subscription(sub: dict, customer_id: str, customer: dict | None,
                          prices: dict, products: dict, coupons: dict,
                          result: StripeImport) -> None:
    sid, status = sub["id"], sub.get("status")
    if status in _NO_PAID_SERVICE:
        result.skipped.append(StripeSkip("subscription", sid, _NO_PAID_SERVICE[status]))
        return
    if status not in ("active", "past_due", "unpaid", "canceled", "trialing", "paused"):
        result.skipped.append(StripeSkip("subscription", sid, f"has status {status!r}, which "
                                         "the importer does not know"))
        return
    items_list = sub.get("items") or {}
    items = items_list.get("data") if isinstance(items_list, dict) else items_list
    items = [i for i in items or [] if isinstance(i, dict)]
    if isinstance(items_list, dict) and items_list.get("has_more"):
        result.notes.append(StripeSkip("subscription", sid, f"lists only {len(items)} of its "
                                       "items (has_more); export its items with `stripe "
                                       "subscription_items list --subscription " + sid + "`"))
    if not items:
        result.skipped.append(StripeSkip("subscription", sid, "has no items"))
        return

    started = _day(sub.get("start_date") or sub.get("created"))
    created_day = _day(sub.get("created") or sub.get("start_date"))
    trial_start, trial_end = _day(sub.get("trial_start")), _day(sub.get("trial_end"))
    end, request = _service_end(sub, items[0], result.notes)
    if status == "canceled" and end is None:
        result.skipped.append(StripeSkip("subscription", sid, "is canceled but has neither "
                                         "ended_at nor canceled_at; export it again from the "
                                         "API (both are set on every canceled subscription)"))
        return
    if request is not None:
        row = _cancellation_row(sub, customer_id, request)
        if row is not None:
            result.rows["cancellations"].append(row)
    paid_from = trial_end if trial_end and (started is None or trial_end > started) else started
    has_paid = status not in ("trialing", "paused") and paid_from is not None and (
        end is None or end > paid_from)
    if trial_start and trial_end:
        price, _ = _price_of(items[0], prices, products)
        _write_trial(result, sid, customer_id, price, trial_start, trial_end, end,
                     paid_from if has_paid else None)
    if status == "paused":
        result.notes.append(StripeSkip("subscription", sid, "is paused: its trial ended "
                                       "without a payment method, so it has no paid line"))
    if not has_paid:
        if status == "canceled" and trial_end and (end is None or end <= trial_end):
            pass  # cancelled during its trial: the trial row above says all there is
        elif status not in ("trialing", "paused"):
            result.skipped.append(StripeSkip("subscription", sid, f"ended on {end}, on or "
                                             "before its paid service began; no paid line"))
        return

    priced = []
    for item in items:
        price, reason = _price_of(item, prices, products)
        if price is None:
            result.skipped.append(StripeSkip("subscription_item", str(item.get("id")),
                                             f"(subscription {sid}) {reason}"))
            continue
        quantity = int(item.get("quantity") if item.get("quantity") is not None else 1)
        billed = _billed_quantity(quantity, price.transform)
        if quantity < 1 or billed < 1:
            result.skipped.append(StripeSkip("subscription_item", str(item.get("id")),
                                             f"(subscription {sid}) has quantity {quantity}: "
                                             "no units, no revenue"))
            continue
        priced.append((item, price, quantity, price.unit_amount * billed))
    if not priced:
        return
    months = _period_months(priced[0][1].interval, priced[0][1].interval_count)
    sub_discounts = _discounts_of(sub, None, customer, coupons, months, paid_from,
                                  result.notes)
    total = sum((gross for *_, gross in priced), Decimal(0))
    for item, price, quantity, gross in priced:
        start = paid_from
        item_day = _day(item.get("created"))
        if item_day and created_day and item_day > created_day:
            start = max(start, item_day)  # an item added after the subscription began
        if end is not None and end <= start:
            result.skipped.append(StripeSkip("subscription_item", str(item["id"]),
                                             f"(subscription {sid}) ends on {end}, on or "
                                             f"before it started ({start}); no paid day"))
            continue
        discounts = []
        for d in sub_discounts + _discounts_of(sub, item, customer, coupons, months,
                                               paid_from, result.notes):
            if d.amount_off is not None and d.currency not in (None, price.currency):
                result.notes.append(StripeSkip("discount", d.id, f"takes {d.currency} off a "
                                               f"{price.currency} price (item {item['id']}); "
                                               "not applied, its MRR is gross"))
            else:
                discounts.append(d)
        share = gross / total if total else Decimal(0)
        _write_segments(result, item, price, quantity, gross, share, discounts, customer_id,
                        start, end, request)


def _service_end(sub: dict, first_item: dict,
                 notes: list[StripeSkip]) -> tuple[date | None, date | None]:
    """The first day without service and the day cancellation was asked for, by status
    (docs/stripe.md, "Statuses and cancellation")."""
    sid, status = sub["id"], sub.get("status")
    ended, canceled = _day(sub.get("ended_at")), _day(sub.get("canceled_at"))
    # Newer API versions keep the current period on each item, older ones on the subscription.
    period_end = _day(first_item.get("current_period_end") or sub.get("current_period_end"))
    period_start = _day(first_item.get("current_period_start")
                        or sub.get("current_period_start"))
    if status == "canceled":
        return ended or canceled, canceled or ended
    if status == "unpaid":
        if period_start is None:
            notes.append(StripeSkip("subscription", sid, "is unpaid but the export has no "
                                    "current_period_start; its lines are kept running"))
        else:
            notes.append(StripeSkip("subscription", sid, f"is unpaid: its lines end on "
                                    f"{period_start}, the start of the period not paid for"))
        return period_start, None
    if status in ("active", "past_due"):
        if sub.get("cancel_at_period_end"):
            if period_end is None:
                notes.append(StripeSkip("subscription", sid, "cancels at period end but the "
                                        "export has no current_period_end; its lines are kept "
                                        "running"))
            return period_end, canceled
        if sub.get("cancel_at"):
            return _day(sub["cancel_at"]), canceled
    return None, None


def _write_trial(result: StripeImport, sid: str, customer_id: str, price: _Price | None,
                 start: date, trial_end: date, end: date | None,
                 converted: date | None) -> None:
    """The trial row, and a free ``is_trial`` line over the same days (as the simulator
    writes), so the account counts as on trial in measures and segments."""
    stop = min(d for d in (trial_end, end) if d is not None)
    stop = max(stop, start + timedelta(days=1))  # cancelled the day it began: one day
    result.rows["trials"].append({
        "account_id": customer_id, "started_at": start.isoformat(),
        "ends_at": stop.isoformat(), "converted_at": converted.isoformat() if converted else ""})
    result.rows["subscriptions"].append({
        "subscription_id": f"{sid}:trial", "account_id": customer_id,
        "plan": price.plan if price else "trial", "quantity": "1",
        "billing_period_months": "1", "mrr": "0.00",
        "currency": price.currency if price else "", "start_date": start.isoformat(),
        "end_date": stop.isoformat(), "cancelled_at": "", "is_trial": "true"})


def _write_segments(result: StripeImport, item: dict, price: _Price, quantity: int,
                    gross: Decimal, share: Decimal, discounts: list[_Discount],
                    customer_id: str, start: date, end: date | None,
                    request: date | None) -> None:
    """One canonical line per stretch of constant MRR: a coupon that starts or ends inside the
    item's service splits it (the later stretches get ids ``<item id>@<first day>``)."""
    cuts = sorted({d for disc in discounts for d in (disc.start, disc.end)
                   if d is not None and d > start and (end is None or d < end)})
    bounds = [start, *cuts, end]
    segments: list[tuple[date, date | None, Decimal]] = []
    for lo, hi in pairwise(bounds):
        active = [d for d in discounts if (d.start is None or d.start <= lo)
                  and (d.end is None or d.end > lo)]
        mrr = monthly_mrr(_net(gross, active, share), price.interval, price.interval_count)
        if segments and segments[-1][2] == mrr:
            segments[-1] = (segments[-1][0], hi, mrr)
        else:
            segments.append((lo, hi, mrr))
    for n, (lo, hi, mrr) in enumerate(segments):
        # The request belongs to every stretch still running when it was made, so that with
        # churn_recognition: cancellation the service stops on the request day.
        asked = request is not None and (hi is None or hi >= request)
        result.rows["subscriptions"].append({
            "subscription_id": item["id"] if n == 0 else f"{item['id']}@{lo.isoformat()}",
            "account_id": customer_id, "plan": price.plan, "quantity": str(quantity),
            "billing_period_months": str(_period_months(price.interval, price.interval_count)),
            "mrr": str(mrr), "currency": price.currency, "start_date": lo.isoformat(),
            "end_date": hi.isoformat() if hi else "",
            "cancelled_at": request.isoformat() if asked else "",
            "is_trial": "false"})


def _cancellation_row(sub: dict, customer_id: str, request: date) -> dict | None:
    details = sub.get("cancellation_details") or {}
    code = details.get("feedback") or details.get("reason")
    if not code and not details.get("comment"):
        return None
    return {"account_id": customer_id, "cancelled_at": request.isoformat(),
            "reason_code": code or "", "comment": details.get("comment") or ""}


# -- writing ---------------------------------------------------------------------------------


def import_stripe(source_dir: Path, out_dir: Path, *, overwrite: bool = False) -> StripeImport:
    """Read Stripe's JSON exports in ``source_dir`` and write canonical CSV files to ``out_dir``.

    ``out_dir`` must not be ``source_dir`` (the loader would read a Stripe ``*.jsonl`` there as
    a table), and must not already hold the importer's files unless ``overwrite``.
    """
    source_dir, out_dir = Path(source_dir), Path(out_dir)
    if out_dir.resolve() == source_dir.resolve():
        raise InputError(f"--out {out_dir}: is the folder of the Stripe files; write the "
                         "canonical files to another folder (tenure load would read Stripe's "
                         "*.jsonl files there as tables)")
    ours = [out_dir / f"{t}.csv" for t in OUTPUT_FILES] + [out_dir / REPORT_FILE]
    present = [p.name for p in ours if p.exists()]
    if present and not overwrite:
        raise InputError(f"--out {out_dir}: already holds {', '.join(present)}; pass "
                         "--overwrite to replace them, or choose an empty folder")
    objects, skipped = read_stripe_objects(source_dir)
    result = convert_stripe(objects)
    result.skipped[:0] = skipped
    out_dir.mkdir(parents=True, exist_ok=True)
    for path in ours:
        path.unlink(missing_ok=True)
    for table, columns in OUTPUT_FILES.items():
        rows = result.rows[table]
        if not rows and table in ("trials", "cancellations"):
            continue  # optional tables: no file rather than a header-only one
        path = out_dir / f"{table}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        result.written[table] = path
    report = out_dir / REPORT_FILE
    report.write_text("".join(f"skipped\t{s.kind}\t{s.id}\t{s.reason}\n" for s in result.skipped)
                      + "".join(f"note\t{s.kind}\t{s.id}\t{s.reason}\n" for s in result.notes),
                      encoding="utf-8")
    result.written["report"] = report
    return result
