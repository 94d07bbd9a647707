"""Sweeps: designs, seeds, storage, resuming, faults, real Dask clusters, analysis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

from channelsim.experiments.sweeps import analysis
from channelsim.experiments.sweeps.design import SweepError, expand, from_folder, load_sweep
from channelsim.experiments.sweeps.execute import ClusterError, cluster_from_file, execute
from channelsim.experiments.sweeps.runner import run_one
from channelsim.experiments.sweeps.store import StoreError, SweepStore, read_sweep

REPO = Path(__file__).resolve().parents[1]
TINY = """
name = "tiny"
scenario = "pilot_2025"
start = 2025-09-01
days = 42
warmup_days = 30
design = "grid"
replicates = 2
seed = 99
outputs = ["arrivals", "returns"]

[parameters]
returns_per_week = [0, 150]
beach_prevention_share = [0.3, 0.5]

[reference]
quota_schedule = "none"
"""


@pytest.fixture
def tiny_file(tmp_path) -> Path:
    path = tmp_path / "tiny.toml"
    path.write_text(TINY)
    return path


@pytest.fixture(scope="module")
def serial_tiny(tmp_path_factory) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The tiny sweep run serially: what every other way of running it must equal."""
    folder = tmp_path_factory.mktemp("serial") / "tiny"
    path = folder.parent / "tiny.toml"
    path.write_text(TINY)
    report = execute(load_sweep(path), folder, serial=True, progress=False)
    assert report.ran == 10 and report.failed == 0
    return read_sweep(folder)


def comparable(runs: pd.DataFrame) -> pd.DataFrame:
    """The runs table without what legitimately differs between executions (timing)."""
    return runs.drop(columns=["wall_seconds"]).reset_index(drop=True)


def assert_same_results(folder: Path, expected: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    runs, series = read_sweep(folder)
    pdt.assert_frame_equal(comparable(runs), comparable(expected[0]))
    pdt.assert_frame_equal(series, expected[1])


def wait_for_runs(folder: Path, n: int, timeout: float = 120) -> None:
    """Until at least ``n`` runs of a sweep being run elsewhere are recorded."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (folder / "runs").exists() and len(SweepStore(folder).done()) >= n:
            return
        time.sleep(0.05)
    raise AssertionError(f"fewer than {n} runs recorded in {timeout} s")


def channelsim(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "channelsim", *args], capture_output=True, text=True,
                          **kwargs)


# --- designs and seeds ------------------------------------------------------------------------

def base(**changes) -> dict:
    import tomllib

    return {**tomllib.loads(TINY), **changes}


def test_grid_is_the_full_factorial_and_every_point_shares_the_replicate_seeds():
    sweep = expand(base())
    assert len(sweep.points) == 4
    runs = sweep.runs()
    assert len(runs) == 4 * 2 + 2  # points x replicates + one reference run per replicate
    seeds = {(r.replicate, r.seed_entropy, r.seed_spawn_key) for r in runs}
    assert len(seeds) == 2, "common random numbers: one seed per replicate, shared by every point"
    assert len({r.run_id for r in runs}) == len(runs)


@pytest.mark.parametrize("design, samples, expected", [
    ("lhs", 10, 10), ("sobol", 8, 8), ("salib_sobol", 8, 8 * (2 + 2)), ("morris", 5, 5 * (2 + 1)),
])
def test_sampled_designs_stay_in_their_ranges_and_are_reproducible(design, samples, expected):
    spec = base(design=design, samples=samples,
                parameters={"returns_per_week": {"min": 10, "max": 300}, "gangs": {"min": 2, "max": 8}})
    a, b = expand(spec), expand(spec)
    assert len(a.points) == expected
    assert a.points == b.points
    quota = np.array([p["returns_per_week"] for p in a.points])
    assert quota.min() >= 10 and quota.max() <= 300
    assert all(isinstance(p["gangs"], int) and 2 <= p["gangs"] <= 8 for p in a.points)
    assert expand({**spec, "seed": 100}).points != a.points


@pytest.mark.parametrize("change, message", [
    (dict(desing="grid"), "Did you mean 'design'"),
    (dict(design="factorial"), "expected 'grid', 'lhs', 'sobol', 'salib_sobol' or 'morris'"),
    (dict(parameters={"returns_per_wek": [1]}), "Did you mean 'returns_per_week'"),
    (dict(parameters={"returns_per_week": {"min": 5, "max": 1}}), "must be below max"),
    (dict(parameters={"returns_per_week": {"min": 0, "max": 1}}), "needs a list of levels"),
    (dict(design="lhs", parameters={"returns_per_week": [1, 2]}), "needs a range"),
    (dict(design="lhs", parameters={"beach_prevention_share": {"min": 0, "max": 2}}), "allowed 0 to 1"),
    (dict(parameters={"returns_per_week": [-5]}), "out of range"),
    (dict(design="salib_sobol", samples=10, parameters={"gangs": {"min": 1, "max": 5}}), "power of 2"),
    (dict(outputs=["arivals"]), "Did you mean 'arrivals'"),
    (dict(replicates=0), "replicates"),
    (dict(scenario="nope"), "unknown scenario"),
])
def test_bad_sweep_files_are_explained(change, message):
    with pytest.raises(SweepError, match=message):
        expand(base(**change))


def test_cli_refuses_a_bad_sweep_file_and_runs_nothing(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(TINY.replace("design = \"grid\"", "design = \"grd\""))
    out = tmp_path / "out"
    proc = channelsim("sweep", str(bad), "--out", str(out), "--serial", cwd=tmp_path)
    assert proc.returncode == 2 and "design" in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists()
    malformed = tmp_path / "malformed.toml"
    malformed.write_text("name = \n")
    proc = channelsim("sweep", str(malformed), "--out", str(out), "--serial", cwd=tmp_path)
    assert proc.returncode == 2 and "line 1" in proc.stderr and not out.exists()


def test_the_shipped_sweeps_load():
    curve = load_sweep("deterrence_curve")
    assert curve.spec.design == "grid" and "returns_per_week" in curve.parameter_names
    assert "crackdown_intensity" in curve.parameter_names and curve.spec.replicates >= 5
    sobol = load_sweep("sobol")
    assert sobol.spec.design == "salib_sobol" and len(sobol.parameter_names) >= 6


# --- running and storing ----------------------------------------------------------------------

def test_a_run_is_plain_data_in_and_out_and_the_same_wherever_it_runs():
    spec = expand(base()).runs()[1]
    a, b = run_one(spec), run_one(spec)
    import pickle

    pickle.loads(pickle.dumps(spec))
    assert a.record["status"] == "ok"
    assert {k: v for k, v in a.record.items() if k != "wall_seconds"} == \
        {k: v for k, v in b.record.items() if k != "wall_seconds"}
    pdt.assert_frame_equal(a.series, b.series)
    for key in ("seed_entropy", "seed_spawn_key", "package_version", "git_commit", "scenario_hash",
                "param_returns_per_week"):
        assert key in a.record and a.record[key] != ""


def test_a_local_dask_cluster_stores_exactly_what_the_serial_run_stores(tmp_path, tiny_file, serial_tiny):
    report = execute(load_sweep(tiny_file), tmp_path / "local", workers=2, progress=False)
    assert report.ran == 10
    assert_same_results(tmp_path / "local", serial_tiny)


@pytest.fixture
def external_cluster(tmp_path):
    """A scheduler and two workers started as separate processes on 127.0.0.1."""
    scheduler_file = tmp_path / "scheduler.json"
    env = {**os.environ, "PYTHONPATH": str(REPO), "DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "False"}
    dask = [str(Path(sys.executable).parent / "dask")]
    procs = [subprocess.Popen([*dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                               "--scheduler-file", str(scheduler_file)], env=env, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    deadline = time.monotonic() + 60
    while not scheduler_file.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert scheduler_file.exists(), "the scheduler did not start"
    import json

    address = json.loads(scheduler_file.read_text())["address"]
    workers = [subprocess.Popen([*dask, "worker", address, "--nthreads", "1", "--nworkers", "1",
                                 "--host", "127.0.0.1", "--no-dashboard"], env=env, start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(2)]
    procs += workers
    from distributed import Client

    with Client(address, timeout="30s") as client:
        client.wait_for_workers(2, timeout=60)
    yield address, workers
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def test_an_external_scheduler_with_two_worker_processes_stores_what_the_serial_run_stores(
        tmp_path, tiny_file, serial_tiny, external_cluster):
    address, _ = external_cluster
    proc = channelsim("sweep", str(tiny_file), "--scheduler", address, "--out", str(tmp_path / "ext"), "--quiet",
                      cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == 0, proc.stderr
    assert_same_results(tmp_path / "ext", serial_tiny)


def test_a_worker_killed_mid_sweep_loses_and_duplicates_no_run(tmp_path, tiny_file, serial_tiny, external_cluster):
    address, workers = external_cluster
    out = tmp_path / "killed"
    sweep = subprocess.Popen([sys.executable, "-m", "channelsim", "sweep", str(tiny_file), "--scheduler",
                              address, "--out", str(out), "--quiet", "--flush-every", "1"],
                             cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO)},
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for_runs(out, 2)
    assert len(SweepStore(out).done()) < 10, "the kill must land mid-sweep"
    os.killpg(workers[0].pid, signal.SIGKILL)  # the worker and its nanny, mid-sweep
    _, err = sweep.communicate(timeout=300)
    assert sweep.returncode == 0, err
    runs, _ = read_sweep(out)
    assert runs["run_id"].is_unique and len(runs) == 10
    assert_same_results(out, serial_tiny)


def test_a_sweep_stopped_and_resumed_runs_only_what_is_missing(tmp_path, tiny_file, serial_tiny):
    out = tmp_path / "resumed"
    first = subprocess.Popen([sys.executable, "-m", "channelsim", "sweep", str(tiny_file), "--serial",
                              "--out", str(out), "--quiet", "--flush-every", "1"],
                             cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO)})
    wait_for_runs(out, 3)
    first.kill()  # no chance to tidy up
    first.wait()
    runs, series = read_sweep(out)
    done_before = len(runs)
    assert 3 <= done_before < 10, "stop the sweep part-way"
    # what is stored is complete for every recorded run: a reader sees no partial run
    weeks = series.groupby("run_id").size()
    assert set(weeks.index) == set(runs["run_id"]) and weeks.nunique() == 1
    report = execute(load_sweep(tiny_file), out, serial=True, progress=False)
    assert report.already_done == done_before and report.ran == 10 - done_before
    assert_same_results(out, serial_tiny)
    again = execute(load_sweep(tiny_file), out, serial=True, progress=False)
    assert again.ran == 0


def test_a_run_that_raises_is_recorded_and_the_others_complete(tmp_path, data_dir):
    failing = base(parameters={"quota_schedule": ["published"],
                               "published_schedule_file": ["one_in_one_out_monthly.csv", "no_such_file.csv"]},
                   replicates=1)
    del failing["reference"]
    import tomli_w

    path = tmp_path / "failing.toml"
    path.write_text(tomli_w.dumps(failing))
    proc = channelsim("sweep", str(path), "--serial", "--out", str(tmp_path / "f"), cwd=tmp_path,
                      env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == 1, "a sweep with failed runs says so in its exit status"
    runs, series = read_sweep(tmp_path / "f")
    assert sorted(runs["status"]) == ["failed", "ok"]
    failed = runs[runs["status"] == "failed"].iloc[0]
    assert "no_such_file.csv" in failed["error"] and "DataError" in failed["error"]
    assert set(series["run_id"]) == set(runs.loc[runs["status"] == "ok", "run_id"])


def test_a_folder_holding_another_sweep_is_refused(tmp_path, tiny_file):
    execute(load_sweep(tiny_file, replicates=1), tmp_path / "x", serial=True, progress=False)
    with pytest.raises(StoreError, match="different sweep"):
        execute(load_sweep(tiny_file, replicates=2), tmp_path / "x", serial=True, progress=False)


def test_progress_bar_shows_count_and_rate_only_when_asked(tmp_path, tiny_file, capsys):
    execute(load_sweep(tiny_file, replicates=1), tmp_path / "p", serial=True, progress=True)
    err = capsys.readouterr().err
    assert "5/5" in err and "run/s" in err
    proc = channelsim("sweep", str(tiny_file), "--serial", "--replicates", "1", "--out", str(tmp_path / "q"),
                      cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == 0 and "run/s]" not in proc.stderr  # not a terminal: no bar


def test_jobqueue_cluster_file_configures_slurm_and_refuses_nonsense(tmp_path):
    good = tmp_path / "slurm.toml"
    good.write_text('kind = "slurm"\njobs = 2\n[options]\ncores = 8\nprocesses = 4\nmemory = "16GB"\n'
                    'walltime = "01:00:00"\nqueue = "short"\n')
    cluster, jobs = cluster_from_file(good)
    try:
        script = cluster.job_script()
    finally:
        cluster.close()
    assert jobs == 2 and "#SBATCH -p short" in script and "--nworkers 4" in script and "01:00:00" in script
    assert "DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False" in script
    assert "DASK_DISTRIBUTED__ADMIN__TICK__INTERVAL=1s" in script
    bad = tmp_path / "bad.toml"
    bad.write_text('kind = "lsf"\n')
    with pytest.raises(ClusterError, match="kind must be one of slurm, pbs"):
        cluster_from_file(bad)


# --- analysis ---------------------------------------------------------------------------------

def synthetic_runs(sweep, outcome) -> pd.DataFrame:
    rows = []
    for spec in sweep.runs():
        values = spec.overrides
        rows.append({"run_id": spec.run_id, "point": spec.point, "replicate": spec.replicate, "status": "ok",
                     **{f"param_{k}": v for k, v in values.items()},
                     "out_arrivals": outcome(values) if spec.point >= 0 else 1000.0})
    return pd.DataFrame(rows)


def test_sobol_indices_recover_a_known_answer():
    sweep = expand(base(design="salib_sobol", samples=512, replicates=1,
                        parameters={"returns_per_week": {"min": 0, "max": 1}, "gangs": {"min": 1, "max": 50}}))
    runs = synthetic_runs(sweep, lambda v: 10 * v["returns_per_week"])  # gangs do nothing here
    first, _ = analysis.sobol_indices(runs, sweep, ["arrivals"])
    by = first.set_index("parameter")
    assert by.loc["returns_per_week", "S1"] == pytest.approx(1, abs=0.05)
    assert abs(by.loc["gangs", "ST"]) < 0.05


def test_morris_ranks_the_influential_parameter_first():
    sweep = expand(base(design="morris", samples=20, replicates=1,
                        parameters={"returns_per_week": {"min": 0, "max": 100}, "gangs": {"min": 1, "max": 50}}))
    runs = synthetic_runs(sweep, lambda v: 3 * v["returns_per_week"] + 0.01 * v["gangs"])
    table = analysis.morris_indices(runs, sweep, ["arrivals"]).set_index("parameter")
    assert table.loc["returns_per_week", "mu_star"] > 10 * table.loc["gangs", "mu_star"]


def test_prim_finds_the_region_where_crossings_fall():
    sweep = expand(base(design="lhs", samples=400, replicates=1,
                        parameters={"returns_per_week": {"min": 0, "max": 400},
                                    "crackdown_intensity": {"min": 0, "max": 1}}))
    runs = synthetic_runs(sweep, lambda v: 1000 * (0.5 if v["returns_per_week"] > 200 else 1.0))
    box = analysis.prim_boxes(runs, sweep, fall=0.3).set_index("parameter")
    assert box.loc["returns_per_week", "low"] == pytest.approx(200, abs=15)
    assert box.loc["returns_per_week", "restricted"] and not box.loc["crackdown_intensity", "restricted"]
    assert box["density"].iloc[0] > 0.9


def test_analyse_and_plot_write_tables_and_figures(tmp_path, serial_tiny, tiny_file):
    folder = tmp_path / "a"
    execute(load_sweep(tiny_file), folder, serial=True, progress=False)
    proc = channelsim("analyse", str(folder), "--fall", "0.01", cwd=tmp_path,
                      env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == 0, proc.stderr
    assert (folder / "analysis" / "deterrence.csv").exists()
    summary = pd.read_csv(folder / "analysis" / "summary_arrivals.csv")
    assert len(summary) == 4 and (summary["q05"] <= summary["median"]).all()
    proc = channelsim("plot", str(folder), cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == 0, proc.stderr
    assert (folder / "plots" / "deterrence_curve.png").stat().st_size > 10_000
    assert (folder / "plots" / "fan_arrivals.png").stat().st_size > 10_000
    assert from_folder(folder).fingerprint() == load_sweep(tiny_file).fingerprint()


def test_second_order_sobol_indices_find_an_interaction():
    sweep = expand(base(design="salib_sobol", samples=512, replicates=1, second_order=True,
                        parameters={"returns_per_week": {"min": 0, "max": 1}, "gangs": {"min": 1, "max": 50},
                                    "crackdown_intensity": {"min": 0, "max": 1}}))
    runs = synthetic_runs(sweep, lambda v: v["returns_per_week"] * v["crackdown_intensity"])
    _, second = analysis.sobol_indices(runs, sweep, ["arrivals"])
    pairs = second.set_index(["parameter_a", "parameter_b"])["S2"]
    assert pairs[("returns_per_week", "crackdown_intensity")] > 0.1
    assert abs(pairs[("returns_per_week", "gangs")]) < 0.1


def test_analyse_and_plot_refuse_a_folder_that_is_not_a_sweep(tmp_path):
    for command in ("analyse", "plot"):
        proc = channelsim(command, str(tmp_path), cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO)})
        assert proc.returncode == 2 and "not a sweep folder" in proc.stderr and "Traceback" not in proc.stderr
