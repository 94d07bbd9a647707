"""channelsim's model: the clock, the world and what is recorded.

    from model import ChannelModel, run
    result = run("pilot_2025", seed=1, start="2025-01-01", days=365)
    result.series        # daily pandas DataFrame (columns: model.outputs.COLUMNS)
    result.plot()        # main series by week
    result.save("out/")  # CSV, Parquet, summary JSON, parameters, PNG

Names are imported on first use, so that ``agents`` can import
``model.params`` without importing the whole model.
"""

from importlib import import_module

_EXPORTS = {
    "ChannelModel": "model.channel_model",
    "run": "model.run",
    "Result": "model.result",
    "Params": "model.params",
    "COLUMNS": "model.outputs",
    "ChannelsimError": "model.errors",
    "ScenarioError": "model.scenarios",
    "load_scenario": ("model.scenarios", "load"),
    "scenarios": ("model.scenarios", "available"),
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    target = _EXPORTS.get(name)
    if target is None:
        raise AttributeError(f"module 'model' has no attribute {name!r}")
    module, attr = target if isinstance(target, tuple) else (target, name)
    value = getattr(import_module(module), attr)
    globals()[name] = value
    return value


def __dir__():
    return __all__
