"""Analysis of a sweep's stored results: summaries, deterrence, sensitivity, scenario discovery.

Kept apart from how the runs were made: every function takes the runs table
(one row a run, ``param_*`` and ``out_*`` columns) and the sweep it came from.

- [`summarise`][channelsim.experiments.sweeps.analysis.summarise]: medians and quantile bands of outcomes across
replicates;
- [`deterrence`][channelsim.experiments.sweeps.analysis.deterrence]: each run's outcomes relative to its replicate's
reference
  run (same seed: common random numbers), e.g. the share of crossings deterred;
- [`sobol_indices`][channelsim.experiments.sweeps.analysis.sobol_indices],
[`morris_indices`][channelsim.experiments.sweeps.analysis.morris_indices]: SALib's analyses, with
  confidence intervals, on a ``salib_sobol`` or ``morris`` sweep;
- [`prim_boxes`][channelsim.experiments.sweeps.analysis.prim_boxes]: PRIM (ema_workbench) on where crossings fall by
more than
  a given share.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from channelsim.core.errors import ChannelsimError
from channelsim.experiments.sweeps.design import Sweep

QUANTILES = {"q05": 0.05, "q25": 0.25, "median": 0.5, "q75": 0.75, "q95": 0.95}


class AnalysisError(ChannelsimError):
    """The stored results do not allow the analysis asked for."""


def ok_runs(runs: pd.DataFrame) -> pd.DataFrame:
    return runs[runs["status"] == "ok"]


def _params(sweep: Sweep) -> list[str]:
    return [f"param_{n}" for n in sweep.parameter_names]


def _check_outcome(runs: pd.DataFrame, outcome: str) -> str:
    column = f"out_{outcome}"
    if column not in runs:
        known = sorted(c[4:] for c in runs.columns if c.startswith("out_"))
        raise AnalysisError(f"unknown outcome {outcome!r}; known: {', '.join(known)}.")
    return column


def summarise(runs: pd.DataFrame, sweep: Sweep, outcome: str) -> pd.DataFrame:
    """Per design point: the outcome's median and 5-95% and 25-75% bands across replicates."""
    column = _check_outcome(runs, outcome)
    points = ok_runs(runs)
    points = points[points["point"] >= 0]
    grouped = points.groupby(["point", *_params(sweep)], dropna=False)[column]
    table = grouped.quantile(list(QUANTILES.values())).unstack()
    table.columns = list(QUANTILES)
    table["replicates"] = grouped.size()
    return table.reset_index()


def deterrence(runs: pd.DataFrame, outcome: str = "arrivals") -> pd.DataFrame:
    """Each run's outcome against the reference run of the same replicate (same seed).

    Adds ``reference_<outcome>`` and ``change_<outcome>`` (run / reference - 1):
    -0.3 means 30% fewer than with the reference policy.
    """
    column = _check_outcome(runs, outcome)
    good = ok_runs(runs)
    reference = good[good["point"] == -1].set_index("replicate")[column]
    if reference.empty:
        raise AnalysisError("the sweep has no reference runs: add a [reference] table to the sweep file.")
    out = good[good["point"] >= 0].copy()
    out[f"reference_{outcome}"] = out["replicate"].map(reference)
    out[f"change_{outcome}"] = out[column] / out[f"reference_{outcome}"] - 1.0
    return out


def _point_means(runs: pd.DataFrame, sweep: Sweep, outcome: str) -> np.ndarray:
    column = _check_outcome(runs, outcome)
    good = ok_runs(runs)
    good = good[good["point"] >= 0]
    means = good.groupby("point")[column].mean()
    missing = sorted(set(range(len(sweep.points))) - set(means.index))
    if missing:
        raise AnalysisError(f"{len(missing)} design points have no successful run (first: {missing[0]}); "
                            "re-run the sweep into its folder to complete it.")
    return means.sort_index().to_numpy()


def sobol_indices(runs: pd.DataFrame, sweep: Sweep, outcomes: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """First- and total-order Sobol indices (and second-order, if the sweep asked), with 95% intervals."""
    from SALib.analyze import sobol

    if sweep.spec.design != "salib_sobol":
        raise AnalysisError(f"Sobol indices need a 'salib_sobol' design; this sweep's is {sweep.spec.design!r}.")
    problem = sweep.salib_problem()
    first, second = [], []
    for outcome in outcomes:
        y = _point_means(runs, sweep, outcome)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            s = sobol.analyze(problem, y, calc_second_order=sweep.spec.second_order, print_to_console=False,
                              seed=sweep.spec.seed)
        for i, name in enumerate(problem["names"]):
            first.append({"outcome": outcome, "parameter": name, "S1": s["S1"][i], "S1_conf": s["S1_conf"][i],
                          "ST": s["ST"][i], "ST_conf": s["ST_conf"][i]})
        if sweep.spec.second_order:
            for i, a in enumerate(problem["names"]):
                for j in range(i + 1, len(problem["names"])):
                    second.append({"outcome": outcome, "parameter_a": a, "parameter_b": problem["names"][j],
                                   "S2": s["S2"][i, j], "S2_conf": s["S2_conf"][i, j]})
    return pd.DataFrame(first), pd.DataFrame(second)


def morris_indices(runs: pd.DataFrame, sweep: Sweep, outcomes: list[str]) -> pd.DataFrame:
    """Morris elementary effects: mu, mu*, sigma and mu*'s 95% interval."""
    from SALib.analyze import morris

    if sweep.spec.design != "morris":
        raise AnalysisError(f"Morris indices need a 'morris' design; this sweep's is {sweep.spec.design!r}.")
    problem = sweep.salib_problem()
    rows = []
    for outcome in outcomes:
        y = _point_means(runs, sweep, outcome)
        s = morris.analyze(problem, sweep.design_matrix, y, num_levels=sweep.spec.morris_levels,
                           print_to_console=False, seed=sweep.spec.seed)
        for i, name in enumerate(problem["names"]):
            rows.append({"outcome": outcome, "parameter": name, "mu": s["mu"][i], "mu_star": s["mu_star"][i],
                         "sigma": s["sigma"][i], "mu_star_conf": s["mu_star_conf"][i]})
    return pd.DataFrame(rows)


def prim_boxes(runs: pd.DataFrame, sweep: Sweep, outcome: str = "arrivals", fall: float = 0.3,
               min_coverage: float = 0.5) -> pd.DataFrame:
    """PRIM: the parameter box where ``outcome`` falls by more than ``fall`` against the reference.

    Returns one row per swept parameter with the box's limits, and the box's
    coverage, density and mass (the densest box on the peeling trajectory whose
    coverage is at least ``min_coverage``).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ema_workbench warns at import about optional evaluators
        from ema_workbench.analysis import prim  # heavy: loaded when PRIM is asked for

    table = deterrence(runs, outcome)
    x = table[_params(sweep)].apply(pd.to_numeric, errors="coerce")
    x.columns = sweep.parameter_names
    x = x.loc[:, x.notna().all() & (x.nunique() > 1)]  # numbers that vary (a one-level date does not)
    if x.empty:
        raise AnalysisError("PRIM needs at least one numeric parameter that varies across the sweep.")
    y = (table[f"change_{outcome}"] < -fall).to_numpy()
    if y.all() or not y.any():
        raise AnalysisError(f"{outcome} falls by more than {fall:.0%} in {'every' if y.all() else 'no'} run: "
                            "PRIM needs both; choose another share with --fall.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = prim.Prim(x, y).find_box()
    trajectory = found.peeling_trajectory
    eligible = trajectory[trajectory["coverage"] >= min_coverage]
    best = int(eligible.sort_values(["density", "coverage"], ascending=False).index[0])
    limits = found.box_lims[best]
    out = pd.DataFrame({"parameter": limits.columns, "low": limits.iloc[0].to_numpy(),
                        "high": limits.iloc[1].to_numpy()})
    stats = trajectory.loc[best]
    out["coverage"], out["density"], out["mass"] = stats["coverage"], stats["density"], stats["mass"]
    out["outcome"], out["fall_more_than"] = outcome, fall
    full = x.agg(["min", "max"])
    out["restricted"] = [(row.low > full.loc["min", p]) or (row.high < full.loc["max", p])
                         for p, row in zip(out["parameter"], out.itertuples(), strict=True)]
    return out
