"""Migrants: a person's attributes, the value of the UK, and the daily choice.

Each person is a row of the [`Population`][channelsim.core.population.Population]; a
[`Migrant`][channelsim.agents.migrant.Migrant] Mesa agent is a view onto one row. Everyone waiting makes the
daily choice at once ([`daily_choice`][channelsim.agents.migrant.daily_choice]; the people waiting as a whole, their
arrivals and news, are [`agents.coast.Coast`][channelsim.agents.coast.Coast]), a multinomial logit over
four options:

- **cross**: pay a gang for a seat (only if the budget covers the price). Its
  utility is the expected value of reaching the UK, discounted by the
  perceived chance of being returned, less the price and the perceived danger
  (weighed by how little risk the person tolerates); the value of the UK
  ([`value_of_uk`][channelsim.agents.migrant.value_of_uk], also what draws people to the coast upstream) is
  ``V = (1 - p_return) * (grant_rate * value_asylum + p_job * value_work) - p_return * loss_if_returned``;
- **apply** by the legal route (people with family ties in the UK, of an
  eligible nationality, who have never tried to cross irregularly nor applied):
  the value of protection times the perceived chance of admission;
- **leave** for elsewhere in Europe (including claiming asylum in France),
  more attractive the longer one has waited;
- **wait** (the reference, utility 0).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import mesa
import numpy as np

from channelsim.agents.kernels import cross_utility, uk_value
from channelsim.core.params import Choice, Params
from channelsim.core.population import LEGAL_NONE, STATES, Population


def value_of_uk(choice: Choice, grant_rate, p_return, p_job):
    """Expected value of reaching the UK: protection or work if one stays, the loss if returned."""
    return uk_value(p_return, p_job, grant_rate, choice.value_asylum, choice.value_work, choice.loss_if_returned)


class Migrant(mesa.Agent):
    """One person. Attributes are read from the person's row of the population."""

    def __init__(self, model: mesa.Model, row: int):
        super().__init__(model)
        self.row = row

    @property
    def _pop(self) -> Population:
        return self.model.population

    @property
    def state(self) -> str:
        """One of ``core.population.STATES``."""
        return STATES[self._pop.state[self.row]]

    @property
    def nationality(self) -> str:
        return self.model.params.nationalities[self._pop.nationality[self.row]].name

    @property
    def family_ties(self) -> bool:
        return bool(self._pop.family_ties[self.row])

    @property
    def minor(self) -> bool:
        return bool(self._pop.minor[self.row])

    @property
    def budget_gbp(self) -> float:
        savings = self.model.params.migrants.savings_per_day_gbp
        return float(self._pop.budget_base_gbp[self.row] + savings * self.model.day)

    @property
    def times_returned(self) -> int:
        return int(self._pop.returned[self.row])

    @property
    def perceived_return_probability(self) -> float:
        return float(self.model.beliefs.perceived(np.array([self.row]))[0][0])

    @property
    def perceived_job_prospect(self) -> float:
        return float(self.model.beliefs.perceived(np.array([self.row]))[1][0])

    def __repr__(self) -> str:
        return f"Migrant(id={self.unique_id}, {self.nationality}, {self.state})"


def draw_attributes(pop: Population, rows: slice, params: Params, day: int, rng: np.random.Generator) -> None:
    """Camp, family ties, age, budget and risk tolerance of newcomers, who are the ``rows`` of a
    slice (they are appended together); nationality is set by the inflow."""
    k = rows.stop - rows.start
    m = params.migrants
    pop.camp[rows] = rng.integers(0, m.camps, k)
    pop.family_ties[rows] = rng.random(k) < m.family_ties_share
    pop.minor[rows] = rng.random(k) < m.minor_share
    budget = m.budget_median_gbp * np.exp(m.budget_sigma * rng.standard_normal(k))
    pop.budget_base_gbp[rows] = budget - m.savings_per_day_gbp * day  # savings accrue from today
    pop.risk_tolerance[rows] = rng.beta(m.risk_tolerance_a, m.risk_tolerance_b, k)


@dataclass
class ChoiceContext:
    """What everyone waiting sees today (public information and the market)."""

    day: int
    cheapest_price_gbp: float
    perceived_death_rate: float
    legal_admission_chance: float
    grant_rate: np.ndarray           # by nationality
    legal_priority: np.ndarray       # by nationality (0 = not eligible)


@dataclass
class Choices:
    """Who chose what today (rows)."""

    cross: np.ndarray
    apply: np.ndarray
    leave: np.ndarray


def daily_choice(pop: Population, rows: np.ndarray, p_return: np.ndarray, p_job: np.ndarray,
                 ctx: ChoiceContext, params: Params, rng: np.random.Generator) -> Choices:
    """The day's choice of everyone in ``rows`` (free to choose), as one logit draw each."""
    c = params.choice
    if len(rows) == 0:
        empty = rows[:0]
        return Choices(empty, empty, empty)
    grant = ctx.grant_rate[pop.nationality[rows]]
    value_uk = value_of_uk(c, grant, p_return, p_job)
    cross_today = shared_cross_utility(c, ctx.cheapest_price_gbp)
    danger = c.danger_weight * ctx.perceived_death_rate
    e_cross = np.exp(cross_utility(value_uk, cross_today, danger, pop.risk_tolerance[rows]))
    budget = pop.budget_base_gbp[rows] + params.migrants.savings_per_day_gbp * ctx.day
    e_cross[budget < ctx.cheapest_price_gbp] = 0.0
    # leave: exp(constant + hardship * (day - arrived) / 30), the arrival part kept per person
    e_leave = leave_pull_today(c, ctx.day) * pop.leave_pull[rows]
    total = 1.0 + e_cross + e_leave
    eligible = np.flatnonzero(pop.legal_eligible[rows])
    e_apply = None
    if len(eligible):
        e_apply = np.exp(c.legal_constant + c.value_asylum * grant[eligible] * ctx.legal_admission_chance)
        total[eligible] += e_apply
    u = rng.random(len(rows)) * total
    cross = u < e_cross
    leave = ~cross & (u < e_cross + e_leave)
    if e_apply is not None:
        applying = eligible[(u[eligible] >= e_cross[eligible] + e_leave[eligible])
                            & (u[eligible] < e_cross[eligible] + e_leave[eligible] + e_apply)]
        apply = rows[applying]
    else:
        apply = rows[:0]
    return Choices(rows[cross], apply, rows[leave])


def shared_cross_utility(c: Choice, price_gbp: float) -> float:
    """The part of crossing's utility everyone shares today: the constant less the (cheapest) price's weight."""
    return c.cross_constant - c.price_weight_per_1000_gbp * price_gbp / 1000.0


def leave_pull_today(c: Choice, day: int) -> float:
    """exp(constant + hardship * day / 30): leaving's pull today, before each person's arrival term."""
    return np.exp(c.leave_constant + c.leave_hardship_per_30_days * day / 30.0)


def mark_arrival(pop: Population, rows: np.ndarray | slice, day: int, params: Params,
                 legal_priority: np.ndarray) -> None:
    """Per-person terms of the choice that change only on events, kept as columns (``rows``: an index
    array, or a slice of newcomers)."""
    pop.arrived_day[rows] = day
    pop.leave_pull[rows] = np.exp(-params.choice.leave_hardship_per_30_days * day / 30.0)
    pop.legal_eligible[rows] = (pop.family_ties[rows] & ~pop.attempted[rows] & (pop.returned[rows] == 0)
                                & (pop.legal_status[rows] == LEGAL_NONE) & (legal_priority[pop.nationality[rows]] > 0))


# The eventual-crossing recursion: days followed (then the tail's limit), and the risk-tolerance grid.
PROPENSITY_DAYS = 1500
PROPENSITY_GRID = 41


def exact_dot(a: np.ndarray, b: np.ndarray) -> float | np.ndarray:
    """``a @ b`` (``a`` a vector or a matrix, ``b`` a vector), each sum exact (``math.fsum``), so the
    same on every CPU: BLAS's dot and matrix-vector product round differently on different CPUs."""
    products = np.asarray(a, float) * np.asarray(b, float)
    if products.ndim == 1:
        return math.fsum(products.tolist())
    return np.array([math.fsum(row) for row in products.tolist()])


def eventual_crossing_share(params: Params, perceived_death_rate: float) -> np.ndarray:
    """Each nationality group's share of newcomers who in the end cross rather than leave, by the
    daily choice under the prior beliefs and the gangs' base price (a competing-risks recursion).

    Each day someone waiting crosses with probability e_cross / total and leaves with e_leave /
    total, where leaving's pull grows with the hardship of waiting, so the share who ever cross is
    the sum over days of (still waiting) x (crosses that day); risk tolerance is averaged over its
    Beta. Budgets, the legal route and returns are left out: they act alike on every group, or on
    few. It converts published shares of *arrivals* into shares of the *inflow*: a group whose
    asylum prospects are poor (Albania, Vietnam) crosses less of the time it waits, so it is a
    larger share of those arriving on the coast than of those landing. Within 20-40% of the
    conversion the full model shows over 2019-2024 (checked when it was written).
    """
    c, b = params.choice, params.beliefs
    groups = params.nationalities
    grant = np.array([g.grant_rate for g in groups])
    value = value_of_uk(c, grant, np.full(len(groups), b.prior_return_probability),
                        np.full(len(groups), b.prior_job_prospect))
    tolerance = (np.arange(PROPENSITY_GRID) + 0.5) / PROPENSITY_GRID
    a, b_ = params.migrants.risk_tolerance_a, params.migrants.risk_tolerance_b
    weight = tolerance ** (a - 1) * (1 - tolerance) ** (b_ - 1)   # the Beta's density, up to its constant
    weight /= weight.sum()
    cross_today = shared_cross_utility(c, params.gangs.base_price_gbp)
    e_cross = np.exp(cross_utility(value[:, None], cross_today, c.danger_weight * perceived_death_rate,
                                   tolerance[None, :]))
    still, crossed = np.ones_like(e_cross), np.zeros_like(e_cross)
    # leaving's pull, capped below overflow (beyond e^700 everyone still waiting leaves at once anyway)
    e_leave = np.exp(np.minimum(c.leave_constant + c.leave_hardship_per_30_days * np.arange(PROPENSITY_DAYS) / 30.0,
                                700.0))
    for leave in e_leave:
        total = 1.0 + e_cross + leave
        crossed += still * e_cross / total
        still /= total
    crossed += still * e_cross / (e_cross + e_leave[-1])   # the rest, as if the pull stopped growing
    return exact_dot(crossed, weight)
