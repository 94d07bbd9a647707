"""The model can be driven from mesa.batch_run and from the EMA Workbench (the shipped examples)."""

from __future__ import annotations

import numpy as np


def test_batch_run_example_sweeps_the_quota():
    from channelsim.experiments.examples import batch_run

    table = batch_run.main(days=60, seeds=1, quotas=(0, 200))
    assert list(table.index) == [0, 200]
    assert table.loc[0, "returns"] == 0 and table.loc[200, "returns"] > 0
    assert (table["arrivals"] > 0).all()


def test_ema_workbench_example_evaluates_sampled_scenarios():
    from channelsim.experiments.examples import ema_workbench

    experiments, results = ema_workbench.main(scenarios=4, policies=1, replications=1, days=45, processes=2)
    assert len(experiments) == 4
    assert experiments["returns_per_week"].between(0, 400).all()
    assert experiments["beach_prevention_share"].between(0.2, 0.6).all()
    assert set(results) == {"arrivals", "deaths", "returns"}
    assert np.all(results["arrivals"] > 0)
    # the Workbench's scenarios differ, and so do the model's answers
    assert len(set(results["arrivals"].tolist())) > 1


def test_ema_workbench_example_has_levers_uncertainties_replications_and_a_process_pool():
    from channelsim.experiments.examples import ema_workbench

    model = ema_workbench.workbench_model(days=45, replications=2)
    assert {p.name for p in model.levers} == {"returns_per_week", "crackdown_intensity"}
    assert {p.name for p in model.uncertainties} == {"beach_prevention_share", "returnee_salience"}
    assert [dict(r) for r in model.replications] == [{"seed": 1}, {"seed": 2}]

    experiments, results = ema_workbench.main(scenarios=2, policies=2, replications=2, days=45, processes=2)
    # every policy (levers) meets every scenario (uncertainties)
    assert len(experiments) == 4
    assert experiments["policy"].nunique() == 2 and experiments["scenario"].nunique() == 2
    assert experiments.groupby("policy")["returns_per_week"].nunique().eq(1).all()
    # each outcome is the mean over the replications, one seed each
    assert results["arrivals"].shape == (4,) and np.all(results["arrivals"] > 0)
    first = experiments.iloc[0]
    inputs = {name: first[name] for name in ("returns_per_week", "crackdown_intensity", "beach_prevention_share",
                                             "returnee_salience")}
    by_seed = [ema_workbench.channelsim(**inputs, seed=seed, days=45)["arrivals"] for seed in (1, 2)]
    assert results["arrivals"][0] == np.mean(by_seed)
