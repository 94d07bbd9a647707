"""Figures keep every word on the page: legends inside the figure and clear of the plot and the provenance
line, a shape that reads at a paper's width; a run's figure dates the deal and the end of the data. Figures
are kept in tests/artifacts/."""

from __future__ import annotations

from pathlib import Path

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from channelsim.experiments import plots
from channelsim.model import run

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
SWEPT = ["returns_per_week", "crackdown_escalation_intensity", "announced_return_probability",
         "price_adjustment_per_week", "boat_supply_disruption", "security_refusal_share",
         "crackdown_job_effect", "ramp_max_per_week"]


@pytest.fixture
def saved(monkeypatch):
    """The figures a plotting function saves, kept open to be measured (closed at the end)."""
    figures, close = [], plt.close
    monkeypatch.setattr(plt, "close", figures.append)
    yield figures
    for fig in figures:
        close(fig)


def pixels(path: Path) -> tuple[int, int]:
    height, width = plt.imread(path).shape[:2]
    return width, height


def boxes(fig):
    """The figure's legend, the plotting axes (with their tick labels) and the provenance line, in pixels."""
    renderer = fig.canvas.get_renderer()
    axes = [ax.get_tightbbox(renderer) for ax in fig.axes if ax.get_visible()]
    return fig.legends[0].get_window_extent(renderer), axes, fig.texts[-1].get_window_extent(renderer)


def sweep(parameters: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Runs and weekly series of a sweep of ``parameters`` parameters: the reference and six points, 5 replicates."""
    rng = np.random.default_rng(parameters)
    dates = pd.date_range("2025-09-07", periods=30, freq="W-SUN")
    values = {name: np.r_[0.0, rng.uniform(0, 200, 6)] for name in SWEPT[:parameters]}
    runs = pd.DataFrame([{"run_id": 5 * (point + 1) + replicate, "status": "ok", "point": point,
                          "replicate": replicate, **{f"param_{n}": v[point + 1] for n, v in values.items()}}
                         for point in range(-1, 6) for replicate in range(5)])
    series = pd.DataFrame([{"run_id": run, "date": date, "arrivals": 500 - 20 * point + rng.normal(0, 30)}
                           for run, point in zip(runs["run_id"], runs["point"], strict=True) for date in dates])
    return runs, series


@pytest.mark.parametrize("parameters", [1, 2, 4, 8])
def test_the_fan_charts_legend_names_every_point_inside_the_figure_below_the_plot(parameters, saved):
    ARTIFACTS.mkdir(exist_ok=True)
    runs, series = sweep(parameters)
    path = plots.fan_chart(series, runs, ARTIFACTS / f"fan_{parameters}_parameters.png",
                           note=f"test: {parameters} swept parameters")
    fig, = saved
    legend, (plot,), note = boxes(fig)
    assert len(fig.legends[0].get_texts()) == 7, "the reference and six points"
    assert fig.bbox.contains(legend.x0, legend.y0) and fig.bbox.contains(legend.x1, legend.y1), (legend, fig.bbox)
    assert note.y1 <= legend.y0 and legend.y1 <= plot.y0, "the legend overlaps the provenance line or the plot"
    width, height = pixels(path)
    assert width == 1650 and 850 <= height <= 1150, (width, height)
    if parameters == 8:   # a label longer than the figure is wide goes on to a second line
        assert any("\n" in t.get_text() for t in fig.legends[0].get_texts())


def test_the_sobol_figure_is_a_grid_of_outcomes_of_a_readable_shape(saved):
    ARTIFACTS.mkdir(exist_ok=True)
    outcomes = ["arrivals", "returns", "returns_per_arrival", "deaths", "gang_revenue_gbp"]
    rng = np.random.default_rng(0)
    indices = pd.DataFrame([{"outcome": o, "parameter": n, "S1": rng.uniform(0, .5), "S1_conf": .1,
                             "ST": rng.uniform(.2, .8), "ST_conf": .15} for o in outcomes for n in SWEPT[:5]])
    path = plots.index_bars(indices, ARTIFACTS / "sobol_grid.png", samples=1024)
    fig, = saved
    legend, panels, note = boxes(fig)
    assert [ax.get_title() for ax in fig.axes if ax.get_visible()] == [o.replace("_", " ") for o in outcomes]
    assert fig.bbox.contains(legend.x0, legend.y0) and fig.bbox.contains(legend.x1, legend.y1), (legend, fig.bbox)
    assert note.y1 <= legend.y0 and all(legend.y1 <= panel.y0 for panel in panels)
    width, height = pixels(path)
    assert 1200 <= max(width, height) <= 1600 and max(width, height) / min(width, height) <= 2.2, (width, height)


def marks(fig) -> dict[str, pd.Timestamp]:
    """The run figure's vertical marks (label -> date), each drawn in every panel."""
    found = [{line.get_label(): pd.Timestamp(mdates.num2date(mdates.date2num(line.get_xdata()[0]))).tz_localize(None)
              for line in ax.get_lines() if len(set(line.get_xdata())) == 1} for ax in fig.axes]
    assert all(panel == found[0] for panel in found), "a mark missing from a panel"
    return found[0]


def test_the_run_figure_marks_the_announcement_returns_start_and_last_observed_day_inside_its_window(data_dir):
    result = run("pilot_2025", seed=2, start="2025-05-01", days=300, data_dir=data_dir)
    observed = result.observed_overlay()
    fig = result.plot(observed=observed)
    ARTIFACTS.mkdir(exist_ok=True)
    fig.savefig(ARTIFACTS / "series_marked.png", dpi=100)
    plt.close(fig)
    assert marks(fig) == {"returns deal announced (10 Jul 2025)": pd.Timestamp("2025-07-10"),
                          "returns quota from (18 Sep 2025)": pd.Timestamp("2025-09-18"),
                          f"last observed ({observed['arrivals'].last_valid_index():%-d %b %Y})":
                              observed["arrivals"].last_valid_index()}
    assert observed["arrivals"].last_valid_index() > pd.Timestamp("2026-01-01"), "the case this test is for"


def test_the_run_figures_quota_mark_is_the_first_day_of_a_quota_whatever_the_schedule(data_dir):
    result = run("pilot_published", seed=2, start="2025-08-01", days=90, data_dir=data_dir)
    first = result.series.loc[result.series["returns_quota"] > 0, "date"].iloc[0]
    assert first < pd.Timestamp(result.params.policy.returns_start), "the case this test is for"
    fig = result.plot()
    plt.close(fig)
    assert marks(fig)[f"returns quota from ({first:%-d %b %Y})"] == first


def test_the_run_figure_marks_nothing_outside_its_window_nor_a_deal_a_scenario_lacks(data_dir):
    before = run("pilot_2025", seed=2, start="2025-01-01", days=120, data_dir=data_dir)
    no_deal = run("no_deal", seed=2, start="2025-05-01", days=200, data_dir=data_dir)
    for result in (before, no_deal):
        fig = result.plot(observed=result.observed_overlay())
        plt.close(fig)
        assert marks(fig) == {}, result.params.name
