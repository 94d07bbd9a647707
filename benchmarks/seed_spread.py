"""How much of a year's band is chance alone: the spread of yearly arrivals over seeds at one parameter set.

    python benchmarks/seed_spread.py [--seeds 16] [--scenario pilot_published] [--start 2018-01-01] [--end 2025-12-31]

Runs the scenario at its own parameters (by default the shipped defaults, the full model's posterior
medians) with ``--seeds`` seeds and prints, for each calendar year, the 5%, 50% and 95% quantiles of the
year's arrivals and the band's ends as shares of the median, beside the observed total. Issue #25 asks
each year's posterior-predictive 90% band to lie within +-40% of its median: if chance alone already spans
more, no calibration can meet it; if it spans much less, the width of the posterior's bands is the
parameters' uncertainty. Printed, not asserted.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

import channelsim
from channelsim.experiments.inference.targets import read_observed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=16)
    parser.add_argument("--scenario", default="pilot_published")
    parser.add_argument("--start", default="2018-01-01")
    parser.add_argument("--end", default="2025-12-31")
    args = parser.parse_args()
    totals = []
    for seed in range(args.seeds):
        result = channelsim.run(args.scenario, seed=seed, start=args.start, end=args.end, warmup_days=180)
        days = result.series.set_index(pd.DatetimeIndex(result.series["date"]))["arrivals"]
        totals.append(days.groupby(days.index.year).sum())
    table = pd.concat(totals, axis=1)
    observed = read_observed().daily.set_index("date")["migrants_arrived"]
    observed = observed.groupby(observed.index.year).sum()
    print(f"yearly arrivals of {args.scenario} over {args.seeds} seeds at one parameter set")
    print(f"{'year':>6} {'observed':>9} {'q05':>8} {'median':>8} {'q95':>8}  {'q05/median':>10} {'q95/median':>10}")
    for year, row in table.iterrows():
        q05, q50, q95 = np.quantile(row.to_numpy(float), [0.05, 0.5, 0.95])
        print(f"{year:>6} {int(observed.get(year, 0)):>9,} {q05:>8,.0f} {q50:>8,.0f} {q95:>8,.0f}  "
              f"{q05 / q50:>10.2f} {q95 / q50:>10.2f}")


if __name__ == "__main__":
    main()
