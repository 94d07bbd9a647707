"""The world the agents act on together: people, the day's ledger, the reports, the danger.

``ChannelModel`` builds one [`World`][channelsim.core.world.World] and hands it to every actor, so that
an actor changes the world through it, never through another actor's or the
model's private state. It holds:

- the people table ([`Population`][channelsim.core.population.Population]) and the SimPy clock;
- the day's [`Ledger`][channelsim.core.world.Ledger] of flows (reset each morning, read each evening);
- the [`Reports`][channelsim.core.world.Reports] travelling back to the coast: people sent back to the
  camps, returnees' stories, word from those who stayed in the UK;
- the [`SeaDanger`][channelsim.core.world.SeaDanger] people judge the crossing by;
- the daily policy inputs and the legal route (built by the model layer, which
  owns them; here they are only handed on).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import simpy

from channelsim.core.calendar import Calendar
from channelsim.core.params import Beliefs, Danger, Params
from channelsim.core.population import Population


@dataclass
class Ledger:
    """The day's flows, reset each morning (the French police count their own seizures)."""

    inflow: int = 0
    launch_attempts: int = 0
    prevented_launches: int = 0
    prevented_people: int = 0
    in_water_interceptions: int = 0
    arrivals: int = 0
    arrivals_own_arrangement: int = 0
    boats_arrived: int = 0
    deaths: int = 0
    returns: int = 0
    returns_home_country: int = 0
    legal_applications: int = 0
    legal_admissions: int = 0
    left_elsewhere: int = 0
    bookings: int = 0
    gang_revenue: float = 0.0

    def reset(self) -> None:
        for name, default in _LEDGER_DEFAULTS:
            setattr(self, name, default)

    def as_dict(self) -> dict[str, float]:
        return {name: getattr(self, name) for name, _ in _LEDGER_DEFAULTS}


_LEDGER_DEFAULTS = tuple((f.name, f.default) for f in fields(Ledger))   # read each day: fields() is slow


class NationalityLedger:
    """The day's flows by nationality group, reset each morning: one row a flow, one column a group."""

    FLOWS = ("inflow", "arrivals", "returns", "returns_home_country")

    def __init__(self, n_groups: int):
        self.counts = np.zeros((len(self.FLOWS), n_groups), dtype=np.int64)
        self._row = {flow: i for i, flow in enumerate(self.FLOWS)}

    def add(self, flow: str, nationality: np.ndarray) -> None:
        """Count people (their nationality groups) in a flow."""
        self.counts[self._row[flow]] += np.bincount(nationality, minlength=self.counts.shape[1])

    def add_counts(self, flow: str, counts: np.ndarray) -> None:
        self.counts[self._row[flow]] += counts

    def reset(self) -> None:
        self.counts[:] = 0


class Reports:
    """What travels back to the people waiting on the coast, and when it arrives."""

    def __init__(self, n_groups: int, beliefs: Beliefs):
        self.n_groups = n_groups
        self._stay_delay_days = int(beliefs.report_delay_days)
        self._job_delay_days = int(beliefs.job_report_delay_days)
        self.back_to_coast: list[np.ndarray] = []     # rows going back to the camps (stopped launches, returns)
        self.returnees: list[int] = []                # rows returned since the coast last heard the news
        self.returned_by_group = np.zeros(n_groups)   # returns (to France or home) since then, by nationality
        self._stayed: dict[int, np.ndarray] = {}      # day due -> people who stayed in the UK, by nationality
        self._job_news: dict[int, np.ndarray] = {}    # day due -> people reporting on work, by nationality

    def stayed_in_uk(self, nationality: np.ndarray, day: int) -> None:
        """People of these nationalities stayed: word reaches the coast later, then word on work."""
        counts = np.bincount(nationality, minlength=self.n_groups)
        for delay, store in ((self._stay_delay_days, self._stayed), (self._job_delay_days, self._job_news)):
            due = day + delay
            store[due] = store.get(due, 0) + counts

    def returned(self, nationality: np.ndarray) -> None:
        self.returned_by_group += np.bincount(nationality, minlength=self.n_groups)

    def due(self, day: int) -> tuple[np.ndarray, np.ndarray]:
        """(stayed, job reports) reaching the coast today, by nationality; taken off the queue."""
        stayed = self._stayed.pop(day, np.zeros(self.n_groups))
        job = self._job_news.pop(day, np.zeros(self.n_groups, dtype=np.int64))
        return stayed, job

    def heard(self) -> None:
        """The coast has heard the returns so far."""
        self.returnees = []
        self.returned_by_group[:] = 0.0


class SeaDanger:
    """Decaying counts of deaths at sea and of people launched: people judge the danger of crossing by
    recent deaths per person launched, with a prior (``danger.perceived_danger_prior_*``) so that a
    quiet spell does not make it seem safe, and a memory with a half-life."""

    def __init__(self, params: Danger) -> None:
        self.params = params
        self.deaths = 0.0
        self.launched = 0.0

    def perceived_death_rate(self) -> float:
        p = self.params
        return (self.deaths + p.perceived_danger_prior_deaths) / (self.launched + p.perceived_danger_prior_launched)

    def forget_a_day(self) -> None:
        decay = 0.5 ** (1 / self.params.perceived_danger_half_life_days)
        self.deaths *= decay
        self.launched *= decay


@dataclass
class World:
    """Everything the actors share. Built once per run by ``ChannelModel``."""

    env: simpy.Environment
    calendar: Calendar
    params: Params
    population: Population
    ledger: Ledger
    reports: Reports
    danger: SeaDanger
    by_nationality: NationalityLedger
    policy: Any = None        # model.policy.PolicySchedule: the day's policy inputs
    legal_route: Any = None   # model.legal_route.LegalRoute: applications and admissions

    @property
    def day(self) -> int:
        """Days since the origin (SimPy time, whole days)."""
        return int(self.env.now)

    def open_the_day(self) -> None:
        """A new day's flows start from zero."""
        self.ledger.reset()
        self.by_nationality.reset()

    def returns_due_over_week(self, ahead_days: float = 0.0) -> float:
        """Returns the schedule holds over the seven days from ``ahead_days`` after today (each day a
        seventh of its weekly rate, so a week across two months takes its share of each)."""
        rates = self.policy.returns_per_week
        first = min(self.day + int(round(ahead_days)), len(rates) - 1)
        return float(rates[first:first + 7].sum() / 7.0)
