"""Mesa's own tools work on ChannelModel; a Result plots itself and exports."""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")

import mesa
import numpy as np
import pandas as pd
import pytest

from channelsim.agents import BorderForce, FrenchPolice, Migrant, SmugglingGang
from channelsim.model import COLUMNS, ChannelModel, run


def test_step_advances_exactly_one_day_and_records_it():
    model = ChannelModel(rng=1, start="2025-03-01", warmup_days=10)
    assert model.date.isoformat() == "2025-03-01"
    now, steps = model.env.now, model.steps
    model.step()
    assert model.env.now == now + 1 and model.steps == steps + 1
    assert model.date.isoformat() == "2025-03-02"
    model.run_for(9)
    assert model.date.isoformat() == "2025-03-11"
    frame = model.datacollector.get_model_vars_dataframe()
    assert len(frame) == 10
    assert list(frame.columns) == [c for c in COLUMNS if c != "date"]
    # indexed by the recorded days' dates (the first recorded day is the start date)
    assert frame.index.name == "date"
    assert [d.date().isoformat() for d in frame.index[[0, -1]]] == ["2025-03-01", "2025-03-10"]


def test_every_actor_is_a_registered_mesa_agent():
    model = ChannelModel(rng=1, start="2025-03-01", warmup_days=30, register_migrants=True)
    types = set(model.agent_types)
    assert {Migrant, SmugglingGang, FrenchPolice, BorderForce} <= types
    assert len(model.agents_by_type[SmugglingGang]) == model.params.gangs.gangs
    person = model.agents_by_type[Migrant].to_list()[0]
    assert person.state in {"france", "at_sea", "uk", "detained", "admitted", "elsewhere", "dead"}
    assert 0 <= person.perceived_return_probability <= 1
    assert person.nationality in [g.name for g in model.params.nationalities]


def test_mesa_batch_run_sweeps_parameters_and_seeds():
    rows = mesa.batch_run(ChannelModel, parameters={"returns_per_week": [0, 100], "start": "2025-09-01",
                                                    "warmup_days": 20},
                          rng=[1, 2], max_steps=15, data_collection_period=1, number_processes=1,
                          display_progress=False)
    frame = pd.DataFrame(rows)
    assert frame["RunId"].nunique() == 4
    assert set(frame["returns_per_week"]) == {0, 100}
    assert {"arrivals", "returns", "perceived_return_probability"} <= set(frame.columns)
    # a batch_run row equals the same run made directly
    direct = run("pilot_2025", seed=2, start="2025-09-01", days=15, warmup_days=20, returns_per_week=100).series
    mine = frame[(frame["rng"] == 2) & (frame["returns_per_week"] == 100)].sort_values("Step")
    assert mine["arrivals"].tolist() == direct["arrivals"].tolist()


def test_result_series_has_the_documented_columns(pilot_2025):
    assert list(pilot_2025.series.columns) == list(COLUMNS)
    assert pilot_2025.series["date"].iloc[0] == pd.Timestamp("2025-01-01")
    assert len(pilot_2025.series) == 365


def test_weekly_view_sums_flows_and_averages_stocks(pilot_2025):
    weekly = pilot_2025.weekly()
    assert weekly["arrivals"].sum() == pilot_2025.series["arrivals"].sum()
    assert weekly["waiting"].max() <= pilot_2025.series["waiting"].max()
    assert weekly.index.day_of_week.unique().tolist() == [6]  # weeks end on Sunday
    complete = pilot_2025.weekly(complete_only=True)
    assert (complete["days"] == 7).all() and len(complete) == 51  # 6 January to 28 December 2025


def test_result_plots_and_saves_everything(pilot_2025, tmp_path):
    fig = pilot_2025.plot()
    assert len(fig.axes) == 9 and all(ax.lines for ax in fig.axes)
    out = pilot_2025.save(tmp_path / "run")
    summary = json.loads((out / "summary.json").read_text())
    assert summary["provenance"]["seed"] == 7
    assert summary["summary"]["arrivals"] == pilot_2025.series["arrivals"].sum()
    back = pd.read_parquet(out / "series.parquet")
    pd.testing.assert_frame_equal(back, pilot_2025.series)
    assert (out / "series.png").stat().st_size > 10_000
    assert "returns_per_week = 50" in (out / "params.toml").read_text()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "temporary folder left behind"


def test_summary_reports_rates_not_just_totals(pilot_2025):
    s = pilot_2025.summary()
    assert s["arrivals_per_week"] == pytest.approx(s["arrivals"] / 365 * 7)
    assert 0 < s["prevented_share"] < 1
    assert s["people_per_boat"] == pytest.approx(s["arrivals"] / s["boats_arrived"])
    assert np.isfinite(s["mean_seat_price_gbp"])


def test_reporters_a_user_adds_are_collected_beside_the_days_record():
    # the day's record goes into the DataCollector directly; a reporter a user adds takes Mesa's own path
    model = ChannelModel("pilot_2025", rng=2, start="2025-06-01", warmup_days=30)
    model.datacollector._new_model_reporter("gang_count", lambda m: len(m.gangs))
    model.datacollector._new_agent_reporter("price", lambda a: getattr(a, "price_gbp", None))
    model.run_for(3)
    frame = model.datacollector.get_model_vars_dataframe()
    assert list(frame["gang_count"]) == [len(model.gangs)] * 3
    assert len(frame) == 3 and frame["arrivals"].notna().all()
    prices = model.datacollector.get_agent_vars_dataframe()["price"].dropna()
    assert len(prices) == 3 * len(model.gangs)
