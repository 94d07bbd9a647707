"""What a researcher takes away: figures ready for a paper (units, dates, legends in words, provenance,
honest bands) and summaries that cannot contradict themselves. Figures are kept in tests/artifacts/."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from channelsim.experiments import plots
from channelsim.experiments.inference.counterfactual import FEW_DRAWS, OUTCOMES, effects, statement

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


@pytest.fixture(scope="module")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def effect_row(changes: np.ndarray, no_deal: float = 20_000.0) -> pd.DataFrame:
    """A counterfactual table of one arm whose draws changed crossings by ``changes`` against no deal."""
    n = len(changes)
    runs = pd.DataFrame({
        "run_id": range(2 * n), "status": "ok", "point": [*range(n), *range(n)],
        "scenario": ["no_deal"] * n + ["pilot_published"] * n,
        "out_arrivals": [no_deal] * n + list(no_deal + changes),
        **{f"out_{k}": 1.0 for k in OUTCOMES if k != "arrivals"},
    })
    return effects(runs, ("pilot_published",))


def test_the_statement_names_its_ratio_and_never_calls_a_band_all_reduction_while_a_draw_rose():
    changes = np.r_[np.linspace(-6000, -500, 19), +300.0]   # 19 draws fewer crossings, one more
    table = effect_row(changes)
    assert -table.iloc[0]["change_95"] > 0, "the case this test is for: the 90% band lies below zero"
    text = statement(table)
    assert "whole" not in text and "every draw" not in text
    assert "1 of 20 draws show as many crossings as without the deal or more" in text
    assert "median over draws of each draw's ratio" in text and "median over draws of each draw's difference" in text
    every = statement(effect_row(np.linspace(-6000, -500, 20)))
    assert "lower than without the deal in every draw" in every and "Warning" not in every


def test_fewer_than_twenty_draws_get_a_warning_that_bands_are_not_meaningful():
    text = statement(effect_row(np.linspace(-3000, 200, FEW_DRAWS - 1)))
    assert f"{FEW_DRAWS - 1} draws are fewer than {FEW_DRAWS}" in text and "not meaningful" in text


def test_counterfactual_running_total_uses_every_day_and_ends_at_the_tables_number(artifacts):
    rng = np.random.default_rng(3)
    dates = pd.date_range("2025-08-06", periods=365, freq="D")   # not whole weeks: starts on a Wednesday
    draws, rows, runs = 6, [], []
    for scenario in ("no_deal", "pilot_published"):
        for point in range(draws):
            run_id = len(runs)
            daily = rng.poisson(80 if scenario == "no_deal" else 70, len(dates)).astype(float)
            rows.append(pd.DataFrame({"run_id": run_id, "date": dates, "arrivals": daily}))
            runs.append({"run_id": run_id, "status": "ok", "point": point, "scenario": scenario,
                         "out_arrivals": daily.sum(), **{f"out_{k}": 1.0 for k in OUTCOMES if k != "arrivals"}})
    runs, series = pd.DataFrame(runs), pd.concat(rows)
    table = effects(runs, ("pilot_published",))
    so_far = plots.deterred_so_far(series, runs, "no_deal")["pilot_published"]
    assert so_far.index[-1] == dates[-1]
    assert so_far.iloc[-1].median() == pytest.approx(-table.iloc[0]["change_median"])
    path = plots.counterfactual_figure(table, series, runs, "no_deal", artifacts / "counterfactual.png")
    assert path.stat().st_size > 20_000


def test_fan_chart_names_points_by_their_parameter_values_and_draws_no_band_from_few_replicates(artifacts):
    dates = pd.date_range("2025-09-07", periods=20, freq="W-SUN")
    runs = pd.DataFrame({"run_id": range(6), "status": "ok", "point": [0, 0, 0, 1, 1, 1], "replicate": [0, 1, 2] * 2,
                         "param_returns_per_week": [0.0] * 3 + [150.0] * 3})
    series = pd.DataFrame([{"run_id": r, "date": d, "arrivals": 500 - 100 * (r > 2) + 10 * r}
                           for r in range(6) for d in dates])
    labels = plots._point_labels(runs)
    assert labels[1] == "returns per week = 150"
    path = plots.fan_chart(series, runs, artifacts / "fan_arrivals.png", note="test: 3 replicates")
    assert path.stat().st_size > 15_000
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    plots._bands(ax, range(10), pd.DataFrame(np.ones((10, 3))), "tab:blue", "model")
    assert not ax.collections, "a band was drawn from 3 members"
    assert "too few for bands" in ax.get_lines()[0].get_label()
    plt.close(fig)


def test_sobol_bars_show_every_outcome_and_warn_when_n_is_small(artifacts):
    names = ["returns_per_week", "crackdown_intensity", "beach_prevention_share"]
    outcomes = ["arrivals", "returns", "returns_per_arrival", "deaths", "gang_revenue_gbp"]
    rng = np.random.default_rng(0)
    indices = pd.DataFrame([{"outcome": o, "parameter": n, "S1": rng.uniform(0, .5), "S1_conf": .2,
                             "ST": rng.uniform(.2, .8), "ST_conf": .3} for o in outcomes for n in names])
    path = plots.index_bars(indices, artifacts / "sobol_indices.png", samples=16)
    assert path.stat().st_size > 20_000
    assert plots.parameter_label("returns_per_week") == "returns per week (people/week)"
    assert plots.SOBOL_SAMPLES_ADVISED > 16


def test_posterior_figure_shows_prior_posterior_and_median_with_readable_names(artifacts):
    from channelsim.experiments.inference.posterior import load_calibration
    from channelsim.experiments.inference.settings import PRIORS

    cal = load_calibration()
    path = plots.posterior_plot(cal.posterior, dict(PRIORS), artifacts / "posterior.png",
                                window=tuple(cal.provenance["data_window"]))
    assert path.stat().st_size > 50_000


def test_series_figure_overlays_the_observed_series_and_marks_the_returns_start(artifacts, data_dir):
    from channelsim.model import run

    result = run("pilot_2025", seed=2, start="2025-05-01", days=200, data_dir=data_dir)
    fig = result.plot(observed=result.observed_overlay())
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert "observed (Home Office)" in labels and "returns quota from (18 Sep 2025)" in labels
    assert fig.axes[0].get_ylabel() == "people/week" and fig.axes[4].get_ylabel() == "people/boat"
    assert any("channelsim" in t.get_text() and "seed 2" in t.get_text() for t in fig.texts), "no provenance line"
    fig.savefig(artifacts / "series.png", dpi=100)
    # time axes in calendar dates: month names (and the year where it turns) under the bottom row
    shown = [t.get_text() for t in fig.axes[6].get_xticklabels()]
    months = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
    assert len(shown) >= 4 and all(t in months or t.isdigit() and len(t) == 4 for t in shown), shown
    assert "2025" in fig.axes[7].get_xlabel() + "".join(shown)
    import matplotlib.dates as mdates
    first = mdates.num2date(fig.axes[6].get_xticks()[0]).date()
    assert result.series["date"].iloc[0].date() <= first <= result.series["date"].iloc[-1].date()


def test_a_series_present_but_unreadable_is_named_when_the_figure_leaves_it_out(pilot_2025, tmp_path, data_dir):
    for name in ("small_boats_daily.csv", "small_boats_weekly.csv"):
        (tmp_path / name).write_bytes((data_dir / name).read_bytes())
    assert pilot_2025.observed_overlay(tmp_path) is not None
    daily = tmp_path / "small_boats_daily.csv"
    daily.write_text(daily.read_text().replace("2025-03-01,", "2025-03-01x,", 1))
    with pytest.warns(UserWarning, match="left out of the figure: .*'2025-03-01x' in column 'date' is not a date"):
        assert pilot_2025.observed_overlay(tmp_path) is None
    (tmp_path / "small_boats_weekly.csv").unlink()   # absent, not broken: left out without a word
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert pilot_2025.observed_overlay(tmp_path) is None
