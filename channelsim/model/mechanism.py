"""Mechanisms of your own, on the model's SimPy clock.

A [`Mechanism`][channelsim.model.mechanism.Mechanism] is to channelsim what a module is to Starsim or an
agent to Mesa: a part of the model with its own state, its own SimPy processes and its own random
stream, added without editing the model. Pass instances to
``ChannelModel(mechanisms=[...])`` or ``channelsim.run(..., mechanisms=[...])``.

A subclass sets

- ``name``: an identifier, unique in the model. It names the mechanism's random stream
  (``self.rng``, set before ``start``), independent of every other stream: a mechanism that draws
  changes no other draw, so runs with and without it keep common random numbers;
- ``columns``: the columns it adds to the day's record (none by default), each given for the day
  just ended by ``record(model)``;

and writes ``start(model)``, called once when the model is built (after the shipped actors, before
the warm-up). It starts the mechanism's SimPy processes with ``model.env.process(...)`` and sets up
its state there, so that an instance can start again in another model. The day on the clock: at
0.0 (midnight) people arrive, hear the news and choose; at 0.5 (noon) gangs review prices and Border
Force removes detainees; at 0.75 the night's weather is known and boats set out. A process acting at
06:00 first yields ``model.env.timeout(0.25)``. docs/extending.md has a worked example.
"""

from __future__ import annotations

import numpy as np

from channelsim.core.errors import ChannelsimError
from channelsim.model.outputs import COLUMNS

# ``model`` below is the [`ChannelModel`][channelsim.model.channel_model.ChannelModel] (not imported here:
# the model imports this module)

class Mechanism:
    """A mechanism added to a model: subclass, set ``name`` (and ``columns``), write ``start``."""

    name: str = ""
    columns: tuple[str, ...] = ()
    rng: np.random.Generator

    def start(self, model) -> None:
        """Start the mechanism's SimPy processes on ``model.env`` and set up its state."""
        raise NotImplementedError(f"{type(self).__name__} must define start(model)")

    def record(self, model) -> dict[str, float]:
        """The day just ended's value of each of ``columns``."""
        return {}


def start_mechanisms(model, mechanisms) -> list[Mechanism]:
    """Check ``mechanisms``, give each its random stream, and start them in order."""
    mechanisms = list(mechanisms or ())
    names: set[str] = set()
    columns: set[str] = set()
    for m in mechanisms:
        if not isinstance(m, Mechanism):
            raise ChannelsimError(f"mechanisms must be Mechanism instances (channelsim.model.mechanism), "
                                  f"not {m!r}.")
        if not isinstance(m.name, str) or not m.name.isidentifier() or m.name in names:
            raise ChannelsimError(f"mechanism {type(m).__name__} needs a name of its own (an identifier, "
                                  f"unique in the model), not {m.name!r}.")
        names.add(m.name)
        for column in m.columns:
            if column in COLUMNS or column in columns or not str(column).isidentifier():
                raise ChannelsimError(f"mechanism {m.name!r}: column {column!r} is not a new column name.")
            columns.add(column)
    for m in mechanisms:
        m.rng = model.streams.stream(f"mechanism:{m.name}")
        m.start(model)
    return mechanisms


def record_mechanisms(model, mechanisms: list[Mechanism]) -> None:
    """Add each mechanism's columns to the day's record (``model.record``)."""
    for m in mechanisms:
        values = m.record(model)
        if set(values) != set(m.columns):
            raise ChannelsimError(f"mechanism {m.name!r} recorded {sorted(values)}, not its columns "
                                  f"{sorted(m.columns)}.")
        model.record.update({column: float(values[column]) for column in m.columns})
