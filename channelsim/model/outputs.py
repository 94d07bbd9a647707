"""What a run records each day: the columns of the daily series, with units, and the day's row.

Flows count what happened during the day; stocks are taken at the day's end.
The columns are the same in every run, whatever the scenario.
"""

from __future__ import annotations

import datetime as dt
from functools import partial

import mesa
import numpy as np
import pandas as pd

from channelsim.agents.coast import Coast
from channelsim.agents.french_police import FrenchPolice
from channelsim.agents.gang import SmugglingGang
from channelsim.core.population import DETAINED, FRANCE, STATES
from channelsim.core.world import NationalityLedger, World

# name: (unit, meaning)
COLUMNS: dict[str, tuple[str, str]] = {
    "date": ("date", "the day"),
    "inflow": ("people/day", "people arriving on the French coast"),
    "waiting": ("people", "people in France at the day's end (returned people included)"),
    "launch_attempts": ("boats/day", "boats that tried to launch (prevented or not)"),
    "prevented_launches": ("boats/day", "launches stopped on the beach or intercepted in the water"),
    "prevented_people": ("people/day", "people on the stopped launches (back to the camps)"),
    "in_water_interceptions": ("boats/day", "boats intercepted in French waters (included in prevented)"),
    "boats_seized": ("boats/day", "boats seized by the French police"),
    "arrivals": ("people/day", "people landed in the UK"),
    "arrivals_own_arrangement": ("people/day", "arrivals of nationalities with a returns arrangement of their own "
                                               "(Albania's from December 2022), before or after it starts"),
    "boats_arrived": ("boats/day", "boats landed in the UK"),
    "people_per_boat": ("people/boat", "arrivals / boats_arrived (empty on days with none)"),
    "deaths": ("people/day", "people who died at sea"),
    "returns": ("people/day", "people returned to France under the pilot"),
    "returns_home_country": ("people/day", "people returned to their own country under its own arrangement"),
    "legal_applications": ("people/day", "applications to the legal route"),
    "legal_admissions": ("people/day", "people admitted to the UK by the legal route"),
    "legal_queue": ("people", "applications waiting at the day's end"),
    "detained": ("people", "people in detention at the day's end"),
    "left_elsewhere": ("people/day", "people who left the coast for elsewhere in Europe"),
    "bookings": ("people/day", "people who paid a gang for a seat"),
    "perceived_return_probability": ("probability", "mean perceived return chance of people waiting"),
    "perceived_return_probability_sd": ("probability", "its standard deviation across people waiting"),
    "perceived_job_prospect": ("probability", "mean perceived chance of work in the UK of people waiting"),
    "perceived_job_prospect_sd": ("probability", "its standard deviation across people waiting"),
    "seat_price": ("GBP", "mean seat price across gangs"),
    "gang_revenue": ("GBP/day", "money paid to gangs"),
    "gang_boats": ("boats", "boats in the gangs' stock at the day's end"),
    "sea_state": ("0-1", "the night's sea state (0 calm, 1 storm)"),
    "returns_quota": ("people/week", "the returns quota in force"),
    "crackdown": ("0-1", "illegal-working enforcement intensity"),
    "created": ("people", "everyone created so far (the sum of the state_ columns)"),
    **{f"state_{s}": ("people", f"people whose state is '{s}' at the day's end") for s in STATES},
}
# the flows: counts a day, summed over a week or a window (the other columns, stocks and means, averaged)
FLOWS = frozenset(c for c, (unit, _) in COLUMNS.items() if unit.endswith("/day"))


def unit_by_period(column: str, weekly: bool) -> str:
    """An output's unit as stored by day or by week: a flow summed by week (``boats/week``), a stock or
    belief averaged over it (``people, weekly mean``)."""
    unit = COLUMNS[column][0] if column in COLUMNS else "value"
    if not weekly:
        return unit
    return unit.replace("/day", "/week") if column in FLOWS else f"{unit}, weekly mean"


class DayCollector(mesa.DataCollector):
    """Mesa's DataCollector of the day's record: one model reporter a column of ``COLUMNS``.

    Each reporter reads a column of ``model.record`` (a module-level partial, so
    it pickles), and `collect` appends the record's values directly:
    they are numbers, so Mesa's per-value deepcopy (a third of the recording's
    time) is not needed. Reporters a user adds (model or agent) are collected
    by Mesa as usual. The model table is indexed by the recorded days' dates.
    """

    def __init__(self, extra: tuple[str, ...] = ()):
        names = [c for c in COLUMNS if c != "date"] + list(extra)   # extra: the columns mechanisms add
        super().__init__(model_reporters={c: partial(recorded, column=c) for c in names})
        self._columns = [(c, self.model_vars[c]) for c in names]
        self._dates: list[dt.date] = []

    def collect(self, model) -> None:
        self._dates.append(model.calendar.date(model.day - 1))   # the day just run (the clock is at its end)
        # reporters are only ever added, so a count tells whether a user added one
        if len(self.model_reporters) != len(self._columns) or self.agent_reporters or self.agenttype_reporters:
            super().collect(model)   # a user added reporters: Mesa's own path
            return
        self._collection_steps.append(model.time)
        record = model.record
        for column, values in self._columns:
            values.append(record[column])

    @property
    def days(self) -> int:
        """Days recorded in full (another thread, the explorer's Play, may be recording one)."""
        return min(len(self._dates), *map(len, self.model_vars.values()))

    def get_model_vars_dataframe(self) -> pd.DataFrame:
        """Mesa's model table, one row a day recorded in full, indexed by its date (``date``, nanoseconds)."""
        days = self.days
        return pd.DataFrame({column: values[:days] for column, values in self.model_vars.items()},
                            index=pd.DatetimeIndex(self._dates[:days], name="date").as_unit("ns"))


def recorded(model, column: str) -> float:
    """One column of the day's record (a module-level function, so reporters pickle)."""
    return model.record[column]


def day_record(world: World, coast: Coast, gangs: list[SmugglingGang], police: FrenchPolice, sea_state: float,
               day: int) -> dict[str, float]:
    """The day's row: the ledger's flows, then stocks at the day's end."""
    pop, ledger = world.population, world.ledger
    # beliefs move only with the morning's news: read them for everyone in France at the day's end
    p_return, p_job = coast.beliefs_in_france()
    if len(p_return) == 0:
        p_return = p_job = np.full(1, np.nan)
    record: dict[str, float] = ledger.as_dict()
    record["boats_seized"] = police.seizures_today()
    record["people_per_boat"] = ledger.arrivals / ledger.boats_arrived if ledger.boats_arrived else float("nan")
    record.update(
        waiting=int(pop.counts[FRANCE]),
        legal_queue=world.legal_route.queue_length,
        detained=int(pop.counts[DETAINED]),
        perceived_return_probability=_mean(p_return),
        perceived_return_probability_sd=_sd(p_return),
        perceived_job_prospect=_mean(p_job),
        perceived_job_prospect_sd=_sd(p_job),
        seat_price=_mean(np.array([g.price_gbp for g in gangs])),
        gang_boats=int(sum(g.boats for g in gangs)),
        sea_state=sea_state,
        returns_quota=float(world.policy.returns_per_week[day]),
        crackdown=float(world.policy.crackdown[day]),
        created=int(pop.n),
    )
    record.update({f"state_{k}": v for k, v in pop.state_counts().items()})
    return record


def nationality_frame(days: list[np.ndarray], start, groups: list[str]) -> pd.DataFrame:
    """Long table of the flows by nationality: one row a day and group."""
    flows = NationalityLedger.FLOWS
    n_days, n_groups = len(days), len(groups)
    counts = np.stack(days) if days else np.zeros((0, len(flows), n_groups), dtype=np.int64)
    frame = pd.DataFrame({
        "date": np.repeat(pd.date_range(start, periods=n_days, freq="D").as_unit("ns"), n_groups),
        "nationality": pd.Categorical(np.tile(groups, n_days), categories=groups),
    })
    for i, flow in enumerate(flows):
        frame[flow] = counts[:, i, :].reshape(-1)
    return frame


def _mean(x: np.ndarray) -> float:
    return float(np.add.reduce(x) / len(x))


def _sd(x: np.ndarray) -> float:
    mean = np.add.reduce(x) / len(x)
    return float(np.sqrt(np.add.reduce((x - mean) ** 2) / len(x)))
