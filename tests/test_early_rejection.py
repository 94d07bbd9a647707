"""Early rejection in the calibration: a run stops once it cannot be accepted, and no decision changes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

import channelsim.experiments.inference.abc_smc as abc_smc
from channelsim.experiments.inference.abc_smc import (
    Simulator,
    calibrate,
    distance,
    distance_bound,
    nationality_bound,
    problem,
)
from channelsim.experiments.inference.settings import Settings
from channelsim.experiments.inference.targets import layout_of, nationality_shares, statistics
from channelsim.model import run

# two years, with the nationality targets (the published shares by year)
WINDOW = Settings(priors="deterrence", variants=("full",), start="2018-01-01", end="2019-12-31", warmup_days=30)


@pytest.fixture(scope="module")
def one_run():
    """A simulation's statistics, its daily arrivals and boats, and its arrivals by group."""
    simulator, x0, _ = problem(WINDOW)
    start, end = WINDOW.window()
    parameter = {k: lo + 0.3 * (hi - lo) for k, (lo, hi) in WINDOW.variant_free("full").items()}
    np.random.seed(3)
    stats = simulator(parameter)
    np.random.seed(3)
    model = abc_smc.ChannelModel(simulator.scenario, rng=int(np.random.randint(0, 2**31 - 1)), start=start,
                                 warmup_days=simulator.warmup_days, data_dir=simulator.data_dir,
                                 **abc_smc.VARIANTS["full"], **abc_smc.particle_overrides(parameter))
    model.run_for((end - start).days + 1)
    # the simulator runs the model as channelsim.run does: the same statistics from run()'s result
    np.random.seed(3)
    result = run(simulator.scenario, seed=int(np.random.randint(0, 2**31 - 1)), start=start, end=end,
                 warmup_days=simulator.warmup_days, data_dir=simulator.data_dir, **abc_smc.VARIANTS["full"],
                 **abc_smc.particle_overrides(parameter))
    daily, weekly = layout_of(result.series)
    expected = statistics(daily, weekly, start, end, pd.DatetimeIndex(list(simulator.prevented_weeks)))
    expected["nationality_shares"] = nationality_shares(result.nationalities, simulator.nationalities)
    assert set(stats) == set(expected) and all(np.array_equal(stats[k], expected[k]) for k in stats)
    return simulator, x0, parameter, stats, model


def test_the_bound_grows_with_the_days_run_and_never_exceeds_the_distance(one_run):
    simulator, x0, _, stats, model = one_run
    start, end = WINDOW.window()
    record = model.datacollector.model_vars
    arrivals, boats = np.array(record["arrivals"]), np.array(record["boats_arrived"])
    by_group = model.arrivals_by_group()
    full = distance(stats, x0)

    def bound(n: int) -> float:
        return (distance_bound(arrivals[:n], boats[:n], start, end, x0)
                + nationality_bound({g: v[:n] for g, v in by_group.items()}, start, simulator.nationalities, x0))

    bounds = [bound(n) for n in [*range(1, len(arrivals), 7), len(arrivals)]]
    assert np.all(np.diff(bounds) >= -1e-12)
    assert bounds[0] == 0.0 and 0 < bounds[len(bounds) // 2] < bounds[-1]
    # over the whole window the bound is the distance less the prevented share's term (none recorded here)
    assert "prevented_share" not in x0
    assert bounds[-1] == pytest.approx(full, rel=1e-12)


def test_a_run_that_cannot_be_accepted_stops_early_and_one_that_can_runs_whole(one_run):
    simulator, x0, parameter, stats, _ = one_run
    full = distance(stats, x0)
    np.random.seed(3)
    assert simulator.simulate(parameter, x0, 0.5 * full) is None
    np.random.seed(3)
    kept = simulator.simulate(parameter, x0, full)   # accepted at a threshold of its own distance
    assert kept is not None and all(np.array_equal(kept[k], stats[k]) for k in stats)


def test_early_rejection_leaves_the_calibration_as_it_was(monkeypatch, tmp_path):
    """The same posterior, epsilons and count of simulations with and without it; and some runs were cut."""
    settings = Settings(population=4, generations=3, budget=60, seed=5, start="2018-01-01", end="2018-12-31")
    cut = []
    whole = Simulator.simulate

    def counting(self, parameter, x0=None, threshold=np.inf):
        stats = whole(self, parameter, x0, threshold)
        cut.append(stats is None)
        return stats

    monkeypatch.setattr(Simulator, "simulate", counting)
    early = calibrate(tmp_path / "early", settings, serial=True, progress=False)
    assert any(cut)
    cut.clear()
    plain = calibrate(tmp_path / "plain", settings, serial=True, progress=False, early_rejection=False)
    assert not any(cut)
    pdt.assert_frame_equal(early.posterior, plain.posterior)
    for a, b in zip(early.provenance["generations"], plain.provenance["generations"], strict=True):
        assert {k: v for k, v in a.items() if k != "seconds"} == {k: v for k, v in b.items() if k != "seconds"}
    assert early.provenance["simulations"] == plain.provenance["simulations"]


def test_the_model_reports_each_groups_arrivals_as_its_nationality_series(one_run):
    *_, model = one_run
    by_group = model.arrivals_by_group()
    table = model.nationality_series().pivot_table(index="date", columns="nationality", values="arrivals")
    for group, values in by_group.items():
        assert np.array_equal(values, table[group].to_numpy())
    total = sum(by_group.values())
    assert np.array_equal(total, np.array(model.datacollector.model_vars["arrivals"]))
