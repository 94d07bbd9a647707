"""What the data can and cannot tell: an identification report of a finished calibration.

From a calibration folder
([`experiments.inference.posterior.load_calibration`][channelsim.experiments.inference.posterior.load_calibration]):

- per free parameter, the prior's sd (analytic: (high - low) / sqrt(12) for a
  uniform prior), the posterior's weighted mean and sd, their ratio
  sd_post / sd_prior and a verdict: **identified** when the ratio is at most
  `IDENTIFIED_RATIO` (0.5: the data halve the prior's spread, the
  issue's criterion), **weakly** when at most `WEAK_RATIO` (0.8), else
  **not identified** (the posterior is nearly as wide as the prior; a uniform
  prior cut to its middle 80% has a ratio of 0.8);
- the weighted posterior correlations of the deterrence parameters
  (`DETERRENCE_PARAMETERS`, those the calibration freed): a strong
  correlation says the data pin a combination, not each one;
- a **sample-based profile** of one parameter (default ``loss_if_returned``,
  else ``upstream_elasticity``): its prior range cut into `PROFILE_BINS`
  bins, and in each the smallest distance (and the `PROFILE_QUANTILE`
  quantile) among every simulation the ABC accepted in any generation
  (``particles.parquet``, else pyabc's ``abc.db``), the other parameters free.
  It is the best simulation found in each bin, not a refit: a bin the
  sampler rarely visited has a poorer minimum by chance, and pyabc keeps no
  rejected simulation, so bins outside the accepted region are empty.

Writes ``identification.csv``, ``correlations.csv``, ``profile.csv``,
``identification.png`` and ``identification.md``
([`identification_report`][channelsim.experiments.inference.identification.identification_report]).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from channelsim.core.files import write_text_atomic
from channelsim.experiments.inference.posterior import Calibration, load_calibration
from channelsim.experiments.inference.report import markdown_table
from channelsim.experiments.inference.settings import DETERRENCE_PRIORS, PRIOR_SETS, CalibrationError
from channelsim.experiments.labels import quantile_name
from channelsim.experiments.plots import identification_figure

PARTICLES_FILE = "particles.parquet"
IDENTIFIED_RATIO = 0.5   # sd_post / sd_prior at most this: identified
WEAK_RATIO = 0.8         # at most this: weakly identified; above: not identified
NO_PARTICLES = "no particles"   # the verdict on a parameter of a variant that kept none
# The parameters deterrence runs through and the surge episode that identifies them.
DETERRENCE_PARAMETERS = ("loss_if_returned", "returnee_salience", "announcement_credibility",
                         "announced_return_probability",
                         "memory_half_life_days", "report_reach", "upstream_elasticity",
                         *(k for k in DETERRENCE_PRIORS if k.startswith("surge_")))
PROFILED = ("loss_if_returned", "upstream_elasticity")   # the default profile: the first the calibration freed
PROFILE_BINS = 10
PROFILE_QUANTILE = 0.1
STRONG_CORRELATION = 0.5   # |r| at least this is named in the report
STRONG_PAIRS_NAMED = 6     # at most this many such pairs named in the statement (all are in correlations.csv)


# --- priors ---------------------------------------------------------------------------------------------
def prior_range(prior: dict[str, Any]) -> tuple[float, float]:
    """A prior's range as the provenance records it ({"distribution": "uniform", "low", "high"}: the
    calibration's priors are uniform, ``experiments.inference.abc_smc``)."""
    if prior.get("distribution") != "uniform":
        raise CalibrationError(f"a {prior.get('distribution')!r} prior: the identification report knows uniform ones.")
    return float(prior["low"]), float(prior["high"])


def prior_sd(prior: dict[str, Any]) -> float:
    """The analytic sd of a uniform prior: its width over sqrt(12)."""
    low, high = prior_range(prior)
    return (high - low) / math.sqrt(12)


def priors_of(calibration: Calibration) -> dict[str, dict[str, Any]]:
    """Each free parameter's prior: from the provenance, else the prior set it names (uniform)."""
    recorded = calibration.provenance.get("priors")
    if recorded:
        return {name: recorded[name] for name in calibration.free_parameters}
    ranges = PRIOR_SETS[calibration.provenance.get("settings", {}).get("priors", "series")]
    return {name: {"distribution": "uniform", "low": ranges[name][0], "high": ranges[name][1]}
            for name in calibration.free_parameters}


# --- the posterior against the prior ---------------------------------------------------------------------
def verdict(ratio: float) -> str:
    """Identified (ratio <= 0.5), weakly (<= 0.8), else not identified; NaN (no particle has the
    parameter: every variant that has it lost its particles): no particles."""
    if np.isnan(ratio):
        return NO_PARTICLES
    if ratio <= IDENTIFIED_RATIO:
        return "identified"
    return "weakly" if ratio <= WEAK_RATIO else "not identified"


def identification_table(calibration: Calibration) -> pd.DataFrame:
    """Per free parameter: prior sd, weighted posterior mean and sd, their ratio, the verdict."""
    priors = priors_of(calibration)
    weights = calibration.posterior["weight"].to_numpy(float)
    rows = []
    for name in calibration.free_parameters:
        # over the particles that have the parameter: a model variant in which it does nothing has none
        x = calibration.posterior[name].to_numpy(float)
        has = np.isfinite(x)
        if has.any() and weights[has].sum() > 0:
            x, w = x[has], weights[has] / weights[has].sum()
            mean = float(np.sum(w * x))
            sd = float(np.sqrt(np.sum(w * (x - mean) ** 2)))
        else:
            mean = sd = float("nan")
        sd0 = prior_sd(priors[name])
        low, high = prior_range(priors[name])
        ratio = sd / sd0
        rows.append({"parameter": name, "prior": priors[name]["distribution"], "prior_low": low,
                     "prior_high": high, "prior_sd": sd0, "posterior_mean": mean, "posterior_sd": sd,
                     "sd_ratio": ratio, "verdict": verdict(ratio),
                     "deterrence": name in DETERRENCE_PARAMETERS, "particles": int(has.sum())})
    return pd.DataFrame(rows)


def weighted_correlations(posterior: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """The weighted correlation matrix of ``names`` over the particles (NaN for a constant parameter)."""
    if not names:
        return pd.DataFrame()
    posterior = posterior.dropna(subset=names)   # the particles of the variants that have them all
    weights = posterior["weight"].to_numpy(float)
    if len(posterior) < 2 or not weights.sum() > 0:   # no variant that has them kept particles
        return pd.DataFrame(np.nan, index=names, columns=names)
    x = posterior[names].to_numpy(float)
    cov = np.atleast_2d(np.cov(x, rowvar=False, aweights=weights))
    sd = np.sqrt(np.diag(cov))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = cov / np.outer(sd, sd)
    return pd.DataFrame(corr, index=names, columns=names)


def deterrence_correlations(calibration: Calibration) -> pd.DataFrame:
    """The weighted posterior correlations of the deterrence parameters the calibration freed."""
    names = [n for n in DETERRENCE_PARAMETERS if n in calibration.free_parameters]
    return weighted_correlations(calibration.posterior, names)


# --- the profile -----------------------------------------------------------------------------------------
def particles_of_history(history, names: list[str], last: int | None = None, *, first: int = 0,
                         variants: tuple[str, ...] = ("full",)) -> pd.DataFrame:
    """Every generation's accepted particles of a pyabc ``History`` (generations ``first`` to ``last``):
    generation, its epsilon, the variant (model) of each particle where several were fitted, the parameters
    (NaN where a variant has none of that name), the distance and the weight (normalised within the
    generation, across variants: the joint posterior of variant and parameters)."""
    epsilons = {int(r.t): float(r.epsilon) for r in history.get_all_populations().itertuples()
                if r.t >= first and (last is None or r.t <= last)}
    frames = []
    for t, epsilon in sorted(epsilons.items()):
        particles = history.get_population(t=t).particles
        frame = pd.DataFrame([{name: float(p.parameter[name]) if name in p.parameter else np.nan for name in names}
                              for p in particles], columns=names)
        frame.insert(0, "epsilon", epsilon)
        frame.insert(0, "generation", t)
        if len(variants) > 1:
            frame.insert(2, "variant", [variants[int(p.m)] for p in particles])
        frame["distance"] = [float(p.distance) for p in particles]
        weights = np.array([float(p.weight) for p in particles])
        frame["weight"] = weights / weights.sum()
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def read_particles(calibration: Calibration) -> pd.DataFrame | None:
    """The accepted particles of every generation up to the posterior's, with their distances:
    ``particles.parquet``, else read from pyabc's ``abc.db``; None when the folder keeps neither."""
    folder = Path(calibration.folder)
    if (folder / PARTICLES_FILE).is_file():
        return pd.read_parquet(folder / PARTICLES_FILE)
    if (folder / "abc.db").is_file():
        from pyabc import History  # pyabc loads slowly: only for a folder that needs its database

        return particles_of_history(History("sqlite:///" + str((folder / "abc.db").resolve())),
                                    calibration.free_parameters, last=calibration.posterior_generation["t"])
    return None


def profile(particles: pd.DataFrame, parameter: str, low: float, high: float, bins: int = PROFILE_BINS,
            quantile: float = PROFILE_QUANTILE) -> pd.DataFrame:
    """Sample-based profile: per bin of [low, high], the simulations in it, the smallest distance, the
    ``quantile`` of the distances and the parameter's value at the smallest (NaN for an empty bin)."""
    edges = np.linspace(low, high, bins + 1)
    x = particles[parameter].to_numpy(float)
    d = particles["distance"].to_numpy(float)
    which = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, bins - 1)
    rows = []
    for b in range(bins):
        inside = which == b
        best = int(np.argmin(np.where(inside, d, np.inf))) if inside.any() else None
        rows.append({"parameter": parameter, "bin_low": edges[b], "bin_high": edges[b + 1],
                     "bin_mid": (edges[b] + edges[b + 1]) / 2, "simulations": int(inside.sum()),
                     "min_distance": float(d[best]) if best is not None else np.nan,
                     f"{quantile_name(quantile)}_distance":
                         float(np.quantile(d[inside], quantile)) if inside.any() else np.nan,
                     "value_at_min": float(x[best]) if best is not None else np.nan})
    return pd.DataFrame(rows)


def profile_parameter(calibration: Calibration, parameter: str | None) -> str | None:
    """The parameter to profile: the one asked for (refused if not free), else the first of
    `PROFILED` the calibration freed (None if neither)."""
    if parameter is not None:
        if parameter not in calibration.free_parameters:
            raise CalibrationError(f"{parameter!r} is not a free parameter of {calibration.folder}; free: "
                                   f"{', '.join(calibration.free_parameters)}.")
        return parameter
    return next((p for p in PROFILED if p in calibration.free_parameters), None)


# --- the report ------------------------------------------------------------------------------------------
def identification_report(calibration: str | Path | Calibration | None, out: str | Path | None = None, *,
                          parameter: str | None = None) -> dict[str, Any]:
    """Write the identification report of a calibration into ``out`` (default: the calibration's own
    folder); return its tables and the plain-language statement."""
    cal = load_calibration(calibration)
    out = Path(out) if out is not None else Path(cal.folder)
    name = profile_parameter(cal, parameter)
    table = identification_table(cal)
    corr = deterrence_correlations(cal)
    particles = read_particles(cal)
    prof, last_epsilon = None, None
    if name is not None and particles is not None:
        low, high = table.set_index("parameter").loc[name, ["prior_low", "prior_high"]]
        prof = profile(particles, name, float(low), float(high))
        last_epsilon = float(particles.loc[particles["generation"] == particles["generation"].max(),
                                           "epsilon"].iloc[0])
    out.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out / "identification.csv", table.to_csv(index=False, float_format="%.6g"))
    write_text_atomic(out / "correlations.csv", corr.to_csv(float_format="%.4f"))
    write_text_atomic(out / "profile.csv", (prof if prof is not None else pd.DataFrame(
        columns=["parameter", "bin_low", "bin_high", "bin_mid", "simulations", "min_distance"])).to_csv(
        index=False, float_format="%.6g"))
    text = statement(table, corr, prof, last_epsilon, name, particles is not None)
    ess = cal.effective_sample_size
    if ess < 2 * len(cal.free_parameters):
        text += (f" Warning: an effective sample size of {ess:.0f} particles for {len(cal.free_parameters)} "
                 f"parameters is too few for the sds and correlations to mean much (a `standard` calibration "
                 f"or larger).")
    identification_figure(table, prof, last_epsilon, out / "identification.png",
                          note=f"{len(cal.posterior)} particles of {Path(str(cal.folder)).name}"
                               + (f"; profile from {len(particles)} accepted simulations"
                                  if particles is not None else ""))
    write_text_atomic(out / "identification.md", report_text(cal, table, corr, prof, text))
    return {"table": table, "correlations": corr, "profile": prof, "statement": text, "folder": out}


def statement(table: pd.DataFrame, corr: pd.DataFrame, prof: pd.DataFrame | None, last_epsilon: float | None,
              parameter: str | None, have_particles: bool) -> str:
    """Which parameters the data identify, in plain words."""
    groups = {v: table.loc[table["verdict"] == v, "parameter"].tolist()
              for v in ("identified", "weakly", "not identified")}
    names = {k: ", ".join(f"`{p}`" for p in v) or "none" for k, v in groups.items()}
    text = [f"The data identify {names['identified']} (posterior sd at most {IDENTIFIED_RATIO:g} of the prior's); "
            f"they narrow {names['weakly']} only weakly (at most {WEAK_RATIO:g}); and they leave "
            f"{names['not identified']} about as uncertain as the prior."]
    if groups_none := table.loc[table["verdict"] == NO_PARTICLES, "parameter"].tolist():
        text.append("No particle has " + ", ".join(f"`{p}`" for p in groups_none) + ": every model variant "
                    "that has them lost its particles, so the data say nothing of them here.")
    deterrent = table[table["deterrence"]]
    if not deterrent.empty:
        pinned = deterrent.loc[deterrent["verdict"] == "identified", "parameter"].tolist()
        text.append("Of the deterrence parameters, " + (f"{', '.join(f'`{p}`' for p in pinned)} "
                    f"{'is' if len(pinned) == 1 else 'are'} identified." if pinned else "none is identified."))
    pairs = strong_pairs(corr)
    if pairs:
        more = len(pairs) - STRONG_PAIRS_NAMED
        text.append("Strongly correlated in the posterior (the data pin a combination rather than each): "
                    + "; ".join(f"`{a}` and `{b}` (r = {r:+.2f})" for a, b, r in pairs[:STRONG_PAIRS_NAMED])
                    + (f"; and {more} more pairs with |r| >= {STRONG_CORRELATION:g} (correlations.csv)."
                       if more > 0 else "."))
    if parameter is None:
        text.append("No profile: the calibration frees none of " + ", ".join(PROFILED) + ".")
    elif prof is None:
        text.append(f"No profile of `{parameter}`: the folder keeps neither {PARTICLES_FILE} nor abc.db.")
    else:
        seen = prof[prof["simulations"] > 0]
        near = prof[prof["min_distance"] <= last_epsilon]
        text.append(f"Profile of `{parameter}` (sample-based: the best accepted simulation in each of "
                    f"{len(prof)} bins of its prior range, the other parameters free; not a refit): "
                    f"{len(seen)} bins hold simulations, and in {len(near)} of them the best simulation is "
                    f"within the last generation's epsilon ({last_epsilon:.3g}). "
                    + ("A flat profile: the data do not pin it." if len(near) == len(prof) else
                       f"Simulations as good as the last generation's are found only from "
                       f"{near['bin_low'].min():.3g} to {near['bin_high'].max():.3g}; elsewhere the best is worse "
                       f"or none was accepted." if len(near) else
                       "No bin reaches the last epsilon (too few simulations per bin)."))
    return " ".join(text)


def strong_pairs(corr: pd.DataFrame) -> list[tuple[str, str, float]]:
    """Pairs of parameters whose |correlation| is at least `STRONG_CORRELATION`, strongest first."""
    names = list(corr.columns)
    pairs = [(a, b, float(corr.loc[a, b])) for i, a in enumerate(names) for b in names[i + 1:]
             if abs(corr.loc[a, b]) >= STRONG_CORRELATION]
    return sorted(pairs, key=lambda p: -abs(p[2]))


def _of_generation(cal: Calibration) -> str:
    """' of generation t' when a later generation ended the calibration (the posterior is not the last)."""
    t = cal.provenance.get("posterior_generation")
    generations = cal.provenance.get("generations") or []
    return f" of generation {t}" if t is not None and generations and t != generations[-1].get("t") else ""


def report_text(cal: Calibration, table: pd.DataFrame, corr: pd.DataFrame, prof: pd.DataFrame | None,
                text: str) -> str:
    shown = table.set_index("parameter")[["prior_sd", "posterior_mean", "posterior_sd", "sd_ratio", "verdict"]]
    corr_md = (markdown_table(corr.map(lambda r: f"{r:+.2f}"), index_name="") if not corr.empty
               else "(no deterrence parameter freed)")
    prof_md = "(none)"
    if prof is not None:
        bins = [f"{lo:.3g} to {hi:.3g}" for lo, hi in zip(prof["bin_low"], prof["bin_high"], strict=True)]
        prof_md = markdown_table(_three_figures(prof.drop(columns=["parameter", "bin_low", "bin_high", "bin_mid"])
                                                .set_axis(bins)), index_name=f"`{prof['parameter'].iloc[0]}` bin")
    simulations = cal.provenance.get("simulations", "?")
    return f"""# What the data identify

Calibration `{cal.folder}` ({len(cal.posterior)} particles{_of_generation(cal)}; {simulations} simulations).
Verdicts: sd_post / sd_prior <= {IDENTIFIED_RATIO:g} identified, <= {WEAK_RATIO:g} weakly, above: not identified
(prior sd analytic; posterior mean and sd weighted by the particles' weights).

{text}

## Per parameter

{markdown_table(_three_figures(shown), index_name="parameter")}

## Posterior correlations of the deterrence parameters

{corr_md}

## Profile

Sample-based: each bin's smallest (and 10% quantile) distance among every simulation the ABC accepted in any
generation, the other parameters free. It is the best simulation found in each bin, not a refit; pyabc keeps no
rejected simulation, so bins outside the accepted region are empty.

{prof_md}

![identification](identification.png)
"""


def _three_figures(frame: pd.DataFrame) -> pd.DataFrame:
    """Numbers as text with three significant figures (blank for NaN), for the Markdown tables."""
    return frame.apply(lambda c: c.map(lambda v: "" if v != v else f"{v:.3g}") if c.dtype.kind == "f" else c)
