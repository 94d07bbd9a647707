"""The nationality mix by year is derived from the published file at run time ([inflow] nationality_mix)."""

from __future__ import annotations

import datetime as dt
import shutil

import numpy as np
import pandas as pd
import pytest

from channelsim.agents.coast import InflowMix
from channelsim.core.calendar import Calendar
from channelsim.core.data import DataError
from channelsim.core.nationality_data import published_shares, read_nationality_arrivals, with_published_mix
from channelsim.core.params import Nationality, Params
from channelsim.core.scenarios import ScenarioError, apply_overrides
from channelsim.experiments.cli import main
from channelsim.model import ChannelModel

HEADER = "period_start,period_end,nationality,people,share_of_known,basis,source\n"


def group(name, share, own_returns_from=None):
    return Nationality(name=name, inflow_share=share, grant_rate=0.5, legal_route_priority=0.5,
                       own_returns_from=own_returns_from, own_returns_share=0.8 if own_returns_from else 0.0)


GROUPS = (group("A", 0.5), group("B", 0.2), group("C", 0.1), group("Other", 0.2))


def shares_from(tmp_path, body, groups=GROUPS, **surge):
    path = tmp_path / "nationality_arrivals.csv"
    path.write_text(HEADER + body)
    return published_shares(read_nationality_arrivals(path), groups, **surge)


def test_listed_groups_take_their_share_and_the_rest_is_split_by_the_constant_shares(tmp_path):
    shares = shares_from(tmp_path, "2021-01-01,2021-12-31,A,,0.40,share,x\n"
                                   "2021-01-01,2021-12-31,Narnia,,0.30,share,x\n")   # not a model group
    assert shares["A"][2021] == pytest.approx(0.40)
    # the remainder 0.60 goes to B, C and Other as 0.2 : 0.1 : 0.2
    assert [shares[g][2021] for g in ("B", "C", "Other")] == pytest.approx([0.24, 0.12, 0.24])


def test_a_year_uses_its_longest_period_from_january_and_ignores_the_parts(tmp_path):
    shares = shares_from(tmp_path, "2022-01-01,2022-06-30,A,,0.90,share,x\n"
                                   "2022-05-01,2022-09-30,B,,0.90,share,x\n"
                                   "2022-01-01,2022-12-31,A,,0.30,share,x\n"
                                   "2024-01-01,2024-09-30,B,,0.50,share,x\n")
    assert sorted(shares["A"]) == [2022, 2024]
    assert shares["A"][2022] == pytest.approx(0.30)
    assert shares["B"][2022] == pytest.approx(0.70 * 0.2 / 0.5)   # its May-September row is a part
    assert shares["B"][2024] == pytest.approx(0.50)              # January-September is 2024's longest
    assert all(sum(shares[g][y] for g in shares) == pytest.approx(1.0) for y in (2022, 2024))


def test_the_surge_group_is_held_through_its_window_and_the_others_keep_their_background(tmp_path):
    body = ("2021-01-01,2021-12-31,A,,0.40,share,x\n2021-01-01,2021-12-31,B,,0.05,share,x\n"
            "2022-01-01,2022-12-31,A,,0.25,share,x\n2022-01-01,2022-12-31,B,,0.40,share,x\n"
            "2023-01-01,2023-12-31,A,,0.40,share,x\n2023-01-01,2023-12-31,B,,0.02,share,x\n")
    held = shares_from(tmp_path, body, surge_group="B", surge_start=dt.date(2022, 4, 1), surge_days=180)
    fed = shares_from(tmp_path, body)
    assert fed["B"][2022] == pytest.approx(0.40)
    assert held["B"][2022] == pytest.approx(0.05)                     # 2021's share, not the surge
    assert held["A"][2022] == pytest.approx(0.25 * 0.95 / 0.60)       # rescaled by (1 - held) / (1 - observed)
    assert held["B"][2023] == pytest.approx(0.02) and held["A"][2023] == pytest.approx(0.40)   # after: data
    for year in (2021, 2022, 2023):
        assert sum(held[g][year] for g in held) == pytest.approx(1.0)


def test_a_group_with_its_own_returns_is_held_from_the_year_after_the_arrangement(tmp_path):
    groups = (group("A", 0.5), group("B", 0.3, own_returns_from=dt.date(2022, 12, 13)), group("Other", 0.2))
    shares = shares_from(tmp_path, "2022-01-01,2022-12-31,B,,0.30,share,x\n"
                                   "2023-01-01,2023-12-31,B,,0.03,share,x\n"
                                   "2023-01-01,2023-12-31,A,,0.50,share,x\n", groups)
    assert shares["B"] == pytest.approx({2022: 0.30, 2023: 0.30})
    assert shares["A"][2023] == pytest.approx(0.50 * 0.70 / 0.97)


def test_the_model_reads_the_mix_from_the_file_it_is_given(tmp_path, data_dir):
    swapped = tmp_path / "data"
    shutil.copytree(data_dir, swapped)
    path = swapped / "nationality_arrivals.csv"
    table = pd.read_csv(path)
    afghans_2023 = (table["nationality"] == "Afghanistan") & (table["period_start"] == "2023-01-01")
    table.loc[afghans_2023, "share_of_known"] = 0.40
    table.to_csv(path, index=False)

    def afghan_share(folder):
        model = ChannelModel(rng=1, start="2023-07-01", warmup_days=0, data_dir=folder)
        names = [g.name for g in model.params.nationalities]
        return model.coast.mix.shares(model.calendar.day(dt.date(2023, 7, 2)))[names.index("Afghanistan")]

    # the published shares are of arrivals: the inflow's share is the published one over the group's
    # eventual-crossing share (model.nationality_mix), so doubling the published share about doubles it
    original, doubled = afghan_share(data_dir), afghan_share(swapped)
    assert 0.1 < original < 0.25
    assert 1.6 < doubled / original < 2.4   # the other groups shrink to make room: a little over 2


def test_groups_that_cross_less_get_a_larger_share_of_the_inflow_than_of_the_published_arrivals(data_dir):
    from channelsim.agents.migrant import eventual_crossing_share
    from channelsim.core.nationality_data import with_published_mix
    from channelsim.model.nationality_mix import inflow_mix

    params = Params()
    crossing = eventual_crossing_share(params, 1e-4)
    names = [g.name for g in params.nationalities]
    grant = np.array([g.grant_rate for g in params.nationalities])
    assert np.all((crossing > 0) & (crossing <= 1))
    # better asylum prospects, more of those waiting cross in the end
    assert crossing[np.argmax(grant)] > crossing[np.argmin(grant)]
    published = {g.name: g.shares_by_year for g in with_published_mix(params, data_dir).nationalities}
    inflow = {g.name: g.shares_by_year for g in inflow_mix(params, data_dir).nationalities}
    ratio = {n: inflow[n][2023] / published[n][2023] for n in names}
    assert ratio["Albania"] > 2 * ratio["Afghanistan"]   # Albania: grant rate 0.15; Afghanistan: 0.97


def test_constant_ignores_the_file_and_explicit_shares_are_kept(tmp_path, data_dir):
    constant = apply_overrides(Params(), {"nationality_mix": "constant", "nationality_mix_file": "no_such.csv"})
    assert with_published_mix(constant, tmp_path) is constant
    assert all(not g.shares_by_year for g in ChannelModel(constant, rng=1, warmup_days=0).params.nationalities)
    mix = InflowMix(constant, Calendar(dt.date(2022, 1, 1)))
    outside_the_surge = 600   # August 2023: the (calibrated, on) surge multiplies Albania's share in 2022
    assert mix.surge(outside_the_surge) == 1.0
    assert mix.shares(outside_the_surge) == pytest.approx(np.array([g.inflow_share for g in constant.nationalities]))

    data = Params().model_dump()
    data["nationalities"][1]["shares_by_year"] = {2020: 0.5}   # Iran, given by the scenario
    published = with_published_mix(Params.model_validate(data), data_dir)
    assert published.nationalities[1].shares_by_year == {2020: 0.5}
    assert published.nationalities[0].shares_by_year[2023] == pytest.approx(0.20)   # Afghanistan, from the file


def test_a_missing_or_malformed_file_names_the_switch_to_constant(tmp_path, capsys):
    with pytest.raises(DataError, match="nationality_mix = 'constant'"):
        with_published_mix(Params(), tmp_path)
    (tmp_path / "nationality_arrivals.csv").write_text(HEADER + "2022-01-01,2022-12-31,Albania,,1.8,share,x\n")
    with pytest.raises(DataError, match=r"line 2, column 'share_of_known'.*nationality_mix = 'constant'"):
        with_published_mix(Params(), tmp_path)
    assert main(["run", "--days", "3", "--quiet", "--data", str(tmp_path), "--out", str(tmp_path / "out")]) == 2
    assert "nationality_mix" in capsys.readouterr().err
    with pytest.raises(ScenarioError, match="inside the data folder"):
        apply_overrides(Params(), {"nationality_mix_file": "../nationality_arrivals.csv"})
