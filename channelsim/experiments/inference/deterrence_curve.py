"""The deterrence curve: crossings deterred against weekly returns, with posterior bands.

Each level of weekly returns is an arm of the counterfactual
([`experiments.inference.counterfactual`][channelsim.experiments.inference.counterfactual]): the announced pilot
(`CURVE_SCENARIO`, returns from 18 September 2025) with a fixed weekly
quota (``quota_schedule = "weekly"``, ``returns_per_week`` = the level) and
`CURVE_DETENTION_BEDS` detention places, so that the quota, not the
beds, is what varies (as in the shipped ``deterrence_curve`` sweep). Every
level runs the no-deal arm's posterior draws with their seeds (common random
numbers), so that crossings deterred, no deal's crossings minus the level's,
are taken draw by draw over the counterfactual's twelve months, then
summarised as a median with a 90% band. Level 0 is the pilot announced with no
one returned (the ``announcement_only`` scenario's policy): what the
announcement alone does, so that every level differs from the next by returns
only, and from no deal by the announcement and the returns. The ``returns_median``
column shows how many returns a level achieved; a high quota is not reached
when too few people are selected for return.

Writes ``deterrence_curve.csv`` and ``deterrence_curve.png``; the runs are a
resumable Parquet ensemble in ``curve_ensemble/``.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from channelsim.core.scenarios import apply_overrides
from channelsim.core.scenarios import load as load_scenario
from channelsim.experiments.inference.settings import CalibrationError
from channelsim.experiments.sweeps.design import RunSpec

CURVE_SCENARIO = "pilot_2025"
CURVE_DETENTION_BEDS = 2000


def level_overrides(level: float) -> dict[str, object]:
    """What a level of the curve sets on top of a posterior draw."""
    return {"quota_schedule": "weekly", "returns_per_week": float(level), "detention_beds": CURVE_DETENTION_BEDS}


def check_levels(levels: tuple[float, ...]) -> None:
    """Levels that the model accepts as weekly quotas, distinct (a clear error before anything runs)."""
    if len(set(levels)) != len(levels):
        raise CalibrationError(f"the curve's levels repeat: {', '.join(f'{v:g}' for v in levels)}.")
    base = load_scenario(CURVE_SCENARIO)
    for level in levels:
        apply_overrides(base, level_overrides(level), origin=f"deterrence curve level {level:g}")


def curve_runs(baseline: list[RunSpec], levels: tuple[float, ...]) -> list[RunSpec]:
    """One run per level and baseline draw, with the draw's parameters and seed (common random numbers)."""
    return [dataclasses.replace(spec, run_id=f"curve-w{level:g}-d{spec.point:04d}", scenario=CURVE_SCENARIO,
                                overrides={**spec.overrides, **level_overrides(level)}, frequency="weekly")
            for level in levels for spec in baseline]


def curve_table(baseline_runs: pd.DataFrame, level_runs: pd.DataFrame) -> pd.DataFrame:
    """Per level: crossings deterred against the baseline (draw by draw), median and 90% band, the relative
    effect, the returns made and the share of draws with fewer crossings than the baseline."""
    base = baseline_runs[baseline_runs["status"] == "ok"].set_index("point")
    rows = []
    ok = level_runs[level_runs["status"] == "ok"]
    for level, group in ok.groupby("param_returns_per_week", sort=True):
        pair = group.set_index("point")[["out_arrivals", "out_returns"]].join(
            base["out_arrivals"].rename("no_deal"), how="inner")
        deterred = (pair["no_deal"] - pair["out_arrivals"]).to_numpy(float)
        no_deal = pair["no_deal"].to_numpy(float)
        relative = deterred[no_deal > 0] / no_deal[no_deal > 0]
        rows.append({
            "returns_per_week": float(level), "draws": len(pair),
            "deterred_median": np.median(deterred), "deterred_5": np.percentile(deterred, 5),
            "deterred_95": np.percentile(deterred, 95),
            "relative_median": np.median(relative) if len(relative) else np.nan,
            "relative_5": np.percentile(relative, 5) if len(relative) else np.nan,
            "relative_95": np.percentile(relative, 95) if len(relative) else np.nan,
            "crossings_median": float(pair["out_arrivals"].median()), "no_deal_median": float(np.median(no_deal)),
            "returns_median": float(pair["out_returns"].median()),
            "share_of_draws_deterring": float(np.mean(deterred > 0)),
        })
    return pd.DataFrame(rows)


def curve_text(curve: pd.DataFrame) -> str:
    """The curve in plain words: the median and band at each level."""
    if curve.empty:
        return "No deterrence curve: no level ran."
    parts = [f"{r.returns_per_week:g} a week: {r.deterred_median:,.0f} ({r.deterred_5:,.0f} to "
             f"{r.deterred_95:,.0f})" for r in curve.itertuples()]
    return ("Crossings deterred against no deal, median over draws (90% band): " + "; ".join(parts) + ".")
