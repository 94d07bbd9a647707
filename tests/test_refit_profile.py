"""The refit profile: the other parameters refitted with one held fixed, reproducibly, with clear errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

from experiments.cli import main
from experiments.inference.abc_smc import calibrate
from experiments.inference.refit_profile import _best, _perturb, refit_profile, statement, summarise
from experiments.inference.settings import PRIORS, CalibrationError, Settings

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
    assert table["value"].tolist() == VALUES and (table["simulations"] == 8).all()
    for i, v in enumerate(VALUES):
        assert (sims.loc[sims["value_index"] == i, "upstream_elasticity"] == v).all()
    for name, (lo, hi) in PRIORS.items():
        if name != "upstream_elasticity":
            assert sims[name].between(lo, hi).all(), name
    # round 0 draws the others from the posterior's particles; round 1 moves them
    posterior = tiny.posterior[[n for n in PRIORS if n != "upstream_elasticity"]].round(9)
    first = sims[sims["round"] == 0][posterior.columns].round(9)
    assert first.merge(posterior.drop_duplicates(), how="left", indicator=True)["_merge"].eq("both").all()
    second = sims[sims["round"] == 1][posterior.columns].round(9)
    assert not second.merge(posterior.drop_duplicates(), how="left", indicator=True)["_merge"].eq("both").any()
    # the table is the last round's
    last = sims[(sims["round"] == 1) & (sims["value_index"] == 0)]["distance"]
    assert table.loc[0, "min_distance"] == pytest.approx(last.min())
    assert table.loc[0, "median_distance"] == pytest.approx(last.median())
    assert {"refit_profile.csv", "refit_profile.png", "refit_profile.md", "refit_profile.json"} <= {
        p.name for p in out.iterdir()}
    assert "Refit profile of `upstream_elasticity`" in (out / "refit_profile.md").read_text()


def test_the_refit_profile_is_the_same_on_dask_workers(serial_profile, tiny, tmp_path):
    out, table = serial_profile
    on_dask = refit_profile(tiny, tmp_path, values=VALUES, particles=4, rounds=2, seed=1, workers=2)
    pdt.assert_frame_equal(table, on_dask)
    pdt.assert_frame_equal(pd.read_parquet(out / "refit_simulations.parquet"),
                           pd.read_parquet(tmp_path / "refit_simulations.parquet"))


def test_the_next_round_starts_from_the_best_sets_and_stays_inside_the_prior():
    rows = [{"value_index": 0, "round": 0, "particle": k, "distance": d, "a": float(k), "b": 10.0 * k}
            for k, d in enumerate([5.0, 1.0, 3.0, 2.0])]
    kept = _best(rows, 0, 0, ["a", "b"], keep=0.5)
    assert kept.tolist() == [[1.0, 10.0], [3.0, 30.0]]   # the two lowest distances, best first
    bounds = np.array([[0.0, 4.0], [0.0, 40.0]])
    new = _perturb(kept, 400, 2.0, bounds, np.random.default_rng(0))
    assert new.shape == (400, 2)
    assert np.all((new >= bounds[:, 0]) & (new <= bounds[:, 1]))
    assert np.corrcoef(new.T)[0, 1] > 0.5      # the kept sets' covariance shapes the steps
    assert not np.isin(new[:, 0], kept[:, 0]).all()


def test_the_statement_says_flat_or_names_the_values_the_data_exclude():
    sims = pd.DataFrame({"value_index": [0, 0, 1, 1, 2, 2], "round": 0, "particle": [0, 1] * 3,
                         "distance": [2.0, 2.2, 2.1, 2.3, 6.0, 6.5]})
    table = summarise(sims, "loss_if_returned", [0.0, 6.0, 12.0], epsilon=5.0)
    assert table["within_epsilon"].tolist() == [1.0, 1.0, 0.0]
    text = statement(table, 5.0)
    assert "does not bring 12 within" in text and "lowest at 0" in text
    flat = statement(summarise(sims.assign(distance=sims["distance"].clip(upper=4)), "loss_if_returned",
                               [0.0, 6.0, 12.0], 5.0), 5.0)
    assert "flat profile" in flat.lower() and "do not pin" in flat


def test_bad_values_and_parameters_are_refused(tiny, tmp_path, capsys):
    with pytest.raises(CalibrationError, match=r"prior range \[0, 4\]: not 9"):
        refit_profile(tiny, tmp_path / "a", parameter="upstream_elasticity", values=[1.0, 9.0], serial=True)
    with pytest.raises(CalibrationError, match="'loss_if_returned' is not a free parameter"):
        refit_profile(tiny, tmp_path / "b", parameter="loss_if_returned", serial=True)
    out = tmp_path / "cli"
    assert main(["profile", str(tiny.folder), "--values", "1,x", "--out", str(out), "--serial"]) == 2
    assert "--values takes comma-separated numbers" in capsys.readouterr().err
    assert main(["profile", str(tiny.folder), "--values", "-1", "--out", str(out), "--serial"]) == 2
    assert "prior range" in capsys.readouterr().err
    assert not out.exists()
