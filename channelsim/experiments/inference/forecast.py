"""The forecast: arrivals by month after the data end, from the posterior, as the project's claim.

[`forecast`][channelsim.experiments.inference.forecast.forecast] draws parameter sets from a calibration's posterior
(every
model variant by its posterior probability, or one variant), runs each from the
first day of the Home Office series through the forecast's last day under the
published returns (``pilot_published``: the Home Office's monthly returns, the
last month's rate held after it), and writes:

- ``forecast.csv``: one row a calendar month from
[`FORECAST_START`][channelsim.experiments.inference.forecast.FORECAST_START]: the
  median and the 5%, 25%, 75% and 95% quantiles over draws of the month's
  arrivals (the first month counts from ``FORECAST_START``);
- ``in_sample.csv``: the same runs' totals of each past calendar year against
  the observed: median, 90% band, the band's half-widths as shares of the
  median, and whether it covers the observed;
- ``forecast.png`` (the observed months and the forecast's bands) and
  ``forecast.md`` (both tables, the runs' source).

The runs are a resumable Parquet ensemble in ``ensemble/``. Nothing in the
forecast looks at data after the calibration's window.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from channelsim.core.data import data_dir as find_data_dir
from channelsim.core.files import write_text_atomic
from channelsim.experiments.inference.plans import posterior_runs, run_ensemble
from channelsim.experiments.inference.posterior import Calibration, load_calibration
from channelsim.experiments.inference.report import markdown_table
from channelsim.experiments.inference.settings import (
    CALIBRATION_START,
    CALIBRATION_WARMUP_DAYS,
    FORECAST_DRAWS,
    FORECAST_END,
    FORECAST_START,
    CalibrationError,
)
from channelsim.experiments.inference.targets import Observed, monthly_by_run, read_observed
from channelsim.experiments.labels import quantile_name
from channelsim.experiments.plots import forecast_figure

FORECAST_SCENARIO = "pilot_published"
IN_SAMPLE_YEARS = range(2019, 2026)
BAND_LIMIT = 0.4   # the test of a posterior that predicts: each year's 90% band within +-40% of its median
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def forecast_runs(cal: Calibration, draws: int, seed: int, end: dt.date = FORECAST_END,
                  data_dir: str | Path | None = None, variant: str | None = None,
                  scenario: str = FORECAST_SCENARIO):
    """The runs: each draw from the series' first day (after the calibration's warm-up) through ``end``."""
    start = CALIBRATION_START
    return posterior_runs(cal, [scenario], draws, seed, start=start.isoformat(), days=(end - start).days + 1,
                          warmup_days=CALIBRATION_WARMUP_DAYS, outputs=("arrivals", "perceived_return_probability"),
                          frequency="daily",
                          data_dir=str(find_data_dir(data_dir)), variant=variant)


def band_table(monthly: pd.DataFrame) -> pd.DataFrame:
    """Quantiles over runs (columns) of each row."""
    q = monthly.quantile(list(QUANTILES), axis=1).T
    q.columns = [quantile_name(x) for x in QUANTILES]
    return q.rename(columns={"q50": "median"})


def in_sample_years(monthly: pd.DataFrame, observed_monthly: pd.Series) -> pd.DataFrame:
    """Each past year's total arrivals over the runs against the observed."""
    years = monthly.groupby(monthly.index.year).sum()
    obs = observed_monthly.groupby(observed_monthly.index.year).sum()
    table = band_table(years.loc[[y for y in IN_SAMPLE_YEARS if y in years.index]])
    table.insert(0, "observed", [float(obs.get(y, np.nan)) for y in table.index])
    table["lower_share"] = 1 - table["q05"] / table["median"]
    table["upper_share"] = table["q95"] / table["median"] - 1
    table["within_40pct"] = (table["lower_share"] <= BAND_LIMIT) & (table["upper_share"] <= BAND_LIMIT)
    table["covers_observed"] = (table["q05"] <= table["observed"]) & (table["observed"] <= table["q95"])
    table.index.name = "year"
    return table


def forecast(out: str | Path, calibration: str | Path | Calibration | None = None, *, draws: int = FORECAST_DRAWS,
             seed: int = 0, end: dt.date = FORECAST_END, variant: str | None = None,
             workers: int | None = None, scheduler: str | None = None, cluster_file: str | Path | None = None,
             serial: bool = False, data_dir: str | Path | None = None,
             progress: bool | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run the forecast into ``out``; return (the monthly forecast, the in-sample years)."""
    cal = load_calibration(calibration)
    if end <= FORECAST_START:
        raise CalibrationError(f"the forecast's end ({end}) must come after its start ({FORECAST_START}).")
    out = Path(out)
    observed = read_observed(data_dir)   # bad data refused before any run, with nothing written
    plan = forecast_runs(cal, draws, seed, end, data_dir, variant)
    runs, series = run_ensemble(plan, out / "ensemble", name="forecast", calibration=cal, draws=draws, seed=seed,
                                provenance={"scenario": FORECAST_SCENARIO, "start": FORECAST_START.isoformat(),
                                            "end": end.isoformat(), "variant": variant or "model average"},
                                workers=workers, scheduler=scheduler, cluster_file=cluster_file, serial=serial,
                                progress=progress)
    failed = int((runs["status"] != "ok").sum())
    if failed:
        raise CalibrationError(f"{failed} of {len(runs)} forecast runs failed; see {out / 'ensemble'}.")
    obs_monthly = observed.monthly_arrivals(CALIBRATION_START, observed.daily["date"].max().date())
    ahead = series[pd.to_datetime(series["date"]) >= pd.Timestamp(FORECAST_START)]
    table = band_table(monthly_by_run(ahead))
    table.index = table.index.astype(str)
    table.index.name = "month"
    past = monthly_by_run(series[pd.to_datetime(series["date"]) < pd.Timestamp(FORECAST_START)])
    years = in_sample_years(past.set_axis(past.index.to_timestamp()), obs_monthly.set_axis(obs_monthly.index
                                                                                           .to_timestamp()))
    write_text_atomic(out / "forecast.csv", table.to_csv(float_format="%.1f"))
    write_text_atomic(out / "in_sample.csv", years.to_csv(float_format="%.6g"))
    source = (f"{draws} posterior draws (seed {seed}) from {Path(str(cal.folder)).name}"
              f"{'' if variant is None else f', variant {variant}'}; {FORECAST_SCENARIO}")
    obs_recent = obs_monthly[obs_monthly.index >= pd.Period("2023-01", "M")]
    forecast_figure(table, obs_recent, past.loc[past.index >= pd.Period("2023-01", "M")], out / "forecast.png",
                    note=f"{source}; observed: Home Office small boats (gov.uk)")
    beliefs = belief_check(series, observed, data_dir, end)
    write_text_atomic(out / "beliefs.csv", beliefs.to_csv(index=False, float_format="%.4g"))
    write_text_atomic(out / "forecast.md", report_text(table, years, source, failed) + belief_text(beliefs))
    return table, years


BELIEF_DAYS = (dt.date(2025, 7, 9), dt.date(2025, 12, 31), dt.date(2026, 2, 1), dt.date(2026, 7, 31))


def belief_check(series: pd.DataFrame, observed: Observed, data_dir, end: dt.date) -> pd.DataFrame:
    """The perceived return probability over the runs on a few days, beside the share of arrivals since the
    first return to France (September 2025) that the Home Office reports returned, to the day's month."""
    from channelsim.core.data import data_file, read_one_in_one_out

    folder = find_data_dir(data_dir)
    returned = read_one_in_one_out(data_file(folder, "one_in_one_out_monthly.csv", "returns"))
    daily = observed.daily.set_index("date")["migrants_arrived"]
    last = observed.daily["date"].max().date()
    wide = series.assign(date=pd.to_datetime(series["date"])).pivot_table(
        index="date", columns="run_id", values="perceived_return_probability")
    rows = []
    for day in BELIEF_DAYS:
        if day > end or pd.Timestamp(day) not in wide.index:
            continue
        v = wide.loc[pd.Timestamp(day)].to_numpy(float)
        # whole months only: to the day's month if the day ends it, else to the month before
        month = pd.Period(day, "M") - (0 if (day + dt.timedelta(days=1)).day == 1 else 1)
        since = pd.Period("2025-09", "M")
        ret = returned[(returned["month"] >= since) & (returned["month"] <= month)]["returned_to_france"].sum()
        arr = daily[(daily.index >= since.to_timestamp()) & (daily.index < (month + 1).to_timestamp())].sum()
        share = float(ret / arr) if month >= since and arr > 0 else float("nan")
        rows.append({"day": day.isoformat(), "perceived_median": float(np.median(v)),
                     "perceived_5": float(np.percentile(v, 5)), "perceived_95": float(np.percentile(v, 95)),
                     "observed_share_returned": share, "in_data": day <= last})
    return pd.DataFrame(rows)


def belief_text(beliefs: pd.DataFrame) -> str:
    lines = ["| day | perceived return probability: median (90% band) | share of arrivals since September 2025 "
             "returned (Home Office) |", "|---|---|---|"]
    for r in beliefs.itertuples():
        share = r.observed_share_returned
        obs = "" if share != share else f"{100 * share:.1f}%"
        lines.append(f"| {r.day} | {100 * r.perceived_median:.1f}% ({100 * r.perceived_5:.1f}% to "
                     f"{100 * r.perceived_95:.1f}%) | {obs if r.in_data else '(after the data)'} |")
    return f"""
## Beliefs against what people could see

The mean perceived probability of being returned among the people waiting in France, over the same runs,
beside the share of arrivals since the first returns that the Home Office reports returned to France
(September 2025 to the last whole month to the day).

{chr(10).join(lines)}
"""


def report_text(table: pd.DataFrame, years: pd.DataFrame, source: str, failed: int) -> str:
    shown = table.assign(**{"median (90% band)": [f"{m:,.0f} ({a:,.0f} to {b:,.0f})" for m, a, b in
                                                  zip(table["median"], table["q05"], table["q95"], strict=True)],
                            "50% band": [f"{a:,.0f} to {b:,.0f}" for a, b in
                                         zip(table["q25"], table["q75"], strict=True)]})
    shown = shown[["median (90% band)", "50% band"]]
    ys = years.assign(**{"model median (90% band)": [f"{m:,.0f} ({a:,.0f} to {b:,.0f})" for m, a, b in
                                                     zip(years["median"], years["q05"], years["q95"], strict=True)],
                         "band as share of median": [f"-{100 * lo:.0f}% / +{100 * hi:.0f}%" for lo, hi in
                                                     zip(years["lower_share"], years["upper_share"], strict=True)]})
    ys["observed"] = [f"{v:,.0f}" for v in years["observed"]]
    ys = ys[["observed", "model median (90% band)", "band as share of median", "within_40pct", "covers_observed"]]
    within, covers = int(years["within_40pct"].sum()), int(years["covers_observed"].sum())
    return f"""# Forecast of small-boat arrivals from {FORECAST_START:%-d %B %Y}

{source}; every run simulates the history from {CALIBRATION_START} first. {failed} failed runs. Each month's
arrivals over the draws: median, 90% and 50% bands (the first month counts from {FORECAST_START}; the Home
Office's 1 February 2026 is in the data). The bands are the model's posterior-predictive spread: parameter
uncertainty, the model variants by their posterior probability, and each run's own randomness; they do not
include the chance that the model's structure is wrong.

![forecast](forecast.png)

{markdown_table(shown, index_name="month")}

## In sample: each year's total

The same runs' calendar-year totals against the Home Office's. {within} of {len(years)} years have a 90% band
within +-{100 * BAND_LIMIT:.0f}% of its median; {covers} of {len(years)} bands cover the observed.

{markdown_table(ys, index_name="year")}
"""
