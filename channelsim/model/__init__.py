"""channelsim's model: the clock, the world and what is recorded.

    from channelsim.model import ChannelModel, run
    result = run("pilot_2025", seed=1, start="2025-01-01", days=365)
    result.series        # daily pandas DataFrame (columns: model.outputs.COLUMNS)
    result.plot()        # main series by week
    result.save("out/")  # CSV, Parquet, summary JSON, parameters, PNG

The layers run one way: ``core`` (parameters, scenarios, people table,
calendar, random streams, errors) <- ``agents`` <- ``model`` (this wiring)
<- ``experiments``.
"""

from channelsim.core.errors import ChannelsimError
from channelsim.core.params import Params
from channelsim.core.scenarios import ScenarioError
from channelsim.core.scenarios import available as scenarios
from channelsim.core.scenarios import load as load_scenario
from channelsim.model.channel_model import ChannelModel
from channelsim.model.outputs import COLUMNS
from channelsim.model.result import Result
from channelsim.model.run import run

__all__ = ["COLUMNS", "ChannelModel", "ChannelsimError", "Params", "Result", "ScenarioError", "load_scenario",
           "run", "scenarios"]

# the checkout's top-level model/ is a link to this folder, not a second package
if __name__ != "channelsim.model":
    raise ImportError("import channelsim.model, not model: the checkout's model/ links to the package's layer")
