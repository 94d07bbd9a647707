"""The policy answer: the pilot against no deal, as posterior-predictive ensembles.

[`counterfactual`][channelsim.experiments.inference.counterfactual.counterfactual] runs each policy arm (the published
pilot, the
50-a-week pilot, the ramp, the crackdown) and ``no_deal`` from 6 August 2025
for twelve months, for each of ``draws`` parameter sets drawn from the
posterior. A draw's parameters and seed are shared by every arm (common random
numbers), and every run simulates the calibrated history from 2018 first, so
the arms differ only through the policy. The differences against ``no_deal``
are taken draw by draw and summarised as medians with 90% bands.

Writes ``counterfactual.csv`` (one row an arm and outcome), ``summary.md`` (the
table and a plain statement of the effect) and ``counterfactual.png``; the
runs are a resumable Parquet ensemble in ``ensemble/`` (with the flows by
nationality of every run). Given ``curve`` levels of weekly returns, it also
writes the deterrence curve against no deal
([`experiments.inference.deterrence_curve`][channelsim.experiments.inference.deterrence_curve]:
``deterrence_curve.csv``,
``deterrence_curve.png``, runs in ``curve_ensemble/``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from channelsim.core.data import data_dir as find_data_dir
from channelsim.core.files import write_text_atomic
from channelsim.core.scenarios import load as load_scenario
from channelsim.experiments.inference.deterrence_curve import check_levels, curve_runs, curve_table, curve_text
from channelsim.experiments.inference.plans import history_warmup, posterior_runs, run_ensemble
from channelsim.experiments.inference.posterior import Calibration, load_calibration, prior_calibration
from channelsim.experiments.inference.report import markdown_table
from channelsim.experiments.inference.settings import (
    ARMS,
    BASELINE,
    COUNTERFACTUAL_DAYS,
    COUNTERFACTUAL_DRAWS,
    COUNTERFACTUAL_START,
    EVIDENCE_ARMS,
    CalibrationError,
)
from channelsim.experiments.plots import counterfactual_figure, deterrence_curve_figure

OUTCOMES = {   # outcome column (of the runs table) -> label
    "arrivals": "crossings (arrivals)",
    # the legal route's admissions take people off the coast without deterring anyone: the change in
    # everyone reaching the UK (crossings plus legal admissions) is the effect net of that substitution
    "reached_uk": "crossings plus legal admissions",
    "returns": "returns to France",
    "legal_admissions": "legal admissions",
    "deaths": "deaths",
    "left_elsewhere": "gone elsewhere in Europe",
    "gang_revenue_gbp": "smuggler revenue (GBP)",
}


def counterfactual(out: str | Path, calibration: str | Path | Calibration | None = None, *,
                   draws: int = COUNTERFACTUAL_DRAWS, seed: int = 0, arms: tuple[str, ...] = ARMS,
                   workers: int | None = None, scheduler: str | None = None, cluster_file: str | Path | None = None,
                   serial: bool = False, data_dir: str | Path | None = None,
                   progress: bool | None = None, curve: tuple[float, ...] = (),
                   evidence_draws: int = 0, variant: str | None = None) -> pd.DataFrame:
    """Run the arms and no_deal into ``out``, and the deterrence curve's levels of weekly returns
    (``curve``; none by default here, the command's default levels from the command line); return the
    table of effects. With ``evidence_draws``, also the effect of `EVIDENCE_ARMS` under the prior
    and the posterior of each model variant
    ([`effect_by_source`][channelsim.experiments.inference.counterfactual.effect_by_source]). The main draws come from
    every
    variant by its posterior probability, or from one ``variant``."""
    cal = load_calibration(calibration)
    for arm in arms:
        load_scenario(arm)   # a clear error for an unknown scenario, before anything runs
    if BASELINE in arms:
        raise CalibrationError(f"{BASELINE} is the baseline every arm is compared with; leave it out of the arms.")
    check_levels(curve)
    start, days = COUNTERFACTUAL_START, COUNTERFACTUAL_DAYS
    end = start + dt.timedelta(days=days - 1)
    plan = posterior_runs(cal, [BASELINE, *arms], draws, seed, start=start.isoformat(), days=days,
                          warmup_days=history_warmup(start), outputs=("arrivals", "returns"),
                          # daily, so that the figure's running total covers every day of the window
                          frequency="daily", window=(start.isoformat(), end.isoformat()),
                          data_dir=str(find_data_dir(data_dir)), variant=variant)
    out = Path(out)
    runs, series = run_ensemble(plan, out / "ensemble", name="counterfactual", calibration=cal, draws=draws,
                                seed=seed, provenance={"arms": [BASELINE, *arms], "start": start.isoformat(),
                                                       "days": days},
                                workers=workers, scheduler=scheduler, cluster_file=cluster_file, serial=serial,
                                progress=progress)
    table = effects(runs, arms)
    write_text_atomic(out / "counterfactual.csv", table.to_csv(index=False))
    source = f"{draws} posterior draws (seed {seed}) from {Path(str(cal.folder)).name}, common random numbers"
    counterfactual_figure(table, series, runs, BASELINE, out / "counterfactual.png",
                          note=f"{source}; history from the Home Office series (gov.uk)")
    summary = summary_text(table, runs, draws, seed, cal)
    if evidence_draws:
        by_source = effect_by_source(out, cal, evidence_draws, seed, data_dir=data_dir, workers=workers,
                                     scheduler=scheduler, cluster_file=cluster_file, serial=serial,
                                     progress=progress)
        write_text_atomic(out / "effect_by_source.csv", by_source.to_csv(index=False, float_format="%.6g"))
        summary += EVIDENCE_SECTION.format(draws=evidence_draws, table=evidence_markdown(by_source))
    if curve:
        baseline = [spec for spec in plan if spec.scenario == BASELINE]
        level_runs, _ = run_ensemble(curve_runs(baseline, tuple(curve)), out / "curve_ensemble",
                                     name="deterrence curve", calibration=cal, draws=draws, seed=seed,
                                     provenance={"levels": list(curve), "baseline": BASELINE,
                                                 "start": start.isoformat(), "days": days},
                                     workers=workers, scheduler=scheduler,
                                     cluster_file=cluster_file, serial=serial, progress=progress)
        table_curve = curve_table(runs[runs["scenario"] == BASELINE], level_runs)
        write_text_atomic(out / "deterrence_curve.csv", table_curve.to_csv(index=False, float_format="%.6g"))
        deterrence_curve_figure(
            table_curve, out / "deterrence_curve.png",
            title=f"Crossings deterred in the {days} days from {start:%-d %B %Y}, against no deal",
            note=f"{source}; median and 90% band over draws; returns from 18 September 2025, detention beds not "
                 f"binding")
        summary += CURVE_SECTION.format(text=curve_text(table_curve))
    write_text_atomic(out / "summary.md", summary)
    return table


def effect_sources(cal: Calibration, draws: int, seed: int) -> list[tuple[str, str, Calibration, float]]:
    """(source, variant, draws' calibration, the variant's probability) for the prior and the posterior of
    every model variant the calibration fitted; a variant the posterior lost is left out."""
    settings = cal.settings
    prior = prior_calibration({v: settings.variant_free(v) for v in settings.variants}, max(draws, 1000), seed)
    found = cal.model_probabilities
    out = []
    for variant in settings.variants:
        out.append(("prior", variant, prior, 1.0 / len(settings.variants)))
        if found.get(variant, 0.0) > 0:
            out.append(("posterior", variant, cal, found[variant]))
    return out


def effect_by_source(out: Path, cal: Calibration, draws: int, seed: int, *, data_dir=None,
                     **executor) -> pd.DataFrame:
    """The effect of `EVIDENCE_ARMS` against no deal under the prior and the posterior of each
    model variant (``draws`` each, common random numbers within a source), with the variant's
    probability: how much the data moved the answer, and how much it rests on the variant."""
    start, days = COUNTERFACTUAL_START, COUNTERFACTUAL_DAYS
    end = start + dt.timedelta(days=days - 1)
    rows = []
    for source, variant, source_cal, probability in effect_sources(cal, draws, seed):
        plan = posterior_runs(source_cal, [BASELINE, *EVIDENCE_ARMS], draws, seed, start=start.isoformat(),
                              days=days, warmup_days=history_warmup(start), outputs=("arrivals", "returns"),
                              frequency="weekly", window=(start.isoformat(), end.isoformat()),
                              data_dir=str(find_data_dir(data_dir)), variant=variant)
        runs, _ = run_ensemble(plan, out / "evidence" / f"{source}_{variant}", name=f"{source} {variant}",
                               calibration=source_cal, draws=draws, seed=seed,
                               provenance={"source": source, "variant": variant, "arms": [BASELINE, *EVIDENCE_ARMS]},
                               **executor)
        table = effects(runs, EVIDENCE_ARMS)
        table = table[table["outcome"].isin(["arrivals", "reached_uk"])]
        rows.append(table.assign(source=source, variant=variant, probability=probability))
    return pd.concat(rows, ignore_index=True)[["source", "variant", "probability", *EFFECT_COLUMNS]]


EFFECT_COLUMNS = ["arm", "outcome", "draws", "no_deal_median", "change_median", "change_5", "change_95",
                  "relative_change_median", "relative_change_5", "relative_change_95", "share_of_draws_lower"]


def evidence_markdown(table: pd.DataFrame) -> str:
    """The effect by source as Markdown: crossings' relative change against no deal, median (90% band)."""
    rows = ["| source | variant | probability | arm | crossings' change against no deal: median (90% band) "
            "| draws lower |", "|---|---|---|---|---|---|"]
    for r in table[table["outcome"] == "arrivals"].itertuples():
        rows.append(f"| {r.source} | {r.variant} | {r.probability:.2f} | `{r.arm}` "
                    f"| {100 * r.relative_change_median:+.1f}% "
                    f"({100 * r.relative_change_5:+.1f}% to {100 * r.relative_change_95:+.1f}%) "
                    f"| {100 * r.share_of_draws_lower:.0f}% |")
    return "\n".join(rows)


EVIDENCE_SECTION = """
## How much the data moved the answer

The effect on crossings over the same twelve months under the prior (before the data: every variant's
uniform priors) and under the posterior of each model variant, {draws} draws each (common random numbers
within a source); "probability" is the variant's prior probability, or its posterior probability from the
calibration's model choice. The effect weighted by the model probabilities is the main table's (its draws
come from every variant by its probability). The null model's effect is the legal route's and the
returns' mechanics alone: its beliefs do not respond.

{table}
"""


CURVE_SECTION = """
## The deterrence curve

Each level of weekly returns runs the announced pilot with that fixed quota (detention beds not binding) under
the no-deal arm's draws and seeds. {text}

![deterrence curve](deterrence_curve.png)
"""


def effects(runs: pd.DataFrame, arms: tuple[str, ...]) -> pd.DataFrame:
    """Per arm and outcome: the arm's level and its difference from no_deal (draw by draw), median and 90% band."""
    ok = runs[runs["status"] == "ok"]
    ok = ok.assign(out_reached_uk=ok["out_arrivals"] + ok["out_legal_admissions"])
    wide = ok.pivot_table(index="point", columns="scenario", values=[f"out_{k}" for k in OUTCOMES])
    rows = []
    for arm in arms:
        for key, label in OUTCOMES.items():
            col = f"out_{key}"
            if (col, arm) not in wide or (col, BASELINE) not in wide:
                continue
            pair = wide[[(col, arm), (col, BASELINE)]].dropna()
            level, base = pair[(col, arm)].to_numpy(), pair[(col, BASELINE)].to_numpy()
            diff = level - base
            rel = np.where(base > 0, diff / np.where(base > 0, base, 1), np.nan)
            rows.append({
                "arm": arm, "outcome": key, "label": label, "draws": len(pair),
                "level_median": np.median(level), "level_5": np.percentile(level, 5),
                "level_95": np.percentile(level, 95),
                "no_deal_median": np.median(base),
                "change_median": np.median(diff), "change_5": np.percentile(diff, 5),
                "change_95": np.percentile(diff, 95),
                **_relative(rel),
                "share_of_draws_lower": float(np.mean(diff < 0)),
            })
    return pd.DataFrame(rows)


def _relative(rel: np.ndarray) -> dict[str, float]:
    """Median and 90% band of the relative change, over the draws where no deal has any (else NaN)."""
    rel = rel[np.isfinite(rel)]
    if len(rel) == 0:
        return {"relative_change_median": np.nan, "relative_change_5": np.nan, "relative_change_95": np.nan}
    return {"relative_change_median": float(np.median(rel)), "relative_change_5": float(np.percentile(rel, 5)),
            "relative_change_95": float(np.percentile(rel, 95))}


FEW_DRAWS = 20   # fewer posterior draws than this: the bands are not meaningful, and the statement says so


def statement(table: pd.DataFrame, arm: str = "pilot_published") -> str:
    """How large the deterrent effect on crossings is, and how sure, in one paragraph.

    One kind of figure throughout: the median over draws of each draw's difference from no deal (people)
    and the median over draws of each draw's ratio to no deal (%), each with its 90% band. "The whole
    band" is claimed only when every draw agrees; fewer than `FEW_DRAWS` draws get a warning.
    """
    row = table[(table["arm"] == arm) & (table["outcome"] == "arrivals")]
    if row.empty:
        return f"No result for {arm}."
    r = row.iloc[0]
    draws = int(r["draws"])
    deterred, lo, hi = -r["change_median"], -r["change_95"], -r["change_5"]
    pct, pct_lo, pct_hi = -100 * r["relative_change_median"], -100 * r["relative_change_95"], \
        -100 * r["relative_change_5"]
    lower = r["share_of_draws_lower"]
    higher_draws = round((1 - lower) * draws)
    if lower == 1:
        sure = "crossings are lower than without the deal in every draw"
    elif lo > 0:
        sure = (f"the 90% band is a reduction, but {higher_draws} of {draws} draws show as many crossings as "
                f"without the deal or more")
    elif hi < 0:
        sure = "the 90% band is an increase"
    else:
        sure = (f"the 90% band includes no effect at all; crossings are lower than without the deal in "
                f"{100 * lower:.0f}% of draws")
    text = (f"Over the twelve months from {COUNTERFACTUAL_START:%-d %B %Y}, {arm} deters a median of "
            f"{deterred:,.0f} crossings against no deal (median over draws of each draw's difference; 90% band "
            f"{lo:,.0f} to {hi:,.0f}), or {pct:.1f}% of no deal's crossings (median over draws of each draw's "
            f"ratio; 90% band {pct_lo:.1f}% to {pct_hi:.1f}%); no deal's own median is {r['no_deal_median']:,.0f} "
            f"crossings. Over {draws} posterior draws with common random numbers, {sure}.")
    if draws < FEW_DRAWS:
        text += (f" Warning: {draws} draws are fewer than {FEW_DRAWS}; the bands and shares are not meaningful "
                 f"(run --draws {FEW_DRAWS} or more).")
    return text


COMMITTED_TABLE = Path(__file__).resolve().parent / "calibration" / "counterfactual.csv"


def readme_summary(table: pd.DataFrame) -> str:
    """The README's account of a counterfactual table: the statement, then each arm's main changes."""
    rows = ["| arm | crossings deterred: median (90% band) | draws lower | returns | legal admissions "
            "| smuggler revenue change (GBP m) |", "|---|---|---|---|---|---|"]
    for arm in table["arm"].drop_duplicates():
        t = table[table["arm"] == arm].set_index("outcome")
        a, rev = t.loc["arrivals"], t.loc["gang_revenue_gbp"]
        rows.append(f"| `{arm}` | {-a['change_median']:,.0f} ({-a['change_95']:,.0f} to {-a['change_5']:,.0f}) "
                    f"| {100 * a['share_of_draws_lower']:.0f}% | {t.loc['returns', 'level_median']:,.0f} "
                    f"| {t.loc['legal_admissions', 'level_median']:,.0f} | {rev['change_median'] / 1e6:+,.1f} "
                    f"({rev['change_5'] / 1e6:+,.1f} to {rev['change_95'] / 1e6:+,.1f}) |")
    return statement(table) + "\n\n" + "\n".join(rows)


def summary_text(table: pd.DataFrame, runs: pd.DataFrame, draws: int, seed: int, cal: Calibration) -> str:
    """The summary report: the statement, and each arm's levels and changes against no deal."""
    shown = table.assign(
        change=lambda t: [f"{m:+,.0f} ({a:+,.0f} to {b:+,.0f})" for m, a, b in
                          zip(t["change_median"], t["change_5"], t["change_95"], strict=True)],
        level=lambda t: [f"{m:,.0f} ({a:,.0f} to {b:,.0f})" for m, a, b in
                         zip(t["level_median"], t["level_5"], t["level_95"], strict=True)],
        no_deal=lambda t: [f"{m:,.0f}" for m in t["no_deal_median"]],
    ).set_index(["arm", "label"])[["level", "no_deal", "change"]]
    shown.index = [f"{a}: {lab}" for a, lab in shown.index]
    failed = int((runs["status"] != "ok").sum())
    return f"""# The pilot against no deal

Twelve months from {COUNTERFACTUAL_START}; {draws} posterior draws (seed {seed}) from `{cal.folder}`, each run under
every arm with the same parameters and seed (common random numbers); {failed} failed runs.
Medians with 90% bands; changes are against no deal, draw by draw.

{statement(table)}

{markdown_table(shown, index_name="arm: outcome")}

![counterfactual](counterfactual.png)
"""
