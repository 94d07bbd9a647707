"""The compiled kernels against the numpy reference over many seeds: statistically and bit for bit.

    python benchmarks/kernel_agreement.py [--seeds 40] [--scenario pilot_2025]

Runs the scenario from 2024-01-01 to 2026-12-31 with each seed, once with the
compiled kernels and once with the numpy reference. Prints, for the monthly
arrivals, returns, deaths, people per boat and prevented share, the largest
gap between the two means in standard errors, a two-sample Kolmogorov-Smirnov
test on the 2025 totals, and in how many seeds the daily series are identical.
Exit status 1 if more than 10% of the monthly means differ by more than two
standard errors (about 5% would by chance alone) or the KS test rejects at 1%.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import pandas as pd
from scipy import stats
from tqdm import tqdm

from channelsim.model import run

START, END = "2024-01-01", "2026-12-31"


def monthly(series: pd.DataFrame) -> pd.DataFrame:
    by_month = series.set_index("date").resample("MS")
    sums = by_month[["arrivals", "returns", "deaths", "boats_arrived", "prevented_people"]].sum()
    return pd.DataFrame({
        "arrivals": sums["arrivals"], "returns": sums["returns"], "deaths": sums["deaths"],
        "people_per_boat": sums["arrivals"] / sums["boats_arrived"].replace(0, np.nan),
        "prevented_share": sums["prevented_people"] / (sums["prevented_people"] + sums["arrivals"]),
    })


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=40)
    parser.add_argument("--scenario", default="pilot_2025")
    args = parser.parse_args(argv)
    months = {"numba": [], "numpy": []}
    totals = {"numba": [], "numpy": []}
    identical = 0
    for seed in tqdm(range(1, args.seeds + 1), desc="seeds", unit="seed"):
        series = {k: run(args.scenario, seed=seed, start=START, end=END, kernels=k).series for k in months}
        identical += all(series["numba"][c].equals(series["numpy"][c]) for c in series["numba"].columns)
        for kernels, s in series.items():
            months[kernels].append(monthly(s))
            totals[kernels].append(float(s.loc[s["date"].dt.year == 2025, "arrivals"].sum()))
    print(f"{args.scenario}, {START} to {END}, {args.seeds} seeds: compiled kernels against the numpy reference")
    print(f"  daily series identical in {identical} of {args.seeds} seeds")
    beyond, compared = 0, 0
    for column in months["numba"][0].columns:
        a = np.stack([m[column].to_numpy() for m in months["numba"]])
        b = np.stack([m[column].to_numpy() for m in months["numpy"]])
        se = np.sqrt(np.nanvar(a, axis=0, ddof=1) / len(a) + np.nanvar(b, axis=0, ddof=1) / len(b))
        gap = np.abs(np.nanmean(a, axis=0) - np.nanmean(b, axis=0))
        with np.errstate(invalid="ignore", divide="ignore"):
            z = np.where(se > 0, gap / se, np.where(gap > 0, np.inf, 0.0))
        worst = float(np.nanmax(z))
        beyond, compared = beyond + int(np.sum(z > 2)), compared + int(np.sum(~np.isnan(z)))
        print(f"  monthly {column:<16} largest gap between means {worst:5.2f} standard errors "
              f"({int(np.sum(z > 2))} of {z.size} months beyond 2)")
    ks = stats.ks_2samp(totals["numba"], totals["numpy"])
    print(f"  2025 arrivals: means {np.mean(totals['numba']):,.0f} and {np.mean(totals['numpy']):,.0f}; "
          f"Kolmogorov-Smirnov statistic {ks.statistic:.3f}, p = {ks.pvalue:.3f}")
    print(f"  {beyond} of {compared} monthly means differ by more than 2 standard errors")
    return 0 if beyond <= 0.1 * compared and ks.pvalue >= 0.01 else 1


if __name__ == "__main__":
    sys.exit(main())
