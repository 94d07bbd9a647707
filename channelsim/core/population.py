"""Where every person is: one row per person, one column array per attribute.

The Mesa ``Migrant`` agents are views onto these rows, so that the daily choice
is one vectorised pass over everyone waiting rather than a method call per
person. Every person is always in exactly one of `STATES`; every change of
state goes through [`Population.move`][channelsim.core.population.Population.move], which keeps the per-state counts.
"""

from __future__ import annotations

import os

import numpy as np

from channelsim.core.errors import ChannelsimError

FRANCE, AT_SEA, UK, DETAINED, ADMITTED, ELSEWHERE, DEAD = range(7)
STATES = ("france", "at_sea", "uk", "detained", "admitted", "elsewhere", "dead")

# Legal-route status of a person.
LEGAL_NONE, LEGAL_QUEUED, LEGAL_REFUSED = 0, 1, 2

NO_GANG = -1
NEVER = np.iinfo(np.int32).max

# The moves a person can make, and only these: from the coast one leaves for elsewhere in
# Europe, is admitted by the legal route, or sets out to sea; at sea one dies, lands in the
# UK or is brought back to France; in the UK one may be detained; from detention one is
# removed to France, returned home, or released in the UK after a successful challenge.
TRANSITIONS: dict[int, tuple[int, ...]] = {
    FRANCE: (AT_SEA, ADMITTED, ELSEWHERE),
    AT_SEA: (FRANCE, UK, DEAD),
    UK: (DETAINED,),
    DETAINED: (FRANCE, UK, ELSEWHERE),
    ADMITTED: (),
    ELSEWHERE: (),
    DEAD: (),
}
ALLOWED = np.zeros((len(STATES), len(STATES)), dtype=bool)
for _old, _news in TRANSITIONS.items():
    ALLOWED[_old, list(_news)] = True
# Set CHANNELSIM_CHECK_TRANSITIONS=1 to check every move against TRANSITIONS (tests do).
CHECK_ENV_VAR = "CHANNELSIM_CHECK_TRANSITIONS"
# A run stops with a clear message rather than exhaust the machine's memory (about 150 bytes a
# person with the belief columns; ten million people is about 1.5 GB, twice that while growing).
MAX_PEOPLE = 10_000_000


class IllegalTransition(ChannelsimError):
    """A person was moved between two states that no mechanism connects (a bug)."""


class TooManyPeople(ChannelsimError):
    """A parameter set creates more people than a run can hold."""


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

    def __init__(self, capacity: int = 4096, check_transitions: bool | None = None):
        self.n = 0
        self.check_transitions = (os.environ.get(CHECK_ENV_VAR, "") not in ("", "0")
                                  if check_transitions is None else bool(check_transitions))
        self.capacity = max(16, int(capacity))
        self.counts = np.zeros(len(STATES), dtype=np.int64)
        self._columns: dict[str, tuple[type, float]] = {}
        for name, (dtype, fill) in self.COLUMNS.items():
            self.add_column(name, dtype, fill)

    def add_column(self, name: str, dtype: type, fill: float = 0) -> np.ndarray:
        """Register a column (belief rules add their own)."""
        if name not in self._columns:
            self._columns[name] = (dtype, fill)
            setattr(self, name, _filled(self.capacity, fill, dtype))
        return getattr(self, name)

    def add(self, k: int) -> np.ndarray:
        """Append ``k`` people in France; returns their rows."""
        if self.n + k > MAX_PEOPLE:
            raise TooManyPeople(
                f"this parameter set creates more than {MAX_PEOPLE:,} people ({self.n:,} so far), more than a "
                "run can hold: lower the inflow (inflow_ceiling_per_day, upstream_elasticity) or shorten the run.")
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
        if self.check_transitions:
            self._check(rows, old, new_state)
        self.counts -= np.bincount(old, minlength=len(STATES))
        self.counts[new_state] += len(rows)
        self.state[rows] = new_state

    def _check(self, rows: np.ndarray, old: np.ndarray, new_state: int) -> None:
        if len(np.unique(rows)) != len(rows):
            raise IllegalTransition("the same person was moved twice in one move")
        bad = ~ALLOWED[old, new_state]
        if bad.any():
            row = int(rows[np.argmax(bad)])
            raise IllegalTransition(f"person {row} moved from {STATES[old[np.argmax(bad)]]} to {STATES[new_state]}, "
                                    "which no mechanism allows")

    def state_counts(self) -> dict[str, int]:
        return {name: int(c) for name, c in zip(STATES, self.counts, strict=True)}

    def _grow(self, needed: int) -> None:
        new_capacity = max(needed, 2 * self.capacity)
        for name, (dtype, fill) in self._columns.items():
            new = _filled(new_capacity, fill, dtype)
            new[: self.n] = getattr(self, name)[: self.n]
            setattr(self, name, new)
        self.capacity = new_capacity


def _filled(length: int, fill: float, dtype: type) -> np.ndarray:
    """A column of ``length`` rows holding ``fill``. Zero-filled columns (most of them) come from
    ``np.zeros``, whose pages the OS hands out zeroed as rows are first written, so growing the
    table does not write the rows nobody has reached yet."""
    return np.zeros(length, dtype=dtype) if fill == 0 else np.full(length, fill, dtype=dtype)
