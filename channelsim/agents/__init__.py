"""channelsim's agents: each actor's behaviour in its own module.

- [`agents.migrant`][channelsim.agents.migrant]: a person (a Mesa agent view of a row), the value of the UK, the daily
choice
- [`agents.coast`][channelsim.agents.coast]: the people waiting: arrivals, news, the morning's choices, buying seats
- [`agents.kernels`][channelsim.agents.kernels]: the morning's per-person work as one compiled pass (numba)
- [`agents.beliefs`][channelsim.agents.beliefs]: perceived return probability and job prospects
- [`agents.gang`][channelsim.agents.gang]: smuggling gangs
- [`agents.french_police`][channelsim.agents.french_police]: beach patrols and in-water interception
- [`agents.border_force`][channelsim.agents.border_force]: UK Border Force vessels, landing, detention and removals
"""

from channelsim.agents.beliefs import BayesianForgetting, BeliefRule, News, TrustWeightedExchange
from channelsim.agents.border_force import BorderForce
from channelsim.agents.coast import Coast
from channelsim.agents.french_police import FrenchPolice
from channelsim.agents.gang import SmugglingGang
from channelsim.agents.migrant import Migrant

__all__ = ["BayesianForgetting", "BeliefRule", "BorderForce", "Coast", "FrenchPolice", "Migrant", "News",
           "SmugglingGang", "TrustWeightedExchange"]

# the checkout's top-level agents/ is a link to this folder, not a second package
if __name__ != "channelsim.agents":
    raise ImportError("import channelsim.agents, not agents: the checkout's agents/ links to the package's layer")
