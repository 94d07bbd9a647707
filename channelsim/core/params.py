"""Every parameter of channelsim, in one typed and validated place.

Each field carries its unit, its allowed range and the source of its default
(a figure in ``shared/data/README.md``, a paper, or "calibrated": a value
chosen to reproduce the Home Office series, to be replaced by the posterior of
the calibration). Scenario files (``core/scenarios/*.toml``) override
these defaults section by section; the parameters actually used are written
beside every output.

Leaf names are unique across sections, so a flat override such as
``ChannelModel(returns_per_week=100)`` (what ``mesa.batch_run`` and the EMA
Workbench pass) names exactly one parameter.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, get_args

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_serializer, field_validator, model_validator

from channelsim.core.data import DataError, check_data_name

# The dates the model supports, for every date a user gives (runs, parameters, sweeps).
EARLIEST_DATE = dt.date(2018, 1, 1)
LAST_DATE = dt.date(2040, 12, 31)


CALIBRATED = "calibrated: posterior median, experiments/inference/calibration"
# set by hand while the model was built (to give plausible waits, prices, sea states and deaths), in no prior
HAND_SET = "hand-set (not calibrated): tuned by hand during development, in no calibration prior"

# The belief rules a scenario may name: the two shipped, any registered in this process with
# [`agents.beliefs.register_belief_rule`][channelsim.agents.beliefs.register_belief_rule] (which adds here),
# and any an installed package offers in the entry-point group below (loaded when a model first uses it).
BELIEF_RULE_NAMES: list[str] = ["bayesian", "trust"]
BELIEF_RULE_ENTRY_POINTS = "channelsim.belief_rules"


def belief_rule_names() -> list[str]:
    """Every belief rule a scenario may name: shipped, registered, or offered by an installed package."""
    from importlib.metadata import entry_points

    offered = [ep.name for ep in entry_points(group=BELIEF_RULE_ENTRY_POINTS)]
    return list(dict.fromkeys(BELIEF_RULE_NAMES + offered))


def param(default: Any, *, unit: str, source: str, doc: str, ge=None, le=None, gt=None, lt=None):
    """A documented parameter: default, unit, allowed range and source.

    A date parameter is allowed from EARLIEST_DATE to LAST_DATE, and accepts ISO
    text as well as a date (``run(returns_start="2025-09-18")``).
    """
    is_date = isinstance(default, dt.date)
    return Field(
        default,
        ge=EARLIEST_DATE if is_date and ge is None else ge,
        le=LAST_DATE if is_date and le is None else le,
        gt=gt,
        lt=lt,
        strict=False if is_date else None,
        description=doc,
        json_schema_extra={"unit": unit, "source": source},
    )


class Section(BaseModel):
    """Parameters of one mechanism, typed strictly: `true` is not a number, 5.0 is not a whole number,
    "yes" is not a switch (a float parameter takes whole numbers too)."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, strict=True)

    @model_validator(mode="before")
    @classmethod
    def _plain_numbers(cls, data: Any) -> Any:
        # numpy scalars (from samplers and batch runners) are numbers of their Python kind
        if isinstance(data, dict):
            return {k: v.item() if isinstance(v, np.generic) else v for k, v in data.items()}
        return data


class Inflow(Section):
    """Arrivals of people on the northern French coast (Calais, Dunkirk)."""

    inflow_ceiling_per_day: float = param(
        153.0, ge=0, le=2000, unit="people/day", source=CALIBRATED,
        doc="Long-run daily arrival rate on the coast that the logistic trend approaches.")
    inflow_growth_per_year: float = param(
        2.04, ge=0, le=10, unit="1/year", source=CALIBRATED,
        doc="Logistic growth rate of the arrival trend, as boats replaced lorries.")
    inflow_midpoint: dt.date = param(
        dt.date(2020, 10, 18), unit="date", source=CALIBRATED,
        doc="Date at which the trend is half its ceiling.")
    season_amplitude: float = param(
        0.638, ge=0, le=1, unit="share", source=CALIBRATED,
        doc="Relative swing of arrivals over the year (0 = none).")
    season_peak_day_of_year: int = param(
        240, ge=1, le=366, unit="day of year", source="small_boats_daily.csv: late-summer peak",
        doc="Day of the year on which arrivals peak.")
    upstream_elasticity: float = param(
        1.98, ge=0, le=10, unit="1", source=CALIBRATED,
        doc="How strongly arrivals of a nationality answer to how the UK is perceived upstream.")
    attractiveness_cap: float = param(
        2.0, ge=1, le=100, unit="1", source="assumption: the coast's camps cannot absorb a sudden surge",
        doc="Most that the UK's perceived value upstream can multiply the trend's arrivals by.")
    upstream_lag_days: float = param(
        45.0, ge=1, le=730, unit="days", source="assumption: weeks of travel and word of mouth",
        doc="Time constant with which upstream perception follows perception on the coast.")
    upstream_shock_sd: float = param(
        0.547, ge=0, le=2, unit="log", source=CALIBRATED,
        doc="Standard deviation of the log multiplier of a nationality's inflow for events upstream "
            "(wars, routes opening or closing, surges); 0 turns the shocks off. See model/upstream.py.")
    upstream_shock_days: float = param(
        5.0, ge=1, le=730, unit="days", source="simulated moments: experiments/inference/calibration/shocks.json",
        doc="Time constant of the upstream shocks (their daily AR(1) persistence is exp(-1/days)).")
    upstream_shock_common_share: float = param(
        0.5, ge=0, le=1, unit="share", source="assumption: half route-wide, half nationality-specific",
        doc="Share of the upstream shocks' variance common to every nationality (the rest is each one's own).")
    surge_group: str = param(
        "Albania", unit="name", source="nationality_arrivals.csv: the Albanian surge of May-September 2022",
        doc="Nationality group whose inflow surges in one episode (a surge sold to one group); '' for none.")
    surge_start: dt.date = param(
        dt.date(2022, 4, 6), unit="date", source=CALIBRATED,
        doc="First day of the surge episode.")
    surge_days: float = param(
        247.0, ge=1, le=1095, unit="days", source=CALIBRATED,
        doc="Length of the surge episode; the group's inflow rises and falls back as sin^2 over it.")
    surge_multiplier: float = param(
        37.8, ge=1, le=100, unit="x", source=CALIBRATED,
        doc="Peak multiplier of the surge group's inflow at mid-episode; 1 switches the surge off.")
    nationality_mix: Literal["published", "constant"] = param(
        "published", unit="name", source="nationality_arrivals.csv (data README: Arrivals by nationality)",
        doc="Groups' inflow shares by year: 'published' derives them from nationality_mix_file "
            "(core.nationality_data.published_shares; the surge group and groups with their own returns "
            "arrangement are held through their episodes, which the model produces); 'constant': inflow_share "
            "throughout. A group's explicit shares_by_year are kept either way.")
    nationality_mix_file: str = param(
        "nationality_arrivals.csv", unit="file", source="data README: Arrivals by nationality",
        doc="With 'published': arrivals-by-nationality file, relative to the data directory.")

    @field_validator("nationality_mix_file")
    @classmethod
    def _inside_data_folder(cls, name: str) -> str:
        try:
            return check_data_name(name, "[inflow] nationality_mix_file")
        except DataError as exc:
            raise ValueError(str(exc)) from None


class Migrants(Section):
    """Attributes drawn for each person on arrival."""

    family_ties_share: float = param(
        0.12, ge=0, le=1, unit="share", source="assumption: legal route needs UK family ties",
        doc="Share of arrivals with family ties to the UK.")
    minor_share: float = param(
        0.12, ge=0, le=1, unit="share", source="assumption: Home Office age-dispute statistics",
        doc="Share of arrivals who are minors (never selected for return).")
    budget_median_gbp: float = param(
        3500.0, ge=0, le=50000, unit="GBP", source="data README: prices GBP 1,500-4,000",
        doc="Median money a person brings to the coast.")
    budget_sigma: float = param(
        0.6, ge=0, le=3, unit="log GBP", source="assumption",
        doc="Log-normal spread of budgets.")
    savings_per_day_gbp: float = param(
        15.0, ge=0, le=500, unit="GBP/day", source="assumption: remittances and informal work",
        doc="Money a waiting person gains each day.")
    camps: int = param(
        2, ge=1, le=10, unit="camps", source="MODEL.md: Calais and Dunkirk",
        doc="Number of camps on the coast; returnees' stories spread mostly within a camp.")
    risk_tolerance_a: float = param(
        2.0, gt=0, le=100, unit="1", source="assumption: Beta(2, 2), centred on 0.5",
        doc="First shape of the Beta from which newcomers' risk tolerance (0 to 1) is drawn.")
    risk_tolerance_b: float = param(
        2.0, gt=0, le=100, unit="1", source="assumption: Beta(2, 2), centred on 0.5",
        doc="Second shape of the Beta of newcomers' risk tolerance.")


class Choice(Section):
    """The daily random-utility (logit) choice: cross, apply, wait or leave."""

    value_asylum: float = param(
        6.0, ge=0, le=100, unit="utility", source="hand-set: fixes the utility scale (not calibrated)",
        doc="Value of protection in the UK, multiplied by the nationality's grant rate.")
    value_work: float = param(
        3.0, ge=0, le=100, unit="utility", source="hand-set: half the value of protection (not calibrated)",
        doc="Value of work in the UK, multiplied by the perceived job prospect.")
    loss_if_returned: float = param(
        4.44, ge=0, le=100, unit="utility",
        source=CALIBRATED,
        doc="Loss of being returned to France after paying and crossing (money, debt, the legal route barred).")
    price_weight_per_1000_gbp: float = param(
        0.35, ge=0, le=10, unit="utility/GBP 1,000", source=HAND_SET,
        doc="Disutility of the seat price.")
    danger_weight: float = param(
        400.0, ge=0, le=1e5, unit="utility/death rate", source=HAND_SET,
        doc="Disutility of the perceived death rate per crossing, scaled by 1 - risk tolerance.")
    cross_constant: float = param(
        -7.55, ge=-50, le=50, unit="utility", source=CALIBRATED,
        doc="Alternative-specific constant of crossing today (against waiting).")
    leave_constant: float = param(
        -6.0, ge=-50, le=50, unit="utility", source=HAND_SET,
        doc="Alternative-specific constant of leaving for elsewhere in Europe.")
    leave_hardship_per_30_days: float = param(
        0.5, ge=0, le=20, unit="utility/30 days", source=HAND_SET,
        doc="How much the pull to leave grows with time spent waiting.")
    legal_constant: float = param(
        -4.0, ge=-50, le=50, unit="utility", source=HAND_SET,
        doc="Alternative-specific constant of applying by the legal route.")
    legal_route_patience_days: float = param(
        90.0, ge=1, le=1000, unit="days", source="assumption",
        doc="How long an applicant waits for an answer before choosing again.")


class Beliefs(Section):
    """Perceived return probability and job prospects, and how news moves them."""

    return_evidence: Literal["full", "announcement", "none"] = param(
        "full", unit="name", source="model variants compared by experiments/inference/model_choice.py",
        doc="What moves the perceived return probability: 'full' (returns seen and reported, returnees' "
            "stories and the announcement), 'announcement' (the announcement only) or 'none' (the null "
            "model: it stays at prior_return_probability, so returns deter no one through beliefs).")
    belief_rule: str = param(
        "bayesian", unit="name", source="MODEL.md; Bijak and Hinsch, Routes and Rumours",
        doc="Belief update rule: 'bayesian' (counts with forgetting), 'trust' (trust-weighted exchange), "
            "or the name of a rule registered with channelsim.agents.beliefs.register_belief_rule.")
    prior_return_probability: float = param(
        0.02, ge=0, le=1, unit="probability", source="assumption: returns were rare before 2025",
        doc="Perceived chance of being returned held before any evidence.")
    prior_job_prospect: float = param(
        0.7, ge=0, le=1, unit="probability", source="assumption: smugglers sell work in the UK",
        doc="Perceived chance of finding work in the UK before any evidence.")
    prior_strength: float = param(
        10.0, gt=0, le=1000, unit="reports", source="assumption",
        doc="How many reports the prior is worth.")
    memory_half_life_days: float = param(
        187.0, gt=0, le=3650, unit="days", source=CALIBRATED,
        doc="Half-life of remembered reports (forgetting).")
    returnee_contacts: int = param(
        15, ge=0, le=500, unit="people", source="hand-set (not calibrated): returnee_salience, calibrated from 0, "
                                             "scales what the stories weigh",
        doc="People in the same camp that each returnee tells in person.")
    returnee_salience: float = param(
        8.58, ge=0, le=100, unit="reports", source=CALIBRATED,
        doc="Weight of a returnee's story heard in person (1: one report, no amplification; 0: no response).")
    report_reach: float = param(
        27.9, ge=0, le=1000, unit="people", source=CALIBRATED,
        doc="People on the coast of the same nationality that each report from the UK reaches.")
    report_delay_days: float = param(
        21.0, ge=0, le=365, unit="days", source="assumption: once past the removal window",
        doc="Days after landing when a person in the UK reports back that they stayed.")
    job_report_delay_days: float = param(
        60.0, ge=0, le=730, unit="days", source="assumption",
        doc="Days after landing when a person reports whether they found work.")
    announcement_credibility: float = param(
        0.556, ge=0, le=1, unit="share", source=CALIBRATED,
        doc="Weight of an official announcement relative to a report of one's own (0: no response).")
    announcement_strength: float = param(
        20.0, ge=0, le=1000, unit="reports", source="hand-set (not calibrated): sets the scale of "
                                                  "announcement_credibility, calibrated from 0",
        doc="How many reports an announcement is worth at full credibility.")
    gang_promise_credibility: float = param(
        0.05, ge=0, le=1, unit="reports/day", source="assumption",
        doc="Daily weight of the smugglers' promise of work.")
    trust_exchange_per_day: float = param(
        0.3, ge=0, le=5, unit="conversations/person/day", source="Routes and Rumours style",
        doc="With the 'trust' rule: conversations per person per day within a camp.")
    trust_in_others: float = param(
        0.3, ge=0, le=1, unit="share", source="Routes and Rumours style",
        doc="With the 'trust' rule: how far one moves towards a more certain contact.")

    @field_validator("belief_rule")
    @classmethod
    def _known_rule(cls, name: str) -> str:
        if name not in BELIEF_RULE_NAMES and name not in (known := belief_rule_names()):
            raise ValueError(f"[beliefs] belief_rule = {name!r} is not a belief rule: the rules are "
                             f"{', '.join(repr(n) for n in known)} (a rule of your own is registered in each "
                             "process that runs it, Dask workers too, with channelsim.register_belief_rule, "
                             f"or offered by a package in the entry-point group {BELIEF_RULE_ENTRY_POINTS!r})")
        return name


class Gangs(Section):
    """Competing smuggling gangs: boats, prices, loads, launches, arrests."""

    gangs: int = param(5, ge=1, le=50, unit="gangs", source="assumption", doc="Number of competing gangs.")
    boat_supply_per_week: float = param(
        42.0, ge=0, le=1000, unit="boats/week", source=CALIBRATED,
        doc="Boats and engines the supply chain can deliver to all gangs each week, before disruption.")
    resupply_lead_time_days: float = param(
        10.0, ge=0, le=120, unit="days", source="assumption: boats and engines bought in Germany",
        doc="Mean days between ordering a boat and having it on the coast.")
    boat_stock_target: float = param(
        12.0, ge=0, le=500, unit="boats/gang", source="assumption",
        doc="Boats a gang tries to hold in stock.")
    comfortable_load: float = param(
        14.8, ge=1, le=100, unit="people/boat", source=CALIBRATED,
        doc="People per boat when boats are plentiful.")
    min_launch_load: int = param(
        6, ge=1, le=100, unit="people/boat", source="data README: 7 to 13 people per boat in 2018-20",
        doc="Fewest people a gang puts in a boat before launching it (the rest wait for more bookings).")
    max_load: float = param(
        75.0, ge=1, le=150, unit="people/boat", source="data README: 70 in one boat in 2025",
        doc="Most people a gang puts in one boat.")
    boats_per_night_share: float = param(
        0.5, gt=0, le=1, unit="share", source="assumption",
        doc="Largest share of its stock a gang launches on one night.")
    crews_per_gang: float = param(
        6.0, ge=1, le=200, unit="crews", source="assumption",
        doc="Launch teams a gang can field on one night at full strength.")
    crew_recovery_per_week: float = param(
        0.5, ge=0, le=50, unit="crews/week", source="assumption",
        doc="Crews a gang rebuilds each week after arrests.")
    attempts_per_payment: int = param(
        3, ge=1, le=10, unit="attempts", source="reported practice: a price covers several tries",
        doc="Launch attempts a paid seat covers.")
    base_price_gbp: float = param(
        2500.0, ge=100, le=20000, unit="GBP", source="data README: GBP 1,500-4,000 per person",
        doc="Seat price with balanced demand and supply.")
    price_floor_gbp: float = param(
        500.0, ge=0, le=20000, unit="GBP", source="data README: low of EUR 500 in 2020",
        doc="Lowest seat price.")
    price_elasticity: float = param(
        0.35, ge=0, le=5, unit="1", source=HAND_SET,
        doc="How strongly prices answer to the ratio of booked people to boat seats.")
    price_adjustment_per_week: float = param(
        0.3, ge=0, le=1, unit="share/week", source="assumption",
        doc="Share of the gap to the target price closed each week.")
    price_competition: float = param(
        0.2, ge=0, le=1, unit="share/week", source="assumption",
        doc="Pull of each gang's price towards the market mean each week.")
    enforcement_markup: float = param(
        0.5, ge=0, le=10, unit="1", source="assumption",
        doc="Price rise per unit of the share of launches prevented (risk premium).")
    prevented_share_smoothing: float = param(
        0.5, gt=0, le=1, unit="share", source="assumption: gangs remember a few weeks",
        doc="Weight of the latest week in the smoothed share of launches prevented that sets the markup.")
    gang_choice_scale_gbp: float = param(
        500.0, ge=1, le=20000, unit="GBP", source="assumption: prices differ little between gangs",
        doc="Buyers choose a gang by a logit on price: one this much dearer than the cheapest sells e times "
            "fewer seats.")
    launch_delay_days: float = param(
        0.05, ge=0, le=0.1, unit="days", source="assumption: launches from about 19:00",
        doc="Time after the evening's weather window (18:00) at which the first boats launch.")
    launch_spread_days: float = param(
        0.15, ge=0, le=0.15, unit="days", source="assumption: launches over about 3.6 hours",
        doc="Launches spread uniformly over this time after the first (all before midnight, with the delay).")
    launch_weather_tolerance: float = param(
        0.55, ge=0, le=1, unit="sea state", source="Met Office 'red' days; Deiana et al. (2020)",
        doc="Worst sea state (0 calm, 1 storm) in which a gang launches with no backlog.")
    backlog_weather_push: float = param(
        0.1, ge=0, le=1, unit="sea state", source="Deiana, Maheshri and Mastrobuoni (2020)",
        doc="How much worse a sea state a gang accepts when its backlog is full.")
    taxi_boats_from: dt.date = param(
        dt.date(2023, 6, 1), unit="date", source="reported: taxi boats from 2023",
        doc="Date from which gangs use taxi boats to avoid beach patrols.")
    taxi_boat_share: float = param(
        0.234, ge=0, le=1, unit="share", source=CALIBRATED,
        doc="Share of launches made as taxi boats once they are used.")
    job_promise: float = param(
        0.9, ge=0, le=1, unit="probability", source="MODEL.md: gangs sell the promise of work",
        doc="Chance of work in the UK that gangs claim.")


class FrenchPolice(Section):
    """Beach patrols, seizures, arrests, and the in-water tactic."""

    beach_prevention_share: float = param(
        0.40, ge=0, le=1, unit="share of launches", source="data README: 42% (2022), 41.8% (2024), 38% (2025)",
        doc="Chance that a beach launch is stopped by a patrol.")
    taxi_prevention_factor: float = param(
        0.4, ge=0, le=1, unit="1", source="assumption: taxi boats avoid beach patrols",
        doc="Prevention chance of a taxi-boat launch relative to a beach launch.")
    seizure_share: float = param(
        0.6, ge=0, le=1, unit="share", source="assumption",
        doc="Share of prevented launches whose boat is seized.")
    arrest_share: float = param(
        0.05, ge=0, le=1, unit="share", source="assumption",
        doc="Chance a prevented launch costs the gang a crew (arrest).")
    in_water_interception: bool = param(
        False, unit="switch", source="data README: began 2025",
        doc="Whether police intercept boats in the water.")
    in_water_from: dt.date = param(
        dt.date(2025, 8, 1), unit="date", source="data README: announced summer 2025",
        doc="Date from which the in-water tactic is used, when switched on.")
    in_water_share: float = param(
        0.15, ge=0, le=1, unit="share of launched boats", source="assumption",
        doc="Chance a launched boat is intercepted in French waters.")
    in_water_danger_factor: float = param(
        3.0, ge=1, le=100, unit="1", source="data README: charities warned of added danger",
        doc="Multiplier on a boat's incident risk when it is intercepted in the water.")


class BorderForce(Section):
    """UK Border Force vessels, detention and removals."""

    vessels: int = param(4, ge=1, le=50, unit="vessels", source="assumption", doc="Vessels that meet boats.")
    rescue_hours: float = param(
        3.0, gt=0, le=48, unit="hours", source="assumption",
        doc="Hours a vessel is busy with one boat.")
    crossing_hours: float = param(
        10.0, gt=0, le=48, unit="hours", source="assumption: 8-14 hours reported",
        doc="Mean hours from launch to UK waters.")
    crossing_time_spread: float = param(
        0.2, ge=0, lt=1, unit="share", source="assumption: with the sea and the boat",
        doc="A crossing takes crossing_hours times a uniform draw from 1 - spread to 1 + spread.")
    detention_beds: int = param(
        250, ge=0, le=100000, unit="beds", source="assumption",
        doc="Detention places for people selected for return.")
    detention_processing_days: float = param(
        14.0, ge=0, le=365, unit="days", source="assumption: removal within weeks",
        doc="Days between detention and readiness for removal.")
    challenge_share: float = param(
        0.3, ge=0, le=1, unit="share", source="assumption",
        doc="Share of detained people who challenge removal.")
    challenge_success_share: float = param(
        0.1, ge=0, le=1, unit="share", source="data README: appeals only in exceptional circumstances",
        doc="Share of challenges that succeed (the person stays in the UK).")
    challenge_days: float = param(
        21.0, ge=0, le=365, unit="days", source="assumption",
        doc="Days a challenge adds before removal.")
    removal_weekday: int = param(
        3, ge=0, le=6, unit="weekday (0 = Monday)", source="first return flight, Thursday 18 September 2025",
        doc="Weekday of the weekly removal to France.")


class Policy(Section):
    """Scheduled policy inputs: the returns quota, the legal route, the crackdown."""

    quota_schedule: Literal["none", "weekly", "ramp", "published"] = param(
        "weekly", unit="name", source="MODEL.md",
        doc="Returns quota: none, a weekly number, a ramp after a proof of concept, or the published monthly figures.")
    returns_per_week: float = param(
        50.0, ge=0, le=5000, unit="people/week", source="data README: about 50 a week at first",
        doc="Weekly returns quota once the pilot starts.")
    returns_start: dt.date = param(
        dt.date(2025, 9, 18), unit="date", source="first return to France, 18 September 2025",
        doc="Date of the first removals.")
    announcement_date: dt.date = param(
        dt.date(2025, 7, 10), unit="date", source="data README: announced 10 July 2025",
        doc="Date the pilot is announced (beliefs are nudged then).")
    announced_return_probability: float = param(
        0.248, ge=0, le=1, unit="probability", source=CALIBRATED,
        doc="Return chance an announcement conveys (about 0.06: the announced 50 a week against 782 arrivals, "
            "no amplification; 0.3: 'anyone can be returned').")
    proof_of_concept_days: float = param(
        90.0, ge=0, le=3650, unit="days", source="data README: numbers to grow after a proof of concept",
        doc="With the ramp: days at the initial quota before it grows.")
    ramp_per_week: float = param(
        10.0, ge=0, le=1000, unit="people/week per week", source="assumption",
        doc="With the ramp: weekly growth of the quota.")
    ramp_max_per_week: float = param(
        400.0, ge=0, le=10000, unit="people/week", source="assumption",
        doc="With the ramp: largest weekly quota.")
    published_schedule_file: str = param(
        "one_in_one_out_monthly.csv", unit="file", source="data README: Home Office, 16 July 2026",
        doc="With 'published': monthly returns file, relative to the data directory.")
    admissions_half_life_days: float = param(
        90.0, ge=1, le=3650, unit="days", source="assumption: people judge their chances by recent admissions",
        doc="Half-life of the remembered admissions by the legal route behind its perceived chance (read as a "
            "daily rate over their mean life, the half-life / ln 2 rounded to whole days).")
    legal_admission_per_return: bool = param(
        True, unit="switch", source="data README: one admitted for each returned",
        doc="Whether each completed return opens one legal-route admission.")
    security_check_days: float = param(
        30.0, ge=0, le=365, unit="days", source="assumption",
        doc="Days of visa and security checks before a legal admission.")
    security_refusal_share: float = param(
        0.1, ge=0, le=1, unit="share", source="assumption",
        doc="Share of applicants refused at the checks.")
    crackdown_baseline: float = param(
        0.0, ge=0, le=1, unit="intensity", source="assumption",
        doc="Illegal-working enforcement intensity before the crackdown (0 none, 1 total).")
    crackdown_start: dt.date = param(
        dt.date(2024, 7, 1), unit="date", source="data README: raids +77% from July 2024",
        doc="Date the crackdown on illegal working steps up.")
    crackdown_intensity: float = param(
        0.25, ge=0, le=1, unit="intensity", source="data README: raids +77%, arrests +83%",
        doc="Illegal-working enforcement intensity from the crackdown start.")
    crackdown_escalation_from: dt.date = param(
        dt.date(2025, 7, 10), unit="date", source="data README: a nationwide crackdown announced with the pilot",
        doc="Date from which crackdown_escalation_intensity applies, if it is above crackdown_intensity.")
    crackdown_escalation_intensity: float = param(
        0.0, ge=0, le=1, unit="intensity", source="scenario input (0: no escalation)",
        doc="Illegal-working enforcement intensity from crackdown_escalation_from, on top of the crackdown "
            "of crackdown_start (used only where it is higher).")
    job_find_probability: float = param(
        0.6, ge=0, le=1, unit="probability", source="assumption",
        doc="Chance that a person in the UK finds (informal) work, with no crackdown.")
    crackdown_job_effect: float = param(
        0.8, ge=0, le=1, unit="share", source="assumption",
        doc="Share of informal jobs a crackdown of intensity 1 removes.")
    boat_supply_disruption: float = param(
        0.365, ge=0, le=0.99, unit="share", source=CALIBRATED,
        doc="Share of boat supply cut by upstream enforcement from the disruption date.")
    boat_supply_disruption_from: dt.date = param(
        dt.date(2023, 1, 1), unit="date", source="reported: seizures of boats in transit from 2023",
        doc="Date from which the boat-supply disruption acts.")

    @model_validator(mode="after")
    def _announced_before_returns(self) -> Policy:
        if self.announcement_date > self.returns_start:
            raise ValueError(f"[policy] announcement_date = {self.announcement_date} is after returns_start = "
                             f"{self.returns_start}: a pilot is announced on or before its first returns")
        return self


class Weather(Section):
    """Daily sea state with a season; launches need a suitable night."""

    calm_mean_summer: float = param(
        0.523, ge=0, le=1, unit="sea state", source=CALIBRATED,
        doc="Mean sea state (0 calm, 1 storm) at the calmest time of year.")
    calm_mean_winter: float = param(
        0.734, ge=0, le=1, unit="sea state", source=CALIBRATED,
        doc="Mean sea state at the roughest time of year.")
    calmest_day_of_year: int = param(
        196, ge=1, le=366, unit="day of year", source="assumption: seas calmest in mid-July (15 July)",
        doc="Day of the year on which the mean sea state is calmest.")
    sea_persistence: float = param(
        0.6, ge=0, lt=1, unit="1", source="assumption: weather comes in windows",
        doc="Day-to-day autocorrelation of the sea state.")
    sea_noise: float = param(
        0.18, ge=0, le=1, unit="sea state", source=HAND_SET,
        doc="Daily innovation of the sea state.")


class Danger(Section):
    """Deaths at sea."""

    incident_risk_per_boat: float = param(
        8e-5, ge=0, le=1, unit="probability", source=HAND_SET + ": 5 deaths (2022) to 69-78 (2024)",
        doc="Chance of a deadly incident for a boat at the comfortable load in calm sea.")
    overload_risk_per_person: float = param(
        0.06, ge=0, le=1, unit="1/person", source=HAND_SET + ": deaths rose with loads",
        doc="Growth of incident risk per person above the comfortable load (exponential).")
    sea_state_risk: float = param(
        3.0, ge=0, le=50, unit="1", source="assumption",
        doc="Growth of incident risk with sea state (exponential in sea state 0..1).")
    taxi_danger_factor: float = param(
        1.5, ge=1, le=20, unit="1", source="assumption: boarding in the water",
        doc="Multiplier on incident risk of a taxi-boat launch.")
    fatality_share: float = param(
        0.1, ge=0, le=1, unit="share", source="assumption",
        doc="Share of people aboard who die in an incident.")
    waiting_risk_per_hour: float = param(
        0.05, ge=0, le=10, unit="1/hour", source="assumption: busy vessels delay rescues",
        doc="Relative rise of a boat's incident risk per hour it waits for a Border Force vessel.")
    perceived_danger_prior_deaths: float = param(
        0.1, ge=0, le=100, unit="deaths", source="assumption: one death in 10,000 launched",
        doc="Deaths in the prior of the perceived death rate (a quiet spell does not make crossing seem safe).")
    perceived_danger_prior_launched: float = param(
        1000.0, ge=100, le=1e6, unit="people", source="assumption: one death in 10,000 launched",
        doc="People launched in the prior of the perceived death rate.")
    perceived_danger_half_life_days: float = param(
        60.0, gt=0, le=3650, unit="days", source="assumption",
        doc="Half-life of the remembered deaths and launches behind the perceived death rate.")


class Nationality(Section):
    """A nationality group of the people crossing."""

    name: str = Field(min_length=1, description="Name of the group.")
    inflow_share: float = Field(ge=0, le=1, description="Share of arrivals on the coast.")
    grant_rate: float = Field(ge=0, le=1, description="Share of asylum decisions that are grants.")
    legal_route_priority: float = Field(
        ge=0, le=1, description="Priority on the legal route (0 = not eligible).")
    own_returns_from: dt.date | None = Field(
        None, ge=EARLIEST_DATE, le=LAST_DATE, strict=False,
        description="Date of this nationality's own returns arrangement, if any.")
    own_returns_share: float = Field(
        0.0, ge=0, le=1, description="Share of adult arrivals returned home under that arrangement (hand-set, "
                                     "not calibrated: Albania's 0.8 is an assumption).")
    shares_by_year: dict[int, float] = Field(
        default_factory=dict,
        description="Inflow share by calendar year (e.g. from nationality_arrivals.csv), held through "
                    "each listed year; a year not listed takes the line between its listed neighbours, "
                    "and years beyond the first or last hold the nearest; empty: inflow_share throughout. "
                    "Each day the groups' shares are rescaled to sum to one.")

    @field_validator("shares_by_year", mode="before")
    @classmethod
    def _years_from_text(cls, value: Any) -> Any:
        # TOML's keys are text: "2022" names the year 2022
        if isinstance(value, dict):
            return {int(k) if isinstance(k, str) and k.strip().isdigit() else k: v for k, v in value.items()}
        return value

    @field_serializer("shares_by_year")
    def _years_as_text(self, shares: dict[int, float]) -> dict[str, float]:
        # and back: a dump is a scenario file (params.toml beside a run)
        return {str(year): share for year, share in sorted(shares.items())}

    @model_validator(mode="after")
    def _check_shares(self) -> Nationality:
        for year, share in self.shares_by_year.items():
            if not EARLIEST_DATE.year - 1 <= year <= LAST_DATE.year:
                raise ValueError(f"nationality {self.name!r}: shares_by_year has year {year}, outside "
                                 f"{EARLIEST_DATE.year - 1} to {LAST_DATE.year}")
            if not 0 <= share <= 1:
                raise ValueError(f"nationality {self.name!r}: shares_by_year[{year}] = {share} is not a share "
                                 "from 0 to 1")
        return self


def _default_nationalities() -> tuple[Nationality, ...]:
    # Shares: the top nationalities of 2022-25 (data README); grant rates: Home Office
    # initial decisions for small-boat arrivals, about 61-65% in all.
    rows = [
        ("Afghanistan", 0.22, 0.97, 0.97, None, 0.0),
        ("Iran", 0.14, 0.80, 0.80, None, 0.0),
        ("Iraq", 0.10, 0.50, 0.50, None, 0.0),
        ("Eritrea", 0.10, 0.98, 0.98, None, 0.0),
        ("Syria", 0.08, 0.98, 0.98, None, 0.0),
        ("Sudan", 0.07, 0.98, 0.98, None, 0.0),
        # UK-Albania arrangement of 13 December 2022: arrivals fell from 12,658 to 924.
        ("Albania", 0.10, 0.15, 0.0, dt.date(2022, 12, 13), 0.8),
        ("Vietnam", 0.06, 0.20, 0.0, None, 0.0),
        # Turkey: 2% of 2022's arrivals, 11% of 2023's (nationality_arrivals.csv). Grant rate and
        # priority are assumptions: Home Office initial grant rates for Turkish nationals were some
        # tens of percent (well below Afghans' or Eritreans'), and no safe route is aimed at them.
        ("Turkey", 0.05, 0.40, 0.30, None, 0.0),
        ("Other", 0.08, 0.50, 0.40, None, 0.0),
    ]
    return tuple(
        Nationality(name=n, inflow_share=s, grant_rate=g, legal_route_priority=p,
                    own_returns_from=d, own_returns_share=r)
        for n, s, g, p, d, r in rows
    )


SECTIONS: dict[str, type[Section]] = {
    "inflow": Inflow,
    "migrants": Migrants,
    "choice": Choice,
    "beliefs": Beliefs,
    "gangs": Gangs,
    "french_police": FrenchPolice,
    "border_force": BorderForce,
    "policy": Policy,
    "weather": Weather,
    "danger": Danger,
}


class Params(BaseModel):
    """All parameters of a run: one section per mechanism, and the nationality groups."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field("custom", description="Scenario name.")
    description: str = Field("", description="What the scenario represents.")
    inflow: Inflow = Inflow()
    migrants: Migrants = Migrants()
    choice: Choice = Choice()
    beliefs: Beliefs = Beliefs()
    gangs: Gangs = Gangs()
    french_police: FrenchPolice = FrenchPolice()
    border_force: BorderForce = BorderForce()
    policy: Policy = Policy()
    weather: Weather = Weather()
    danger: Danger = Danger()
    nationalities: tuple[Nationality, ...] = Field(default_factory=_default_nationalities)

    @model_validator(mode="after")
    def _check_groups(self) -> Params:
        if not self.nationalities:
            raise ValueError("nationalities: at least one group is needed")
        total = sum(g.inflow_share for g in self.nationalities)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"nationalities: inflow_share values must sum to 1 (they sum to {total:.4f})")
        names = [g.name for g in self.nationalities]
        if len(set(names)) != len(names):
            raise ValueError("nationalities: names must be unique")
        if self.inflow.surge_multiplier > 1 and self.inflow.surge_group not in names:
            raise ValueError(f"[inflow] surge_group = {self.inflow.surge_group!r} is not a nationality group: "
                             f"expected one of {', '.join(names)}, or '' for no surge")
        return self

    def flat(self) -> dict[str, Any]:
        """Every leaf parameter by its unique name (nationalities excluded)."""
        out: dict[str, Any] = {}
        for section in SECTIONS:
            out.update(getattr(self, section).model_dump())
        return out


def leaf_index() -> dict[str, str]:
    """Map each leaf parameter name to its section."""
    index: dict[str, str] = {}
    for section, cls in SECTIONS.items():
        for name in cls.model_fields:
            if name in index:  # pragma: no cover - guarded by a test
                raise RuntimeError(f"parameter name {name!r} is used by two sections")
            index[name] = section
    return index


def field_bounds(field) -> tuple[Any, Any]:
    """Allowed (lowest, highest) of a field, None where open."""
    lo = hi = None
    for m in field.metadata:
        for attr in ("ge", "gt"):
            if getattr(m, attr, None) is not None:
                lo = getattr(m, attr)
        for attr in ("le", "lt"):
            if getattr(m, attr, None) is not None:
                hi = getattr(m, attr)
    return lo, hi


def bounds_excluded(field) -> tuple[bool, bool]:
    """Whether the lowest and the highest allowed value are themselves excluded (gt, lt)."""
    return (any(getattr(m, "gt", None) is not None for m in field.metadata),
            any(getattr(m, "lt", None) is not None for m in field.metadata))


def range_text(field) -> str:
    """The allowed values in words: "0 to 48" with both bounds allowed, else "above 0 and at most 48"."""
    lo, hi = field_bounds(field)
    low_out, high_out = bounds_excluded(field)
    if lo is not None and hi is not None and not (low_out or high_out):
        return f"{lo} to {hi}"
    words = []
    if lo is not None:
        words.append(f"{'above' if low_out else 'at least'} {lo}")
    if hi is not None:
        words.append(f"{'below' if high_out else 'at most'} {hi}")
    return " and ".join(words)


def choices(section: str, name: str) -> list[str]:
    """The names a parameter given by name may take (its ``Literal``'s, or the registered belief rules),
    or ``[]`` for a number, a switch or a date."""
    if (section, name) == ("beliefs", "belief_rule"):
        return belief_rule_names()
    return list(get_args(SECTIONS[section].model_fields[name].annotation))


def describe() -> list[dict[str, Any]]:
    """One row per parameter: section, name, default, unit, range (min, max, whether each is excluded,
    and in words), source, doc."""
    rows = []
    for section, cls in SECTIONS.items():
        for name, field in cls.model_fields.items():
            extra = field.json_schema_extra or {}
            lo, hi = field_bounds(field)
            low_out, high_out = bounds_excluded(field)
            rows.append({
                "section": section, "name": name, "default": field.default,
                "unit": extra.get("unit", ""), "min": lo, "max": hi,
                "min_excluded": low_out, "max_excluded": high_out, "range": range_text(field),
                "source": extra.get("source", ""), "doc": field.description or "",
            })
    return rows
