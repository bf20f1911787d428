"""Segments: churn rate by account attribute, with tests that tell real differences from noise.

For each attribute (plan, industry, size, channel, owner...) a chi-square test of independence
says whether churn differs across its levels at all; then each level is tested against all the
other accounts (Fisher's exact test) and the p-values of every level of every attribute are
corrected together for multiple testing (Benjamini-Hochberg false discovery rate). With fifty
industries, a handful will look different by chance; only the ones whose corrected q-value is
below ``alpha`` are flagged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from tenure.analysis._stats import benjamini_hochberg, require_columns, wilson_interval
from tenure.analysis.cohorts import outcome_series

__all__ = ["DEFAULT_ATTRIBUTES", "MISSING_LEVEL", "SegmentChurn", "segment_churn"]

DEFAULT_ATTRIBUTES: tuple[str, ...] = ("plan", "industry", "size", "channel", "owner", "country")
#: Level shown for rows whose attribute is null.
MISSING_LEVEL = "(missing)"


@dataclass(frozen=True)
class SegmentChurn:
    """Result of :func:`segment_churn`.

    Attributes
    ----------
    attributes
        One row per attribute: ``attribute``, ``levels``, ``chi2``, ``dof``, ``p_value``,
        ``cramers_v`` (strength of association, 0 none to 1 complete), ``significant``.
    levels
        One row per (attribute, level): ``observations``, ``churned``, ``churn_rate``,
        ``ci_low``, ``ci_high``, ``rest_churn_rate`` (every other level together),
        ``rate_ratio``, ``p_value`` (Fisher exact, level vs rest), ``q_value`` (Benjamini-Hochberg
        over every level of every attribute), ``significant`` (``q_value < alpha``).
    alpha
        False discovery rate used to flag levels and attributes.
    """

    attributes: pd.DataFrame
    levels: pd.DataFrame
    alpha: float

    def flagged(self) -> pd.DataFrame:
        """The levels whose churn differs from the rest after correction, largest ratio first."""
        out = self.levels[self.levels["significant"]]
        return out.reindex(
            (np.log(out["rate_ratio"].clip(lower=1e-9))).abs().sort_values(ascending=False).index
        )


def _attribute_test(table: pd.DataFrame) -> tuple[float, int, float, float]:
    """Chi-square test of independence on a levels x (retained, churned) table, with Cramér's V."""
    counts = table[["retained", "churned"]].to_numpy()
    counts = counts[counts.sum(axis=1) > 0]
    if counts.shape[0] < 2 or (counts.sum(axis=0) == 0).any():
        return float("nan"), 0, float("nan"), float("nan")
    chi2, p, dof, _ = stats.chi2_contingency(counts, correction=False)
    v = float(np.sqrt(chi2 / counts.sum()))  # min(rows, cols) - 1 == 1 for a binary outcome
    return float(chi2), int(dof), float(p), v


def segment_churn(
    frame: pd.DataFrame,
    *,
    outcome: str = "churned_30d",
    attributes: Sequence[str] | None = None,
    alpha: float = 0.05,
    confidence: float = 0.95,
) -> SegmentChurn:
    """Churn rate by level of each attribute, with a test per attribute and per level.

    Parameters
    ----------
    frame
        A training set (one row per account and as-of date) or a table of one row per account.
    outcome
        Boolean outcome column.
    attributes
        Attribute columns; default those of :data:`DEFAULT_ATTRIBUTES` present in ``frame``.
    alpha
        False discovery rate for the per-level flags and the significance of the attribute tests.
    confidence
        Level of the Wilson interval of each churn rate.

    Examples
    --------
    >>> frame = pd.DataFrame({"plan": ["a"] * 50 + ["b"] * 50,
    ...                       "churned_30d": [1] * 25 + [0] * 25 + [1] * 2 + [0] * 48})
    >>> result = segment_churn(frame, attributes=["plan"])
    >>> result.levels[["level", "churn_rate"]].values.tolist()
    [['a', 0.5], ['b', 0.04]]
    >>> bool(result.attributes["significant"].iloc[0])
    True
    """
    y = outcome_series(frame, outcome)
    if attributes is None:
        attributes = [a for a in DEFAULT_ATTRIBUTES if a in frame.columns]
    require_columns(frame, list(attributes), what="the training set",
                    fix="name attribute columns it has (plan, industry, size, channel, owner...).")
    total_churned = int(y.sum())
    total = len(y)
    level_parts, attribute_rows = [], []
    for attribute in attributes:
        level = frame[attribute].astype("string").fillna(MISSING_LEVEL)
        table = (
            pd.DataFrame({"level": level, "churned": y})
            .groupby("level")
            .agg(observations=("churned", "size"), churned=("churned", "sum"))
            .reset_index()
        )
        table["churned"] = table["churned"].astype(int)
        table["retained"] = table["observations"] - table["churned"]
        chi2, dof, p, v = _attribute_test(table)
        attribute_rows.append({
            "attribute": attribute, "levels": len(table), "chi2": chi2, "dof": dof,
            "p_value": p, "cramers_v": v,
        })
        rest_n = total - table["observations"]
        rest_k = total_churned - table["churned"]
        p_levels = [
            stats.fisher_exact([[k, n - k], [rk, rn - rk]])[1] if rn > 0 else np.nan
            for k, n, rk, rn in zip(table["churned"], table["observations"], rest_k, rest_n,
                                    strict=True)
        ]
        with np.errstate(divide="ignore", invalid="ignore"):
            rest_rate = rest_k / rest_n
            rate = table["churned"] / table["observations"]
            ratio = rate / rest_rate
        low, high = wilson_interval(table["churned"], table["observations"], confidence=confidence)
        level_parts.append(pd.DataFrame({
            "attribute": attribute,
            "level": table["level"].astype(str),
            "observations": table["observations"].astype(int),
            "churned": table["churned"],
            "churn_rate": rate,
            "ci_low": low,
            "ci_high": high,
            "rest_churn_rate": rest_rate,
            "rate_ratio": ratio,
            "p_value": np.asarray(p_levels, dtype=float),
        }))
    columns = ["attribute", "level", "observations", "churned", "churn_rate", "ci_low", "ci_high",
               "rest_churn_rate", "rate_ratio", "p_value"]
    levels = (pd.concat(level_parts, ignore_index=True) if level_parts
              else pd.DataFrame(columns=columns))
    levels["q_value"] = benjamini_hochberg(levels["p_value"].to_numpy(dtype=float))
    levels["significant"] = levels["q_value"] < alpha
    attrs = pd.DataFrame(attribute_rows, columns=["attribute", "levels", "chi2", "dof", "p_value",
                                                  "cramers_v"])
    attrs["significant"] = attrs["p_value"] < alpha
    levels = levels.sort_values(["attribute", "q_value", "level"], kind="stable").reset_index(
        drop=True
    )
    return SegmentChurn(attributes=attrs, levels=levels, alpha=alpha)
