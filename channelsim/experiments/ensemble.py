"""Ensembles with bands, from Python: many runs of one or more scenarios, tidy results, a figure.

    import channelsim
    ens = channelsim.ensemble(["no_deal", "pilot_published"], draws="posterior", n=20,
                              start="2025-07-01", days=365)
    ens.bands()         # scenario, date, variable, q05, q50, q95 (one row a scenario, period and variable)
    ens.totals()        # scenario, member, variable, total over the window's days
    ens.effect()        # each scenario against the baseline, member by member (common random numbers)
    ens.plot()          # the bands by scenario, against the observed series where there is one

``draws="posterior"`` draws ``n`` parameter sets from the committed calibration (or ``calibration``), each
with its own seed, and runs every scenario with the same draw and seed (common random numbers), simulating
the calibrated history before ``start`` ([`history_warmup`][channelsim.experiments.inference.plans.history_warmup]).
``draws=N`` runs ``N`` seeds of each scenario's own parameters. The runs go through the sweeps' machinery
([`execute_plan`][channelsim.experiments.sweeps.execute.execute_plan]): in this process by default, on local
Dask workers (``workers=``), a scheduler or a SLURM/PBS cluster file; stored as a resumable sweep folder
when ``out`` is given. The ``channelsim compare`` command is this function on the command line.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from channelsim.core.calendar import parse_date
from channelsim.core.data import data_dir as find_data_dir
from channelsim.core.errors import ChannelsimError
from channelsim.core.scenarios import apply_overrides
from channelsim.core.scenarios import load as load_scenario
from channelsim.experiments.labels import quantile_name
from channelsim.model import COLUMNS
from channelsim.model.channel_model import DEFAULT_START, DEFAULT_WARMUP_DAYS
from channelsim.model.outputs import FLOWS
from channelsim.model.result import observed_if_any
from channelsim.model.run import run_length

DEFAULT_OUTPUTS = ("arrivals", "launch_attempts", "returns", "perceived_return_probability")
DEFAULT_QUANTILES = (0.05, 0.5, 0.95)
DEFAULT_DRAWS = 20


@dataclass
class Ensemble:
    """The runs of an ensemble: ``runs`` one row a run (its scenario, member, seed, status, outcomes),
    ``series`` one row a run and period (``run_id``, ``date``, the outputs), tidy."""

    runs: pd.DataFrame
    series: pd.DataFrame
    outputs: tuple[str, ...]
    baseline: str
    quantiles: tuple[float, ...] = DEFAULT_QUANTILES
    source: str = ""
    folder: Path | None = None
    observed: pd.Series | None = field(default=None, repr=False)

    @property
    def scenarios(self) -> list[str]:
        return list(dict.fromkeys(self.runs["scenario"]))

    def long(self) -> pd.DataFrame:
        """One row a run, period and variable: scenario, member, run_id, date, variable, value."""
        members = self.runs[["run_id", "scenario", "point"]].rename(columns={"point": "member"})
        frame = self.series.merge(members, on="run_id")
        return frame.melt(id_vars=["scenario", "member", "run_id", "date"], value_vars=list(self.outputs),
                          var_name="variable", value_name="value")

    def bands(self, quantiles: tuple[float, ...] | None = None) -> pd.DataFrame:
        """Quantiles over members of each scenario, period and variable (columns ``q05``, ``q50``, ...),
        with the number of members."""
        qs = tuple(quantiles or self.quantiles)
        grouped = self.long().groupby(["scenario", "date", "variable"], sort=False)["value"]
        table = grouped.quantile(list(qs)).unstack()
        table.columns = [quantile_name(q) for q in qs]
        table["members"] = grouped.size()
        return table.reset_index()

    def totals(self) -> pd.DataFrame:
        """Each run's total of each output over every day of the window (whatever the frequency stored):
        scenario, member, variable, total (flows, whose unit is a count a day, summed; stocks and beliefs
        averaged over the days). Read from each run's record (``total_<output>``, the sweep runner's
        [`window_totals`][channelsim.experiments.sweeps.runner.window_totals]); a folder with runs from
        before those were recorded sums the periods stored."""
        columns = {f"total_{v}": v for v in self.outputs}
        if set(columns) <= set(self.runs.columns) and self.runs[list(columns)].notna().all(axis=None):
            table = self.runs[["scenario", "point", *columns]].rename(columns={"point": "member", **columns})
            return (table.melt(id_vars=["scenario", "member"], var_name="variable", value_name="total")
                    .sort_values(["scenario", "member"], kind="stable").reset_index(drop=True))
        long = self.long()
        grouped = long.groupby(["scenario", "member", "variable"], sort=False)["value"]
        table = pd.concat([grouped.sum().rename("sum"), grouped.mean().rename("mean")], axis=1).reset_index()
        flows = table["variable"].isin(FLOWS)
        table["total"] = table["sum"].where(flows, table["mean"])
        return table.drop(columns=["sum", "mean"])

    def effect(self, baseline: str | None = None) -> pd.DataFrame:
        """Each scenario's totals against the baseline's, member by member (the same draw and seed):
        scenario, variable, the quantiles of the difference and of the relative difference, members."""
        base = baseline or self.baseline
        totals = self.totals()
        if base not in set(totals["scenario"]):
            raise ChannelsimError(f"the baseline {base!r} is not in this ensemble ({', '.join(self.scenarios)}).")
        ref = totals[totals["scenario"] == base].set_index(["member", "variable"])["total"]
        rows = []
        for (scenario, variable), group in totals[totals["scenario"] != base].groupby(["scenario", "variable"],
                                                                                     sort=False):
            against = ref.reindex(list(zip(group["member"], [variable] * len(group), strict=True))).to_numpy()
            diff = group["total"].to_numpy() - against
            with np.errstate(divide="ignore", invalid="ignore"):
                rel = np.where(against > 0, diff / against, np.nan)
            row = {"scenario": scenario, "variable": variable, "baseline": base, "members": len(group)}
            for q in self.quantiles:
                row[f"difference_{quantile_name(q)}"] = float(np.nanquantile(diff, q))
                row[f"relative_{quantile_name(q)}"] = (float(np.nanquantile(rel, q))
                                                       if np.isfinite(rel).any() else np.nan)
            rows.append(row)
        return pd.DataFrame(rows)

    def plot(self, variable: str = "arrivals", path: str | Path | None = None):
        """The bands of ``variable`` by scenario (median and the outer quantiles), with the observed
        series where the ensemble's window overlaps it; saved to ``path`` if given. Returns the Figure."""
        from channelsim.experiments.plots import ensemble_figure

        if variable not in self.outputs:
            raise ChannelsimError(f"{variable!r} is not an output of this ensemble ({', '.join(self.outputs)}).")
        return ensemble_figure(self.bands(), variable, self.quantiles, observed=self.observed,
                               path=None if path is None else Path(path), note=self.source)


def ensemble(scenarios: str | list[str], draws: str | int = "posterior", *, n: int = DEFAULT_DRAWS,
             seed: int = 0, start: str | dt.date | None = None, days: int | None = None,
             end: str | dt.date | None = None, outputs: tuple[str, ...] | list[str] = DEFAULT_OUTPUTS,
             frequency: str = "weekly", quantiles: tuple[float, ...] = DEFAULT_QUANTILES,
             baseline: str | None = None, calibration: str | Path | None = None, variant: str | None = None,
             out: str | Path | None = None, workers: int | None = None, scheduler: str | None = None,
             cluster_file: str | Path | None = None, serial: bool | None = None,
             data_dir: str | Path | None = None, progress: bool | None = False, rng: int | None = None,
             **overrides: object) -> Ensemble:
    """Run an ensemble of ``scenarios`` and return it with its bands (see the module's docstring).

    Args:
        scenarios: a scenario name or TOML path, or a list of them.
        draws: ``"posterior"`` (``n`` draws from the calibration, each with its own seed) or a number of seeds
            of each scenario's own parameters.
        n: the number of posterior draws (with ``draws="posterior"``).
        seed: the ensemble's seed: the same seed gives the same runs, in any process or worker (``rng`` is
            the same).
        start: the first recorded day (default 1 January 2025); ``days`` or ``end`` (inclusive) its length
            (default 365 days).
        outputs: the daily columns kept (``channelsim.COLUMNS``).
        frequency: ``"weekly"`` (complete Monday-to-Sunday weeks) or ``"daily"``.
        quantiles: the band's quantiles.
        baseline: the scenario [`Ensemble.effect`][channelsim.experiments.ensemble.Ensemble.effect] compares
            with (default ``no_deal`` if it is among the scenarios, else the first).
        calibration: a calibration folder (default the committed one).
        variant: draw from one model variant of the calibration only.
        out: a folder to store the runs in (a resumable sweep folder); by default a temporary one.
        workers: local Dask worker processes (default: none, the runs in this process).
        scheduler: the address of a running Dask scheduler.
        cluster_file: a dask-jobqueue cluster file (SLURM or PBS).
        serial: run in this process, one run after another (the default unless one of the three is given).
        data_dir: the folder of the observed data.
        progress: a progress bar.
        rng: the same as ``seed`` (as ``ChannelModel`` names it): give one (``rng`` with the default ``seed`` uses
            ``rng``; with another seed it is an error).
        **overrides: parameters set in every run (on top of the draws).
    """
    from channelsim.experiments.inference.plans import history_warmup, member_runs, posterior_runs
    from channelsim.experiments.inference.posterior import load_calibration
    from channelsim.experiments.sweeps.execute import execute_plan
    from channelsim.experiments.sweeps.store import read_sweep

    names = [scenarios] if isinstance(scenarios, str | Path) else [str(s) for s in scenarios]
    if not names or len(set(names)) != len(names):
        raise ChannelsimError(f"scenarios must name at least one scenario, each once; got {names!r}.")
    code = [k for k in ("mechanisms", "returns_schedule") if k in overrides]
    if code:   # the runs are planned as parameters (stored, sent to workers): code is not one
        raise ChannelsimError(f"ensemble takes parameters only, not {' or '.join(code)}: run them with "
                              "channelsim.run for each member, or give the schedule as quota parameters.")
    for name in names:
        # a clear error for an unknown scenario or parameter, before anything runs
        apply_overrides(load_scenario(name), overrides, origin="ensemble")
    outputs = tuple(outputs)
    unknown = [c for c in outputs if c not in COLUMNS]
    if not outputs or unknown:
        raise ChannelsimError(f"outputs {unknown or '(none)'} are not output columns; choose from "
                              f"{', '.join(COLUMNS)}.")
    if frequency not in ("weekly", "daily"):
        raise ChannelsimError(f"frequency must be 'weekly' or 'daily', not {frequency!r}.")
    if not quantiles or any(not 0 < q < 1 for q in quantiles):
        raise ChannelsimError(f"quantiles must lie strictly between 0 and 1, not {quantiles!r}.")
    if rng is not None:   # rng is seed's other name: one of them, or both the same
        if seed not in (0, rng):
            raise ChannelsimError(f"give seed= or rng=, not both (seed={seed!r}, rng={rng!r}).")
        seed = rng
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ChannelsimError(f"seed must be a whole number of at least 0, not {seed!r}.")
    if draws != "posterior" and (calibration is not None or variant is not None):
        raise ChannelsimError("calibration= and variant= choose posterior draws: give them with draws='posterior'.")
    first = parse_date(start or DEFAULT_START, "start date")
    n_days = run_length(first, days, end)
    data = str(find_data_dir(data_dir))
    window = (first.isoformat(), (first + dt.timedelta(days=n_days - 1)).isoformat())
    if draws == "posterior":
        cal = load_calibration(calibration)
        plan = posterior_runs(cal, names, n, int(seed), start=first.isoformat(), days=n_days,
                              warmup_days=history_warmup(first), outputs=outputs, frequency=frequency,
                              window=window, data_dir=data, variant=variant, overrides=overrides)
        source = f"{n} posterior draws (seed {seed}) from {Path(str(cal.folder)).name}, common random numbers"
    elif isinstance(draws, int | np.integer) and not isinstance(draws, bool) and draws >= 1:
        seeds = np.random.SeedSequence(int(seed), spawn_key=(3,)).spawn(int(draws))
        plan = member_runs(names, [dict(overrides)] * int(draws), seeds, tag="s", start=first.isoformat(),
                           days=n_days, warmup_days=DEFAULT_WARMUP_DAYS, frequency=frequency, outputs=outputs,
                           window=window, data_dir=data)
        source = f"{draws} seeds (ensemble seed {seed}) of each scenario's parameters, common random numbers"
    else:
        raise ChannelsimError(f"draws must be 'posterior' or a whole number of seeds of at least 1, not {draws!r}.")
    executor = {"workers": workers, "scheduler": scheduler, "cluster_file": cluster_file,
                "serial": serial if serial is not None else not (workers or scheduler or cluster_file)}
    with tempfile.TemporaryDirectory(prefix="channelsim-ensemble-") as tmp:
        folder = Path(out) if out is not None else Path(tmp) / "ensemble"
        report = execute_plan(plan, folder, name="ensemble", provenance={"scenarios": names, "draws": str(draws),
                                                                         "n": n, "seed": int(seed)},
                              progress=progress, **executor)
        runs, series = read_sweep(report.folder)
    failed = runs[runs["status"] != "ok"]
    if len(failed):
        raise ChannelsimError(f"{len(failed)} of {len(runs)} runs failed, e.g. {failed['error'].iloc[0]}")
    base = baseline or ("no_deal" if "no_deal" in names else names[0])
    if base not in names:
        raise ChannelsimError(f"the baseline {base!r} is not one of the scenarios ({', '.join(names)}).")
    return Ensemble(runs=runs, series=series, outputs=outputs, baseline=base, quantiles=tuple(quantiles),
                    source=source, folder=Path(out) if out is not None else None,
                    observed=observed_series(data, frequency, first, n_days))


def observed_series(data: str, frequency: str, first: dt.date, n_days: int) -> pd.Series | None:
    """The observed arrivals (the Home Office daily series) in the window, by day or by complete week
    ending Sunday (as [`Result.weekly`][channelsim.model.result.Result.weekly]); None where the data hold none."""
    tables = observed_if_any(data)
    if tables is None:
        return None
    first, last = pd.Timestamp(first), pd.Timestamp(first + dt.timedelta(days=n_days - 1))
    if frequency == "daily":
        arrivals = tables["day"]["arrivals"][first:last]
    else:   # complete weeks inside the window
        weekly = tables["week"]["arrivals"].dropna()
        arrivals = weekly[(weekly.index - pd.Timedelta(days=6) >= first) & (weekly.index <= last)]
    return None if arrivals.empty else arrivals.astype(float).rename("arrivals")
