"""French police: beach patrols, seizures, arrests, and interception in the water.

A patrol stops a beach launch with probability ``beach_prevention_share``
(taxi boats, launched from the water, far less often); a stopped launch may
cost the gang its boat (seizure) and a crew (arrest), and the people go back to
the camps. When the in-water tactic is on, a boat already afloat may be
intercepted in French waters: more launches stopped, at greater danger.
"""

from __future__ import annotations

import mesa
import numpy as np

from agents.gang import Boat
from core.params import Params


class FrenchPolice(mesa.Agent):
    """The French police on the northern coast."""

    def __init__(self, model: mesa.Model, params: Params, rng: np.random.Generator):
        super().__init__(model)
        self.p = params.french_police
        self.draws = rng
        self.boats_seized = 0

    def patrol(self, boat: Boat) -> bool:
        """Whether the patrol stops this launch on the beach (and what the gang loses)."""
        p = self.p
        chance = p.beach_prevention_share * (p.taxi_prevention_factor if boat.taxi else 1.0)
        if self.draws.random() >= chance:
            return False
        boat.gang.record_prevented()
        if self.draws.random() < p.seizure_share:
            self.boats_seized += 1
        else:
            boat.gang.boats += 1  # the boat goes back to the gang's stock
        if self.draws.random() < p.arrest_share:
            boat.gang.lose_crew()
        return True

    def intercept_in_water(self, boat: Boat, tactic_on: bool) -> bool:
        """Whether a boat afloat is intercepted in French waters (the boat is seized)."""
        if not tactic_on or self.draws.random() >= self.p.in_water_share:
            return False
        boat.gang.record_prevented()
        self.boats_seized += 1
        return True
