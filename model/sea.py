"""The crossing: a boat from launch to landing, and the danger on the way.

A launched boat is a SimPy process: the beach patrol, perhaps interception in
French waters, hours of crossing, waiting for a Border Force vessel, and the
landing at Dover. The chance of a deadly incident rises exponentially with the
load above the comfortable load and with the sea state, and is multiplied for
taxi-boat launches, for in-water interception, and by hours spent waiting for
rescue.
"""

from __future__ import annotations

import math

from core.params import Danger


def incident_probability(d: Danger, load: int, comfortable_load: float, sea_state: float, taxi: bool,
                         intercepted: bool, in_water_factor: float, waited_hours: float) -> float:
    risk = (d.incident_risk_per_boat
            * math.exp(d.overload_risk_per_person * max(0.0, load - comfortable_load))
            * math.exp(d.sea_state_risk * sea_state)
            * (d.taxi_danger_factor if taxi else 1.0)
            * (in_water_factor if intercepted else 1.0)
            * (1.0 + d.waiting_risk_per_hour * waited_hours))
    return min(1.0, risk)
