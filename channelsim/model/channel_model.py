"""ChannelModel: builds the world, schedules the actors on the SimPy clock, records each day.

One ``simpy.Environment`` carries model time, in days from the origin (the
start date less the warm-up). ``model.step()`` advances exactly one day and
then collects the day's row, so Mesa's tools (``run_for``, ``batch_run``,
``DataCollector``) work unchanged. The mechanisms live with their actors; this
class only wires them. A day, in SimPy time:

- 00:00  people arrive on the coast, the day's news moves beliefs, and everyone
  free to choose makes the daily choice ([`agents.coast.Coast`][channelsim.agents.coast.Coast]);
- 12:00  on Mondays gangs review prices and order boats
  ([`agents.gang.SmugglingGang`][channelsim.agents.gang.SmugglingGang]); on the removal weekday detainees are
  removed to France, up to the week's quota
  ([`agents.border_force.BorderForce`][channelsim.agents.border_force.BorderForce]);
- 18:00  the night's sea state is drawn; if launchable, the shared weather
  window fires and each gang plans its launches ([`model.weather`][channelsim.model.weather]);
- night  each boat is a SimPy process ([`model.sea.Sea.crossing`][channelsim.model.sea.Sea.crossing]): patrol,
  crossing, Border Force vessel, landing next morning, selection for return.

Migrants enter SimPy only while they are doing something: aboard a boat or in
detention.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import mesa
import numpy as np
import pandas as pd
import simpy

from channelsim.agents.beliefs import make_rule
from channelsim.agents.border_force import BorderForce
from channelsim.agents.coast import Coast
from channelsim.agents.french_police import FrenchPolice
from channelsim.agents.gang import MONDAY, SmugglingGang
from channelsim.agents.kernels import backend as kernel_backend
from channelsim.agents.migrant import Migrant
from channelsim.core.calendar import Calendar, parse_date
from channelsim.core.errors import ChannelsimError
from channelsim.core.params import LAST_DATE, Params
from channelsim.core.population import FRANCE, Population
from channelsim.core.random import RandomStreams, SeedLike, seed_or_rng
from channelsim.core.scenarios import apply_overrides, load
from channelsim.core.world import Ledger, NationalityLedger, Reports, SeaDanger, World
from channelsim.model.legal_route import LegalRoute
from channelsim.model.mechanism import Mechanism, record_mechanisms, start_mechanisms
from channelsim.model.nationality_mix import inflow_mix
from channelsim.model.outputs import DayCollector, day_record, nationality_frame
from channelsim.model.policy import PolicySchedule
from channelsim.model.sea import Sea
from channelsim.model.upstream import UpstreamShocks
from channelsim.model.weather import Weather

DEFAULT_START = dt.date(2025, 1, 1)
DEFAULT_WARMUP_DAYS = 180
WEEKLY_REVIEW = 0.5  # gangs review prices and order boats at midday
INITIAL_CAPACITY = 65536  # rows of the people table before it first grows


class ChannelModel(mesa.Model):
    """The Channel small-boat model.

    Args:
        params: a [`Params`][channelsim.core.params.Params], a shipped scenario name, or a
            path to a scenario TOML file (default: ``pilot_2025``).
        rng: the seed (an int or a ``numpy.random.SeedSequence``); every draw
            of the run derives from it. ``None`` draws one (kept in ``model.seed``).
        start: first recorded date (from 2018-01-01).
        warmup_days: days simulated before ``start`` and not recorded, so that
            the coast, the gangs and beliefs are populated at ``start``.
        data_dir: folder of the observed data (for the published quota).
        scenario: ignored; Mesa's visualisation passes its own scenario object
            when it re-creates a model. channelsim's scenarios are ``params``.
        register_migrants: register every person as a [`Migrant`][channelsim.agents.migrant.Migrant]
            in ``model.agents`` as they arrive (slower; the outputs are the same).
            By default a person becomes a Mesa agent only when asked for
            ([`migrant`][channelsim.model.channel_model.ChannelModel.migrant],
            [`migrants_waiting`][channelsim.model.channel_model.ChannelModel.migrants_waiting]).
        kernels: ``"numba"`` (compiled, the default where numba is installed) or
            ``"numpy"`` (the reference) for the per-person morning; see [`agents.kernels`][channelsim.agents.kernels].
        mechanisms: [`Mechanism`][channelsim.model.mechanism.Mechanism]s of your own, started on the SimPy
            clock after the shipped actors, each with its own random stream and record columns.
        returns_schedule: the returns quota as a function of the date, or a pandas Series of returns a week
            indexed by date, in place of the scenario's
            ([`use_returns_schedule`][channelsim.model.policy.PolicySchedule.use_returns_schedule]). A run
            with one is reproducible from its seed, but not from its saved ``params.toml`` alone.
        **overrides: parameters by their unique names, e.g. ``returns_per_week=100``; and ``seed=``, the
            same as ``rng`` (as `run` names it; give one of the two).
    """

    def __init__(self, params: Params | str | Path | None = None, *, rng: SeedLike = None,
                 start: str | dt.date | None = None, warmup_days: int = DEFAULT_WARMUP_DAYS,
                 data_dir: str | Path | None = None, scenario: object = None, register_migrants: bool = False,
                 kernels: str | None = None, returns_schedule: object = None,
                 mechanisms: list[Mechanism] | tuple[Mechanism, ...] = (), **overrides: object):
        # seed= arrives among the keywords: named in the signature, Mesa's batch_run would pass its
        # seeds as seed= and label its results "seed" instead of "rng"
        rng = seed_or_rng(overrides.pop("seed", None), rng)
        params = inflow_mix(apply_overrides(load(params), overrides), data_dir)  # the published mix by year
        if isinstance(warmup_days, bool) or not isinstance(warmup_days, int) or not 0 <= warmup_days <= 3650:
            raise ChannelsimError(f"warmup_days must be a whole number from 0 to 3650, not {warmup_days!r}.")
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
        if returns_schedule is not None:
            self.policy.use_returns_schedule(returns_schedule)

        # the world every actor acts on
        self.population = Population(capacity=INITIAL_CAPACITY)
        self.beliefs = make_rule(params.beliefs, self.population)
        n_groups = len(params.nationalities)
        self.world = World(self.env, self.calendar, params, self.population, Ledger(),
                           Reports(n_groups, params.beliefs), SeaDanger(params.danger), NationalityLedger(n_groups),
                           self.policy)
        self.kernels = kernel_backend(kernels)
        self.coast = Coast(self.world, self.beliefs, streams, self.kernels)
        self.register_migrants = bool(register_migrants)
        self._views: dict[int, Migrant] = {}

        # the actors (the order of their SimPy processes is part of a run's identity)
        self.weather = Weather(self.env, params, self.calendar, streams.stream("weather"))
        self.gangs = [SmugglingGang(self, i, params) for i in range(params.gangs.gangs)]
        self.police = FrenchPolice(self, params, streams.stream("enforcement"))
        self.border_force = BorderForce(self, self.world, self.coast, streams.stream("border_force"))
        self.world.legal_route = self.legal_route = LegalRoute(
            self.env, self.population, params, streams.stream("legal_route"), self.world.ledger)
        self.sea = Sea(self.world, self.police, self.border_force, streams.stream("sea"), self.kernels)
        self._gang_rng = streams.stream("gangs")
        self.upstream = UpstreamShocks(params.inflow, len(params.nationalities), streams.stream("upstream"))
        self.env.process(self._days())
        for gang in self.gangs:
            self.env.process(self._gang_nights(gang))
            self.env.process(self._gang_weeks(gang))
        self.mechanisms = start_mechanisms(self, mechanisms)

        self.record: dict[str, float] = {}
        self._by_nationality: list[np.ndarray] = []   # each recorded day's NationalityLedger counts
        # Mesa's DataCollector of the day's record, one reporter a column
        self.datacollector = DayCollector(tuple(c for m in self.mechanisms for c in m.columns))
        if self.warmup_days > 0:
            self.env.run(until=self.warmup_days)

    # --- Mesa -------------------------------------------------------------------------
    def step(self) -> None:
        """Advance one day (SimPy runs to the next midnight), then record the day."""
        day = int(self.env.now)
        if self.calendar.date(day) > LAST_DATE:
            raise simpy.core.StopSimulation(f"the model runs to {LAST_DATE}")
        self.env.run(until=day + 1)
        self.record = day_record(self.world, self.coast, self.gangs, self.police, self.weather.sea_state, day)
        record_mechanisms(self, self.mechanisms)
        self.world.danger.forget_a_day()
        self._by_nationality.append(self.world.by_nationality.counts.copy())
        self.datacollector.collect(self)

    def nationality_series(self) -> pd.DataFrame:
        """Recorded days' flows by nationality group: one row a day and group (date, nationality, flows).

        Summed over the groups, each flow equals the daily series' column of the same name.
        """
        return nationality_frame(self._by_nationality, self.start, [g.name for g in self.params.nationalities])

    def arrivals_by_group(self) -> dict[str, np.ndarray]:
        """Each nationality group's arrivals on the recorded days (one value a day, as ``nationality_series``)."""
        row = NationalityLedger.FLOWS.index("arrivals")
        counts = (np.array([c[row] for c in self._by_nationality]) if self._by_nationality
                  else np.zeros((0, len(self.params.nationalities)), dtype=np.int64))
        return {g.name: counts[:, i] for i, g in enumerate(self.params.nationalities)}

    @property
    def day(self) -> int:
        """Days since the origin (SimPy time, whole days)."""
        return int(self.env.now)

    @property
    def date(self) -> dt.date:
        return self.calendar.date(self.env.now)

    def migrant(self, row: int) -> Migrant:
        """The person in ``row`` as a Mesa agent (registered in ``model.agents`` from then on)."""
        row = int(row)
        if not 0 <= row < self.population.n:
            raise IndexError(f"no person in row {row}: {self.population.n} people so far")
        view = self._views.get(row)
        if view is None:
            view = self._views[row] = Migrant(self, row)
        return view

    def migrants_waiting(self) -> list[Migrant]:
        """Everyone waiting on the coast today, as Mesa agents."""
        return [self.migrant(row) for row in self.coast.rows[self.population.state[self.coast.rows] == FRANCE]]

    # --- the schedule -----------------------------------------------------------------
    def _days(self):
        """Each midnight: the ledger opens, then arrivals, news and the daily choice."""
        coast = self.coast
        while True:
            day = int(self.env.now)
            self.world.open_the_day()
            self.legal_route.decay()
            coast.refresh()
            rows = coast.arrive(day, self.upstream.step())
            if self.register_migrants:
                for row in rows.tolist():
                    self.migrant(row)
            coast.morning(day, self.gangs)
            yield self.env.timeout(1.0)

    def _gang_nights(self, gang: SmugglingGang):
        """Each launchable night: the gang plans its launches, and each boat sets out."""
        while True:
            sea_state = yield self.weather.window
            booked = self.coast.booked_with(gang.index, len(self.gangs))
            boats = gang.plan_launches(booked, sea_state, bool(self.policy.taxi_boats[self.day]), self._gang_rng)
            for boat in boats:
                self.env.process(self.sea.crossing(boat))

    def _gang_weeks(self, gang: SmugglingGang):
        """Each Monday at noon: the gang reviews its price, orders boats and rebuilds crews."""
        weekday = self.calendar.date(0).weekday()
        yield self.env.timeout((MONDAY - weekday) % 7 + WEEKLY_REVIEW)
        while True:
            backlog = len(self.coast.booked_with(gang.index, len(self.gangs)))
            mean_price = float(np.mean([g.price_gbp for g in self.gangs]))
            supply = self.params.gangs.boat_supply_per_week * self.policy.supply_factor[self.day] / len(self.gangs)
            gang.weekly_review(backlog, mean_price, supply, self._gang_rng)
            yield self.env.timeout(7.0)

