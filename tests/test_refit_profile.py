"""The refit profile: the other parameters refitted with one held fixed, reproducibly, with clear errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

from channelsim.experiments.cli import main
from channelsim.experiments.inference.abc_smc import calibrate
from channelsim.experiments.inference.refit_profile import _best, _step, refit_profile, statement, summarise
from channelsim.experiments.inference.settings import PRIORS, CalibrationError, Settings

# A calibration small enough for a test: the year 2018, the twelve series parameters, one generation.
TINY = Settings(population=6, generations=1, budget=30, seed=4, end="2018-12-31")
VALUES = [0.0, 2.0, 4.0]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return calibrate(tmp_path_factory.mktemp("tiny") / "cal", TINY, serial=True, progress=False)


@pytest.fixture(scope="module")
def serial_profile(tiny, tmp_path_factory):
    out = tmp_path_factory.mktemp("profile")
    table = refit_profile(tiny, out, values=VALUES, particles=4, rounds=2, seed=1, serial=True)
    return out, table


def test_the_refit_holds_the_parameter_fixed_and_refits_the_others_inside_their_priors(serial_profile, tiny):
    out, table = serial_profile
    sims = pd.read_parquet(out / "refit_simulations.parquet")
    assert list(table["parameter"].unique()) == ["upstream_elasticity"]   # the default for the series priors
    assert table["value"].iloc[:3].tolist() == VALUES and np.isnan(table["value"].iloc[3])   # then the reference
    assert (table["simulations"] == 8).all()
    for i, v in enumerate(VALUES):
        assert (sims.loc[sims["value_index"] == i, "upstream_elasticity"] == v).all()
    for name, (lo, hi) in PRIORS.items():
        assert sims[name].between(lo, hi).all(), name
    others = [n for n in PRIORS if n != "upstream_elasticity"]
    # round 0: the same posterior draws at every value (and the reference keeps their own parameter value)
    first = sims[sims["round"] == 0]
    for i in (1, 2, -1):
        assert np.array_equal(first.loc[first["value_index"] == i, others].to_numpy(),
                              first.loc[first["value_index"] == 0, others].to_numpy())
    posterior = tiny.posterior[list(PRIORS)].round(9).drop_duplicates()
    reference0 = first[first["value_index"] == -1][list(PRIORS)].round(9)
    assert reference0.merge(posterior, how="left", indicator=True)["_merge"].eq("both").all()
    # round 1 moves the others by a step of the posterior's spread (not a jitter) from the best of round 0
    widths = np.array([hi - lo for n, (lo, hi) in PRIORS.items() if n in others])
    second = sims[(sims["round"] == 1) & (sims["value_index"] == 0)][others].to_numpy()
    kept = first[first["value_index"] == 0].sort_values(["distance", "particle"])[others].to_numpy()[:2]
    moved = np.abs(second - kept[np.arange(4) % 2]) / widths
    assert moved.max() > 0.01
    # the table is the last round's
    last = sims[(sims["round"] == 1) & (sims["value_index"] == 0)]["distance"]
    assert table.loc[0, "min_distance"] == pytest.approx(last.min())
    assert table.loc[0, "median_distance"] == pytest.approx(last.median())
    assert table.loc[0, "min_all_rounds"] == pytest.approx(sims.loc[sims["value_index"] == 0, "distance"].min())
    assert (table["best_se"].iloc[:3] >= 0).all() and np.isnan(table["z"].iloc[3])
    assert {"refit_profile.csv", "refit_profile.png", "refit_profile.md", "refit_profile.json"} <= {
        p.name for p in out.iterdir()}
    assert "Refit profile of `upstream_elasticity`" in (out / "refit_profile.md").read_text()


def test_the_refit_profile_is_the_same_on_dask_workers(serial_profile, tiny, tmp_path):
    out, table = serial_profile
    on_dask = refit_profile(tiny, tmp_path, values=VALUES, particles=4, rounds=2, seed=1, workers=2)
    pdt.assert_frame_equal(table, on_dask)
    pdt.assert_frame_equal(pd.read_parquet(out / "refit_simulations.parquet"),
                           pd.read_parquet(tmp_path / "refit_simulations.parquet"))


def test_a_step_starts_from_the_best_sets_and_stays_inside_the_prior():
    rows = [{"value_index": 0, "round": 0, "particle": k, "distance": d, "a": float(k), "b": 10.0 * k}
            for k, d in enumerate([5.0, 1.0, 3.0, 2.0])]
    kept = _best(rows, 0, 0, ["a", "b"], keep=0.5)
    assert kept.tolist() == [[1.0, 10.0], [3.0, 30.0]]   # the two lowest distances, best first
    bounds = np.array([[0.0, 4.0], [0.0, 40.0]])
    steps = np.random.default_rng(0).normal(0, [0.3, 3.0], size=(100, 400, 2))
    new = _step(kept, 400, steps, bounds)
    assert new.shape == (400, 2) and np.all((new >= bounds[:, 0]) & (new <= bounds[:, 1]))
    assert not np.isin(new[:, 0], kept[:, 0]).any()      # every set found a step inside
    assert abs(new[::2, 0].mean() - 1.0) < 0.1 and abs(new[1::2, 0].mean() - 3.0) < 0.1   # around its kept set
    stuck = _step(kept, 2, np.full((3, 2, 2), 100.0), bounds)   # no step lands inside: the sets stay
    assert stuck.tolist() == kept.tolist()


def _sims(distances: dict[int, list[float]]) -> pd.DataFrame:
    return pd.DataFrame([{"value_index": i, "round": 0, "particle": k, "distance": d}
                         for i, ds in distances.items() for k, d in enumerate(ds)])


def test_the_statement_says_flat_or_names_the_values_the_data_disfavour():
    rng = np.random.default_rng(0)
    same = {i: list(3 + 0.1 * rng.standard_normal(40)) for i in (0, 1, 2, -1)}
    flat = summarise(_sims(same), "loss_if_returned", [0.0, 6.0, 12.0], epsilon=5.0)
    assert (flat["z"].iloc[:3].abs() < 2).all() and np.isnan(flat["value"].iloc[3])
    text = statement(flat, 5.0)
    assert "flat profile" in text.lower() and "do not pin" in text and "3 of 3 values" in text
    worse = {**same, 2: list(6 + 0.1 * rng.standard_normal(40))}
    table = summarise(_sims(worse), "loss_if_returned", [0.0, 6.0, 12.0], epsilon=5.0)
    assert table["within_epsilon"].iloc[2] == 0 and table["z"].iloc[2] > 10
    text = statement(table, 5.0)
    assert "12 fit worse than the reference" in text and "at this effort" in text and "2 of 3 values" in text


def test_profile_command_writes_the_profile_and_refuses_bad_input(tiny, tmp_path, capsys):
    out = tmp_path / "ok"
    assert main(["profile", str(tiny.folder), "--values", "4,0", "--particles", "4", "--rounds", "1", "--serial",
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Refit profile of `upstream_elasticity` from 0 to 4" in printed
    assert pd.read_csv(out / "refit_profile.csv")["value"].iloc[:2].tolist() == [0.0, 4.0]   # sorted
    with pytest.raises(CalibrationError, match=r"prior range \[0, 4\]: not 9"):
        refit_profile(tiny, tmp_path / "a", parameter="upstream_elasticity", values=[1.0, 9.0], serial=True)
    with pytest.raises(CalibrationError, match="'loss_if_returned' is not a free parameter"):
        refit_profile(tiny, tmp_path / "b", parameter="loss_if_returned", serial=True)
    bad = tmp_path / "cli"
    assert main(["profile", str(tiny.folder), "--values", "1,x", "--out", str(bad), "--serial"]) == 2
    assert "--values takes comma-separated numbers" in capsys.readouterr().err
    assert main(["profile", str(tiny.folder), "--values", "-1", "--out", str(bad), "--serial"]) == 2
    assert "prior range" in capsys.readouterr().err
    assert main(["profile", str(tiny.folder), "--out", str(bad), "--serial", "--data", str(tmp_path / "none")]) == 2
    assert "Traceback" not in capsys.readouterr().err
    assert not bad.exists()


def test_a_profile_refuses_data_other_than_the_calibrations(tiny, tmp_path, changed_data):
    with pytest.raises(CalibrationError, match=r"data changed \(small_boats_daily.csv\) since"):
        refit_profile(tiny, tmp_path / "p", values=[1.0], particles=4, serial=True, data_dir=changed_data)
    assert not (tmp_path / "p").exists()


def test_every_value_runs_the_same_draws_and_seeds(tiny, tmp_path):
    # common random numbers: the same value twice gives the same simulations, to the last bit
    refit_profile(tiny, tmp_path, values=[2.0, 2.0], particles=4, rounds=1, seed=3, serial=True)
    sims = pd.read_parquet(tmp_path / "refit_simulations.parquet")
    first, second = (sims[sims["value_index"] == i].drop(columns="value_index").reset_index(drop=True)
                     for i in (0, 1))
    pdt.assert_frame_equal(first, second)
