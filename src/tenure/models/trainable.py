"""Whether the data can train a model: what each outcome model needs, and what is missing.

A business's export rarely holds everything: no NPS survey, no trials, a few months of history,
a year without an expansion. ``tenure train`` trains every model the data supports and names
each one it skips with the reason and what would let it train; these functions write those
reasons, one sentence each (``None`` when nothing is missing).

========== ================================================================================
model      needs
========== ================================================================================
churn      paying accounts at as-of dates at least a horizon before the end of the data,
           some that churned within the horizon and some that did not
expansion  the same, some whose MRR grew within the horizon and some whose MRR did not
conversion accounts on a trial (a ``trials`` file, or subscription lines with ``is_trial``),
           some that bought within the horizon and some that did not
advocacy   NPS answers (a ``survey_responses`` file) given within the horizon after an as-of
           date, some of them 9 or 10 and some not
========== ================================================================================
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from tenure.warehouse import Warehouse

__all__ = ["missing_data", "missing_outcomes"]

#: Per model: what a positive outcome is, in words.
_OUTCOME = {
    "churn": "churned",
    "expansion": "expanded (paid MRR grew)",
    "conversion": "bought (a paid line started)",
    "advocacy": "answered the NPS survey with 9 or 10",
}


def missing_data(warehouse: Warehouse, kind: str, measures: pd.DataFrame) -> str | None:
    """What the warehouse or the stored measures lack to train model ``kind`` at all, with the
    fix; ``None`` when nothing is.

    ``measures`` is the wide measures frame the model trains on (its ``is_trial`` column says
    which accounts were on a trial).

    Examples
    --------
    >>> missing_data(wh, "advocacy", wide)  # doctest: +SKIP
    'it needs NPS answers (table survey_responses) and the warehouse has none; add a ...'
    """
    if kind == "advocacy" and not warehouse.has_table("survey_responses"):
        return ("it needs NPS answers (table survey_responses) and the warehouse has none; add a "
                "survey_responses file (response_id, account_id, score, answered_at) to the "
                "export and run `tenure load`, then `tenure measures`")
    if kind == "conversion" and not measures["is_trial"].astype(bool).any():
        return ("it needs accounts on a trial and no measured account was on one; add a trials "
                "file (account_id, started_at, ends_at, converted_at) or subscription lines "
                "with is_trial true to the export and run `tenure load`, then `tenure measures`")
    return None


def missing_outcomes(kind: str, horizon_days: int, y: Sequence[bool]) -> str | None:
    """Why the outcomes ``y`` of model ``kind`` cannot train it (no row, or a single outcome),
    with what would let it train; ``None`` when both outcomes are present.

    Examples
    --------
    >>> missing_outcomes("expansion", 90, [False, False])
    'none of its 2 rows expanded (paid MRR grew) within 90 days, so there is nothing to learn \
yet; it trains once the loaded history holds accounts that did and accounts that did not'
    >>> missing_outcomes("churn", 90, [True, False]) is None
    True
    """
    outcome = _OUTCOME[kind]
    if len(y) == 0:
        answered = " and an NPS answer within it" if kind == "advocacy" else ""
        return (f"it has no row whose {horizon_days}-day outcome is known yet (an as-of date at "
                f"least {horizon_days} days before the end of the data{answered}); load a "
                "longer history or train with a shorter --horizon")
    positives = sum(bool(v) for v in y)
    if 0 < positives < len(y):
        return None
    which = "every one" if positives else "none"
    return (f"{which} of its {len(y):,} rows {outcome} within {horizon_days} days, so there is "
            "nothing to learn yet; it trains once the loaded history holds accounts that did "
            "and accounts that did not")
