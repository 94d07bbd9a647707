"""One run of a sweep: plain data in, plain data out.

:func:`run_one` builds the model from a :class:`~experiments.sweep.RunSpec`,
runs it through the model's public API and returns a :class:`RunOutput` (a
record of the run and its series). A live model cannot be pickled; this can,
and nothing in it depends on where it runs: the seed is in the spec. A run
that raises is returned as failed, with its error, so that a sweep goes on.
"""

from __future__ import annotations

import functools
import subprocess
import time
import traceback
from pathlib import Path
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from experiments.sweep import RunSpec
from model.result import summarise
from core.scenarios import scenario_hash


@functools.cache
def code_version() -> dict[str, str]:
    """The package version and git commit of the code that runs (on this worker)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        package = version("channelsim")
    except PackageNotFoundError:  # pragma: no cover
        package = "unknown"
    checkout = Path(__file__).resolve().parents[1]
    try:
        commit = subprocess.run(["git", "-C", str(checkout), "rev-parse", "HEAD"], capture_output=True, text=True,
                                timeout=10).stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        commit = "unknown"
    return {"package_version": package, "git_commit": commit}


@dataclass
class RunOutput:
    record: dict[str, Any]      # one row of the runs table
    series: pd.DataFrame        # the kept series (run_id, date, outputs), empty if the run failed


def outcomes(series: pd.DataFrame, window: tuple[str | None, str | None]) -> dict[str, float]:
    """Per-run outcomes: the run's summary (:func:`model.result.summarise`) over the window."""
    s = series
    if window[0]:
        s = s[s["date"] >= pd.Timestamp(window[0])]
    if window[1]:
        s = s[s["date"] <= pd.Timestamp(window[1])]
    return summarise(s)


def run_one(spec: RunSpec) -> RunOutput:
    """Run one spec; never raises for a failing model run (the failure is recorded)."""
    from model import run

    record: dict[str, Any] = {
        "run_id": spec.run_id, "point": spec.point, "replicate": spec.replicate,
        **{f"param_{k}": v for k, v in spec.overrides.items()},
        "seed_entropy": str(spec.seed_entropy), "seed_spawn_key": ",".join(map(str, spec.seed_spawn_key)),
        "scenario": spec.scenario, "scenario_hash": "", **code_version(),
    }
    began = time.perf_counter()
    try:
        seed = np.random.SeedSequence(spec.seed_entropy, spawn_key=spec.seed_spawn_key)
        result = run(spec.scenario, seed=seed, start=spec.start, days=spec.days, warmup_days=spec.warmup_days,
                     data_dir=spec.data_dir, **spec.overrides)
    except Exception as exc:  # recorded, so that the sweep goes on
        record.update(status="failed", error=f"{type(exc).__name__}: {exc}",
                      traceback="".join(traceback.format_exception(exc))[-4000:],
                      wall_seconds=time.perf_counter() - began)
        return RunOutput(record, pd.DataFrame())
    record.update(status="ok", error="", traceback="", wall_seconds=time.perf_counter() - began,
                  scenario_hash=scenario_hash(result.params))
    record.update({f"out_{k}": v for k, v in outcomes(result.series, spec.window).items()})
    if spec.frequency == "weekly":
        kept = result.weekly(complete_only=True)[list(spec.outputs)].reset_index()
    else:
        kept = result.series[["date", *spec.outputs]]
    kept.insert(0, "run_id", spec.run_id)
    return RunOutput(record, kept.reset_index(drop=True))
