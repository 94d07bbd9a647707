"""channelsim's agents: each actor's behaviour in its own module.

- :mod:`agents.migrant`: a person (a Mesa agent view of a row), the value of the UK, the daily choice
- :mod:`agents.coast`: the people waiting: arrivals, news, the morning's choices, buying seats
- :mod:`agents.kernels`: the morning's per-person work as one compiled pass (numba)
- :mod:`agents.beliefs`: perceived return probability and job prospects
- :mod:`agents.gang`: smuggling gangs
- :mod:`agents.french_police`: beach patrols and in-water interception
- :mod:`agents.border_force`: UK Border Force vessels, landing, detention and removals
"""

from agents.beliefs import BayesianForgetting, BeliefRule, News, TrustWeightedExchange
from agents.border_force import BorderForce
from agents.coast import Coast
from agents.french_police import FrenchPolice
from agents.gang import SmugglingGang
from agents.migrant import Migrant

__all__ = ["BayesianForgetting", "BeliefRule", "BorderForce", "Coast", "FrenchPolice", "Migrant", "News",
           "SmugglingGang", "TrustWeightedExchange"]
