"""Sweep designs: a TOML file that declares runs, and the design that expands it into runs.

A sweep file (the shipped ones are the ``*.toml`` files beside this module):

    name = "deterrence_curve"
    scenario = "pilot_2025"          # shipped name or path
    start = 2025-06-01
    days = 480
    design = "grid"                  # grid | lhs | sobol | salib_sobol | morris
    samples = 64                     # points (lhs, sobol) or base samples (salib_sobol, morris)
    replicates = 10                  # seeds per point, shared by every point (common random numbers)
    seed = 20250710                  # the root seed of everything
    frequency = "weekly"             # series kept: daily | weekly
    outputs = ["arrivals", "returns"]
    window = { start = 2025-09-18, end = 2026-09-17 }   # where per-run outcomes are measured

    [parameters]
    returns_per_week = [0, 50, 100]              # levels (grid)
    crackdown_intensity = { min = 0, max = 1 }   # a range (lhs, sobol, salib_sobol, morris)

    [reference]                      # optional: one run per replicate seed with these overrides
    quota_schedule = "none"          # outcomes are then also reported relative to it

Every problem is a [`SweepError`][channelsim.experiments.sweeps.design.SweepError] naming the file, the key and what is
allowed.
[`RunSpec`][channelsim.experiments.sweeps.design.RunSpec] (one run as plain data) and
[`plan_fingerprint`][channelsim.experiments.sweeps.design.plan_fingerprint] serve any
list of runs, a sweep's or an ensemble's.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import itertools
import json
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from channelsim.core.calendar import parse_date
from channelsim.core.errors import ChannelsimError
from channelsim.core.params import SECTIONS, bounds_excluded, field_bounds, leaf_index, range_text
from channelsim.core.scenarios import (
    DEFAULT_SCENARIO,
    ScenarioError,
    apply_overrides,
    explain_validation_error,
    read_toml,
)
from channelsim.core.scenarios import load as load_scenario
from channelsim.model import COLUMNS
from channelsim.model.run import DEFAULT_DAYS, DEFAULT_START, DEFAULT_WARMUP_DAYS


class SweepError(ChannelsimError):
    """A sweep file is not valid."""


class Range(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    min: float
    max: float

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if not self.min < self.max:
            raise ValueError(f"min ({self.min}) must be below max ({self.max})")
        return self


class Window(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: dt.date | None = Field(None, strict=False)   # a TOML date, or ISO text (a manifest's JSON)
    end: dt.date | None = Field(None, strict=False)


class SweepSpec(BaseModel):
    """A validated sweep file (strictly typed: `replicates = true` or `days = 4.5` are refused)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    name: str = Field(min_length=1)
    description: str = ""
    scenario: str = DEFAULT_SCENARIO
    start: dt.date = Field(DEFAULT_START, strict=False)   # a run's defaults (model.run)
    days: int = Field(DEFAULT_DAYS, ge=1)     # the last day is checked against the supported dates
    warmup_days: int = Field(DEFAULT_WARMUP_DAYS, ge=0, le=3650)
    design: Literal["grid", "lhs", "sobol", "salib_sobol", "morris"] = "grid"
    samples: int = Field(16, ge=1, le=1_000_000)
    second_order: bool = False
    morris_levels: int = Field(4, ge=2, le=20)
    replicates: int = Field(1, ge=1, le=10_000)
    seed: int = Field(0, ge=0)
    frequency: Literal["daily", "weekly"] = "weekly"
    outputs: list[str] = Field(default_factory=lambda: ["arrivals", "returns", "deaths", "prevented_people"])
    window: Window = Window()
    parameters: dict[str, list[Any] | Range] = Field(min_length=1)
    reference: dict[str, Any] | None = None


@dataclass(frozen=True)
class RunSpec:
    """Everything one run needs, as plain data (picklable, and the same wherever it runs)."""

    run_id: str
    point: int                      # design point (-1 for the reference run)
    replicate: int
    scenario: str
    overrides: dict[str, Any]
    seed_entropy: int
    seed_spawn_key: tuple[int, ...]
    start: str
    days: int
    warmup_days: int
    frequency: str
    outputs: tuple[str, ...]
    window: tuple[str | None, str | None]
    data_dir: str | None = None


def plan_fingerprint(plan: list[RunSpec]) -> str:
    """A short hash of everything that decides a list of runs (not where the data are read from)."""
    decisive = [{k: v for k, v in asdict(r).items() if k != "data_dir"} for r in plan]
    return hashlib.sha256(json.dumps(decisive, sort_keys=True, default=str).encode()).hexdigest()[:16]


@dataclass
class Sweep:
    """A sweep file read, validated and expanded into its design."""

    spec: SweepSpec
    path: Path | None
    points: list[dict[str, Any]] = field(default_factory=list)
    design_matrix: np.ndarray | None = None   # the sampler's own matrix (SALib order), for analysis

    @property
    def parameter_names(self) -> list[str]:
        return list(self.spec.parameters)

    def salib_problem(self) -> dict[str, Any]:
        """SALib's description of the swept ranges (a ``salib_sobol`` or ``morris`` sweep)."""
        return _salib_problem(self.spec)

    def fingerprint(self) -> str:
        """Hash of what decides the runs (not of how they are executed)."""
        text = json.dumps(self.spec.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def runs(self, data_dir: str | None = None) -> list[RunSpec]:
        """Every run: each design point with each replicate seed, and the reference runs."""
        s = self.spec
        seeds = np.random.SeedSequence(s.seed, spawn_key=(1,)).spawn(s.replicates)
        common = dict(scenario=s.scenario, start=s.start.isoformat(), days=s.days, warmup_days=s.warmup_days,
                      frequency=s.frequency, outputs=tuple(s.outputs),
                      window=(_iso(s.window.start), _iso(s.window.end)), data_dir=data_dir)
        out = []
        for r, seq in enumerate(seeds):
            if s.reference is not None:
                out.append(RunSpec(run_id=f"ref-r{r:04d}", point=-1, replicate=r, overrides=dict(s.reference),
                                   seed_entropy=int(seq.entropy), seed_spawn_key=tuple(seq.spawn_key), **common))
            for p, values in enumerate(self.points):
                out.append(RunSpec(run_id=f"p{p:06d}-r{r:04d}", point=p, replicate=r, overrides=dict(values),
                                   seed_entropy=int(seq.entropy), seed_spawn_key=tuple(seq.spawn_key), **common))
        return out


def _iso(d: dt.date | None) -> str | None:
    return None if d is None else d.isoformat()


def sweep_dir() -> Path:
    """Folder of the shipped sweep files (package data beside this module)."""
    return Path(str(resources.files("channelsim.experiments.sweeps")))


def load_sweep(source: str | Path, *, samples: int | None = None, replicates: int | None = None) -> Sweep:
    """Read and validate a sweep file (shipped name or path); ``samples``/``replicates`` shrink it for a test."""
    path = Path(source)
    if not path.is_file():
        shipped = sweep_dir() / f"{source}.toml"
        if shipped.is_file():
            path = shipped
        else:
            names = sorted(p.stem for p in sweep_dir().glob("*.toml"))
            raise SweepError(f"sweep file {str(source)!r} does not exist; shipped sweeps: {', '.join(names)}.")
    data = read_toml(path, SweepError)
    data.setdefault("name", path.stem)
    if samples is not None:
        data["samples"] = samples
    if replicates is not None:
        data["replicates"] = replicates
    return expand(data, origin=str(path), path=path)


def expand(data: dict[str, Any], origin: str = "sweep", path: Path | None = None) -> Sweep:
    """Validate a sweep given as a dict and compute its design points."""
    for key in data:
        if key not in SweepSpec.model_fields:
            near = difflib.get_close_matches(key, list(SweepSpec.model_fields), n=1)
            hint = f" Did you mean {near[0]!r}?" if near else ""
            raise SweepError(f"{origin}: unknown key {key!r}.{hint}")
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as exc:
        raise SweepError(f"{origin}: {explain_validation_error(exc, whole='sweep')}") from None
    _check_dates(spec, origin)
    _check_parameters(spec, origin)
    _check_outputs(spec, origin)
    sweep = Sweep(spec=spec, path=path)
    sweep.points, sweep.design_matrix = _design(spec, origin)
    _check_values(spec, sweep.points, _base_params(spec, origin), origin)
    return sweep


def _check_values(spec: SweepSpec, points: list[dict[str, Any]], base, origin: str) -> None:
    """Every value a run will be given is valid: the reference, every point of a grid (so every level,
    and the checks across parameters, such as an announcement after the returns start), and of a
    sampled design each range's ends (as the sampler types them) and its first and last points."""
    checks = [(spec.reference, "[reference]")] if spec.reference else []
    if spec.design == "grid":
        checks += [(point, "[parameters]") for point in points]
    else:
        checks += [(_typed([name], np.array([end])), "[parameters]") for name, values in spec.parameters.items()
                   for end in (values.min, values.max)]
        checks += [(point, "design point") for point in points[:1] + points[-1:]]
    for values, what in checks:
        try:
            apply_overrides(base, values, origin=f"{origin}: {what}")
        except ScenarioError as exc:
            raise SweepError(str(exc)) from None


def from_folder(folder: str | Path) -> Sweep:
    """The sweep a folder holds, as it was run (from its manifest)."""
    manifest = Path(folder) / "manifest.json"
    if not manifest.is_file():
        raise SweepError(f"{folder} is not a sweep folder (no manifest.json).")
    try:
        spec = json.loads(manifest.read_text())["spec"]
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise SweepError(f"{manifest} is not a sweep's manifest (JSON with the sweep's 'spec'); "
                         f"{folder} is not a sweep folder.") from None
    return expand(spec, origin=str(manifest))


def _base_params(spec: SweepSpec, origin: str):
    try:
        return load_scenario(spec.scenario)
    except ScenarioError as exc:
        raise SweepError(f"{origin}: scenario: {exc}") from None


def _check_dates(spec: SweepSpec, origin: str) -> None:
    """The runs' first and last days, and the window's, are dates the model supports."""
    try:
        parse_date(spec.start, "start")
        last = spec.start + dt.timedelta(days=min(spec.days, 10**6) - 1)
        parse_date(last, "the last day (start + days - 1)")
        for what, day in (("window.start", spec.window.start), ("window.end", spec.window.end)):
            if day is not None:
                parse_date(day, what)
    except (ChannelsimError, OverflowError) as exc:
        raise SweepError(f"{origin}: {exc}") from None
    first, final = spec.window.start or spec.start, spec.window.end or last
    if final < first:
        raise SweepError(f"{origin}: window ends ({final}) before it starts ({first}).")
    if first < spec.start or final > last:
        raise SweepError(f"{origin}: window {first} to {final} leaves the runs ({spec.start} to {last}): "
                         "outcomes are measured on days that are run.")


def _check_parameters(spec: SweepSpec, origin: str) -> None:
    index = leaf_index()
    for name, values in spec.parameters.items():
        if name not in index:
            near = difflib.get_close_matches(name, list(index), n=1)
            hint = f" Did you mean {near[0]!r}?" if near else ""
            raise SweepError(f"{origin}: [parameters] unknown parameter {name!r}.{hint}")
        ranged = isinstance(values, Range)
        if spec.design == "grid" and ranged:
            raise SweepError(f"{origin}: [parameters] {name}: the grid design needs a list of levels, not a range.")
        if spec.design != "grid" and not ranged:
            raise SweepError(f"{origin}: [parameters] {name}: the {spec.design} design needs a range "
                             f"{{ min = ..., max = ... }}, not a list of levels.")
        if not ranged and len(values) == 0:
            raise SweepError(f"{origin}: [parameters] {name}: give at least one level.")
        if ranged:
            field = SECTIONS[index[name]].model_fields[name]
            if field.annotation not in (int, float):
                raise SweepError(f"{origin}: [parameters] {name}: a range needs a numeric parameter; give "
                                 "levels (a list) instead.")
            lo, hi = field_bounds(field)
            low_out, high_out = bounds_excluded(field)
            if (lo is not None and (values.min < lo or (low_out and values.min == lo))) or (
                    hi is not None and (values.max > hi or (high_out and values.max == hi))):
                raise SweepError(f"{origin}: [parameters] {name}: range {values.min} to {values.max} leaves the "
                                 f"allowed {range_text(field)}.")
    if spec.reference is not None:
        unknown = [k for k in spec.reference if k not in index]
        if unknown:
            raise SweepError(f"{origin}: [reference] unknown parameter {unknown[0]!r}.")


def _check_outputs(spec: SweepSpec, origin: str) -> None:
    for name in spec.outputs:
        if name not in COLUMNS or name == "date":
            near = difflib.get_close_matches(name, list(COLUMNS), n=1)
            hint = f" Did you mean {near[0]!r}?" if near else ""
            raise SweepError(f"{origin}: outputs: unknown column {name!r}.{hint}")


def _design(spec: SweepSpec, origin: str) -> tuple[list[dict[str, Any]], np.ndarray | None]:
    names = list(spec.parameters)
    rng_seed = np.random.SeedSequence(spec.seed, spawn_key=(0,))
    if spec.design == "grid":
        levels = [spec.parameters[n] for n in names]
        return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*levels)], None
    # the samplers load scipy.stats and SALib (seconds), so only when a design needs them
    if spec.design in ("lhs", "sobol"):
        from scipy.stats import qmc

        gen = np.random.default_rng(rng_seed)
        d = len(names)
        sampler = qmc.LatinHypercube(d=d, rng=gen) if spec.design == "lhs" else qmc.Sobol(d=d, rng=gen)
        lo = [spec.parameters[n].min for n in names]
        hi = [spec.parameters[n].max for n in names]
        matrix = qmc.scale(sampler.random(spec.samples), lo, hi)
    elif spec.design == "salib_sobol":
        from SALib.sample import sobol as salib_sobol

        if spec.samples & (spec.samples - 1):
            raise SweepError(f"{origin}: samples = {spec.samples}: SALib's Sobol design needs a power of 2.")
        matrix = salib_sobol.sample(_salib_problem(spec), spec.samples, calc_second_order=spec.second_order,
                                    seed=int(rng_seed.generate_state(1)[0]))
    else:  # morris
        from SALib.sample import morris as salib_morris

        matrix = salib_morris.sample(_salib_problem(spec), spec.samples, num_levels=spec.morris_levels,
                                     seed=int(rng_seed.generate_state(1)[0]))
    return [_typed(names, row) for row in matrix], matrix


def _salib_problem(spec: SweepSpec) -> dict[str, Any]:
    ranges = spec.parameters
    return {"num_vars": len(ranges), "names": list(ranges), "bounds": [[r.min, r.max] for r in ranges.values()]}


def _typed(names: list[str], row: np.ndarray) -> dict[str, Any]:
    """A design row as parameter values of each parameter's own type (whole numbers rounded)."""
    index = leaf_index()
    out = {}
    for name, value in zip(names, row, strict=True):
        annotation = SECTIONS[index[name]].model_fields[name].annotation
        out[name] = int(round(float(value))) if annotation is int else float(value)
    return out
