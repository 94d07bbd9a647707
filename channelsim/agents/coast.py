"""The people waiting on the northern French coast: arrivals, news, the daily choice, buying a seat.

Each morning newcomers arrive by nationality (trend x season x the UK's lagged
attractiveness x upstream shocks); the day's news moves the beliefs of everyone
waiting ([`agents.beliefs`][channelsim.agents.beliefs]); everyone free to choose makes the daily choice
([`agents.migrant.daily_choice`][channelsim.agents.migrant.daily_choice]); buyers pick a gang by price and pay.
Upstream, the beliefs that draw people to the coast follow the coast's, lagged.
The morning's per-person work runs as one compiled pass
(`agents.kernels.coast_day`) where numba is available, with the numpy
code as its reference.
"""

from __future__ import annotations

import numpy as np

from channelsim.agents.beliefs import BayesianForgetting, BeliefRule, News, checked_beliefs, gather_news, is_shipped
from channelsim.agents.kernels import APPLY, CROSS, LEAVE, compiled
from channelsim.agents.migrant import (
    ChoiceContext,
    Choices,
    daily_choice,
    draw_attributes,
    exact_dot,
    leave_pull_today,
    mark_arrival,
    shared_cross_utility,
    value_of_uk,
)
from channelsim.core.calendar import seasonal
from channelsim.core.params import LAST_DATE
from channelsim.core.population import ELSEWHERE, FRANCE, NEVER, NO_GANG
from channelsim.core.random import RandomStreams
from channelsim.core.world import World


def upstream_attractiveness(value: np.ndarray, reference: np.ndarray, elasticity: float,
                            cap: float) -> np.ndarray:
    """How much the UK draws people to the coast, by nationality, against the prior beliefs' draw.

    A logit response, as in the coast's own choice: the inflow is multiplied by
    ``exp(elasticity * (V - V_ref) / |V_ref|)``, where ``V`` is the value of the
    UK as perceived upstream and ``V_ref`` its value under the prior beliefs.
    To first order it is ``(V / V_ref) ** elasticity``; it is smooth everywhere,
    so a UK worth nothing still draws ``exp(-elasticity)`` of the reference flow
    (and a UK worth less than nothing, less), with no floor. Capped at ``cap``
    (``inflow.attractiveness_cap``).
    """
    scale = np.maximum(np.abs(reference), 1e-9)
    with np.errstate(over="ignore"):   # a response past exp's range is capped like any other above the cap
        return np.minimum(np.exp(elasticity * (value - reference) / scale), cap)


class InflowMix:
    """Each nationality's share of the inflow on a day: the published mix over time, and the surge.

    A group with ``shares_by_year`` holds each listed year's share through that
    calendar year (a published share describes a year's arrivals, and a line
    between mid-years would pull each year's mean towards its neighbours' where
    the mix turns); a year not listed between two listed ones takes the straight
    line between them, and years before the first or after the last hold the
    nearest. The shares are rescaled each day to sum to one. The surge episode
    (``[inflow] surge_*``) multiplies one group's inflow by up to
    ``surge_multiplier`` at mid-episode (a sin^2 bump): extra people, not a
    reshuffle. Without either, the shares are the groups' constant ``inflow_share``.
    """

    def __init__(self, params, calendar):
        groups = params.nationalities
        self.constant = np.array([g.inflow_share for g in groups])
        self._calendar = calendar
        self._schedules = [sorted(g.shares_by_year.items()) for g in groups]
        self._scheduled = any(self._schedules)
        self._table: np.ndarray | None = None
        inflow = params.inflow
        names = [g.name for g in groups]
        self._surge_group = names.index(inflow.surge_group) if inflow.surge_group in names else None
        self._surge_on = inflow.surge_multiplier > 1 and self._surge_group is not None
        self._surge_start = calendar.day(inflow.surge_start)
        self._surge_days = inflow.surge_days
        self._surge_extra = inflow.surge_multiplier - 1.0

    def surge(self, day: int) -> float:
        """The surge group's inflow multiplier on ``day`` (1 outside the episode)."""
        into = day - self._surge_start
        if not self._surge_on or not 0 <= into < self._surge_days:
            return 1.0
        return 1.0 + self._surge_extra * np.sin(np.pi * into / self._surge_days) ** 2

    def _scheduled_shares(self, day: int) -> np.ndarray:
        """The groups' scheduled (unscaled) shares on ``day``; the table of every day is made once."""
        if self._table is None or day >= len(self._table):
            days = max(day + 1, self._calendar.day(LAST_DATE) + 1)
            first = np.datetime64(self._calendar.origin, "D")
            years = (first + np.arange(days)).astype("datetime64[Y]").astype(np.int64) + 1970
            self._table = np.column_stack([
                np.interp(years, [y for y, _ in sched], [v for _, v in sched]) if sched else np.full(days, c)
                for sched, c in zip(self._schedules, self.constant, strict=True)])
        return self._table[day]

    def shares(self, day: int) -> np.ndarray:
        shares = self.constant
        if self._scheduled:
            shares = self._scheduled_shares(day)
            shares = shares / shares.sum()
        factor = self.surge(day)
        if factor != 1.0:
            shares = shares.copy()
            shares[self._surge_group] *= factor
        return shares


class Coast:
    """Everyone waiting on the coast: arrivals, news, the daily choice and buying a seat.

    ``rows`` are the people on the coast (in France and not gone); beliefs of
    those who hear the news are kept as ``perceived`` for the day's record.
    """

    def __init__(self, world: World, beliefs: BeliefRule, streams: RandomStreams, kernels: str = "numpy"):
        self.world = world
        self.kernels = kernels  # "numba": the compiled one-pass morning; "numpy": the reference
        self.params = world.params
        self.beliefs = beliefs
        self._own_rule = not is_shipped(beliefs)   # a rule of your own: what it returns is checked
        # the compiled morning updates the shipped Beta counts itself (a subclass may update otherwise)
        self._compiled_update = type(beliefs) is BayesianForgetting
        self.streams = streams
        self._news_rng = streams.stream("news")
        groups = self.params.nationalities
        self.n_groups = len(groups)
        self.mix = InflowMix(self.params, world.calendar)
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
        if self.kernels == "numba":
            kept = np.empty(len(coast), dtype=np.int64)
            parts = [kept[:compiled().still_on_coast(coast, pop.state, pop.on_coast, FRANCE, kept)]]
        else:
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
        attract = upstream_attractiveness(value, self._reference_value, inflow.upstream_elasticity,
                                          inflow.attractiveness_cap)
        rng = self.streams.daily("inflow", day)
        counts = rng.poisson(trend * float(season) * self.mix.shares(day) * attract * upstream_shocks)
        k = int(counts.sum())
        if k == 0:
            return np.empty(0, dtype=np.int64)
        pop = self.world.population
        rows = pop.add(k)
        newcomers = slice(int(rows[0]), int(rows[0]) + k)   # appended together: their rows as a slice
        groups = pop.nationality[newcomers] = np.repeat(np.arange(len(counts), dtype=np.int16), counts)
        draw_attributes(pop, newcomers, self.params, day, rng)
        mark_arrival(pop, newcomers, day, self.params, self.legal_priority)
        self.beliefs.initialise(newcomers, self.upstream_return[groups], self.upstream_job[groups])
        pop.on_coast[newcomers] = True
        self.rows = np.concatenate([self.rows, rows])
        self.world.ledger.inflow += k
        self.world.by_nationality.add_counts("inflow", counts)
        return rows

    def morning(self, day: int, gangs: list) -> None:
        """The day's news moves everyone's beliefs; then everyone free to choose chooses."""
        if self.kernels == "numba":
            self._morning_compiled(day, gangs)
        else:
            self.hear_news(day)
            self.choose(day, gangs)

    def hear_news(self, day: int) -> None:
        """The day's news moves the beliefs of everyone waiting; upstream beliefs follow, lagged."""
        pop, coast = self.world.population, self.rows
        if len(coast) == 0:
            return
        groups = pop.nationality[coast]
        waiting = np.bincount(groups, minlength=self.n_groups)
        news = self._news(waiting, day)
        p_return, p_job = self._update(coast, groups, pop.camp[coast], news, self._choice_rng)
        n_groups = len(waiting)
        self._follow_upstream(waiting, np.bincount(groups, weights=p_return, minlength=n_groups),
                              np.bincount(groups, weights=p_job, minlength=n_groups))
        self.perceived = (p_return, p_job)
        self.perceived_rows = coast

    def choose(self, day: int, gangs: list) -> None:
        """Everyone free to choose: cross (buy a seat), apply by the legal route, leave, or wait."""
        pop, coast = self.world.population, self.rows
        if len(coast) == 0:
            return
        free_mask = pop.free_from_day[coast] <= day
        free = coast[free_mask]
        p_return, p_job = self.perceived
        ctx, prices = self._context(day, gangs)
        choices = daily_choice(pop, free, p_return[free_mask], p_job[free_mask], ctx, self.params, self._choice_rng)
        self._carry_out(choices, gangs, prices, day)

    def _morning_compiled(self, day: int, gangs: list) -> None:
        """[`hear_news`][channelsim.agents.coast.Coast.hear_news] and [`choose`][channelsim.agents.coast.Coast.choose]
        in one compiled pass ([`agents.kernels`][channelsim.agents.kernels]), same draws."""
        pop, coast = self.world.population, self.rows
        if len(coast) == 0:
            return
        kernels = compiled()
        waiting = np.zeros(self.n_groups, dtype=np.int64)
        n_free = kernels.census(coast, pop.nationality, pop.free_from_day, day, waiting)
        news = self._news(waiting, day)
        rng = self._choice_rng
        n = len(coast)
        if self._compiled_update:
            p_return, p_job = np.empty(n), np.empty(n)
            columns = (pop.ret_yes, pop.ret_no, pop.job_yes, pop.job_no)
        else:  # another rule updates in numpy (it may draw from the coast's stream first)
            p_return, p_job = self._update(coast, pop.nationality[coast], pop.camp[coast], news, rng)
            columns = (np.empty(0),) * 4
        ctx, prices = self._context(day, gangs)
        c, m = self.params.choice, self.params.migrants
        uniforms = rng.random(n_free)
        codes, free = np.empty(n_free, dtype=np.int8), np.empty(n_free, dtype=np.int64)
        sum_return, sum_job = np.zeros(len(waiting)), np.zeros(len(waiting))
        stories = (np.bincount(news.contacts, minlength=n) if len(news.contacts)
                   else np.zeros(n, dtype=np.int64))
        kernels.coast_day(
            coast, pop.nationality, pop.free_from_day, day,
            self._compiled_update, *columns, self.beliefs.decay,
            news.returned_by_group, news.stayed_by_group, news.job_found_by_group, news.job_not_found_by_group,
            news.promise_weight * news.promise_job, news.promise_weight * (1 - news.promise_job),
            news.announced_return is not None, news.announced_return or 0.0,
            news.announced_job is not None, news.announced_job or 0.0, news.announcement_weight,
            stories, news.contact_weight, self.params.beliefs.prior_return_probability,
            self.params.beliefs.prior_job_prospect, p_return, p_job, sum_return, sum_job,
            pop.risk_tolerance, pop.budget_base_gbp, pop.leave_pull, pop.legal_eligible, self.grant_rate,
            c.value_asylum, c.value_work, c.loss_if_returned, shared_cross_utility(c, ctx.cheapest_price_gbp),
            c.danger_weight * ctx.perceived_death_rate, m.savings_per_day_gbp * day, ctx.cheapest_price_gbp,
            leave_pull_today(c, day),
            c.legal_constant, ctx.legal_admission_chance, uniforms, codes, free)
        self._follow_upstream(waiting, sum_return, sum_job)
        self.perceived = (p_return, p_job)
        self.perceived_rows = coast
        self._carry_out(Choices(free[codes == CROSS], free[codes == APPLY], free[codes == LEAVE]), gangs, prices, day)

    def _update(self, rows: np.ndarray, groups: np.ndarray, camps: np.ndarray, news: News,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """The belief rule's update of ``rows``; a rule of your own's result checked."""
        beliefs = self.beliefs.update(rows, groups, camps, news, rng)
        return checked_beliefs(self.beliefs, beliefs, len(rows)) if self._own_rule else beliefs

    def _news(self, waiting: np.ndarray, day: int) -> News:
        """The day's news for the people waiting (``waiting`` of them by nationality); the coast has heard it."""
        news = gather_news(self.world, self.rows, waiting, day, self._news_rng)
        self.world.reports.heard()
        self._choice_rng = self.streams.daily("coast", day)  # beliefs, then the choice
        return news

    def _follow_upstream(self, waiting: np.ndarray, sum_return: np.ndarray, sum_job: np.ndarray) -> None:
        """People upstream drift towards the mean belief of their nationality on the coast."""
        here = waiting > 0
        mean_return = sum_return[here] / waiting[here]
        mean_job = sum_job[here] / waiting[here]
        follow = 1.0 - np.exp(-1.0 / self.params.inflow.upstream_lag_days)
        self.upstream_return[here] += follow * (mean_return - self.upstream_return[here])
        self.upstream_job[here] += follow * (mean_job - self.upstream_job[here])

    def _context(self, day: int, gangs: list) -> tuple[ChoiceContext, np.ndarray]:
        prices = np.array([g.price_gbp for g in gangs])
        world = self.world
        return ChoiceContext(
            day=day,
            cheapest_price_gbp=float(prices.min()),
            perceived_death_rate=world.danger.perceived_death_rate(),
            legal_admission_chance=world.legal_route.admission_chance(),
            grant_rate=self.grant_rate,
            legal_priority=self.legal_priority,
        ), prices

    def _carry_out(self, choices: Choices, gangs: list, prices: np.ndarray, day: int) -> None:
        pop, world = self.world.population, self.world
        if len(choices.leave):
            pop.move(choices.leave, ELSEWHERE)
            world.ledger.left_elsewhere += len(choices.leave)
        if len(choices.apply):
            world.legal_route.apply(choices.apply, day)
            world.ledger.legal_applications += len(choices.apply)
        if len(choices.cross):
            self._book(choices.cross, gangs, prices, day, self._choice_rng)

    def _book(self, rows: np.ndarray, gangs: list, prices: np.ndarray, day: int, rng: np.random.Generator) -> None:
        """Buyers pick a gang (a logit on price among gangs with crews) and pay."""
        pop, ledger = self.world.population, self.world.ledger
        open_ = np.array([g.crews >= 1 for g in gangs])
        if not open_.any():
            return
        weights = np.where(open_, np.exp(-(prices - prices.min()) / self.params.gangs.gang_choice_scale_gbp), 0.0)
        cumulative = np.cumsum(weights / weights.sum())
        chosen = np.minimum(np.searchsorted(cumulative, rng.random(len(rows)), side="right"), len(prices) - 1)
        sold = np.bincount(chosen, minlength=len(prices))
        pop.budget_base_gbp[rows] -= prices[chosen]
        ledger.gang_revenue += exact_dot(sold, prices)
        pop.booked_gang[rows] = chosen
        pop.free_from_day[rows] = NEVER
        pop.booked_day[rows] = day
        pop.paid_attempts_left[rows] = self.params.gangs.attempts_per_payment
        ledger.bookings += len(rows)

    def beliefs_in_france(self) -> tuple[np.ndarray, np.ndarray]:
        """(perceived return probability, perceived job prospect) of everyone in France now: those on
        the coast (as they heard the morning's news: beliefs move only then), then those sent back to
        the camps since."""
        pop = self.world.population
        here = pop.state[self.rows] == FRANCE
        if self.perceived_rows is self.rows:
            p_return, p_job = self.perceived[0][here], self.perceived[1][here]
        else:   # nobody heard the news this morning
            p_return, p_job = self.beliefs.perceived(self.rows[here])
        if self.world.reports.back_to_coast:
            back = np.concatenate(self.world.reports.back_to_coast)
            back = np.unique(back[(pop.state[back] == FRANCE) & ~pop.on_coast[back]])
            if len(back):
                back_return, back_job = self.beliefs.perceived(back)
                p_return, p_job = np.concatenate([p_return, back_return]), np.concatenate([p_job, back_job])
        return p_return, p_job

    def booked_with(self, gang_index: int, n_gangs: int) -> np.ndarray:
        """People on the coast booked with a gang, first booked first.

        All gangs act at the same instants (the weather window, the weekly
        review), and nothing changes who is booked within an instant, so one
        pass over the coast serves every gang.
        """
        now = self.world.env.now
        if self._booked_at != now:
            pop, coast = self.world.population, self.rows
            if self.kernels == "numba":
                rows, bounds = np.empty(len(coast), dtype=np.int64), np.empty(n_gangs + 1, dtype=np.int64)
                compiled().booked_by_gang(coast, pop.booked_gang, pop.booked_day, pop.state, FRANCE, NO_GANG,
                                          rows, bounds)
            else:
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
