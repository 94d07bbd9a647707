"""The forecast: arrivals by month after the calibration's window, from the posterior, as the project's claim.

[`forecast`][channelsim.experiments.inference.forecast.forecast] draws parameter sets from a calibration's posterior
(every
model variant by its posterior probability, or one variant), runs each from the
first day of the Home Office series through the forecast's last day under the
published returns (``pilot_published``: the Home Office's monthly returns, the
last month's rate held after it), and writes:

- ``forecast.csv``: one row a calendar month from the day after the
  calibration's window ends ([`forecast_start`][channelsim.experiments.inference.forecast.forecast_start]; for the
  committed calibration, 2 February 2026): the median and the 5%, 25%, 75% and
  95% quantiles over draws of the month's arrivals (the first month counts from
  that day);
- ``in_sample.csv``: the same runs' totals of each whole calendar year before
  the forecast against the observed: median, 90% band, the band's half-widths
  as shares of the median, and whether it covers the observed;
- ``out_of_sample.csv``: where the data folder holds whole forecast months
  (data newer than the calibration), each such month's observed arrivals
  against the forecast's bands and its CRPS beside the seasonal naive and the
  trend-adjusted seasonal naive (the same days a year before; that times the
  ratio of the year before the forecast to the year before that), as
  ``compare-models`` scores its origins;
- ``forecast.png`` (the observed months and the forecast's bands) and
  ``forecast.md`` (the tables, the runs' source).

The runs are a resumable Parquet ensemble in ``ensemble/``. Nothing in the
forecast is fitted to data after the calibration's window: newer months are
only scored.
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
    CalibrationError,
)
from channelsim.experiments.inference.targets import Observed, last_whole_month, monthly_by_run, read_observed
from channelsim.experiments.inference.validation import crps_ensemble, seasonal_naive
from channelsim.experiments.labels import quantile_name
from channelsim.experiments.plots import forecast_figure

FORECAST_SCENARIO = "pilot_published"
FIRST_IN_SAMPLE_YEAR = 2019   # the in-sample check's first year (the issue asks for 2019 to 2025, and on as data come)
BAND_LIMIT = 0.4   # the test of a posterior that predicts: each year's 90% band within +-40% of its median
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


FORECAST_MONTHS = 12    # the default forecast: this many calendar months, the first counting from its first day
SHOWN_MONTHS = 37       # the figure's observed months before the forecast's: three years and the month before


def forecast_start(cal: Calibration) -> dt.date:
    """The forecast's first day: the day after the calibration's window (the data it was fitted to)."""
    return cal.settings.window()[1] + dt.timedelta(days=1)


def default_end(start: dt.date) -> dt.date:
    """The last day of the ``FORECAST_MONTHS``-th calendar month counting ``start``'s."""
    return (pd.Period(start, "M") + FORECAST_MONTHS - 1).end_time.date()


def forecast_runs(cal: Calibration, draws: int, seed: int, end: dt.date,
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


def in_sample_years(monthly: pd.DataFrame, observed_monthly: pd.Series, start: dt.date) -> pd.DataFrame:
    """Each whole past year's total arrivals over the runs against the observed (the years of
    from ``FIRST_IN_SAMPLE_YEAR`` that end before the forecast's first day)."""
    years = monthly.groupby(monthly.index.year).sum()
    obs = observed_monthly.groupby(observed_monthly.index.year).sum()
    table = band_table(years.loc[[y for y in range(FIRST_IN_SAMPLE_YEAR, start.year) if y in years.index]])
    table.insert(0, "observed", [float(obs.get(y, np.nan)) for y in table.index])
    table["lower_share"] = 1 - table["q05"] / table["median"]
    table["upper_share"] = table["q95"] / table["median"] - 1
    table["within_40pct"] = (table["lower_share"] <= BAND_LIMIT) & (table["upper_share"] <= BAND_LIMIT)
    table["covers_observed"] = (table["q05"] <= table["observed"]) & (table["observed"] <= table["q95"])
    table.index.name = "year"
    return table


def month_days(months: pd.PeriodIndex, start: dt.date, end: dt.date) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """Each forecast month's first and last day (the first month from ``start``, the last to ``end``)."""
    return [(max(m.start_time, pd.Timestamp(start)), min(m.end_time.normalize(), pd.Timestamp(end))) for m in months]


def out_of_sample(monthly: pd.DataFrame, daily: pd.Series, start: dt.date, end: dt.date) -> pd.DataFrame:
    """The forecast months the data hold whole (``monthly``: a month a row, a run a column, from ``start``
    to ``end``; ``daily``: the observed arrivals by day): the observed against the runs' bands, and the CRPS
    of the runs beside the two naive forecasts made the day before ``start``
    ([`seasonal_naive`][channelsim.experiments.inference.validation.seasonal_naive], as ``compare-models``
    scores its origins; a point forecast's CRPS is its absolute error)."""
    last = daily.index.max()
    origin = start - dt.timedelta(days=1)
    periods = [(a, b) for a, b in month_days(monthly.index, start, end) if b <= last]
    seasonal = seasonal_naive(daily, periods, origin, trend=False)
    trend = seasonal_naive(daily, periods, origin, trend=True)
    rows = []
    for month, (a, b), naive, adjusted in zip(monthly.index, periods, seasonal, trend, strict=False):
        runs = monthly.loc[month].to_numpy(float)
        obs = float(daily[(daily.index >= a) & (daily.index <= b)].sum())
        lo5, lo25, med, hi75, hi95 = np.percentile(runs, [5, 25, 50, 75, 95])
        rows.append({"month": str(month), "first_day": a.date().isoformat(), "last_day": b.date().isoformat(),
                     "observed": obs, "median": med, "q05": lo5, "q95": hi95, "in_50": bool(lo25 <= obs <= hi75),
                     "in_90": bool(lo5 <= obs <= hi95), "crps": float(crps_ensemble(np.array([obs]), runs[None, :])[0]),
                     "crps_seasonal_naive": abs(obs - naive), "crps_trend_naive": abs(obs - adjusted)})
    return pd.DataFrame(rows, columns=["month", "first_day", "last_day", "observed", "median", "q05", "q95", "in_50",
                                       "in_90", "crps", "crps_seasonal_naive", "crps_trend_naive"]).set_index("month")


def forecast(out: str | Path, calibration: str | Path | Calibration | None = None, *, draws: int = FORECAST_DRAWS,
             seed: int = 0, end: dt.date | None = None, variant: str | None = None,
             workers: int | None = None, scheduler: str | None = None, cluster_file: str | Path | None = None,
             serial: bool = False, data_dir: str | Path | None = None,
             progress: bool | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run the forecast into ``out`` from the day after the calibration's window to ``end`` (default: the
    last day of its twelfth month); return (the monthly forecast, the in-sample years)."""
    cal = load_calibration(calibration)
    start = forecast_start(cal)
    end = default_end(start) if end is None else end
    if end <= start:
        raise CalibrationError(f"the forecast's end ({end}) must come after its start ({start}, the day after the "
                               f"calibration's window).")
    out = Path(out)
    observed = read_observed(data_dir)   # bad data refused before any run, with nothing written
    observed.require_days(CALIBRATION_START, max(start - dt.timedelta(days=1), min(end, observed.daily["date"].max()
                                                                                  .date())),
                          "Give a daily file that holds at least the calibration's window: the forecast's in-sample "
                          "and out-of-sample checks read every day.")
    plan = forecast_runs(cal, draws, seed, end, data_dir, variant)
    runs, series = run_ensemble(plan, out / "ensemble", name="forecast", calibration=cal, draws=draws, seed=seed,
                                provenance={"scenario": FORECAST_SCENARIO, "start": start.isoformat(),
                                            "end": end.isoformat(), "variant": variant or "model average"},
                                workers=workers, scheduler=scheduler, cluster_file=cluster_file, serial=serial,
                                progress=progress)
    failed = int((runs["status"] != "ok").sum())
    if failed:
        raise CalibrationError(f"{failed} of {len(runs)} forecast runs failed; see {out / 'ensemble'}.")
    data_end = observed.daily["date"].max().date()
    obs_monthly = observed.monthly_arrivals(CALIBRATION_START, data_end)
    dates = pd.to_datetime(series["date"])
    ahead = monthly_by_run(series[dates >= pd.Timestamp(start)])
    table = band_table(ahead)
    table.index = table.index.astype(str)
    table.index.name = "month"
    past = monthly_by_run(series[dates < pd.Timestamp(start)])
    years = in_sample_years(past.set_axis(past.index.to_timestamp()), obs_monthly.set_axis(obs_monthly.index
                                                                                           .to_timestamp()), start)
    scored = out_of_sample(ahead, observed.daily.set_index("date")["migrants_arrived"], start, end)
    write_text_atomic(out / "forecast.csv", table.to_csv(float_format="%.1f"))
    write_text_atomic(out / "in_sample.csv", years.to_csv(float_format="%.6g"))
    write_text_atomic(out / "out_of_sample.csv", scored.to_csv(float_format="%.6g"))
    source = (f"{draws} posterior draws (seed {seed}) from {Path(str(cal.folder)).name}"
              f"{'' if variant is None else f', variant {variant}'}; {FORECAST_SCENARIO}")
    # the figure draws whole months only: a month the data, or the runs before the forecast, hold in part
    # would look like a fall
    shown_from = pd.Period(start, "M") - SHOWN_MONTHS
    data_whole = last_whole_month(data_end)
    past_whole = pd.Period(start, "M") - 1
    obs_recent = obs_monthly[(obs_monthly.index >= shown_from) & (obs_monthly.index <= data_whole)]
    forecast_figure(table, obs_recent, past.loc[(past.index >= shown_from) & (past.index <= past_whole)],
                    out / "forecast.png",
                    note=f"{source}; observed: Home Office small boats (gov.uk)")
    beliefs = belief_check(series, observed, data_dir, end)
    write_text_atomic(out / "beliefs.csv", beliefs.to_csv(index=False, float_format="%.4g"))
    write_text_atomic(out / "forecast.md", report_text(table, years, source, failed, start, data_end)
                      + out_of_sample_text(scored, start, data_end) + belief_text(beliefs))
    return table, years


BELIEF_DAYS = (dt.date(2025, 7, 9), dt.date(2025, 12, 31), dt.date(2026, 2, 1), dt.date(2026, 7, 31))


def belief_check(series: pd.DataFrame, observed: Observed, data_dir, end: dt.date) -> pd.DataFrame:
    """The perceived return probability over the runs on a few days (``BELIEF_DAYS`` and the data's last), beside
    the share of arrivals since the first return to France (September 2025) that the Home Office reports
    returned, to the day's month (for a day after the data: none)."""
    from channelsim.core.data import data_file, read_one_in_one_out

    folder = find_data_dir(data_dir)
    returned = read_one_in_one_out(data_file(folder, "one_in_one_out_monthly.csv", "returns"))
    daily = observed.daily.set_index("date")["migrants_arrived"]
    last = observed.daily["date"].max().date()
    wide = series.assign(date=pd.to_datetime(series["date"])).pivot_table(
        index="date", columns="run_id", values="perceived_return_probability")
    rows = []
    for day in sorted({*BELIEF_DAYS, last}):
        if day > end or pd.Timestamp(day) not in wide.index:
            continue
        v = wide.loc[pd.Timestamp(day)].to_numpy(float)
        # whole months only: to the day's month if the day ends it, else to the month before
        month = last_whole_month(day)
        since = pd.Period("2025-09", "M")
        ret = returned[(returned["month"] >= since) & (returned["month"] <= month)]["returned_to_france"].sum()
        arr = daily[(daily.index >= since.to_timestamp()) & (daily.index < (month + 1).to_timestamp())].sum()
        share = float(ret / arr) if month >= since and arr > 0 and day <= last else float("nan")
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


def out_of_sample_text(scored: pd.DataFrame, start: dt.date, data_end: dt.date) -> str:
    head = "\n## Out of sample: the forecast months in the data\n\n"
    if scored.empty:
        return head + (f"The data end on {data_end}, with no whole month of the forecast (from {start}) in them: "
                       "nothing to score yet. Give a data folder with newer Home Office months (`--data`) to score "
                       "this forecast against them.\n")
    mean = scored[["crps", "crps_seasonal_naive", "crps_trend_naive"]].mean()
    last_scored = scored["last_day"].iloc[-1]
    best = "the model" if mean["crps"] < mean[["crps_seasonal_naive", "crps_trend_naive"]].min() else (
        "a naive forecast")
    shown = scored.assign(**{"forecast median (90% band)": [f"{m:,.0f} ({a:,.0f} to {b:,.0f})" for m, a, b in zip(
        scored["median"], scored["q05"], scored["q95"], strict=True)]})
    shown["observed"] = [f"{v:,.0f}" for v in scored["observed"]]
    shown = shown[["first_day", "observed", "forecast median (90% band)", "in_90", "crps", "crps_seasonal_naive",
                   "crps_trend_naive"]]
    return head + f"""The data run to {data_end}: {len(scored)} month(s) of the forecast (to {last_scored}), which the
calibration did not see. {int(scored['in_90'].sum())} of {len(scored)} observed months fall in the forecast's 90%
band and {int(scored['in_50'].sum())} in its 50% band. Mean monthly CRPS (people): the model {mean['crps']:,.0f};
the seasonal naive (the same days a year before) {mean['crps_seasonal_naive']:,.0f}; the trend-adjusted seasonal
naive {mean['crps_trend_naive']:,.0f}. Over these months {best} forecasts best{'' if len(scored) >= 6 else
" (too few months to say much)"}.

{markdown_table(shown.round(0), index_name="month")}
"""


def report_text(table: pd.DataFrame, years: pd.DataFrame, source: str, failed: int, start: dt.date,
                data_end: dt.date) -> str:
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
    return f"""# Forecast of small-boat arrivals from {start:%-d %B %Y}

{source}; every run simulates the history from {CALIBRATION_START} first. {failed} failed runs. Each month's
arrivals over the draws: median, 90% and 50% bands (the first month counts from {start}, the day after the
calibration's window; the data read run to {data_end}). The bands are the model's posterior-predictive spread: parameter
uncertainty, the model variants by their posterior probability, and each run's own randomness; they do not
include the chance that the model's structure is wrong.

![forecast](forecast.png)

{markdown_table(shown, index_name="month")}

## In sample: each year's total

The same runs' calendar-year totals against the Home Office's. {within} of {len(years)} years have a 90% band
within +-{100 * BAND_LIMIT:.0f}% of its median; {covers} of {len(years)} bands cover the observed.

{markdown_table(ys, index_name="year")}
"""
