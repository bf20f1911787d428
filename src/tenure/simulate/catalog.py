"""The demo company's catalogue: plans, prices, attribute vocabularies and feature list.

Everything the simulator draws from is declared here as data, so ``docs/simulator.md`` can quote it
and a reader can change the company without touching the engine. Prices are integer cents.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "ADDON",
    "CANCEL_REASONS",
    "CHANNELS",
    "COUNTRIES",
    "CURRENCY",
    "FEATURES",
    "INDUSTRIES",
    "OWNERS",
    "PLANS",
    "SIGNUP_ROLES",
    "SIGNUP_TEAM_SIZES",
    "SIGNUP_USE_CASES",
    "SIZE_BANDS",
    "Plan",
    "line_mrr_cents",
]

CURRENCY = "USD"


@dataclass(frozen=True)
class Plan:
    """A priced plan: a per-seat monthly price and a per-seat annual price, in cents."""

    name: str
    monthly_cents: int
    annual_cents: int
    min_seats: int = 1


#: Plans in upgrade order (index + 1 is an upgrade, index - 1 a downgrade). Annual prices are
#: per seat per year; some are deliberately not multiples of 12 so that MRR rounding matters
#: (e.g. team annual 3 seats: 3 x 395.50 / 12 = 98.875 -> 98.88 half-even).
PLANS: tuple[Plan, ...] = (
    Plan("starter", 1_900, 19_000),
    Plan("team", 3_900, 39_550),
    Plan("business", 6_900, 69_000),
    Plan("enterprise", 11_900, 118_850, min_seats=10),
)
STARTER, TEAM, BUSINESS, ENTERPRISE = range(len(PLANS))

#: The add-on line: a flat monthly price, offered to business and enterprise accounts.
ADDON = Plan("analytics_addon", 24_900, 24_900 * 12)
ADDON_INDEX = len(PLANS)
ALL_PLAN_NAMES: tuple[str, ...] = (*(p.name for p in PLANS), ADDON.name)

#: Company size bands with their share of sign-ups, median seats and the plan mix they choose
#: (starter, team, business, enterprise), the share that buys without a trial (sales-led) and
#: the share billed annually.
SIZE_BANDS: tuple[str, ...] = ("1-10", "11-50", "51-200", "201-1000", "1000+")
SIZE_SHARE = np.array([0.35, 0.30, 0.20, 0.10, 0.05])
SIZE_MEDIAN_SEATS = np.array([3.0, 8.0, 20.0, 45.0, 100.0])
SIZE_PLAN_MIX = np.array(
    [
        [0.60, 0.35, 0.05, 0.00],
        [0.25, 0.50, 0.23, 0.02],
        [0.00, 0.30, 0.55, 0.15],
        [0.00, 0.00, 0.50, 0.50],
        [0.00, 0.00, 0.20, 0.80],
    ]
)
SIZE_NO_TRIAL = np.array([0.02, 0.08, 0.25, 0.50, 0.70])
SIZE_ANNUAL = np.array([0.15, 0.25, 0.40, 0.55, 0.65])

INDUSTRIES: tuple[str, ...] = (
    "software",
    "financial_services",
    "healthcare",
    "education",
    "retail",
    "hospitality",
    "manufacturing",
    "media",
    "professional_services",
    "nonprofit",
)
INDUSTRY_SHARE = np.array([0.18, 0.10, 0.09, 0.08, 0.12, 0.07, 0.10, 0.08, 0.12, 0.06])

COUNTRIES: tuple[str, ...] = ("US", "GB", "DE", "FR", "CA", "AU", "NL", "SE", "IN", "BR")
COUNTRY_SHARE = np.array([0.45, 0.12, 0.10, 0.07, 0.07, 0.05, 0.04, 0.03, 0.04, 0.03])

CHANNELS: tuple[str, ...] = (
    "organic_search", "paid_social", "partner", "outbound_sales", "referral",
)
CHANNEL_SHARE = np.array([0.35, 0.22, 0.13, 0.12, 0.18])

#: Customer-success reps; ownership is assigned at random and has no planted effect.
OWNERS: tuple[str, ...] = ("Ana Souza", "Ben Carter", "Chloé Martin", "Dev Patel", "Emma Lindqvist")

#: Product features, each an ``event_name``. Weights are the share of the usage stream among
#: adopted features; ``login`` and ``dashboard_view`` are adopted on the first day.
FEATURES: tuple[str, ...] = (
    "login",
    "dashboard_view",
    "create_report",
    "share_report",
    "invite_user",
    "integration_setup",
    "export",
    "api_call",
)
LOGIN, DASHBOARD, CREATE_REPORT, SHARE_REPORT, INVITE, INTEGRATION, EXPORT, API_CALL = range(
    len(FEATURES)
)
FEATURE_WEIGHTS = np.array([0.20, 0.30, 0.14, 0.08, 0.02, 0.01, 0.07, 0.18])

#: Sign-up form answers (free attribute columns of ``trials``).
SIGNUP_ROLES: tuple[str, ...] = (
    "founder", "engineering", "marketing", "operations", "sales", "student",
)
SIGNUP_ROLE_SHARE = np.array([0.15, 0.25, 0.20, 0.18, 0.16, 0.06])
SIGNUP_TEAM_SIZES: tuple[str, ...] = ("1", "2-5", "6-20", "21-100", "100+")
SIGNUP_USE_CASES: tuple[str, ...] = ("reporting", "collaboration", "automation", "just_exploring")

#: Cancellation reasons: (code, category).
CANCEL_REASONS: tuple[tuple[str, str], ...] = (
    ("price", "avoidable"),
    ("competitor", "avoidable"),
    ("missing_feature", "avoidable"),
    ("not_using", "avoidable"),
    ("poor_support", "avoidable"),
    ("business_closed", "unavoidable"),
    ("acquired", "unavoidable"),
    ("budget_cut", "unavoidable"),
)
CANCEL_REASON_WEIGHTS = np.array([0.18, 0.14, 0.12, 0.18, 0.06, 0.12, 0.05, 0.15])
PRICE, COMPETITOR, MISSING_FEATURE, NOT_USING, POOR_SUPPORT, BUSINESS_CLOSED = range(6)
CANCEL_COMMENTS: dict[str, tuple[str, ...]] = {
    "price": ("Too expensive for what we use.", "Budget renewal came in lower than the price."),
    "competitor": ("Moving to a tool our parent company uses.", "Found a cheaper alternative."),
    "missing_feature": ("We need SSO on our plan.", "No native Salesforce sync."),
    "not_using": ("The team stopped logging in.", "Never really got it embedded."),
    "poor_support": ("Tickets took days to get answered.", "Integration issues were never fixed."),
    "business_closed": ("We are winding the business down.",),
    "acquired": ("We were acquired; the new owner has its own stack.",),
    "budget_cut": ("All software spend is frozen this year.",),
}

NPS_COMMENTS: dict[str, tuple[str, ...]] = {
    "promoter": (
        "Reports save us hours every week.",
        "Great product and a responsive team.",
        "The API and integrations are excellent.",
    ),
    "passive": (
        "Does the job; a few rough edges.",
        "Fine, but pricing per seat adds up.",
    ),
    "detractor": (
        "Hard to get the team to use it.",
        "Support was slow when we needed it.",
        "Missing features we were promised.",
    ),
}


def line_mrr_cents(plan: np.ndarray, seats: np.ndarray, billing_months: np.ndarray) -> np.ndarray:
    """MRR in cents of lines of ``plan`` index, ``seats`` and billing period (1 or 12 months).

    Annual lines are normalised to one month: the annual price divided by 12, rounded half-even
    to the cent (done in integers, so it is exact).

    Examples
    --------
    >>> line_mrr_cents(np.array([1]), np.array([3]), np.array([12])).tolist()  # 3 x 395.50 / 12
    [9888]
    >>> line_mrr_cents(np.array([0]), np.array([2]), np.array([1])).tolist()
    [3800]
    """
    plan = np.asarray(plan)
    seats = np.asarray(seats, dtype=np.int64)
    monthly = np.array([p.monthly_cents for p in PLANS] + [ADDON.monthly_cents], dtype=np.int64)
    annual = np.array([p.annual_cents for p in PLANS] + [ADDON.annual_cents], dtype=np.int64)
    total_year = annual[plan] * seats
    q, r = np.divmod(total_year, 12)
    round_up = (2 * r > 12) | ((2 * r == 12) & (q % 2 == 1))
    annual_mrr = q + round_up
    return np.where(np.asarray(billing_months) == 12, annual_mrr, monthly[plan] * seats)
