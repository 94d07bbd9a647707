"""Simulations per second of the ABC-SMC calibration (`channelsim calibrate`) on Dask workers.

    python benchmarks/bench_abc.py [--workers 2] [--population 20] [--generations 2] [--budget 60]

Runs a short calibration of the full window (2018 to July 2025, each
simulation a run of the whole history) into a temporary folder and prints the
simulations it made, the wall time (including starting the cluster) and the
throughput. Printed, not asserted: compare within one machine.
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
    parser.add_argument("--record", action="store_true",
                        help="write the figures to benchmarks/measured/abc.json (for the README's table)")
    args = parser.parse_args()
    settings = Settings(population=args.population, generations=args.generations, budget=args.budget, seed=1)
    with tempfile.TemporaryDirectory() as tmp:
        began = time.perf_counter()
        calibration = calibrate(Path(tmp) / "cal", settings, workers=args.workers, progress=False)
        seconds = time.perf_counter() - began
    simulations = calibration.provenance["simulations"]
    print(f"channelsim ABC benchmark: {settings.start} to {settings.end}, {args.population} particles, "
          f"{len(calibration.provenance['generations'])} generations, {args.workers} Dask workers")
    print(f"  simulations                {simulations:8d}")
    print(f"  wall time                  {seconds:8.1f} s   (includes starting the cluster)")
    print(f"  throughput                 {simulations / seconds:8.3f} simulations/s")
    if args.record:
        figures.record("abc", {"workers": args.workers, "population": args.population, "simulations": simulations,
                               "seconds": seconds, "simulations_per_s": simulations / seconds})


if __name__ == "__main__":
    main()
