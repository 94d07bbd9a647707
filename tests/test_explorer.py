"""The interactive explorer: served on localhost, driven in headless Chromium."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "tests" / "artifacts"   # git-ignored: screenshots to look at
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
SVG = "{http://www.w3.org/2000/svg}"


def test_explorer_page_builds_and_recreates_the_model_as_solaraviz_does():
    from channelsim.experiments.explorer import MODEL_PARAMS, make_page
    from channelsim.model import ChannelModel

    assert make_page(returns_per_week=100.0) is not None
    # SolaraViz re-creates the model with the form's values (a typed seed) and its own scenario object
    from mesa.experimental.scenarios import Scenario

    values = {k: (v["value"] if isinstance(v, dict) else v) for k, v in MODEL_PARAMS.items()}
    model = ChannelModel(**{**values, "rng": "7", "belief_rule": "trust"}, scenario=Scenario())
    assert model.seed == 7 and model.params.beliefs.belief_rule == "trust"
    for name in ("params", "returns_per_week", "crackdown_intensity", "beach_prevention_share",
                 "in_water_interception", "belief_rule", "quota_schedule", "returns_start", "ramp_per_week", "rng"):
        assert name in MODEL_PARAMS, f"the explorer has no control for {name}"


def test_the_scenario_picker_offers_the_shipped_scenarios_and_sets_the_controls_to_a_scenarios_values():
    import channelsim
    from channelsim.experiments.explorer import MODEL_PARAMS, scenario_values

    assert MODEL_PARAMS["params"]["values"] == list(channelsim.scenarios())
    ramp = scenario_values("pilot_ramp")
    assert ramp["quota_schedule"] == "ramp" and ramp["ramp_per_week"] == 10.0
    assert scenario_values("no_deal")["quota_schedule"] == "none"
    assert scenario_values("in_water_interception")["in_water_interception"] is True
    assert scenario_values("pilot_2025")["returns_start"] == "2025-09-18"   # as the date field shows it


def test_the_run_is_compared_with_no_deal_on_the_same_seed_by_day_and_by_week_and_downloads_as_csv():
    import pandas as pd

    from channelsim.experiments.explorer import DEFAULTS, Run, by_period, daily_csv

    run = Run.of({**DEFAULTS, "rng": "3"})
    # the counterpart: the same controls and seed, with no deal
    assert run.no_deal.params.policy.quota_schedule == "none" and run.no_deal.seed == run.model.seed == 3
    assert run.no_deal.params.model_copy(update={"policy": run.model.params.policy}) == run.model.params
    run.run_days(30)   # June 2025, before the announcement: common random numbers, the same days
    daily, no_deal = by_period(run.model, "day"), by_period(run.no_deal, "day")
    assert len(daily) == len(no_deal) == 30 and daily.index[0] == pd.Timestamp("2025-06-01")
    assert (daily["arrivals"] == no_deal["arrivals"]).all()
    weekly = by_period(run.model, "week")   # complete weeks ending Sunday: 1 June is a Sunday, so 8 to 29 June
    assert list(weekly.index) == list(pd.date_range("2025-06-08", "2025-06-29", freq="W-SUN"))
    assert weekly["arrivals"].sum() == daily.loc["2025-06-02":"2025-06-29", "arrivals"].sum()
    table = daily_csv(run.model).splitlines()
    assert table[0].startswith("date,") and len(table) == 31 and table[1].startswith("2025-06-01,")


def test_a_chart_before_any_day_or_of_zeros_runs_from_zero_never_around_a_flat_line():
    from channelsim.experiments.explorer import CHARTS, DEFAULTS, NO_DAYS_YET, Run, View, draw, observed_series

    observed, problem = observed_series()
    assert problem is None, problem
    run = Run.of(DEFAULTS)
    for period in ("day", "week"):
        view = View.of(run, period, observed)
        for spec in CHARTS:
            ax = draw(*spec, view).axes[0]
            assert ax.get_ylim()[0] == 0 and ax.get_ylim()[1] >= 1, (spec[0], ax.get_ylim())
            assert NO_DAYS_YET[period] in [t.get_text() for t in ax.texts]
    run.run_days(20)   # no returns in June: the returns chart's lines are all zero
    returns = draw(*CHARTS[1], View.of(run, "day", observed)).axes[0]
    assert returns.get_ylim() == (0, 1) and not returns.texts


def need_chromium() -> None:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (.ci/run installs Debian's chromium package)")
        pytest.skip("chromium is not installed here (apt-get install chromium)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_explorer() -> tuple[subprocess.Popen, str]:
    """`channelsim explore` on a free port, once it answers: the process and its address."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "channelsim", "explore", "--port", str(port)],
                            cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        raise AssertionError(f"the explorer did not answer at {url}: {proc.stdout.read()[-2000:]}")
    return proc, url


@pytest.fixture(scope="module")
def explorer_url():
    proc, url = start_explorer()
    yield url
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


def chart_svgs(page) -> list[str]:
    """The SVG of each chart on the page (Solara draws a figure as an image of a blob URL)."""
    return page.evaluate("""() => Promise.all([...document.querySelectorAll('img')].map(
        async img => (await fetch(img.src)).text()))""")


def lines_in(svg: str) -> dict[str, list[float]]:
    """The chart's data lines (their ids: model-COLUMN, no-deal-COLUMN, observed-COLUMN), each as the x of its
    points in shares of the x axis's width (0 at the axis's left end, 1 at its right end)."""
    root = ET.fromstring(svg)

    def xs(group) -> list[float]:
        return [float(x) for path in group.iter(f"{SVG}path") for x in re.findall(r"[ML] ([-\d.]+)", path.get("d"))]

    axes = xs(root.find(f".//{SVG}g[@id='patch_2']"))   # the axes' background (patch_1 is the figure's)
    left, width = min(axes), max(axes) - min(axes)
    return {g.get("id"): [(x - left) / width for x in xs(g)]
            for g in root.iter(f"{SVG}g") if g.get("id", "").startswith(("model-", "no-deal-", "observed-"))}


def y_ticks(svg: str) -> list[float]:
    """The y axis's tick labels (matplotlib writes each text as a comment before its glyphs)."""
    return [float(t.replace("\u2212", "-")) for t in re.findall(r'<g id="ytick_\d+">.*?<!-- (.*?) -->', svg, re.S)]


def assert_axes_hold_data(svgs: list[str], span: tuple[float, float] | None) -> None:
    """Each chart draws the model and no deal in lines that run across the x axis from at most ``span[0]`` to at
    least ``span[1]`` (shares of its width; None: no days yet), on a y axis that starts at 0 and rises above 0.05
    (an empty or flat chart's axis runs from -0.04 to 0.04)."""
    for i, svg in enumerate(svgs):
        lines, ticks = lines_in(svg), y_ticks(svg)
        drawn = {gid: xs for gid, xs in lines.items() if not gid.startswith("observed-")}
        assert sum(gid.startswith("model-") for gid in drawn) == sum(gid.startswith("no-deal-") for gid in drawn) > 0
        if span:
            spans = {gid: (round(min(xs), 3), round(max(xs), 3)) if xs else None for gid, xs in drawn.items()}
            assert all(s and s[0] <= span[0] and s[1] >= span[1] for s in spans.values()), f"chart {i}: {spans}"
        assert ticks and min(ticks) == 0 and max(ticks) > 0.05, f"chart {i}: y ticks {ticks}"


def settle_after_pause(page) -> str:
    """Pause, then wait until the model's time stops moving (the last redraws may still be on their way)."""
    page.get_by_role("button", name="❚❚").click()
    page.get_by_role("button", name="▶").wait_for(timeout=10_000)
    readings = [page.get_by_text("Time: ").inner_text()]
    for _ in range(10):
        page.wait_for_timeout(2000)
        readings.append(page.get_by_text("Time: ").inner_text())
        if readings[-1] == readings[-2]:
            break
    assert readings[-1] == readings[-2], f"pause should stop the model: {readings}"
    return readings[-1]


def days_run(time_text: str) -> int:
    return int(float(re.search(r"Time: ([\d.]+)", time_text).group(1)))


def test_explorer_in_a_browser_draws_data_in_every_chart_by_day_and_week_and_downloads_the_table(explorer_url):
    need_chromium()
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1400})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(explorer_url, timeout=90_000)
        step = page.get_by_role("button", name="Step")
        step.wait_for(timeout=90_000)
        page.locator("img").first.wait_for(timeout=60_000)
        assert page.get_by_role("tab", name="By day").count() == page.get_by_role("tab", name="By week").count() == 1
        assert "page 0" not in page.locator("body").inner_text().lower()
        # before any day: the observed arrivals over the first weeks, the axes from 0, a note to run days
        before = chart_svgs(page)
        assert len(before) == 5
        assert len(lines_in(before[0])["observed-arrivals"]) >= 50
        assert_axes_hold_data(before, span=None)
        assert page.get_by_text("No days run yet").count() == 0   # drawn in the charts, not as page text
        # change a control (the in-water tactic), re-create the model, run some days
        page.get_by_text("In-water interception", exact=True).click()  # Vuetify overlays the input
        assert page.get_by_label("In-water interception").is_checked()
        page.get_by_role("button", name="Reset").click()
        page.get_by_text("Time: 0.0").wait_for(timeout=30_000)
        for _ in range(6):
            step.click()
            page.wait_for_timeout(400)
        page.get_by_text("Time: 6.0").wait_for(timeout=30_000)
        page.wait_for_timeout(1500)
        after = chart_svgs(page)
        assert all(a != b for a, b in zip(after, before, strict=True)), "the charts did not change after running days"
        assert_axes_hold_data(after, span=(0.01, 5 / 56 - 0.01))   # 6 days (5 apart) of the first 8 weeks
        # play a few months: in every chart the model and no deal span the axis, the days run
        page.get_by_role("button", name="▶").click()
        page.wait_for_timeout(4000)
        days = days_run(settle_after_pause(page))
        assert days >= 60
        assert_axes_hold_data(chart_svgs(page), span=(0.01, 0.99))
        page.screenshot(path=str(ARTIFACTS / "explorer.png"), full_page=True)
        # by week: complete weeks, with the Home Office's weekly arrivals and people prevented
        page.get_by_role("tab", name="By week").click()
        page.wait_for_timeout(3000)
        weekly = chart_svgs(page)
        assert len(weekly) == 5 and weekly != after
        assert_axes_hold_data(weekly, span=(8 / days, 1 - 8 / days))   # complete weeks: the first Sunday to the last
        assert {"observed-arrivals", "observed-prevented_people"} <= set(lines_in(weekly[0]))
        page.screenshot(path=str(ARTIFACTS / "explorer_weekly.png"), full_page=True)
        # the daily table as CSV: a row a day run
        with page.expect_download(timeout=30_000) as download:
            page.get_by_text("Download the daily table (CSV)").click()
        table = Path(download.value.path()).read_text().splitlines()
        assert download.value.suggested_filename == "channelsim_pilot_2025_seed1_from_2025-06-01.csv"
        browser.close()
    assert not errors, errors
    assert table[0].startswith("date,inflow,") and len(table) == days + 1 and table[1].startswith("2025-06-01,")
    assert (ARTIFACTS / "explorer.png").stat().st_size > 20_000


# --- the explorer holds up: sessions, bad input, play speed, stopping -------------------------------------

@pytest.fixture
def browser():
    need_chromium()
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def open_explorer(browser, url: str):
    """A new browser session on the explorer, once its controls and charts are drawn; and its page errors."""
    page = browser.new_context(viewport={"width": 1400, "height": 1100}).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url, timeout=90_000)
    page.get_by_role("button", name="Step").wait_for(timeout=90_000)
    page.locator("img").first.wait_for(timeout=60_000)
    return page, errors


def step_days(page, days: int) -> None:
    for _ in range(days):
        page.get_by_role("button", name="Step").click()
        page.wait_for_timeout(300)


def assert_no_traceback(page, errors: list[str]) -> None:
    text = page.locator("body").inner_text()
    assert "Traceback" not in text and "error in step" not in text, text[-2000:]
    assert not errors, errors


def test_each_browser_session_has_its_own_model(explorer_url, browser):
    first, first_errors = open_explorer(browser, explorer_url)
    step_days(first, 5)
    first.get_by_text("Time: 5.0").wait_for(timeout=30_000)
    # a second session opened after the first has run starts at day 0, and its steps are its own
    second, second_errors = open_explorer(browser, explorer_url)
    second.get_by_text("Time: 0.0").wait_for(timeout=30_000)
    step_days(second, 2)
    second.get_by_text("Time: 2.0").wait_for(timeout=30_000)
    first.wait_for_timeout(1000)
    assert "Time: 5.0" in first.locator("body").inner_text(), "the second session moved the first one's model"
    assert "Recorded to Thu 05 Jun 2025" in first.locator("body").inner_text()
    assert "Recorded to Mon 02 Jun 2025" in second.locator("body").inner_text()
    first.screenshot(path=str(ARTIFACTS / "explorer_session_1.png"), full_page=True)
    second.screenshot(path=str(ARTIFACTS / "explorer_session_2.png"), full_page=True)
    assert_no_traceback(first, first_errors)
    assert_no_traceback(second, second_errors)


def test_a_bad_value_shows_a_message_beside_its_field_and_the_page_keeps_working(explorer_url, browser):
    page, errors = open_explorer(browser, explorer_url)
    date = page.get_by_label("Returns start (YYYY-MM-DD)")
    date.fill("2025-13-45")
    date.press("Enter")
    page.get_by_text("returns_start = '2025-13-45' is not a date: use YYYY-MM-DD").wait_for(timeout=30_000)
    seed = page.get_by_label("Seed (a whole number, 0 or more)")
    seed.fill("-3")
    seed.press("Enter")
    page.get_by_text("The seed must be a whole number, 0 or more, not '-3'.").wait_for(timeout=30_000)
    assert date.input_value() == "2025-13-45", "the refused value should stay in its field to be corrected"
    # the last good values stay in use: Reset and Step still work
    page.get_by_role("button", name="Reset").click()
    page.get_by_text("Time: 0.0").wait_for(timeout=30_000)
    step_days(page, 3)
    page.get_by_text("Time: 3.0").wait_for(timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "explorer_bad_input.png"), full_page=True)
    assert_no_traceback(page, errors)
    # a corrected value clears its message
    date.fill("2025-07-01")
    date.press("Enter")
    page.get_by_text("is not a date").wait_for(state="detached", timeout=30_000)


def test_play_runs_at_the_speed_its_label_states_and_reaches_the_first_return_within_20_seconds(explorer_url,
                                                                                               browser):
    page, errors = open_explorer(browser, explorer_url)
    slider_label = page.get_by_text(re.compile(r"Returns per week: 50 people/week"))
    assert slider_label.count() == 1, "a slider should show its value"
    assert page.get_by_text("Play speed: 30 days per second").count() == 1
    started = time.monotonic()
    page.get_by_role("button", name="▶").click()
    page.wait_for_timeout(2000)
    first = time.monotonic(), days_run(page.get_by_text("Time: ").inner_text())
    page.get_by_text(re.compile(r"Returned to France so far: [1-9]")).wait_for(timeout=20_000)
    took = time.monotonic() - started
    page.wait_for_timeout(max(0, 8000 - 1000 * (time.monotonic() - first[0])))
    last = time.monotonic(), days_run(page.get_by_text("Time: ").inner_text())
    measured = float(re.search(r"Played at ([\d.]+) days per second", page.locator("body").inner_text()).group(1))
    settle_after_pause(page)
    page.screenshot(path=str(ARTIFACTS / "explorer_after_play.png"), full_page=True)
    rate = (last[1] - first[1]) / (last[0] - first[0])   # a redraw's batch (15 days) either side at most
    assert 24 <= rate <= 36, f"Play ran {rate:.1f} days a second, labelled 30"
    assert 27 <= measured <= 33, f"the page says it played {measured} days a second"
    assert took < 20
    text = page.locator("body").inner_text()
    assert "Recorded to" in text and "2025" in text
    assert_no_traceback(page, errors)


def test_picking_a_scenario_shows_its_values_and_reset_runs_it_against_no_deal(explorer_url, browser):
    page, errors = open_explorer(browser, explorer_url)
    page.locator(".v-select").filter(has_text="Scenario").click()
    page.get_by_role("option", name="pilot_ramp").click()
    page.get_by_text("growing by 10 a week after a 90-day proof of concept").wait_for(timeout=30_000)
    schedule = page.locator(".v-select").filter(has_text="Returns quota schedule")
    assert "ramp" in schedule.inner_text()
    page.get_by_role("button", name="Reset").click()
    page.get_by_text("Solid: pilot_ramp, seed 1; dashed: the same with no deal, the same seed").wait_for(timeout=30_000)
    step_days(page, 2)
    page.get_by_text("Time: 2.0").wait_for(timeout=30_000)
    assert "Arrivals so far:" in page.locator("body").inner_text()
    assert_no_traceback(page, errors)


def children_of(pid: int) -> list[int]:
    """Every process below ``pid`` (Linux /proc)."""
    try:
        direct = [int(c) for t in Path(f"/proc/{pid}/task").iterdir()
                  for c in (t / "children").read_text().split()]
    except OSError:
        return []
    return direct + [grandchild for child in direct for grandchild in children_of(child)]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_stopping_channelsim_explore_stops_the_server_it_started(signum):
    if not Path("/proc/self/task").exists():
        pytest.skip("needs Linux /proc to list the server's processes")
    proc, url = start_explorer()
    server = children_of(proc.pid)
    assert server, "channelsim explore should run the server as a child process"
    os.kill(proc.pid, signum)          # only the command, as a service manager or `kill` would
    assert proc.wait(timeout=30) == 128 + signum
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() for pid in server):
        time.sleep(0.2)
    alive = [pid for pid in server if Path(f"/proc/{pid}").exists()
             and "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()]
    assert not alive, f"the server outlived channelsim explore: {alive}"
    with pytest.raises(OSError):
        urllib.request.urlopen(url, timeout=2)


def test_explore_starts_solara_without_its_update_check(monkeypatch, capsys):
    """Solara's version check (a request to PyPI, run before the server starts) prints an upgrade notice."""
    import channelsim.experiments.cli.model_commands as commands
    from channelsim.experiments.cli import main

    started = []

    class Server:
        pid = 0

        def __init__(self, command, **_):
            started.append(command)

        def wait(self):
            return 0

        def poll(self):
            return 0

    monkeypatch.setattr(commands.subprocess, "Popen", Server)
    assert main(["explore", "--port", "8765"]) == 0
    assert "--no-check-version" in started[0] and "solara" in started[0]
