"""Mechanisms of your own, on the model's SimPy clock.

A [`Mechanism`][channelsim.model.mechanism.Mechanism] is to channelsim what a module is to Starsim or an
agent to Mesa: a part of the model with its own state, its own SimPy processes and its own random
stream, added without editing the model. Pass instances to
``ChannelModel(mechanisms=[...])`` or ``channelsim.run(..., mechanisms=[...])``; each model starts its own
copy of each (``model.mechanisms``), so an instance can be given to any number of models.

A subclass sets

- ``name``: an identifier, unique in the model. It names the mechanism's random stream
  (``self.rng``, set before ``start``), independent of every other stream: a mechanism that draws
  changes no other draw, so runs with and without it keep common random numbers;
- ``columns``: the columns it adds to the day's record (none by default), each given for the day
  just ended by ``record(model)`` as a finite number;
- ``flows``: those of its columns that count something a day (summed by week, like the model's
  flows; the others, states, are averaged);

and writes ``start(model)``, called once when the model is built (after the shipped actors, before
the warm-up). It starts the mechanism's SimPy processes with ``model.env.process(...)`` and sets up
its state there. The day on the clock: at 0.0 (midnight) people arrive, hear the news and choose; at
0.5 (noon) gangs review prices on Mondays and Border Force removes detainees on the removal weekday;
at 0.75 the night's weather is known, and boats set out through the night. A process acting at 06:00
first yields ``model.env.timeout(0.25)``. docs/extending.md has a worked example.
"""

from __future__ import annotations

import copy
import math

import numpy as np

from channelsim.core.errors import ChannelsimError
from channelsim.model.outputs import COLUMNS

# ``model`` below is the [`ChannelModel`][channelsim.model.channel_model.ChannelModel] (not imported here:
# the model imports this module). Column names the outputs use already, besides COLUMNS:
RESERVED_COLUMNS = frozenset({"days", "run_id", "scenario", "seed", "replicate"})


class Mechanism:
    """A mechanism added to a model: subclass, set ``name`` (and ``columns``, ``flows``), write ``start``."""

    name: str = ""
    columns: tuple[str, ...] = ()
    flows: tuple[str, ...] = ()
    rng: np.random.Generator

    def start(self, model) -> None:
        """Start the mechanism's SimPy processes on ``model.env`` and set up its state."""
        raise NotImplementedError(f"{type(self).__name__} must define start(model)")

    def record(self, model) -> dict[str, float]:
        """The day just ended's value of each of ``columns``."""
        return {}


def start_mechanisms(model, mechanisms) -> list[Mechanism]:
    """Check ``mechanisms`` (one, or a list), give a copy of each its random stream, and start them in order."""
    if isinstance(mechanisms, Mechanism):
        mechanisms = [mechanisms]
    mechanisms = list(mechanisms or ())
    names: set[str] = set()
    columns: set[str] = set()
    for m in mechanisms:
        if not isinstance(m, Mechanism):
            raise ChannelsimError(f"mechanisms must be Mechanism instances (channelsim.Mechanism), not {m!r}.")
        if not isinstance(m.name, str) or not m.name.isidentifier() or m.name in names:
            raise ChannelsimError(f"mechanism {type(m).__name__} needs a name of its own (an identifier, "
                                  f"unique in the model), not {m.name!r}.")
        names.add(m.name)
        if not isinstance(m.columns, tuple | list) or not isinstance(m.flows, tuple | list):
            raise ChannelsimError(f"mechanism {m.name!r}: columns and flows are tuples of names, not "
                                  f"{m.columns!r} and {m.flows!r}.")
        for column in m.columns:
            if (not isinstance(column, str) or not column.isidentifier() or column in COLUMNS
                    or column in RESERVED_COLUMNS or column in columns):
                raise ChannelsimError(f"mechanism {m.name!r}: column {column!r} is not a new column name.")
            columns.add(column)
        if not set(m.flows) <= set(m.columns):
            raise ChannelsimError(f"mechanism {m.name!r}: flows {sorted(set(m.flows) - set(m.columns))} are not "
                                  "among its columns.")
    started = [copy.deepcopy(m) for m in mechanisms]   # the model's own: a shared instance stays untouched
    for m in started:
        m.described = described(m)   # before it starts: what it was given
        m.rng = model.streams.stream(f"mechanism:{m.name}")
        m.start(model)
    return started


def record_mechanisms(model, mechanisms: list[Mechanism]) -> None:
    """Add each mechanism's columns to the day's record (``model.record``), each checked to be a number."""
    for m in mechanisms:
        values = m.record(model)
        if not isinstance(values, dict) or set(values) != set(m.columns):
            got = sorted(values) if isinstance(values, dict) else type(values).__name__
            raise ChannelsimError(f"mechanism {m.name!r} recorded {got}, not its columns {sorted(m.columns)}.")
        for column in m.columns:
            try:
                value = float(values[column])
            except (TypeError, ValueError):
                value = math.nan
            if not math.isfinite(value):
                raise ChannelsimError(f"mechanism {m.name!r}: column {column!r} is {values[column]!r} on "
                                      f"{model.calendar.date(model.day - 1)}, not a finite number.")
            model.record[column] = value


def described(m: Mechanism) -> str:
    """The mechanism's class and settings (its public attributes), for a run's provenance."""
    settings = ", ".join(f"{k}={v!r}" for k, v in vars(m).items() if not k.startswith("_") and k != "rng")
    return f"{type(m).__module__}.{type(m).__qualname__}({settings})"


def flow_columns(mechanisms: list[Mechanism]) -> list[str]:
    """The mechanisms' columns that count something a day (summed by week)."""
    return [column for m in mechanisms for column in m.flows]
