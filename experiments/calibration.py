"""Calibration: ABC-SMC (pyabc) of the free parameters against the Home Office series.

The free parameters (:data:`PRIORS`, uniform priors) are inferred by
likelihood-free approximate Bayesian computation with sequential Monte Carlo
(pyabc's ``ABCSMC``), comparing each simulation of the calibration window
(2018 to July 2025 by default) with the observed series through the summary
statistics of :mod:`experiments.targets`:

- monthly arrivals (on a log scale), which carry the trend, the season and
  the fall after 2022;
- people per boat by year, which the gangs' behaviour must produce;
- the share of days with arrivals by year (the weather and launch decisions);
- the French prevented share over the weeks where it is recorded.

Simulations run on Dask (a local cluster, a scheduler, or dask-jobqueue). So
that a calibration is reproducible from its seed on any number of workers,
:class:`SeededMappingSampler` gives each particle's task its own seed, derived
from the calibration seed, the generation and the particle's index, and
collects the tasks in order.

The output folder holds ``posterior.csv`` (the last generation: one row a
particle, its parameters and weight), ``provenance.json`` (data window and
files, seed, settings, package and git versions, the epsilon schedule),
``abc.db`` (pyabc's full history) and ``posterior.png``. The committed posterior
of the shipped defaults is in ``experiments/calibration/``.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import math
import random
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from experiments.targets import layout_of, targets
from core.data import data_dir as find_data_dir
from core.data import read_small_boats
from core.errors import ChannelsimError
from core.params import leaf_index

# Free parameters and their uniform priors (lowest, highest). Dates are sampled as
# decimal years. Everything else keeps its documented default.
PRIORS: dict[str, tuple[float, float]] = {
    "inflow_ceiling_per_day": (80.0, 260.0),
    "inflow_growth_per_year": (1.0, 4.0),
    "inflow_midpoint": (2020.0, 2022.5),
    "season_amplitude": (0.2, 0.95),
    "upstream_elasticity": (0.0, 4.0),
    "cross_constant": (-9.5, -6.0),
    "boat_supply_per_week": (15.0, 50.0),
    "comfortable_load": (6.0, 20.0),
    "taxi_boat_share": (0.05, 0.7),
    "boat_supply_disruption": (0.0, 0.7),
    "calm_mean_summer": (0.4, 0.62),
    "calm_mean_winter": (0.6, 0.9),
}
DATE_PARAMETERS = {"inflow_midpoint"}
INTEGER_PARAMETERS: set[str] = set()
CALIBRATION_START = dt.date(2018, 1, 1)
CALIBRATION_END = dt.date(2025, 7, 31)
CALIBRATION_WARMUP_DAYS = 180
POSTERIOR_DIR = Path(__file__).resolve().parent / "calibration"
# Scales of the distance's terms: an error of one scale counts as much as a monthly
# log error of one (a factor of e) on average.
DAYS_SCALE = 0.1
PREVENTED_SCALE = 0.1


class CalibrationError(ChannelsimError):
    """A calibration cannot run as asked."""


@dataclass(frozen=True)
class Settings:
    """What decides a calibration (recorded in its provenance)."""

    population: int = 100
    generations: int = 8
    budget: int = 2000          # most simulations in all; the run stops after the generation that passes it
    kernel_scaling: float = 2.0  # proposal covariance = this x the previous population's weighted covariance
    seed: int = 0
    start: str = CALIBRATION_START.isoformat()
    end: str = CALIBRATION_END.isoformat()
    scenario: str = "pilot_2025"
    warmup_days: int = CALIBRATION_WARMUP_DAYS

    def check(self) -> None:
        for name in ("population", "generations", "budget"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise CalibrationError(f"{name} must be a whole number of at least 1, not {value!r}.")
        if self.population < 2:
            raise CalibrationError("population must be at least 2 (the transition is fitted to the particles).")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise CalibrationError(f"seed must be a whole number of at least 0, not {self.seed!r}.")
        if isinstance(self.kernel_scaling, bool) or not (isinstance(self.kernel_scaling, (int, float))
                                                         and 0 < self.kernel_scaling <= 10):
            raise CalibrationError(f"kernel_scaling must be a number in (0, 10], not {self.kernel_scaling!r}.")
        start, end = _date(self.start, "start"), _date(self.end, "end")
        if not CALIBRATION_START <= start < end:
            raise CalibrationError(f"the window must start on or after {CALIBRATION_START} and before its end "
                                   f"(got {start} to {end}).")
        if (end - start).days < 60:
            raise CalibrationError("the window must span at least two months.")


def _date(value: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise CalibrationError(f"{what} date must be YYYY-MM-DD, not {value!r}.") from None


# --- parameters ----------------------------------------------------------------------------------
def decimal_year_to_date(x: float) -> dt.date:
    year = int(math.floor(x))
    first = dt.date(year, 1, 1)
    length = (dt.date(year + 1, 1, 1) - first).days
    return first + dt.timedelta(days=int(round((x - year) * length)) if x > year else 0)


def date_to_decimal_year(d: dt.date) -> float:
    first = dt.date(d.year, 1, 1)
    return d.year + (d - first).days / (dt.date(d.year + 1, 1, 1) - first).days


def overrides_of(theta: dict[str, float]) -> dict[str, Any]:
    """Model overrides from a particle (dates from decimal years, as ISO strings)."""
    out: dict[str, Any] = {}
    for name, value in theta.items():
        if name in DATE_PARAMETERS:
            out[name] = decimal_year_to_date(float(value)).isoformat()
        elif name in INTEGER_PARAMETERS:
            out[name] = int(round(float(value)))
        else:
            out[name] = float(value)
    return out


# --- summary statistics and distance ---------------------------------------------------------------
def statistics(daily: pd.DataFrame, weekly: pd.DataFrame | None, start: dt.date, end: dt.date,
               prevented_weeks: pd.DatetimeIndex | None = None) -> dict[str, np.ndarray]:
    """The summary statistics of a series (Home Office layout) over the window."""
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


def distance(x: dict[str, np.ndarray], x0: dict[str, np.ndarray]) -> float:
    """Root-mean-square errors of the statistics, each on its own scale, summed."""
    total = float(np.sqrt(np.mean((x["monthly"] - x0["monthly"]) ** 2)))
    total += float(np.sqrt(np.mean((x["people_per_boat"] - x0["people_per_boat"]) ** 2)))
    total += float(np.sqrt(np.mean((x["days_with_arrivals"] - x0["days_with_arrivals"]) ** 2))) / DAYS_SCALE
    if "prevented_share" in x0 and "prevented_share" in x:
        total += float(abs(x["prevented_share"][0] - x0["prevented_share"][0])) / PREVENTED_SCALE
    return total


@dataclass(frozen=True)
class Observed:
    daily: pd.DataFrame
    weekly: pd.DataFrame
    files: dict[str, str]          # file name -> sha256

    def prevented_weeks(self, start: dt.date, end: dt.date) -> pd.DatetimeIndex:
        w = self.weekly.dropna(subset=["migrants_prevented"])
        weeks = pd.DatetimeIndex(w["week_ending"])
        # whole weeks inside the window only
        return weeks[(weeks - pd.Timedelta(days=6) >= pd.Timestamp(start)) & (weeks <= pd.Timestamp(end))]

    def statistics(self, start: dt.date, end: dt.date) -> dict[str, np.ndarray]:
        return statistics(self.daily, self.weekly, start, end, self.prevented_weeks(start, end))


def read_observed(data_dir: str | Path | None = None) -> Observed:
    folder = find_data_dir(data_dir)
    files = {}
    for name in ("small_boats_daily.csv", "small_boats_weekly.csv"):
        files[name] = hashlib.sha256((folder / name).read_bytes()).hexdigest()
    return Observed(read_small_boats(folder / "small_boats_daily.csv", "daily"),
                    read_small_boats(folder / "small_boats_weekly.csv", "weekly"), files)


# --- the simulator pyabc calls -----------------------------------------------------------------------
@dataclass(frozen=True)
class Simulator:
    """Runs the model for one particle and returns its statistics (picklable, plain data)."""

    scenario: str
    start: str
    end: str
    warmup_days: int
    data_dir: str | None
    prevented_weeks: tuple[str, ...]

    def __call__(self, parameter) -> dict[str, np.ndarray]:
        from model import run

        seed = int(np.random.randint(0, 2**31 - 1))   # the task's generator is seeded: see SeededMappingSampler
        result = run(self.scenario, seed=seed, start=self.start, end=self.end, warmup_days=self.warmup_days,
                     data_dir=self.data_dir, **overrides_of(dict(parameter)))
        daily, weekly = layout_of(result.series)
        return statistics(daily, weekly, _date(self.start, "start"), _date(self.end, "end"),
                          pd.DatetimeIndex(list(self.prevented_weeks)))


# --- a reproducible sampler ---------------------------------------------------------------------------
def _until_accepted(payload: bytes, sample_factory, seed: int):
    """One particle's task: simulate until one is accepted, from the task's own seed."""
    import cloudpickle

    simulate_one = cloudpickle.loads(payload)
    np.random.seed(seed % 2**32)
    random.seed(seed)
    sample = sample_factory()
    n = 0
    while True:
        particle = simulate_one()
        n += 1
        sample.append(particle)
        if particle.accepted:
            return sample, n


def _sampler_class():
    from pyabc.sampler import Sampler

    class SeededMappingSampler(Sampler):
        """pyabc sampler whose result depends only on the seed, not on the workers or their timing.

        Each of the n particles of generation t is one task seeded from
        (seed, t, index); the tasks' samples are joined in index order.
        ``map_`` is any ordered map (the built-in one, or Dask's through
        :func:`dask_map`).
        """

        def __init__(self, map_: Callable = map, seed: int = 0):
            super().__init__()
            self.map_ = map_
            self.seed = seed

        def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False,
                                    ana_vars=None):
            import cloudpickle

            payload = cloudpickle.dumps(simulate_one)
            seeds = [int(np.random.SeedSequence([self.seed, t + 2, i]).generate_state(1, np.uint64)[0])
                     for i in range(n)]
            task = functools.partial(_until_accepted, payload, self.sample_factory)
            results = list(self.map_(task, seeds))
            sample = self._create_empty_sample()
            evaluations = 0
            for part, count in results:
                sample += part
                evaluations += count
            self.nr_evaluations_ = evaluations
            return sample

    return SeededMappingSampler


def dask_map(client, progress: bool, label: str):
    """An ordered map over a Dask client, with a progress bar per generation."""
    from distributed import as_completed
    from tqdm import tqdm

    generation = iter(range(-1, 10**6))

    def map_(fn, items):
        items = list(items)
        futures = client.map(fn, items, pure=False)
        t = next(generation)
        stage = "prior sample" if t < 0 else f"generation {t}"
        with tqdm(total=len(items), desc=f"{label} {stage}", unit="particle", disable=not progress) as bar:
            for _ in as_completed(futures):
                bar.update()
        results = [f.result() for f in futures]
        for f in futures:
            f.release()
        return results

    return map_


# --- the calibration ------------------------------------------------------------------------------------
@dataclass
class Calibration:
    """A finished calibration, as read from its folder."""

    folder: Path
    posterior: pd.DataFrame            # one row a particle: parameters and weight
    provenance: dict[str, Any]

    def medians(self) -> dict[str, float]:
        return {name: weighted_quantile(self.posterior[name], self.posterior["weight"], 0.5) for name in PRIORS
                if name in self.posterior}

    @property
    def effective_sample_size(self) -> float:
        """Kish's effective sample size of the particles' weights (pyabc's): n if equal, 1 if one carries all."""
        from pyabc.weighted_statistics import effective_sample_size

        return float(effective_sample_size(self.posterior["weight"].to_numpy(float)))

    def draws(self, n: int, seed: int) -> list[dict[str, Any]]:
        """n parameter sets drawn from the posterior (by weight), as model overrides."""
        rng = np.random.default_rng(np.random.SeedSequence([seed, 5]))
        w = self.posterior["weight"].to_numpy(float)
        picks = rng.choice(len(self.posterior), size=n, replace=True, p=w / w.sum())
        names = [c for c in self.posterior.columns if c in PRIORS]
        return [overrides_of({k: self.posterior.iloc[i][k] for k in names}) for i in picks]


def weighted_quantile(values, weights, q: float) -> float:
    v = np.asarray(values, float)
    w = np.asarray(weights, float)
    order = np.argsort(v)
    v, w = v[order], w[order]
    cum = (np.cumsum(w) - 0.5 * w) / w.sum()
    return float(np.interp(q, cum, v))


def calibrated_defaults(calibration: Calibration) -> dict[str, Any]:
    """The posterior medians as model parameter values (three significant figures)."""
    out = {}
    for name, value in calibration.medians().items():
        if name in DATE_PARAMETERS:
            out[name] = decimal_year_to_date(value)
        else:
            out[name] = float(f"{value:.3g}")
    return out


def load_calibration(folder: str | Path | None = None) -> Calibration:
    """A calibration folder (default: the committed one behind the shipped defaults)."""
    folder = Path(folder) if folder is not None else POSTERIOR_DIR
    posterior, provenance = folder / "posterior.csv", folder / "provenance.json"
    if not posterior.is_file() or not provenance.is_file():
        raise CalibrationError(f"{folder} holds no finished calibration (posterior.csv and provenance.json).")
    table = pd.read_csv(posterior)
    missing = [c for c in ("weight",) if c not in table]
    unknown = [c for c in table.columns if c != "weight" and c not in PRIORS]
    if missing or unknown or table.empty:
        raise CalibrationError(f"{posterior}: expected columns of free parameters and 'weight'"
                               f"{'; unknown: ' + ', '.join(unknown) if unknown else ''}.")
    return Calibration(folder, table, json.loads(provenance.read_text()))


def calibrate(out: str | Path, settings: Settings = Settings(), *, workers: int | None = None,
              scheduler: str | None = None, cluster_file: str | Path | None = None, serial: bool = False,
              data_dir: str | Path | None = None, progress: bool | None = None) -> Calibration:
    """Run ABC-SMC into the folder ``out`` and return the posterior."""
    settings.check()
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise CalibrationError(f"{out} exists and is not empty; give a new --out folder.")
    observed = read_observed(data_dir)
    start, end = _date(settings.start, "start"), _date(settings.end, "end")
    last = observed.daily["date"].max().date()
    if end > last:
        raise CalibrationError(f"the window ends on {end}, after the observed series ({last}).")
    if progress is None:
        progress = sys.stderr.isatty()
    x0 = observed.statistics(start, end)
    weeks = tuple(d.date().isoformat() for d in observed.prevented_weeks(start, end))
    simulator = Simulator(settings.scenario, settings.start, settings.end, settings.warmup_days,
                          str(find_data_dir(data_dir)), weeks)
    out.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    from experiments.execute import dask_client

    if serial:
        history = _run_abc(out, settings, simulator, x0, map)
    else:
        with dask_client(workers, scheduler, cluster_file) as client:
            history = _run_abc(out, settings, simulator, x0, dask_map(client, progress, "calibrate"))
    return finish(out, history, settings, observed.files, time.perf_counter() - began)


def finish(out: Path, history, settings: Settings, files: dict[str, str], seconds: float) -> Calibration:
    """Write the posterior of the last generation in ``history`` with its provenance and figure."""
    from pyabc.weighted_statistics import effective_sample_size

    frame, weights = history.get_distribution(m=0, t=history.max_t)
    posterior = frame[list(PRIORS)].reset_index(drop=True)
    posterior["weight"] = np.asarray(weights, float) / np.sum(weights)
    populations = history.get_all_populations()
    provenance = {
        "method": "ABC-SMC (pyabc ABCSMC, median epsilon, multivariate normal transition: kernel_scaling x the "
                  "weighted covariance)",
        "settings": asdict(settings),
        "data_window": [settings.start, settings.end],
        "data_files": files,
        "priors": {k: {"distribution": "uniform", "low": lo, "high": hi} for k, (lo, hi) in PRIORS.items()},
        "date_parameters_as_decimal_years": sorted(DATE_PARAMETERS),
        "statistics": ["monthly log arrivals", "log people per boat by year", "share of days with arrivals by year",
                       "prevented share over recorded weeks"],
        "generations": [{"t": int(r.t), "epsilon": float(r.epsilon), "simulations": int(r.samples),
                         "effective_sample_size": round(float(effective_sample_size(
                             history.get_distribution(m=0, t=int(r.t))[1])), 1)}
                        for r in populations.itertuples() if r.t >= 0],
        "simulations": int(history.total_nr_simulations),
        "seconds": round(seconds, 1),
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        **_versions(),
    }
    _write_atomic(out / "posterior.csv", posterior.to_csv(index=False, float_format="%.6g"))
    _write_atomic(out / "provenance.json", json.dumps(provenance, indent=1))
    calibration = load_calibration(out)
    from experiments.plots import posterior_plot

    posterior_plot(calibration, out / "posterior.png")
    return calibration


def whole_covariance(n_samples: float, dimension: int) -> float:
    """A bandwidth factor of one: the kernel is the population's own weighted covariance, scaled by
    ``Settings.kernel_scaling`` (2, after Beaumont et al. 2009, Biometrika 96: 983). Silverman's
    rule, pyabc's default, shrinks it to half or less in twelve dimensions; with so narrow a kernel the
    importance weights of a population of 60 collapsed onto two or three particles (effective sample
    size 2 to 3 from the third generation on)."""
    return 1.0


def transition(settings: Settings):
    """The proposal kernel of every generation after the first."""
    import pyabc

    return pyabc.MultivariateNormalTransition(scaling=settings.kernel_scaling, bandwidth_selector=whole_covariance)


def _run_abc(out: Path, settings: Settings, simulator: Simulator, x0, map_):
    import logging

    import pyabc

    for name in ("ABC", "Epsilon", "Distance", "Acceptor", "History", "Sampler", "Population", "pyabc"):
        logging.getLogger(name).setLevel(logging.WARNING)
        logging.getLogger(f"ABC.{name}").setLevel(logging.WARNING)
    prior = pyabc.Distribution(**{k: pyabc.RV("uniform", lo, hi - lo) for k, (lo, hi) in PRIORS.items()})
    state = np.random.get_state()
    np.random.seed(settings.seed)
    try:
        abc = pyabc.ABCSMC(simulator, prior, distance, population_size=settings.population,
                           transitions=transition(settings), sampler=_sampler_class()(map_, settings.seed))
        abc.new("sqlite:///" + str((out / "abc.db").resolve()), x0)
        return abc.run(max_nr_populations=settings.generations, max_total_nr_simulations=settings.budget)
    finally:
        np.random.set_state(state)


def _versions() -> dict[str, str]:
    from importlib.metadata import version

    from experiments.runner import code_version

    return {**code_version(), "pyabc_version": version("pyabc"), "mesa_version": version("mesa"),
            "simpy_version": version("simpy")}


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    tmp.replace(path)


def check_priors() -> None:
    """Every free parameter is a model parameter, and its prior lies in the parameter's range."""
    index = leaf_index()
    for name in PRIORS:
        if name not in index:  # pragma: no cover - guarded by a test
            raise RuntimeError(f"prior for unknown parameter {name!r}")


def posterior_runs(calibration: Calibration, scenarios: list[str], draws: int, seed: int, *, start: str,
                   days: int, warmup_days: int, outputs: tuple[str, ...], frequency: str = "daily",
                   window: tuple[str | None, str | None] = (None, None),
                   data_dir: str | None = None) -> tuple[list, str]:
    """Posterior-predictive runs: each draw's parameters and seed shared by every scenario
    (common random numbers). Returns the runs and a fingerprint of them."""
    from experiments.sweep import RunSpec

    if isinstance(draws, bool) or not isinstance(draws, int) or draws < 1:
        raise CalibrationError(f"draws must be a whole number of at least 1, not {draws!r}.")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise CalibrationError(f"seed must be a whole number of at least 0, not {seed!r}.")
    overrides = calibration.draws(draws, seed)
    seeds = np.random.SeedSequence(seed, spawn_key=(2,)).spawn(draws)
    plan = [RunSpec(run_id=f"{scenario}-d{i:04d}", point=i, replicate=0, scenario=scenario,
                    overrides=overrides[i], seed_entropy=int(seq.entropy), seed_spawn_key=tuple(seq.spawn_key),
                    start=start, days=days, warmup_days=warmup_days, frequency=frequency, outputs=outputs,
                    window=window, data_dir=data_dir)
            for scenario in scenarios for i, seq in enumerate(seeds)]
    return plan, plan_fingerprint(plan)


def window_runs(calibration: Calibration, draws: int, seed: int, outputs: tuple[str, ...],
                data_dir: str | Path | None = None) -> tuple[list, str, dt.date, dt.date]:
    """Posterior-predictive runs of the calibration's own window and scenario (as it was fitted):
    the runs, their fingerprint, and the window's first and last day."""
    settings = calibration.provenance["settings"]
    start, end = _date(settings["start"], "start"), _date(settings["end"], "end")
    plan, fingerprint = posterior_runs(calibration, [settings["scenario"]], draws, seed, start=start.isoformat(),
                                       days=(end - start).days + 1, warmup_days=settings["warmup_days"],
                                       outputs=outputs, data_dir=str(find_data_dir(data_dir)))
    return plan, fingerprint, start, end


def plan_fingerprint(plan: list) -> str:
    """A short hash of everything that decides a list of runs (not where the data are read from)."""
    decisive = [{k: v for k, v in asdict(r).items() if k != "data_dir"} for r in plan]
    return hashlib.sha256(json.dumps(decisive, sort_keys=True, default=str).encode()).hexdigest()[:16]


def history_warmup(start: dt.date) -> int:
    """Warm-up days that make a run starting on ``start`` simulate the calibrated history too."""
    return (start - CALIBRATION_START).days + CALIBRATION_WARMUP_DAYS
