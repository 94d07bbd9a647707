"""Calibration: ABC-SMC (pyabc) of the free parameters against the Home Office series.

The free parameters (`PRIORS`, uniform
priors) are inferred by likelihood-free approximate Bayesian computation with
sequential Monte Carlo (pyabc's ``ABCSMC``), comparing each simulation of the
calibration window (2018 to July 2025 by default) with the observed series
through the summary statistics of
[`experiments.inference.targets.statistics`][channelsim.experiments.inference.targets.statistics]:

- monthly arrivals (on a log scale), which carry the trend, the season and
  the fall after 2022;
- people per boat by year, which the gangs' behaviour must produce;
- the share of days with arrivals by year (the weather and launch decisions);
- the French prevented share over the weeks where it is recorded.

Simulations run on Dask (a local cluster, a scheduler, or dask-jobqueue). So
that a calibration is reproducible from its seed on any number of workers,
``SeededMappingSampler`` gives each particle's task its own seed, derived
from the calibration seed, the generation and the particle's index, and
collects the tasks in order.

The output folder holds ``posterior.csv`` (the last generation: one row a
particle, its parameters and weight), ``provenance.json`` (data window and
files, seed, settings, package and git versions, the epsilon schedule),
``abc.db`` (pyabc's full history), ``particles.parquet`` (every generation's
accepted particles with their distances, what the identification report's
profile reads, kept beside abc.db so that a committed calibration can carry it
without the database) and ``posterior.png``, and the identification report
([`experiments.inference.identification`][channelsim.experiments.inference.identification]); it is read back by
[`experiments.inference.posterior.load_calibration`][channelsim.experiments.inference.posterior.load_calibration].
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import logging
import random
import sys
import time
import warnings
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path

import cloudpickle
import numpy as np
import pandas as pd

from channelsim.core.calendar import parse_date
from channelsim.core.data import data_dir as find_data_dir
from channelsim.core.data import file_hashes
from channelsim.core.errors import ChannelsimWarning
from channelsim.core.files import atomic_path, write_text_atomic
from channelsim.core.versions import code_version
from channelsim.experiments.inference.identification import PARTICLES_FILE, identification_report, particles_of_history
from channelsim.experiments.inference.posterior import Calibration, load_calibration, particle_overrides, settings_from
from channelsim.experiments.inference.settings import DATE_PARAMETERS, VARIANTS, CalibrationError, Settings
from channelsim.experiments.inference.targets import (
    NATIONALITY_FILE,
    NationalityTargets,
    group_shares,
    layout_of,
    nationality_targets,
    read_observed,
    statistics,
)
from channelsim.experiments.plots import posterior_plot
from channelsim.experiments.sweeps.execute import executor, ordered_map
from channelsim.model import ChannelModel, load_scenario

# Scales of the distance's terms: an error of one scale counts as much as a monthly
# log error of one (a factor of e) on average.
DAYS_SCALE = 0.1
PREVENTED_SCALE = 0.1
NATIONALITY_SHARE_SCALE = 0.05   # five percentage points of a group's share of arrivals


# --- summary statistics and distance ---------------------------------------------------------------
def distance(x: dict[str, np.ndarray], x0: dict[str, np.ndarray]) -> float:
    """Root-mean-square errors of the statistics, each on its own scale, summed."""
    total = float(np.sqrt(np.mean((x["monthly"] - x0["monthly"]) ** 2)))
    total += float(np.sqrt(np.mean((x["people_per_boat"] - x0["people_per_boat"]) ** 2)))
    total += float(np.sqrt(np.mean((x["days_with_arrivals"] - x0["days_with_arrivals"]) ** 2))) / DAYS_SCALE
    if "prevented_share" in x0 and "prevented_share" in x:
        total += float(abs(x["prevented_share"][0] - x0["prevented_share"][0])) / PREVENTED_SCALE
    if "nationality_shares" in x0 and len(x0["nationality_shares"]):
        # published shares by nationality, each weighed by its period's observed arrivals
        w = x0["nationality_weights"]
        gap = x["nationality_shares"] - x0["nationality_shares"]
        total += float(np.sqrt(np.sum(w * gap ** 2) / np.sum(w))) / NATIONALITY_SHARE_SCALE
    return total


@dataclass(frozen=True)
class WindowCalendar:
    """A window's days by month and year, for
    [`distance_bound`][channelsim.experiments.inference.abc_smc.distance_bound] (the same at every month's
    end of every simulation of a calibration, so made once a window)."""

    month: np.ndarray         # each day's month, counted from the window's first
    month_done: np.ndarray    # the days run when each month (its part in the window) has ended
    year: np.ndarray          # each day's year, counted from the window's first
    year_done: np.ndarray     # the days run when each year (its part in the window) has ended
    year_days: np.ndarray     # the days of each year in the window


@functools.lru_cache(maxsize=16)
def window_calendar(start: dt.date, end: dt.date) -> WindowCalendar:
    days = pd.date_range(start, end, freq="D")
    months = pd.period_range(start, end, freq="M")
    last_of_month = [min(m.end_time.date(), end) for m in months]
    years = range(start.year, end.year + 1)
    first_of_year = [max(dt.date(y, 1, 1), start) for y in years]
    last_of_year = [min(dt.date(y, 12, 31), end) for y in years]
    return WindowCalendar(
        month=np.asarray((days.year - start.year) * 12 + days.month - start.month),
        month_done=np.array([(d - start).days + 1 for d in last_of_month]),
        year=np.asarray(days.year - start.year),
        year_done=np.array([(d - start).days + 1 for d in last_of_year]),
        year_days=np.array([(b - a).days + 1 for a, b in zip(first_of_year, last_of_year, strict=True)]))


def distance_bound(arrivals: np.ndarray, boats: np.ndarray, start: dt.date, end: dt.date,
                   x0: dict[str, np.ndarray]) -> float:
    """A lower bound of [`distance`][channelsim.experiments.inference.abc_smc.distance] from the first
    ``len(arrivals)`` days of the window (daily arrivals and boats from ``start``).

    The monthly, people-per-boat and days-with-arrivals terms of the months and years that have ended,
    each over all of its periods: the days still to run can only add to each term's sum of squares,
    and the other terms are at least 0
    ([`nationality_bound`][channelsim.experiments.inference.abc_smc.nationality_bound] bounds the
    nationality term), so a run whose bound exceeds the acceptance threshold is rejected
    whatever it does next (early rejection). Over the whole window it equals those three terms.
    """
    cal = window_calendar(start, end)
    n = len(arrivals)
    arrivals, boats = np.asarray(arrivals, float), np.asarray(boats, float)
    months, years = len(cal.month_done), len(cal.year_done)

    monthly = np.bincount(cal.month[:n], weights=arrivals, minlength=months)[:months]
    ended = cal.month_done <= n
    total = np.sqrt(np.sum((np.log1p(monthly[ended]) - x0["monthly"][ended]) ** 2) / months)

    done = cal.year_done <= n
    year = cal.year[:n]
    people = np.bincount(year, weights=arrivals, minlength=years)
    launched = np.bincount(year, weights=boats, minlength=years)
    with_arrivals = np.bincount(year, weights=arrivals > 0, minlength=years)
    per_boat = np.log(np.clip(np.divide(people, launched, out=np.ones_like(people), where=launched > 0), 1.0, None))
    total += np.sqrt(np.sum((per_boat[done] - x0["people_per_boat"][done]) ** 2) / years)
    share = with_arrivals / cal.year_days
    total += np.sqrt(np.sum((share[done] - x0["days_with_arrivals"][done]) ** 2) / years) / DAYS_SCALE

    return float(total)


def nationality_bound(by_group: dict[str, np.ndarray], start: dt.date, nationalities: NationalityTargets,
                      x0: dict[str, np.ndarray]) -> float:
    """A lower bound of the distance's nationality term from each group's daily arrivals from ``start``
    (``ChannelModel.arrivals_by_group``): the gaps of the periods that have ended, over all the weights."""
    w = x0["nationality_weights"]
    ran = len(next(iter(by_group.values()))) if by_group else 0
    shares = group_shares(by_group, start, nationalities, days=ran)
    gap = np.where(np.isnan(shares), 0.0, shares - x0["nationality_shares"])
    return float(np.sqrt(np.sum(w * gap ** 2) / np.sum(w)) / NATIONALITY_SHARE_SCALE)


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
    nationalities: NationalityTargets | None = None
    variant: str = "full"   # a name in settings.VARIANTS: what moves the perceived return probability

    def __call__(self, parameter) -> dict[str, np.ndarray]:
        return self.simulate(parameter)

    def simulate(self, parameter, x0: dict[str, np.ndarray] | None = None,
                 threshold: float = np.inf) -> dict[str, np.ndarray] | None:
        """The particle's statistics; or None as soon as, at a month's end, the run's
        [`distance_bound`][channelsim.experiments.inference.abc_smc.distance_bound] to ``x0`` exceeds
        ``threshold`` (it would be rejected: the same decision, sooner)."""
        seed = int(np.random.randint(0, 2**31 - 1))   # the task's generator is seeded: see SeededMappingSampler
        start, end = parse_date(self.start, "start date"), parse_date(self.end, "end date")
        model = ChannelModel(self.scenario, rng=seed, start=start, warmup_days=self.warmup_days,
                             data_dir=self.data_dir, **VARIANTS[self.variant], **particle_overrides(dict(parameter)))
        period_ends = sorted((parse_date(last, "period end") - start).days + 1
                             for _, last in (self.nationalities.periods if self.nationalities else ()))
        ran, by_nationality, counted = 0, 0.0, 0
        for month_end in pd.period_range(start, end, freq="M").end_time.normalize():
            until = (min(month_end.date(), end) - start).days + 1
            model.run_for(until - ran)
            ran = until
            if x0 is not None and np.isfinite(threshold) and until < (end - start).days + 1:
                ended = int(np.searchsorted(period_ends, until, side="right"))
                if ended > counted:   # a nationality period has ended since the last look
                    by_nationality, counted = nationality_bound(model.arrivals_by_group(), start,
                                                                self.nationalities, x0), ended
                record = model.datacollector.model_vars
                bound = distance_bound(record["arrivals"], record["boats_arrived"], start, end, x0) + by_nationality
                if bound * (1 - 1e-9) > threshold:   # a margin for rounding: never reject what distance() accepts
                    return None
        series = model.datacollector.get_model_vars_dataframe().reset_index()
        daily, weekly = layout_of(series)
        stats = statistics(daily, weekly, start, end, pd.DatetimeIndex(list(self.prevented_weeks)))
        if self.nationalities is not None:
            stats["nationality_shares"] = group_shares(model.arrivals_by_group(), start, self.nationalities)
        return stats


def _model_class():
    """The pyabc model of a Simulator that rejects early (defined when pyabc is loaded)."""
    from pyabc.acceptor import UniformAcceptor
    from pyabc.model import FunctionModel, ModelResult

    class EarlyRejecting(FunctionModel):
        """pyabc's model of a [`Simulator`][channelsim.experiments.inference.abc_smc.Simulator] that stops a
        run once it cannot be accepted (Simulator.simulate). Under pyabc's uniform acceptor (accept a
        distance at most the generation's epsilon) every decision is the one the whole run would give, and an
        accepted particle is the same, so the calibration is identical, only sooner (tested)."""

        def __init__(self, simulator: Simulator):
            super().__init__(simulator, name=type(simulator).__name__)

        def accept(self, t, pars, sum_stat_calculator, distance_calculator, eps_calculator, acceptor, x_0):
            if not isinstance(acceptor, UniformAcceptor):
                return super().accept(t, pars, sum_stat_calculator, distance_calculator, eps_calculator,
                                      acceptor, x_0)
            stats = self.sample_function.simulate(pars, x_0, float(eps_calculator(t)))
            if stats is None:
                return ModelResult(accepted=False, distance=np.inf)
            result = ModelResult(sum_stat=sum_stat_calculator(stats))
            decided = acceptor(distance_function=distance_calculator, eps=eps_calculator, x=result.sum_stat,
                               x_0=x_0, t=t, par=pars)
            result.distance, result.accepted, result.weight = decided.distance, decided.accept, decided.weight
            return result

    return EarlyRejecting


# --- a reproducible sampler ---------------------------------------------------------------------------
def _until_accepted(payload: bytes, sample_factory, seed: int):
    """One particle's task: simulate until one is accepted, from the task's own seed."""
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
    """The sampler's class, defined when pyabc (slow to import) is loaded for a calibration."""
    from pyabc.sampler import Sampler

    class SeededMappingSampler(Sampler):
        """pyabc sampler whose result depends only on the seed, not on the workers or their timing.

        Each of the n particles of generation t is one task seeded from
        (seed, t, index); the tasks' samples are joined in index order.
        ``map_(fn, items, t)`` is any ordered map (by default the built-in
        one; [`calibrate`][channelsim.experiments.inference.abc_smc.calibrate] gives
        [`executor_map`][channelsim.experiments.inference.abc_smc.executor_map]'s); ``t`` labels its
        progress.
        """

        def __init__(self, map_: Callable | None = None, seed: int = 0):
            super().__init__()
            self.map_ = map_ or (lambda fn, items, t: list(map(fn, items)))
            self.seed = seed

        def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False,
                                    ana_vars=None):
            payload = cloudpickle.dumps(simulate_one)
            seeds = [int(np.random.SeedSequence([self.seed, t + 2, i]).generate_state(1, np.uint64)[0])
                     for i in range(n)]
            task = functools.partial(_until_accepted, payload, self.sample_factory)
            results = list(self.map_(task, seeds, t))
            sample = self._create_empty_sample()
            evaluations = 0
            for part, count in results:
                sample += part
                evaluations += count
            self.nr_evaluations_ = evaluations
            return sample

    return SeededMappingSampler


@contextmanager
def executor_map(workers: int | None = None, scheduler: str | None = None,
                 cluster_file: str | Path | None = None, serial: bool = False, progress: bool = False):
    """An ordered map ``map_(fn, items, label)`` with a progress bar: in this process (``serial``), or
    over a Dask client (local workers, a scheduler or a cluster file) whose dashboard is announced."""
    with executor(workers, scheduler, cluster_file, serial, announce=progress) as client:
        yield lambda fn, items, label: ordered_map(client, fn, list(items), label, progress)


def _stage(t: int) -> str:
    return "prior sample" if t < 0 else f"generation {t}"


# --- the calibration ------------------------------------------------------------------------------------
SETTINGS_FILE = "settings.json"   # written when a calibration starts, so that it can be resumed


def calibrate(out: str | Path, settings: Settings | None = None, *, workers: int | None = None,
              scheduler: str | None = None, cluster_file: str | Path | None = None, serial: bool = False,
              data_dir: str | Path | None = None, progress: bool | None = None, resume: bool = False,
              max_minutes: float | None = None, early_rejection: bool = True) -> Calibration:
    """Run ABC-SMC into the folder ``out`` and return the posterior (default settings: the standard budget).

    ``resume=True`` continues the calibration already in ``out`` (its ``abc.db``) from its last
    finished generation, with the settings it was started with (``settings`` then gives only a new
    ``generations`` and ``budget``): since every particle's task is seeded from (seed, generation,
    index), a calibration stopped and resumed ends where an uninterrupted one would. ``max_minutes``
    stops it after the first generation that ends past that time (it can be resumed later).
    ``early_rejection`` stops a simulation at a month's end once it cannot be accepted
    ([`distance_bound`][channelsim.experiments.inference.abc_smc.distance_bound]); the calibration is the
    same with it and without it, only sooner (``False``: for measuring what it saves).
    """
    out = Path(out)
    if resume:
        settings, recorded_files, before = _resumed_settings(out, settings)
    else:
        settings = settings or Settings()
        if out.exists() and any(out.iterdir()):
            raise CalibrationError(f"{out} exists and is not empty; give a new --out folder (or --resume it).")
        recorded_files, before = None, []
    settings.check()
    if max_minutes is not None and not max_minutes > 0:
        raise CalibrationError(f"max_minutes must be a positive number, not {max_minutes!r}.")
    simulator, x0, files = problem(settings, data_dir)
    if progress is None:
        progress = sys.stderr.isatty()
    if recorded_files is not None:
        check_same_data(recorded_files, files, f"since {out} was started; a calibration resumes only on the data "
                                               f"it began with")
        check_resumable(out, _stored_history(out), settings)   # before anything in the folder changes
    out.mkdir(parents=True, exist_ok=True)
    # the settings this run goes by (a resume's raised limits included), for the next resume
    write_text_atomic(out / SETTINGS_FILE, json.dumps({"settings": asdict(settings), "data_files": files}, indent=1))
    began = time.perf_counter()
    with executor_map(workers, scheduler, cluster_file, serial, progress) as map_:
        history = _run_abc(out, settings, simulator, x0, lambda fn, items, t: map_(fn, items, f"calibrate {_stage(t)}"),
                           resume=resume, max_minutes=max_minutes, early_rejection=early_rejection)
    return write_posterior(out, history, settings, files, time.perf_counter() - began, segments=before)


def problem(settings: Settings, data_dir: str | Path | None = None) -> tuple[Simulator, dict, dict[str, str]]:
    """What a calibration with these settings compares: its simulator, the observed statistics (x0)
    and the data files' hashes."""
    observed = read_observed(data_dir)
    start, end = settings.window()
    last = observed.daily["date"].max().date()
    if end > last:
        raise CalibrationError(f"the window ends on {end}, after the observed series ({last}).")
    observed.require_days(start, end, "Complete the daily file, or choose a window it covers (--start, --end).")
    weekly_last = observed.weekly["week_ending"].max().date()
    last_sunday = end - dt.timedelta(days=(end.weekday() + 1) % 7)   # the window's last whole week ends then
    if weekly_last < last_sunday:
        warnings.warn(f"the weekly file ends with the week to {weekly_last}, but the window holds whole weeks to "
                      f"{last_sunday}: the prevented share is fitted over the weeks the file holds only.",
                      ChannelsimWarning, stacklevel=2)
    x0 = observed.statistics(start, end)
    weeks = tuple(d.date().isoformat() for d in observed.prevented_weeks(start, end))
    # every data file the runs may read (the returns inside the window, the nationality mix), and the two read here
    files = {**file_hashes(find_data_dir(data_dir)), **observed.files}
    nationalities = None
    if settings.priors == "deterrence":
        groups = [g.name for g in load_scenario(settings.scenario).nationalities]
        nationalities = nationality_targets(observed, groups, start, end, data_dir)
        x0["nationality_shares"] = np.array(nationalities.shares)
        x0["nationality_weights"] = np.array(nationalities.weights)
        files[NATIONALITY_FILE] = nationalities.file_hash
    simulator = Simulator(settings.scenario, settings.start, settings.end, settings.warmup_days,
                          str(find_data_dir(data_dir)), weeks, nationalities)
    return simulator, x0, files


def check_same_data(recorded: dict[str, str], files: dict[str, str], why: str) -> None:
    """A CalibrationError naming the data files whose hashes differ from those recorded (or gone); a file
    not recorded (by a calibration from before it was) is not compared."""
    changed = sorted(k for k in recorded if files.get(k) != recorded[k])
    if changed:
        raise CalibrationError(f"the data changed ({', '.join(changed)}) {why}.")


def recorded_settings(out: str | Path) -> Settings:
    """The settings a calibration folder was started with."""
    return _recorded(Path(out))[0]


def _recorded(out: Path) -> tuple[Settings, dict[str, str]]:
    for name in (SETTINGS_FILE, "provenance.json"):
        if (out / name).is_file():
            try:
                recorded = json.loads((out / name).read_text())
            except ValueError as exc:
                raise CalibrationError(f"{out / name} is not valid JSON ({exc}).") from None
            return settings_from(recorded, out / name), recorded.get("data_files", {})
    raise CalibrationError(f"{out} holds no calibration to resume ({SETTINGS_FILE} or provenance.json).")


def _resumed_settings(out: Path, given: Settings | None) -> tuple[Settings, dict[str, str], list[dict]]:
    """The settings, data hashes and earlier run segments of the calibration in ``out``; ``given`` may
    raise its generations and budget."""
    if not (out / "abc.db").is_file():
        raise CalibrationError(f"{out} holds no calibration to resume (no abc.db).")
    settings, files = _recorded(out)
    if given is not None:
        settings = dataclasses.replace(settings, generations=given.generations, budget=given.budget)
    before = []
    provenance = out / "provenance.json"
    if provenance.is_file():
        try:
            old = json.loads(provenance.read_text())
        except ValueError as exc:
            raise CalibrationError(f"{provenance} is not valid JSON ({exc}).") from None
        before = old.get("segments") or [{key: old[key] for key in ("simulations", "seconds", "git_commit",
                                                                     "created", "stopped") if key in old}]
    return settings, files, before


def generation_ess(history, t: int) -> float:
    """Kish's effective sample size of generation ``t``'s weights in a pyabc ``History`` (every model's
    particles together: with several variants, of the joint posterior of variant and parameters)."""
    from pyabc.weighted_statistics import effective_sample_size

    return float(effective_sample_size(history.get_weighted_distances(t)["w"].to_numpy(float)))


def variant_ess(history, t: int, variants: tuple[str, ...]) -> dict[str, dict[str, float]]:
    """Each variant's particles in generation ``t`` and Kish's effective sample size of their weights
    within the variant: what its proposal kernel is estimated from (a joint ESS can hide a variant whose
    weights have collapsed onto a few particles)."""
    from pyabc.weighted_statistics import effective_sample_size

    out = {}
    for m, variant in enumerate(variants):
        w = np.asarray(history.get_distribution(m=m, t=t)[1], float)
        out[variant] = {"particles": int(len(w)),
                        "effective_sample_size": round(float(effective_sample_size(w / w.sum())), 1) if len(w) else 0.0}
    return out


def model_probabilities(history, variants: tuple[str, ...]) -> list[dict[str, float]]:
    """Each generation's posterior probability of each variant (pyabc's model probabilities)."""
    table = history.get_model_probabilities()
    return [{"t": int(t), **{v: float(row.get(m, 0.0)) for m, v in enumerate(variants)}}
            for t, row in table.fillna(0.0).iterrows() if int(t) >= 0]


def degenerate(ess: float, settings: Settings) -> bool:
    """Whether a generation with this effective sample size has degenerated: under ``min_ess_fraction``
    of the particles (ABC-SMC's weights collapse onto a few as epsilon shrinks)."""
    return ess < settings.min_ess_fraction * settings.population


def write_posterior(out: Path, history, settings: Settings, files: dict[str, str], seconds: float, *,
                    segments: list[dict] | None = None) -> Calibration:
    """Write the posterior, the last generation in ``history`` that has not degenerated
    ([`degenerate`][channelsim.experiments.inference.abc_smc.degenerate]), with its provenance and figure.

    ``segments`` are the earlier runs of a resumed calibration (each its simulations so far, seconds,
    commit); the provenance's ``seconds`` is the total of all of them. A degenerate generation ends
    the calibration (`_run_abc`): it is recorded in the provenance, not used."""
    populations = history.get_all_populations()
    ess = {int(r.t): generation_ess(history, int(r.t)) for r in populations.itertuples() if r.t >= 0}
    # the prior sample (t = 0) has equal weights, so some generation always qualifies
    chosen = max(t for t, e in ess.items() if not degenerate(e, settings))
    names = list(settings.all_free)
    posterior = particles_of_history(history, names, first=chosen, last=chosen, variants=settings.variants)
    posterior = posterior[(["variant"] if len(settings.variants) > 1 else []) + names + ["weight"]]
    provenance = {
        "method": "ABC-SMC (pyabc ABCSMC, median epsilon, multivariate normal transition: kernel_scaling x the "
                  "weighted covariance)",
        "settings": asdict(settings),
        "data_window": [settings.start, settings.end],
        "data_files": files,
        "priors": {k: {"distribution": "uniform", "low": lo, "high": hi} for k, (lo, hi) in settings.all_free.items()},
        "variants": {v: {"overrides": VARIANTS[v], "free": list(settings.variant_free(v)),
                         "prior_probability": 1.0 / len(settings.variants)} for v in settings.variants},
        "model_probabilities": model_probabilities(history, settings.variants),
        "date_parameters_as_decimal_years": sorted(DATE_PARAMETERS),
        "statistics": ["monthly log arrivals", "log people per boat by year", "share of days with arrivals by year",
                       "prevented share over recorded weeks"]
        + (["share of arrivals by nationality over each published period, weighed by its arrivals"]
           if settings.priors == "deterrence" else []),
        "generations": [{"t": int(r.t), "epsilon": float(r.epsilon), "simulations": int(r.samples),
                         "effective_sample_size": round(ess[int(r.t)], 1),
                         "by_variant": variant_ess(history, int(r.t), settings.variants)}
                        for r in populations.itertuples() if r.t >= 0],
        "posterior_generation": chosen,
        "simulations": int(history.total_nr_simulations),
        "seconds": round(seconds + sum(s.get("seconds") or 0 for s in segments or []), 1),
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        **_versions(),
    }
    last = settings.generations <= history.max_t + 1 or history.total_nr_simulations >= settings.budget
    if chosen < history.max_t:
        provenance["ended"] = (f"generation {history.max_t}'s effective sample size, {ess[history.max_t]:.1f}, fell "
                               f"under {settings.min_ess_fraction:g} of its {settings.population} particles "
                               f"(weight degeneracy), which ends the calibration; the posterior is generation "
                               f"{chosen}'s, the last above it (more particles, a new calibration, reach a smaller "
                               f"epsilon)")
    elif not last:
        provenance["stopped"] = (f"stopped at the time limit after generation {history.max_t} (of at most "
                                 f"{settings.generations}, budget {settings.budget}); "
                                 f"'channelsim calibrate --resume {out}' continues it")
    if segments:
        this = {"simulations": provenance["simulations"], "seconds": round(seconds, 1),
                "git_commit": provenance.get("git_commit"), "created": provenance["created"]}
        provenance["segments"] = [*segments, {**this, **({"stopped": provenance["stopped"]}
                                                          if "stopped" in provenance else {})}]
    write_text_atomic(out / "posterior.csv", posterior.to_csv(index=False, float_format="%.6g"))
    with atomic_path(out / PARTICLES_FILE) as tmp:   # the generations up to the posterior's
        particles_of_history(history, names, last=chosen, variants=settings.variants).to_parquet(tmp, index=False)
    write_text_atomic(out / "provenance.json", json.dumps(provenance, indent=1))
    calibration = load_calibration(out)
    posterior_plot(calibration.posterior, settings.all_free, out / "posterior.png")
    identification_report(calibration, out)
    return calibration


def whole_covariance(n_samples: float, dimension: int) -> float:
    """A bandwidth factor of one: the kernel is the population's own weighted covariance, scaled by
    ``Settings.kernel_scaling`` (2, after Beaumont et al. 2009, Biometrika 96: 983). Silverman's
    rule, pyabc's default, shrinks it to half or less in twelve dimensions, a kernel so narrow that
    the importance weights collapse onto a few particles."""
    return 1.0


def transition(settings: Settings):
    """The proposal kernel of every generation after the first."""
    import pyabc

    return pyabc.MultivariateNormalTransition(scaling=settings.kernel_scaling, bandwidth_selector=whole_covariance)


def _database(out: Path) -> str:
    """The SQLAlchemy address of the pyabc database of the calibration in ``out``."""
    return "sqlite:///" + str((out / "abc.db").resolve())


def _stored_history(out: Path):
    """The pyabc ``History`` of the calibration in ``out`` (its ``abc.db``); a CalibrationError if it holds none."""
    from pyabc import History

    try:
        history = History(_database(out), _id=1, create=False)
        if history.max_t is None or history.max_t < 0:
            raise ValueError("no generation stored")
    except Exception as exc:   # sqlalchemy's and pyabc's own errors, or no run stored
        raise CalibrationError(f"{out / 'abc.db'} holds no pyabc calibration to resume "
                               f"({type(exc).__name__}).") from None
    return history


def check_resumable(out: Path, history, settings: Settings) -> None:
    """A CalibrationError if the calibration in ``out`` (its pyabc ``history``) cannot go on under
    ``settings``: it has ended (its last generation degenerated) or reached its limits."""
    done = history.max_t + 1
    ess = generation_ess(history, history.max_t)
    if degenerate(ess, settings):
        raise CalibrationError(f"{out} has ended: its generation {history.max_t}'s effective sample size, "
                               f"{ess:.1f}, fell under {settings.min_ess_fraction:g} of its "
                               f"{settings.population} particles (weight degeneracy); a new calibration "
                               f"with more particles (--population) reaches a smaller epsilon.")
    if done >= settings.generations or history.total_nr_simulations >= settings.budget:
        raise CalibrationError(f"{out} has already run {done} generations and {history.total_nr_simulations} "
                               f"simulations (at most {settings.generations} and {settings.budget}): "
                               f"give more with --generations or --max-simulations.")


def _abcsmc_class(settings: Settings):
    """pyabc's ABCSMC that also ends after a generation whose weights have degenerated
    ([`degenerate`][channelsim.experiments.inference.abc_smc.degenerate]):
    going on from it would propose from a few particles, and its posterior is not used."""
    import pyabc

    class ABCSMC(pyabc.ABCSMC):
        def check_terminate(self, t: int, acceptance_rate: float) -> bool:
            return (super().check_terminate(t=t, acceptance_rate=acceptance_rate)
                    or degenerate(generation_ess(self.history, t), settings))

    return ABCSMC


def _run_abc(out: Path, settings: Settings, simulator: Simulator, x0, map_, *, resume: bool = False,
             max_minutes: float | None = None, early_rejection: bool = True):
    import pyabc

    for name in ("ABC", "Epsilon", "Distance", "Acceptor", "History", "Sampler", "Population", "pyabc"):
        logging.getLogger(name).setLevel(logging.WARNING)
        logging.getLogger(f"ABC.{name}").setLevel(logging.WARNING)
    priors = [pyabc.Distribution(**{k: pyabc.RV("uniform", lo, hi - lo)
                                    for k, (lo, hi) in settings.variant_free(v).items()})
              for v in settings.variants]
    models = [dataclasses.replace(simulator, variant=v) for v in settings.variants]
    if early_rejection:
        early = _model_class()
        models = [early(m) for m in models]
    state = np.random.get_state()
    np.random.seed(settings.seed)
    try:
        abc = _abcsmc_class(settings)(models, priors, distance, population_size=settings.population,
                                      transitions=[transition(settings) for _ in models],
                                      sampler=_sampler_class()(map_, settings.seed))
        database = _database(out)
        if resume:   # calibrate() has read this abc.db and checked that it can go on (check_resumable)
            done = abc.load(database, 1).max_t + 1
        else:
            abc.new(database, x0)
            done = 0
        walltime = dt.timedelta(minutes=max_minutes) if max_minutes is not None else None
        return abc.run(max_nr_populations=settings.generations - done, max_total_nr_simulations=settings.budget,
                       max_walltime=walltime)
    finally:
        np.random.set_state(state)


def _versions() -> dict[str, str]:
    return {**code_version(), "pyabc_version": version("pyabc"), "mesa_version": version("mesa"),
            "simpy_version": version("simpy")}
