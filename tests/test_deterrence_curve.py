"""The deterrence curve (crossings deterred against weekly returns, with posterior bands), and the flows
by nationality that sweeps and posterior-predictive ensembles keep for every run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from channelsim.experiments.inference.counterfactual import counterfactual
from channelsim.experiments.sweeps.design import RunSpec
from channelsim.experiments.sweeps.execute import execute_plan
from channelsim.experiments.sweeps.store import SweepStore, read_nationalities, read_sweep

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def with_curve(tmp_path_factory, data_dir):
    out = tmp_path_factory.mktemp("cf") / "cf"
    # the full model's draws: in the null model returns move no one, so more of them need not deter more
    counterfactual(out, draws=2, seed=3, arms=("pilot_2025",), curve=(0, 400), workers=2, data_dir=data_dir,
                   progress=False, variant="full")
    return out


def test_more_returns_a_week_deter_more_crossings(with_curve):
    curve = pd.read_csv(with_curve / "deterrence_curve.csv").set_index("returns_per_week")
    assert list(curve.index) == [0, 400] and (curve["draws"] == 2).all()
    assert curve.loc[0, "returns_median"] == 0 and curve.loc[400, "returns_median"] > 1000
    # level 0 is the announcement alone: no one returned (its effect, if any, is the announcement's)
    assert curve.loc[0, "returns_median"] == 0
    assert curve.loc[400, "deterred_median"] > curve.loc[0, "deterred_median"]
    assert (curve["deterred_5"] <= curve["deterred_median"]).all()
    assert (curve["deterred_median"] <= curve["deterred_95"]).all()
    assert curve.loc[400, "relative_median"] == pytest.approx(
        curve.loc[400, "deterred_median"] / curve.loc[400, "no_deal_median"], rel=0.5)
    assert (with_curve / "deterrence_curve.png").stat().st_size > 20_000
    assert "## The deterrence curve" in (with_curve / "summary.md").read_text()


def test_each_level_runs_the_no_deal_arm_s_draws_and_seeds(with_curve):
    runs, _ = read_sweep(with_curve / "ensemble")
    levels, _ = read_sweep(with_curve / "curve_ensemble")
    assert (levels["status"] == "ok").all() and len(levels) == 4
    base = runs[runs["scenario"] == "no_deal"].set_index("point")
    shared = [c for c in base.columns if c.startswith("param_")] + ["seed_entropy", "seed_spawn_key"]
    for _, run in levels.iterrows():
        assert run[shared].equals(base.loc[run["point"], shared]), run["run_id"]
    assert sorted(levels["param_returns_per_week"].unique()) == [0, 400]


def test_the_ensembles_keep_each_run_s_arrivals_and_returns_by_nationality(with_curve):
    for folder in ("ensemble", "curve_ensemble"):
        runs, _ = read_sweep(with_curve / folder)
        groups = read_nationalities(with_curve / folder)
        totals = groups.groupby("run_id")[["arrivals", "returns"]].sum()
        assert set(totals.index) == set(runs["run_id"])
        by_run = runs.set_index("run_id")
        # the run's window is its recorded days: summed over groups and months, the run's totals
        assert (totals["arrivals"] == by_run.loc[totals.index, "out_arrivals"]).all()
        assert (totals["returns"] == by_run.loc[totals.index, "out_returns"]).all()
    assert groups.loc[groups["nationality"] == "Albania", "arrivals"].sum() >= 0
    assert groups.groupby(["run_id", "nationality"])["days"].sum().eq(365).all()


def test_a_sweep_keeps_monthly_flows_by_nationality_that_sum_to_its_totals(tmp_path, data_dir):
    common = dict(scenario="pilot_2025", overrides={}, seed_spawn_key=(), start="2022-05-20", days=45,
                  warmup_days=10, frequency="daily", outputs=("arrivals", "returns"), window=(None, None),
                  data_dir=str(data_dir))
    plan = [RunSpec(run_id=f"r{i}", point=i, replicate=0, seed_entropy=i + 1, **common) for i in range(2)]
    execute_plan(plan, tmp_path / "sweep", name="tiny", serial=True, progress=False)
    runs, series = read_sweep(tmp_path / "sweep")
    groups = read_nationalities(tmp_path / "sweep")
    assert list(groups.columns[:4]) == ["run_id", "month", "nationality", "days"]
    assert sorted(groups["month"].dt.strftime("%Y-%m").unique()) == ["2022-05", "2022-06", "2022-07"]
    sums = groups.groupby("run_id")["arrivals"].sum()
    assert (sums == series.groupby("run_id")["arrivals"].sum()).all()
    assert (sums == runs.set_index("run_id")["out_arrivals"]).all() and (sums > 0).all()
    # a run whose runs part is missing (killed before its commit) is not read
    store = SweepStore(tmp_path / "sweep")
    for part in store.runs_dir.iterdir():
        part.unlink()
    assert read_nationalities(tmp_path / "sweep").empty


def test_counterfactual_refuses_a_curve_level_the_model_does_not_take(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "channelsim", "counterfactual", "--draws", "1",
                           "--curve", "0,-50", "--out", str(tmp_path / "cf")], capture_output=True, text=True,
                          cwd=REPO, timeout=300)
    assert proc.returncode == 2 and "returns_per_week" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "cf").exists()
