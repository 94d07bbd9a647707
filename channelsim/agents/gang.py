"""Smuggling gangs: boats, prices, loads and launches.

Several gangs compete for the people waiting. Each gang

- holds a stock of boats (with engines), orders more each week to carry its
  backlog, within its share of what the supply chain can deliver (cut by
  upstream disruption), and receives them after a lead time;
- loses boats to seizures and to every crossing (the boat stays in the UK),
  and crews to arrests, rebuilding crews slowly;
- sets a seat price that rises with its backlog per seat it can offer (boats
  at full load) and
  with the share of its launches stopped, and is pulled towards its rivals';
- launches on nights whose sea state it accepts (worse weather when the
  backlog is heavy), as many boats as its stock and crews allow, none with
  fewer than ``min_launch_load`` aboard (the rest wait); when boats
  are scarce it loads each boat more heavily, up to ``max_load``. People per
  boat is therefore not set: it follows from demand against boat supply and
  seizures;
- launches some boats as "taxi boats" that pick people up in the water,
  avoiding beach patrols at added danger, once it has learnt the tactic.
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from channelsim.core.params import Params

MONDAY = 0


@dataclass
class Boat:
    """One launch: who is aboard, from where, in what sea."""

    gang: SmugglingGang
    rows: np.ndarray
    taxi: bool
    sea_state: float


class SmugglingGang(mesa.Agent):
    """A smuggling gang (one of ``gangs.gangs``)."""

    def __init__(self, model: mesa.Model, index: int, params: Params):
        super().__init__(model)
        g = params.gangs
        self.params = g
        self.index = index
        self.boats = int(round(g.boat_stock_target))
        self.boats_on_order = 0
        self.crews = float(g.crews_per_gang)
        self.price_gbp = g.base_price_gbp
        self.launched = 0          # launches tried since the last weekly review
        self.prevented = 0         # of which stopped
        self.recent_prevented_share = 0.0

    # --- the market -----------------------------------------------------------------

    def weekly_review(self, backlog: int, market_mean_price: float, supply_per_gang: float,
                      rng: np.random.Generator) -> None:
        """Set next week's price, order boats, rebuild crews."""
        g = self.params
        if self.launched:
            latest = g.prevented_share_smoothing   # the smoothed share of launches stopped sets the markup
            self.recent_prevented_share = ((1.0 - latest) * self.recent_prevented_share
                                           + latest * self.prevented / self.launched)
        self.launched = self.prevented = 0
        seats = max(1.0, (self.boats + self.boats_on_order) * g.max_load)
        scarcity = max(backlog, 1.0) / seats
        markup = 1.0 + g.enforcement_markup * self.recent_prevented_share
        target = g.base_price_gbp * scarcity ** g.price_elasticity * markup
        price = self.price_gbp + g.price_adjustment_per_week * (target - self.price_gbp)
        price += g.price_competition * (market_mean_price - price)
        self.price_gbp = max(g.price_floor_gbp, price)
        wanted = int(np.ceil(backlog / g.comfortable_load + g.boat_stock_target)) - self.boats - self.boats_on_order
        order = int(min(max(wanted, 0), rng.poisson(supply_per_gang)))
        if order > 0:
            self.boats_on_order += order
            lead = rng.exponential(g.resupply_lead_time_days)
            self.model.env.process(self._deliver(order, lead))
        self.crews = min(g.crews_per_gang, self.crews + g.crew_recovery_per_week)

    def _deliver(self, order: int, lead_days: float):
        yield self.model.env.timeout(lead_days)
        self.boats_on_order -= order
        self.boats += order

    # --- the night ------------------------------------------------------------------
    def accepts(self, sea_state: float, backlog: int) -> bool:
        """Whether the gang launches in this sea, given how many are waiting for it."""
        g = self.params
        pressure = min(1.0, backlog / max(1.0, self.boats * g.max_load))
        return sea_state <= g.launch_weather_tolerance + g.backlog_weather_push * pressure

    def plan_launches(self, booked: np.ndarray, sea_state: float, taxi_allowed: bool,
                      rng: np.random.Generator) -> list[Boat]:
        """Boats to launch tonight from ``booked`` (first booked, first carried)."""
        g = self.params
        if (len(booked) < g.min_launch_load or self.boats == 0 or self.crews < 1
                or not self.accepts(sea_state, len(booked))):
            return []
        usable = max(1, int(self.boats * g.boats_per_night_share))
        # as many boats as comfortable loads, but none with fewer than min_launch_load aboard
        n_boats = min(usable, int(self.crews), int(np.ceil(len(booked) / g.comfortable_load)),
                      len(booked) // int(g.min_launch_load))
        load = int(min(g.max_load, np.ceil(len(booked) / n_boats)))
        aboard = booked[: n_boats * load]
        self.boats -= n_boats
        self.launched += n_boats
        taxi = taxi_allowed & (rng.random(n_boats) < g.taxi_boat_share)
        return [Boat(self, aboard[i * load:(i + 1) * load], bool(taxi[i]), sea_state)
                for i in range(n_boats) if len(aboard[i * load:(i + 1) * load])]

    def launch_cancelled(self) -> None:
        """A planned launch did not go (nobody left to carry): the boat stays in stock."""
        self.boats += 1
        self.launched -= 1

    def launch_stopped(self, boat_seized: bool, crew_arrested: bool) -> None:
        """The police stopped one of our launches: the boat comes back unless seized; a crew may be lost."""
        self.prevented += 1
        if not boat_seized:
            self.boats += 1
        if crew_arrested:
            self.crews = max(0.0, self.crews - 1.0)
