"""Calibration targets: summary statistics of a small-boat series, observed or simulated.

[`targets`][channelsim.experiments.inference.targets.targets] computes the same statistics from any series in the Home
Office
layout (``core.data.read_small_boats``), and [`layout_of`][channelsim.experiments.inference.targets.layout_of] puts a
model
run's series into that layout, so that model and data are summarised by one
function. [`statistics`][channelsim.experiments.inference.targets.statistics] is the vector of them the calibration
compares;
[`read_observed`][channelsim.experiments.inference.targets.read_observed] reads the observed series (with their files'
hashes),
and [`monthly_by_run`][channelsim.experiments.inference.targets.monthly_by_run] /
[`weekly_by_run`][channelsim.experiments.inference.targets.weekly_by_run] sum an ensemble's series.
`PUBLIC_FIGURES` holds the figures from other public sources
(``shared/data/README.md``) that inform mechanisms.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from channelsim.core.data import OBSERVED_FILES, read_small_boats
from channelsim.core.data import data_dir as find_data_dir
from channelsim.core.nationality_data import read_nationality_arrivals
from channelsim.experiments.inference.settings import CalibrationError

NATIONALITY_FILE = "nationality_arrivals.csv"

# Figures from other public sources, with their sources (shared/data/README.md).
PUBLIC_FIGURES = {
    "prevented_share_2022": (0.42, "UK-France leaders' declaration, March 2023: 33,788 prevented"),
    "deaths_by_year": ({2021: 32, 2022: 5, 2023: 12, 2024: 73}, "data README (2024: 69 to 78 by source)"),
    "price_gbp_2022": (4000.0, "data README: average about GBP 4,000 in 2022"),
    "price_gbp_2023": ((1500.0, 3500.0), "data README: GBP 1,500-3,500 in 2023"),
    "albanian_arrivals": ({2022: 12658, 2023: 924},
                          "data README: after the UK-Albania returns arrangement of December 2022"),
}


@dataclass
class Targets:
    """Summary statistics of one series."""

    monthly_arrivals: pd.Series           # people per calendar month
    arrivals_by_year: pd.Series
    boats_by_year: pd.Series
    people_per_boat_by_year: pd.Series
    share_of_days_with_arrivals: pd.Series  # by year
    seasonal_profile: pd.Series           # share of a year's arrivals in each calendar month (1-12), averaged
    prevented_share_by_year: pd.Series    # prevented / (prevented + arrived), where prevention is recorded

    def table(self) -> pd.DataFrame:
        """One tidy table: statistic, period, value."""
        rows = []
        for name, series in vars(self).items():
            for period, value in series.items():
                rows.append({"statistic": name, "period": str(period), "value": float(value)})
        return pd.DataFrame(rows)


def targets(daily: pd.DataFrame, weekly: pd.DataFrame | None = None) -> Targets:
    """The statistics of a daily series (and the weekly one, for the prevented share)."""
    d = daily.set_index("date")
    d.index = pd.DatetimeIndex(d.index)
    by_year = d.groupby(d.index.year)
    arrivals = by_year["migrants_arrived"].sum()
    boats = by_year["boats_arrived"].sum()
    monthly = d["migrants_arrived"].resample("MS").sum()
    monthly.index = monthly.index.to_period("M")
    full_years = [y for y, n in by_year.size().items() if n >= 365]
    shares = []
    for year in full_years:
        m = monthly[monthly.index.year == year]
        if m.sum() > 0:
            shares.append((m / m.sum()).set_axis(m.index.month))
    profile = pd.concat(shares, axis=1).mean(axis=1) if shares else pd.Series(dtype=float)
    prevented = pd.Series(dtype=float)
    if weekly is not None and "migrants_prevented" in weekly:
        w = weekly.dropna(subset=["migrants_prevented"]).set_index("week_ending")
        w.index = pd.DatetimeIndex(w.index)
        g = w.groupby(w.index.year)
        prevented = g["migrants_prevented"].sum() / (g["migrants_prevented"].sum() + g["migrants_arrived"].sum())
    return Targets(
        monthly_arrivals=monthly,
        arrivals_by_year=arrivals,
        boats_by_year=boats,
        people_per_boat_by_year=(arrivals / boats.where(boats > 0)).dropna(),
        share_of_days_with_arrivals=by_year["migrants_arrived"].apply(lambda x: float((x > 0).mean())),
        seasonal_profile=profile,
        prevented_share_by_year=prevented,
    )


def observed(data_dir: str | Path | None = None) -> Targets:
    """The targets of the Home Office series in the data folder."""
    series = read_observed(data_dir)
    return targets(series.daily, series.weekly)


@dataclass(frozen=True)
class Observed:
    """The observed daily and weekly series, and the hashes of the files they were read from."""

    daily: pd.DataFrame
    weekly: pd.DataFrame
    files: dict[str, str]          # file name -> sha256

    def prevented_weeks(self, start: dt.date, end: dt.date) -> pd.DatetimeIndex:
        """The weeks with a recorded prevented count, whole weeks inside the window only."""
        w = self.weekly.dropna(subset=["migrants_prevented"])
        weeks = pd.DatetimeIndex(w["week_ending"])
        return weeks[(weeks - pd.Timedelta(days=6) >= pd.Timestamp(start)) & (weeks <= pd.Timestamp(end))]

    def statistics(self, start: dt.date, end: dt.date) -> dict[str, np.ndarray]:
        return statistics(self.daily, self.weekly, start, end, self.prevented_weeks(start, end))

    def require_days(self, start: dt.date, end: dt.date, why: str) -> None:
        """Refuse a window the daily series does not hold whole: a day it lacks would be scored as a day
        without arrivals, and a month it holds in part as a whole month (the reader refuses gaps inside the
        series, so only its ends need checking). ``why`` ends the message (what to do instead)."""
        first, last = (d.date() for d in pd.DatetimeIndex(self.daily["date"])[[0, -1]])
        if first > start or last < end:
            raise CalibrationError(f"the observed daily series holds {first} to {last}, not the whole window "
                                   f"{start} to {end}: days without data cannot be scored (they are not days "
                                   f"without arrivals). {why}")

    def monthly_arrivals(self, start: dt.date, end: dt.date) -> pd.Series:
        """The arrivals of each month from ``start`` to ``end`` (months without any: 0)."""
        d = self.daily
        d = d[(d["date"] >= pd.Timestamp(start)) & (d["date"] <= pd.Timestamp(end))]
        m = d.set_index("date")["migrants_arrived"].resample("MS").sum()
        m.index = m.index.to_period("M")
        return m.reindex(pd.period_range(start, end, freq="M"), fill_value=0.0).astype(float)


def read_observed(data_dir: str | Path | None = None) -> Observed:
    """The Home Office series in the data folder (``core.data.data_dir``)."""
    folder = find_data_dir(data_dir)
    paths = {kind: folder / name for kind, name in OBSERVED_FILES.items()}
    daily, weekly = read_small_boats(paths["daily"], "daily"), read_small_boats(paths["weekly"], "weekly")
    files = {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in paths.values()}
    return Observed(daily, weekly, files)


def statistics(daily: pd.DataFrame, weekly: pd.DataFrame | None, start: dt.date, end: dt.date,
               prevented_weeks: pd.DatetimeIndex | None = None) -> dict[str, np.ndarray]:
    """The summary statistics the calibration compares, of a series (Home Office layout) over the window:
    log monthly arrivals, log people per boat and the share of days with arrivals by year, and the
    prevented share over ``prevented_weeks``."""
    d = daily[(daily["date"] >= pd.Timestamp(start)) & (daily["date"] <= pd.Timestamp(end))]
    t = targets(d)
    months = pd.period_range(start, end, freq="M")
    monthly = t.monthly_arrivals.reindex(months, fill_value=0).to_numpy(float)
    stats = {
        "monthly": np.log1p(monthly),
        "people_per_boat": np.log(t.people_per_boat_by_year.reindex(range(start.year, end.year + 1))
                                  .fillna(1.0).clip(lower=1.0).to_numpy(float)),
        "days_with_arrivals": t.share_of_days_with_arrivals.reindex(range(start.year, end.year + 1))
        .fillna(0.0).to_numpy(float),
    }
    if weekly is not None and prevented_weeks is not None and len(prevented_weeks):
        w = weekly.set_index(pd.DatetimeIndex(weekly["week_ending"])).reindex(prevented_weeks)
        prevented, arrived = w["migrants_prevented"].sum(), w["migrants_arrived"].sum()
        stats["prevented_share"] = np.array([prevented / (prevented + arrived) if prevented + arrived else 0.0])
    return stats


@dataclass(frozen=True)
class NationalityTargets:
    """The published shares of arrivals by nationality that the model's groups can be compared with.

    One entry a row of ``nationality_arrivals.csv`` whose nationality is a model group and whose
    period lies inside the window: the period, the group, the published share of arrivals of known
    nationality, and the weight of the row in the distance, the observed arrivals of its period
    (a share of a busy year says more than one of a quiet quarter).
    """

    periods: tuple[tuple[str, str], ...]
    groups: tuple[str, ...]
    shares: tuple[float, ...]
    weights: tuple[float, ...]
    file_hash: str

    def __len__(self) -> int:
        return len(self.groups)


def comparable_rows(table: pd.DataFrame, groups: list[str], start: dt.date, end: dt.date) -> pd.DataFrame:
    """The published rows (``read_nationality_arrivals``) a model can be compared with: those whose
    nationality is one of its ``groups`` and whose period lies inside ``start`` to ``end``."""
    return table[table["nationality"].isin(groups) & (table["period_start"] >= pd.Timestamp(start))
                 & (table["period_end"] <= pd.Timestamp(end))]


def nationality_targets(observed: Observed, groups: list[str], start: dt.date, end: dt.date,
                        data_dir: str | Path | None = None) -> NationalityTargets:
    """The rows of the published file the model can be compared with over the window."""
    path = find_data_dir(data_dir) / NATIONALITY_FILE
    table = read_nationality_arrivals(path)
    table = comparable_rows(table, groups, start, end)
    table = table[table["share_of_known"].notna()]   # the distance compares shares
    daily = observed.daily.set_index("date")["migrants_arrived"]
    weights = [float(daily[row.period_start:row.period_end].sum()) for row in table.itertuples()]
    return NationalityTargets(
        periods=tuple((r.period_start.date().isoformat(), r.period_end.date().isoformat()) for r in table.itertuples()),
        groups=tuple(table["nationality"]), shares=tuple(float(s) for s in table["share_of_known"]),
        weights=tuple(weights), file_hash=hashlib.sha256(path.read_bytes()).hexdigest())


def group_shares(by_group: dict[str, np.ndarray], start: dt.date, targets: NationalityTargets,
                 days: int | None = None) -> np.ndarray:
    """A run's share of arrivals of each target's group over each target's period, from each group's daily
    arrivals from ``start`` (``ChannelModel.arrivals_by_group``); a period that has not ended within the
    first ``days`` days (if given) is NaN. A period part outside the arrays counts the days they hold."""
    origin = pd.Timestamp(start)
    out = np.full(len(targets), np.nan)
    for i, ((first, last), group) in enumerate(zip(targets.periods, targets.groups, strict=True)):
        end = (pd.Timestamp(last) - origin).days
        if days is not None and end >= days:
            continue
        rows = slice(max((pd.Timestamp(first) - origin).days, 0), max(end + 1, 0))
        everyone = sum(float(v[rows].sum()) for v in by_group.values())
        mine = float(by_group[group][rows].sum()) if group in by_group else 0.0
        out[i] = mine / everyone if everyone else 0.0
    return out


def nationality_shares(flows: pd.DataFrame, targets: NationalityTargets) -> np.ndarray:
    """A run's share of arrivals of each target's group over each target's period
    (``flows``: the run's flows by nationality, as ``ChannelModel.nationality_series``): the table's
    form of [`group_shares`][channelsim.experiments.inference.targets.group_shares]."""
    if flows.empty:
        return np.zeros(len(targets))
    wide = flows.pivot_table(index=pd.DatetimeIndex(flows["date"]), columns="nationality", values="arrivals",
                             aggfunc="sum")
    wide = wide.reindex(pd.date_range(wide.index.min(), wide.index.max(), freq="D"), fill_value=0).fillna(0)
    return group_shares({g: wide[g].to_numpy(float) for g in wide.columns}, wide.index[0].date(), targets)


def last_whole_month(day: dt.date) -> pd.Period:
    """The last calendar month that data to ``day`` hold whole: ``day``'s own if it ends it, else the one before."""
    return pd.Period(day, "M") - (0 if (day + dt.timedelta(days=1)).day == 1 else 1)


def monthly_by_run(series: pd.DataFrame, column: str = "arrivals") -> pd.DataFrame:
    """Runs' daily series summed by month: one column a run, indexed by period."""
    s = series.assign(month=pd.DatetimeIndex(series["date"]).to_period("M"))
    return s.pivot_table(index="month", columns="run_id", values=column, aggfunc="sum")


def weekly_by_run(series: pd.DataFrame, column: str = "arrivals") -> pd.DataFrame:
    """Runs' daily series summed by week ending Sunday: one column a run."""
    s = series.set_index(pd.DatetimeIndex(series["date"]))
    return s.groupby("run_id")[column].resample("W-SUN").sum().unstack(0)


def layout_of(series: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A model run's daily series as (daily, weekly) in the Home Office layout."""
    daily = pd.DataFrame({
        "date": pd.to_datetime(series["date"]),
        "migrants_arrived": series["arrivals"].astype(float),
        "boats_arrived": series["boats_arrived"].astype(float),
        "boats_uncontrolled_landings": np.nan,
    })
    weekly = (series.set_index(pd.to_datetime(series["date"]))
              [["arrivals", "boats_arrived", "prevented_people", "prevented_launches"]]
              .resample("W-SUN").sum())
    weekly = pd.DataFrame({
        "week_ending": weekly.index, "migrants_arrived": weekly["arrivals"].astype(float),
        "boats_arrived": weekly["boats_arrived"].astype(float), "boats_uncontrolled_landings": np.nan,
        "migrants_prevented": weekly["prevented_people"].astype(float),
        "events_prevented": weekly["prevented_launches"].astype(float),
    }).reset_index(drop=True)
    return daily, weekly
