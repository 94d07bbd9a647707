"""Running a sweep on Dask: a local cluster, a running scheduler, SLURM or PBS, or serially.

The runs that have no record in the sweep folder yet are submitted to a Dask
``distributed`` cluster as plain-data tasks
([`experiments.sweeps.runner.run_one`][channelsim.experiments.sweeps.runner.run_one]);
results are written as they finish
([`experiments.sweeps.store.SweepStore`][channelsim.experiments.sweeps.store.SweepStore]).
Where the cluster comes from:

- default: a ``LocalCluster`` of one single-threaded worker process per core
  (``workers`` to choose how many);
- ``scheduler="tcp://host:8786"``: a scheduler that is already running;
- ``cluster_file``: a TOML file for dask-jobqueue (SLURM or PBS), e.g.:

      kind = "slurm"        # or "pbs"
      jobs = 4              # batch jobs to start
      [options]             # passed to dask_jobqueue.SLURMCluster / PBSCluster
      cores = 8
      processes = 8
      memory = "16GB"
      walltime = "02:00:00"
      queue = "normal"

- ``serial=True``: in this process, one run after another (for debugging).

The same [`executor`][channelsim.experiments.sweeps.execute.executor] and
[`as_finished`][channelsim.experiments.sweeps.execute.as_finished] run a calibration's simulations, which
take their results in order ([`ordered_map`][channelsim.experiments.sweeps.execute.ordered_map]).

Dask reschedules the tasks of a worker that dies; a task that kills workers
repeatedly is recorded as failed, and so is a run that raises (its reason is
printed as it fails). Re-running retries the failed runs; the report and the
exit status count the failures still recorded. The workers of a local cluster
ignore Ctrl-C, so that an interrupt of the whole process group reaches this
process alone, which keeps what finished and stops the workers.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from channelsim.core.errors import ChannelsimError
from channelsim.core.scenarios import read_toml
from channelsim.core.versions import code_version
from channelsim.experiments.sweeps.design import RunSpec, Sweep, plan_fingerprint
from channelsim.experiments.sweeps.runner import RunOutput, failed_output, run_one
from channelsim.experiments.sweeps.store import SweepStore

JOBQUEUE_KINDS = {"slurm": "SLURMCluster", "pbs": "PBSCluster"}
# Dask's statistical profiler samples every thread's stack every 10 ms while holding
# the GIL; on a pure-Python model that slows each run by 10-30%. Workers we start
# run without it (workers started by hand: DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False).
# Dask also sets MALLOC_TRIM_THRESHOLD_=65536 so that workers hand memory back to the OS
# eagerly; a run's many short-lived numpy arrays then pay for it (about 5%). Our workers
# hold about 100 MB, so trimming above 128 MB is plenty.
# On a machine with as many workers as cores, Dask's own periodic work (event-loop ticks
# every 20 ms, memory checks every 100 ms, system metrics every 500 ms) takes its share
# of each core; runs last seconds, so checking every second or two is plenty.
WORKER_CONFIG = {"distributed.worker.profile.enabled": False,
                 "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": str(128 * 2**20),
                 "distributed.admin.tick.interval": "1s",
                 "distributed.worker.memory.monitor-interval": "1s",
                 "distributed.admin.system-monitor.interval": "2s"}


def worker_env_exports() -> list[str]:
    """The same settings as shell exports, for workers a batch job starts.

    (Dask lower-cases keys read from the environment, so the MALLOC_TRIM_THRESHOLD_
    entry cannot travel this way; it only tunes memory, so batch workers keep Dask's.)
    """
    return [f"export DASK_{key.upper().replace('.', '__').replace('-', '_')}={value}"
            for key, value in WORKER_CONFIG.items() if "pre-spawn-environ" not in key]


SCHEDULER_TIMEOUT = os.environ.get("CHANNELSIM_SCHEDULER_TIMEOUT", "20s")   # waiting for --scheduler to answer


class ClusterError(ChannelsimError):
    """The cluster could not be reached or configured."""


@dataclass
class SweepReport:
    planned: int
    already_done: int   # recorded before this execution and not run again (failed runs are retried)
    ran: int
    failed: int         # failures recorded once this execution ended (this time's and any not retried)
    seconds: float
    folder: Path

    @property
    def runs_per_second(self) -> float:
        return self.ran / self.seconds if self.seconds > 0 else float("nan")

    def __str__(self) -> str:
        text = (f"{self.ran} runs in {self.seconds:.1f} s ({self.runs_per_second:.2f} runs/s); "
                f"{self.already_done} of {self.planned} were already done; {self.failed} failed")
        if self.failed:
            text += " (recorded with their errors; run the same command again to retry them)"
        return f"{text}. Results: {self.folder}"


def cluster_from_file(path: str | Path):
    """A dask-jobqueue cluster (not yet scaled) and the number of jobs, from a TOML file."""
    path = Path(path)
    if not path.is_file():
        raise ClusterError(f"cluster file {path} does not exist.")
    config = read_toml(path, ClusterError)
    kind = config.get("kind")
    if kind not in JOBQUEUE_KINDS:
        raise ClusterError(f"{path}: kind must be one of {', '.join(JOBQUEUE_KINDS)}, not {kind!r}.")
    unknown = set(config) - {"kind", "jobs", "options"}
    if unknown:
        raise ClusterError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}; expected kind, jobs, [options].")
    jobs = config.get("jobs", 1)
    if not isinstance(jobs, int) or jobs < 1:
        raise ClusterError(f"{path}: jobs must be a whole number of at least 1, not {jobs!r}.")
    import dask_jobqueue

    cls = getattr(dask_jobqueue, JOBQUEUE_KINDS[kind])
    options = dict(config.get("options", {}))
    options["job_script_prologue"] = [*worker_env_exports(), *options.get("job_script_prologue", [])]
    try:
        return cls(**options), jobs
    except (TypeError, ValueError) as exc:
        raise ClusterError(f"{path}: [options] rejected by dask-jobqueue: {exc}.") from None


@contextmanager
def executor(workers: int | None = None, scheduler: str | None = None, cluster_file: str | Path | None = None,
             serial: bool = False, announce: bool = True) -> Iterator[Any]:
    """Where tasks run, for [`as_finished`][channelsim.experiments.sweeps.execute.as_finished]: a Dask client (of
    a running scheduler, of a dask-jobqueue cluster, or of a new local cluster; its dashboard announced), or
    None (``serial``) for this process, one task after another."""
    if serial:
        yield None
        return
    with ExitStack() as stack:
        client = _client(stack, workers, scheduler, cluster_file)
        if announce:
            announce_dashboard(client)
        yield client


def _client(stack: ExitStack, workers: int | None, scheduler: str | None, cluster_file: str | Path | None):
    import dask
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            return stack.enter_context(Client(scheduler, timeout=SCHEDULER_TIMEOUT))
        except (OSError, TimeoutError, ValueError) as exc:
            raise ClusterError(f"no Dask scheduler answered at {scheduler}: {exc}.") from None
    if cluster_file:
        cluster, jobs = cluster_from_file(cluster_file)
        stack.enter_context(cluster)
        cluster.scale(jobs=jobs)
        return stack.enter_context(Client(cluster))
    n = workers or os.cpu_count() or 1
    # the workers take the config they are started with, and ignore Ctrl-C (see _workers_ignore_interrupts)
    with dask.config.set(WORKER_CONFIG), _workers_ignore_interrupts():
        # the dashboard on a free port (it needs bokeh); its address is printed when the cluster starts
        cluster = stack.enter_context(LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                                   dashboard_address=":0" if _has_bokeh() else None,
                                                   silence_logs=logging.ERROR))
    return stack.enter_context(Client(cluster))


@contextmanager
def _workers_ignore_interrupts():
    """Processes started in this block ignore SIGINT (an ignored signal stays ignored in a child, and
    Python then installs no KeyboardInterrupt handler): Ctrl-C to the process group stops the sweep
    through this process only, with no traceback from every worker."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _has_bokeh() -> bool:
    try:
        import bokeh  # noqa: F401
    except ImportError:
        return False
    return True


def announce_dashboard(client) -> None:
    """Print where the Dask dashboard of ``client`` is (progress, workers, memory), or that there is none."""
    link = getattr(client, "dashboard_link", None) if _has_bokeh() else None
    print(f"Dask dashboard: {link}" if link else "Dask dashboard: none (install bokeh for one)", file=sys.stderr,
          flush=True)


def as_finished(client, fn: Callable, items: list, label: str, progress: bool, *, keys: list[str] | None = None,
                on_error: Callable | None = None) -> Iterator[tuple[int, Any]]:
    """``(index, fn(items[index]))`` as each task finishes, with a progress bar: on a Dask ``client`` (the tasks
    named ``keys``, else uniquely), or in this process in order if ``client`` is None. On Dask, a task that
    raised or took its workers down (KilledWorker) gives ``on_error(item, exception)`` if given, else raises."""
    with tqdm(total=len(items), desc=label, unit="run", disable=not progress, smoothing=0.1) as bar:
        if client is None:
            for i, item in enumerate(items):
                result = fn(item)
                bar.update()
                yield i, result
            return
        from distributed import as_completed

        futures = client.map(fn, items, key=keys, pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        for future in as_completed(futures):
            i = index[future.key]
            try:
                result = future.result()
            except Exception as exc:
                if on_error is None:
                    raise
                result = on_error(items[i], exc)
            future.release()
            bar.update()
            yield i, result


def ordered_map(client, fn: Callable, items: list, label: str, progress: bool) -> list:
    """``fn`` over ``items`` (on ``client``, as [`as_finished`][channelsim.experiments.sweeps.execute.as_finished]),
    the results in the items' order."""
    results = [None] * len(items)
    for i, result in as_finished(client, fn, items, label, progress):
        results[i] = result
    return results


def execute(sweep: Sweep, out: str | Path, *, workers: int | None = None, scheduler: str | None = None,
            cluster_file: str | Path | None = None, serial: bool = False, progress: bool | None = None,
            flush_every: int = 20, flush_seconds: float = 30.0, data_dir: str | None = None,
            retry_failed: bool = True) -> SweepReport:
    """Run what is missing of ``sweep`` into the folder ``out``."""
    return execute_plan(
        sweep.runs(data_dir=data_dir), out, name=sweep.spec.name, fingerprint=sweep.fingerprint(),
        text=sweep.path.read_text() if sweep.path else "",
        provenance={"design": sweep.spec.design, "spec": sweep.spec.model_dump(mode="json")},
        workers=workers, scheduler=scheduler, cluster_file=cluster_file, serial=serial, progress=progress,
        flush_every=flush_every, flush_seconds=flush_seconds, retry_failed=retry_failed)


def data_files(plan: list[RunSpec]) -> dict[str, str]:
    """The sha256 of each data file the runs may read (each data folder's ``core.data.DATA_FILES``
    present), keyed by its name (the folder may move); recorded in the folder's manifest, so that runs
    made from other data are never taken for these (``SweepStore.open``)."""
    from channelsim.core.data import data_dir as find_data_dir
    from channelsim.core.data import file_hashes

    files: dict[str, str] = {}
    for folder in sorted({find_data_dir(r.data_dir) for r in plan}):
        files.update(file_hashes(folder))
    return files


def execute_plan(plan: list[RunSpec], out: str | Path, *, name: str, fingerprint: str | None = None,
                 text: str = "", provenance: dict[str, Any] | None = None, workers: int | None = None,
                 scheduler: str | None = None, cluster_file: str | Path | None = None, serial: bool = False,
                 progress: bool | None = None, flush_every: int = 20,
                 flush_seconds: float = 30.0, retry_failed: bool = True) -> SweepReport:
    """Run what is missing of a list of runs into the folder ``out`` (a sweep, an ensemble, ...).

    ``fingerprint`` names what decides the runs (by default a hash of the runs
    themselves): a folder holding another fingerprint, or runs made from data files changed since
    (`data_files`), is refused, one holding
    this one is resumed, one another process is writing into is refused. Runs
    recorded as failed are run again unless ``retry_failed`` is False.
    """
    fingerprint = fingerprint or plan_fingerprint(plan)
    store = SweepStore(out)
    store.open(fingerprint, [r.run_id for r in plan], text,
               {"name": name, **(provenance or {}), **code_version(), "data_files": data_files(plan)})
    try:
        report = _execute_open(store, plan, fingerprint, name=name, workers=workers, scheduler=scheduler,
                               cluster_file=cluster_file, serial=serial, progress=progress, flush_every=flush_every,
                               flush_seconds=flush_seconds, retry_failed=retry_failed)
    except Exception:
        store.close(discard=True)   # failed having recorded nothing (no scheduler answered): no folder left
        raise
    finally:
        store.close()               # also on an interrupt: the folder stays, to be resumed
    return report


def _execute_open(store: SweepStore, plan: list[RunSpec], fingerprint: str, *, name: str, workers, scheduler,
                  cluster_file, serial: bool, progress: bool | None, flush_every: int, flush_seconds: float,
                  retry_failed: bool) -> SweepReport:
    store.remove_leftovers()
    done = {run_id for run_id, status in store.statuses().items() if status == "ok" or not retry_failed}
    todo = [r for r in plan if r.run_id not in done]
    began = time.perf_counter()
    ran = 0
    quiet = progress is False
    if progress is None:
        progress = sys.stderr.isatty()
    records: list[dict[str, Any]] = []
    series = []
    nationalities = []
    last_flush = time.monotonic()

    def take(output: RunOutput) -> None:
        nonlocal ran, last_flush
        records.append(output.record)
        series.append(output.series)
        nationalities.append(output.nationalities)
        ran += 1
        if output.record["status"] != "ok":
            tqdm.write(f"{name}: run {output.record['run_id']} failed: {output.record['error']}", file=sys.stderr)
        if len(records) >= flush_every or time.monotonic() - last_flush > flush_seconds:
            store.write(records, series, nationalities)
            records.clear()
            series.clear()
            nationalities.clear()
            last_flush = time.monotonic()

    try:
        if todo:
            with executor(workers, scheduler, cluster_file, serial, announce=not quiet) as client:
                # tasks named by sweep and run, as the dashboard shows them
                keys = [f"channelsim-{fingerprint}-{spec.run_id}" for spec in todo]
                for _, output in as_finished(client, run_one, todo, name, progress, keys=keys,
                                             on_error=failed_output):
                    take(output)
    finally:
        store.write(records, series, nationalities)  # what finished is kept, also on an interrupt
    statuses = store.statuses()
    failed = sum(statuses.get(r.run_id, "ok") != "ok" for r in plan)
    return SweepReport(planned=len(plan), already_done=len(done), ran=ran, failed=failed,
                       seconds=time.perf_counter() - began, folder=store.folder)

