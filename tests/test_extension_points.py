"""Extension points: a policy schedule passed as a function or a pandas Series (the worked example of
docs/extending.md runs here)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import channelsim
from channelsim.core.errors import ChannelsimError

RUN = {"start": "2025-09-01", "days": 42, "warmup_days": 30, "seed": 2}


def test_a_series_of_weekly_returns_sets_the_quota_day_by_day():
    schedule = pd.Series([40.0, 120.0], index=pd.to_datetime(["2025-09-08", "2025-09-29"]))
    result = channelsim.run("pilot_published", returns_schedule=schedule, **RUN)
    quota = result.series.set_index("date")["returns_quota"]
    assert (quota[:"2025-09-07"] == 0).all()
    assert (quota["2025-09-08":"2025-09-28"] == 40).all()
    assert (quota["2025-09-29":] == 120).all()
    plain = channelsim.run("pilot_published", **RUN)
    assert result.series["returns"].sum() != plain.series["returns"].sum()


def test_a_function_of_the_date_sets_the_quota_and_more_returns_return_more_people():
    def surge(day: dt.date) -> float:
        return 300.0 if day >= dt.date(2025, 9, 15) else 0.0

    high = channelsim.run("pilot_published", returns_schedule=surge, **RUN)
    none = channelsim.run("pilot_published", returns_schedule=lambda day: 0.0, **RUN)
    assert (high.series.set_index("date")["returns_quota"]["2025-09-15":] == 300).all()
    assert none.series["returns"].sum() == 0
    assert high.series["returns"].sum() > 0
    again = channelsim.run("pilot_published", returns_schedule=surge, **RUN)
    pd.testing.assert_frame_equal(high.series, again.series)   # the same seed, the same run


@pytest.mark.parametrize("schedule, fragment", [
    (pd.Series([-5.0], index=pd.to_datetime(["2025-09-08"])), "at least 0"),
    (pd.Series([np.nan], index=pd.to_datetime(["2025-09-08"])), "finite"),
    (pd.Series([1.0], index=["not a date"]), "dates as its index"),
    (lambda day: "many", "function must take a date"),
    (42, "function of the date or a pandas Series"),
])
def test_a_bad_schedule_is_named(schedule, fragment):
    with pytest.raises(ChannelsimError, match=fragment):
        channelsim.ChannelModel("pilot_published", returns_schedule=schedule, start="2025-09-01", warmup_days=5)
