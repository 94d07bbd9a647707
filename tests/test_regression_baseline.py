"""A seeded regression baseline: the totals of a few fixed runs, compared exactly.

A change of behaviour shows here first. When a change is meant to alter the
model's numbers, regenerate the baseline in the same commit and say why in the
commit message (one line):

    .venv/bin/python tests/test_regression_baseline.py --update
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

BASELINE = Path(__file__).with_name("baselines") / "regression.json"

# (name, scenario, seed, start, days, overrides): the pilot around its start, no deal, the
# published schedule (read from the data), a crackdown with the trust rule, interception in the water
RUNS = [
    ("pilot_2025", "pilot_2025", 1, "2025-08-01", 150, {}),
    ("no_deal", "no_deal", 2, "2025-08-01", 150, {}),
    ("pilot_published", "pilot_published", 3, "2025-07-01", 120, {}),
    ("crackdown_trust", "crackdown", 4, "2025-07-01", 120, {"belief_rule": "trust"}),
    ("in_water_2022", "in_water_interception", 5, "2022-05-01", 90, {"returns_per_week": 100}),
]


def summaries() -> dict[str, dict]:
    from channelsim.model import run

    out = {}
    for name, scenario, seed, start, days, overrides in RUNS:
        summary = run(scenario, seed=seed, start=start, days=days, **overrides).summary()
        out[name] = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in summary.items()}
    return out


@pytest.mark.parametrize("name", [r[0] for r in RUNS])
def test_fixed_runs_reproduce_the_stored_baseline_exactly(name):
    stored = json.loads(BASELINE.read_text())
    current = _current()
    assert current[name] == stored[name], (
        f"{name} changed; if intended, run `python tests/test_regression_baseline.py --update` "
        "and give the reason in the commit message")


_computed: dict[str, dict] = {}


def _current() -> dict[str, dict]:
    """Every run's summary, computed once per session."""
    if not _computed:
        _computed.update(summaries())
    return _computed


if __name__ == "__main__":
    if "--update" not in sys.argv:
        sys.exit(__doc__)
    BASELINE.parent.mkdir(exist_ok=True)
    BASELINE.write_text(json.dumps(summaries(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {BASELINE}")
