"""Everyone created is, every day, in exactly one state."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from channelsim.agents import Migrant
from channelsim.core.population import STATES
from channelsim.model import ChannelModel

STATE_COLUMNS = [f"state_{s}" for s in STATES]


def assert_conserved(series):
    totals = series[STATE_COLUMNS].sum(axis=1)
    assert (totals == series["created"]).all(), "state counts do not add up to everyone created"
    assert (series[STATE_COLUMNS] >= 0).all().all()
    # people are created only by the inflow
    created = series["created"].to_numpy()
    assert (np.diff(created) == series["inflow"].to_numpy()[1:]).all()


def test_every_person_is_in_exactly_one_state_every_day(pilot_2025):
    assert_conserved(pilot_2025.series)


def test_state_counts_agree_with_each_persons_recorded_state():
    model = ChannelModel("pilot_2025", rng=3, start="2025-09-01", warmup_days=60, register_migrants=True)
    for _ in range(40):
        model.step()
        pop = model.population
        recount = np.bincount(pop.state[: pop.n], minlength=len(STATES))
        assert (recount == pop.counts).all()
    # and, asked for, every person is a registered Mesa agent

    assert len(model.agents_by_type[Migrant]) == model.population.n


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    returns_per_week=st.floats(0, 400),
    beach_prevention_share=st.floats(0, 0.9),
    crackdown_intensity=st.floats(0, 1),
    in_water_interception=st.booleans(),
    belief_rule=st.sampled_from(["bayesian", "trust"]),
    gangs=st.integers(1, 8),
    detention_beds=st.integers(0, 400),
    vessels=st.integers(1, 6),
    seed=st.integers(0, 2**32 - 1),
)
def test_invariants_hold_across_the_parameter_ranges(returns_per_week, beach_prevention_share, crackdown_intensity,
                                                     in_water_interception, belief_rule, gangs, detention_beds,
                                                     vessels, seed):
    model = ChannelModel("pilot_2025", rng=seed, start="2025-09-01", warmup_days=40,
                         returns_per_week=returns_per_week, beach_prevention_share=beach_prevention_share,
                         crackdown_intensity=crackdown_intensity, in_water_interception=in_water_interception,
                         in_water_from="2025-08-01", belief_rule=belief_rule, gangs=gangs,
                         detention_beds=detention_beds, vessels=vessels)
    for _ in range(70):
        model.step()
        assert model.border_force.beds.count <= detention_beds, "more detained for return than beds"
    s = model.datacollector.get_model_vars_dataframe()
    assert_conserved(s)
    # one removal a week; a fractional quota is carried week to week (1.25 a week: 1, 1, 1, 2), so a week
    # removes at most the quota rounded up, and all weeks together no more than the quota delivers
    removal_days = s["returns"].to_numpy()
    assert removal_days.max() <= math.ceil(returns_per_week)
    assert removal_days.sum() <= returns_per_week * (len(s) / 7 + 1) + 1e-9
    assert np.count_nonzero(removal_days) <= len(s) / 7 + 1
    loads = s["people_per_boat"].dropna()
    assert (loads <= model.params.gangs.max_load).all()
    for col in ("perceived_return_probability", "perceived_job_prospect"):
        values = s[col].dropna()
        assert ((values >= 0) & (values <= 1)).all()
    assert s["legal_admissions"].sum() <= s["returns"].sum(), "more admitted than returned"
    assert (s["prevented_people"] >= s["prevented_launches"]).all()
