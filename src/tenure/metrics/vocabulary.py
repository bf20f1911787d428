"""The closed vocabulary of MRR movements.

Each account-month carries at most one movement. The definitions (and the month-end rule they rest
on) are tabled in ``docs/movements.md``; in short, comparing the MRR in force on the last day of the
month with the MRR on the last day of the previous month:

============  ================================================================================
Movement      Account-month condition
============  ================================================================================
new           previous MRR 0, MRR > 0 (or a same-month join and leave), never paid before,
              or last paid longer ago than ``reactivation_max_gap_months``
expansion     previous MRR > 0 and MRR > previous MRR
contraction   previous MRR > 0 and 0 < MRR < previous MRR
churn         previous MRR > 0 and MRR 0
reactivation  previous MRR 0, MRR > 0 (or a same-month join and leave), paid before, within
              ``reactivation_max_gap_months`` (always, when that setting is null)
============  ================================================================================
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Movement"]


class Movement(StrEnum):
    """Why an account's month-end MRR differs from the previous month-end's.

    Examples
    --------
    >>> Movement("churn") is Movement.CHURN
    True
    >>> str(Movement.NEW)
    'new'
    """

    NEW = "new"
    EXPANSION = "expansion"
    CONTRACTION = "contraction"
    CHURN = "churn"
    REACTIVATION = "reactivation"
