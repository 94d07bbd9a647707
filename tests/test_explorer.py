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
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "tests" / "artifacts"   # git-ignored: screenshots to look at
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


def test_explorer_page_builds_and_recreates_the_model_as_solaraviz_does():
    from channelsim.experiments.explorer import MODEL_PARAMS, make_page
    from channelsim.model import ChannelModel

    assert make_page(returns_per_week=100.0) is not None
    # SolaraViz re-creates the model with the form's values (a typed seed) and its own scenario object
    from mesa.experimental.scenarios import Scenario

    values = {k: (v["value"] if isinstance(v, dict) else v) for k, v in MODEL_PARAMS.items()}
    model = ChannelModel(**{**values, "rng": "7", "belief_rule": "trust"}, scenario=Scenario())
    assert model.seed == 7 and model.params.beliefs.belief_rule == "trust"
    for name in ("returns_per_week", "crackdown_intensity", "beach_prevention_share", "in_water_interception",
                 "belief_rule", "quota_schedule", "returns_start", "ramp_per_week", "rng"):
        assert name in MODEL_PARAMS, f"the explorer has no control for {name}"


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


def test_explorer_in_a_browser_changes_a_control_runs_days_and_the_charts_change(explorer_url):
    need_chromium()
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1100})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(explorer_url, timeout=90_000)
        step = page.get_by_role("button", name="Step")
        step.wait_for(timeout=90_000)
        charts = page.locator("img")
        charts.first.wait_for(timeout=60_000)
        assert charts.count() == 5
        before = [charts.nth(i).get_attribute("src") for i in range(5)]
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
        after = [charts.nth(i).get_attribute("src") for i in range(5)]
        page.screenshot(path=str(ARTIFACTS / "explorer.png"), full_page=True)
        browser.close()
    assert not errors, errors
    assert sum(a != b for a, b in zip(after, before, strict=True)) >= 4, "the charts did not change after running days"
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


def test_play_reaches_the_first_return_within_20_seconds(explorer_url, browser):
    page, errors = open_explorer(browser, explorer_url)
    slider_label = page.get_by_text(re.compile(r"Returns per week: 50 people/week"))
    assert slider_label.count() == 1, "a slider should show its value"
    started = time.monotonic()
    page.get_by_role("button", name="▶").click()
    page.get_by_text(re.compile(r"Returned to France so far: [1-9]")).wait_for(timeout=20_000)
    took = time.monotonic() - started
    page.get_by_role("button", name="❚❚").click()
    page.get_by_role("button", name="▶").wait_for(timeout=10_000)
    readings = [page.get_by_text("Time: ").inner_text()]   # the last redraws may still be on their way
    for _ in range(10):
        page.wait_for_timeout(2000)
        readings.append(page.get_by_text("Time: ").inner_text())
        if readings[-1] == readings[-2]:
            break
    assert readings[-1] == readings[-2], f"pause should stop the model: {readings}"
    page.screenshot(path=str(ARTIFACTS / "explorer_after_play.png"), full_page=True)
    assert took < 20
    text = page.locator("body").inner_text()
    assert "Recorded to" in text and "2025" in text
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
