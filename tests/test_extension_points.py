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


# --- a belief rule of your own, and a mechanism on the SimPy clock (channelsim/experiments/examples/extensions.py)

PILOT = {"start": "2025-08-01", "days": 120, "warmup_days": 120, "seed": 3}


def test_a_registered_belief_rule_is_named_by_scenarios_and_believes_only_what_is_seen():
    from channelsim.core.params import choices
    from channelsim.experiments.examples.extensions import ObservedRate

    assert "observed_rate" in choices("beliefs", "belief_rule")
    seen = channelsim.run("pilot_published", belief_rule=ObservedRate.name, **PILOT)
    told = channelsim.run("pilot_published", **PILOT)
    assert seen.params.beliefs.belief_rule == "observed_rate"
    belief = seen.series.set_index("date")["perceived_return_probability"]
    amplified = told.series.set_index("date")["perceived_return_probability"]
    # no announcement and no stories: after the pilot starts, belief stays below the bayesian rule's
    assert (belief["2025-10-01":] < amplified["2025-10-01":]).all()
    assert belief.std() > 0   # it moves with what is seen
    again = channelsim.run("pilot_published", belief_rule="observed_rate", **PILOT)
    pd.testing.assert_frame_equal(seen.series, again.series)


def test_an_unknown_belief_rule_is_named_with_the_known_ones():
    with pytest.raises(ChannelsimError, match=r"'gossip' is not a belief rule.*'bayesian', 'trust'"):
        channelsim.run("pilot_published", belief_rule="gossip", days=5)


@pytest.mark.parametrize("rule, fragment", [
    (dict, "subclass of BeliefRule"),
    (type("Nameless", (channelsim.BeliefRule,), {}), "needs a name"),
    (type("Again", (channelsim.BeliefRule,), {"name": "trust"}), "shipped belief rule"),
])
def test_a_bad_belief_rule_is_refused_at_registration(rule, fragment):
    with pytest.raises(ChannelsimError, match=fragment):
        channelsim.register_belief_rule(rule)


def test_a_mechanism_runs_on_the_clock_records_its_column_and_keeps_common_random_numbers():
    from channelsim.experiments.examples.extensions import CampClearances

    plain = channelsim.run("pilot_published", **PILOT)
    idle = channelsim.run("pilot_published", mechanisms=[CampClearances(share=0.0)], **PILOT)
    # a mechanism that moves no one changes no draw of the rest of the model
    pd.testing.assert_frame_equal(idle.series.drop(columns="cleared"), plain.series)
    cleared = channelsim.run("pilot_published", mechanisms=[CampClearances(every_days=7, share=0.5)], **PILOT)
    days = cleared.series.set_index("date")["cleared"]
    assert (days > 0).sum() in (17, 18) and (days[days > 0].index.to_series().diff().dropna().dt.days == 7).all()
    # the ledger counts the cleared among those gone elsewhere (fewer then leave of their own accord)
    assert cleared.series["left_elsewhere"].sum() >= days.sum() > 0
    assert cleared.series["left_elsewhere"].sum() > plain.series["left_elsewhere"].sum()
    assert cleared.series["arrivals"].sum() < plain.series["arrivals"].sum()


@pytest.mark.parametrize("mechanisms, fragment", [
    (["not a mechanism"], "Mechanism instances"),
    ([type("M", (channelsim.Mechanism,), {"name": "two words"})()], "needs a name"),
    ([type("M", (channelsim.Mechanism,), {"name": "m", "columns": ("arrivals",)})()],
     "not a new column"),
])
def test_a_bad_mechanism_is_named(mechanisms, fragment):
    with pytest.raises(ChannelsimError, match=fragment):
        channelsim.ChannelModel("pilot_published", mechanisms=mechanisms, start="2025-09-01", warmup_days=5)
