"""Record, then compare, the daily series of fixed runs: a refactor must not change behaviour.

    python benchmarks/behaviour_check.py record DIR    # before the change
    python benchmarks/behaviour_check.py compare DIR   # after it: identical, column by column

Runs every shipped scenario (and the pilot with the trust belief rule) with two seeds from 2024-01-01 for 730 days (the
default 180-day warm-up before it) and stores each daily series as Parquet.
``compare`` reruns them and reports, per run, the columns that differ (exit 1
if any does). Columns the old series lacks (a new output) are listed, not compared.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from channelsim.core.scenarios import available as scenarios
from channelsim.model import run

SEEDS = (1, 2)
START, DAYS = "2024-01-01", 730


def _runs():
    """(name, scenario, seed, overrides): each shipped scenario, and the pilot under the other belief rule."""
    for scenario in sorted(scenarios()):
        for seed in SEEDS:
            yield f"{scenario}_seed{seed}", scenario, seed, {}
    for seed in SEEDS:
        yield f"pilot_2025_trust_seed{seed}", "pilot_2025", seed, {"belief_rule": "trust"}


def record(folder: Path, data: str | None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, scenario, seed, overrides in _runs():
        series = run(scenario, seed=seed, start=START, days=DAYS, data_dir=data, **overrides).series
        series.to_parquet(folder / f"{name}.parquet")
        print(f"recorded {name}: {int(series['arrivals'].sum())} arrivals")


def compare(folder: Path, data: str | None) -> int:
    failures = 0
    for name, scenario, seed, overrides in _runs():
        old = pd.read_parquet(folder / f"{name}.parquet")
        new = run(scenario, seed=seed, start=START, days=DAYS, data_dir=data, **overrides).series
        # Series.equals: same dtype and values, NaN where the other has NaN
        differ = [c for c in old.columns if c not in new.columns or not old[c].equals(new[c])]
        added = [c for c in new.columns if c not in old.columns]
        status = "identical" if not differ else f"DIFFERENT in {', '.join(differ)}"
        print(f"{name}: {len(old.columns)} columns {status}" + (f"; new columns {', '.join(added)}" if added else ""))
        failures += bool(differ)
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["record", "compare"])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--data", default=None,
                        help="observed data folder (default: $CHANNELSIM_DATA or ../shared/data)")
    args = parser.parse_args(argv)
    if args.action == "record":
        record(args.folder, args.data)
        return 0
    return compare(args.folder, args.data)


if __name__ == "__main__":
    sys.exit(main())
