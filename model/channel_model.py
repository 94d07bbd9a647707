"""ChannelModel: the clock, the world, and what is recorded.

One ``simpy.Environment`` carries model time, in days from the origin (the
start date less the warm-up). ``model.step()`` advances exactly one day and
then collects the day's row, so Mesa's tools (``run_for``, ``batch_run``,
``DataCollector``) work unchanged.

A day, in SimPy time:

- 00:00  people arrive on the coast; the day's news moves beliefs; everyone
  free to choose makes the daily choice (one vectorised pass);
- 12:00  on Mondays gangs review prices and order boats; on the removal
  weekday detainees are removed to France, up to the week's quota;
- 18:00  the night's sea state is drawn; if launchable, the shared weather
  window fires and each gang plans its launches;
- night  each boat is a SimPy process (see :mod:`model.sea`): patrol, crossing,
  Border Force vessel, landing next morning, selection for return.

Migrants enter SimPy only while they are doing something: aboard a boat or in
detention.
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from pathlib import Path

import mesa
import numpy as np
import simpy

from agents.beliefs import News, make_rule
from agents.border_force import BorderForce
from agents.french_police import FrenchPolice
from agents.gang import MONDAY, Boat, SmugglingGang
from agents.migrant import ChoiceContext, Migrant, daily_choice, draw_attributes, mark_arrival
from core.calendar import Calendar, parse_date, seasonal
from core.errors import ChannelsimError
from model.legal_route import LegalRoute
from model.outputs import COLUMNS, Ledger
from core.params import LAST_DATE, Params
from model.policy import PolicySchedule
from core.population import AT_SEA, DEAD, DETAINED, ELSEWHERE, FRANCE, NEVER, NO_GANG, UK, Population
from core.random import RandomStreams, SeedLike
from core.scenarios import apply_overrides, load
from model.sea import incident_probability
from model.upstream import UpstreamShocks
from model.weather import Weather

DEFAULT_START = dt.date(2025, 1, 1)
DEFAULT_WARMUP_DAYS = 180

WEEKLY_REVIEW = 0.5


class ChannelModel(mesa.Model):
    """The Channel small-boat model.

    Args:
        params: a :class:`~core.params.Params`, a shipped scenario name, or a
            path to a scenario TOML file (default: ``pilot_2025``).
        rng: the seed (an int or a ``numpy.random.SeedSequence``); every draw
            of the run derives from it. ``None`` draws one (kept in ``model.seed``).
        start: first recorded date (from 2018-01-01).
        warmup_days: days simulated before ``start`` and not recorded, so that
            the coast, the gangs and beliefs are populated at ``start``.
        data_dir: folder of the observed data (for the published quota).
        scenario: ignored; Mesa's visualisation passes its own scenario object
            when it re-creates a model. channelsim's scenarios are ``params``.
        **overrides: parameters by their unique names, e.g. ``returns_per_week=100``.
    """

    def __init__(self, params: Params | str | Path | None = None, *, rng: SeedLike = None,
                 start: str | dt.date | None = None, warmup_days: int = DEFAULT_WARMUP_DAYS,
                 data_dir: str | Path | None = None, scenario=None, **overrides):
        params = apply_overrides(load(params), overrides)
        if isinstance(warmup_days, bool) or not isinstance(warmup_days, int) or not 0 <= warmup_days <= 3650:
            raise ChannelsimError(f"warmup_days must be a whole number from 0 to 3650, not {warmup_days!r}.")
        if isinstance(rng, str):  # a seed typed into a form
            try:
                rng = int(rng.strip())
            except ValueError:
                raise ChannelsimError(f"the seed must be a whole number, not {rng!r}.") from None
        streams = RandomStreams(rng)
        super().__init__(rng=streams.seed % 2**63)
        self.params = params
        self.streams = streams
        self.seed = streams.seed
        self.start = parse_date(start or DEFAULT_START, "start date")
        origin = max(self.start - dt.timedelta(days=int(warmup_days)), dt.date(2017, 1, 1))
        self.calendar = Calendar(origin)
        self.warmup_days = self.calendar.day(self.start)
        self.env = simpy.Environment()
        self.policy = PolicySchedule(params, self.calendar, self.calendar.day(LAST_DATE) + 1, data_dir)

        self.population = Population(capacity=65536)
        self.beliefs = make_rule(params.beliefs, self.population)
        self.ledger = Ledger()
        groups = params.nationalities
        self._group_shares = np.array([g.inflow_share for g in groups])
        self._grant = np.array([g.grant_rate for g in groups])
        self._legal_priority = np.array([g.legal_route_priority for g in groups])
        self._own_arrangement = np.array([g.own_returns_from is not None for g in groups])
        self._upstream_return = np.full(len(groups), params.beliefs.prior_return_probability)
        self._upstream_job = np.full(len(groups), params.beliefs.prior_job_prospect)
        self._reference_value = self._value_of_uk(self._upstream_return, self._upstream_job)
        self._coast = np.empty(0, dtype=np.int64)
        self.population.add_column("on_coast", np.bool_, False)
        self._back_to_coast: list[np.ndarray] = []
        self._returnees: list[int] = []
        self._returned_by_group = np.zeros(len(groups))
        self._stay_reports: dict[int, np.ndarray] = {}
        self._job_reports: dict[int, np.ndarray] = {}
        self._danger = [0.0, 0.0]  # decaying (deaths, people launched)
        self._perceived = (np.empty(0), np.empty(0))
        self._perceived_rows = np.empty(0, dtype=np.int64)
        self._booked_at = -1.0
        self._booked: list[np.ndarray] = []
        self.migrants: list[Migrant] = []

        self.weather = Weather(self.env, params, self.calendar, streams.stream("weather"))
        self.gangs = [SmugglingGang(self, i, params) for i in range(params.gangs.gangs)]
        self.police = FrenchPolice(self, params, streams.stream("enforcement"))
        self.border_force = BorderForce(self, params, streams.stream("border_force"))
        self.legal_route = LegalRoute(self.env, self.population, params, streams.stream("legal_route"),
                                      self._admitted)
        self._gang_rng = streams.stream("gangs")
        self._sea_rng = streams.stream("sea")
        self._news_rng = streams.stream("news")
        self.upstream = UpstreamShocks(params.inflow, len(groups), streams.stream("upstream"))
        self.env.process(self._days())
        for gang in self.gangs:
            self.env.process(self._gang_nights(gang))
            self.env.process(self._gang_weeks(gang))

        self.record: dict[str, float] = {}
        # Mesa's DataCollector calls a partial with the model: each reads a column of the day's record.
        self.datacollector = mesa.DataCollector(
            model_reporters={c: partial(_recorded, column=c) for c in COLUMNS if c != "date"})
        if self.warmup_days > 0:
            self.env.run(until=self.warmup_days)

    # --- Mesa -------------------------------------------------------------------------
    def step(self) -> None:
        """Advance one day (SimPy runs to the next midnight), then record the day."""
        day = int(self.env.now)
        if self.calendar.date(day) > LAST_DATE:
            raise simpy.core.StopSimulation(f"the model runs to {LAST_DATE}")
        self.env.run(until=day + 1)
        self.record = self._end_of_day(day)
        self.datacollector.collect(self)

    @property
    def day(self) -> int:
        """Days since the origin (SimPy time, whole days)."""
        return int(self.env.now)

    @property
    def date(self) -> dt.date:
        return self.calendar.date(self.env.now)

    def quota_per_week(self) -> float:
        return float(self.policy.returns_per_week[self.day])

    # --- the day ----------------------------------------------------------------------
    def _days(self):
        while True:
            self._start_of_day(int(self.env.now))
            yield self.env.timeout(1.0)

    def _start_of_day(self, day: int) -> None:
        self.ledger.reset()
        self.legal_route.decay()
        self._refresh_coast()
        self._arrivals(day)
        self._hear_news(day)
        self._choose(day)

    def _refresh_coast(self) -> None:
        pop = self.population
        coast = self._coast
        here = pop.state[coast] == FRANCE
        pop.on_coast[coast[~here]] = False
        parts = [coast[here]]
        for rows in self._back_to_coast:
            rows = rows[(pop.state[rows] == FRANCE) & ~pop.on_coast[rows]]
            pop.on_coast[rows] = True
            parts.append(rows)
        self._back_to_coast = []
        self._coast = np.concatenate(parts) if len(parts) > 1 else parts[0]

    def _value_of_uk(self, p_return, p_job):
        c = self.params.choice
        return (1 - p_return) * (self._grant * c.value_asylum + p_job * c.value_work) - p_return * c.loss_if_returned

    def _arrivals(self, day: int) -> None:
        """Inflow: trend x season x (lagged) attractiveness of the UK x upstream shocks, by nationality."""
        inflow = self.params.inflow
        years = self.calendar.years_since(day, inflow.inflow_midpoint)
        trend = inflow.inflow_ceiling_per_day / (1.0 + np.exp(-inflow.inflow_growth_per_year * years))
        season = seasonal(self.calendar.day_of_year(day), inflow.season_peak_day_of_year, inflow.season_amplitude)
        value = self._value_of_uk(self._upstream_return, self._upstream_job)
        attract = np.clip(np.maximum(value, 1e-3) / self._reference_value, 0, 2.0) ** inflow.upstream_elasticity
        shocks = self.upstream.step()
        rng = self.streams.daily("inflow", day)
        counts = rng.poisson(trend * float(season) * self._group_shares * attract * shocks)
        k = int(counts.sum())
        if k == 0:
            return
        pop = self.population
        rows = pop.add(k)
        pop.nationality[rows] = np.repeat(np.arange(len(counts)), counts)
        draw_attributes(pop, rows, self.params, day, rng)
        mark_arrival(pop, rows, day, self.params, self._legal_priority)
        groups = pop.nationality[rows]
        self.beliefs.initialise(rows, self._upstream_return[groups], self._upstream_job[groups])
        pop.on_coast[rows] = True
        self._coast = np.concatenate([self._coast, rows])
        self.migrants.extend(Migrant(self, row) for row in rows.tolist())
        self.ledger.inflow += k

    def _hear_news(self, day: int) -> None:
        """Gather what reached the coast and let the belief rule update everyone waiting."""
        p = self.params.beliefs
        pop, coast = self.population, self._coast
        n_groups = len(self._group_shares)
        if len(coast) == 0:
            return
        groups = pop.nationality[coast]
        waiting = np.bincount(groups, minlength=n_groups)
        reach = p.report_reach / np.maximum(waiting, p.report_reach)  # weight each waiting person hears
        stayed = self._stay_reports.pop(day, np.zeros(n_groups))
        job_n = self._job_reports.pop(day, np.zeros(n_groups, dtype=np.int64))
        found = self._news_rng.binomial(job_n.astype(np.int64), self.policy.job_find_probability[day])
        news = News(
            returned_by_group=self._returned_by_group * reach,
            stayed_by_group=stayed * reach,
            job_found_by_group=found * reach,
            job_not_found_by_group=(job_n - found) * reach,
            promise_job=self.params.gangs.job_promise,
            promise_weight=p.gang_promise_credibility,
        )
        if self._returnees and p.returnee_contacts:
            camps = pop.camp[coast]
            met = []
            for row in self._returnees:
                in_camp = np.flatnonzero(camps == pop.camp[row])  # positions in coast
                if len(in_camp):
                    met.append(in_camp[self._news_rng.integers(0, len(in_camp), p.returnee_contacts)])
            if met:
                news.contacts = np.concatenate(met)
                news.contact_weight = p.returnee_salience
        for announcement in self.policy.announcements.get(day, ()):
            if announcement.return_probability is not None:
                news.announced_return = announcement.return_probability
            if announcement.job_prospect is not None:
                news.announced_job = announcement.job_prospect
            news.announcement_weight = p.announcement_credibility * p.announcement_strength
        self._returnees = []
        self._returned_by_group[:] = 0.0
        self._coast_rng = self.streams.daily("coast", day)  # beliefs, then the choice
        p_return, p_job = self.beliefs.update(coast, groups, pop.camp[coast], news, self._coast_rng)
        # upstream perception follows the coast's, with a lag
        here = waiting > 0
        mean_return = np.bincount(groups, weights=p_return, minlength=n_groups)[here] / waiting[here]
        mean_job = np.bincount(groups, weights=p_job, minlength=n_groups)[here] / waiting[here]
        follow = 1.0 - np.exp(-1.0 / self.params.inflow.upstream_lag_days)
        self._upstream_return[here] += follow * (mean_return - self._upstream_return[here])
        self._upstream_job[here] += follow * (mean_job - self._upstream_job[here])
        self._perceived = (p_return, p_job)
        self._perceived_rows = coast

    def _choose(self, day: int) -> None:
        pop, coast = self.population, self._coast
        if len(coast) == 0:
            return
        free_mask = pop.free_from_day[coast] <= day
        free = coast[free_mask]
        p_return, p_job = self._perceived
        prices = np.array([g.price_gbp for g in self.gangs])
        ctx = ChoiceContext(
            day=day,
            cheapest_price_gbp=float(prices.min()),
            perceived_death_rate=(self._danger[0] + 0.1) / (self._danger[1] + 1000.0),
            legal_admission_chance=self.legal_route.admission_chance(),
            grant_rate=self._grant,
            legal_priority=self._legal_priority,
        )
        rng = self._coast_rng
        choices = daily_choice(pop, free, p_return[free_mask], p_job[free_mask], ctx, self.params, rng)
        if len(choices.leave):
            pop.move(choices.leave, ELSEWHERE)
            self.ledger.left_elsewhere += len(choices.leave)
        if len(choices.apply):
            self.legal_route.apply(choices.apply, day)
            self.ledger.legal_applications += len(choices.apply)
        if len(choices.cross):
            self._book(choices.cross, prices, day, rng)

    def _book(self, rows: np.ndarray, prices: np.ndarray, day: int, rng: np.random.Generator) -> None:
        """Buyers pick a gang (a logit on price among gangs with crews) and pay."""
        pop = self.population
        open_ = np.array([g.crews >= 1 for g in self.gangs])
        if not open_.any():
            return
        weights = np.where(open_, np.exp(-(prices - prices.min()) / 500.0), 0.0)
        cumulative = np.cumsum(weights / weights.sum())
        chosen = np.minimum(np.searchsorted(cumulative, rng.random(len(rows)), side="right"), len(prices) - 1)
        sold = np.bincount(chosen, minlength=len(prices))
        for gang, n in zip(self.gangs, sold.tolist()):
            if n:
                gang.sell(n)
        pop.budget_base_gbp[rows] -= prices[chosen]
        self.ledger.gang_revenue += float(sold @ prices)
        pop.booked_gang[rows] = chosen
        pop.free_from_day[rows] = NEVER
        pop.booked_day[rows] = day
        pop.paid_attempts_left[rows] = self.params.gangs.attempts_per_payment
        self.ledger.bookings += len(rows)

    # --- gangs --------------------------------------------------------------------------
    def booked_with(self, gang: SmugglingGang) -> np.ndarray:
        """People on the coast booked with ``gang``, first booked first.

        All gangs act at the same instants (the weather window, the weekly
        review), and nothing changes who is booked within an instant, so one
        pass over the coast serves every gang.
        """
        if self._booked_at != self.env.now:
            pop, coast = self.population, self._coast
            rows = coast[(pop.booked_gang[coast] != NO_GANG) & (pop.state[coast] == FRANCE)]
            rows = rows[np.lexsort((pop.booked_day[rows], pop.booked_gang[rows]))]  # stable: by gang, then day
            bounds = np.searchsorted(pop.booked_gang[rows], np.arange(len(self.gangs) + 1))
            self._booked = [rows[bounds[i]:bounds[i + 1]] for i in range(len(self.gangs))]
            self._booked_at = self.env.now
        return self._booked[gang.index]

    def _gang_nights(self, gang: SmugglingGang):
        while True:
            sea_state = yield self.weather.window
            boats = gang.plan_launches(self.booked_with(gang), sea_state, bool(self.policy.taxi_boats[self.day]),
                                       self._gang_rng)
            for boat in boats:
                self.env.process(self._crossing(boat))

    def _gang_weeks(self, gang: SmugglingGang):
        weekday = self.calendar.date(0).weekday()
        yield self.env.timeout((MONDAY - weekday) % 7 + WEEKLY_REVIEW)
        while True:
            backlog = len(self.booked_with(gang))
            mean_price = float(np.mean([g.price_gbp for g in self.gangs]))
            supply = self.params.gangs.boat_supply_per_week * self.policy.supply_factor[self.day] / len(self.gangs)
            gang.weekly_review(backlog, mean_price, supply, self._gang_rng)
            yield self.env.timeout(7.0)

    # --- at sea -------------------------------------------------------------------------
    def _crossing(self, boat: Boat):
        """SimPy process of one launch: patrol, crossing, rescue, landing."""
        env, pop, ledger, rng = self.env, self.population, self.ledger, self._sea_rng
        yield env.timeout(0.05 + 0.15 * rng.random())  # launches spread over the night
        rows = boat.rows
        ledger.launch_attempts += 1
        pop.attempted[rows] = True
        pop.legal_eligible[rows] = False
        pop.paid_attempts_left[rows] -= 1
        if self.police.patrol(boat):
            self._stopped(rows)
            return
        pop.move(rows, AT_SEA)
        self._danger[1] += len(rows)
        if self.police.intercept_in_water(boat, bool(self.policy.in_water[self.day])):
            ledger.in_water_interceptions += 1
            rows = self._incident(boat, rows, intercepted=True, waited_hours=0.0)
            pop.move(rows, FRANCE)
            self._stopped(rows)
            return
        hours = self.params.border_force.crossing_hours * (0.8 + 0.4 * rng.random())
        yield env.timeout(hours / 24.0)
        waited = yield env.process(self.border_force.rescue())
        rows = self._incident(boat, rows, intercepted=False, waited_hours=waited)
        if len(rows):
            self._land(rows)

    def _stopped(self, rows: np.ndarray) -> None:
        """People of a stopped launch go back to the camps; their paid seat lasts while attempts remain."""
        pop, ledger = self.population, self.ledger
        ledger.prevented_launches += 1
        ledger.prevented_people += len(rows)
        used_up = rows[pop.paid_attempts_left[rows] <= 0]
        pop.booked_gang[used_up] = NO_GANG
        pop.free_from_day[used_up] = 0
        self._back_to_coast.append(rows)

    def _incident(self, boat: Boat, rows: np.ndarray, intercepted: bool, waited_hours: float) -> np.ndarray:
        """Whether the boat has a deadly incident; returns the survivors."""
        fp = self.params.french_police
        chance = incident_probability(self.params.danger, len(rows), self.params.gangs.comfortable_load,
                                      boat.sea_state, boat.taxi, intercepted, fp.in_water_danger_factor,
                                      waited_hours)
        if self._sea_rng.random() >= chance:
            return rows
        k = int(self._sea_rng.binomial(len(rows), self.params.danger.fatality_share))
        if k == 0:
            return rows
        order = self._sea_rng.permutation(len(rows))
        dead, alive = rows[np.sort(order[:k])], rows[np.sort(order[k:])]
        self.population.move(dead, DEAD)
        self.ledger.deaths += k
        self._danger[0] += k
        return alive

    def _land(self, rows: np.ndarray) -> None:
        """Landing at Dover: arrivals, selection for return, reports back home later."""
        pop, ledger = self.population, self.ledger
        pop.move(rows, UK)
        ledger.arrivals += len(rows)
        ledger.arrivals_own_arrangement += int(self._own_arrangement[pop.nationality[rows]].sum())
        ledger.boats_arrived += 1
        selected, home = self.border_force.select(rows, self.quota_per_week(), self.date)
        for group, to_france in ((selected, True), (home, False)):
            if len(group):
                pop.move(group, DETAINED)
                for row in group.tolist():
                    self.env.process(self.border_force.detain(row, to_france))
        held = np.concatenate([selected, home])
        stayed = rows[~np.isin(rows, held)] if len(held) else rows
        if len(stayed):
            n_groups = len(self._group_shares)
            counts = np.bincount(pop.nationality[stayed], minlength=n_groups)
            b = self.params.beliefs
            for delay, store in ((b.report_delay_days, self._stay_reports), (b.job_report_delay_days, self._job_reports)):
                due = self.day + int(delay)
                store[due] = store.get(due, 0) + counts

    # --- after landing --------------------------------------------------------------------
    def return_to_france(self, rows: np.ndarray) -> None:
        """Removal under the pilot: back to the camps, barred from the legal route, telling others."""
        if len(rows) == 0:
            return
        pop = self.population
        pop.move(rows, FRANCE)
        pop.returned[rows] += 1
        pop.booked_gang[rows] = NO_GANG
        pop.free_from_day[rows] = 0
        mark_arrival(pop, rows, self.day, self.params, self._legal_priority)
        self._back_to_coast.append(rows)
        self._returnees.extend(rows.tolist())
        self._returned_by_group += np.bincount(pop.nationality[rows], minlength=len(self._group_shares))
        self.ledger.returns += len(rows)
        self.legal_route.open_places(len(rows))

    def return_home(self, row: int) -> None:
        """Removal under a nationality's own arrangement: gone from the Channel, and told at home."""
        pop = self.population
        pop.move(np.array([row]), ELSEWHERE)
        self._returned_by_group[pop.nationality[row]] += 1
        self.ledger.returns_home_country += 1

    def release_to_uk(self, row: int) -> None:
        """A successful challenge: the person stays in the UK."""
        self.population.move(np.array([row]), UK)

    def _admitted(self, row: int) -> None:
        self.ledger.legal_admissions += 1

    # --- recording ----------------------------------------------------------------------
    def _end_of_day(self, day: int) -> dict[str, float]:
        pop, ledger = self.population, self.ledger
        # beliefs move only with the morning's news: read them for those still in France
        here = pop.state[self._perceived_rows] == FRANCE
        p_return, p_job = self._perceived[0][here], self._perceived[1][here]
        if len(p_return) == 0:
            p_return = p_job = np.full(1, np.nan)
        rec: dict[str, float] = ledger.as_dict()
        rec["boats_seized"] = self.police.boats_seized
        self.police.boats_seized = 0
        rec["people_per_boat"] = ledger.arrivals / ledger.boats_arrived if ledger.boats_arrived else float("nan")
        rec.update(
            waiting=int(pop.counts[FRANCE]),
            legal_queue=self.legal_route.queue_length,
            detained=int(pop.counts[DETAINED]),
            perceived_return_probability=_mean(p_return),
            perceived_return_probability_sd=_sd(p_return),
            perceived_job_prospect=_mean(p_job),
            perceived_job_prospect_sd=_sd(p_job),
            seat_price=float(np.mean([g.price_gbp for g in self.gangs])),
            gang_boats=int(sum(g.boats for g in self.gangs)),
            sea_state=self.weather.sea_state,
            returns_quota=float(self.policy.returns_per_week[day]),
            crackdown=float(self.policy.crackdown[day]),
            created=int(pop.n),
        )
        rec.update({f"state_{k}": v for k, v in pop.state_counts().items()})
        decay = 0.5 ** (1 / 60)
        self._danger[0] *= decay
        self._danger[1] *= decay
        return rec


def _mean(x: np.ndarray) -> float:
    return float(np.add.reduce(x) / len(x))


def _sd(x: np.ndarray) -> float:
    mean = np.add.reduce(x) / len(x)
    return float(np.sqrt(np.add.reduce((x - mean) ** 2) / len(x)))


def _recorded(model: ChannelModel, column: str) -> float:
    """One column of the day's record (a module-level function, so reporters pickle)."""
    return model.record[column]
