"""A growable store of subscription lines, opened and closed a population at a time."""

from __future__ import annotations

import numpy as np

from tenure.simulate.catalog import line_mrr_cents

__all__ = ["NO_DATE", "LineStore"]

#: Marker of a missing date (a running line, a line never cancelled).
NO_DATE = np.int64(-(2**62))


class LineStore:
    """Subscription lines as parallel numpy arrays; a line's id is its position.

    Dates are day numbers; ``end`` and ``cancelled`` hold ``NO_DATE`` while unset.
    """

    _FIELDS = (
        ("account", np.int64), ("plan", np.int64), ("quantity", np.int64),
        ("billing", np.int64), ("mrr_cents", np.int64), ("start", np.int64),
        ("end", np.int64), ("cancelled", np.int64), ("trial", np.bool_),
    )

    def __init__(self, capacity: int = 1024) -> None:
        self.size = 0
        for name, dtype in self._FIELDS:
            setattr(self, name, np.zeros(capacity, dtype=dtype))

    def _grow(self, needed: int) -> None:
        capacity = len(self.account)
        if needed <= capacity:
            return
        new = max(needed, 2 * capacity)
        for name, _ in self._FIELDS:
            old = getattr(self, name)
            grown = np.zeros(new, dtype=old.dtype)
            grown[: self.size] = old[: self.size]
            setattr(self, name, grown)

    def open(
        self,
        account: np.ndarray,
        plan: np.ndarray,
        quantity: np.ndarray,
        billing: np.ndarray,
        start: np.ndarray,
        *,
        trial: bool = False,
    ) -> np.ndarray:
        """Open one line per element; returns the new line ids. Trial lines carry no MRR."""
        k = len(account)
        ids = np.arange(self.size, self.size + k)
        self._grow(self.size + k)
        self.account[ids] = account
        self.plan[ids] = plan
        self.quantity[ids] = quantity
        self.billing[ids] = billing
        self.mrr_cents[ids] = 0 if trial else line_mrr_cents(plan, quantity, billing)
        self.start[ids] = start
        self.end[ids] = NO_DATE
        self.cancelled[ids] = NO_DATE
        self.trial[ids] = trial
        self.size += k
        return ids

    def close(self, ids: np.ndarray, end: np.ndarray, cancelled: np.ndarray | None = None) -> None:
        """Set the end (and optionally the cancellation day) of lines ``ids``."""
        ids = np.asarray(ids)
        if len(ids) and np.any(np.asarray(end) <= self.start[ids]):
            raise AssertionError("a simulated line would end on or before its start")
        self.end[ids] = end
        if cancelled is not None:
            self.cancelled[ids] = cancelled

    def view(self) -> dict[str, np.ndarray]:
        """The filled part of every field."""
        return {name: getattr(self, name)[: self.size] for name, _ in self._FIELDS}
