"""Extension points: a policy schedule passed as a function or a pandas Series (the worked example of
docs/extending.md runs here)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import channelsim
import channelsim.agents.beliefs
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
    (type("Nameless", (channelsim.agents.beliefs.BayesianForgetting,), {"name": ""}), "needs a name"),
    (type("Again", (channelsim.agents.beliefs.BayesianForgetting,), {"name": "trust"}), "shipped belief rule"),
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


# --- what the review found: checks at the boundary of code of your own


def test_a_subclass_of_the_shipped_rule_runs_its_own_update_under_either_kernel():
    class Stubborn(channelsim.agents.beliefs.BayesianForgetting):
        name = "stubborn"

        def update(self, rows, groups, camps, news, rng):
            return self.perceived(rows)   # hears nothing

    channelsim.register_belief_rule(Stubborn)
    runs = [channelsim.run("pilot_published", belief_rule="stubborn", kernels=k, **PILOT) for k in ("numba", "numpy")]
    pd.testing.assert_frame_equal(runs[0].series, runs[1].series)
    prior = runs[0].params.beliefs.prior_return_probability
    assert np.allclose(runs[0].series["perceived_return_probability"], prior, atol=0.01)


@pytest.mark.parametrize("returned, fragment", [
    (lambda n: (np.full(n - 5, 0.1), np.full(n - 5, 0.5)), "shape"),
    (lambda n: (np.full(n, np.nan), np.full(n, 0.5)), "outside 0 to 1"),
    (lambda n: (np.full(n, 5.0), np.full(n, 0.5)), "outside 0 to 1"),
    (lambda n: None, "must return two arrays"),
    (lambda n: (np.zeros(n), np.zeros(n), np.zeros(n)), "must return two arrays"),
])
@pytest.mark.parametrize("kernels", ["numba", "numpy"])
def test_what_a_rule_of_your_own_returns_is_checked(returned, fragment, kernels):
    class Broken(channelsim.agents.beliefs.BayesianForgetting):
        name = "broken"

        def update(self, rows, groups, camps, news, rng):
            return returned(len(rows))

    channelsim.register_belief_rule(Broken)
    with pytest.raises(ChannelsimError, match=f"belief rule 'broken'.*{fragment}"):
        channelsim.run("pilot_published", belief_rule="broken", kernels=kernels, start="2025-08-01", days=3,
                       warmup_days=5)


def test_an_abstract_rule_is_refused_at_registration():
    with pytest.raises(ChannelsimError, match="does not define initialise, perceived, update"):
        channelsim.register_belief_rule(type("Half", (channelsim.BeliefRule,), {"name": "half"}))


def test_a_package_offers_a_rule_by_entry_point_to_every_process_the_command_line_included(tmp_path, monkeypatch):
    """A distribution on the path with an entry point in channelsim.belief_rules: the rule is loaded when a
    scenario names it, in this process and in a new `channelsim run` process (neither imported it)."""
    import subprocess
    import sys

    (tmp_path / "my_rules.py").write_text(
        "from channelsim.experiments.examples.extensions import ObservedRate\n\n"
        "class Offered(ObservedRate):\n    name = 'offered'\n")
    info = tmp_path / "my_rules-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: my-rules\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[channelsim.belief_rules]\noffered = my_rules:Offered\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    result = channelsim.run("pilot_published", belief_rule="offered", start="2025-08-01", days=5, warmup_days=5)
    assert result.meta["belief_rule_class"] == "my_rules.Offered"
    env = {**__import__("os").environ, "PYTHONPATH": f"{tmp_path}:{__import__('os').environ.get('PYTHONPATH', '')}"}
    proc = subprocess.run([sys.executable, "-m", "channelsim", "run", "--scenario", "pilot_published", "--start",
                           "2025-08-01", "--days", "5", "--set", "belief_rule=offered", "--out",
                           str(tmp_path / "out")], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert '"belief_rule_class": "my_rules.Offered"' in (tmp_path / "out" / "summary.json").read_text()


def test_a_mechanism_instance_given_to_two_models_runs_in_each_as_if_alone():
    from channelsim.experiments.examples.extensions import CampClearances

    shared = CampClearances(every_days=7, share=0.5)
    kwargs = {"start": "2025-08-01", "warmup_days": 30}
    a = channelsim.ChannelModel("pilot_published", seed=3, mechanisms=[shared], **kwargs)
    channelsim.ChannelModel("pilot_published", seed=4, mechanisms=shared, **kwargs)   # one, not in a list
    a.run_for(60)
    alone = channelsim.ChannelModel("pilot_published", seed=3, mechanisms=[CampClearances(7, 0.5)], **kwargs)
    alone.run_for(60)
    pd.testing.assert_frame_equal(a.datacollector.get_model_vars_dataframe(),
                                  alone.datacollector.get_model_vars_dataframe())
    assert not hasattr(shared, "rng") and a.mechanisms[0] is not shared


def test_a_run_with_a_mechanism_records_it_and_sums_its_flows_by_week():
    from channelsim.experiments.examples.extensions import CampClearances

    result = channelsim.run("pilot_published", mechanisms=[CampClearances(every_days=7, share=0.5)], **PILOT)
    assert result.meta["mechanisms"] == [
        "channelsim.experiments.examples.extensions.CampClearances(every_days=7, share=0.5)"]
    weekly = result.weekly()
    assert weekly["cleared"].sum() == result.series["cleared"].sum()


class Recording(channelsim.Mechanism):
    name = "recording"
    columns = ("x",)

    def __init__(self, value):
        self.value = value

    def start(self, model):
        pass

    def record(self, model):
        return self.value


@pytest.mark.parametrize("value, fragment", [
    ({"x": float("nan")}, "not a finite number"),
    ({"x": "many"}, "not a finite number"),
    ({"x": np.zeros(3)}, "not a finite number"),
    (None, "recorded NoneType"),
    ({"y": 1.0}, r"recorded \['y'\]"),
])
def test_a_mechanisms_record_is_checked(value, fragment):
    with pytest.raises(ChannelsimError, match=f"mechanism 'recording'.*{fragment}"):
        channelsim.run("pilot_published", mechanisms=[Recording(value)], start="2025-08-01", days=2, warmup_days=2)


@pytest.mark.parametrize("attributes, fragment", [
    ({"columns": "abc"}, "tuples of names"),
    ({"columns": ("days",)}, "not a new column"),
    ({"columns": ("run_id",)}, "not a new column"),
    ({"columns": ("x",), "flows": ("y",)}, "are not among its columns"),
])
def test_a_mechanisms_columns_are_checked(attributes, fragment):
    mechanism = type("M", (Recording,), {"name": "m", **attributes})({})
    with pytest.raises(ChannelsimError, match=fragment):
        channelsim.ChannelModel("pilot_published", mechanisms=[mechanism], start="2025-09-01", warmup_days=5)


def test_an_ensemble_refuses_code_among_its_parameters():
    from channelsim.experiments.examples.extensions import CampClearances

    with pytest.raises(ChannelsimError, match="parameters only, not mechanisms"):
        channelsim.ensemble(["no_deal"], draws=2, mechanisms=[CampClearances()], days=5)
    with pytest.raises(ChannelsimError, match="no_such_parameter"):
        channelsim.ensemble(["no_deal"], draws=2, no_such_parameter=1, days=5)
