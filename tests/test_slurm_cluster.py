"""A real cluster: a one-node SLURM, started here, runs a sweep through `--cluster` and dask-jobqueue.

Needs root (to install Debian's slurmctld, slurmd, slurm-client and munge if they are missing, and to
run the daemons); skipped, saying why, elsewhere. The daemons use a configuration, state and sockets of
their own in a temporary folder and are stopped, by their process ids, at the end.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from test_experiments import TINY, assert_same_results

from channelsim.experiments.sweeps.design import load_sweep
from channelsim.experiments.sweeps.execute import execute
from channelsim.experiments.sweeps.store import read_sweep

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ["slurmctld", "slurmd", "slurm-client", "munge"]
PROGRAMS = ["slurmctld", "slurmd", "sbatch", "munged"]

SLURM_CONF = """\
ClusterName=channelsim-test
SlurmctldHost={host}(127.0.0.1)
AuthType=auth/munge
AuthInfo=socket={socket}
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
StateSaveLocation={root}/state
SlurmdSpoolDir={root}/spool
SlurmctldPidFile={root}/slurmctld.pid
SlurmdPidFile={root}/slurmd.pid
SlurmctldLogFile={root}/slurmctld.log
SlurmdLogFile={root}/slurmd.log
NodeName={host} NodeAddr=127.0.0.1 CPUs=2 RealMemory=8000 State=UNKNOWN
PartitionName=debug Nodes={host} Default=YES MaxTime=INFINITE State=UP
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def slurm_installed() -> bool:
    return all(shutil.which(p) or Path("/usr/sbin", p).exists() for p in PROGRAMS)


def install_slurm() -> str | None:
    """Install the packages if missing; the reason they cannot be, or None."""
    if slurm_installed():
        return None
    if not shutil.which("apt-get"):
        return "SLURM is not installed and there is no apt-get to install it"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *PACKAGES]):
        proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            return f"could not install {' '.join(PACKAGES)}: {proc.stderr.strip()[-300:]}"
    return None if slurm_installed() else "the SLURM packages installed but their programs are missing"


def wait_until(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.5)
    raise AssertionError(f"{what} within {timeout} s")


@pytest.fixture(scope="module")
def slurm():
    """A one-node SLURM (munged, slurmctld, slurmd) of its own; yields the environment its clients need."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("a real SLURM needs root to install and run its daemons")
    reason = install_slurm()
    if reason:
        pytest.skip(reason)
    # not under pytest's temporary folder: that is private to root, and munged runs as the munge user
    root = Path(tempfile.mkdtemp(prefix="channelsim-slurm-"))
    os.chmod(root, 0o755)
    for sub in ("state", "spool", "munge"):
        (root / sub).mkdir()
    shutil.chown(root / "munge", "munge", "munge")
    sock = root / "munge" / "munge.socket"
    host = socket.gethostname().split(".")[0]
    conf = root / "slurm.conf"
    conf.write_text(SLURM_CONF.format(host=host, socket=sock, root=root, ctld_port=free_port(),
                                      slurmd_port=free_port()))
    env = {**os.environ, "SLURM_CONF": str(conf)}
    started: list[subprocess.Popen] = []
    try:
        munged = subprocess.Popen(["runuser", "-u", "munge", "--", "munged", "--foreground", f"--socket={sock}",
                                   f"--pid-file={root}/munge/munged.pid", f"--log-file={root}/munge/munged.log",
                                   f"--seed-file={root}/munge/munged.seed"], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.STDOUT)
        started.append(munged)
        wait_until(sock.exists, 20, "munged did not open its socket")
        for daemon in ("slurmctld", "slurmd"):
            started.append(subprocess.Popen([daemon, "-D", "-f", str(conf)], env=env, stdout=subprocess.DEVNULL,
                                            stderr=subprocess.STDOUT))

        def node_idle() -> bool:
            proc = subprocess.run(["sinfo", "-h", "-o", "%T"], env=env, capture_output=True, text=True)
            return proc.returncode == 0 and proc.stdout.strip() == "idle"

        try:
            wait_until(node_idle, 60, "the SLURM node did not become idle")
        except AssertionError as error:
            logs = "\n".join((root / f).read_text()[-1500:] for f in ("slurmctld.log", "slurmd.log")
                             if (root / f).exists())
            raise AssertionError(f"{error}\n{logs}") from None
        yield env, root
    finally:
        subprocess.run(["scancel", "--user", "root"], env=env, capture_output=True)
        for proc in reversed(started):   # slurmd, slurmctld, munged: by their own process ids
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)


def test_a_one_node_slurm_cluster_stores_exactly_what_the_serial_run_stores(slurm, tmp_path):
    env, root = slurm
    sweep_file = tmp_path / "tiny.toml"
    sweep_file.write_text(TINY)
    logs = tmp_path / "jobs"
    # the README's cluster file format; the job runs this Python, with the repository importable
    cluster_file = tmp_path / "slurm.toml"
    cluster_file.write_text(f"""\
kind = "slurm"
jobs = 1
[options]
cores = 2
processes = 2
memory = "4GB"
walltime = "00:10:00"
queue = "debug"
python = "{sys.executable}"
local_directory = "{tmp_path / 'dask'}"
log_directory = "{logs}"
job_script_prologue = ["export PYTHONPATH={REPO}"]
""")
    out = tmp_path / "slurm_out"
    try:
        proc = subprocess.run([sys.executable, "-m", "channelsim", "sweep", str(sweep_file), "--cluster",
                               str(cluster_file), "--out", str(out), "--quiet"], cwd=REPO, capture_output=True,
                              text=True, timeout=240, env={**env, "PYTHONPATH": str(REPO)})
    except subprocess.TimeoutExpired as exc:   # say what SLURM was doing
        queue = subprocess.run(["squeue", "-a", "-l"], env=env, capture_output=True, text=True).stdout
        daemons = "\n".join(f"{p.name}: {p.read_text()[-1500:]}" for p in root.glob("*.log"))
        jobs = "\n".join(p.read_text()[-1500:] for p in logs.glob("*")) if logs.exists() else "no job logs"
        raise AssertionError(f"the sweep on SLURM did not finish in 240 s\n{queue}\n{jobs}\n{daemons}\n"
                             f"{(exc.stderr or b'')[-2000:]}") from None
    job_logs = "\n".join(p.read_text()[-1000:] for p in logs.glob("*")) if logs.exists() else ""
    assert proc.returncode == 0, f"{proc.stdout[-1500:]}\n{proc.stderr[-3000:]}\n{job_logs}"
    # the runs really ran in SLURM's job: its workers wrote their logs there
    assert list(logs.glob("*.out")) or list(logs.glob("*.err")), "no SLURM job log: did the sweep use SLURM?"

    serial = tmp_path / "serial_out"
    report = execute(load_sweep(sweep_file), serial, serial=True, progress=False)
    assert report.failed == 0
    assert_same_results(out, read_sweep(serial))
