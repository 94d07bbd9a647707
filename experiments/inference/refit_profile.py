"""A refit profile: how well the data can be fitted with one parameter held at each of several values.

The identification report's profile (:mod:`experiments.inference.identification`)
is sample-based: the best simulation the ABC happened to accept near each
value. This one **refits** the other free parameters with the profiled one
fixed, by a short conditional search started from the posterior:

1. round 0: for each fixed value v, ``particles`` sets of the other parameters
   drawn from the calibration's posterior (by weight), each simulated with the
   parameter at v, and scored with the calibration's own distance
   (:func:`experiments.inference.abc_smc.distance`) against the same data;
2. each later round: the best ``keep`` share of the previous round's sets for
   that value, each perturbed by a normal step with ``kernel_scaling`` times
   their covariance (the calibration's own proposal,
   :func:`experiments.inference.abc_smc.transition`), kept inside the prior.

The profile is the distance the last round reaches at each value (its
minimum, its :data:`BEST_QUANTILE` quantile: a robust "best", the distance
being a noisy function of the parameters, and its median), set against the
calibration's last epsilon: a value whose refit stays above epsilon is one
the data exclude; a profile within epsilon everywhere says they do not pin
the parameter. It is a search, not an optimum: more rounds or particles can
only lower a value's curve, so a value excluded here is excluded only at this
effort (the report says so).

Every simulation's seed comes from (seed, value, round, index), so the
profile is the same on any number of workers. Writes ``refit_profile.csv``
(one row a value), ``refit_simulations.parquet`` (every simulation),
``refit_profile.png`` and ``refit_profile.md`` (:func:`refit_profile`).
"""

from __future__ import annotations

import dataclasses
import json
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

from core.files import atomic_path, write_text_atomic
from experiments.inference.abc_smc import distance, ordered_map, problem
from experiments.inference.identification import PROFILED, prior_range, priors_of
from experiments.inference.posterior import Calibration, load_calibration
from experiments.inference.report import markdown_table
from experiments.inference.settings import (
    REFIT_KEEP,
    REFIT_PARTICLES,
    REFIT_ROUNDS,
    REFIT_VALUES,
    CalibrationError,
    Settings,
)
from experiments.plots import refit_profile_figure
from experiments.sweeps.execute import dask_client

BEST_QUANTILE = 0.1   # the "best" distance at a value: this quantile of its last round (robust to noise)


@dataclasses.dataclass(frozen=True)
class _Task:
    """One simulation: the calibration's simulator at a parameter set, from its own seed."""

    simulator: object
    x0: dict

    def __call__(self, job: tuple[dict[str, float], int]) -> float:
        theta, seed = job
        np.random.seed(seed % 2**32)   # the simulator draws its run's seed from numpy's global generator
        return distance(self.simulator(theta), self.x0)


def _seed(seed: int, value: int, round_: int, index: int) -> int:
    return int(np.random.SeedSequence([seed, 61, value, round_, index]).generate_state(1, np.uint64)[0])


def refit_profile(calibration: str | Path | Calibration | None, out: str | Path | None = None, *,
                  parameter: str | None = None, values: list[float] | None = None, particles: int = REFIT_PARTICLES,
                  rounds: int = REFIT_ROUNDS, keep: float = REFIT_KEEP, seed: int = 0, workers: int | None = None,
                  scheduler: str | None = None, cluster_file: str | Path | None = None, serial: bool = False,
                  data_dir: str | Path | None = None, progress: bool | None = False) -> pd.DataFrame:
    """Refit the calibration with ``parameter`` held at each of ``values``; write and return the profile."""
    cal = load_calibration(calibration)
    out = Path(out) if out is not None else cal.folder
    priors = priors_of(cal)
    parameter = parameter or next((p for p in PROFILED if p in priors), None)
    if parameter not in priors:
        raise CalibrationError(f"{parameter!r} is not a free parameter of {cal.folder} "
                               f"(free: {', '.join(priors)}).")
    low, high = prior_range(priors[parameter])
    values = list(np.linspace(low, high, REFIT_VALUES)) if values is None else [float(v) for v in values]
    outside = [v for v in values if not low <= v <= high]
    if outside or not values:
        raise CalibrationError(f"profile values must lie in {parameter}'s prior range [{low:g}, {high:g}]"
                               f"{': not ' + ', '.join(f'{v:g}' for v in outside) if outside else ''}.")
    if particles < 4 or rounds < 1 or not 0 < keep <= 1:
        raise CalibrationError("a refit needs at least 4 particles, 1 round and a keep share in (0, 1].")
    settings = Settings(**cal.provenance["settings"])
    simulator, x0, _ = problem(settings, data_dir)
    others = [p for p in priors if p != parameter]
    bounds = np.array([prior_range(priors[p]) for p in others])
    rng = np.random.default_rng(np.random.SeedSequence([seed, 62]))
    w = cal.posterior["weight"].to_numpy(float)
    start = cal.posterior[others].to_numpy(float)
    task = _Task(simulator, x0)
    rows = []
    with _mapper(workers, scheduler, cluster_file, serial, progress) as map_:
        sets = {i: start[rng.choice(len(start), size=particles, p=w / w.sum())] for i in range(len(values))}
        for r in range(rounds):
            if r:
                sets = {i: _perturb(_best(rows, i, r - 1, others, keep), particles, settings.kernel_scaling,
                                    bounds, rng) for i in range(len(values))}
            index = [(i, k) for i in range(len(values)) for k in range(particles)]
            jobs = [({**dict(zip(others, sets[i][k], strict=True)), parameter: values[i]}, _seed(seed, i, r, k))
                    for i, k in index]
            dists = map_(task, jobs, f"refit round {r}")
            for (theta, _), d, (i, k) in zip(jobs, dists, index, strict=True):
                rows.append({"value_index": i, "round": r, "particle": k, "distance": d, **theta})
    sims = pd.DataFrame(rows)
    epsilon = cal.provenance["generations"][-1]["epsilon"]
    table = summarise(sims, parameter, values, epsilon)
    out.mkdir(parents=True, exist_ok=True)
    with atomic_path(out / "refit_simulations.parquet") as tmp:
        sims.to_parquet(tmp, index=False)
    write_text_atomic(out / "refit_profile.csv", table.to_csv(index=False, float_format="%.6g"))
    refit_profile_figure(table, sims, parameter, epsilon, out / "refit_profile.png")
    settings_used = {"calibration": str(cal.folder), "parameter": parameter, "values": values,
                     "particles": particles, "rounds": rounds, "keep": keep, "seed": seed, "epsilon": epsilon}
    write_text_atomic(out / "refit_profile.md", report_text(cal, table, settings_used, epsilon))
    write_text_atomic(out / "refit_profile.json", json.dumps(settings_used, indent=1))
    return table


def _best(rows: list[dict], value_index: int, round_: int, others: list[str], keep: float) -> np.ndarray:
    frame = pd.DataFrame([r for r in rows if r["value_index"] == value_index and r["round"] == round_])
    frame = frame.sort_values(["distance", "particle"], kind="stable")
    return frame[others].to_numpy(float)[: max(2, int(round(keep * len(frame))))]


def _perturb(kept: np.ndarray, n: int, scaling: float, bounds: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """n sets: a kept set each (in turn), plus a normal step of ``scaling`` x the kept sets' covariance,
    re-drawn until inside the prior (a step that keeps failing is dropped for the kept set itself)."""
    cov = scaling * np.atleast_2d(np.cov(kept, rowvar=False))
    cov += np.diag(np.maximum(np.diag(cov), 0) * 1e-9 + 1e-12)
    base = kept[np.arange(n) % len(kept)]
    new = base.copy()
    todo = np.arange(n)
    for _ in range(100):
        draw = base[todo] + rng.multivariate_normal(np.zeros(len(bounds)), cov, size=len(todo))
        inside = np.all((draw >= bounds[:, 0]) & (draw <= bounds[:, 1]), axis=1)
        new[todo[inside]] = draw[inside]
        todo = todo[~inside]
        if not len(todo):
            break
    return new


def summarise(sims: pd.DataFrame, parameter: str, values: list[float], epsilon: float) -> pd.DataFrame:
    """One row a value: its last round's minimum, best-quantile and median distance, and the share
    of its simulations within the calibration's last epsilon."""
    last = sims[sims["round"] == sims["round"].max()]
    rows = []
    for i, v in enumerate(values):
        d = last.loc[last["value_index"] == i, "distance"].to_numpy(float)
        rows.append({"parameter": parameter, "value": v, "simulations": int((sims["value_index"] == i).sum()),
                     "min_distance": float(d.min()), "best_distance": float(np.quantile(d, BEST_QUANTILE)),
                     "median_distance": float(np.median(d)), "within_epsilon": float(np.mean(d <= epsilon))})
    return pd.DataFrame(rows)


def statement(table: pd.DataFrame, epsilon: float) -> str:
    """The plain reading of a refit profile."""
    parameter = table["parameter"].iloc[0]
    excluded = table[table["best_distance"] > epsilon]
    spread = table["best_distance"].max() - table["best_distance"].min()
    best = table.loc[table["best_distance"].idxmin()]
    if excluded.empty:
        return (f"Refit profile of `{parameter}`: at every value from {table['value'].min():g} to "
                f"{table['value'].max():g}, the others refitted reach the calibration's last epsilon "
                f"({epsilon:.3g}); the best distances differ by {spread:.2f} across values (lowest at "
                f"{best['value']:g}). A flat profile: the data do not pin `{parameter}`.")
    return (f"Refit profile of `{parameter}`: refitting the others does not bring "
            f"{', '.join(f'{v:g}' for v in excluded['value'])} within the calibration's last epsilon "
            f"({epsilon:.3g}) at this effort; the best distance is lowest at {best['value']:g} "
            f"({best['best_distance']:.3g}). The data disfavour those values (more rounds can only lower a curve).")


def report_text(cal: Calibration, table: pd.DataFrame, used: dict, epsilon: float) -> str:
    shown = table.drop(columns="parameter").copy()
    for c in ("min_distance", "best_distance", "median_distance"):
        shown[c] = shown[c].map(lambda x: f"{x:.3g}")
    shown["within_epsilon"] = shown["within_epsilon"].map(lambda x: f"{x:.0%}")
    shown = shown.set_index(shown["value"].map(lambda x: f"{x:g}")).drop(columns="value")
    return "\n".join([
        f"# Refit profile of `{used['parameter']}`",
        "",
        f"Calibration `{cal.folder}` (last epsilon {epsilon:.3g}). The other {len(cal.free_parameters) - 1} free "
        f"parameters refitted at each value: {used['particles']} sets drawn from the posterior, then "
        f"{used['rounds'] - 1} round(s) of the best {used['keep']:.0%} perturbed by the calibration's proposal "
        f"kernel; the table is the last round (best = its {BEST_QUANTILE:.0%} quantile of distance). Seed "
        f"{used['seed']}; `refit_simulations.parquet` holds every simulation.",
        "",
        statement(table, epsilon),
        "",
        markdown_table(shown, index_name=f"`{used['parameter']}`"),
        "",
        "![refit profile](refit_profile.png)",
        "",
    ])


@contextmanager
def _mapper(workers, scheduler, cluster_file, serial: bool, progress: bool | None):
    """An ordered map ``map_(fn, jobs, label)`` with a progress bar: serial, or over a Dask client."""
    if serial:
        yield lambda fn, jobs, label: [fn(job) for job in tqdm(jobs, desc=label, unit="run",
                                                                disable=not progress)]
        return
    with dask_client(workers, scheduler, cluster_file) as client:
        yield lambda fn, jobs, label: ordered_map(client, fn, jobs, label, bool(progress))
