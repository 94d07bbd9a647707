"""The identification report: what a calibration's data pin down, against what its priors allowed."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from channelsim.experiments.inference.abc_smc import calibrate
from channelsim.experiments.inference.identification import (
    PARTICLES_FILE,
    identification_report,
    identification_table,
    profile,
    read_particles,
    verdict,
)
from channelsim.experiments.inference.posterior import load_calibration
from channelsim.experiments.inference.settings import PRIOR_SETS, Settings

REPO = Path(__file__).resolve().parents[1]
PRIORS = {"loss_if_returned": (0.0, 12.0), "returnee_salience": (0.0, 20.0), "report_reach": (1.0, 50.0)}


def fake_calibration(folder: Path, *, particles: bool = True, n: int = 400, seed: int = 1) -> Path:
    """A calibration folder whose posterior is known: loss_if_returned narrow around 3 (sd 0.6),
    returnee_salience spread over its whole prior, report_reach tied to loss_if_returned."""
    rng = np.random.default_rng(seed)
    loss = rng.normal(3.0, 0.6, n).clip(0, 12)
    salience = rng.uniform(0, 20, n)
    reach = (5 + 4 * loss + rng.normal(0, 0.5, n)).clip(1, 50)
    folder.mkdir(parents=True)
    pd.DataFrame({"loss_if_returned": loss, "returnee_salience": salience, "report_reach": reach,
                  "weight": np.full(n, 1 / n)}).to_csv(folder / "posterior.csv", index=False)
    prov = {"priors": {k: {"distribution": "uniform", "low": lo, "high": hi} for k, (lo, hi) in PRIORS.items()},
            "settings": {"priors": "deterrence"}, "simulations": 2 * n}
    (folder / "provenance.json").write_text(json.dumps(prov))
    if particles:
        x = rng.uniform(0, 12, 3 * n)   # every simulation accepted somewhere, distance least near 3
        pd.DataFrame({"generation": np.repeat([0, 1, 2], n), "epsilon": np.repeat([9.0, 4.0, 1.5], n),
                      "loss_if_returned": x, "returnee_salience": rng.uniform(0, 20, 3 * n),
                      "report_reach": rng.uniform(1, 50, 3 * n),
                      "distance": 1 + (x - 3) ** 2 + rng.uniform(0, 0.3, 3 * n),
                      "weight": np.full(3 * n, 1 / n)}).to_parquet(folder / PARTICLES_FILE)
    return folder


def test_the_verdict_follows_the_documented_thresholds():
    assert [verdict(r) for r in (0.1, 0.5, 0.51, 0.8, 0.81, 1.3)] == [
        "identified", "identified", "weakly", "weakly", "not identified", "not identified"]


def test_a_narrow_posterior_is_identified_and_one_as_wide_as_its_prior_is_not(tmp_path):
    table = identification_table(load_calibration(fake_calibration(tmp_path / "cal"))).set_index("parameter")
    # the prior sd of a uniform is its width over sqrt(12)
    assert table.loc["loss_if_returned", "prior_sd"] == pytest.approx(12 / math.sqrt(12))
    assert table.loc["loss_if_returned", "posterior_sd"] == pytest.approx(0.6, rel=0.1)
    assert table.loc["loss_if_returned", "sd_ratio"] == pytest.approx(0.6 / (12 / math.sqrt(12)), rel=0.1)
    assert table.loc["loss_if_returned", "verdict"] == "identified"
    assert table.loc["returnee_salience", "sd_ratio"] == pytest.approx(1.0, abs=0.1)
    assert table.loc["returnee_salience", "verdict"] == "not identified"


def test_the_posterior_moments_are_weighted(tmp_path):
    folder = fake_calibration(tmp_path / "cal")
    post = pd.read_csv(folder / "posterior.csv")
    post["weight"] = np.where(post["loss_if_returned"] > 3, 1.0, 0.0)   # only the upper half counts
    post.to_csv(folder / "posterior.csv", index=False)
    table = identification_table(load_calibration(folder)).set_index("parameter")
    upper = post.loc[post["loss_if_returned"] > 3, "loss_if_returned"]
    assert table.loc["loss_if_returned", "posterior_mean"] == pytest.approx(upper.mean())
    assert table.loc["loss_if_returned", "posterior_sd"] == pytest.approx(upper.std(ddof=0))


def test_a_parameter_no_particle_has_is_reported_as_such_not_as_identified(tmp_path):
    # every particle of the variants that have returnee_salience (and with it the pair's correlations) lost
    folder = fake_calibration(tmp_path / "cal")
    post = pd.read_csv(folder / "posterior.csv")
    post["returnee_salience"] = np.nan
    post.to_csv(folder / "posterior.csv", index=False)
    report = identification_report(folder, tmp_path / "out")
    table = report["table"].set_index("parameter")
    assert table.loc["returnee_salience", "verdict"] == "no particles"
    assert np.isnan(table.loc["returnee_salience", "sd_ratio"]) and table.loc["returnee_salience", "particles"] == 0
    assert table.loc["loss_if_returned", "verdict"] == "identified"
    assert "No particle has `returnee_salience`" in report["statement"]
    assert report["correlations"].isna().all(axis=None)   # the deterrence parameters' pairs: no joint particles


def test_the_sample_based_profile_takes_each_bin_s_best_simulation():
    particles = pd.DataFrame({"loss_if_returned": [0.5, 0.7, 5.5, 11.9, 12.0],
                              "distance": [4.0, 3.0, 1.0, 7.0, 6.0]})
    prof = profile(particles, "loss_if_returned", 0.0, 12.0, bins=4, quantile=0.5)
    assert prof["simulations"].tolist() == [2, 1, 0, 2]   # the top edge belongs to the last bin
    assert prof["min_distance"].iloc[[0, 1, 3]].tolist() == [3.0, 1.0, 6.0]
    assert np.isnan(prof["min_distance"].iloc[2])          # an empty bin is unknown, not zero
    assert prof["q50_distance"].iloc[0] == pytest.approx(3.5)
    assert prof["value_at_min"].iloc[0] == 0.7


def test_the_report_writes_its_tables_figure_and_statement(tmp_path):
    report = identification_report(fake_calibration(tmp_path / "cal"), tmp_path / "out")
    out = tmp_path / "out"
    corr = pd.read_csv(out / "correlations.csv", index_col=0)
    assert list(corr.columns) == ["loss_if_returned", "returnee_salience", "report_reach"]
    assert corr.loc["loss_if_returned", "report_reach"] > 0.9 and abs(corr.loc["loss_if_returned",
                                                                              "returnee_salience"]) < 0.2
    prof = pd.read_csv(out / "profile.csv")
    assert len(prof) == 10 and prof["simulations"].sum() == 1200
    best = prof.loc[prof["min_distance"].idxmin()]
    assert best["bin_low"] <= 3 <= best["bin_high"]         # the distance is least where the truth is
    assert (out / "identification.png").stat().st_size > 20_000
    md = (out / "identification.md").read_text()
    assert "not a refit" in md and "`loss_if_returned`" in report["statement"]
    assert "`loss_if_returned` and `report_reach`" in report["statement"]
    assert pd.read_csv(out / "identification.csv")["verdict"].tolist() == [
        "identified", "not identified", "identified"]


def test_a_calibration_without_its_simulations_gets_no_profile_and_says_so(tmp_path):
    report = identification_report(fake_calibration(tmp_path / "cal", particles=False))
    assert report["profile"] is None and "No profile of `loss_if_returned`" in report["statement"]
    assert pd.read_csv(tmp_path / "cal" / "profile.csv").empty


def test_identify_command_writes_the_report_and_refuses_an_unknown_parameter(tmp_path):
    cal = fake_calibration(tmp_path / "cal")
    run = [sys.executable, "-m", "channelsim", "identify", str(cal)]
    proc = subprocess.run([*run, "--out", str(tmp_path / "rep")], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    assert "The data identify" in proc.stdout and (tmp_path / "rep" / "identification.md").exists()
    proc = subprocess.run([*run, "--parameter", "surge_days", "--out", str(tmp_path / "bad")], capture_output=True,
                          text=True, cwd=REPO)
    assert proc.returncode == 2 and "not a free parameter" in proc.stderr and "Traceback" not in proc.stderr


def test_calibrate_keeps_every_generation_s_simulations_and_writes_the_report(tmp_path, data_dir):
    settings = Settings(population=3, generations=2, budget=30, seed=4, end="2018-09-30")
    cal = calibrate(tmp_path / "cal", settings, serial=True, data_dir=data_dir, progress=False)
    particles = pd.read_parquet(cal.folder / PARTICLES_FILE)
    generations = sorted(particles["generation"].unique())
    assert generations == list(range(len(cal.provenance["generations"])))
    last = particles[particles["generation"] == generations[-1]].reset_index(drop=True)
    names = list(PRIOR_SETS["series"])
    assert np.allclose(last[names].to_numpy(), cal.posterior[names].to_numpy(), rtol=1e-5)
    assert np.allclose(last["weight"], cal.posterior["weight"], atol=1e-5)
    assert (particles["distance"] <= particles["epsilon"]).all()   # accepted simulations only
    for name in ("identification.csv", "correlations.csv", "profile.csv", "identification.png",
                 "identification.md"):
        assert (cal.folder / name).exists(), name
    # upstream_elasticity is profiled when loss_if_returned is not free
    assert (pd.read_csv(cal.folder / "profile.csv")["parameter"] == "upstream_elasticity").all()
    # without the parquet file, the same simulations are read from pyabc's database
    copy = tmp_path / "copy"
    shutil.copytree(cal.folder, copy)
    (copy / PARTICLES_FILE).unlink()
    from_db = read_particles(load_calibration(copy))
    pd.testing.assert_frame_equal(from_db[particles.columns], particles, check_dtype=False)
