"""The same scenario and seed give identical output, in any process; arms share their draws."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pandas as pd
import pandas.testing as pdt

from channelsim.model import run

SCRIPT = textwrap.dedent("""
    import sys
    from channelsim.model import run
    r = run("pilot_2025", seed=11, start="2025-08-01", days=90, warmup_days=60)
    r.series.to_parquet(sys.argv[1])
""")


def test_same_seed_gives_identical_series_in_one_process():
    a = run("pilot_2025", seed=11, start="2025-08-01", days=90, warmup_days=60)
    b = run("pilot_2025", seed=11, start="2025-08-01", days=90, warmup_days=60)
    pdt.assert_frame_equal(a.series, b.series)


def test_same_seed_gives_identical_series_in_another_process(tmp_path):
    here = run("pilot_2025", seed=11, start="2025-08-01", days=90, warmup_days=60).series
    for hash_seed in ("0", "12345"):  # string hashing differs between these processes
        out = tmp_path / f"series_{hash_seed}.parquet"
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        subprocess.run([sys.executable, "-c", SCRIPT, str(out)], check=True, env=env)
        pdt.assert_frame_equal(here, pd.read_parquet(out))


def test_different_seeds_give_different_series():
    a = run("pilot_2025", seed=1, start="2025-08-01", days=60, warmup_days=60).series
    b = run("pilot_2025", seed=2, start="2025-08-01", days=60, warmup_days=60).series
    assert not a["arrivals"].equals(b["arrivals"])


def test_policy_arms_share_every_draw_until_the_policy_acts(pilot_2025, no_deal_2025):
    """Common random numbers: no_deal and the pilot differ only from the announcement on."""
    pilot, none = pilot_2025.series, no_deal_2025.series
    before = pilot["date"] < pd.Timestamp(pilot_2025.params.policy.announcement_date)
    pdt.assert_frame_equal(pilot[before].drop(columns="returns_quota"), none[before].drop(columns="returns_quota"))
    assert (pilot.loc[before, "sea_state"] == none.loc[before, "sea_state"]).all()
    # the weather is not touched by the policy at all
    assert (pilot["sea_state"] == none["sea_state"]).all()
    after = ~before
    assert not pilot.loc[after, "perceived_return_probability"].equals(none.loc[after, "perceived_return_probability"])
    assert pilot["returns"].sum() > 0 and none["returns"].sum() == 0
