"""Shared fixtures: the data folder, and runs that several tests read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# `pytest --hypothesis-profile=long` runs the property tests over ten times more examples.
settings.register_profile("long", max_examples=3000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

REPO = Path(__file__).resolve().parents[1]
os.environ.setdefault("CHANNELSIM_DATA", str(REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def data_dir() -> Path:
    path = Path(os.environ["CHANNELSIM_DATA"])
    assert path.is_dir(), f"tests need the shared data folder at {path} (set CHANNELSIM_DATA)"
    return path


@pytest.fixture
def changed_data(tmp_path, data_dir) -> Path:
    """A copy of the data folder in which one day of the daily series differs (one more arrival)."""
    changed = tmp_path / "changed_data"
    changed.mkdir()
    for f in data_dir.iterdir():
        if f.is_file():
            (changed / f.name).write_bytes(f.read_bytes())
    daily = changed / "small_boats_daily.csv"
    daily.write_text(daily.read_text().replace(",1,", ",2,", 1))
    return changed


@pytest.fixture(scope="session")
def pilot_2025():
    """The default scenario over 2025 (the pilot starts 18 September)."""
    from channelsim.model import run

    return run("pilot_2025", seed=7, start="2025-01-01", days=365)


@pytest.fixture(scope="session")
def no_deal_2025():
    from channelsim.model import run

    return run("no_deal", seed=7, start="2025-01-01", days=365)
