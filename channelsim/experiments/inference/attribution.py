"""How much of the natural experiment's fall the model puts down to the returns arrangement.

Albanian arrivals surged in 2022 and fell in 2023, after the UK-Albania
arrangement of December 2022. In the model two mechanisms can make that fall:
the surge episode ending (its start, length and size are calibrated), and the
arrangement (Albanians landing are returned home; the news of it raises the
perceived chance of being returned, on the coast and, with a lag, upstream).
Validation shows the model *can* produce the fall; this says *why*, draw by
draw.

[`attribute_fall`][channelsim.experiments.inference.attribution.attribute_fall] runs each of ``draws`` posterior draws
over the
calibration window up to the end of the year after the arrangement, twice with
the same parameters and seed (common random numbers): as fitted, and with the
arrangement returning no one (the group's ``own_returns_share`` set to 0; its
inflow mix is the same either way, since the mix holds the group's share from
the year after the arrangement on whatever the share returned). Common random
numbers hold to the day of the arrangement: before it, the only draws the
two arms could differ in are Border Force's for the group's returns home, and
within this window nothing else draws from that stream (the pilot's selection
starts in 2025). The group's
extra arrivals without the arrangement in the year after it are what the model
attributes to the arrangement; set against the modelled fall from the year
before, they give the share of the fall the arrangement explains; the rest is
the surge's end and whatever else changed between the two years (not measured
apart).

Writes ``attribution.csv`` (one row a draw: the group's arrivals in both years
and both arms, the attributed share, and the draw's deterrence and surge
parameters), ``attribution.md`` (medians, 90% bands, the rank correlation of
the reduction with each parameter, and a plain statement) and
``attribution.png``; the runs are a resumable ensemble in ``ensemble/``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from channelsim.core.calendar import parse_date
from channelsim.core.data import data_dir as find_data_dir
from channelsim.core.files import write_text_atomic
from channelsim.core.params import Params
from channelsim.core.scenarios import load as load_scenario
from channelsim.experiments.inference.nationality_checks import band, episode_group
from channelsim.experiments.inference.plans import posterior_runs, run_ensemble
from channelsim.experiments.inference.posterior import Calibration, load_calibration
from channelsim.experiments.inference.report import markdown_table
from channelsim.experiments.inference.settings import ATTRIBUTION_DRAWS, DETERRENCE_PRIORS, CalibrationError
from channelsim.experiments.plots import attribution_figure
from channelsim.experiments.sweeps.store import read_nationalities
from channelsim.model.result import params_toml

WITHOUT = "without_arrangement"   # the second arm's name, and its scenario file's
# The draw's parameters set beside the attributed share: those deterrence and the surge run through (the ones
# a calibration drew, as it holds them: dates as decimal years).
PARAMETERS = (*DETERRENCE_PRIORS, "upstream_elasticity")


def attribute_fall(out: str | Path, calibration: str | Path | Calibration | None = None, *,
                   draws: int = ATTRIBUTION_DRAWS, seed: int = 0, workers: int | None = None,
                   scheduler: str | None = None, cluster_file: str | Path | None = None, serial: bool = False,
                   data_dir: str | Path | None = None, progress: bool | None = None) -> pd.DataFrame:
    """Run the draws with and without the episode group's returns arrangement into ``out``; return one row
    a draw (the group's arrivals in the year of the arrangement and the year after, in both arms; the group and
    the arrangement's date in ``table.attrs``)."""
    cal = load_calibration(calibration)
    settings = cal.provenance["settings"]
    scenario = settings["scenario"]
    base = load_scenario(scenario)
    found = episode_group(base.nationalities)
    if found is None:
        raise CalibrationError(f"scenario {scenario!r} has no nationality group with a returns arrangement of its "
                               "own: there is no natural experiment to attribute.")
    group, since = found
    start = parse_date(settings["start"], "the calibration's start")
    end = dt.date(since.year + 1, 12, 31)
    if not start <= dt.date(since.year, 1, 1):
        raise CalibrationError(f"the calibration's window starts on {start}, after 1 January {since.year}: the "
                               f"year before {group}'s arrangement is not simulated.")
    # every check before anything is written
    fitted = posterior_runs(cal, [scenario], draws, seed, start=start.isoformat(), days=(end - start).days + 1,
                            warmup_days=settings["warmup_days"], outputs=("arrivals",), frequency="weekly",
                            data_dir=str(find_data_dir(data_dir)))
    out = Path(out)
    without = (out / f"{WITHOUT}.toml").resolve()
    plan = fitted + [replace(spec, run_id=f"{WITHOUT}-d{spec.point:04d}", scenario=str(without))
                     for spec in fitted]
    out.mkdir(parents=True, exist_ok=True)
    write_text_atomic(without, scenario_without_arrangement(base, group))
    runs, _ = run_ensemble(plan, out / "ensemble", name="attribute", calibration=cal, draws=draws, seed=seed,
                           provenance={"group": group, "arrangement": since.isoformat(), "end": end.isoformat()},
                           workers=workers, scheduler=scheduler, cluster_file=cluster_file, serial=serial,
                           progress=progress)
    failed = runs[runs["status"] != "ok"]
    if len(failed):
        raise CalibrationError(f"{len(failed)} of {len(runs)} runs failed (first: {failed['error'].iloc[0]}); "
                               f"the runs are in {out / 'ensemble'}.")
    table = attribution_table(read_nationalities(out / "ensemble"), group, since.year, scenario,
                              dict(enumerate(cal.particles(draws, seed))))   # the draws the runs were given
    write_text_atomic(out / "attribution.csv", table.to_csv(index=False, float_format="%.6g"))
    attribution_figure(table, group, since, out / "attribution.png",
                       note=f"{draws} posterior draws (seed {seed}) from {Path(str(cal.folder)).name}, common random "
                            f"numbers; the arm without the arrangement returns no {group} arrival home")
    write_text_atomic(out / "attribution.md", report(table, group, since, draws, seed))
    table.attrs.update(group=group, arrangement=since)
    return table


def scenario_without_arrangement(params: Params, group: str) -> str:
    """``params`` as a scenario file in which ``group``'s own arrangement returns no one."""
    groups = tuple(g.model_copy(update={"own_returns_share": 0.0}) if g.name == group else g
                   for g in params.nationalities)
    return params_toml(params.model_copy(update={
        "name": f"{params.name}_{WITHOUT}", "nationalities": groups,
        "description": f"{params.name} with {group}'s own returns arrangement returning no one"}), {})


def attribution_table(nationalities: pd.DataFrame, group: str, year: int, scenario: str,
                      parameters: dict[int, dict[str, float]]) -> pd.DataFrame:
    """One row a draw: the group's arrivals in ``year`` (the arrangement's) and the year after, as fitted and
    without the arrangement; the modelled fall, the arrivals the arrangement averted, their share of the fall
    and of the year-after arrivals there would have been without it (``reduction``); ``parameters``: each draw's
    parameter set by its point ([`particles`][channelsim.experiments.inference.posterior.Calibration.particles])."""
    mine = nationalities[nationalities["nationality"] == group]
    by_year = mine.assign(year=mine["month"].dt.year).groupby(["run_id", "year"])["arrivals"].sum()
    rows = []
    for point in sorted(parameters):
        fitted, without = f"{scenario}-d{point:04d}", f"{WITHOUT}-d{point:04d}"
        before, after = by_year.get((fitted, year), np.nan), by_year.get((fitted, year + 1), np.nan)
        after_without = by_year.get((without, year + 1), np.nan)
        fall = before - after
        averted = after_without - after
        rows.append({"draw": point, f"arrivals_{year}": before, f"arrivals_{year + 1}": after,
                     f"arrivals_{year}_without": by_year.get((without, year), np.nan),
                     f"arrivals_{year + 1}_without": after_without, "fall": fall, "averted": averted,
                     "share_of_fall": averted / fall if fall > 0 else np.nan,
                     "reduction": averted / after_without if after_without > 0 else np.nan,
                     **{p: parameters[point][p] for p in PARAMETERS if p in parameters[point]}})
    return pd.DataFrame(rows)


def correlations(table: pd.DataFrame) -> pd.DataFrame:
    """Spearman's rank correlation of the arrangement's reduction of the group's arrivals with each parameter."""
    rows = []
    for p in PARAMETERS:
        if p not in table:
            continue
        pair = table[["reduction", p]].dropna()
        rho, p_value = (stats.spearmanr(pair["reduction"], pair[p]) if len(pair) > 2 and pair[p].nunique() > 1
                        else (np.nan, np.nan))
        rows.append({"parameter": p, "spearman_rho": float(rho), "p_value": float(p_value), "draws": len(pair)})
    return pd.DataFrame(rows)


def _formatted(corr: pd.DataFrame) -> pd.DataFrame:
    """The correlations as text for the report (markdown_table would show the draws' count as a float)."""
    return pd.DataFrame({"spearman_rho": corr["spearman_rho"].map("{:+.2f}".format),
                         "p_value": corr["p_value"].map("{:.2f}".format), "draws": corr["draws"].astype(str)
                         }).set_axis(corr["parameter"])


def statement(table: pd.DataFrame, group: str, since: dt.date) -> str:
    """The plain statement: how much the arrangement cut the group's arrivals, and how much of the modelled fall
    that is, with how sure."""
    year = since.year
    lo, med, hi = band(table["share_of_fall"])
    r_lo, r_med, r_hi = band(table["reduction"])
    a_lo, a_med, a_hi = band(table["averted"])
    before, after = table[f"arrivals_{year}"].median(), table[f"arrivals_{year + 1}"].median()
    text = (f"In the model, {group}'s returns arrangement of {since:%-d %B %Y} cut {group} arrivals in {year + 1} "
            f"by a median of {r_med:.0%} (90% band {r_lo:.0%} to {r_hi:.0%}) against the same draws without it: "
            f"{a_med:,.0f} arrivals averted (90% band {a_lo:,.0f} to {a_hi:,.0f}). Of the modelled fall from "
            f"{year} (median {before:,.0f}) to {year + 1} (median {after:,.0f}) that is a median of {med:.0%} "
            f"(90% band {lo:.0%} to {hi:.0%}); the rest is the surge's end and whatever else changed between the "
            f"two years.")
    if np.isnan(hi):
        text += " No draw has a fall to set the averted arrivals against."
    elif hi < 0.5:
        text += (f" Across the 90% band the arrangement makes under half of the fall, so the size of the fall "
                 f"says little about deterrence; the year after it, in which the arrangement cut the {group} "
                 f"arrivals left, says more.")
    elif lo > 0.5:
        text += " Across the 90% band the arrangement makes most of the fall."
    else:
        text += (" The band spans both explanations: as the model reads the episode, it cannot tell whether "
                 "returns or the surge's end made the fall.")
    return text


def report(table: pd.DataFrame, group: str, since: dt.date, draws: int, seed: int) -> str:
    year = since.year
    distinct = int(table[[p for p in PARAMETERS if p in table]].drop_duplicates().shape[0])
    summary = pd.DataFrame([
        {"figure": name, "5%": lo, "median": med, "95%": hi}
        for name, (lo, med, hi) in (
            (f"{group} arrivals {year}", band(table[f"arrivals_{year}"])),
            (f"{group} arrivals {year + 1}", band(table[f"arrivals_{year + 1}"])),
            (f"{group} arrivals {year + 1} without the arrangement", band(table[f"arrivals_{year + 1}_without"])),
            ("arrivals the arrangement averted", band(table["averted"])),
            ("arrivals it averted, % of those without it", band(100 * table["reduction"])),
            ("arrivals it averted, % of the modelled fall", band(100 * table["share_of_fall"])))]
    ).set_index("figure")
    return (f"# Why {group} arrivals fell after {year}\n\n"
            f"{draws} posterior draws (seed {seed}), each run as fitted and with {group}'s own returns arrangement "
            f"({since}) returning no one, with the same parameters and seed (common random numbers); the inflow "
            f"mix is the same in both arms.\n\n"
            f"{statement(table, group, since)}\n\n"
            f"{markdown_table(summary, 'figure')}\n\n"
            "## What the reduction goes with\n\n"
            "Spearman's rank correlation over the draws of the arrivals the arrangement averted (as a share of "
            "those without it) with each parameter drawn (the deterrence parameters and the surge's). Draws are "
            f"taken from the posterior's particles by weight, with replacement: the {draws} draws hold {distinct} "
            "distinct parameter sets (a repeated set still differs by its seed), so the p-values, which take the "
            "draws as independent, are too small, and ten are read at once.\n\n"
            f"{markdown_table(_formatted(correlations(table)), 'parameter')}\n\n"
            "![attribution](attribution.png)\n")
