"""Time-ordered, purged backtest folds: each test block is predicted only from its past.

A random split of point-in-time rows lets a model learn from an account's later weeks and be
tested on its earlier ones, and lets a training label look into the test period (a 90-day churn
label of a row dated two weeks before the test block is decided inside it). Both flatter the
model. :func:`time_folds` avoids both:

1. the distinct as-of dates are sorted and the later half of them is cut into ``n_folds``
   consecutive test blocks of (nearly) equal numbers of dates;
2. a block starting on date ``s`` is predicted by a model trained only on rows with
   ``as_of_date + horizon_days <= s`` (and ``as_of_date < s``): every training label was
   decided before the block begins (the gap is the *purge*).

The test blocks together cover the later half of history: the out-of-time (OOT) period.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tenure.errors import InputError

__all__ = ["Fold", "time_folds"]


@dataclass(frozen=True)
class Fold:
    """One backtest fold: boolean masks over the rows and the test block's first and last time."""

    number: int
    train: np.ndarray
    test: np.ndarray
    test_start: float
    test_end: float


def time_folds(times: np.ndarray, *, n_folds: int, gap: float) -> list[Fold]:
    """Consecutive test blocks over the later half of the distinct times, purged by ``gap``.

    Parameters
    ----------
    times
        Time of each row (day numbers, or row positions for data already in time order).
    n_folds
        Number of test blocks (fewer when the later half holds fewer distinct times).
    gap
        A training row must satisfy ``time + gap <= test_start``: the outcome horizon in the
        units of ``times`` (0 for row positions, whose horizon is unknown).

    Returns
    -------
    list of Fold
        In time order; their test masks are disjoint and together cover every row of the
        later half of the distinct times.

    Examples
    --------
    >>> folds = time_folds(np.array([0, 7, 14, 21, 28, 35, 42, 49]), n_folds=2, gap=7)
    >>> [(f.test_start, int(f.train.sum()), int(f.test.sum())) for f in folds]
    [(28.0, 4, 2), (42.0, 6, 2)]
    """
    if n_folds < 1:
        raise InputError(f"n_folds must be at least 1 (found {n_folds}).")
    t = np.asarray(times, dtype=float)
    distinct = np.unique(t)
    later = distinct[len(distinct) // 2:]
    blocks = [b for b in np.array_split(later, min(n_folds, len(later))) if len(b)]
    folds = []
    for number, block in enumerate(blocks, start=1):
        start, end = float(block[0]), float(block[-1])
        # Never the block itself, even with no gap (row positions).
        folds.append(Fold(number=number, train=(t + gap <= start) & (t < start),
                          test=(t >= start) & (t <= end), test_start=start, test_end=end))
    return folds
