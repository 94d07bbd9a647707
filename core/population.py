"""Where every person is: one row per person, one column array per attribute.

The Mesa ``Migrant`` agents are views onto these rows, so that the daily choice
is one vectorised pass over everyone waiting rather than a method call per
person. Every person is always in exactly one of :data:`STATES`; every change of
state goes through :meth:`Population.move`, which keeps the per-state counts.
"""

from __future__ import annotations

import numpy as np

FRANCE, AT_SEA, UK, DETAINED, ADMITTED, ELSEWHERE, DEAD = range(7)
STATES = ("france", "at_sea", "uk", "detained", "admitted", "elsewhere", "dead")

# Legal-route status of a person.
LEGAL_NONE, LEGAL_QUEUED, LEGAL_REFUSED = 0, 1, 2

NO_GANG = -1
NEVER = np.iinfo(np.int32).max


class Population:
    """Columns of person attributes, grown as people arrive."""

    COLUMNS: dict[str, tuple[type, float]] = {
        "state": (np.int8, FRANCE),
        "nationality": (np.int16, 0),
        "camp": (np.int8, 0),
        "family_ties": (np.bool_, False),
        "minor": (np.bool_, False),
        "budget_base_gbp": (np.float64, 0.0),  # budget on day d = budget_base_gbp + savings_per_day * d
        "risk_tolerance": (np.float64, 0.0),
        "arrived_day": (np.int32, 0),         # arrival on the coast (or return to it)
        "leave_pull": (np.float64, 1.0),      # exp(-hardship * arrived_day / 30): see agents.migrant
        "legal_eligible": (np.bool_, False),  # may apply by the legal route today
        "attempted": (np.bool_, False),       # has tried to cross: barred from the legal route
        "returned": (np.int16, 0),            # times returned to France
        "legal_status": (np.int8, LEGAL_NONE),
        "free_from_day": (np.int32, 0),       # chooses again from this day (booked: never; applicant: patience)
        "booked_gang": (np.int16, NO_GANG),
        "booked_day": (np.int32, 0),
        "paid_attempts_left": (np.int8, 0),
    }

    def __init__(self, capacity: int = 4096):
        self.n = 0
        self.capacity = max(16, int(capacity))
        self.counts = np.zeros(len(STATES), dtype=np.int64)
        self._columns: dict[str, tuple[type, float]] = {}
        for name, (dtype, fill) in self.COLUMNS.items():
            self.add_column(name, dtype, fill)

    def add_column(self, name: str, dtype: type, fill: float = 0) -> np.ndarray:
        """Register a column (belief rules add their own)."""
        if name not in self._columns:
            self._columns[name] = (dtype, fill)
            setattr(self, name, np.full(self.capacity, fill, dtype=dtype))
        return getattr(self, name)

    def add(self, k: int) -> np.ndarray:
        """Append ``k`` people in France; returns their rows."""
        if self.n + k > self.capacity:
            self._grow(self.n + k)
        rows = np.arange(self.n, self.n + k)
        self.n += k
        self.counts[FRANCE] += k
        return rows

    def move(self, rows: np.ndarray, new_state: int) -> None:
        """Change the state of ``rows`` (distinct rows), keeping the counts."""
        if len(rows) == 0:
            return
        old = self.state[rows]
        self.counts -= np.bincount(old, minlength=len(STATES))
        self.counts[new_state] += len(rows)
        self.state[rows] = new_state

    def state_counts(self) -> dict[str, int]:
        return {name: int(c) for name, c in zip(STATES, self.counts, strict=True)}

    def _grow(self, needed: int) -> None:
        new_capacity = max(needed, 2 * self.capacity)
        for name, (dtype, fill) in self._columns.items():
            new = np.full(new_capacity, fill, dtype=dtype)
            new[: self.n] = getattr(self, name)[: self.n]
            setattr(self, name, new)
        self.capacity = new_capacity
