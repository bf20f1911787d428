"""Small statistical helpers shared by the analyses: intervals, corrections, effect sizes."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from tenure.errors import InputError

__all__ = [
    "benjamini_hochberg",
    "rank_biserial",
    "require_columns",
    "wilson_interval",
]


def wilson_interval(
    successes: np.ndarray | Sequence[int] | int,
    trials: np.ndarray | Sequence[int] | int,
    *,
    confidence: float = 0.95,
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a binomial proportion.

    Wilson (1927), "Probable inference, the law of succession, and statistical inference",
    JASA 22(158). Unlike the normal ("Wald") interval it stays inside [0, 1] and behaves at
    0 and n successes, which matters for small deciles and rare segments.

    Returns ``(low, high)`` arrays; NaN where ``trials`` is zero.

    Examples
    --------
    >>> low, high = wilson_interval(2, 10)
    >>> round(float(low), 4), round(float(high), 4)
    (0.0567, 0.5098)
    """
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    z = stats.norm.ppf(0.5 + confidence / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z / denom * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
        # At 0 and n successes the bounds are exactly 0 and 1; rounding must not move them.
        low = np.where(k == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
        high = np.where(k == n, 1.0, np.clip(centre + half, 0.0, 1.0))
        low = np.where(n > 0, low, np.nan)
        high = np.where(n > 0, high, np.nan)
    return low, high


def benjamini_hochberg(p_values: np.ndarray | Sequence[float]) -> np.ndarray:
    """Benjamini-Hochberg (1995) adjusted p-values ("q-values"): false discovery rate control.

    NaN p-values stay NaN and do not count towards the number of tests.

    Examples
    --------
    >>> benjamini_hochberg([0.01, 0.04, 0.03]).round(3).tolist()
    [0.03, 0.04, 0.04]
    """
    p = np.asarray(p_values, dtype=float)
    q = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    m = int(ok.sum())
    if m == 0:
        return q
    order = np.argsort(p[ok])
    ranked = p[ok][order] * m / np.arange(1, m + 1)
    # Step-up: each q is the minimum of the scaled p-values at its rank or above.
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1].clip(max=1.0)
    out = np.empty(m)
    out[order] = adjusted
    q[ok] = out
    return q


def rank_biserial(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Mann-Whitney U test of ``x`` against ``y`` with its rank-biserial effect size.

    The effect is ``2 U / (n_x n_y) - 1`` in [-1, 1]: the probability that a value of ``x``
    exceeds one of ``y`` minus the reverse (Kerby 2014, "The simple difference formula").
    Positive means ``x`` tends to be larger. Returns ``(effect, two-sided p-value)``.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    x = x[~np.isnan(x)]
    y = y[~np.isnan(y)]
    if len(x) == 0 or len(y) == 0:
        return float("nan"), float("nan")
    if np.ptp(np.concatenate([x, y])) == 0:
        return 0.0, 1.0
    u, p = stats.mannwhitneyu(x, y, alternative="two-sided")
    return float(2 * u / (len(x) * len(y)) - 1), float(p)


def require_columns(frame: pd.DataFrame, columns: Sequence[str], *, what: str, fix: str) -> None:
    """Raise :class:`InputError` naming every missing column of ``frame`` and the fix."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(
            f"{what} lacks column(s) {', '.join(map(repr, missing))} (it has "
            f"{', '.join(map(str, frame.columns[:20]))}); {fix}"
        )
