"""Data the project has not seen: a data folder newer than the committed calibration (more months), or one
with gaps, is scored where it can be and refused where it cannot, never silently misread."""

from __future__ import annotations

import json
import shutil
import warnings

import numpy as np
import pandas as pd
import pytest

from channelsim.core.errors import ChannelsimWarning
from channelsim.experiments.cli import main
from channelsim.experiments.inference.settings import CalibrationError, Settings


def copy_data(data_dir, to):
    to.mkdir()
    for f in data_dir.iterdir():
        if f.is_file():
            shutil.copy(f, to / f.name)
    return to


@pytest.fixture
def newer_data(tmp_path, data_dir):
    """The data folder with two more months of the daily and weekly series (to 31 March 2026): each new day
    the arrivals of the same day a year before."""
    folder = copy_data(data_dir, tmp_path / "newer")
    daily = pd.read_csv(folder / "small_boats_daily.csv", dtype=str)
    days = pd.date_range("2026-02-02", "2026-03-31", freq="D")
    old = daily.set_index("date")
    rows = [old.loc[(d - pd.DateOffset(years=1)).date().isoformat()].to_dict() | {"date": d.date().isoformat()}
            for d in days]
    pd.concat([daily, pd.DataFrame(rows)[daily.columns]]).to_csv(folder / "small_boats_daily.csv", index=False)
    weekly = pd.read_csv(folder / "small_boats_weekly.csv", dtype=str)
    last = weekly.iloc[-1].to_dict()
    weeks = [last | {"week_ending": w.date().isoformat()} for w in pd.date_range("2026-02-08", "2026-03-29",
                                                                                freq="W-SUN")]
    pd.concat([weekly, pd.DataFrame(weeks)]).to_csv(folder / "small_boats_weekly.csv", index=False)
    return folder


def test_calibrate_says_when_the_data_run_past_its_default_window_and_latest_fits_them(newer_data, tmp_path,
                                                                                      capsys):
    # a window that cannot run, so that the command stops after reading its options
    assert main(["calibrate", "--start", "2026-04-01", "--out", str(tmp_path / "c"), "--data", str(newer_data)]) == 2
    err = capsys.readouterr().err
    assert ("channelsim: warning: the observed series runs to 2026-03-31, after the window's default end "
            "(2026-02-01") in err
    assert "Give --end latest" in err and "Traceback" not in err
    assert main(["calibrate", "--start", "2026-04-01", "--end", "latest", "--out", str(tmp_path / "c"),
                 "--data", str(newer_data)]) == 2
    err = capsys.readouterr().err
    assert "warning" not in err and "(got 2026-04-01 to 2026-03-31)" in err
    assert not (tmp_path / "c").exists()


def test_a_window_the_daily_series_does_not_hold_whole_is_refused(data_dir, tmp_path, capsys):
    from channelsim.experiments.inference.abc_smc import problem

    short = copy_data(data_dir, tmp_path / "short")
    daily = pd.read_csv(short / "small_boats_daily.csv", dtype=str)
    # a daily file that stops mid-month: the month is not scored as though whole
    daily[daily["date"] <= "2026-01-15"].to_csv(short / "small_boats_daily.csv", index=False)
    with pytest.raises(CalibrationError, match="after the observed series"):
        problem(Settings(start="2025-03-01", end="2026-01-31"), short)
    # one that starts after the window's first day
    late = copy_data(data_dir, tmp_path / "late")
    daily = pd.read_csv(late / "small_boats_daily.csv", dtype=str)
    daily[daily["date"] >= "2018-03-15"].to_csv(late / "small_boats_daily.csv", index=False)
    with pytest.raises(CalibrationError, match="holds 2018-03-15 to 2026-02-01, not the whole window 2018-03-01"):
        problem(Settings(start="2018-03-01", end="2026-01-31"), late)
    # validating the committed calibration (fitted to 1 February 2026) on them
    assert main(["validate", "--draws", "1", "--serial", "--data", str(short), "--out", str(tmp_path / "v")]) == 2
    assert ("holds 2018-01-01 to 2026-01-15, not the whole window 2018-01-01 to 2026-02-01: days without data "
            "cannot be scored") in capsys.readouterr().err
    assert not (tmp_path / "v").exists()


def test_a_weekly_file_that_lags_the_daily_one_is_named(data_dir, tmp_path):
    from channelsim.experiments.inference.abc_smc import problem

    lagging = copy_data(data_dir, tmp_path / "lagging")
    weekly = pd.read_csv(lagging / "small_boats_weekly.csv", dtype=str)
    weekly[weekly["week_ending"] <= "2026-01-11"].to_csv(lagging / "small_boats_weekly.csv", index=False)
    with pytest.warns(ChannelsimWarning, match="weekly file ends with the week to 2026-01-11"):
        _, x0, _ = problem(Settings(start="2025-03-01"), lagging)
    assert "prevented_share" in x0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        problem(Settings(start="2025-03-01"), data_dir)   # the shared files keep up with each other


def test_run_with_unreadable_observed_series_says_so_in_one_line(data_dir, tmp_path, capsys):
    broken = copy_data(data_dir, tmp_path / "broken")
    daily = broken / "small_boats_daily.csv"
    daily.write_text(daily.read_text().replace("2025-03-01,", "2025-03-01x,", 1))
    out = tmp_path / "run"
    assert main(["run", "--scenario", "no_deal", "--start", "2025-03-01", "--days", "20", "--quiet",
                 "--out", str(out), "--data", str(broken)]) == 0
    assert "warning" not in capsys.readouterr().err    # --quiet silences it
    assert main(["run", "--scenario", "no_deal", "--start", "2025-03-01", "--days", "20",
                 "--out", str(tmp_path / "run2"), "--data", str(broken)]) == 0
    err = capsys.readouterr().err
    assert "channelsim: warning: the observed series are left out of the figure" in err
    assert "UserWarning" not in err and "2025-03-01x" in err


def test_the_forecast_starts_after_the_calibrations_window_and_scores_the_months_the_data_hold(
        data_dir, tmp_path, capsys):
    from channelsim.experiments.inference.posterior import COMMITTED_CALIBRATION

    # the committed posterior, as though fitted to 30 November 2025: December and January are in the data
    cal = tmp_path / "cal"
    cal.mkdir()
    shutil.copy(COMMITTED_CALIBRATION / "posterior.csv", cal / "posterior.csv")
    provenance = json.loads((COMMITTED_CALIBRATION / "provenance.json").read_text())
    provenance["settings"]["end"] = "2025-11-30"
    (cal / "provenance.json").write_text(json.dumps(provenance))
    out = tmp_path / "fc"
    assert main(["forecast", "--calibration", str(cal), "--draws", "3", "--end", "2026-02-28", "--serial",
                 "--out", str(out), "--data", str(data_dir)]) == 0
    printed = capsys.readouterr().out
    assert "2025-12: median" in printed and "Out of sample: 2 forecast month(s) in the data" in printed
    table = pd.read_csv(out / "forecast.csv").set_index("month")
    assert list(table.index) == ["2025-12", "2026-01", "2026-02"]
    scored = pd.read_csv(out / "out_of_sample.csv").set_index("month")
    assert list(scored.index) == ["2025-12", "2026-01"]   # February 2026: one day in the data, not scored
    raw = pd.read_csv(data_dir / "small_boats_daily.csv", parse_dates=["date"]).set_index("date")["migrants_arrived"]
    assert scored.loc["2025-12", "observed"] == raw["2025-12-01":"2025-12-31"].sum()
    assert scored.loc["2026-01", "crps_seasonal_naive"] == pytest.approx(
        abs(raw["2026-01-01":"2026-01-31"].sum() - raw["2025-01-01":"2025-01-31"].sum()), rel=1e-5)
    trend = raw["2024-12-01":"2025-11-30"].sum() / raw["2023-12-01":"2024-11-30"].sum()
    assert scored.loc["2025-12", "crps_trend_naive"] == pytest.approx(
        abs(raw["2025-12-01":"2025-12-31"].sum() - trend * raw["2024-12-01":"2024-12-31"].sum()), rel=1e-5)
    # the scored bands are the forecast's own (forecast.csv keeps one decimal, out_of_sample.csv six figures)
    np.testing.assert_allclose(scored[["median", "q05", "q95"]], table.loc[scored.index, ["median", "q05", "q95"]],
                               rtol=1e-5, atol=0.05)
    assert (scored["crps"] >= 0).all()
    years = pd.read_csv(out / "in_sample.csv")["year"].tolist()
    assert years == list(range(2019, 2025))   # 2025 is partly after the window: not in sample
    report = (out / "forecast.md").read_text()
    assert "# Forecast of small-boat arrivals from 1 December 2025" in report
    assert "2 month(s) of the forecast (to 2026-01-31), which the calibration did not see" in " ".join(report.split())


def test_the_committed_forecast_has_nothing_out_of_sample_to_score_yet(data_dir):
    from channelsim.experiments.inference.forecast import default_end, forecast_start, out_of_sample
    from channelsim.experiments.inference.posterior import load_calibration

    start = forecast_start(load_calibration())
    assert start.isoformat() == "2026-02-02" and default_end(start).isoformat() == "2027-01-31"
    months = pd.period_range("2026-02", "2026-04", freq="M")
    daily = pd.read_csv(data_dir / "small_boats_daily.csv", parse_dates=["date"]).set_index("date")
    assert out_of_sample(pd.DataFrame(1.0, index=months, columns=[0, 1]), daily["migrants_arrived"], start,
                         default_end(start)).empty


def test_a_forecast_that_ends_mid_month_is_scored_over_the_same_days(data_dir):
    import datetime as dt

    from channelsim.experiments.inference.forecast import out_of_sample

    daily = pd.read_csv(data_dir / "small_boats_daily.csv", parse_dates=["date"]).set_index("date")["migrants_arrived"]
    start, end = dt.date(2025, 12, 2), dt.date(2026, 1, 10)
    exact = [daily["2025-12-02":"2025-12-31"].sum(), daily["2026-01-01":"2026-01-10"].sum()]
    months = pd.period_range("2025-12", "2026-01", freq="M")
    scored = out_of_sample(pd.DataFrame({0: exact, 1: exact}, index=months, dtype=float), daily, start, end)
    assert list(scored["last_day"]) == ["2025-12-31", "2026-01-10"]
    assert list(scored["observed"]) == exact and (scored["crps"] == 0).all()   # runs that hit the data exactly
    assert scored.loc["2026-01", "crps_seasonal_naive"] == pytest.approx(
        abs(exact[1] - daily["2025-01-01":"2025-01-10"].sum()))


def test_forecast_and_compare_models_refuse_data_that_stop_inside_the_calibrations_window(data_dir, tmp_path, capsys):
    short = copy_data(data_dir, tmp_path / "short")
    daily = pd.read_csv(short / "small_boats_daily.csv", dtype=str)
    daily[daily["date"] <= "2025-06-30"].to_csv(short / "small_boats_daily.csv", index=False)
    for command in ("forecast", "compare-models"):
        out = tmp_path / command
        assert main([command, "--draws", "2", "--serial", "--data", str(short), "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert "holds 2018-01-01 to 2025-06-30, not the whole window 2018-01-01 to 2026-02-01" in err, command
        assert not out.exists(), command


def test_validate_says_when_the_data_run_past_the_calibrations_window(newer_data, tmp_path, capsys):
    assert main(["validate", "--draws", "1", "--serial", "--data", str(newer_data), "--out", str(tmp_path / "v")]) == 0
    err = capsys.readouterr().err
    assert ("channelsim: warning: the observed series runs to 2026-03-31, after the calibration's window "
            "(2018-01-01 to 2026-02-01)") in err and "channelsim forecast" in err


def test_the_last_whole_month_of_data_to_a_day():
    import datetime as dt

    from channelsim.experiments.inference.targets import last_whole_month

    assert [str(last_whole_month(dt.date.fromisoformat(d))) for d in
            ("2026-02-01", "2026-02-28", "2024-02-28", "2024-02-29", "2025-12-31")] == [
        "2026-01", "2026-02", "2024-01", "2024-02", "2025-12"]
