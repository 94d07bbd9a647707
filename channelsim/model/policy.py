"""Policy as scheduled inputs: the returns quota, the crackdown, supply disruption.

Each schedule is computed once for every day of the run, so the model reads a
number per day. Announcements are events on given dates that nudge beliefs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from channelsim.core.calendar import Calendar
from channelsim.core.data import data_dir, data_file, read_one_in_one_out
from channelsim.core.errors import ChannelsimError
from channelsim.core.params import Params


@dataclass(frozen=True)
class Announcement:
    """An official statement: the return chance or job prospect it conveys."""

    day: int
    return_probability: float | None
    job_prospect: float | None
    what: str


class PolicySchedule:
    """Daily values of the scheduled policy inputs over the run."""

    def __init__(self, params: Params, calendar: Calendar, n_days: int, data_path: str | Path | None = None):
        self.calendar = calendar
        days = np.arange(n_days + 1)
        dates = np.datetime64(calendar.origin, "D") + days

        def since(date: dt.date) -> np.ndarray:
            return dates >= np.datetime64(date, "D")

        p = params.policy
        self.returns_per_week = self._quota(p, calendar, days, dates, data_path)
        self.crackdown = np.where(since(p.crackdown_start), p.crackdown_intensity, p.crackdown_baseline)
        self.crackdown = np.where(since(p.crackdown_escalation_from),
                                  np.maximum(self.crackdown, p.crackdown_escalation_intensity), self.crackdown)
        self.job_find_probability = p.job_find_probability * (1.0 - p.crackdown_job_effect * self.crackdown)
        self.supply_factor = np.where(since(p.boat_supply_disruption_from), 1.0 - p.boat_supply_disruption, 1.0)
        fp = params.french_police
        self.in_water = since(fp.in_water_from) & fp.in_water_interception
        self.taxi_boats = since(params.gangs.taxi_boats_from)
        self.announcements: dict[int, list[Announcement]] = {}
        # a pilot is announced whatever its quota (a quota of 0 is the announcement alone)
        if p.quota_schedule != "none":
            self._announce(calendar.day(p.announcement_date), p.announced_return_probability, None,
                           "returns pilot announced")
        steps = [(p.crackdown_start, p.crackdown_intensity > p.crackdown_baseline),
                 (p.crackdown_escalation_from, p.crackdown_escalation_intensity > p.crackdown_intensity)]
        for date, stepped_up in steps:
            if stepped_up:
                day = calendar.day(date)
                self._announce(day, None, float(self.job_find_probability[min(max(day, 0), n_days)]),
                               "crackdown on illegal working")

    def use_returns_schedule(self, schedule) -> None:
        """Replace the scenario's returns quota with ``schedule`` (an extension point): a function of the
        date giving the returns a week in force that day, or a pandas Series of returns a week indexed by
        date, each value holding from its date until the next (0 before the first). The scenario's
        ``quota_schedule`` still decides whether the pilot is announced."""
        import pandas as pd

        dates = pd.date_range(self.calendar.origin, periods=len(self.returns_per_week), freq="D")
        if isinstance(schedule, pd.Series):
            try:
                index = pd.DatetimeIndex(pd.to_datetime(schedule.index))
            except (ValueError, TypeError) as exc:
                raise ChannelsimError(f"a returns schedule Series needs dates as its index ({exc}).") from None
            series = pd.Series(pd.to_numeric(schedule.to_numpy(), errors="coerce"), index=index).sort_index()
            if index.has_duplicates:
                raise ChannelsimError("a returns schedule Series has a date twice in its index.")
            # each value holds from its date (a missing value stays missing, and is refused below)
            quota = series.reindex(dates, method="ffill").to_numpy(float, copy=True)
            quota[dates < series.index.min()] = 0.0
        elif callable(schedule):
            try:
                quota = np.array([float(schedule(d.date())) for d in dates])
            except (TypeError, ValueError) as exc:
                raise ChannelsimError(f"the returns schedule function must take a date and give a number "
                                      f"({type(exc).__name__}: {exc}).") from None
        else:
            raise ChannelsimError(f"a returns schedule is a function of the date or a pandas Series of weekly "
                                  f"returns indexed by date, not {type(schedule).__name__}.")
        if not np.all(np.isfinite(quota)) or (quota < 0).any():
            raise ChannelsimError("a returns schedule must give finite returns a week of at least 0 on every day.")
        self.returns_per_week = quota

    def _announce(self, day: int, ret: float | None, job: float | None, what: str) -> None:
        self.announcements.setdefault(day, []).append(Announcement(day, ret, job, what))

    @staticmethod
    def _quota(p, calendar: Calendar, days: np.ndarray, dates: np.ndarray, data_path) -> np.ndarray:
        start = calendar.day(p.returns_start)
        quota = np.zeros(len(days))
        active = days >= start
        if p.quota_schedule == "weekly":
            quota[active] = p.returns_per_week
        elif p.quota_schedule == "ramp":
            weeks_ramping = np.maximum(0.0, (days - start - p.proof_of_concept_days) // 7 + 1)
            ramp = np.minimum(p.returns_per_week + p.ramp_per_week * weeks_ramping,
                              max(p.ramp_max_per_week, p.returns_per_week))
            quota[active] = ramp[active]
        elif p.quota_schedule == "published":
            # each month's published returns, spread evenly over its weeks; after the last
            # published month its rate holds; before the first, no returns
            monthly = read_one_in_one_out(data_file(data_dir(data_path), p.published_schedule_file,
                                                    "[policy] published_schedule_file"))
            months = monthly["month"].dt.to_timestamp().to_numpy().astype("datetime64[M]")
            weekly = monthly["returned_to_france"].to_numpy() * 7.0 / monthly["month"].dt.days_in_month.to_numpy()
            day_months = dates.astype("datetime64[M]")
            index = np.searchsorted(months, day_months, side="right") - 1
            known = index >= 0
            quota[known] = weekly[index[known]]
        return quota
