"""Turn the engine's arrays into canonical Arrow tables typed exactly as ``schema.TABLES`` says."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from tenure.errors import TenureError
from tenure.schema import TABLES
from tenure.simulate import catalog as cat
from tenure.simulate.calendar import MICROS_PER_DAY
from tenure.simulate.lifecycle import History
from tenure.simulate.lines import NO_DATE
from tenure.simulate.population import Population
from tenure.simulate.support import NPS_COMMENTS_FLAT, PRIORITIES

__all__ = [
    "TRIAL_ATTRIBUTES",
    "arrow_schema",
    "canonical_tables",
    "money_array",
    "truth_table",
    "user_ids",
]

#: Free attribute columns of ``trials``: the sign-up form's answers.
TRIAL_ATTRIBUTES = ("signup_role", "signup_team_size", "signup_use_case")

_ARROW_TYPES = {
    "string": pa.string(),
    "int64": pa.int64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us"),
    "decimal(18,2)": pa.decimal128(18, 2),
    "decimal(18,8)": pa.decimal128(18, 8),
}


def arrow_schema(table: str, extra: tuple[str, ...] = ()) -> pa.Schema:
    """Arrow schema of canonical ``table``, plus free attribute columns ``extra`` (strings)."""
    spec = TABLES[table]
    try:
        fields = [pa.field(c.name, _ARROW_TYPES[c.dtype], nullable=c.nullable)
                  for c in spec.columns]
    except KeyError as exc:
        raise TenureError(
            f"the simulator has no Arrow type for Ibis dtype {exc.args[0]!r} of table {table!r}; "
            "add it to tenure.simulate.tables._ARROW_TYPES."
        ) from None
    return pa.schema(fields + [pa.field(name, pa.string()) for name in extra])


def money_array(cents: np.ndarray, scale: int = 2) -> pa.Array:
    """Exact ``decimal128(18, scale)`` from integer minor units (no float on the way).

    Examples
    --------
    >>> money_array(np.array([1999, -5])).to_pylist()
    [Decimal('19.99'), Decimal('-0.05')]
    """
    unscaled = np.asarray(cents, dtype=np.int64)
    words = np.empty((len(unscaled), 2), dtype=np.int64)
    words[:, 0] = unscaled
    words[:, 1] = np.where(unscaled < 0, -1, 0)  # two's complement high word
    return pa.Array.from_buffers(pa.decimal128(18, scale), len(unscaled),
                                 [None, pa.py_buffer(words.tobytes())])


def _dates(days: np.ndarray) -> pa.Array:
    days = np.asarray(days, dtype=np.int64)
    missing = days == NO_DATE
    return pa.array(np.where(missing, 0, days).astype(np.int32), pa.date32(), mask=missing)


def _times(us: np.ndarray) -> pa.Array:
    us = np.asarray(us, dtype=np.int64)
    return pa.array(us, pa.timestamp("us"), mask=us < 0)


def _labels(vocabulary: tuple[str, ...], index: np.ndarray) -> pa.Array:
    index = np.asarray(index, dtype=np.int64)
    return pa.array(vocabulary, pa.string()).take(pa.array(index, mask=index < 0))


def _ids(prefix: str, count: int) -> pa.Array:
    width = max(6, len(str(count)))
    return pa.array([f"{prefix}_{i:0{width}d}" for i in range(1, count + 1)], pa.string())


def user_ids(pop: Population, max_seats: np.ndarray) -> tuple[pa.Array, np.ndarray]:
    """Every user of every account (``acc_00001-u1`` ...) and each account's first position."""
    counts = np.asarray(max_seats, dtype=np.int64)
    offset = np.cumsum(counts) - counts
    owner = np.repeat(pop.account_ids, counts).astype(str)
    number = (np.arange(counts.sum()) - np.repeat(offset, counts) + 1).astype(str)
    ids = np.char.add(np.char.add(owner, "-u"), number)
    return pa.array(ids.tolist(), pa.string()), offset


def _table(name: str, columns: dict[str, pa.Array], extra: tuple[str, ...] = ()) -> pa.Table:
    """Assemble canonical table ``name``; optional columns the simulator does not model are null."""
    schema = arrow_schema(name, extra)
    rows = len(next(iter(columns.values())))
    arrays = []
    for f in schema:
        if f.name in columns:
            arrays.append(columns[f.name])
        elif f.nullable:
            arrays.append(pa.nulls(rows, f.type))
        else:
            raise TenureError(
                f"the simulator does not produce required column {f.name!r} of table {name!r}; "
                "add it to tenure.simulate.tables.canonical_tables."
            )
    return pa.Table.from_arrays(arrays, schema=schema)


def canonical_tables(
    pop: Population, hist: History, starts: np.ndarray, seed: int
) -> dict[str, pa.Table]:
    """Every canonical table except ``events`` (written in chunks by ``usage``)."""
    ids = pa.array(pop.account_ids.tolist(), pa.string())

    def acc(index: np.ndarray) -> pa.Array:
        return ids.take(pa.array(np.asarray(index, dtype=np.int64)))

    created_us = (pop.signup_day * 86_400 + pop.signup_second) * 1_000_000
    tables = {"accounts": _table("accounts", {
        "account_id": ids,
        "name": pa.array(pop.names.tolist(), pa.string()),
        "created_at": _times(created_us),
        "industry": _labels(cat.INDUSTRIES, pop.industry),
        "country": _labels(cat.COUNTRIES, pop.country),
        "size": _labels(cat.SIZE_BANDS, pop.size_band),
        "channel": _labels(cat.CHANNELS, pop.channel),
        "owner": _labels(cat.OWNERS, pop.owner),
    })}

    lines = hist.lines.view()
    k = len(lines["account"])
    tables["subscriptions"] = _table("subscriptions", {
        "subscription_id": _ids("sub", k),
        "account_id": acc(lines["account"]),
        "plan": _labels(cat.ALL_PLAN_NAMES, lines["plan"]),
        "quantity": pa.array(lines["quantity"], pa.int64()),
        "billing_period_months": pa.array(lines["billing"], pa.int64()),
        "mrr": money_array(lines["mrr_cents"]),
        "currency": pa.array([cat.CURRENCY] * k, pa.string()),
        "start_date": _dates(lines["start"]),
        "end_date": _dates(lines["end"]),
        "cancelled_at": _dates(lines["cancelled"]),
        "is_trial": pa.array(lines["trial"], pa.bool_()),
    })

    tr = hist.trials
    who = tr["account"]
    tables["trials"] = _table("trials", {
        "account_id": acc(who),
        "started_at": _dates(tr["started"]),
        "ends_at": _dates(tr["ends"]),
        "converted_at": _dates(tr["converted"]),
        "signup_role": _labels(cat.SIGNUP_ROLES, pop.role[who]),
        "signup_team_size": _labels(cat.SIGNUP_TEAM_SIZES, pop.team_size[who]),
        "signup_use_case": _labels(cat.SIGNUP_USE_CASES, pop.use_case[who]),
    }, TRIAL_ATTRIBUTES)

    tk = hist.tickets
    tables["tickets"] = _table("tickets", {
        "ticket_id": _ids("tkt", len(tk["account"])),
        "account_id": acc(tk["account"]),
        "opened_at": _times(tk["opened_us"]),
        "closed_at": _times(tk["closed_us"]),
        "priority": _labels(PRIORITIES, tk["priority"]),
        "satisfaction": pa.array(tk["satisfaction"], pa.int64(), mask=tk["satisfaction"] < 0),
    })

    nps = hist.nps
    users, offset = user_ids(pop, hist.max_seats)
    tables["survey_responses"] = _table("survey_responses", {
        "response_id": _ids("nps", len(nps["account"])),
        "account_id": acc(nps["account"]),
        "user_id": users.take(pa.array(offset[nps["account"]] + nps["user"])),
        "score": pa.array(nps["score"], pa.int64()),
        "comment": _labels(NPS_COMMENTS_FLAT, nps["comment"]),
        "answered_at": _times(nps["answered_us"]),
    })

    cn = hist.cancellations
    reason = cn["reason"]
    codes = tuple(code for code, _ in cat.CANCEL_REASONS)
    categories = tuple(category for _, category in cat.CANCEL_REASONS)
    rng = np.random.default_rng([seed, 3])
    comment_pool = tuple(c for code in codes for c in cat.CANCEL_COMMENTS[code])
    first = np.cumsum([0] + [len(cat.CANCEL_COMMENTS[c]) for c in codes])
    pick = first[np.maximum(reason, 0)] + rng.integers(0, 1_000, len(reason)) % (
        first[np.maximum(reason, 0) + 1] - first[np.maximum(reason, 0)])
    comment = np.where((reason >= 0) & (rng.random(len(reason)) < 0.5), pick, -1)
    tables["cancellations"] = _table("cancellations", {
        "account_id": acc(cn["account"]),
        "cancelled_at": _dates(cn["day"]),
        "reason_code": _labels(codes, reason),
        "reason_category": _labels(categories, reason),
        "comment": _labels(comment_pool, comment),
    })

    tables["spend"] = _spend(pop, hist, starts, seed)
    tables["fx_rates"] = _table("fx_rates", {
        "currency": pa.array([cat.CURRENCY], pa.string()),
        "rate": money_array(np.array([100_000_000]), scale=8),
    })
    return tables


def _spend(pop: Population, hist: History, starts: np.ndarray, seed: int) -> pa.Table:
    """Monthly spend: acquisition cost follows sign-ups; cost of service follows MRR and tickets.

    ``sales_marketing = 15,000 + 650 x sign-ups x noise``; ``cost_of_service = 6,000 + 14% of
    month-end MRR + 35 per ticket`` (dollars).
    """
    months = len(starts) - 1
    rng = np.random.default_rng([seed, 2])
    signups = np.bincount(pop.signup_month, minlength=months)
    lines = hist.lines.view()
    paid = ~lines["trial"]
    end = np.where(lines["end"] == NO_DATE, np.iinfo(np.int64).max, lines["end"])
    last_day = starts[1:] - 1
    in_force = (lines["start"][paid, None] <= last_day) & (end[paid, None] > last_day)
    mrr = (lines["mrr_cents"][paid, None] * in_force).sum(axis=0)
    opened_month = np.searchsorted(starts, hist.tickets["opened_us"] // MICROS_PER_DAY,
                                   side="right") - 1
    tickets = np.bincount(opened_month, minlength=months)[:months]
    noise = rng.lognormal(0.0, 0.15, months)
    sales_marketing = np.round(1_500_000 + 65_000 * signups * noise).astype(np.int64)
    cost_of_service = 600_000 + (mrr * 14 + 50) // 100 + 3_500 * tickets
    return _table("spend", {
        "month": _dates(starts[:-1]),
        "sales_marketing": money_array(sales_marketing),
        "cost_of_service": money_array(cost_of_service),
        "currency": pa.array([cat.CURRENCY] * months, pa.string()),
    })


def truth_table(pop: Population, hist: History) -> pa.Table:
    """The hidden per-account traits (not a canonical table; never loaded)."""
    return pa.table({
        "account_id": pa.array(pop.account_ids.tolist(), pa.string()),
        "fit": pa.array(pop.fit),
        "engagement_propensity": pa.array(pop.propensity),
        "engagement_drift_per_month": pa.array(pop.drift),
        "team_growth": pa.array(pop.team_growth),
        "support_pain": pa.array(pop.pain),
        "price_sensitivity": pa.array(pop.price_sensitivity),
        "onboarded_within_30d": pa.array(pop.onboarded),
        "champion_left_month": pa.array(hist.shock_month, mask=hist.shock_month < 0),
    })
