"""channelsim's agents: each actor's behaviour in its own module.

- :mod:`agents.migrant`: people on the coast and their daily choice
- :mod:`agents.beliefs`: perceived return probability and job prospects
- :mod:`agents.gang`: smuggling gangs
- :mod:`agents.french_police`: beach patrols and in-water interception
- :mod:`agents.border_force`: UK Border Force vessels, detention and removals
"""

from agents.beliefs import BayesianForgetting, BeliefRule, News, TrustWeightedExchange
from agents.border_force import BorderForce
from agents.french_police import FrenchPolice
from agents.gang import SmugglingGang
from agents.migrant import Migrant

__all__ = ["BayesianForgetting", "BeliefRule", "BorderForce", "FrenchPolice", "Migrant", "News",
           "SmugglingGang", "TrustWeightedExchange"]
