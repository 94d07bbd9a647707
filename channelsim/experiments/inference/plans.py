"""Posterior-predictive plans: the runs of an ensemble drawn from a calibration.

Each draw is a parameter set drawn from the posterior with its own seed; a
draw run under several scenarios keeps both (common random numbers), so the
scenarios differ only through what they set. The plans are lists of
[`RunSpec`][channelsim.experiments.sweeps.design.RunSpec], run and stored like a sweep's
([`run_ensemble`][channelsim.experiments.inference.plans.run_ensemble], through
[`experiments.sweeps.execute.execute_plan`][channelsim.experiments.sweeps.execute.execute_plan]).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from channelsim.core.calendar import parse_date
from channelsim.core.data import data_dir as find_data_dir
from channelsim.experiments.inference.posterior import Calibration
from channelsim.experiments.inference.settings import CALIBRATION_START, CALIBRATION_WARMUP_DAYS, CalibrationError
from channelsim.experiments.sweeps.design import RunSpec
from channelsim.experiments.sweeps.execute import execute_plan
from channelsim.experiments.sweeps.store import read_sweep


def posterior_runs(calibration: Calibration, scenarios: list[str], draws: int, seed: int, *, start: str,
                   days: int, warmup_days: int, outputs: tuple[str, ...], frequency: str = "daily",
                   window: tuple[str | None, str | None] = (None, None),
                   data_dir: str | None = None, variant: str | None = None,
                   overrides: dict[str, Any] | None = None) -> list[RunSpec]:
    """Posterior-predictive runs: ``draws`` parameter sets and seeds, each shared by every scenario
    (common random numbers); draw ``i`` of a scenario is run ``SCENARIO-dIIII`` at point ``i``. The draws
    come from every variant by its posterior probability, or from one ``variant``; ``overrides`` are set
    on top of every draw."""
    if isinstance(draws, bool) or not isinstance(draws, int) or draws < 1:
        raise CalibrationError(f"draws must be a whole number of at least 1, not {draws!r}.")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise CalibrationError(f"seed must be a whole number of at least 0, not {seed!r}.")
    members = [{**theta, **(overrides or {})} for theta in calibration.draws(draws, seed, variant)]
    seeds = np.random.SeedSequence(seed, spawn_key=(2,)).spawn(draws)
    return member_runs(scenarios, members, seeds, tag="d", start=start, days=days, warmup_days=warmup_days,
                       frequency=frequency, outputs=outputs, window=window, data_dir=data_dir)


def member_runs(scenarios: list[str], members: list[dict[str, Any]], seeds: list[np.random.SeedSequence], *,
                tag: str, **spec: Any) -> list[RunSpec]:
    """Member ``i`` of an ensemble under each scenario: its parameters ``members[i]`` and its seed
    ``seeds[i]``, the same in every scenario (common random numbers), run ``SCENARIO-{tag}IIII`` at point
    ``i``; ``spec``: the rest of every [`RunSpec`][channelsim.experiments.sweeps.design.RunSpec]."""
    return [RunSpec(run_id=f"{scenario}-{tag}{i:04d}", point=i, replicate=0, scenario=scenario,
                    overrides=members[i], seed_entropy=int(seq.entropy), seed_spawn_key=tuple(seq.spawn_key),
                    **spec)
            for scenario in scenarios for i, seq in enumerate(seeds)]


def window_runs(calibration: Calibration, draws: int, seed: int, outputs: tuple[str, ...],
                data_dir: str | Path | None = None) -> tuple[list[RunSpec], dt.date, dt.date]:
    """Posterior-predictive runs of the calibration's own window and scenario (as it was fitted):
    the runs, and the window's first and last day."""
    settings = calibration.provenance["settings"]
    start, end = parse_date(settings["start"], "start date"), parse_date(settings["end"], "end date")
    plan = posterior_runs(calibration, [settings["scenario"]], draws, seed, start=start.isoformat(),
                          days=(end - start).days + 1, warmup_days=settings["warmup_days"], outputs=outputs,
                          data_dir=str(find_data_dir(data_dir)))
    return plan, start, end


def history_warmup(start: dt.date) -> int:
    """Warm-up days that make a run starting on ``start`` simulate the calibrated history too."""
    return (start - CALIBRATION_START).days + CALIBRATION_WARMUP_DAYS


def run_ensemble(plan: list[RunSpec], folder: Path, *, name: str, calibration: Calibration, draws: int, seed: int,
                 provenance: dict[str, Any] | None = None, **executor) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run what is missing of an ensemble into ``folder`` (resumable, like a sweep) and read back its
    runs and series; ``executor``: where the runs go (``execute_plan``'s workers, scheduler, ...)."""
    report = execute_plan(plan, folder, name=name, provenance={"calibration": str(calibration.folder), "draws": draws,
                                                               "seed": seed, **(provenance or {})}, **executor)
    return read_sweep(report.folder)
