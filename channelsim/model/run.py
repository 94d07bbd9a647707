"""One call to run a scenario and get a [`Result`][channelsim.model.result.Result]."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

from channelsim.agents.beliefs import is_shipped
from channelsim.core.calendar import parse_date
from channelsim.core.errors import ChannelsimError
from channelsim.core.params import LAST_DATE, Params
from channelsim.core.random import SeedLike, seed_or_rng
from channelsim.core.versions import code_version
from channelsim.model.channel_model import DEFAULT_START, DEFAULT_WARMUP_DAYS, ChannelModel
from channelsim.model.mechanism import flow_columns
from channelsim.model.result import Result

# run()'s defaults: the model's start date and warm-up, and a year
DEFAULT_DAYS = 365
__all__ = ["DEFAULT_DAYS", "DEFAULT_START", "DEFAULT_WARMUP_DAYS", "run"]


def run(scenario: str | Path | Params | None = None, *, seed: SeedLike = 1,
        start: str | dt.date | None = None, days: int | None = None, end: str | dt.date | None = None,
        warmup_days: int = DEFAULT_WARMUP_DAYS, data_dir: str | Path | None = None,
        progress: bool = False, rng: SeedLike = None, **overrides: object) -> Result:
    """Run ``scenario`` (name, TOML path or Params) from ``start`` for ``days`` (or to ``end``, inclusive).

    ``rng`` is the same as ``seed`` (as [`ChannelModel`][channelsim.model.channel_model.ChannelModel] names
    it): give one (``rng`` with the default ``seed`` of 1 uses ``rng``; with another seed it is an error)."""
    start_date = parse_date(start or DEFAULT_START, "start date")
    n_days = run_length(start_date, days, end)
    began = time.perf_counter()
    model = ChannelModel(scenario, rng=seed_or_rng(None if rng is not None and seed == 1 else seed, rng),
                         start=start_date, warmup_days=warmup_days, data_dir=data_dir,
                         **overrides)
    if progress:
        from tqdm import tqdm

        for _ in tqdm(range(n_days), desc=model.params.name, unit="day", mininterval=0.5):
            model.step()
    else:
        model.run_for(n_days)
    series = model.datacollector.get_model_vars_dataframe().reset_index()   # the date a column
    extensions = {}   # what params.toml cannot repeat: the run's mechanisms and a belief rule of your own
    if model.mechanisms:
        extensions["mechanisms"] = [m.described for m in model.mechanisms]
        extensions["mechanism_flows"] = flow_columns(model.mechanisms)
    if not is_shipped(model.beliefs):
        extensions["belief_rule_class"] = f"{type(model.beliefs).__module__}.{type(model.beliefs).__qualname__}"
    return Result(series=series, params=model.params, seed=int(model.seed), start=str(start_date), days=n_days,
                  meta={"warmup_days": model.warmup_days, "wall_seconds": round(time.perf_counter() - began, 3),
                        **extensions, **code_version()}, nationalities=model.nationality_series(),
                  data_dir=None if data_dir is None else str(data_dir))


def run_length(start: dt.date, days: int | None, end) -> int:
    """The days a run from ``start`` records: ``days``, or to ``end`` inclusive (one of the two; by default
    DEFAULT_DAYS), checked to end by the last supported date."""
    if days is not None and end is not None:
        raise ChannelsimError("give either days or end, not both.")
    if end is not None:
        end_date = parse_date(end, "end date")
        if end_date < start:
            raise ChannelsimError(f"end date {end_date} is before the start date {start}.")
        days = (end_date - start).days + 1
    days = DEFAULT_DAYS if days is None else days
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ChannelsimError(f"days must be a whole number of at least 1, not {days!r}.")
    if start + dt.timedelta(days=days - 1) > LAST_DATE:
        raise ChannelsimError(f"the run would end after {LAST_DATE}, the last supported date.")
    return days
