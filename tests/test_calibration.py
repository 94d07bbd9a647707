"""Calibration (ABC-SMC), validation against the Home Office series, and the counterfactual."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

from channelsim.core.params import Params
from channelsim.core.scenarios import apply_overrides
from channelsim.experiments.inference.abc_smc import calibrate, distance, generation_ess, transition
from channelsim.experiments.inference.posterior import calibrated_defaults, decimal_year_to_date, load_calibration
from channelsim.experiments.inference.settings import PRIORS, CalibrationError, Settings
from channelsim.experiments.inference.targets import read_observed
from channelsim.experiments.inference.validation import last_year_baseline, scores, seasonal_baseline, validate

REPO = Path(__file__).resolve().parents[1]
# A calibration small enough to run twice: the year 2018 only.
SMALL = Settings(population=4, generations=2, budget=40, seed=11, end="2018-12-31")


def channelsim(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "channelsim", *args], capture_output=True, text=True,
                          cwd=REPO, timeout=1500)


@pytest.fixture(scope="module")
def small_serial(tmp_path_factory):
    return calibrate(tmp_path_factory.mktemp("cal") / "serial", SMALL, serial=True, progress=False)


def test_calibration_is_reproducible_from_its_seed_on_any_number_of_workers(small_serial, tmp_path):
    on_dask = calibrate(tmp_path / "dask", SMALL, workers=2, progress=False)
    pdt.assert_frame_equal(small_serial.posterior, on_dask.posterior)
    assert small_serial.provenance["generations"] == on_dask.provenance["generations"]
    other = calibrate(tmp_path / "other", dataclasses.replace(SMALL, seed=12), serial=True, progress=False)
    assert not np.allclose(other.posterior[list(PRIORS)].to_numpy(), small_serial.posterior[list(PRIORS)].to_numpy())


def test_a_stopped_calibration_resumed_ends_where_an_uninterrupted_one_does(small_serial, tmp_path):
    out = tmp_path / "stopped"
    first = calibrate(out, dataclasses.replace(SMALL, generations=1), serial=True, progress=False)
    assert "stopped" not in first.provenance and len(first.provenance["generations"]) == 1
    with pytest.raises(CalibrationError, match="already run 1 generations"):
        calibrate(out, None, serial=True, progress=False, resume=True)
    resumed = calibrate(out, SMALL, serial=True, progress=False, resume=True)
    pdt.assert_frame_equal(resumed.posterior, small_serial.posterior)
    assert resumed.provenance["generations"] == small_serial.provenance["generations"]
    assert resumed.provenance["simulations"] == small_serial.provenance["simulations"]
    first_run, second_run = resumed.provenance["segments"]
    assert first_run["simulations"] == first.provenance["simulations"] < second_run["simulations"]
    assert resumed.provenance["seconds"] == pytest.approx(first_run["seconds"] + second_run["seconds"], abs=0.2)


def test_a_generation_whose_weights_degenerate_ends_the_calibration_and_the_one_before_is_its_posterior(
        small_serial, tmp_path, capsys):
    from pyabc import History

    from channelsim.experiments.cli import main
    from channelsim.experiments.inference.identification import read_particles

    # generation 0 is the prior sample (equal weights: an effective sample size of all 4 particles); generation 1's
    # weights are unequal, so a floor between its effective sample size and 4 ends the calibration there
    ess = generation_ess(History("sqlite:///" + str(small_serial.folder / "abc.db"), _id=1), 1)
    assert ess < SMALL.population
    strict = dataclasses.replace(SMALL, generations=3, budget=400,
                                 min_ess_fraction=(ess / SMALL.population + 1) / 2)
    out = tmp_path / "strict"
    cal = calibrate(out, strict, serial=True, progress=False)
    prov = cal.provenance
    # it ends after generation 1 although its limits allow a third; each generation is the uninterrupted run's
    assert [g["t"] for g in prov["generations"]] == [0, 1]
    assert prov["generations"] == small_serial.provenance["generations"]
    assert prov["generations"][1]["effective_sample_size"] == round(ess, 1)
    # one variant: its own effective sample size is the generation's
    assert prov["generations"][1]["by_variant"] == {"full": {"particles": SMALL.population,
                                                            "effective_sample_size": round(ess, 1)}}
    assert prov["posterior_generation"] == 0 == cal.posterior_generation["t"]
    assert "weight degeneracy" in prov["ended"] and "stopped" not in prov
    # the posterior, and the particles beside it, are generation 0's (the prior sample: equal weights)
    first = read_particles(small_serial)
    first = first[first["generation"] == 0].reset_index(drop=True)
    np.testing.assert_allclose(cal.posterior[list(PRIORS)].to_numpy(), first[list(PRIORS)].to_numpy(),
                               rtol=1e-5)   # posterior.csv keeps six significant figures
    assert np.allclose(cal.posterior["weight"], 1 / SMALL.population)
    assert set(read_particles(cal)["generation"]) == {0}
    # an ended calibration is not continued from its degenerate generation
    before = {f.name: f.read_bytes() for f in out.iterdir()}
    with pytest.raises(CalibrationError, match="has ended: its generation 1's effective sample size"):
        calibrate(out, dataclasses.replace(strict, generations=5), serial=True, progress=False, resume=True)
    assert main(["calibrate", "--resume", str(out), "--generations", "5", "--serial", "--quiet"]) == 2
    assert "--population" in capsys.readouterr().err
    assert {f.name: f.read_bytes() for f in out.iterdir()} == before   # a refused resume changes nothing
    # the report names the generation, and particles read back from abc.db stop at the posterior's too
    assert "(4 particles of generation 0;" in (out / "identification.md").read_text()
    (out / "particles.parquet").unlink()
    assert set(read_particles(load_calibration(out))["generation"]) == {0}
    # an abc.db that is not a pyabc database: named, and nothing written
    (out / "abc.db").write_bytes(b"not a database")
    before = {f.name: f.read_bytes() for f in out.iterdir()}
    with pytest.raises(CalibrationError, match="abc.db holds no pyabc calibration to resume"):
        calibrate(out, None, serial=True, progress=False, resume=True)
    assert {f.name: f.read_bytes() for f in out.iterdir()} == before


def test_min_ess_fraction_must_be_a_share():
    for bad in (1.0, -0.1, "0.2", True):
        with pytest.raises(CalibrationError, match="min_ess_fraction"):
            dataclasses.replace(SMALL, min_ess_fraction=bad).check()


def test_a_calibration_stopped_by_time_resumes_twice_under_its_raised_limits(tmp_path):
    from channelsim.experiments.cli import main

    out = tmp_path / "cal"
    settings = dataclasses.replace(SMALL, generations=1, budget=400)
    calibrate(out, settings, serial=True, progress=False)
    raised = dataclasses.replace(settings, generations=3)
    cal = calibrate(out, raised, serial=True, progress=False, resume=True, max_minutes=1e-6)
    assert len(cal.provenance["generations"]) == 2 and "time limit" in cal.provenance["stopped"]
    assert "--resume" in cal.provenance["stopped"]
    assert main(["calibrate", "--resume", str(out), "--serial", "--quiet"]) == 0   # the raised limit is kept
    cal = load_calibration(out)
    assert len(cal.provenance["generations"]) == 3 and "stopped" not in cal.provenance
    sims = [segment["simulations"] for segment in cal.provenance["segments"]]
    assert len(sims) == 3 and sims == sorted(sims) and sims[-1] == cal.provenance["simulations"]
    assert "stopped" in cal.provenance["segments"][1] and "stopped" not in cal.provenance["segments"][2]


def test_resume_refuses_a_folder_without_a_calibration_or_with_other_data(tmp_path, changed_data, data_dir):
    with pytest.raises(CalibrationError, match="no calibration to resume"):
        calibrate(tmp_path / "empty", SMALL, serial=True, progress=False, resume=True)
    out = tmp_path / "cal"
    calibrate(out, dataclasses.replace(SMALL, generations=1), serial=True, progress=False)
    before = (out / "posterior.csv").read_bytes()
    with pytest.raises(CalibrationError, match=r"data changed \(small_boats_daily.csv\) since"):
        calibrate(out, SMALL, serial=True, progress=False, resume=True, data_dir=changed_data)
    # a file the runs read though the statistics do not (the published returns), changed or gone
    returns = changed_data / "one_in_one_out_monthly.csv"
    (changed_data / "small_boats_daily.csv").write_bytes((data_dir / "small_boats_daily.csv").read_bytes())
    returns.write_text(returns.read_text() + "\n")
    with pytest.raises(CalibrationError, match=r"data changed \(one_in_one_out_monthly.csv\) since"):
        calibrate(out, SMALL, serial=True, progress=False, resume=True, data_dir=changed_data)
    returns.unlink()
    with pytest.raises(CalibrationError, match=r"data changed \(one_in_one_out_monthly.csv\) since"):
        calibrate(out, SMALL, serial=True, progress=False, resume=True, data_dir=changed_data)
    assert (out / "posterior.csv").read_bytes() == before


def test_calibrate_resume_takes_only_new_limits_on_the_command_line(tmp_path, capsys):
    from channelsim.experiments.cli import main

    out = tmp_path / "cal"
    calibrate(out, dataclasses.replace(SMALL, generations=1), serial=True, progress=False)
    before = sorted(p.name for p in out.iterdir())
    assert main(["calibrate", "--resume", str(out), "--seed", "3", "--priors", "series", "--serial"]) == 2
    assert "drop --seed, --priors" in capsys.readouterr().err
    assert main(["calibrate", "--resume", str(tmp_path / "none"), "--serial"]) == 2
    assert "no calibration to resume" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:
        main(["calibrate", "--resume", str(out), "--max-minutes", "0"])
    assert stop.value.code == 2 and "--max-minutes must be a number above 0" in capsys.readouterr().err
    assert main(["calibrate", "--resume", str(out), "--generations", "2", "--serial", "--quiet"]) == 0
    resumed = load_calibration(out)
    assert len(resumed.provenance["generations"]) == 2 and resumed.provenance["settings"]["seed"] == SMALL.seed
    assert sorted(p.name for p in out.iterdir()) == before


def test_calibration_writes_its_posterior_with_provenance(small_serial, data_dir):
    post, prov = small_serial.posterior, small_serial.provenance
    assert len(post) == SMALL.population and post["weight"].sum() == pytest.approx(1.0, abs=1e-4)
    for name, (lo, hi) in PRIORS.items():
        assert post[name].between(lo, hi).all(), name
    assert prov["data_window"] == ["2018-01-01", "2018-12-31"] and prov["settings"]["seed"] == 11
    daily = (data_dir / "small_boats_daily.csv").read_bytes()
    assert prov["data_files"]["small_boats_daily.csv"] == hashlib.sha256(daily).hexdigest()
    assert {"package_version", "git_commit", "pyabc_version", "mesa_version"} <= set(prov)
    eps = [g["epsilon"] for g in prov["generations"]]
    assert 1 <= len(eps) <= SMALL.generations and eps == sorted(eps, reverse=True)
    assert prov["settings"]["kernel_scaling"] == 2.0
    assert prov["generations"][-1]["effective_sample_size"] == pytest.approx(small_serial.effective_sample_size,
                                                                             abs=0.05)
    assert prov["generations"][0]["effective_sample_size"] == SMALL.population   # the prior sample: equal weights
    assert all(1 <= g["effective_sample_size"] <= SMALL.population for g in prov["generations"])
    assert prov["simulations"] >= SMALL.population * len(eps)
    assert (small_serial.folder / "posterior.png").stat().st_size > 10_000
    # the medians become model parameters (dates from decimal years)
    defaults = calibrated_defaults(small_serial)
    apply_overrides(Params(), defaults)
    assert decimal_year_to_date(2021.5).isoformat() == "2021-07-02"


def test_the_proposal_kernel_is_twice_the_weighted_covariance():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(200, 3)) * [1.0, 2.0, 0.5], columns=["a", "b", "c"])
    w = rng.uniform(0.1, 1.0, 200)
    w /= w.sum()
    kernel = transition(Settings())
    kernel.fit(X, w)
    np.testing.assert_allclose(kernel.cov, 2.0 * np.cov(X.to_numpy(), aweights=w, rowvar=False), rtol=1e-8)
    half = transition(Settings(kernel_scaling=0.5))
    half.fit(X, w)
    np.testing.assert_allclose(half.cov, kernel.cov / 4, rtol=1e-8)
    for bad in (0, -1.0, 11.0, "2", True):
        with pytest.raises(CalibrationError, match="kernel_scaling"):
            Settings(kernel_scaling=bad).check()


def test_statistics_and_distance_of_the_observed_series(data_dir):
    import datetime as dt

    observed = read_observed(data_dir)
    x0 = observed.statistics(dt.date(2018, 1, 1), dt.date(2025, 7, 31))
    assert len(x0["monthly"]) == 91 and len(x0["people_per_boat"]) == 8
    raw = pd.read_csv(data_dir / "small_boats_daily.csv", parse_dates=["date"])
    aug_2022 = raw[(raw["date"] >= "2022-08-01") & (raw["date"] <= "2022-08-31")]["migrants_arrived"].sum()
    assert np.expm1(x0["monthly"][55]) == pytest.approx(aug_2022)
    assert np.exp(x0["people_per_boat"][2]) == pytest.approx(13, abs=1.5)       # 2020
    assert np.exp(x0["people_per_boat"][6]) > 50                               # 2024
    assert 0.3 < x0["prevented_share"][0] < 0.5
    assert distance(x0, x0) == 0.0
    worse = {**x0, "monthly": x0["monthly"] + 0.5}
    assert distance(worse, x0) == pytest.approx(0.5)
    assert distance({**worse, "days_with_arrivals": x0["days_with_arrivals"] + 0.1}, x0) == pytest.approx(1.5)


def test_calibrate_command_runs_end_to_end_on_a_small_budget(tmp_path):
    out = tmp_path / "cal"
    proc = channelsim("calibrate", "--budget", "small", "--workers", "2", "--seed", "5", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "Posterior medians" in proc.stdout and "inflow_ceiling_per_day" in proc.stdout
    cal = load_calibration(out)
    assert cal.provenance["data_window"] == ["2018-01-01", "2026-02-01"]
    assert len(cal.posterior) == cal.provenance["settings"]["population"]


@pytest.mark.parametrize("args, message", [
    (["--population", "1"], "population must be at least 2"),
    (["--end", "2026-03-01"], "after the observed series"),
    (["--variants", "full,nul"], "give distinct model variants"),
    (["--variants", "full,full"], "give distinct model variants"),
    (["--start", "2017-06-01"], "must start on or after 2018-01-01"),
    (["--end", "31/07/2025"], "end date must be YYYY-MM-DD"),
    (["--serial", "--scheduler", "tcp://127.0.0.1:1"], "choose one of --scheduler and --serial"),
    (["--budget", "huge"], "invalid choice"),
])
def test_calibrate_refuses_bad_input_and_writes_nothing(tmp_path, args, message):
    out = tmp_path / "cal"
    proc = channelsim("calibrate", "--out", str(out), *args)
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists()


def test_calibrate_refuses_a_folder_in_use(tmp_path):
    (tmp_path / "cal").mkdir()
    (tmp_path / "cal" / "notes.txt").write_text("mine")
    proc = channelsim("calibrate", "--out", str(tmp_path / "cal"), "--budget", "small")
    assert proc.returncode == 2 and "is not empty" in proc.stderr
    assert [p.name for p in (tmp_path / "cal").iterdir()] == ["notes.txt"]


def test_the_shipped_defaults_are_the_committed_posterior_medians():
    cal = load_calibration()
    assert cal.provenance["data_window"] == ["2018-01-01", "2026-02-01"]
    assert cal.provenance["settings"]["population"] >= 50
    # a posterior, not two or three particles carrying the weight (ABC-SMC's weight degeneracy)
    assert cal.effective_sample_size >= cal.provenance["settings"]["min_ess_fraction"] * len(cal.posterior)
    assert cal.posterior_generation["effective_sample_size"] == pytest.approx(cal.effective_sample_size, abs=0.05)
    flat = Params().flat()
    for name, value in calibrated_defaults(cal).items():
        assert flat[name] == value, name


# --- the upstream shocks (simulated moments) ------------------------------------------------------------
def test_moments_read_the_spread_and_persistence_left_after_trend_and_season():
    from channelsim.experiments.inference.shocks import moments

    months = pd.period_range("2019-01", "2025-07", freq="M")
    trend = np.linspace(5.0, 8.0, len(months))
    season = 0.6 * np.cos(2 * np.pi * (months.month.to_numpy() - 8) / 12)
    rng = np.random.default_rng(0)
    for phi in (-0.5, 0.0, 0.6):
        e = np.zeros(len(months))
        for i in range(1, len(e)):
            e[i] = phi * e[i - 1] + rng.normal(0, 0.3)
        m = moments(pd.Series(np.expm1(trend + season + e), index=months))
        assert m["resid_sd"] == pytest.approx(0.3 / np.sqrt(1 - phi ** 2), rel=0.35)
        assert m["resid_lag1"] == pytest.approx(phi, abs=0.3)
    smooth = moments(pd.Series(np.expm1(trend + season), index=months))
    assert smooth["resid_sd"] < 0.05
    from channelsim.experiments.inference.settings import CalibrationError

    with pytest.raises(CalibrationError, match="at least 36 months"):
        moments(pd.Series(np.ones(30), index=pd.period_range("2020-01", periods=30, freq="M")))


def test_shocks_command_fits_the_grid_point_nearest_the_observed_moments(tmp_path):
    out = tmp_path / "shocks"
    proc = channelsim("shocks", "--draws", "2", "--sd", "0,1.0", "--days", "20", "--workers", "2",
                      "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(out / "shocks.csv")
    choice = json.loads((out / "shocks.json").read_text())
    assert len(table) == 2 and choice["failed_runs"] == 0
    # shocks upstream widen what trend, season and weather leave
    rows = table.set_index("upstream_shock_sd")
    assert rows.loc[1.0, "resid_sd_mean"] > rows.loc[0.0, "resid_sd_mean"]
    best = table.loc[table["distance"].idxmin()]
    assert choice["upstream_shock_sd"] == best["upstream_shock_sd"] and choice["upstream_shock_days"] == 20
    assert choice["observed"]["resid_sd"] == pytest.approx(0.42, abs=0.05)
    assert (out / "shocks.png").stat().st_size > 20_000
    assert f"upstream_shock_sd = {choice['upstream_shock_sd']:g}" in proc.stdout


@pytest.mark.parametrize("flag, value, message", [
    ("--sd", "0.5,x", "--sd takes comma-separated numbers"),
    ("--sd", "3", "the sd grid needs values in [0.0, 2.0]"),
    ("--days", "0.5", "the days grid needs values in [1.0, 730.0]"),
])
def test_shocks_refuses_a_bad_grid(tmp_path, flag, value, message):
    proc = channelsim("shocks", flag, value, "--out", str(tmp_path / "s"))
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "s").exists()


def test_the_shipped_shock_defaults_are_the_committed_fit():
    from channelsim.experiments.inference.shocks import load_choice

    choice = load_choice()
    inflow = Params().inflow
    # their size is the simulated-moments fit, unless the committed calibration fitted it jointly (the
    # deterrence calibration does: then it is that posterior's median, checked with the others above)
    if "upstream_shock_sd" not in load_calibration().free_parameters:
        assert inflow.upstream_shock_sd == choice["upstream_shock_sd"] > 0
    assert inflow.upstream_shock_days == choice["upstream_shock_days"]
    assert choice["draws"] >= 12 and len(choice["grid_sd"]) * len(choice["grid_days"]) >= 16


# --- validation -----------------------------------------------------------------------------------------
def test_baselines_and_scores():
    months = pd.period_range("2018-01", "2021-12", freq="M")
    t = np.arange(len(months)) / 12
    season = np.cos(2 * np.pi * (months.month.to_numpy() - 8) / 12)
    y = pd.Series(np.expm1(5 + 0.8 * t + 0.6 * season), index=months)
    median, ensemble = seasonal_baseline(y)
    np.testing.assert_allclose(median.to_numpy(), y.to_numpy(), rtol=1e-8)
    assert ensemble.shape == (48, 999) and np.ptp(ensemble, axis=1).max() < 1e-6 * y.max()
    last = last_year_baseline(y)
    assert last.iloc[:12].isna().all() and last.iloc[12] == y.iloc[0]
    obs, point = np.array([10.0, 0.0, 30.0]), np.array([12.0, 5.0, 20.0])
    s = scores(obs, None, point)
    assert s["crps"] == pytest.approx(17 / 3) and s["mape"] == pytest.approx((0.2 + 1 / 3) / 2)
    sharp = scores(obs, np.repeat(obs[:, None], 5, axis=1), obs)
    assert sharp["crps"] == pytest.approx(0.0) and sharp["coverage_90"] == 1.0


@pytest.fixture(scope="module")
def validation(tmp_path_factory, data_dir):
    out = tmp_path_factory.mktemp("validation")
    return out, validate(out, draws=40, seed=0, workers=2, data_dir=data_dir, progress=False)


def test_the_calibrated_model_covers_the_observed_months_and_beats_the_baselines_on_crps(validation):
    out, metrics = validation
    assert metrics["draws"] == 40 and metrics["failed"] == 0 and metrics["months"] == 98
    # the test: on 2018 to 1 February 2026 the 90% bands cover at least 80% of observed months
    whole = metrics["model_all_months"]
    assert whole["coverage_90"] >= 0.80
    assert 0.35 <= whole["coverage_50"] < whole["coverage_90"]   # and the bands are not merely wide
    assert metrics["posterior_effective_sample_size"] >= 20
    compared = metrics["compared"]
    assert compared["model"]["crps"] < compared["last_year"]["crps"]
    assert compared["model"]["crps"] < compared["seasonal"]["crps"]
    assert metrics["model_beats_baselines_on_crps"]
    text = (out / "report.md").read_text()
    assert "beats both baselines" in text and "| model |" in text
    ess = load_calibration().posterior_generation["effective_sample_size"]   # as recorded when fitted
    assert f"effective sample size of\n{ess:g}" in text and "few particles carry the weight" not in text
    for name in ("validation_monthly.png", "validation_weekly.png", "validation_people_per_boat.png"):
        assert (out / name).stat().st_size > 20_000


def test_people_per_boat_rise_through_the_gangs_behaviour(validation):
    _, metrics = validation
    ppb = metrics["people_per_boat"]
    assert ppb["2020"]["observed"] == pytest.approx(13, abs=1.5) and ppb["2024"]["observed"] > 50
    # nothing sets loads by year: they follow from boats against demand
    assert ppb["2024"]["model median"] > 2 * ppb["2020"]["model median"]
    # the issue: from about 13 (2020) to over 50 (2024); the model's bands hold both observed years, and its
    # median starts low (the deterrence posterior's 2024 median is 45, below the observed 53)
    assert ppb["2020"]["model median"] < 25 and ppb["2024"]["model median"] > 40
    for year in ("2020", "2024"):
        assert ppb[year]["model 5%"] <= ppb[year]["observed"] <= ppb[year]["model 95%"], year


def test_the_albanian_surge_and_fall_lie_inside_the_ensembles_bands(validation):
    out, metrics = validation
    assert metrics["albanian_experiment_group"] == "Albania"
    albania = metrics["albanian_experiment"]
    # the observed figures come from nationality_arrivals.csv: 12,658 (2022), 924 (2023)
    assert albania["2022"]["observed"] == 12658 and albania["2023"]["observed"] == 924
    assert albania["change 2022 to 2023 (%)"]["observed"] == pytest.approx(-92.7, abs=0.1)
    # the issue: both years and the fall inside the 90% bands (the surge is a calibrated episode; the fall
    # comes from it ending and from the arrangement's returns moving Albanians' beliefs)
    for figure in ("2022", "2023", "change 2022 to 2023 (%)"):
        assert albania[figure]["inside"], figure
    assert albania["change 2022 to 2023 (%)"]["model median"] < -40
    report = (out / "report.md").read_text()
    assert "## The Albania natural experiment" in report and "## Arrivals by nationality" in report


def test_the_published_shares_and_counts_by_nationality_lie_inside_the_bands(validation):
    out, metrics = validation
    cov = metrics["nationality_coverage"]
    # every row of a model group inside the window: 32 shares, 10 of them with a count
    assert cov["rows"] >= 30 and cov["count_rows"] >= 8
    # the issue: at least 80% of the rows inside their 90% bands
    assert cov["share_coverage"] >= 0.8 and cov["figure_coverage"] >= 0.8
    rows = pd.read_csv(out / "nationalities.csv")
    assert len(rows) == cov["rows"] and set(rows["nationality"]) <= {"Afghanistan", "Iran", "Iraq", "Eritrea", "Syria",
                                                                     "Sudan", "Albania", "Vietnam", "Turkey", "Other"}
    assert (rows["share_5"] <= rows["share_median"]).all() and (rows["share_median"] <= rows["share_95"]).all()


def test_a_window_without_2022_and_2023_leaves_the_albanian_experiment_out(small_serial, tmp_path, data_dir):
    metrics = validate(tmp_path / "v", small_serial, draws=1, seed=0, serial=True, data_dir=data_dir,
                       progress=False)
    assert metrics["months"] == 12 and "albanian_experiment" not in metrics
    text = (tmp_path / "v" / "report.md").read_text()
    assert "Albanian" not in text and "cannot be compared with the baselines" in text
    ess = metrics["posterior_effective_sample_size"]
    assert ("few particles carry the weight" in text) == (ess < SMALL.population)
    assert metrics["model_all_months"]["crps"] >= 0 and not metrics["model_beats_baselines_on_crps"]


def test_validation_is_reproducible_from_its_seed(tmp_path, data_dir):
    a = validate(tmp_path / "a", draws=2, seed=3, serial=True, data_dir=data_dir, progress=False)
    b = validate(tmp_path / "b", draws=2, seed=3, workers=2, data_dir=data_dir, progress=False)
    assert json.loads(json.dumps(a, default=float)) == json.loads(json.dumps(b, default=float))


def test_validate_refuses_bad_input(tmp_path):
    proc = channelsim("validate", "--draws", "0", "--out", str(tmp_path / "v"))
    assert proc.returncode == 2 and "draws must be a whole number of at least 1" in proc.stderr
    proc = channelsim("validate", "--calibration", str(tmp_path), "--out", str(tmp_path / "v"))
    assert proc.returncode == 2 and "holds no finished calibration" in proc.stderr
    assert not (tmp_path / "v").exists()


# --- the counterfactual -----------------------------------------------------------------------------------
def test_counterfactual_command_compares_the_pilot_with_no_deal(tmp_path):
    out = tmp_path / "cf"
    proc = channelsim("counterfactual", "--draws", "2", "--arms", "pilot_published,crackdown", "--workers", "2",
                      "--evidence-draws", "0", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "pilot_published deters a median of" in proc.stdout
    table = pd.read_csv(out / "counterfactual.csv")
    assert set(table["arm"]) == {"pilot_published", "crackdown"} and len(table) == 14
    rows = table.set_index(["arm", "outcome"])
    assert rows.loc[("pilot_published", "returns"), "level_median"] > 0
    assert rows.loc[("pilot_published", "legal_admissions"), "level_median"] > 0
    from channelsim.experiments.sweeps.store import read_sweep

    runs, series = read_sweep(out / "ensemble")
    assert (runs["status"] == "ok").all() and len(runs) == 6
    no_deal = runs[runs["scenario"] == "no_deal"]
    assert (no_deal["out_returns"] == 0).all() and (no_deal["out_legal_admissions"] == 0).all()
    # common random numbers: a draw's parameters and seed are the same in every arm
    params = [c for c in runs.columns if c.startswith("param_")] + ["seed_entropy", "seed_spawn_key"]
    assert runs.groupby("point")[params].nunique().max().max() == 1
    assert pd.Timestamp(series["date"].min()) >= pd.Timestamp("2025-08-06")
    summary = (out / "summary.md").read_text()
    assert "common random numbers" in summary and "90% band" in summary
    assert (out / "counterfactual.png").stat().st_size > 20_000


@pytest.mark.parametrize("arms, message", [
    ("no_deal", "no_deal is the baseline"),
    ("pilot_publishd", "pilot_published"),
])
def test_counterfactual_refuses_bad_arms(tmp_path, arms, message):
    proc = channelsim("counterfactual", "--arms", arms, "--draws", "1", "--out", str(tmp_path / "cf"))
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "cf").exists()


def test_counterfactual_is_reproducible_from_its_seed(tmp_path, data_dir):
    from channelsim.experiments.inference.counterfactual import counterfactual

    a = counterfactual(tmp_path / "a", draws=1, seed=5, arms=("pilot_published",), serial=True,
                       data_dir=data_dir, progress=False)
    b = counterfactual(tmp_path / "b", draws=1, seed=5, arms=("pilot_published",), workers=2,
                       data_dir=data_dir, progress=False)
    pdt.assert_frame_equal(a, b)
    c = counterfactual(tmp_path / "c", draws=1, seed=6, arms=("pilot_published",), serial=True,
                       data_dir=data_dir, progress=False)
    assert not a["level_median"].equals(c["level_median"])
