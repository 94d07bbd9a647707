"""The model can be driven from mesa.batch_run and from the EMA Workbench (the shipped examples)."""

from __future__ import annotations

import numpy as np


def test_batch_run_example_sweeps_the_quota():
    from experiments.examples import batch_run

    table = batch_run.main(days=60, seeds=1, quotas=(0, 200))
    assert list(table.index) == [0, 200]
    assert table.loc[0, "returns"] == 0 and table.loc[200, "returns"] > 0
    assert (table["arrivals"] > 0).all()


def test_ema_workbench_example_evaluates_sampled_scenarios():
    from experiments.examples import ema_workbench

    experiments, results = ema_workbench.main(scenarios=4, days=45)
    assert len(experiments) == 4
    assert experiments["returns_per_week"].between(0, 400).all()
    assert experiments["beach_prevention_share"].between(0.2, 0.6).all()
    assert set(results) == {"arrivals", "deaths", "returns"}
    assert np.all(results["arrivals"] > 0)
    # the Workbench's scenarios differ, and so do the model's answers
    assert len(set(results["arrivals"].tolist())) > 1
