"""channelsim's model: the clock, the world and what is recorded.

    from model import ChannelModel, run
    result = run("pilot_2025", seed=1, start="2025-01-01", days=365)
    result.series        # daily pandas DataFrame (columns: model.outputs.COLUMNS)
    result.plot()        # main series by week
    result.save("out/")  # CSV, Parquet, summary JSON, parameters, PNG

The layers run one way: ``core`` (parameters, scenarios, people table,
calendar, random streams, errors) <- ``agents`` <- ``model`` (this wiring)
<- ``experiments``.
"""

from core.errors import ChannelsimError
from core.params import Params
from core.scenarios import ScenarioError
from core.scenarios import available as scenarios
from core.scenarios import load as load_scenario
from model.channel_model import ChannelModel
from model.outputs import COLUMNS
from model.result import Result
from model.run import run

__all__ = ["COLUMNS", "ChannelModel", "ChannelsimError", "Params", "Result", "ScenarioError", "load_scenario",
           "run", "scenarios"]
