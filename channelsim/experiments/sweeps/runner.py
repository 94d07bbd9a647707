"""One run of a sweep or an ensemble: plain data in, plain data out.

[`run_one`][channelsim.experiments.sweeps.runner.run_one] builds the model from a
[`RunSpec`][channelsim.experiments.sweeps.design.RunSpec],
runs it through the model's public API and returns a `RunOutput` (a
record of the run, its series, and its flows by nationality group summed by
month, [`nationality_totals`][channelsim.experiments.sweeps.runner.nationality_totals]). A live model cannot be pickled;
this can,
and nothing in it depends on where it runs: the seed is in the spec. A run
that raises is returned as failed, with its error, so that a sweep goes on.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from channelsim.core.scenarios import scenario_hash
from channelsim.core.versions import code_version
from channelsim.experiments.sweeps.design import RunSpec
from channelsim.model import run
from channelsim.model.outputs import FLOWS
from channelsim.model.result import summarise


@dataclass
class RunOutput:
    record: dict[str, Any]      # one row of the runs table
    series: pd.DataFrame        # the kept series (run_id, date, outputs), empty if the run failed
    # flows by nationality group and month (run_id, month, nationality, days, flows), empty if the run failed
    nationalities: pd.DataFrame = field(default_factory=pd.DataFrame)


def in_window(series: pd.DataFrame, window: tuple[str | None, str | None]) -> pd.DataFrame:
    """The days of a daily series inside the window (either end may be open)."""
    s = series
    if window[0]:
        s = s[s["date"] >= pd.Timestamp(window[0])]
    if window[1]:
        s = s[s["date"] <= pd.Timestamp(window[1])]
    return s


def window_totals(series: pd.DataFrame, outputs: tuple[str, ...]) -> dict[str, float]:
    """Each kept output over the days of ``series`` (the window's, whatever the frequency stored):
    ``total_<output>``, a flow (a count a day) summed, a stock or belief averaged (``model.outputs.FLOWS``)."""
    return {f"total_{c}": float(series[c].sum() if c in FLOWS else series[c].mean()) for c in outputs}


def nationality_totals(nationalities: pd.DataFrame | None, run_id: str) -> pd.DataFrame:
    """A run's daily flows by nationality group (`model.Result.nationalities`) summed by calendar
    month: one row a month and group, ``month`` its first day, ``days`` the run's days in it (the first
    and last months may be partial). Summed over the groups, each flow is the run's series total."""
    if nationalities is None or nationalities.empty:
        return pd.DataFrame()
    flows = [c for c in nationalities.columns if c not in ("date", "nationality")]
    frame = nationalities.assign(month=nationalities["date"].dt.to_period("M").dt.to_timestamp(),
                                 nationality=nationalities["nationality"].astype(str))
    out = frame.groupby(["month", "nationality"], sort=True).agg(days=("date", "size"),
                                                                  **{f: (f, "sum") for f in flows})
    out = out.reset_index()
    out.insert(0, "run_id", run_id)
    return out


def failed_output(spec: RunSpec, error: BaseException, seconds: float | None = None) -> RunOutput:
    """The record of a run that did not finish (it raised, or took its worker down)."""
    record: dict[str, Any] = {"run_id": spec.run_id, "point": spec.point, "replicate": spec.replicate,
                              "status": "failed", "error": f"{type(error).__name__}: {error}"}
    if seconds is not None:
        record.update(traceback="".join(traceback.format_exception(error))[-4000:], wall_seconds=seconds)
    return RunOutput(record, pd.DataFrame())


def run_one(spec: RunSpec) -> RunOutput:
    """Run one spec; never raises for a failing model run (the failure is recorded)."""
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
        failed = failed_output(spec, exc, time.perf_counter() - began)
        return RunOutput({**record, **failed.record}, failed.series)
    record.update(status="ok", error="", traceback="", wall_seconds=time.perf_counter() - began,
                  scenario_hash=scenario_hash(result.params))
    days = in_window(result.series, spec.window)
    record.update({f"out_{k}": v for k, v in summarise(days).items()})
    record.update(window_totals(days, spec.outputs))
    if spec.frequency == "weekly":
        kept = result.weekly(complete_only=True)[list(spec.outputs)].reset_index()
    else:
        kept = result.series[["date", *spec.outputs]]
    kept.insert(0, "run_id", spec.run_id)
    return RunOutput(record, kept.reset_index(drop=True), nationality_totals(result.nationalities, spec.run_id))
