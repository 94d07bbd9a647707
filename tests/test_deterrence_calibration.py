"""Calibrating the deterrence parameters: the prior set, the nationality targets, their distance."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from channelsim.experiments.inference.abc_smc import NATIONALITY_SHARE_SCALE, calibrate, distance
from channelsim.experiments.inference.settings import DETERRENCE_PRIORS, PRIOR_SETS, PRIORS, CalibrationError, Settings
from channelsim.experiments.inference.targets import nationality_shares, nationality_targets, read_observed
from channelsim.model import run


def test_the_deterrence_prior_set_adds_the_parameters_deterrence_runs_through():
    free = Settings(priors="deterrence").free
    assert set(PRIORS) < set(free) and set(DETERRENCE_PRIORS) <= set(free)
    for name in ("loss_if_returned", "returnee_salience", "announcement_credibility", "memory_half_life_days",
                 "report_reach", "upstream_elasticity", "surge_start", "surge_days", "surge_multiplier"):
        assert name in free
    assert Settings().free == PRIOR_SETS["series"]
    # "no amplification" and "no response" lie inside the priors of what carries the pilot's effect
    assert DETERRENCE_PRIORS["announced_return_probability"][0] == 0.0 < 0.06 < \
        DETERRENCE_PRIORS["announced_return_probability"][1]
    assert DETERRENCE_PRIORS["returnee_salience"][0] == DETERRENCE_PRIORS["announcement_credibility"][0] == 0.0
    assert DETERRENCE_PRIORS["returnee_salience"][1] > 1.0
    with pytest.raises(CalibrationError, match="priors must be one of series, deterrence"):
        Settings(priors="everything").check()


def test_nationality_targets_are_the_published_rows_of_model_groups_inside_the_window(data_dir):
    observed = read_observed(data_dir)
    groups = ["Albania", "Iran", "Afghanistan"]
    targets = nationality_targets(observed, groups, dt.date(2022, 1, 1), dt.date(2023, 12, 31), data_dir)
    assert set(targets.groups) <= set(groups) and "Albania" in targets.groups
    assert all(p[0] >= "2022-01-01" and p[1] <= "2023-12-31" for p in targets.periods)
    albania_2022 = [i for i, (p, g) in enumerate(zip(targets.periods, targets.groups, strict=True))
                    if g == "Albania" and p == ("2022-01-01", "2022-12-31")]
    assert targets.shares[albania_2022[0]] == pytest.approx(0.28)
    # weights are the period's observed arrivals: the whole of 2022 weighs more than its third quarter
    quarter = [i for i, p in enumerate(targets.periods) if p == ("2022-07-01", "2022-09-30")][0]
    assert targets.weights[albania_2022[0]] > targets.weights[quarter] > 0
    # a run's shares over the same rows
    result = run("pilot_2025", seed=1, start="2022-01-01", end="2023-12-31", warmup_days=30)
    shares = nationality_shares(result.nationalities, targets)
    assert shares.shape == (len(targets),) and ((shares >= 0) & (shares <= 1)).all()


def test_the_distance_weighs_a_share_by_its_period_s_arrivals():
    base = {"monthly": np.zeros(3), "people_per_boat": np.zeros(1), "days_with_arrivals": np.zeros(1)}
    x0 = {**base, "nationality_shares": np.array([0.3, 0.1]), "nationality_weights": np.array([9000.0, 1000.0])}
    big_miss = {**base, "nationality_shares": np.array([0.2, 0.1])}     # 10 points off in the busy period
    small_miss = {**base, "nationality_shares": np.array([0.3, 0.0])}   # 10 points off in the quiet one
    assert distance(big_miss, x0) > distance(small_miss, x0) > 0
    assert distance(big_miss, x0) == pytest.approx(np.sqrt(0.9 * 0.01) / NATIONALITY_SHARE_SCALE)
    assert distance({**base, "nationality_shares": x0["nationality_shares"]}, x0) == 0


def test_a_small_deterrence_calibration_runs_and_records_what_it_fitted(tmp_path, data_dir):
    settings = Settings(population=3, generations=1, budget=3, seed=5, start="2022-01-01", end="2023-06-30",
                        priors="deterrence", warmup_days=30)
    calibration = calibrate(tmp_path / "cal", settings, serial=True, data_dir=data_dir, progress=False)
    assert set(calibration.free_parameters) == set(PRIOR_SETS["deterrence"])
    prov = calibration.provenance
    assert "nationality_arrivals.csv" in prov["data_files"]
    assert any("nationality" in s for s in prov["statistics"]) and prov["settings"]["priors"] == "deterrence"
    draws = calibration.draws(2, seed=1)
    assert {"loss_if_returned", "surge_multiplier"} <= set(draws[0]) and isinstance(draws[0]["surge_start"], str)


def test_the_command_line_offers_the_prior_sets(tmp_path, capsys):
    from channelsim.experiments.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["calibrate", "--priors", "everything", "--out", str(tmp_path / "cal")])
    assert exit_.value.code == 2 and "invalid choice: 'everything'" in capsys.readouterr().err
    assert not (tmp_path / "cal").exists()
    with pytest.raises(SystemExit):
        main(["calibrate", "--help"])
    assert "--priors {series,deterrence}" in capsys.readouterr().out
