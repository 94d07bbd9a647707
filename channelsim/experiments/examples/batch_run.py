"""Driving channelsim from Mesa's own ``mesa.batch_run``.

    python -m experiments.examples.batch_run [--days 120] [--seeds 2]

``ChannelModel`` takes every parameter by name, so ``batch_run`` sweeps them
like any Mesa model; its DataCollector gives one row per run per day.
"""

from __future__ import annotations

import argparse

import mesa
import pandas as pd

from channelsim.model import ChannelModel


def main(days: int = 120, seeds: int = 2, quotas=(0, 50, 200)) -> pd.DataFrame:
    rows = mesa.batch_run(
        ChannelModel,
        parameters={"returns_per_week": list(quotas), "start": "2025-09-01", "warmup_days": 90},
        rng=list(range(1, seeds + 1)),
        max_steps=days,
        data_collection_period=1,
        number_processes=1,
        display_progress=False,
    )
    frame = pd.DataFrame(rows)
    table = (frame.groupby(["returns_per_week", "rng"])[["arrivals", "returns"]].sum()
             .groupby("returns_per_week").mean())
    print(f"mean over {seeds} seeds of {days} days from 2025-09-01:")
    print(table.round(0).to_string())
    return table


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--seeds", type=int, default=2)
    args = parser.parse_args()
    main(args.days, args.seeds)
