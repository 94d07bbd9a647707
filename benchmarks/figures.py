"""Recorded benchmark figures, and the docs' benchmark table rendered from them.

Each benchmark script, run with ``--record``, writes its figures to
``benchmarks/measured/NAME.json`` (with the date and the machine). The table on
the docs' performance page (``docs/performance.md``) is not typed by hand:
``python benchmarks/figures.py --write`` renders it from those files between the
page's markers, and a test checks that the two agree, so a figure in the docs is
always one that was measured.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "measured"
PAGE = HERE.parent / "docs" / "performance.md"   # where the table is rendered
CALIBRATION = HERE.parent / "channelsim" / "experiments" / "inference" / "calibration" / "provenance.json"  # how it ran
START, END = "<!-- benchmark table: rendered by benchmarks/figures.py -->", "<!-- end of benchmark table -->"


def record(name: str, figures: dict) -> Path:
    """Write a benchmark's figures, with when and where they were measured."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    machine = {"cores": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}
    path.write_text(json.dumps({"measured": dt.date.today().isoformat(), "machine": machine, **figures},
                               indent=1, sort_keys=True) + "\n")
    return path


def load(name: str) -> dict:
    return json.loads((RESULTS / f"{name}.json").read_text())


def table() -> str:
    """The benchmark table, from the recorded figures."""
    model, sweep, abc = load("model"), load("sweep"), load("abc")
    calibration = json.loads(CALIBRATION.read_text())
    rows = [
        ("seconds per simulated year, 2022 peak "
         f"({model['people_created']:,} people created, {model['arrivals']:,} arrivals), compiled kernels",
         f"{model['year_s']:.2f} s", f"{model['target_year_s']} s (before: 1.19 s, 2026-11-22)"),
        ("  of which the compiled per-person kernels / the day's record / SimPy events and the rest",
         f"{model['kernels_s']:.2f} / {model['record_s']:.2f} / {model['rest_s']:.2f} s", ""),
        ("the same year with the numpy reference of the kernels", f"{model['reference_year_s']:.2f} s", ""),
        ("registering every person as a Mesa agent (`register_migrants=True`) would add",
         f"{model['registration_s']:.2f} s", ""),
        ("compiling the kernels, once a machine (then loaded from numba's cache)", f"{model['compile_s']:.1f} s", ""),
        ("SimPy events in that year", f"{model['events']:,}", ""),
        ("the floor of this design: every compiled pass (the morning's over "
         f"{model['person_days']:,} person-days, and the bookkeeping's) and as many bare SimPy events, "
         "before any of the model's Python", f"{model['floor_s']:.2f} s", f"{model['target_year_s']} s"),
        (f"peak memory (max RSS; {model['rss_imports_mb']:.0f} MB of it is Python and imports, numba's LLVM "
         f"included, and {model['rss_first_model_mb'] - model['rss_imports_mb']:.0f} MB the per-process costs a "
         "first model pays once: the kernels loaded from numba's cache, the data read)",
         f"{model['max_rss_mb']:.0f} MB", ""),
        ("  of which the model's own at full scale", f"{model['model_own_mb']:.0f} MB", f"{model['target_mb']} MB"),
        ("  of which importing Python, numpy, pandas (with pyarrow), Mesa and numba (with LLVM), in a fresh process",
         f"{model['libraries_mb']:.0f} MB", ""),
        (f"{sweep['runs']}-run sweep of one-year runs: serial / {sweep['workers']} Dask workers",
         f"{sweep['serial_runs_per_s']:.2f} / {sweep['parallel_runs_per_s']:.2f} runs/s",
         "before: 0.82 / 1.62 (2026-11-24)"),
        ("parallel efficiency (includes starting the cluster)", f"{sweep['efficiency']:.2f}", "0.9"),
        ("stored per run (weekly series, Parquet with zstd)", f"{sweep['bytes_per_run']:,.0f} bytes", ""),
        (f"ABC calibration of 2018 to July 2025 on {abc['workers']} Dask workers "
         f"({abc['simulations']} simulations)", f"{abc['simulations_per_s']:.2f} simulations/s",
         "before: 0.24 (908 in 3,719 s)"),
        (f"the committed calibration as it ran ({calibration['simulations']:,} simulations, "
         f"{calibration['seconds'] / 60:.0f} min, 2 Dask workers)",
         f"{calibration['simulations'] / calibration['seconds']:.2f} simulations/s",
         "before: 0.29 (1,931 in 6,704 s, 2026-11-24)"),
    ]
    dates = sorted({model["measured"], sweep["measured"], abc["measured"]})
    lines = [f"Measured on this project's {model['machine']['cores']}-core machine ({', '.join(dates)}):", "",
             "| figure | measured | target or before |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return "\n".join(lines)


PATTERN = re.compile(re.escape(START) + r"\n(.*?)\n?" + re.escape(END), flags=re.S)


def rendered_block(text: str) -> str | None:
    """What stands between a page's benchmark table markers (None without them)."""
    match = PATTERN.search(text)
    return match.group(1) if match else None


def write_page(page: Path = PAGE) -> None:
    """Render the table between the page's markers."""
    text = page.read_text()
    if rendered_block(text) is None:
        sys.exit(f"{page} has no benchmark table markers ({START} ... {END})")
    page.write_text(PATTERN.sub(lambda _: f"{START}\n{table()}\n{END}", text))


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        write_page()
        print(f"{PAGE.relative_to(HERE.parent)}: benchmark table rendered from benchmarks/measured/")
    else:
        print(table())
