"""Runs per second of a 200-run sweep of one-year runs: serial against two Dask workers.

    python benchmarks/bench_sweep.py [--runs 200] [--workers 2]

Prints runs per second each way, the parallel efficiency (speed-up / workers;
target at least 0.9 on a 2-core machine) and the bytes stored per run. The
parallel time includes starting the local cluster. Figures are printed, not
asserted: compare them within one run of this script.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import figures

from channelsim.experiments.sweeps.design import expand
from channelsim.experiments.sweeps.execute import execute
from channelsim.experiments.sweeps.store import SweepStore


def sweep_of(runs: int):
    replicates = 10
    levels = max(1, runs // replicates)
    return expand({
        "name": "bench", "scenario": "pilot_2025", "start": "2025-01-01", "days": 365, "warmup_days": 180,
        "design": "grid", "replicates": replicates, "seed": 1, "frequency": "weekly",
        "outputs": ["arrivals", "returns", "deaths", "prevented_people", "perceived_return_probability"],
        "parameters": {"returns_per_week": [float(x) for x in range(0, 20 * levels, 20)]},
    })


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--record", action="store_true",
                        help="write the figures to benchmarks/measured/sweep.json (for the README's table)")
    args = parser.parse_args()
    sweep = sweep_of(args.runs)
    n = len(sweep.runs())
    with tempfile.TemporaryDirectory() as tmp:
        began = time.perf_counter()
        serial = execute(sweep, Path(tmp) / "serial", serial=True, progress=False)
        serial_s = time.perf_counter() - began
        began = time.perf_counter()
        parallel = execute(sweep, Path(tmp) / "parallel", workers=args.workers, progress=False)
        parallel_s = time.perf_counter() - began
        stored = SweepStore(Path(tmp) / "parallel").bytes_on_disk()
    speedup = serial_s / parallel_s
    print(f"channelsim sweep benchmark: {n} one-year runs (pilot_2025, 2025, 180-day warm-up, weekly series)")
    print(f"  serial                     {serial_s:8.1f} s   {n / serial_s:6.3f} runs/s   ({serial.failed} failed)")
    print(f"  {args.workers} Dask workers             {parallel_s:8.1f} s   {n / parallel_s:6.3f} runs/s   "
          f"({parallel.failed} failed; includes starting the cluster)")
    print(f"  speed-up                   {speedup:8.2f}x")
    print(f"  parallel efficiency        {speedup / args.workers:8.2f}    (target 0.9)")
    print(f"  stored per run             {stored / n:8.0f} bytes (Parquet, zstd)")
    if args.record:
        figures.record("sweep", {"runs": n, "workers": args.workers, "serial_runs_per_s": n / serial_s,
                                 "parallel_runs_per_s": n / parallel_s, "efficiency": speedup / args.workers,
                                 "bytes_per_run": stored / n})


if __name__ == "__main__":
    main()
