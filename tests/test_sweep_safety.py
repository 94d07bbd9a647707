"""A sweep folder cannot be corrupted: one writer at a time, failed runs retried, nothing left by a sweep
that never started, Ctrl-C to the whole process group ends in one line."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from channelsim.core.files import LOCK_NAME, FolderLock
from channelsim.experiments.sweeps.design import load_sweep
from channelsim.experiments.sweeps.execute import execute
from channelsim.experiments.sweeps.store import SweepStore, read_sweep

REPO = Path(__file__).resolve().parents[1]
SWEEP = """
name = "safety"
scenario = "pilot_2025"
start = 2025-09-01
days = {days}
warmup_days = 20
design = "grid"
replicates = 1
seed = 11
outputs = ["arrivals"]

[parameters]
returns_per_week = {levels}
"""


def sweep_file(tmp_path: Path, days: int = 21, levels: str = "[0, 100]", extra: str = "") -> Path:
    path = tmp_path / "safety.toml"
    path.write_text(SWEEP.format(days=days, levels=levels) + extra)
    return path


def channelsim(*args: str, env: dict[str, str] | None = None, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "channelsim", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})}, **kwargs)


def test_a_second_sweep_on_the_same_folder_is_refused_and_the_store_stays_readable(tmp_path):
    # long enough that the first is still running when the second has started up (its imports take seconds)
    path = sweep_file(tmp_path, days=400, levels="[" + ", ".join(str(10 * i) for i in range(12)) + "]")
    out = tmp_path / "out"
    first = channelsim("sweep", str(path), "--serial", "--flush-every", "1", "--out", str(out))
    deadline = time.monotonic() + 60
    while not (out / "manifest.json").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    second = channelsim("sweep", str(path), "--serial", "--out", str(out))
    _, err = second.communicate(timeout=120)
    assert second.returncode == 2, err
    assert f"in use by another process (pid {first.pid} on " in err and "Traceback" not in err
    assert first.wait(timeout=300) == 0, first.stderr.read()
    runs, series = read_sweep(out)
    assert sorted(runs["run_id"]) == [f"p{p:06d}-r0000" for p in range(12)], "each run recorded once"
    assert (runs["status"] == "ok").all() and set(series["run_id"]) == set(runs["run_id"])
    analyse = subprocess.run([sys.executable, "-m", "channelsim", "analyse", str(out), "--quiet"],
                             capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert analyse.returncode == 0, analyse.stderr


def test_the_lock_of_a_process_that_died_is_taken_over(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (out / LOCK_NAME).write_text(json.dumps({"pid": int(dead.stdout), "host": os.uname().nodename}))
    report = execute(load_sweep(sweep_file(tmp_path)), out, serial=True, progress=False)
    assert report.ran == 2 and report.failed == 0


def test_a_folder_held_by_one_process_is_refused_to_another_at_once_naming_the_holder(tmp_path):
    take = f"from channelsim.core.files import FolderLock; FolderLock({str(tmp_path)!r}, 'sweep').acquire()"
    with FolderLock(tmp_path, "sweep"):
        other = subprocess.run([sys.executable, "-c", take], capture_output=True, text=True, timeout=60,
                               env={**os.environ, "PYTHONPATH": str(REPO)})
    assert other.returncode != 0
    assert f"{tmp_path} is in use by another process (pid {os.getpid()} on " in other.stderr
    again = subprocess.run([sys.executable, "-c", take], capture_output=True, text=True, timeout=60,
                           env={**os.environ, "PYTHONPATH": str(REPO)})
    assert again.returncode == 0, "released, the folder is free"


def test_the_folder_lock_imports_where_there_is_no_fcntl():
    # as on Windows: filelock, not fcntl, is what the lock needs
    proc = subprocess.run([sys.executable, "-c", "import sys; sys.modules['fcntl'] = None; "
                                                 "import channelsim.core.files"],
                          capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == 0, proc.stderr


def test_a_failed_run_prints_its_reason_is_retried_on_resume_and_the_exit_status_follows(tmp_path, data_dir):
    data = tmp_path / "data"
    data.mkdir()   # the published returns schedule is missing (every run reads the nationality mix)
    (data / "nationality_arrivals.csv").write_text((data_dir / "nationality_arrivals.csv").read_text())
    path = sweep_file(tmp_path, extra="quota_schedule = ['weekly', 'published']\n")
    out = tmp_path / "out"
    args = ["sweep", str(path), "--serial", "--data", str(data), "--out", str(out)]
    first = channelsim(*args)
    report_out, err = first.communicate(timeout=300)
    assert first.returncode == 1, "a sweep with a failed run says so"
    assert "run p000001-r0000 failed: DataError" in err and "one_in_one_out_monthly.csv" in err
    assert "2 failed" in report_out
    runs, _ = read_sweep(out)
    assert sorted(runs["status"]) == ["failed", "failed", "ok", "ok"]

    again = channelsim(*args, "--no-retry-failed")   # not retried: the failures still count
    report_out, _ = again.communicate(timeout=300)
    assert again.returncode == 1 and "0 runs in" in report_out and "2 failed" in report_out

    (data / "one_in_one_out_monthly.csv").write_text((data_dir / "one_in_one_out_monthly.csv").read_text())
    resumed = channelsim(*args)                      # the failed runs are retried, and now succeed
    report_out, err = resumed.communicate(timeout=300)
    assert resumed.returncode == 0, err
    assert "0 failed" in report_out
    runs, series = read_sweep(out)
    assert len(runs) == 4 and (runs["status"] == "ok").all(), "a retried run's new record replaces the failed one"
    assert set(series["run_id"]) == set(runs["run_id"])


def test_a_sweep_whose_scheduler_cannot_be_reached_leaves_no_folder(tmp_path):
    out = tmp_path / "deep" / "out"
    proc = channelsim("sweep", str(sweep_file(tmp_path)), "--scheduler", "tcp://127.0.0.1:9", "--out", str(out),
                      env={"CHANNELSIM_SCHEDULER_TIMEOUT": "1s"})
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 2 and "no Dask scheduler answered" in err and "Traceback" not in err
    assert not (tmp_path / "deep").exists()


def test_ctrl_c_to_the_process_group_exits_130_with_one_line_and_keeps_what_finished(tmp_path):
    path = sweep_file(tmp_path, days=600, levels="[0, 25, 50, 75, 100, 125, 150, 175]")
    out = tmp_path / "out"
    proc = channelsim("sweep", str(path), "--workers", "2", "--flush-every", "1", "--out", str(out),
                      start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not ((out / "runs").exists() and SweepStore(out).done()):
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    assert err.count("interrupted") == 1
    runs, _ = read_sweep(out)
    assert len(runs) >= 1 and (runs["status"] == "ok").all()


@pytest.mark.parametrize("retry", [True, False])
def test_the_report_counts_the_failures_still_recorded(tmp_path, retry):
    data = tmp_path / "data"
    data.mkdir()
    sweep = load_sweep(sweep_file(tmp_path, extra="quota_schedule = ['published']\n"))
    first = execute(sweep, tmp_path / "out", serial=True, progress=False, data_dir=str(data))
    assert first.failed == 2
    again = execute(sweep, tmp_path / "out", serial=True, progress=False, data_dir=str(data), retry_failed=retry)
    assert again.failed == 2 and again.ran == (2 if retry else 0)
    assert "2 failed" in str(again)
