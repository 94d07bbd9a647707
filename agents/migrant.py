"""Migrants: arrivals on the northern French coast, what they hear, and their daily choice.

Each person is a row of the :class:`~core.population.Population`; a
:class:`Migrant` Mesa agent is a view onto one row. The people waiting are
:class:`Coast`: each morning newcomers arrive (trend x season x the UK's lagged
attractiveness x upstream shocks, by nationality), the day's news moves
everyone's beliefs, and everyone free to choose makes the daily choice at once
(:func:`daily_choice`), a multinomial logit over four options:

- **cross**: pay a gang for a seat (only if the budget covers the price). Its
  utility is the expected value of reaching the UK, discounted by the
  perceived chance of being returned, less the price and the perceived danger
  (weighed by how little risk the person tolerates); the value of the UK
  (:func:`value_of_uk`, also what draws people to the coast upstream) is
  ``V = (1 - p_return) * (grant_rate * value_asylum + p_job * value_work) - p_return * loss_if_returned``;
- **apply** by the legal route (people with family ties in the UK, of an
  eligible nationality, who have never tried to cross irregularly nor applied):
  the value of protection times the perceived chance of admission;
- **leave** for elsewhere in Europe (including claiming asylum in France),
  more attractive the longer one has waited;
- **wait** (the reference, utility 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from agents.beliefs import BeliefRule, gather_news
from core.calendar import seasonal
from core.params import Choice, Params
from core.population import ELSEWHERE, FRANCE, LEGAL_NONE, NEVER, NO_GANG, STATES, Population
from core.random import RandomStreams
from core.world import World

# Attractiveness upstream is the value of the UK against its value under the prior beliefs,
# floored (a worthless UK still draws a trickle) and capped at twice the reference.
VALUE_FLOOR = 1e-3
ATTRACTIVENESS_CAP = 2.0
# Buyers choose among gangs by a logit on price: a gang 500 GBP dearer than the cheapest
# sells e (2.7) times fewer seats (an assumption; prices differ little between gangs).
GANG_CHOICE_SCALE_GBP = 500.0
# Risk tolerance of newcomers: Beta(2, 2), centred on 0.5 (an assumption).
RISK_TOLERANCE_BETA = (2.0, 2.0)


def value_of_uk(choice: Choice, grant_rate, p_return, p_job):
    """Expected value of reaching the UK: protection or work if one stays, the loss if returned."""
    return ((1.0 - p_return) * (grant_rate * choice.value_asylum + p_job * choice.value_work)
            - p_return * choice.loss_if_returned)


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


def draw_attributes(pop: Population, rows: np.ndarray, params: Params, day: int, rng: np.random.Generator) -> None:
    """Camp, family ties, age, budget and risk tolerance of newcomers (nationality is set by the inflow)."""
    k = len(rows)
    m = params.migrants
    pop.camp[rows] = rng.integers(0, m.camps, k)
    pop.family_ties[rows] = rng.random(k) < m.family_ties_share
    pop.minor[rows] = rng.random(k) < m.minor_share
    budget = m.budget_median_gbp * np.exp(m.budget_sigma * rng.standard_normal(k))
    pop.budget_base_gbp[rows] = budget - m.savings_per_day_gbp * day  # savings accrue from today
    pop.risk_tolerance[rows] = rng.beta(*RISK_TOLERANCE_BETA, k)


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
    cross_today = (c.cross_constant - c.price_weight_per_1000_gbp * ctx.cheapest_price_gbp / 1000.0)
    danger = c.danger_weight * ctx.perceived_death_rate
    e_cross = np.exp(value_uk + cross_today - danger * (1.0 - pop.risk_tolerance[rows]))
    budget = pop.budget_base_gbp[rows] + params.migrants.savings_per_day_gbp * ctx.day
    e_cross[budget < ctx.cheapest_price_gbp] = 0.0
    # leave: exp(constant + hardship * (day - arrived) / 30), the arrival part kept per person
    e_leave = np.exp(c.leave_constant + c.leave_hardship_per_30_days * ctx.day / 30.0) * pop.leave_pull[rows]
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


def mark_arrival(pop: Population, rows: np.ndarray, day: int, params: Params, legal_priority: np.ndarray) -> None:
    """Per-person terms of the choice that change only on events, kept as columns."""
    pop.arrived_day[rows] = day
    pop.leave_pull[rows] = np.exp(-params.choice.leave_hardship_per_30_days * day / 30.0)
    pop.legal_eligible[rows] = (pop.family_ties[rows] & ~pop.attempted[rows] & (pop.returned[rows] == 0)
                                & (pop.legal_status[rows] == LEGAL_NONE) & (legal_priority[pop.nationality[rows]] > 0))


class Coast:
    """Everyone waiting on the coast: arrivals, news, the daily choice and buying a seat.

    ``rows`` are the people on the coast (in France and not gone); beliefs of
    those who hear the news are kept as ``perceived`` for the day's record.
    """

    def __init__(self, world: World, beliefs: BeliefRule, streams: RandomStreams):
        self.world = world
        self.params = world.params
        self.beliefs = beliefs
        self.streams = streams
        self._news_rng = streams.stream("news")
        groups = self.params.nationalities
        self.inflow_shares = np.array([g.inflow_share for g in groups])
        self.grant_rate = np.array([g.grant_rate for g in groups])
        self.legal_priority = np.array([g.legal_route_priority for g in groups])
        self.own_arrangement = np.array([g.own_returns_from is not None for g in groups])
        # what people upstream believe, by nationality: it follows the coast's beliefs with a lag
        self.upstream_return = np.full(len(groups), self.params.beliefs.prior_return_probability)
        self.upstream_job = np.full(len(groups), self.params.beliefs.prior_job_prospect)
        self._reference_value = value_of_uk(self.params.choice, self.grant_rate, self.upstream_return,
                                            self.upstream_job)
        self.rows = np.empty(0, dtype=np.int64)
        world.population.add_column("on_coast", np.bool_, False)
        self.perceived = (np.empty(0), np.empty(0))
        self.perceived_rows = np.empty(0, dtype=np.int64)
        self._choice_rng: np.random.Generator | None = None
        self._booked_at = -1.0
        self._booked: list[np.ndarray] = []

    def refresh(self) -> None:
        """Drop those who left France; take back those sent back to the camps."""
        pop, coast = self.world.population, self.rows
        here = pop.state[coast] == FRANCE
        pop.on_coast[coast[~here]] = False
        parts = [coast[here]]
        for rows in self.world.reports.back_to_coast:
            rows = rows[(pop.state[rows] == FRANCE) & ~pop.on_coast[rows]]
            pop.on_coast[rows] = True
            parts.append(rows)
        self.world.reports.back_to_coast = []
        self.rows = np.concatenate(parts) if len(parts) > 1 else parts[0]

    def arrive(self, day: int, upstream_shocks: np.ndarray) -> np.ndarray:
        """Newcomers: trend x season x (lagged) attractiveness of the UK x upstream shocks, by nationality."""
        inflow, calendar = self.params.inflow, self.world.calendar
        years = calendar.years_since(day, inflow.inflow_midpoint)
        trend = inflow.inflow_ceiling_per_day / (1.0 + np.exp(-inflow.inflow_growth_per_year * years))
        season = seasonal(calendar.day_of_year(day), inflow.season_peak_day_of_year, inflow.season_amplitude)
        value = value_of_uk(self.params.choice, self.grant_rate, self.upstream_return, self.upstream_job)
        attract = (np.clip(np.maximum(value, VALUE_FLOOR) / self._reference_value, 0, ATTRACTIVENESS_CAP)
                   ** inflow.upstream_elasticity)
        rng = self.streams.daily("inflow", day)
        counts = rng.poisson(trend * float(season) * self.inflow_shares * attract * upstream_shocks)
        k = int(counts.sum())
        if k == 0:
            return np.empty(0, dtype=np.int64)
        pop = self.world.population
        rows = pop.add(k)
        pop.nationality[rows] = np.repeat(np.arange(len(counts)), counts)
        draw_attributes(pop, rows, self.params, day, rng)
        mark_arrival(pop, rows, day, self.params, self.legal_priority)
        groups = pop.nationality[rows]
        self.beliefs.initialise(rows, self.upstream_return[groups], self.upstream_job[groups])
        pop.on_coast[rows] = True
        self.rows = np.concatenate([self.rows, rows])
        self.world.ledger.inflow += k
        return rows

    def hear_news(self, day: int) -> None:
        """The day's news moves the beliefs of everyone waiting; upstream beliefs follow, lagged."""
        pop, coast = self.world.population, self.rows
        if len(coast) == 0:
            return
        groups = pop.nationality[coast]
        waiting = np.bincount(groups, minlength=len(self.inflow_shares))
        news = gather_news(self.world, coast, waiting, day, self._news_rng)
        self.world.reports.heard()
        self._choice_rng = self.streams.daily("coast", day)  # beliefs, then the choice
        p_return, p_job = self.beliefs.update(coast, groups, pop.camp[coast], news, self._choice_rng)
        here = waiting > 0
        mean_return = np.bincount(groups, weights=p_return, minlength=len(waiting))[here] / waiting[here]
        mean_job = np.bincount(groups, weights=p_job, minlength=len(waiting))[here] / waiting[here]
        follow = 1.0 - np.exp(-1.0 / self.params.inflow.upstream_lag_days)
        self.upstream_return[here] += follow * (mean_return - self.upstream_return[here])
        self.upstream_job[here] += follow * (mean_job - self.upstream_job[here])
        self.perceived = (p_return, p_job)
        self.perceived_rows = coast

    def choose(self, day: int, gangs: list) -> None:
        """Everyone free to choose: cross (buy a seat), apply by the legal route, leave, or wait."""
        pop, coast, world = self.world.population, self.rows, self.world
        if len(coast) == 0:
            return
        free_mask = pop.free_from_day[coast] <= day
        free = coast[free_mask]
        p_return, p_job = self.perceived
        prices = np.array([g.price_gbp for g in gangs])
        ctx = ChoiceContext(
            day=day,
            cheapest_price_gbp=float(prices.min()),
            perceived_death_rate=world.danger.perceived_death_rate(),
            legal_admission_chance=world.legal_route.admission_chance(),
            grant_rate=self.grant_rate,
            legal_priority=self.legal_priority,
        )
        rng = self._choice_rng
        choices = daily_choice(pop, free, p_return[free_mask], p_job[free_mask], ctx, self.params, rng)
        if len(choices.leave):
            pop.move(choices.leave, ELSEWHERE)
            world.ledger.left_elsewhere += len(choices.leave)
        if len(choices.apply):
            world.legal_route.apply(choices.apply, day)
            world.ledger.legal_applications += len(choices.apply)
        if len(choices.cross):
            self._book(choices.cross, gangs, prices, day, rng)

    def _book(self, rows: np.ndarray, gangs: list, prices: np.ndarray, day: int, rng: np.random.Generator) -> None:
        """Buyers pick a gang (a logit on price among gangs with crews) and pay."""
        pop, ledger = self.world.population, self.world.ledger
        open_ = np.array([g.crews >= 1 for g in gangs])
        if not open_.any():
            return
        weights = np.where(open_, np.exp(-(prices - prices.min()) / GANG_CHOICE_SCALE_GBP), 0.0)
        cumulative = np.cumsum(weights / weights.sum())
        chosen = np.minimum(np.searchsorted(cumulative, rng.random(len(rows)), side="right"), len(prices) - 1)
        sold = np.bincount(chosen, minlength=len(prices))
        pop.budget_base_gbp[rows] -= prices[chosen]
        ledger.gang_revenue += float(sold @ prices)
        pop.booked_gang[rows] = chosen
        pop.free_from_day[rows] = NEVER
        pop.booked_day[rows] = day
        pop.paid_attempts_left[rows] = self.params.gangs.attempts_per_payment
        ledger.bookings += len(rows)

    def booked_with(self, gang_index: int, n_gangs: int) -> np.ndarray:
        """People on the coast booked with a gang, first booked first.

        All gangs act at the same instants (the weather window, the weekly
        review), and nothing changes who is booked within an instant, so one
        pass over the coast serves every gang.
        """
        now = self.world.env.now
        if self._booked_at != now:
            pop, coast = self.world.population, self.rows
            rows = coast[(pop.booked_gang[coast] != NO_GANG) & (pop.state[coast] == FRANCE)]
            rows = rows[np.lexsort((pop.booked_day[rows], pop.booked_gang[rows]))]  # stable: by gang, then day
            bounds = np.searchsorted(pop.booked_gang[rows], np.arange(n_gangs + 1))
            self._booked = [rows[bounds[i]:bounds[i + 1]] for i in range(n_gangs)]
            self._booked_at = now
        return self._booked[gang_index]

    def returned_to_camps(self, rows: np.ndarray, day: int) -> None:
        """People removed to France start again on the coast: unbooked, free to choose, barred from the legal route."""
        pop = self.world.population
        pop.booked_gang[rows] = NO_GANG
        pop.free_from_day[rows] = 0
        mark_arrival(pop, rows, day, self.params, self.legal_priority)
        self.world.reports.back_to_coast.append(rows)
