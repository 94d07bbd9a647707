"""The crossing: a boat from launch to landing, and the danger on the way.

A launched boat is a SimPy process ([`Sea.crossing`][channelsim.model.sea.Sea.crossing]): the beach patrol,
perhaps interception in French waters, hours of crossing, waiting for a Border
Force vessel, and the landing at Dover. The chance of a deadly incident
(`incident_probability`) rises exponentially with the load above the
comfortable load and with the sea state, and is multiplied for taxi-boat
launches, for in-water interception, and by hours spent waiting for rescue.
People stopped before they are at sea go back to the camps, their paid seat
kept while attempts remain.
"""

from __future__ import annotations

import math

import numpy as np

from channelsim.agents.border_force import BorderForce
from channelsim.agents.french_police import FrenchPolice
from channelsim.agents.gang import Boat
from channelsim.agents.kernels import compiled
from channelsim.core.params import Danger
from channelsim.core.population import AT_SEA, DEAD, FRANCE, NO_GANG
from channelsim.core.world import World


def incident_probability(d: Danger, load: int, comfortable_load: float, sea_state: float, taxi: bool,
                         intercepted: bool, in_water_factor: float, waited_hours: float) -> float:
    risk = (d.incident_risk_per_boat
            * math.exp(d.overload_risk_per_person * max(0.0, load - comfortable_load))
            * math.exp(d.sea_state_risk * sea_state)
            * (d.taxi_danger_factor if taxi else 1.0)
            * (in_water_factor if intercepted else 1.0)
            * (1.0 + d.waiting_risk_per_hour * waited_hours))
    return min(1.0, risk)


class Sea:
    """The Channel between the beaches and Dover."""

    def __init__(self, world: World, police: FrenchPolice, border_force: BorderForce, rng: np.random.Generator,
                 kernels: str = "numpy"):
        self.world = world
        self.police = police
        self.border_force = border_force
        self.rng = rng
        self.kernels = kernels  # "numba": the compiled kernels; "numpy": the reference

    def crossing(self, boat: Boat):
        """SimPy process of one launch: patrol, crossing, rescue, landing."""
        world, rng = self.world, self.rng
        env, pop, ledger = world.env, world.population, world.ledger
        g = world.params.gangs   # launches spread over the night, after the evening's weather window
        yield env.timeout(g.launch_delay_days + g.launch_spread_days * rng.random())
        rows = self._set_out(boat.rows)   # some may have been admitted by the legal route since the evening
        if len(rows) == 0:
            boat.gang.launch_cancelled()
            return
        ledger.launch_attempts += 1
        if self.police.patrol(boat):
            self._stopped(rows)
            return
        pop.move(rows, AT_SEA)
        world.danger.launched += len(rows)
        if self.police.intercept_in_water(boat, bool(world.policy.in_water[world.day])):
            ledger.in_water_interceptions += 1
            rows = self._incident(boat, rows, intercepted=True, waited_hours=0.0)
            pop.move(rows, FRANCE)
            self._stopped(rows)
            return
        bf = world.params.border_force
        hours = bf.crossing_hours * ((1.0 - bf.crossing_time_spread) + 2.0 * bf.crossing_time_spread * rng.random())
        yield env.timeout(hours / 24.0)
        waited = yield from self.border_force.rescue()   # within this process: no process of its own
        rows = self._incident(boat, rows, intercepted=False, waited_hours=waited)
        if len(rows):
            self.border_force.land(rows)

    def _set_out(self, rows: np.ndarray) -> np.ndarray:
        """Those aboard still in France set out: each has now tried to cross (barred from the legal
        route) and used a paid attempt. Returns them."""
        pop = self.world.population
        if self.kernels == "numba":
            aboard = np.empty(len(rows), dtype=np.int64)
            k = compiled().set_out(rows, pop.state, FRANCE, pop.attempted, pop.legal_eligible,
                                     pop.paid_attempts_left, aboard)
            return rows if k == len(rows) else aboard[:k]
        here = pop.state[rows] == FRANCE
        if not here.all():
            rows = rows[here]
        pop.attempted[rows] = True
        pop.legal_eligible[rows] = False
        pop.paid_attempts_left[rows] -= 1
        return rows

    def _stopped(self, rows: np.ndarray) -> None:
        """People of a stopped launch go back to the camps; their paid seat lasts while attempts remain."""
        pop, ledger = self.world.population, self.world.ledger
        ledger.prevented_launches += 1
        ledger.prevented_people += len(rows)
        used_up = rows[pop.paid_attempts_left[rows] <= 0]
        pop.booked_gang[used_up] = NO_GANG
        pop.free_from_day[used_up] = 0
        self.world.reports.back_to_coast.append(rows)

    def _incident(self, boat: Boat, rows: np.ndarray, intercepted: bool, waited_hours: float) -> np.ndarray:
        """Whether the boat has a deadly incident; returns the survivors."""
        params, rng = self.world.params, self.rng
        chance = incident_probability(params.danger, len(rows), params.gangs.comfortable_load,
                                      boat.sea_state, boat.taxi, intercepted,
                                      params.french_police.in_water_danger_factor, waited_hours)
        if rng.random() >= chance:
            return rows
        k = int(rng.binomial(len(rows), params.danger.fatality_share))
        if k == 0:
            return rows
        order = rng.permutation(len(rows))
        dead, alive = rows[np.sort(order[:k])], rows[np.sort(order[k:])]
        self.world.population.move(dead, DEAD)
        self.world.ledger.deaths += k
        self.world.danger.deaths += k
        return alive
