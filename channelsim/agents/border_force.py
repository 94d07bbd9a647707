"""UK Border Force: vessels, landing, selection for return, detention and removals.

Vessels are a SimPy ``Resource``: a boat reaching UK waters waits for a free
vessel (a busy fleet delays rescues, which adds danger), then is brought to
Dover. On landing ([`BorderForce.land`][channelsim.agents.border_force.BorderForce.land]), Border Force selects eligible
adults for return to France, up to the week's quota and only while detention
beds are free, and returns people of nationalities with their own returns
arrangement to their country; those who stay send word back to the coast.
Each detained person is a SimPy process: processing, perhaps a challenge on
exceptional circumstances (which may succeed), then the weekly removal to
France, which takes at most the week's quota; the people removed start again
in the camps, and each return opens a place on the legal route.
"""

from __future__ import annotations

import mesa
import numpy as np
import simpy

from channelsim.agents.coast import Coast
from channelsim.core.population import DETAINED, ELSEWHERE, FRANCE, UK
from channelsim.core.world import World

REMOVAL_TIME = 0.5  # removals leave at midday


class BorderForce(mesa.Agent):
    """UK Border Force at sea, on landing and in detention."""

    def __init__(self, model: mesa.Model, world: World, coast: Coast, rng: np.random.Generator):
        super().__init__(model)
        self.world = world
        self.coast = coast
        self.params = world.params.border_force
        self.random_stream = rng  # the actor's own stream (Mesa's Agent.rng is the model's)
        env = world.env
        self.vessels = simpy.Resource(env, capacity=self.params.vessels)
        self.beds = simpy.Resource(env, capacity=max(1, self.params.detention_beds))
        self.bed_limit = self.params.detention_beds
        self.selected_this_week = 0
        # Returns are delivered as scheduled: the week's removals are the schedule's returns over the
        # week, and selection runs ahead of them by the detention's processing time, so that those
        # selected are ready when their week's removals are due; each keeps the fraction of a return
        # it could not make whole for the next week (17 in a month is 17, not 4 weeks of int(3.97)).
        self.week_quota = 0          # selections allowed this week
        self.removal_quota = 0       # removals due at this week's removal
        self._carry = {"select": 0.0, "remove": 0.0}
        self._start_week()
        self.ready_for_removal: list[tuple[int, simpy.Event]] = []
        self._own_returns = [(i, g.own_returns_from, g.own_returns_share)
                             for i, g in enumerate(world.params.nationalities)
                             if g.own_returns_from is not None and g.own_returns_share > 0]
        env.process(self._weekly_removals())

    # --- at sea ----------------------------------------------------------------------
    def rescue(self):
        """SimPy process: wait for a vessel and bring a boat in. Returns hours waited."""
        env = self.world.env
        with self.vessels.request() as request:
            asked = env.now
            yield request
            waited_hours = (env.now - asked) * 24.0
            yield env.timeout(self.params.rescue_hours / 24.0)
        return waited_hours

    # --- on landing ------------------------------------------------------------------
    def land(self, rows: np.ndarray) -> None:
        """A boat lands at Dover: arrivals, selection for return, word home from those who stay."""
        world = self.world
        pop, ledger = world.population, world.ledger
        pop.move(rows, UK)
        nationality = pop.nationality[rows]
        ledger.arrivals += len(rows)
        world.by_nationality.add("arrivals", nationality)
        ledger.arrivals_own_arrangement += int(np.count_nonzero(self.coast.own_arrangement[nationality]))
        ledger.boats_arrived += 1
        selected, home = self.select(rows, self.week_quota, world.calendar.date(world.env.now))
        for group, to_france in ((selected, True), (home, False)):
            if len(group):
                pop.move(group, DETAINED)
                for row in group.tolist():
                    world.env.process(self.detain(row, to_france))
        stayed = nationality   # the nationalities of those not held
        if len(selected) or len(home):
            stayed = nationality[~np.isin(rows, np.concatenate([selected, home]))]
        if len(stayed):
            world.reports.stayed_in_uk(stayed, world.day)

    def select(self, rows: np.ndarray, quota_per_week: float, date) -> tuple[np.ndarray, np.ndarray]:
        """(selected for return to France, returned to their own country) among landed ``rows``, at most
        ``quota_per_week`` (a whole number) selected in a week."""
        pop = self.world.population
        adults = rows[~pop.minor[rows]]
        home = np.empty(0, dtype=rows.dtype)
        if self._own_returns and len(adults):
            groups = pop.nationality[adults]
            chance = np.zeros(len(adults))
            for index, since, share in self._own_returns:
                if date >= since:
                    chance[groups == index] = share
            by_home = self.random_stream.random(len(adults)) < chance
            home, adults = adults[by_home], adults[~by_home]
        room = min(int(quota_per_week) - self.selected_this_week,
                   self.bed_limit - self.beds.count - len(self.beds.queue))
        if room <= 0 or len(adults) == 0:
            return adults[:0], home
        chosen = adults if len(adults) <= room else self.random_stream.choice(adults, size=room, replace=False)
        self.selected_this_week += len(chosen)
        return np.sort(chosen), home

    # --- in detention ----------------------------------------------------------------
    def detain(self, row: int, to_france: bool):
        """SimPy process of one detained person until removal (or release on challenge)."""
        env, p = self.world.env, self.params
        bed = self.beds.request() if to_france else None
        if bed is not None:
            yield bed
        yield env.timeout(p.detention_processing_days)
        if to_france and self.random_stream.random() < p.challenge_share:
            yield env.timeout(p.challenge_days)
            if self.random_stream.random() < p.challenge_success_share:
                self.beds.release(bed)
                self.world.population.move(np.array([row]), UK)   # the challenge succeeded: the person stays
                return
        if not to_france:
            self._return_home(row)
            return
        taken = env.event()
        self.ready_for_removal.append((row, taken))
        yield taken
        self.beds.release(bed)

    def _weekly_removals(self):
        world = self.world
        env = world.env
        weekday = world.calendar.date(env.now).weekday()
        yield env.timeout((self.params.removal_weekday - weekday) % 7 + REMOVAL_TIME)
        while True:
            quota = self.removal_quota
            taken, self.ready_for_removal = self.ready_for_removal[:quota], self.ready_for_removal[quota:]
            self._return_to_france(np.array([row for row, _ in taken], dtype=np.int64))
            for _, event in taken:
                event.succeed()
            self.selected_this_week = 0
            self._start_week()
            yield env.timeout(7.0)

    def _start_week(self) -> None:
        """The coming week's whole quotas of selections and of removals (see ``__init__``)."""
        self.week_quota = self._whole("select", self.world.returns_due_over_week(self.params.detention_processing_days))
        # the removal on the weekday ends the week from today: its due is the week to come's
        self.removal_quota = self._whole("remove", self.world.returns_due_over_week(7.0))

    def _whole(self, which: str, due: float) -> int:
        """``due`` plus the fraction carried from before, as a whole number; the rest is carried on."""
        due += self._carry[which]
        whole = int(np.floor(due + 1e-9))
        self._carry[which] = max(due - whole, 0.0)
        return whole

    def _return_to_france(self, rows: np.ndarray) -> None:
        """Removal under the pilot: back to the camps, telling others, opening legal places."""
        if len(rows) == 0:
            return
        world = self.world
        pop = world.population
        pop.move(rows, FRANCE)
        pop.returned[rows] += 1
        self.coast.returned_to_camps(rows, world.day)
        world.reports.returnees.extend(rows.tolist())
        world.reports.returned(pop.nationality[rows])
        world.ledger.returns += len(rows)
        world.by_nationality.add("returns", pop.nationality[rows])
        world.legal_route.open_places(len(rows))

    def _return_home(self, row: int) -> None:
        """Removal under a nationality's own arrangement: gone from the Channel, and told at home."""
        pop = self.world.population
        pop.move(np.array([row]), ELSEWHERE)
        self.world.reports.returned(pop.nationality[[row]])
        self.world.ledger.returns_home_country += 1
        self.world.by_nationality.add("returns_home_country", pop.nationality[[row]])
