"""channelsim's model: the clock, the world and what is recorded.

    from model import ChannelModel, run
    result = run("pilot_2025", seed=1, start="2025-01-01", days=365)
    result.series        # daily pandas DataFrame (columns: model.outputs.COLUMNS)
    result.plot()        # main series by week
    result.save("out/")  # CSV, Parquet, summary JSON, parameters, PNG
"""

from model.channel_model import ChannelModel
from model.errors import ChannelsimError
from model.outputs import COLUMNS
from model.params import Params
from model.result import Result
from model.run import run
from model.scenarios import ScenarioError, available as scenarios, load as load_scenario

__all__ = ["COLUMNS", "ChannelModel", "ChannelsimError", "Params", "Result", "ScenarioError", "load_scenario",
           "run", "scenarios"]
