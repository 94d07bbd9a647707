"""channelsim.ensemble: many runs of several scenarios with bands, from Python; seed and rng alike."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import channelsim
from channelsim.core.errors import ChannelsimError

WINDOW = {"start": "2025-06-02", "days": 56}


@pytest.fixture(scope="module")
def seeds_ensemble():
    return channelsim.ensemble(["no_deal", "pilot_published"], draws=3, seed=4, **WINDOW)


def test_bands_are_ordered_quantiles_over_the_members(seeds_ensemble):
    bands = seeds_ensemble.bands()
    assert set(bands["scenario"]) == {"no_deal", "pilot_published"}
    assert (bands["members"] == 3).all()
    assert (bands["q05"] <= bands["q50"]).all() and (bands["q50"] <= bands["q95"]).all()
    arrivals = seeds_ensemble.long().query("variable == 'arrivals' and scenario == 'no_deal'")
    first = arrivals[arrivals["date"] == arrivals["date"].min()]["value"]
    row = bands.query("variable == 'arrivals' and scenario == 'no_deal'").iloc[0]
    assert row["q50"] == pytest.approx(first.median())


def test_totals_sum_flows_and_average_beliefs(seeds_ensemble):
    totals = seeds_ensemble.totals().set_index(["scenario", "member", "variable"])["total"]
    long = seeds_ensemble.long()
    one = long[(long["scenario"] == "pilot_published") & (long["member"] == 1)]
    assert totals[("pilot_published", 1, "arrivals")] == one.query("variable == 'arrivals'")["value"].sum()
    belief = one.query("variable == 'perceived_return_probability'")["value"]
    assert totals[("pilot_published", 1, "perceived_return_probability")] == pytest.approx(belief.mean())


def test_effect_is_member_by_member_against_the_baseline(seeds_ensemble):
    effect = seeds_ensemble.effect().set_index("variable")
    totals = seeds_ensemble.totals().query("variable == 'arrivals'").pivot(index="member", columns="scenario",
                                                                           values="total")
    diff = totals["pilot_published"] - totals["no_deal"]
    assert effect.loc["arrivals", "difference_q50"] == pytest.approx(np.quantile(diff, 0.5))
    assert effect.loc["arrivals", "baseline"] == "no_deal" and effect.loc["arrivals", "members"] == 3


def test_the_same_seed_gives_the_same_ensemble_and_rng_is_seed(seeds_ensemble):
    again = channelsim.ensemble(["no_deal", "pilot_published"], draws=3, rng=4, **WINDOW)
    pd.testing.assert_frame_equal(again.series.reset_index(drop=True), seeds_ensemble.series.reset_index(drop=True))
    other = channelsim.ensemble(["no_deal"], draws=1, seed=5, **WINDOW)
    assert not other.series["arrivals"].equals(seeds_ensemble.series["arrivals"].iloc[: len(other.series)])


def test_plot_draws_each_scenario_and_the_observed_series(seeds_ensemble, tmp_path):
    fig = seeds_ensemble.plot("arrivals", path=tmp_path / "bands.png")
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert any("no_deal" in t for t in labels) and any("pilot_published" in t for t in labels)
    assert any("observed" in t for t in labels)
    assert (tmp_path / "bands.png").stat().st_size > 10_000
    assert fig.axes[0].get_ylabel() == "arrivals (people/week)"
    belief = seeds_ensemble.plot("perceived_return_probability").axes[0].get_ylabel()
    assert belief == "perceived return probability (probability, weekly mean)"
    with pytest.raises(ChannelsimError, match="not an output"):
        seeds_ensemble.plot("deaths_per_boat")


def test_posterior_draws_give_each_member_its_own_parameters():
    ens = channelsim.ensemble(["no_deal", "pilot_published"], draws="posterior", n=2, outputs=("arrivals",),
                              start="2025-07-01", days=21)
    runs = ens.runs
    params = [c for c in runs.columns if c.startswith("param_")]
    assert params, "the posterior draws set parameters"
    by_member = runs.groupby("point")[params].first()
    assert len(by_member.drop_duplicates()) == 2                  # the two draws differ
    same = runs.groupby("point")[params].nunique(dropna=False)
    assert (same == 1).all().all()                                # each draw shared by both scenarios


@pytest.mark.parametrize("kwargs, fragment", [
    ({"scenarios": ["no_such_scenario"]}, "no_such_scenario"),
    ({"scenarios": ["no_deal"], "draws": 0}, "draws must be"),
    ({"scenarios": ["no_deal"], "outputs": ("arrivals", "nonsense")}, "nonsense"),
    ({"scenarios": ["no_deal"], "baseline": "pilot_2025"}, "baseline"),
    ({"scenarios": ["no_deal", "no_deal"]}, "each once"),
    ({"scenarios": ["no_deal"], "quantiles": (0.0, 0.5)}, "quantiles"),
    ({"scenarios": ["no_deal"], "days": 10, "end": "2025-08-01"}, "not both"),
])
def test_bad_arguments_are_named(kwargs, fragment):
    scenarios = kwargs.pop("scenarios")
    with pytest.raises(ChannelsimError, match=fragment):
        channelsim.ensemble(scenarios, **{"draws": 1, "start": "2025-06-02", **({"days": 7} if "end" not in kwargs
                                                                                else {}), **kwargs})


def test_run_and_channel_model_take_seed_and_rng_alike():
    a = channelsim.run("no_deal", seed=3, start="2025-06-01", days=10, warmup_days=30)
    b = channelsim.run("no_deal", rng=3, start="2025-06-01", days=10, warmup_days=30)
    pd.testing.assert_frame_equal(a.series, b.series)
    m1 = channelsim.ChannelModel("no_deal", seed=7, start="2025-06-01", warmup_days=10)
    m2 = channelsim.ChannelModel("no_deal", rng=7, start="2025-06-01", warmup_days=10)
    for _ in range(5):
        m1.step()
        m2.step()
    pd.testing.assert_frame_equal(m1.datacollector.get_model_vars_dataframe(),
                                  m2.datacollector.get_model_vars_dataframe())
    with pytest.raises(ChannelsimError, match="not both"):
        channelsim.ChannelModel("no_deal", seed=1, rng=2)
    with pytest.raises(ChannelsimError, match="not both"):
        channelsim.run("no_deal", seed=2, rng=3, days=5)


def test_the_compare_command_writes_bands_effects_and_a_figure(tmp_path, capsys):
    from channelsim.experiments.cli import main

    out = tmp_path / "cmp"
    rc = main(["compare", "no_deal", "pilot_published", "--draws", "2", "--start", "2025-06-02", "--days", "21",
               "--outputs", "arrivals,returns", "--out", str(out), "--serial"])
    assert rc == 0
    printed = capsys.readouterr().out
    assert "effect against no_deal" in printed and "pilot_published" in printed
    effect = pd.read_csv(out / "effect.csv")
    assert set(effect["variable"]) == {"arrivals", "returns"} and set(effect["scenario"]) == {"pilot_published"}
    bands = pd.read_csv(out / "bands.csv")
    assert {"q05", "q50", "q95", "members"} <= set(bands.columns) and (bands["members"] == 2).all()
    assert (out / "compare.png").stat().st_size > 10_000 and (out / "runs").is_dir()


def test_totals_cover_every_day_of_a_window_that_starts_and_ends_mid_week(tmp_path):
    """21 days from Tuesday 1 July 2025 hold two complete weeks: the totals still cover the 21 days."""
    window = {"start": "2025-07-01", "days": 21, "outputs": ("arrivals", "waiting"), "draws": 2, "seed": 7}
    weekly = channelsim.ensemble(["no_deal", "pilot_published"], **window)
    daily = channelsim.ensemble(["no_deal", "pilot_published"], frequency="daily", **window)
    assert weekly.series["date"].nunique() == 2 and daily.series["date"].nunique() == 21
    by_day = daily.long().groupby(["scenario", "member", "variable"])["value"]
    expected = pd.concat([by_day.sum().xs("arrivals", level="variable").rename("arrivals"),
                          by_day.mean().xs("waiting", level="variable").rename("waiting")], axis=1)
    for ens in (weekly, daily):
        got = ens.totals().pivot_table(index=["scenario", "member"], columns="variable", values="total")
        pd.testing.assert_frame_equal(got[["arrivals", "waiting"]], expected.astype(float), check_names=False)
    assert weekly.totals()["total"].gt(0).all()
    pd.testing.assert_frame_equal(weekly.effect(), daily.effect())


def test_seeds_are_common_random_numbers_across_scenarios(tmp_path):
    """draws=N: member k of every scenario runs with the same seed, so the same parameters under another
    name give the same series member by member, and the members differ from one another."""
    twin = tmp_path / "no_deal_again.toml"
    twin.write_text((Path(channelsim.__file__).parent / "core" / "scenarios" / "no_deal.toml").read_text())
    ens = channelsim.ensemble(["no_deal", str(twin)], draws=2, seed=9, start="2025-06-02", days=14,
                              frequency="daily", outputs=("arrivals", "waiting"))
    long = ens.long().pivot_table(index=["member", "date", "variable"], columns="scenario", values="value")
    assert np.array_equal(long["no_deal"].to_numpy(), long[str(twin)].to_numpy())
    arrivals = ens.long().query("scenario == 'no_deal' and variable == 'waiting'")
    first, second = (arrivals[arrivals["member"] == m]["value"].to_numpy() for m in sorted(set(arrivals["member"])))
    assert not np.array_equal(first, second)
    assert (ens.effect()["difference_q50"] == 0).all()


def test_a_folder_of_runs_made_from_other_data_is_not_resumed(tmp_path, data_dir):
    """Resuming an ensemble's folder with other data files is refused (their hashes are in its manifest)."""
    import shutil

    newer = tmp_path / "newer"
    shutil.copytree(data_dir, newer)
    returns = newer / "one_in_one_out_monthly.csv"
    returns.write_text(returns.read_text().replace("2026-06,314,264", "2026-06,314,300"))
    out = tmp_path / "runs"
    first = channelsim.ensemble(["pilot_published"], draws=1, start="2025-06-02", days=7, out=out, data_dir=data_dir)
    again = channelsim.ensemble(["pilot_published"], draws=1, start="2025-06-02", days=7, out=out, data_dir=data_dir)
    pd.testing.assert_frame_equal(first.series, again.series)   # the same data: resumed
    with pytest.raises(ChannelsimError, match=r"other data files \(one_in_one_out_monthly.csv changed"):
        channelsim.ensemble(["pilot_published"], draws=1, start="2025-06-02", days=7, out=out, data_dir=newer)


def test_seed_and_rng_disagreeing_is_an_error():
    with pytest.raises(ChannelsimError, match="not both"):
        channelsim.ensemble(["no_deal"], draws=1, seed=2, rng=3, **WINDOW)
    with pytest.raises(ChannelsimError, match="draws='posterior'"):
        channelsim.ensemble(["no_deal"], draws=1, variant="full", **WINDOW)


def test_the_compare_command_takes_the_frequency_and_refuses_a_variant_of_seeds(tmp_path, capsys):
    from channelsim.experiments.cli import main

    out = tmp_path / "daily"
    assert main(["compare", "no_deal", "--draws", "1", "--start", "2025-06-03", "--days", "9", "--frequency",
                 "daily", "--outputs", "arrivals", "--out", str(out), "--serial", "--quiet"]) == 0
    bands = pd.read_csv(out / "bands.csv")
    assert bands["date"].nunique() == 9
    assert main(["compare", "no_deal", "--draws", "1", "--variant", "null_model", "--days", "7",
                 "--out", str(tmp_path / "bad"), "--serial"]) != 0
    assert "draws='posterior'" in capsys.readouterr().err


def test_the_compare_command_refuses_bad_input_in_one_line(tmp_path, capsys):
    from channelsim.experiments.cli import main

    out = tmp_path / "cmp"
    assert main(["compare", "no_such_scenario", "--draws", "2", "--out", str(out), "--serial", "--days", "7"]) != 0
    err = capsys.readouterr().err
    assert "no_such_scenario" in err and "Traceback" not in err
    assert not (out / "effect.csv").exists()
    with pytest.raises(SystemExit) as exit_:
        main(["compare", "no_deal", "--draws", "0", "--out", str(out)])
    assert exit_.value.code == 2 and "--draws" in capsys.readouterr().err
