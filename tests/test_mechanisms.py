"""Each mechanism pushes in its direction; the pilot gives the figures the announcement implies."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from channelsim.agents.beliefs import BayesianForgetting, News, TrustWeightedExchange
from channelsim.agents.gang import SmugglingGang
from channelsim.core.params import Beliefs, Danger, Params
from channelsim.core.population import DETAINED, Population
from channelsim.model import ChannelModel, run
from channelsim.model.sea import incident_probability

SEEDS = (1, 2)


def arms(**kwargs_by_arm):
    """Pairs of runs (same seed) from June 2025 for 240 days, one per arm."""
    out = {}
    for name, overrides in kwargs_by_arm.items():
        out[name] = [run("pilot_2025", seed=s, start="2025-06-01", days=240, warmup_days=90, **overrides)
                     for s in SEEDS]
    return out


def last(results, column, days=90):
    return np.mean([r.series[column].iloc[-days:].mean() for r in results])


# --- the pilot as announced -----------------------------------------------------------------

def test_pilot_2025_gives_several_hundred_arrivals_a_week(pilot_2025):
    weekly = pilot_2025.series["arrivals"].sum() / 365 * 7
    assert 300 <= weekly <= 1500, f"{weekly:.0f} arrivals a week in 2025 (observed about 800)"


def test_returns_are_held_to_the_quota_and_near_one_in_seventeen(pilot_2025):
    s = pilot_2025.series.set_index("date")
    assert s.loc[:"2025-09-17", "returns"].sum() == 0, "returns before the pilot started"
    weekly = s["returns"].resample("W-SUN").sum()
    assert weekly.max() <= 50
    running = s.loc["2025-10-06":"2025-12-28"]
    share = running["returns"].sum() / running["arrivals"].sum()
    assert 1 / 40 < share < 1 / 8, f"returns per arrival {share:.3f}, announced about 1 in 17"


def test_one_legal_admission_at_most_for_each_return(pilot_2025):
    s = pilot_2025.series
    assert s["legal_admissions"].sum() > 0
    assert (s["legal_admissions"].cumsum() <= s["returns"].cumsum()).all()


# --- directions -----------------------------------------------------------------------------

def test_more_returns_raise_perceived_return_probability_and_lower_attempts():
    r = arms(none=dict(returns_per_week=0), many=dict(returns_per_week=300))
    assert last(r["many"], "perceived_return_probability") > 2 * last(r["none"], "perceived_return_probability")
    assert last(r["many"], "bookings") < 0.9 * last(r["none"], "bookings")


def test_a_stronger_crackdown_lowers_job_prospects_and_attempts():
    r = arms(none=dict(crackdown_intensity=0.0),
             strong=dict(crackdown_intensity=1.0, crackdown_start="2025-06-01"))
    assert last(r["strong"], "perceived_job_prospect") < last(r["none"], "perceived_job_prospect") - 0.1
    assert last(r["strong"], "bookings") < 0.9 * last(r["none"], "bookings")


def test_more_french_prevention_means_more_prevented_and_fuller_boats():
    r = arms(weak=dict(beach_prevention_share=0.2), strong=dict(beach_prevention_share=0.6))
    prevented = {k: sum(x.series["prevented_people"].sum() for x in v) for k, v in r.items()}
    per_boat = {k: sum(x.series["arrivals"].sum() for x in v) / sum(x.series["boats_arrived"].sum() for x in v)
                for k, v in r.items()}
    assert prevented["strong"] > 2 * prevented["weak"]
    assert per_boat["strong"] > per_boat["weak"], "seizures should make boats scarcer and loads heavier"


def test_in_water_interception_stops_boats_at_sea():
    with_tactic = run("in_water_interception", seed=3, start="2025-07-01", days=120, warmup_days=60).series
    without = run("pilot_2025", seed=3, start="2025-07-01", days=120, warmup_days=60).series
    assert with_tactic.loc[with_tactic["date"] < "2025-08-01", "in_water_interceptions"].sum() == 0
    assert with_tactic["in_water_interceptions"].sum() > 0
    assert without["in_water_interceptions"].sum() == 0
    assert with_tactic["prevented_launches"].sum() > without["prevented_launches"].sum()


def test_albanian_returns_arrangement_raises_albanians_perceived_return_probability():
    model = ChannelModel("pilot_2025", rng=5, start="2022-10-01", warmup_days=120)
    albania = [g.name for g in model.params.nationalities].index("Albania")

    def mean_belief(of_albania: bool) -> float:
        pop = model.population
        rows = np.flatnonzero((pop.state[: pop.n] == 0) & ((pop.nationality[: pop.n] == albania) == of_albania))
        return float(model.beliefs.perceived(rows)[0].mean())

    model.run_for(70)  # to 2022-12-10, before the arrangement
    before = mean_belief(True)
    model.run_for(150)
    assert mean_belief(True) > before + 0.1
    assert mean_belief(True) > mean_belief(False) + 0.1


# --- components -----------------------------------------------------------------------------

def test_gangs_load_boats_more_heavily_when_boats_are_scarce():
    model = ChannelModel("pilot_2025", rng=1, start="2025-01-01", warmup_days=0)
    gang = SmugglingGang(model, 0, model.params)
    rng = np.random.default_rng(0)
    booked = np.arange(300)
    gang.boats, gang.crews = 100, 50
    plenty = gang.plan_launches(booked, sea_state=0.1, taxi_allowed=False, rng=rng)
    gang.boats = 4
    scarce = gang.plan_launches(booked, sea_state=0.1, taxi_allowed=False, rng=rng)
    comfortable = model.params.gangs.comfortable_load   # calibrated, so not a whole number
    assert abs(np.mean([len(b.rows) for b in plenty]) - comfortable) < 1
    assert max(len(b.rows) for b in plenty) <= np.ceil(comfortable) + 1
    assert np.mean([len(b.rows) for b in scarce]) == model.params.gangs.max_load


def test_a_launch_whose_passengers_were_all_admitted_meanwhile_does_not_go():
    from channelsim.core.population import ADMITTED

    model = ChannelModel("pilot_2025", rng=1, start="2025-01-01", warmup_days=30)
    model.env.run(until=model.env.now + 0.01)   # past midnight: the day's ledger is open
    gang = model.gangs[0]
    gang.boats, gang.crews = 10, 5
    waiting = model.coast.rows[model.population.state[model.coast.rows] == 0][:40]
    boats = gang.plan_launches(waiting, sea_state=0.1, taxi_allowed=False, rng=np.random.default_rng(0))
    boats_left, launched = gang.boats, gang.launched
    boat = boats[0]
    model.population.move(boat.rows, ADMITTED)   # admitted by the legal route before the launch
    attempts = model.world.ledger.launch_attempts
    model.env.process(model.sea.crossing(boat))
    model.env.run(until=model.env.now + 0.25)   # launches go within 0.2 day; no other boat before evening
    assert model.world.ledger.launch_attempts == attempts       # nothing set out
    assert gang.boats == boats_left + 1 and gang.launched == launched - 1   # the boat stays in stock
    assert (model.population.state[boat.rows] == ADMITTED).all()


def test_gangs_do_not_launch_in_a_storm():
    model = ChannelModel("pilot_2025", rng=1, start="2025-01-01", warmup_days=0)
    gang = SmugglingGang(model, 0, model.params)
    assert gang.plan_launches(np.arange(50), sea_state=0.95, taxi_allowed=False, rng=np.random.default_rng(0)) == []


def test_incident_risk_rises_with_load_sea_taxi_interception_and_waiting():
    d = Danger()
    base = dict(load=40, comfortable_load=10, sea_state=0.3, taxi=False, intercepted=False,
                in_water_factor=3.0, waited_hours=0.0)
    p0 = incident_probability(d, **base)
    for change in (dict(load=70), dict(sea_state=0.6), dict(taxi=True), dict(intercepted=True),
                   dict(waited_hours=5.0)):
        assert incident_probability(d, **{**base, **change}) > p0, change


def test_border_force_selects_adults_only_within_quota_and_beds():
    model = ChannelModel("pilot_2025", rng=1, start="2025-10-01", warmup_days=0, detention_beds=30)
    pop = model.population
    rows = pop.add(100)
    pop.minor[rows[:40]] = True
    pop.nationality[rows] = 0  # Afghanistan: no arrangement of its own
    bf = model.border_force
    bf.selected_this_week = 0
    chosen, home = bf.select(rows, quota_per_week=50, date=model.date)
    assert len(home) == 0
    assert len(chosen) == 30, "beds, not the quota, bind here"
    assert not pop.minor[chosen].any()
    bf.selected_this_week = 45
    chosen, _ = bf.select(rows, quota_per_week=50, date=model.date)
    assert len(chosen) <= 5


def _population_with(rule_cls, n=4):
    pop = Population(16)
    rows = pop.add(n)
    rule = rule_cls(Beliefs(), pop)
    rule.initialise(rows, np.full(n, 0.1), np.full(n, 0.7))
    return pop, rows, rule


def _quiet_news(groups=1, **kw):
    z = np.zeros(groups)
    return News(returned_by_group=z, stayed_by_group=z, job_found_by_group=z, job_not_found_by_group=z, **kw)


@pytest.mark.parametrize("rule_cls", [BayesianForgetting, TrustWeightedExchange])
def test_a_returnee_story_raises_the_listeners_perceived_return_probability(rule_cls):
    pop, rows, rule = _population_with(rule_cls)
    groups = np.zeros(len(rows), dtype=int)
    camps = np.zeros(len(rows), dtype=int)
    news = _quiet_news(contacts=np.array([0, 0, 1]), contact_weight=3.0)
    p_return, _ = rule.update(rows, groups, camps, news, np.random.default_rng(0))
    assert p_return[0] > p_return[1] > 0.1 - 1e-9
    assert p_return[0] > 0.1


@pytest.mark.parametrize("rule_cls", [BayesianForgetting, TrustWeightedExchange])
def test_reports_of_staying_and_of_work_move_beliefs_their_way(rule_cls):
    pop, rows, rule = _population_with(rule_cls)
    g = np.zeros(len(rows), dtype=int)
    news = News(returned_by_group=np.zeros(1), stayed_by_group=np.array([20.0]),
                job_found_by_group=np.zeros(1), job_not_found_by_group=np.array([20.0]))
    p_return, p_job = rule.update(rows, g, g, news, np.random.default_rng(0))
    assert (p_return < 0.1).all() and (p_job < 0.7).all()


def test_bayesian_memory_fades_so_old_news_weighs_less_than_new():
    pop = Population(16)
    rows = pop.add(1)
    rule = BayesianForgetting(Beliefs(memory_half_life_days=60.0), pop)   # 120 quiet days: two half-lives
    rule.initialise(rows, np.full(1, 0.1), np.full(1, 0.7))
    g = np.zeros(1, dtype=int)
    strong = News(returned_by_group=np.array([10.0]), stayed_by_group=np.zeros(1),
                  job_found_by_group=np.zeros(1), job_not_found_by_group=np.zeros(1))
    rule.update(rows, g, g, strong, None)
    fresh = rule.perceived(rows)[0][0]
    for _ in range(120):
        p_return, _ = rule.update(rows, g, g, _quiet_news(), None)
    # counts decay but the mean keeps; new contrary news then moves it further than it could have
    stayed = News(returned_by_group=np.zeros(1), stayed_by_group=np.array([10.0]),
                  job_found_by_group=np.zeros(1), job_not_found_by_group=np.zeros(1))
    after, _ = rule.update(rows, g, g, stayed, None)
    assert p_return[0] == pytest.approx(fresh)
    assert after[0] < 0.5 * fresh


def test_trust_rule_conversations_pull_people_towards_more_certain_contacts():
    pop = Population(16)
    rows = pop.add(2)
    rule = TrustWeightedExchange(Beliefs(trust_exchange_per_day=5.0), pop)
    rule.initialise(rows, np.array([0.0, 1.0]), np.full(2, 0.7))
    pop.ret_certainty[rows] = [1.0, 100.0]
    before = pop.ret_value[rows].copy()
    rule.update(rows, np.zeros(2, dtype=int), np.zeros(2, dtype=int), _quiet_news(), np.random.default_rng(0))
    moved = pop.ret_value[rows] - before
    assert moved[0] > 0.2 and abs(moved[1]) < moved[0]


def test_detained_people_are_removed_to_france_weekly():
    model = ChannelModel("pilot_2025", rng=2, start="2025-09-15", warmup_days=30)
    model.run_for(60)
    s = model.datacollector.get_model_vars_dataframe()
    removal_days = pd.to_datetime("2025-09-15") + pd.to_timedelta(np.flatnonzero(s["returns"] > 0), unit="D")
    assert len(removal_days) >= 4
    assert set(removal_days.day_of_week) == {model.params.border_force.removal_weekday}
    assert model.population.counts[DETAINED] > 0


def test_params_default_is_the_pilot_scenario():
    assert Params().policy.returns_per_week == 50
    assert str(Params().policy.returns_start) == "2025-09-18"


def test_legal_route_admits_by_priority_and_never_someone_who_tried_to_cross():
    # nobody else may apply (no family ties), so the queue holds only these three
    model = ChannelModel("no_deal", rng=1, start="2025-10-01", warmup_days=0, security_refusal_share=0.0,
                         family_ties_share=0.0)
    names = [g.name for g in model.params.nationalities]
    pop = model.population
    rows = pop.add(3)
    pop.nationality[rows] = [names.index("Other"), names.index("Afghanistan"), names.index("Eritrea")]
    pop.attempted[rows[2]] = True  # tried to cross irregularly: barred, whatever the priority
    model.legal_route.apply(rows, model.day)
    model.legal_route.open_places(1)
    model.run_for(int(model.params.policy.security_check_days) + 1)
    assert pop.state[rows].tolist() == [0, 4, 0], "the higher priority (Afghanistan) is admitted first"
    model.legal_route.open_places(2)
    model.run_for(int(model.params.policy.security_check_days) + 1)
    assert pop.state[rows].tolist() == [4, 4, 0]


def test_cutting_the_boat_supply_makes_boats_fuller():
    r = arms(plenty=dict(boat_supply_disruption=0.0),
             scarce=dict(boat_supply_disruption=0.6, boat_supply_disruption_from="2025-01-01"))
    per_boat = {k: sum(x.series["arrivals"].sum() for x in v) / sum(x.series["boats_arrived"].sum() for x in v)
                for k, v in r.items()}
    assert per_boat["scarce"] > per_boat["plenty"] + 3


def test_gang_prices_rise_with_the_backlog_per_seat_and_with_enforcement():
    model = ChannelModel("pilot_2025", rng=1, start="2025-01-01", warmup_days=0)
    rng = np.random.default_rng(0)

    def price_after(backlog, prevented_share=0.0):
        gang = SmugglingGang(model, 0, model.params)
        gang.boats, gang.boats_on_order = 4, 0
        gang.launched, gang.prevented = 10, int(10 * prevented_share)
        for _ in range(8):
            gang.weekly_review(backlog, market_mean_price=gang.price_gbp, supply_per_gang=0.0, rng=rng)
            gang.launched, gang.prevented = 10, int(10 * prevented_share)
        return gang.price_gbp

    assert price_after(backlog=2000) > price_after(backlog=100) >= model.params.gangs.price_floor_gbp
    assert price_after(backlog=300, prevented_share=0.6) > price_after(backlog=300, prevented_share=0.0)


def test_taxi_boats_are_stopped_on_the_beach_less_often():
    from channelsim.agents.gang import Boat

    model = ChannelModel("pilot_2025", rng=1, start="2025-01-01", warmup_days=0)
    gang = model.gangs[0]
    police = model.police
    stopped = {taxi: sum(police.patrol(Boat(gang, np.arange(40), taxi, 0.3)) for _ in range(4000))
               for taxi in (False, True)}
    share = model.params.french_police.beach_prevention_share
    assert stopped[False] / 4000 == pytest.approx(share, abs=0.03)
    assert stopped[True] / 4000 == pytest.approx(share * model.params.french_police.taxi_prevention_factor, abs=0.03)


def test_upstream_shocks_have_mean_one_the_stated_spread_and_persistence():
    from channelsim.core.params import Inflow
    from channelsim.model.upstream import UpstreamShocks

    shocks = UpstreamShocks(Inflow(upstream_shock_sd=0.6, upstream_shock_days=30.0,
                                   upstream_shock_common_share=0.5), 3, np.random.default_rng(4))
    days = np.array([shocks.step() for _ in range(60_000)])   # (day, nationality)
    logs = np.log(days)
    assert days.mean() == pytest.approx(1.0, abs=0.05)
    assert logs.std(axis=0) == pytest.approx([0.6] * 3, rel=0.1)
    lag30 = np.corrcoef(logs[:-30, 0], logs[30:, 0])[0, 1]
    assert lag30 == pytest.approx(np.exp(-1.0), abs=0.08)
    between = np.corrcoef(logs[:, 0], logs[:, 1])[0, 1]
    assert between == pytest.approx(0.5, abs=0.1), "half the variance is common to every nationality"
    off = UpstreamShocks(Inflow(upstream_shock_sd=0.0), 3, np.random.default_rng(4))
    assert (off.step() == 1.0).all()


def test_upstream_shocks_move_arrivals_and_are_shared_by_policy_arms():
    calm = run("pilot_2025", seed=3, start="2024-01-01", days=120, warmup_days=60, upstream_shock_sd=0.0)
    rough = run("pilot_2025", seed=3, start="2024-01-01", days=120, warmup_days=60, upstream_shock_sd=0.8)
    assert not calm.series["inflow"].equals(rough.series["inflow"])
    # common random numbers: through months in which the pilot returns people, both arms draw the same shocks
    arms = {name: ChannelModel(name, rng=3, start="2025-07-01", warmup_days=30) for name in ("pilot_2025", "no_deal")}
    paths = {name: [] for name in arms}
    for _ in range(150):
        for name, model in arms.items():
            model.step()
            paths[name].append(model.upstream.z.copy())
    frames = {name: model.datacollector.get_model_vars_dataframe() for name, model in arms.items()}
    assert frames["pilot_2025"]["returns"].sum() > 0 and frames["no_deal"]["returns"].sum() == 0
    assert not frames["pilot_2025"]["arrivals"].equals(frames["no_deal"]["arrivals"])   # the policy acted
    np.testing.assert_array_equal(np.array(paths["pilot_2025"]), np.array(paths["no_deal"]))
