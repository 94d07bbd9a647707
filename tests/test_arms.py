"""The counterfactual's arms differ only through their policy: each is no deal, day for day under the same
seed, until its policy begins (the announcement of 10 July 2025), and differs after."""

from __future__ import annotations

import numpy as np
import pytest

from channelsim.model import run

ANNOUNCED = np.datetime64("2025-07-10")
ARMS = ("pilot_2025", "pilot_published", "pilot_ramp", "crackdown", "announcement_only")


@pytest.fixture(scope="module")
def runs(data_dir):
    return {name: run(name, seed=5, start="2025-01-01", end="2025-12-31", warmup_days=60, data_dir=data_dir).series
            for name in ("no_deal", *ARMS)}


@pytest.mark.parametrize("arm", ARMS)
def test_each_arm_is_no_deal_until_the_announcement_and_differs_after(runs, arm):
    base, other = runs["no_deal"], runs[arm]
    dates = base["date"].to_numpy().astype("datetime64[D]")
    before, after = dates < ANNOUNCED, dates >= ANNOUNCED
    for column in ("arrivals", "launch_attempts", "perceived_return_probability", "crackdown", "legal_admissions"):
        np.testing.assert_array_equal(base[column].to_numpy()[before], other[column].to_numpy()[before])
    assert not np.array_equal(base["arrivals"].to_numpy()[after], other["arrivals"].to_numpy()[after])


def test_the_announcement_alone_returns_no_one_and_admits_no_one(runs):
    only = runs["announcement_only"]
    assert only["returns"].sum() == 0
    assert only["legal_admissions"].sum() == 0
    assert runs["pilot_2025"]["returns"].sum() > 0


def test_crackdown_keeps_the_calibrated_crackdown_of_2024(data_dir):
    from channelsim.core.scenarios import load

    base, arm = load("pilot_2025"), load("crackdown")
    assert arm.policy.crackdown_start == base.policy.crackdown_start
    assert arm.policy.crackdown_escalation_intensity > base.policy.crackdown_escalation_intensity
