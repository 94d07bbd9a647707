"""The posterior-predictive ensemble against the published arrivals by nationality.

Two checks of ``channelsim validate`` (issue "Identify deterrence"):

- [`row_checks`][channelsim.experiments.inference.nationality_checks.row_checks]: every row of
``nationality_arrivals.csv`` whose nationality is a
  model group and whose period lies inside the window: the ensemble's 90% band of the
  group's share of arrivals over the period (and of its count, where a count was
  published), and whether the published figure lies inside;
- [`episode_checks`][channelsim.experiments.inference.nationality_checks.episode_checks]: the group of the natural
experiment (the nationality with a
  returns arrangement of its own, Albania's of December 2022): its arrivals in the year
  before and the year after the arrangement, and the fall between them, each against the
  ensemble's 90% band. The years and the counts come from the data file, not from code.

Both take the ensemble's flows by nationality summed by month (one row a run, month
and group: ``run_id``, ``month`` (its first day), ``nationality``, ``arrivals``), as
[`experiments.sweeps.runner.nationality_totals`][channelsim.experiments.sweeps.runner.nationality_totals] makes them. A
published period
starts and ends on month boundaries, so months are fine enough.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from channelsim.experiments.inference.targets import comparable_rows

LEVEL = 0.90
LOW, HIGH = (1 - LEVEL) / 2, 1 - (1 - LEVEL) / 2


def _by_run(monthly: pd.DataFrame, first: pd.Timestamp, last: pd.Timestamp, group: str | None) -> pd.Series:
    """Each run's arrivals over the months from ``first`` to ``last`` (of ``group``; of everyone if None)."""
    months = pd.DatetimeIndex(monthly["month"])
    inside = (months >= first.to_period("M").to_timestamp()) & (months <= last)
    if group is not None:
        inside &= (monthly["nationality"].astype(str) == group).to_numpy()
    runs = monthly["run_id"].unique()
    return monthly[inside].groupby("run_id")["arrivals"].sum().reindex(runs, fill_value=0).astype(float)


def band(values: pd.Series) -> tuple[float, float, float]:
    """The 90% band and median of an ensemble's values (non-finite values left out; NaNs when none is left)."""
    v = values.to_numpy(float)
    v = v[np.isfinite(v)]
    if len(v) == 0:
        return (float("nan"),) * 3
    return float(np.quantile(v, LOW)), float(np.median(v)), float(np.quantile(v, HIGH))


def row_checks(monthly: pd.DataFrame, published: pd.DataFrame, groups: list[str], start: dt.date,
               end: dt.date) -> pd.DataFrame:
    """One row a published row the model can be compared with: the period, the group, what was
    published (share, and count where given), the ensemble's 5%, median and 95% of each, and whether
    the published figure is inside the band (``share_inside``, ``count_inside``; NaN where no count)."""
    out = []
    for r in comparable_rows(published, groups, start, end).itertuples():
        group_runs = _by_run(monthly, r.period_start, r.period_end, r.nationality)
        total_runs = _by_run(monthly, r.period_start, r.period_end, None)
        share_runs = (group_runs / total_runs.where(total_runs > 0)).dropna()
        s_lo, s_med, s_hi = band(share_runs)
        row = {"period_start": r.period_start.date().isoformat(), "period_end": r.period_end.date().isoformat(),
               "nationality": r.nationality, "share": float(r.share_of_known),
               "share_5": s_lo, "share_median": s_med, "share_95": s_hi,
               "share_inside": bool(s_lo <= r.share_of_known <= s_hi) if np.isfinite(r.share_of_known) else np.nan}
        c_lo, c_med, c_hi = band(group_runs)
        counted = pd.notna(r.people)
        row.update(people=float(r.people) if counted else np.nan, people_5=c_lo, people_median=c_med,
                   people_95=c_hi, count_inside=bool(c_lo <= r.people <= c_hi) if counted else np.nan)
        out.append(row)
    return pd.DataFrame(out)


def coverage(checks: pd.DataFrame) -> dict[str, float | int]:
    """Share of the rows whose published share is inside the band, of those with a count whose count
    is, and of all published figures (shares and counts together)."""
    if checks.empty:
        return {"rows": 0, "share_coverage": float("nan"), "count_rows": 0, "count_coverage": float("nan"),
                "figures": 0, "figure_coverage": float("nan")}
    shares = checks["share_inside"].dropna().astype(bool)
    counts = checks["count_inside"].dropna().astype(bool)
    figures = pd.concat([shares, counts])
    return {"rows": int(len(shares)), "share_coverage": float(shares.mean()) if len(shares) else float("nan"),
            "count_rows": int(len(counts)), "count_coverage": float(counts.mean()) if len(counts) else float("nan"),
            "figures": int(len(figures)), "figure_coverage": float(figures.mean()) if len(figures) else float("nan")}


def episode_group(groups) -> tuple[str, dt.date] | None:
    """The natural experiment's group: the (first) nationality group with a returns arrangement of its own."""
    for g in groups:
        if g.own_returns_from is not None:
            return g.name, g.own_returns_from
    return None


def episode_checks(monthly: pd.DataFrame, published: pd.DataFrame, group: str, arrangement: dt.date,
                   start: dt.date, end: dt.date) -> pd.DataFrame | None:
    """The group's published whole-year counts in the year of the arrangement and the year after, the
    ensemble's bands of each and of the change between them (percent), and whether each observed
    figure is inside; None when the data or the window lack either year."""
    before, after = arrangement.year, arrangement.year + 1
    counts = {}
    for year in (before, after):
        whole = published[(published["nationality"] == group) & published["people"].notna()
                          & (published["period_start"] == pd.Timestamp(year, 1, 1))
                          & (published["period_end"] == pd.Timestamp(year, 12, 31))]
        outside = pd.Timestamp(year, 1, 1) < pd.Timestamp(start) or pd.Timestamp(year, 12, 31) > pd.Timestamp(end)
        if whole.empty or outside:
            return None
        counts[year] = float(whole["people"].iloc[0])
    runs = {year: _by_run(monthly, pd.Timestamp(year, 1, 1), pd.Timestamp(year, 12, 1), group) for year in counts}
    change = 100.0 * (runs[after] / runs[before].where(runs[before] > 0) - 1.0)
    observed = {str(before): counts[before], str(after): counts[after],
                f"change {before} to {after} (%)": 100.0 * (counts[after] / counts[before] - 1.0)}
    modelled = {str(before): runs[before], str(after): runs[after], f"change {before} to {after} (%)": change}
    table = []
    for name, value in observed.items():
        lo, med, hi = band(modelled[name])
        table.append({"figure": name, "observed": value, "model 5%": lo, "model median": med, "model 95%": hi,
                      "inside": bool(lo <= value <= hi)})
    return pd.DataFrame(table).set_index("figure")
