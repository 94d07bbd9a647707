"""The interactive explorer: served on localhost, driven in headless Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


def test_explorer_page_builds_and_recreates_the_model_as_solaraviz_does():
    from experiments.explorer import MODEL_PARAMS, make_page
    from model import ChannelModel

    assert make_page(returns_per_week=100.0) is not None
    # SolaraViz re-creates the model with the form's values (a typed seed) and its own scenario object
    from mesa.experimental.scenarios import Scenario

    values = {k: (v["value"] if isinstance(v, dict) else v) for k, v in MODEL_PARAMS.items()}
    model = ChannelModel(**{**values, "rng": "7", "belief_rule": "trust"}, scenario=Scenario())
    assert model.seed == 7 and model.params.beliefs.belief_rule == "trust"
    for name in ("returns_per_week", "crackdown_intensity", "beach_prevention_share", "in_water_interception",
                 "belief_rule", "quota_schedule", "returns_start", "ramp_per_week", "rng"):
        assert name in MODEL_PARAMS, f"the explorer has no control for {name}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def explorer_url():
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "experiments.cli", "explore", "--port", str(port)],
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
    yield url
    os.killpg(proc.pid, 15)
    proc.wait(timeout=30)


def test_explorer_in_a_browser_changes_a_control_runs_days_and_the_charts_change(explorer_url):
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (.ci/run installs Debian's chromium package)")
        pytest.skip("chromium is not installed here (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
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
