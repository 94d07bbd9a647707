"""Nationality groups: flows by group, the published mix over time, the surge episode, the data file."""

from __future__ import annotations

import datetime as dt

import pytest

from channelsim.agents.coast import InflowMix
from channelsim.core.calendar import Calendar
from channelsim.core.data import DataError
from channelsim.core.nationality_data import read_nationality_arrivals
from channelsim.core.params import Params
from channelsim.core.scenarios import ScenarioError, apply_overrides, from_dict
from channelsim.model import ChannelModel

FLOWS = ["inflow", "arrivals", "returns", "returns_home_country"]


def flows_by_group(scenario="pilot_2025", seed=1, start="2025-08-01", days=120, **overrides):
    model = ChannelModel(scenario, rng=seed, start=start, warmup_days=90, **overrides)
    model.run_for(days)
    return model.nationality_series(), model.datacollector.get_model_vars_dataframe()


def test_flows_by_nationality_sum_to_the_daily_totals():
    groups, daily = flows_by_group()
    assert len(groups) == len(daily) * len(Params().nationalities)
    totals = groups.groupby("date", observed=True)[FLOWS].sum()
    for flow in FLOWS:
        assert (totals[flow].to_numpy() == daily[flow].to_numpy()).all(), flow
    assert daily["returns"].sum() > 0 and daily["returns_home_country"].sum() > 0


def albanian_share_of_inflow(groups, months):
    rows = groups[groups["date"].dt.month.isin(months)]
    by_group = rows.groupby("nationality", observed=True)["inflow"].sum()
    return by_group["Albania"] / by_group.sum()


def test_the_surge_raises_one_group_over_its_episode_and_switching_it_off_removes_the_peak():
    common = dict(start="2022-01-01", days=300, surge_start="2022-04-01", surge_days=180)
    on, _ = flows_by_group(seed=3, surge_multiplier=8.0, **common)
    off, _ = flows_by_group(seed=3, surge_multiplier=1.0, **common)
    winter, summer = [1, 2, 3], [6, 7, 8]
    assert albanian_share_of_inflow(on, summer) > 3 * albanian_share_of_inflow(on, winter)
    assert albanian_share_of_inflow(off, summer) < 1.5 * albanian_share_of_inflow(off, winter)
    # before the episode the two runs are the same run (common random numbers)
    before = on["date"] < "2022-04-01"
    assert on[before][FLOWS].equals(off[before][FLOWS])
    # the surge adds Albanians; it does not take other people away
    others_on = on[on["nationality"] != "Albania"]["inflow"].sum()
    others_off = off[off["nationality"] != "Albania"]["inflow"].sum()
    assert others_on == pytest.approx(others_off, rel=0.1)


def test_inflow_shares_follow_a_mix_given_by_year():
    params = Params()
    data = params.model_dump()
    data["inflow"]["nationality_mix"] = "constant"   # the other groups keep their constant shares
    for group in data["nationalities"]:
        group["shares_by_year"] = {}
    data["nationalities"][1]["shares_by_year"] = {2018: 0.8, 2021: 0.05}   # Iran
    mixed = from_dict(data)
    groups, _ = flows_by_group(mixed, seed=2, start="2018-03-01", days=1100)
    share = (groups[groups["nationality"] == "Iran"].groupby(groups["date"].dt.year)["inflow"].sum()
             / groups.groupby(groups["date"].dt.year)["inflow"].sum())
    # each day the shares are rescaled to sum to one: Iran's 0.8 against the other groups' constant shares
    others = sum(g.inflow_share for g in mixed.nationalities if g.name != "Iran")
    assert share[2018] == pytest.approx(0.8 / (0.8 + others), abs=0.05)
    assert share[2021] < 0.15 and share[2018] > share[2019] > share[2020]


def test_a_listed_year_s_share_holds_through_that_year_and_a_year_left_out_takes_the_line_between():
    # a published share describes a year's arrivals: a line between mid-years pulled Iran's 2019 (0.66)
    # towards 2020's 0.28 and made 0.55 of it
    data = Params().model_dump()
    data["inflow"]["nationality_mix"] = "constant"
    for group in data["nationalities"]:
        group["shares_by_year"] = {}
    data["nationalities"][1]["shares_by_year"] = {2019: 0.6, 2021: 0.2}   # Iran; 2020 is not listed
    params = from_dict(data)
    calendar = Calendar(dt.date(2018, 1, 1))
    mix = InflowMix(params, calendar)
    afghanistan = params.nationalities[0].inflow_share

    def iran(date: str) -> float:   # Iran's scheduled share, read against a group on its constant share
        shares = mix.shares(calendar.day(dt.date.fromisoformat(date)))
        return float(shares[1] / shares[0] * afghanistan)

    assert iran("2019-01-01") == pytest.approx(0.6) and iran("2019-12-31") == pytest.approx(0.6)
    assert iran("2018-03-01") == pytest.approx(0.6)                      # before the first year listed: held
    assert iran("2020-01-01") == pytest.approx(0.4) and iran("2020-12-31") == pytest.approx(0.4)
    assert iran("2021-01-01") == pytest.approx(0.2) and iran("2030-06-01") == pytest.approx(0.2)


def test_surge_and_mix_settings_are_checked():
    with pytest.raises(ScenarioError, match="surge_group = 'Narnia' is not a nationality group"):
        apply_overrides(Params(), {"surge_group": "Narnia", "surge_multiplier": 3.0})
    apply_overrides(Params(), {"surge_group": "Narnia", "surge_multiplier": 1.0})   # a surge that is off needs none
    data = Params().model_dump()
    data["nationalities"][0]["shares_by_year"] = {2022: 1.7}
    with pytest.raises(ScenarioError, match=r"shares_by_year\[2022\] = 1.7 is not a share"):
        from_dict(data)


def test_the_published_nationality_file_reads(data_dir):
    frame = read_nationality_arrivals(data_dir / "nationality_arrivals.csv")
    albania = frame[(frame["nationality"] == "Albania") & (frame["period_start"].dt.year == 2022)
                    & (frame["period_end"] == "2022-12-31")]
    assert albania["people"].tolist() == [12658]
    assert set(frame["basis"]) == {"count", "share"}


HEADER = "period_start,period_end,nationality,people,share_of_known,basis,source\n"


@pytest.mark.parametrize("body, message", [
    ("2022-01-01,2022-12-31,Albania,12658,0.28,count,x\n2022-13-01,2022-12-31,Iran,,0.1,share,x\n",
     r"line 3, column 'period_start': '2022-13-01' is not a date"),
    ("2022-01-01,2021-12-31,Albania,12658,0.28,count,x\n", r"line 2: the period ends before it starts"),
    ("2022-01-01,2022-12-31,Albania,lots,0.28,count,x\n", r"line 2, column 'people': 'lots' is not a number"),
    ("2022-01-01,2022-12-31,Albania,,1.8,share,x\n", r"line 2, column 'share_of_known': 1.8 is not a number"),
    ("2022-01-01,2022-12-31,Albania,,,count,x\n", r"line 2, column 'basis': is 'count' but that column is empty"),
    ("2022-01-01,2022-12-31,Albania,5,,guess,x\n", r"line 2, column 'basis': must be 'count' or 'share'"),
    ("2022-01-01,2022-12-31,Albania,5,,count,x\n2022-01-01,2022-12-31,Albania,6,,count,y\n",
     r"line 3: a second row for Albania over the same period"),
    ("2022-01-01,2022-12-31,,5,,count,x\n", r"line 2, column 'nationality': empty"),
])
def test_a_malformed_nationality_file_is_refused_naming_line_and_column(tmp_path, body, message):
    path = tmp_path / "nationality_arrivals.csv"
    path.write_text(HEADER + body)
    with pytest.raises(DataError, match=message):
        read_nationality_arrivals(path)


def test_a_nationality_file_missing_a_column_is_refused(tmp_path):
    path = tmp_path / "nationality_arrivals.csv"
    path.write_text("period_start,period_end,nationality,people\n2022-01-01,2022-12-31,Albania,5\n")
    with pytest.raises(DataError, match="missing column"):
        read_nationality_arrivals(path)


def test_a_run_returns_and_saves_the_flows_by_nationality(tmp_path):
    import pandas as pd

    from channelsim.model import run

    result = run("pilot_2025", seed=2, start="2025-09-10", days=40)
    saved = pd.read_parquet(result.save(tmp_path / "out") / "nationalities.parquet")
    assert (tmp_path / "out" / "nationalities.csv").is_file()
    totals = saved.groupby("date", observed=True)[FLOWS].sum()
    for flow in FLOWS:
        assert (totals[flow].to_numpy() == result.series[flow].to_numpy()).all(), flow
