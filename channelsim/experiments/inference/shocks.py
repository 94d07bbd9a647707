"""The size and persistence of the upstream shocks, by the method of simulated moments.

The upstream shocks ([`model.upstream`][channelsim.model.upstream]) stand for events beyond the Channel
that the model does not represent one by one. ABC on monthly arrivals cannot
fit their size: every shock that does not line up with history adds distance,
so ABC at a finite tolerance prefers no shocks at all. Their two parameters
are fitted instead to two moments of the observed monthly series that they
govern, computed identically on the observed and on each simulated series:

- ``resid_sd``: the standard deviation of log monthly arrivals around a centred
  13-month moving average, after removing each calendar month's mean (what is
  left once trend and season are taken out: weather, surges, lulls);
- ``resid_lag1``: the lag-one autocorrelation of those residuals (whether a
  high month tends to be followed by another).

Each point of a grid of (``upstream_shock_sd``, ``upstream_shock_days``) is
run on the same posterior draws and seeds (common random numbers across the
grid); the point whose mean moments are nearest the observed ones, each
difference scaled by the run-to-run spread of that moment, is the choice. The
committed result, ``shocks.json`` in the committed calibration folder (with
the table ``shocks.csv`` and the figure ``shocks.png``), gives the shipped defaults.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from channelsim.core.files import write_text_atomic
from channelsim.core.params import describe
from channelsim.experiments.inference.plans import run_ensemble, window_runs
from channelsim.experiments.inference.posterior import COMMITTED_CALIBRATION, Calibration, load_calibration
from channelsim.experiments.inference.settings import SHOCK_DRAWS, SHOCK_GRID_DAYS, SHOCK_GRID_SD, CalibrationError
from channelsim.experiments.inference.targets import monthly_by_run, read_observed
from channelsim.experiments.plots import shocks_figure

MOMENTS = {"resid_sd": "s.d. of monthly log residuals", "resid_lag1": "lag-1 autocorrelation of residuals"}
FROM = pd.Period("2019-07", "M")   # months before hold too few crossings for a log scale to mean much
CHOICE_FILE = COMMITTED_CALIBRATION / "shocks.json"


def moments(monthly: pd.Series) -> dict[str, float]:
    """The two moments of a monthly arrivals series (a PeriodIndex of months)."""
    m = monthly[monthly.index >= FROM]
    y = pd.Series(np.log1p(m.to_numpy(float)), index=m.index)
    resid = (y - y.rolling(13, center=True).mean()).dropna()
    if len(resid) < 24:
        raise CalibrationError(f"the moments need at least 36 months from {FROM}; this series has {len(m)}.")
    e = (resid - resid.groupby(resid.index.month).transform("mean")).to_numpy()
    return {"resid_sd": float(e.std()), "resid_lag1": float(np.corrcoef(e[:-1], e[1:])[0, 1])}


def fit_shocks(out: str | Path, calibration: str | Path | Calibration | None = None, *, draws: int = SHOCK_DRAWS,
               seed: int = 0, grid_sd: tuple[float, ...] = SHOCK_GRID_SD,
               grid_days: tuple[float, ...] = SHOCK_GRID_DAYS, workers: int | None = None,
               scheduler: str | None = None, cluster_file: str | Path | None = None, serial: bool = False,
               data_dir: str | Path | None = None, progress: bool | None = None) -> dict[str, Any]:
    """Run the grid into ``out`` and write ``shocks.csv``, ``shocks.json`` and ``shocks.png``; return the choice."""
    for name, grid in (("sd", grid_sd), ("days", grid_days)):
        _check_grid(name, grid)
    cal = load_calibration(calibration)
    base, start, end = window_runs(cal, draws, seed, ("arrivals",), data_dir)
    observed = read_observed(data_dir).monthly_arrivals(start, end)
    target = moments(observed)
    points = [(float(sd), float(days)) for sd in grid_sd for days in grid_days]
    plan = [dataclasses.replace(run, run_id=f"g{j:03d}-d{run.point:04d}", point=j, replicate=run.point,
                                overrides={**run.overrides, "upstream_shock_sd": sd, "upstream_shock_days": days})
            for j, (sd, days) in enumerate(points) for run in base]
    out = Path(out)
    runs, series = run_ensemble(plan, out / "ensemble", name="shocks", calibration=cal, draws=draws, seed=seed,
                                workers=workers, scheduler=scheduler, cluster_file=cluster_file, serial=serial,
                                progress=progress)
    sims = monthly_by_run(series).reindex(observed.index).fillna(0.0)
    point_of = runs.set_index("run_id")["point"]
    per_run = pd.DataFrame([{"point": int(point_of[c]), **moments(sims[c])} for c in sims.columns])
    table = grid_table(per_run, points, target)
    best = table.loc[table["distance"].idxmin()]
    choice = {"upstream_shock_sd": float(best["upstream_shock_sd"]),
              "upstream_shock_days": float(best["upstream_shock_days"]),
              "observed": target, "simulated": {m: float(best[f"{m}_mean"]) for m in MOMENTS},
              "draws": draws, "seed": seed, "calibration": str(cal.folder), "window": [str(FROM), str(end)[:7]],
              "grid_sd": list(grid_sd), "grid_days": list(grid_days),
              "failed_runs": int((runs["status"] != "ok").sum())}
    write_text_atomic(out / "shocks.csv", table.to_csv(index=False))
    write_text_atomic(out / "shocks.json", json.dumps(choice, indent=2) + "\n")
    shocks_figure(table, choice, MOMENTS, out / "shocks.png")
    return choice


def _check_grid(name: str, grid: tuple[float, ...]) -> None:
    """A grid of upstream_shock_NAME lies in the parameter's allowed range (core.params)."""
    row = next(r for r in describe() if r["name"] == f"upstream_shock_{name}")
    low, high = float(row["min"]), float(row["max"])
    if not grid or any(not low <= g <= high for g in grid):
        raise CalibrationError(f"the {name} grid needs values in [{low}, {high}], not {list(grid)}.")


def grid_table(per_run: pd.DataFrame, points: list[tuple[float, float]], target: dict[str, float]) -> pd.DataFrame:
    """Each grid point's mean and s.d. of the moments over its runs, and its distance from the observed."""
    stats = per_run.groupby("point")[list(MOMENTS)].agg(["mean", "std"])
    stats.columns = [f"{m}_{s}" for m, s in stats.columns]
    spread = {m: float(per_run[m].std()) for m in MOMENTS}   # run-to-run spread over the whole grid
    table = pd.DataFrame(points, columns=["upstream_shock_sd", "upstream_shock_days"]).join(stats)
    table["distance"] = np.sqrt(sum(((table[f"{m}_mean"] - target[m]) / spread[m]) ** 2 for m in MOMENTS))
    return table


def load_choice(path: str | Path = CHOICE_FILE) -> dict[str, Any]:
    """The committed (or any) choice of the shock parameters."""
    return json.loads(Path(path).read_text())
