"""Which model variant the data favour: the calibration's model probabilities and a predictive comparison.

ABC model choice is fragile (Robert, Cornuet, Marin and Pillai 2011: with
summary statistics that are not sufficient across models, posterior model
probabilities can be wrong), so [`compare_models`][channelsim.experiments.inference.model_choice.compare_models] reports
two kinds of
evidence side by side:

1. **Posterior model probabilities** from the calibration's multi-model
   ABC-SMC (pyabc), generation by generation (``model_probabilities.csv``).
2. **A rolling-origin forecast inside the released data.** A bank of runs
   drawn from each variant's prior (the same draws of the parameters the
   variants share, and the same seeds: only the mechanism differs) is run
   over the whole series under the published returns. At each origin
   ([`ORIGINS`][channelsim.experiments.inference.model_choice.ORIGINS]), each variant keeps its ``keep`` share of runs
   whose log
   monthly arrivals up to the origin are closest to the observed (rejection
   ABC on data before the origin only), and its forecast is those runs' months
   after the origin to the end of the data. Each forecast is scored by its mean
   monthly CRPS against the observed, beside two baselines: the *seasonal
   naive* (the same month a year before) and the *trend-adjusted seasonal
   naive* (that times the ratio of the twelve months before the origin to the
   twelve before those). Pooling the bank, the variants' shares among the runs
   closest to the data give a second, rejection-ABC estimate of the model
   probabilities at each origin and over the whole window.

Writes ``model_choice.csv`` (one row an origin and forecaster), ``model_probabilities.csv``,
``model_choice.md`` (the tables and a plain verdict), ``model_choice.png``; the bank's runs are a
resumable Parquet ensemble in ``bank/``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from channelsim.core.data import data_dir as find_data_dir
from channelsim.core.files import write_text_atomic
from channelsim.experiments.inference.plans import posterior_runs, run_ensemble
from channelsim.experiments.inference.posterior import Calibration, load_calibration, prior_calibration
from channelsim.experiments.inference.report import markdown_table
from channelsim.experiments.inference.settings import (
    BANK_DRAWS,
    BANK_KEEP,
    CALIBRATION_START,
    CALIBRATION_WARMUP_DAYS,
    CalibrationError,
)
from channelsim.experiments.inference.targets import last_whole_month, monthly_by_run, read_observed
from channelsim.experiments.inference.validation import crps_ensemble, seasonal_naive
from channelsim.experiments.plots import model_choice_figure

ORIGINS = (dt.date(2025, 7, 31), dt.date(2025, 10, 31))
SCENARIO = "pilot_published"
FIRST_MONTH = pd.Period("2018-07", "M")   # the distance's first month: after the series' first half-year
DECISIVE = 3.0         # a ratio of model probabilities (or a CRPS ratio's inverse) this large counts as favouring


def distances(sim: pd.DataFrame, observed: pd.Series, origin: pd.Period) -> pd.Series:
    """Each run's RMS error of log monthly arrivals from
    [`FIRST_MONTH`][channelsim.experiments.inference.model_choice.FIRST_MONTH] to the origin."""
    months = observed.index[(observed.index >= FIRST_MONTH) & (observed.index <= origin)]
    gap = np.log1p(sim.loc[months].to_numpy(float)) - np.log1p(observed.loc[months].to_numpy(float))[:, None]
    return pd.Series(np.sqrt(np.mean(gap ** 2, axis=0)), index=sim.columns)


def score(observed: np.ndarray, ensemble: np.ndarray | None, point: np.ndarray | None = None) -> float:
    """Mean monthly CRPS (a point forecast's: its absolute error)."""
    if ensemble is None:
        return float(np.mean(np.abs(observed - point)))
    return float(np.mean(crps_ensemble(observed, ensemble)))


def compare_models(out: str | Path, calibration: str | Path | Calibration | None = None, *, draws: int = BANK_DRAWS,
                   keep: float = BANK_KEEP, seed: int = 0, workers: int | None = None, scheduler: str | None = None,
                   cluster_file: str | Path | None = None, serial: bool = False, data_dir: str | Path | None = None,
                   progress: bool | None = None) -> dict:
    """Run the bank into ``out`` and write the comparison; return its tables and verdict."""
    if not 0 < keep <= 1:
        raise CalibrationError(f"keep must be a share in (0, 1], not {keep!r}.")
    cal = load_calibration(calibration)
    settings = cal.settings
    if len(settings.variants) < 2:
        raise CalibrationError(f"{cal.folder} fitted one model variant ({settings.variants[0]}); compare-models "
                               "needs a calibration of several (channelsim calibrate --variants ...).")
    end = settings.window()[1]
    # the observed series first: data that cannot be scored are refused before any run
    read = read_observed(data_dir)
    read.require_days(CALIBRATION_START, end, "Give a daily file that holds the calibration's window: months "
                                              "without data would be scored as months without arrivals.")
    observed = read.monthly_arrivals(CALIBRATION_START, end)
    daily = read.daily.set_index("date")["migrants_arrived"]
    prior = prior_calibration({v: settings.variant_free(v) for v in settings.variants}, 100 * draws, seed)
    out = Path(out)
    monthly: dict[str, pd.DataFrame] = {}
    start = CALIBRATION_START
    for variant in settings.variants:
        plan = posterior_runs(prior, [SCENARIO], draws, seed, start=start.isoformat(), days=(end - start).days + 1,
                              warmup_days=CALIBRATION_WARMUP_DAYS, outputs=("arrivals",), frequency="daily",
                              data_dir=str(find_data_dir(data_dir)), variant=variant)
        runs, series = run_ensemble(plan, out / "bank" / variant, name=f"bank {variant}", calibration=prior,
                                    draws=draws, seed=seed, provenance={"variant": variant, "scenario": SCENARIO},
                                    workers=workers, scheduler=scheduler, cluster_file=cluster_file, serial=serial,
                                    progress=progress)
        ok = set(runs.loc[runs["status"] == "ok", "run_id"])
        monthly[variant] = monthly_by_run(series[series["run_id"].isin(ok)])
    # the window's last whole month
    last_month = last_whole_month(end)
    rows, probs, kept = [], [], {}
    origins = [o for o in ORIGINS if o < end]
    for origin_date in [*origins, end]:
        origin = pd.Period(origin_date, "M")
        d = {v: distances(m, observed, origin) for v, m in monthly.items()}
        pooled = pd.concat([s.rename(lambda r, v=v: (v, r)) for v, s in d.items()]).sort_values()
        n_pool = max(1, int(round(keep * len(pooled))))
        shares = pd.Series([v for v, _ in pooled.index[:n_pool]]).value_counts(normalize=True)
        probs.append({"method": "rejection ABC on the bank (log monthly arrivals)",
                      "data_to": origin_date.isoformat(), "kept": n_pool,
                      **{v: float(shares.get(v, 0.0)) for v in settings.variants}})
        if origin_date == end:
            continue
        months = observed.index[(observed.index > origin) & (observed.index <= last_month)]
        y = observed.loc[months].to_numpy(float)
        for v, m in monthly.items():
            n_keep = max(1, int(round(keep * m.shape[1])))
            chosen = d[v].sort_values().index[:n_keep]
            ens = m.loc[months, chosen].to_numpy(float)
            kept[(origin_date, v)] = m.loc[:, chosen]
            rows.append({"origin": origin_date.isoformat(), "forecaster": v, "months": len(months),
                         "crps": score(y, ens), "median_abs_error": float(np.mean(np.abs(np.median(ens, 1) - y))),
                         "coverage_90": float(np.mean((np.percentile(ens, 5, 1) <= y)
                                                      & (y <= np.percentile(ens, 95, 1)))),
                         "fit_distance": float(d[v].loc[chosen].mean()), "runs": n_keep})
        for name, trend in (("seasonal naive", False), ("trend-adjusted seasonal naive", True)):
            point = seasonal_naive(daily, [(m.start_time, m.end_time.normalize()) for m in months], origin_date,
                                   trend)
            rows.append({"origin": origin_date.isoformat(), "forecaster": name, "months": len(months),
                         "crps": score(y, None, point), "median_abs_error": float(np.mean(np.abs(point - y))),
                         "coverage_90": np.nan, "fit_distance": np.nan, "runs": 0})
    scores = pd.DataFrame(rows)
    calib_probs = pd.DataFrame([{"method": f"ABC-SMC generation {g['t']}", "data_to": end.isoformat(),
                                 "kept": settings.population, **{v: g.get(v, np.nan) for v in settings.variants}}
                                for g in cal.provenance.get("model_probabilities", [])])
    probabilities = pd.concat([calib_probs, pd.DataFrame(probs)], ignore_index=True)
    write_text_atomic(out / "model_choice.csv", scores.to_csv(index=False, float_format="%.6g"))
    write_text_atomic(out / "model_probabilities.csv", probabilities.to_csv(index=False, float_format="%.4g"))
    final = {v: float(cal.model_probabilities.get(v, 0.0)) for v in settings.variants}
    text = verdict(final, scores, settings.variants)
    model_choice_figure(kept, observed, out / "model_choice.png",
                        note=f"{draws} prior draws a variant, the closest {100 * keep:.0f}% kept at each origin; "
                             f"{SCENARIO}; observed: Home Office small boats (gov.uk)")
    write_text_atomic(out / "model_choice.md", report_text(text, scores, probabilities, cal, draws, keep))
    return {"scores": scores, "probabilities": probabilities, "verdict": text, "final": final}


def verdict(final: dict[str, float], scores: pd.DataFrame, variants) -> str:
    """The comparison in plain words: which variant, if any, each kind of evidence favours, and how strongly."""
    ranked = sorted(final.items(), key=lambda kv: -kv[1])
    (best, p_best), (second, p_second) = ranked[0], ranked[1]
    ratio = p_best / p_second if p_second > 0 else float("inf")
    parts = ["The calibration's model probabilities: " + ", ".join(f"{v} {p:.2f}" for v, p in ranked) + "."]
    if ratio >= DECISIVE:
        parts.append(f"They favour {best} over {second} by {ratio:.1f} to 1.")
    else:
        parts.append(f"They cannot tell {best} from {second} (a ratio of {ratio:.1f} to 1, under {DECISIVE:g}).")
    for origin, group in scores.groupby("origin"):
        g = group.set_index("forecaster")["crps"]
        models = g[[v for v in variants if v in g.index]].sort_values()
        naive = g.drop(models.index).min()
        spread = models.iloc[-1] / models.iloc[0] if models.iloc[0] > 0 else float("inf")
        text = (f"Forecast from {origin}: mean monthly CRPS " + ", ".join(f"{v} {c:,.0f}" for v, c in models.items())
                + f"; the better naive {naive:,.0f} people a month. ")
        if spread < 1.25:
            text += "The variants forecast about equally well (within 25%): this origin cannot tell them apart."
        else:
            text += f"{models.index[0]} forecasts best ({spread:.2f} times better than the worst variant)."
        text += (" Every variant beats the naive forecasts." if (models < naive).all() else
                 " No variant beats the better naive forecast." if (models >= naive).all() else "")
        parts.append(text)
    return " ".join(parts)


def report_text(text: str, scores: pd.DataFrame, probabilities: pd.DataFrame, cal: Calibration, draws: int,
                keep: float) -> str:
    return f"""# Which model variant the data favour

Variants (core.params `return_evidence`): **full** (returns, returnees' stories and the announcement move the
perceived return probability), **announcement** (only the announcement does), **null_model** (nothing
does: the perceived return probability stays at its prior). Calibration: `{cal.folder}`.

{text}

## Posterior model probabilities

From the calibration's multi-model ABC-SMC by generation, and by rejection ABC on the bank of prior runs
(each variant's share among the {100 * keep:.0f}% of all runs closest to the log monthly arrivals up to
the date). ABC model choice with summary statistics that are not sufficient can mislead (Robert et al.
2011): read these beside the forecasts.

{markdown_table(probabilities.set_index("method"), index_name="method")}

## Rolling-origin forecasts inside the released data

{draws} prior draws a variant (the same draws of shared parameters and the same seeds), run under the
published returns; at each origin the {100 * keep:.0f}% of a variant's runs closest to the data before
the origin forecast the months after it, to the last whole month of the calibration's window (months after it
are scored by `channelsim forecast`, out of sample). Mean monthly CRPS (people a
month; a point forecast's is its absolute error), mean absolute error of the median, and the 90% band's
coverage.

{markdown_table(scores.set_index("origin"), index_name="origin")}

![forecasts by variant](model_choice.png)
"""
