"""channelsim: an agent-based, discrete-event model of small-boat crossings of the English Channel and of
the UK-France "one in, one out" returns pilot of 2025.

    import channelsim
    result = channelsim.run("pilot_2025", seed=1, start="2025-01-01", days=365)
    result.series        # daily pandas DataFrame, one row a day (columns: channelsim.COLUMNS)
    result.plot()        # the main series by week
    bands = channelsim.ensemble(["no_deal", "pilot_published"], draws=20)   # tidy bands, .plot()

The subpackages are layers that import one way (checked by import-linter):
[channelsim.core][] (parameters, scenarios, the people table, calendar, random streams, data) <-
[channelsim.agents][] (migrants, gangs, UK Border Force, French police) <-
[channelsim.model][] (the SimPy clock and Mesa model that wire them) <-
[channelsim.experiments][] (sweeps, calibration, validation, the CLI and the explorer).

The names below are loaded on first use, so ``import channelsim`` is cheap and
``import channelsim.core.params`` does not import Mesa.
"""

from __future__ import annotations

import importlib
from importlib import metadata as _metadata

# public name -> the module that defines it
_EXPORTS = {
    "run": "channelsim.model.run",
    "ChannelModel": "channelsim.model.channel_model",
    "Result": "channelsim.model.result",
    "COLUMNS": "channelsim.model.outputs",
    "Params": "channelsim.core.params",
    "ChannelsimError": "channelsim.core.errors",
    "ScenarioError": "channelsim.core.scenarios",
    "load_scenario": "channelsim.core.scenarios",
    "scenarios": "channelsim.core.scenarios",
    "ensemble": "channelsim.experiments.ensemble",
    "Ensemble": "channelsim.experiments.ensemble",
    # extension points (docs/extending.md)
    "BeliefRule": "channelsim.agents.beliefs",
    "register_belief_rule": "channelsim.agents.beliefs",
    "Mechanism": "channelsim.model.mechanism",
}
_RENAMED = {"load_scenario": "load", "scenarios": "available"}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'channelsim' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), _RENAMED.get(name, name))
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


try:
    __version__ = _metadata.version("channelsim")
except _metadata.PackageNotFoundError:  # pragma: no cover - running from a plain copy
    __version__ = "unknown"
