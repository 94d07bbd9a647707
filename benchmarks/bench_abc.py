"""Simulations per second of the ABC-SMC calibration (`channelsim calibrate`) on Dask workers.

    python benchmarks/bench_abc.py [--workers 2] [--population 20] [--generations 2] [--budget 60] [--plain]

Runs a short calibration of the full window (2018 to 1 February 2026, each
simulation a run of the whole history) into a temporary folder and prints the
simulations it made, the wall time (including starting the cluster) and the
throughput. ``--plain`` turns early rejection off (every simulation runs the
whole window; the calibration is the same): run both to compare. Printed, not
asserted: compare within one machine.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import figures

from channelsim.experiments.inference.abc_smc import calibrate
from channelsim.experiments.inference.settings import Settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--population", type=int, default=20)
    parser.add_argument("--generations", type=int, default=2)
    parser.add_argument("--budget", type=int, default=60)
    parser.add_argument("--priors", default="series", help="the prior set (series or deterrence)")
    parser.add_argument("--plain", action="store_true", help="without early rejection")
    parser.add_argument("--record", action="store_true",
                        help="write the figures to benchmarks/measured/abc.json (for the README's table)")
    args = parser.parse_args()
    settings = Settings(population=args.population, generations=args.generations, budget=args.budget, seed=1,
                        priors=args.priors)
    with tempfile.TemporaryDirectory() as tmp:
        began = time.perf_counter()
        calibration = calibrate(Path(tmp) / "cal", settings, workers=args.workers, progress=False,
                                early_rejection=not args.plain)
        seconds = time.perf_counter() - began
    simulations = calibration.provenance["simulations"]
    print(f"channelsim ABC benchmark: {settings.start} to {settings.end}, {settings.priors} priors, "
          f"{args.population} particles, {len(calibration.provenance['generations'])} generations, "
          f"{args.workers} Dask workers, early rejection {'off' if args.plain else 'on'}")
    epsilons = ", ".join(f"{g['epsilon']:.3g}" for g in calibration.provenance["generations"])
    print(f"  epsilons                   {epsilons}")
    print(f"  simulations                {simulations:8d}")
    print(f"  wall time                  {seconds:8.1f} s   (includes starting the cluster)")
    print(f"  throughput                 {simulations / seconds:8.3f} simulations/s")
    if args.record:
        figures.record("abc_plain" if args.plain else "abc", {
            "early_rejection": not args.plain, "priors": settings.priors, "workers": args.workers,
            "population": args.population, "simulations": simulations, "seconds": seconds,
            "simulations_per_s": simulations / seconds})


if __name__ == "__main__":
    main()
