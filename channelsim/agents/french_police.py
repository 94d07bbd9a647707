"""French police: beach patrols, seizures, arrests, and interception in the water.

A patrol stops a beach launch with probability ``beach_prevention_share``
(taxi boats, launched from the water, far less often); a stopped launch may
cost the gang its boat (seizure) and a crew (arrest), and the people go back to
the camps. When the in-water tactic is on, a boat already afloat may be
intercepted in French waters: more launches stopped, at greater danger. The
police act on a boat's gang only through `SmugglingGang.launch_stopped`.
"""

from __future__ import annotations

import mesa
import numpy as np

from channelsim.agents.gang import Boat
from channelsim.core.params import Params


class FrenchPolice(mesa.Agent):
    """The French police on the northern coast."""

    def __init__(self, model: mesa.Model, params: Params, rng: np.random.Generator):
        super().__init__(model)
        self.params = params.french_police
        self.random_stream = rng  # the actor's own stream (Mesa's Agent.rng is the model's)
        self.boats_seized = 0   # since the day's record last read it

    def patrol(self, boat: Boat) -> bool:
        """Whether the patrol stops this launch on the beach (and what the gang loses)."""
        p = self.params
        chance = p.beach_prevention_share * (p.taxi_prevention_factor if boat.taxi else 1.0)
        if self.random_stream.random() >= chance:
            return False
        seized = bool(self.random_stream.random() < p.seizure_share)
        arrested = bool(self.random_stream.random() < p.arrest_share)
        self.boats_seized += seized
        boat.gang.launch_stopped(boat_seized=seized, crew_arrested=arrested)
        return True

    def intercept_in_water(self, boat: Boat, tactic_on: bool) -> bool:
        """Whether a boat afloat is intercepted in French waters (the boat is seized)."""
        if not tactic_on or self.random_stream.random() >= self.params.in_water_share:
            return False
        self.boats_seized += 1
        boat.gang.launch_stopped(boat_seized=True, crew_arrested=False)
        return True

    def seizures_today(self) -> int:
        """Boats seized since the last call (the day's record)."""
        seized, self.boats_seized = self.boats_seized, 0
        return seized
