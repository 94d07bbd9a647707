"""Validation of a calibration: posterior-predictive ensembles against the Home Office series.

[`validate`][channelsim.experiments.inference.validation.validate] draws parameter sets from the posterior, runs each
over the
calibration window (one seed a draw, on Dask, stored as a resumable Parquet
ensemble), and writes a report (``report.md`` with PNG figures and
``metrics.json``):

- posterior-predictive bands (50% and 90%) against the observed weekly and
  monthly arrivals, and people per boat by year;
- for monthly arrivals: the CRPS of the ensemble, the coverage of its 50% and
  90% intervals, and the mean absolute percentage error (MAPE) of its median,
  each beside two naive baselines:

  * *last year*: the same month a year earlier (a point forecast, whose CRPS is
    its absolute error; it has no intervals);
  * *seasonal*: a log-linear trend with month-of-year effects fitted by least
    squares on the same window, with log-normal errors of the fitted residual
    spread (so it has a CRPS and intervals).

  Scores are compared over the months all three forecast (from the second
  year of the window on);
- against the published arrivals by nationality (``nationality_arrivals.csv``,
  [`experiments.inference.nationality_checks`][channelsim.experiments.inference.nationality_checks]): each comparable
  row's share
  and count against the ensemble's 90% bands, with their coverage
  (``nationalities.csv``, ``metrics.json``'s ``nationality_coverage``), and the
  natural experiment: the arrivals of the group with its own returns
  arrangement in the year of the arrangement and the year after, and the fall.
"""

from __future__ import annotations

import datetime as dt
import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from channelsim.core.data import data_dir as find_data_dir
from channelsim.core.errors import ChannelsimWarning
from channelsim.core.files import write_text_atomic
from channelsim.core.nationality_data import read_nationality_arrivals
from channelsim.experiments.inference.nationality_checks import coverage, episode_checks, episode_group, row_checks
from channelsim.experiments.inference.plans import run_ensemble, window_runs
from channelsim.experiments.inference.posterior import Calibration, load_calibration
from channelsim.experiments.inference.report import markdown_table, percent
from channelsim.experiments.inference.settings import VALIDATION_DRAWS
from channelsim.experiments.inference.targets import (
    NATIONALITY_FILE,
    Observed,
    monthly_by_run,
    read_observed,
    weekly_by_run,
)
from channelsim.experiments.plots import validation_figures
from channelsim.experiments.sweeps.store import read_nationalities
from channelsim.model import load_scenario

OUTPUTS = ("arrivals", "boats_arrived", "arrivals_own_arrangement")
BASELINE_QUANTILES = 999   # members of the seasonal baseline's predictive ensemble


def crps_ensemble(observed: np.ndarray, ensemble: np.ndarray) -> np.ndarray:
    """CRPS of an ensemble (members along the last axis) for each observation."""
    import scoringrules

    if ensemble.shape[-1] == 1:   # one member: the CRPS is the absolute error (pwm would divide by zero)
        return np.abs(np.asarray(observed, float) - ensemble[..., 0])
    return np.asarray(scoringrules.crps_ensemble(observed, ensemble, estimator="pwm"), float)


def years_before(day: pd.Timestamp, years: int) -> pd.Timestamp:
    """The same day ``years`` years before; a month's last day goes to that month's last day (so that
    28 February 2025 maps to 29 February 2024, and a whole month to a whole month)."""
    back = day - pd.DateOffset(years=years)
    return back + pd.offsets.MonthEnd(0) if day.is_month_end else back


def seasonal_naive(daily: pd.Series, periods: list[tuple[pd.Timestamp, pd.Timestamp]], origin: dt.date,
                   trend: bool) -> np.ndarray:
    """Naive forecasts made on ``origin`` (the last day they may read) of each period's arrivals
    (``periods``: first and last day; ``daily``: the observed arrivals by day).

    The *seasonal naive* is the same days a year before (``k`` years, the fewest that put them on or
    before the origin). The *trend-adjusted* one (``trend``) multiplies it by ``r**k``, ``r`` the arrivals of
    the year to the origin over those of the year before that: for a month-end origin and whole months,
    last year's same month times the ratio of the twelve months to the origin to the twelve before.
    """
    o = pd.Timestamp(origin)

    def total(a: pd.Timestamp, b: pd.Timestamp) -> float:
        return float(daily[(daily.index >= a) & (daily.index <= b)].sum())

    recent = total(years_before(o, 1) + pd.Timedelta(days=1), o)
    before = total(years_before(o, 2) + pd.Timedelta(days=1), years_before(o, 1))
    ratio = recent / before if before > 0 else 1.0
    out = []
    for a, b in periods:
        k = 1
        while years_before(b, k) > o:
            k += 1
        out.append(total(years_before(a, k), years_before(b, k)) * (ratio ** k if trend else 1.0))
    return np.array(out, float)


def scores(observed: np.ndarray, ensemble: np.ndarray | None, point: np.ndarray) -> dict[str, float]:
    """CRPS, interval coverage and MAPE of the point forecast (over months with arrivals)."""
    out: dict[str, float] = {}
    if len(observed) == 0:
        return dict.fromkeys(("crps", "coverage_50", "coverage_90", "mape", "mae_of_point"), float("nan"))
    if ensemble is not None:
        out["crps"] = float(np.mean(crps_ensemble(observed, ensemble)))
        for level in (50, 90):
            lo, hi = np.percentile(ensemble, [50 - level / 2, 50 + level / 2], axis=-1)
            out[f"coverage_{level}"] = float(np.mean((observed >= lo) & (observed <= hi)))
    else:
        out["crps"] = float(np.mean(np.abs(observed - point)))   # a point forecast's CRPS
        out["coverage_50"] = out["coverage_90"] = float("nan")
    positive = observed > 0
    out["mape"] = (float(np.mean(np.abs(point[positive] - observed[positive]) / observed[positive]))
                   if positive.any() else float("nan"))
    out["mae_of_point"] = float(np.mean(np.abs(point - observed)))
    return out


def last_year_baseline(observed: pd.Series) -> pd.Series:
    """The same month a year earlier."""
    return observed.shift(12)


def seasonal_baseline(observed: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Fitted log-linear trend with month effects: (median, predictive ensemble per month)."""
    y = np.log1p(observed.to_numpy(float))
    t = np.arange(len(y), dtype=float) / 12.0
    months = observed.index.month.to_numpy()
    X = np.column_stack([np.ones_like(t), t] + [(months == m).astype(float) for m in range(2, 13)])
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    fitted = X @ coef
    sigma = float(np.sqrt(np.sum((y - fitted) ** 2) / max(len(y) - X.shape[1], 1)))
    z = sps.norm.ppf((np.arange(BASELINE_QUANTILES) + 0.5) / BASELINE_QUANTILES)
    ensemble = np.expm1(fitted[:, None] + sigma * z[None, :]).clip(min=0.0)
    return pd.Series(np.expm1(fitted).clip(min=0.0), index=observed.index), ensemble


def validate(out: str | Path, calibration: str | Path | Calibration | None = None, *,
             draws: int = VALIDATION_DRAWS, seed: int = 0, workers: int | None = None, scheduler: str | None = None,
             cluster_file: str | Path | None = None, serial: bool = False, data_dir: str | Path | None = None,
             progress: bool | None = None) -> dict[str, Any]:
    """Run the posterior-predictive ensemble into ``out`` and write the report; return the metrics."""
    cal = load_calibration(calibration)
    plan, start, end = window_runs(cal, draws, seed, OUTPUTS, data_dir)
    observed = read_observed(data_dir)
    observed.require_days(start, end, "Complete the data folder, or validate a calibration whose window it covers.")
    data_end = observed.daily["date"].max().date()
    if data_end > end:
        warnings.warn(f"the observed series runs to {data_end}, after the calibration's window ({start} to {end}): "
                      f"validate checks the window only; `channelsim forecast` scores the months after it.",
                      ChannelsimWarning, stacklevel=2)
    out = Path(out)
    runs, series = run_ensemble(plan, out / "ensemble", name="validate", calibration=cal, draws=draws, seed=seed,
                                workers=workers, scheduler=scheduler, cluster_file=cluster_file, serial=serial,
                                progress=progress)
    ok = runs.loc[runs["status"] == "ok", "run_id"]
    series = series[series["run_id"].isin(ok)]
    metrics = _metrics(series, observed, start, end)
    nationalities = read_nationalities(out / "ensemble")
    if len(nationalities):
        nationalities = nationalities[nationalities["run_id"].isin(ok)]
    checks = _nationality_checks(nationalities, cal, start, end, data_dir)
    metrics.update(draws=int(len(ok)), failed=int((runs["status"] != "ok").sum()), seed=seed,
                   calibration=str(cal.folder), window=[start.isoformat(), end.isoformat()],
                   posterior_particles=int(len(cal.posterior)),
                   posterior_effective_sample_size=round(cal.effective_sample_size, 1))
    _write_report(out, series, observed, start, end, metrics, checks)
    return metrics


def _nationality_checks(monthly: pd.DataFrame, cal: Calibration, start: dt.date, end: dt.date,
                        data_dir) -> dict[str, Any]:
    """The ensemble against the published arrivals by nationality: each comparable row's bands, their
    coverage, and the natural experiment (the group with its own returns arrangement)."""
    path = find_data_dir(data_dir) / NATIONALITY_FILE
    if monthly.empty or not path.is_file():
        return {}
    published = read_nationality_arrivals(path)
    groups = load_scenario(cal.provenance["settings"]["scenario"]).nationalities
    rows = row_checks(monthly, published, [g.name for g in groups], start, end)
    checks: dict[str, Any] = {"rows": rows, "coverage": coverage(rows)}
    episode = episode_group(groups)
    if episode is not None:
        table = episode_checks(monthly, published, episode[0], episode[1], start, end)
        if table is not None:
            checks["episode"] = (episode[0], episode[1], table)
    return checks


def _metrics(series: pd.DataFrame, observed: Observed, start: dt.date, end: dt.date) -> dict[str, Any]:
    obs = observed.monthly_arrivals(start, end)
    sim = monthly_by_run(series).reindex(obs.index).fillna(0.0)
    ensemble = sim.to_numpy(float)
    median = np.median(ensemble, axis=1)
    last_year = last_year_baseline(obs)
    seasonal_median, seasonal_ens = seasonal_baseline(obs)
    common = last_year.notna().to_numpy()
    y = obs.to_numpy(float)
    compared = {
        "model": scores(y[common], ensemble[common], median[common]),
        "last_year": scores(y[common], None, last_year.to_numpy(float)[common]),
        "seasonal": scores(y[common], seasonal_ens[common], seasonal_median.to_numpy(float)[common]),
    }
    whole = scores(y, ensemble, median)
    beats = bool(common.any()) and all(compared["model"]["crps"] < compared[baseline]["crps"]
                                       for baseline in ("last_year", "seasonal"))
    return {"months": int(len(obs)), "months_compared": int(common.sum()),
            "compared_from": str(obs.index[common][0]) if common.any() else None,
            "model_all_months": whole, "compared": compared, "model_beats_baselines_on_crps": bool(beats)}


def _write_report(out: Path, series: pd.DataFrame, observed: Observed, start: dt.date, end: dt.date,
                  metrics: dict[str, Any], checks: dict[str, Any]) -> None:
    obs_m = observed.monthly_arrivals(start, end)
    d = observed.daily
    d = d[(d["date"] >= pd.Timestamp(start)) & (d["date"] <= pd.Timestamp(end))].set_index("date")
    obs_w = d["migrants_arrived"].resample("W-SUN").sum()
    obs_ppb = (d["migrants_arrived"].groupby(d.index.year).sum()
               / d["boats_arrived"].groupby(d.index.year).sum())
    s = series.assign(year=pd.DatetimeIndex(series["date"]).year)
    per_run = s.groupby(["run_id", "year"])[["arrivals", "boats_arrived"]].sum()
    sim_ppb = (per_run["arrivals"] / per_run["boats_arrived"].where(per_run["boats_arrived"] > 0)).unstack(0)
    figures = validation_figures(monthly_by_run(series).reindex(obs_m.index).fillna(0.0), obs_m,
                                 weekly_by_run(series).reindex(obs_w.index).fillna(0.0), obs_w, sim_ppb, obs_ppb,
                                 out)
    ppb = pd.DataFrame({"observed": obs_ppb.round(1), "model median": sim_ppb.median(axis=1).round(1),
                        "model 5%": sim_ppb.quantile(0.05, axis=1).round(1),
                        "model 95%": sim_ppb.quantile(0.95, axis=1).round(1)})
    metrics["people_per_boat"] = {str(k): v for k, v in ppb.to_dict(orient="index").items()}
    episode = checks.get("episode")
    if episode is not None:
        metrics["albanian_experiment"] = {str(k): v for k, v in episode[2].to_dict(orient="index").items()}
        metrics["albanian_experiment_group"] = episode[0]
    if "rows" in checks:
        metrics["nationality_coverage"] = checks["coverage"]
        write_text_atomic(out / "nationalities.csv", checks["rows"].to_csv(index=False, float_format="%.4g"))
    write_text_atomic(out / "metrics.json", json.dumps(metrics, indent=1, default=float))
    table = "\n".join(f"| {name} | {m['crps']:.0f} | {percent(m['coverage_50'])} | {percent(m['coverage_90'])} "
                      f"| {m['mape'] * 100:.0f}% |" for name, m in metrics["compared"].items())
    whole = metrics["model_all_months"]
    verdict = ("beats" if metrics["model_beats_baselines_on_crps"] else "does not beat") + " both baselines on CRPS"
    if not metrics["months_compared"]:
        verdict = "cannot be compared with the baselines: no month of this window has a year-earlier month in it"
    text = f"""# Validation of the calibration

Calibration: `{metrics['calibration']}`; posterior-predictive ensemble of {metrics['draws']} draws
(seed {metrics['seed']}, {metrics['failed']} failed runs), window {metrics['window'][0]} to {metrics['window'][1]}.
The posterior's {metrics['posterior_particles']} particles have an effective sample size of
{metrics['posterior_effective_sample_size']:g}{_ess_warning(metrics)}.

## Monthly arrivals

Over all {metrics['months']} months, the model's 90% band covers {percent(whole['coverage_90'])} of observed months and
its 50% band {percent(whole['coverage_50'])}; CRPS {whole['crps']:.0f} people a month, MAPE of the median
{whole['mape'] * 100:.0f}%.

Against the naive baselines, over the {metrics['months_compared']} months from {metrics['compared_from']} (all three
forecast those):

| forecast | CRPS (people/month) | 50% coverage | 90% coverage | MAPE of median |
|---|---|---|---|---|
{table}

*last year* is the same month a year earlier (a point forecast: its CRPS is its absolute error);
*seasonal* is a log-linear trend with month effects fitted on the same window, with log-normal errors.
The model {verdict}.

![monthly]({figures['monthly'].name})

![weekly]({figures['weekly'].name})

## People per boat

Produced by the gangs' behaviour (boat supply, scarcity and loads), not set year by year.

{markdown_table(ppb, index_name='year')}

![people per boat]({figures['people_per_boat'].name})
"""
    if episode is not None:
        group, since, table = episode
        shown = table.assign(inside=table["inside"].map({True: "yes", False: "**no**"})).round(1)
        text += f"""
## The {group} natural experiment

{group} is the nationality with a returns arrangement of its own (from {since}). Its published arrivals in
{since.year} and {since.year + 1} (`{NATIONALITY_FILE}`) against the ensemble's 90% bands: the clearest test of
deterrence the data hold. The surge of {since.year} is a calibrated inflow episode; the fall after the
arrangement comes from its returns moving {group}'s perceived return probability and, lagged, the inflow.

{markdown_table(shown, index_name='')}
"""
    if "rows" in checks:
        cov, rows = checks["coverage"], checks["rows"]
        shown = rows[["period_start", "period_end", "nationality", "share", "share_5", "share_95", "share_inside",
                      "people", "people_5", "people_95", "count_inside"]].round(3)
        text += f"""
## Arrivals by nationality

Every row of `{NATIONALITY_FILE}` whose nationality is a model group and whose period lies in the window,
against the ensemble's 90% band: the published share inside for {percent(cov['share_coverage'])} of
{cov['rows']} rows, the published count for {percent(cov['count_coverage'])} of {cov['count_rows']}
(all figures: {percent(cov['figure_coverage'])} of {cov['figures']}). The groups' yearly shares are inputs
(`[inflow] nationality_mix = "published"`), except the surge group's and the arrangement group's in the
years their mechanisms act, so only those rows test the model; the others test the conversion from
inflow to arrivals. The table is also in `nationalities.csv`.

{markdown_table(shown.set_index('period_start'), index_name='period_start')}
"""
    write_text_atomic(out / "report.md", text)


def _ess_warning(metrics: dict[str, Any]) -> str:
    ess, n = metrics["posterior_effective_sample_size"], metrics["posterior_particles"]
    if ess >= max(0.1 * n, min(n, 10)):
        return ""
    return (": **few particles carry the weight, so the bands below understate the parameters' uncertainty**"
            " (a degenerate ABC-SMC population; calibrate with more particles)")

