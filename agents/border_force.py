"""UK Border Force: vessels, selection for return, detention and removals.

Vessels are a SimPy ``Resource``: a boat reaching UK waters waits for a free
vessel (a busy fleet delays rescues, which adds danger), then is brought to
Dover. On landing, Border Force selects eligible adults for return to France,
up to the week's quota and only while detention beds are free, and returns
people of nationalities with their own returns arrangement to their country.
Each detained person is a SimPy process: processing, perhaps a challenge on
exceptional circumstances (which may succeed), then the weekly removal to
France, which takes at most the week's quota.
"""

from __future__ import annotations

import mesa
import numpy as np
import simpy

from core.params import Params

REMOVAL_TIME = 0.5  # midday


class BorderForce(mesa.Agent):
    """UK Border Force at sea and in detention."""

    def __init__(self, model: mesa.Model, params: Params, rng: np.random.Generator):
        super().__init__(model)
        bf = params.border_force
        self.p = bf
        self.draws = rng
        env = model.env
        self.vessels = simpy.Resource(env, capacity=bf.vessels)
        self.beds = simpy.Resource(env, capacity=max(1, bf.detention_beds))
        self.bed_limit = bf.detention_beds
        self.selected_this_week = 0
        self.removed_this_week = 0
        self.ready_for_removal: list[tuple[int, simpy.Event]] = []
        self.removal_day = env.event()
        own = [(i, g.own_returns_from, g.own_returns_share) for i, g in enumerate(params.nationalities)
               if g.own_returns_from is not None and g.own_returns_share > 0]
        self._own_returns = own
        env.process(self._weekly_removals())

    # --- at sea ----------------------------------------------------------------------
    def rescue(self):
        """SimPy process: wait for a vessel and bring a boat in. Returns hours waited."""
        env = self.model.env
        with self.vessels.request() as request:
            asked = env.now
            yield request
            waited_hours = (env.now - asked) * 24.0
            yield env.timeout(self.p.rescue_hours / 24.0)
        return waited_hours

    # --- on landing ------------------------------------------------------------------
    def select(self, rows: np.ndarray, quota_per_week: float, date) -> tuple[np.ndarray, np.ndarray]:
        """(selected for return to France, returned to their own country) among landed ``rows``."""
        pop = self.model.population
        adults = rows[~pop.minor[rows]]
        home = np.empty(0, dtype=rows.dtype)
        if self._own_returns and len(adults):
            groups = pop.nationality[adults]
            chance = np.zeros(len(adults))
            for index, since, share in self._own_returns:
                if date >= since:
                    chance[groups == index] = share
            by_home = self.draws.random(len(adults)) < chance
            home, adults = adults[by_home], adults[~by_home]
        room = min(int(quota_per_week) - self.selected_this_week,
                   self.bed_limit - self.beds.count - len(self.beds.queue))
        if room <= 0 or len(adults) == 0:
            return adults[:0], home
        chosen = adults if len(adults) <= room else self.draws.choice(adults, size=room, replace=False)
        self.selected_this_week += len(chosen)
        return np.sort(chosen), home

    def detain(self, row: int, to_france: bool):
        """SimPy process of one detained person until removal (or release on challenge)."""
        env, model = self.model.env, self.model
        bed = self.beds.request() if to_france else None
        if bed is not None:
            yield bed
        yield env.timeout(self.p.detention_processing_days)
        if to_france and self.draws.random() < self.p.challenge_share:
            yield env.timeout(self.p.challenge_days)
            if self.draws.random() < self.p.challenge_success_share:
                self.beds.release(bed)
                model.release_to_uk(row)
                return
        if not to_france:
            model.return_home(row)
            return
        taken = env.event()
        self.ready_for_removal.append((row, taken))
        yield taken
        self.beds.release(bed)

    def _weekly_removals(self):
        env, model = self.model.env, self.model
        weekday = model.calendar.date(env.now).weekday()
        yield env.timeout((self.p.removal_weekday - weekday) % 7 + REMOVAL_TIME)
        while True:
            quota = int(round(model.quota_per_week()))
            taken, self.ready_for_removal = self.ready_for_removal[:quota], self.ready_for_removal[quota:]
            rows = np.array([row for row, _ in taken], dtype=np.int64)
            model.return_to_france(rows)
            for _, event in taken:
                event.succeed()
            self.selected_this_week = 0
            yield env.timeout(7.0)
