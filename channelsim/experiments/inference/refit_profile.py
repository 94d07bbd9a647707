"""A refit profile: how well the data can be fitted with one parameter held at each of several values.

The identification report's profile
([`experiments.inference.identification`][channelsim.experiments.inference.identification])
is sample-based: the best simulation the ABC happened to accept near each
value. This one **refits** the other free parameters with the profiled one
fixed, by a short conditional search started from the posterior:

1. round 0: ``particles`` sets of the other parameters drawn from the
   calibration's posterior (by weight), each simulated with the parameter at
   v and scored with the calibration's own distance
   ([`experiments.inference.abc_smc.distance`][channelsim.experiments.inference.abc_smc.distance]) against the same
   data;
2. each later round: the best ``keep`` share of the previous round's sets at
   that value, each moved by a normal step with ``kernel_scaling`` times the
   posterior's weighted covariance of those parameters (the calibration's own
   proposal, [`experiments.inference.abc_smc.transition`][channelsim.experiments.inference.abc_smc.transition]), kept
   inside
   the prior.

Every value starts from the same posterior draws and uses the same seeds
(simulation k of round r has one seed at every value: common random
numbers), so differences between values are the parameter's, not the draws'.
Beside the values, a **reference** runs the same search with the parameter
free (each posterior draw keeps its own value, and the steps move it too):
what the search reaches when nothing is held.

The profile is each value's last-round "best" distance (its
[`BEST_QUANTILE`][channelsim.experiments.inference.refit_profile.BEST_QUANTILE] quantile: a robust best, the distance
being a noisy
function of the parameters), with a bootstrap standard error, against the
reference's. A value whose best exceeds the reference's by more than
[`DISFAVOURED_Z`][channelsim.experiments.inference.refit_profile.DISFAVOURED_Z] standard errors is one the data
disfavour *at this
effort*: the search is short, and a value far from the posterior's mass
starts from draws fitted to other values, so more rounds may close the gap.
A profile with no such value says the data do not pin the parameter. The
calibration's last epsilon and the share of each value's simulations within
it are reported for scale.

Writes ``refit_profile.csv`` (one row a value, then the reference),
``refit_simulations.parquet`` (every simulation), ``refit_profile.png``,
``refit_profile.md`` and ``refit_profile.json`` (what was run)
(`refit_profile`).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd

from channelsim.core.files import atomic_path, write_text_atomic
from channelsim.experiments.inference.abc_smc import check_same_data, distance, executor_map, problem
from channelsim.experiments.inference.identification import PROFILED, prior_range, priors_of
from channelsim.experiments.inference.posterior import Calibration, load_calibration, settings_from
from channelsim.experiments.inference.report import markdown_table
from channelsim.experiments.inference.settings import (
    REFIT_KEEP,
    REFIT_PARTICLES,
    REFIT_ROUNDS,
    REFIT_VALUES,
    CalibrationError,
    Settings,
)
from channelsim.experiments.plots import refit_profile_figure

BEST_QUANTILE = 0.1   # the "best" distance at a value: this quantile of its last round (robust to noise)
DISFAVOURED_Z = 2.0   # a value's best this many standard errors above the reference's: disfavoured
BOOTSTRAP = 400       # resamples for the best distance's standard error
REFERENCE = -1        # value_index of the reference search (the parameter free)


@dataclasses.dataclass(frozen=True)
class _Task:
    """One simulation: the calibration's simulator at a parameter set, from its own seed."""

    simulator: object
    x0: dict

    def __call__(self, job: tuple[dict[str, float], int]) -> float:
        theta, seed = job
        state = np.random.get_state()
        np.random.seed(seed % 2**32)   # the simulator draws its run's seed from numpy's global generator
        try:
            return distance(self.simulator(theta), self.x0)
        finally:
            np.random.set_state(state)


def _seed(seed: int, round_: int, index: int) -> int:
    """Simulation ``index`` of round ``round_``: the same seed at every value (common random numbers)."""
    return int(np.random.SeedSequence([seed, 61, round_, index]).generate_state(1, np.uint64)[0])


def refit_profile(calibration: str | Path | Calibration | None, out: str | Path | None = None, *,
                  parameter: str | None = None, values: list[float] | None = None, particles: int = REFIT_PARTICLES,
                  rounds: int = REFIT_ROUNDS, keep: float = REFIT_KEEP, seed: int = 0, workers: int | None = None,
                  scheduler: str | None = None, cluster_file: str | Path | None = None, serial: bool = False,
                  data_dir: str | Path | None = None, progress: bool | None = False) -> pd.DataFrame:
    """Refit the calibration with ``parameter`` held at each of ``values``; write and return the profile.

    ``out`` defaults to the calibration's own folder (the command line's to ``results/profile``)."""
    cal = load_calibration(calibration)
    out = Path(out) if out is not None else cal.folder
    priors = priors_of(cal)
    parameter = parameter or next((p for p in PROFILED if p in priors), None)
    if parameter not in priors:
        raise CalibrationError(f"{parameter!r} is not a free parameter of {cal.folder} "
                               f"(free: {', '.join(priors)}).")
    low, high = prior_range(priors[parameter])
    values = list(np.linspace(low, high, REFIT_VALUES)) if values is None else sorted(float(v) for v in values)
    outside = [v for v in values if not low <= v <= high]
    if outside or not values:
        raise CalibrationError(f"profile values must lie in {parameter}'s prior range [{low:g}, {high:g}]"
                               f"{': not ' + ', '.join(f'{v:g}' for v in outside) if outside else ''}.")
    if particles < 4 or rounds < 1 or not 0 < keep <= 1:
        raise CalibrationError("a refit needs at least 4 particles, 1 round and a keep share in (0, 1].")
    settings, epsilon = _settings_and_epsilon(cal)
    simulator, x0, files = problem(settings, data_dir)
    if cal.provenance.get("data_files"):
        check_same_data(cal.provenance["data_files"], files, f"since {cal.folder} was calibrated; a profile is "
                                                            f"measured against the calibration's own data")
    names = list(priors)
    others = [p for p in names if p != parameter]
    bounds = np.array([prior_range(priors[p]) for p in names])
    w = cal.posterior["weight"].to_numpy(float)
    w = w / w.sum()
    posterior = cal.posterior[names].to_numpy(float)
    cov = settings.kernel_scaling * np.atleast_2d(np.cov(posterior, rowvar=False, aweights=w))
    rng = np.random.default_rng(np.random.SeedSequence([seed, 62]))
    picks = rng.choice(len(posterior), size=particles, p=w)   # the same posterior draws at every value
    held = {i: v for i, v in enumerate(values)} | {REFERENCE: None}
    task = _Task(simulator, x0)
    rows: list[dict] = []
    with executor_map(workers, scheduler, cluster_file, serial, bool(progress)) as map_:
        sets = {i: _hold(posterior[picks], names, parameter, v) for i, v in held.items()}
        for r in range(rounds):
            if r:
                steps = rng.multivariate_normal(np.zeros(len(names)), cov, size=(100, particles))
                fixed = steps.copy()
                fixed[..., names.index(parameter)] = 0.0   # a held value does not move
                sets = {i: _step(_best(rows, i, r - 1, names, keep), particles, steps if v is None else fixed,
                                 bounds) for i, v in held.items()}
            index = [(i, k) for i in held for k in range(particles)]
            jobs = [(dict(zip(names, sets[i][k], strict=True)), _seed(seed, r, k)) for i, k in index]
            dists = map_(task, jobs, f"refit round {r}")
            for (theta, _), d, (i, k) in zip(jobs, dists, index, strict=True):
                rows.append({"value_index": i, "round": r, "particle": k, "distance": d, **theta})
    sims = pd.DataFrame(rows)
    table = summarise(sims, parameter, values, epsilon, seed)
    used = {"calibration": str(cal.folder), "parameter": parameter, "values": values, "particles": particles,
            "rounds": rounds, "keep": keep, "seed": seed, "epsilon": epsilon,
            "simulations": len(sims), "others": others}
    out.mkdir(parents=True, exist_ok=True)
    with atomic_path(out / "refit_simulations.parquet") as tmp:
        sims.to_parquet(tmp, index=False)
    write_text_atomic(out / "refit_profile.csv", table.to_csv(index=False, float_format="%.6g"))
    refit_profile_figure(table, sims, parameter, epsilon, out / "refit_profile.png",
                         best_label=f"best ({BEST_QUANTILE:.0%} quantile), last round")
    write_text_atomic(out / "refit_profile.md", report_text(cal, table, used))
    write_text_atomic(out / "refit_profile.json", json.dumps(used, indent=1))
    return table


def _settings_and_epsilon(cal: Calibration) -> tuple[Settings, float]:
    """The calibration's settings and its posterior's epsilon, from its provenance; a clear error if they
    are not there."""
    where = cal.folder / "provenance.json"
    settings = settings_from(cal.provenance, where)
    try:
        return settings, float(cal.posterior_generation["epsilon"])
    except (KeyError, IndexError, TypeError, ValueError, StopIteration) as exc:
        raise CalibrationError(f"{where} lacks the calibration's generations ({type(exc).__name__}: "
                               f"{exc}).") from None


def _hold(sets: np.ndarray, names: list[str], parameter: str, value: float | None) -> np.ndarray:
    """The sets with ``parameter`` at ``value`` (None: as they are, the reference)."""
    sets = np.array(sets, float)
    if value is not None:
        sets[:, names.index(parameter)] = value
    return sets


def _best(rows: list[dict], value_index: int, round_: int, names: list[str], keep: float) -> np.ndarray:
    """The best ``keep`` share (at least two) of a round's sets at one value, best first."""
    frame = pd.DataFrame([r for r in rows if r["value_index"] == value_index and r["round"] == round_])
    frame = frame.sort_values(["distance", "particle"], kind="stable")
    return frame[names].to_numpy(float)[: max(2, int(round(keep * len(frame))))]


def _step(kept: np.ndarray, n: int, steps: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """n sets: kept set ``k % len(kept)`` moved by the first of its candidate ``steps`` (shape
    (tries, n, dimension)) that lands inside the prior's ``bounds``; the set unmoved if none does."""
    base = kept[np.arange(n) % len(kept)]
    new = base.copy()
    todo = np.ones(n, bool)
    for step in steps:
        draw = base + step
        inside = todo & np.all((draw >= bounds[:, 0]) & (draw <= bounds[:, 1]), axis=1)
        new[inside] = draw[inside]
        todo &= ~inside
        if not todo.any():
            break
    return new


def summarise(sims: pd.DataFrame, parameter: str, values: list[float], epsilon: float, seed: int = 0) -> pd.DataFrame:
    """One row a value (then the reference, value NaN): its last round's best (low quantile) distance with a
    bootstrap standard error, minimum and median, the minimum over all rounds, and the share of the last
    round within the calibration's last epsilon."""
    last = sims[sims["round"] == sims["round"].max()]
    rng = np.random.default_rng(np.random.SeedSequence([seed, 63]))
    rows = []
    for i, v in [*enumerate(values), (REFERENCE, float("nan"))]:
        if not (sims["value_index"] == i).any():
            continue
        d = last.loc[last["value_index"] == i, "distance"].to_numpy(float)
        boot = np.quantile(rng.choice(d, size=(BOOTSTRAP, len(d))), BEST_QUANTILE, axis=1)
        rows.append({"parameter": parameter, "value": v, "simulations": int((sims["value_index"] == i).sum()),
                     "best_distance": float(np.quantile(d, BEST_QUANTILE)), "best_se": float(boot.std(ddof=1)),
                     "min_distance": float(d.min()), "median_distance": float(np.median(d)),
                     "min_all_rounds": float(sims.loc[sims["value_index"] == i, "distance"].min()),
                     "within_epsilon": float(np.mean(d <= epsilon))})
    table = pd.DataFrame(rows)
    ref = table[table["value"].isna()]
    if len(ref):
        gap = table["best_distance"] - ref["best_distance"].iloc[0]
        table["gap_to_reference"] = gap.where(table["value"].notna())
        table["z"] = (gap / np.hypot(table["best_se"], ref["best_se"].iloc[0])).where(table["value"].notna())
    return table


def statement(table: pd.DataFrame, epsilon: float) -> str:
    """The plain reading of a refit profile."""
    parameter = table["parameter"].iloc[0]
    rows = table[table["value"].notna()]
    best = rows.loc[rows["best_distance"].idxmin()]
    span = f"from {rows['value'].min():g} to {rows['value'].max():g}"
    if "z" not in table:
        return (f"Refit profile of `{parameter}` {span}: best distance lowest at {best['value']:g} "
                f"({best['best_distance']:.3g}); no reference search to compare with.")
    ref = table[table["value"].isna()].iloc[0]
    disfavoured = rows[rows["z"] > DISFAVOURED_Z]
    within = (rows["within_epsilon"] > 0).sum()
    scale = (f"The reference search (the parameter free) reaches {ref['best_distance']:.3g}; the values' best "
             f"distances run from {rows['best_distance'].min():.3g} to {rows['best_distance'].max():.3g} (lowest "
             f"at {best['value']:g}), and {within} of {len(rows)} values have simulations within the "
             f"calibration's last epsilon ({epsilon:.3g}).")
    if disfavoured.empty:
        return (f"Refit profile of `{parameter}` {span}: with the others refitted, no value fits worse than the "
                f"reference by more than {DISFAVOURED_Z:g} standard errors. {scale} A flat profile at this effort: "
                f"the data do not pin `{parameter}`.")
    return (f"Refit profile of `{parameter}` {span}: with the others refitted, "
            f"{', '.join(f'{v:g}' for v in disfavoured['value'])} fit worse than the reference by more than "
            f"{DISFAVOURED_Z:g} standard errors: the data disfavour them at this effort (a longer search may close "
            f"the gap for values far from the posterior's mass). {scale}")


def report_text(cal: Calibration, table: pd.DataFrame, used: dict) -> str:
    shown = table.drop(columns="parameter").copy()
    for c in shown.columns:
        if c.endswith("distance") or c in ("best_se", "min_all_rounds", "gap_to_reference", "z"):
            shown[c] = shown[c].map(lambda x: "" if x != x else f"{x:.3g}")
    shown["within_epsilon"] = shown["within_epsilon"].map(lambda x: f"{x:.0%}")
    shown = shown.set_index(shown["value"].map(lambda x: "free (reference)" if x != x else f"{x:g}"))
    shown = shown.drop(columns="value")
    return "\n".join([
        f"# Refit profile of `{used['parameter']}`",
        "",
        f"Calibration `{cal.folder}` (last epsilon {used['epsilon']:.3g}). The other {len(used['others'])} free "
        f"parameters refitted at each value: {used['particles']} sets drawn from the posterior (the same draws and "
        f"seeds at every value), then {used['rounds'] - 1} round(s) of the best {used['keep']:.0%} moved by the "
        f"calibration's proposal kernel; the reference runs the same search with the parameter free. The table "
        f"is the last round (best = its {BEST_QUANTILE:.0%} quantile of distance, with a bootstrap standard error; "
        f"z = the gap to the reference's best in standard errors). {used['simulations']} simulations, seed "
        f"{used['seed']}; `refit_simulations.parquet` holds every one.",
        "",
        statement(table, used["epsilon"]),
        "",
        markdown_table(shown, index_name=f"`{used['parameter']}`"),
        "",
        "![refit profile](refit_profile.png)",
        "",
    ])
