"""Commands on the model and its inputs: run, scenarios, params, data, explore.

Parameters are listed from ``core.params.describe()``. A command imports what
it runs (Mesa, pandas) when it runs, so that `channelsim --help` starts at once.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import threading
import tomllib
from pathlib import Path

from channelsim.core.errors import ChannelsimError
from channelsim.core.files import check_output_folder
from channelsim.core.params import EARLIEST_DATE, LAST_DATE, SECTIONS, describe
from channelsim.core.scenarios import DEFAULT_SCENARIO, available
from channelsim.experiments.cli.options import DATA_HELP, SEED, whole_number

MOST_DAYS = (LAST_DATE - EARLIEST_DATE).days + 1   # a run from the first supported date to the last


def register(sub) -> None:
    run = sub.add_parser("run", help="run a scenario and write its results")
    run.add_argument("--scenario", default=DEFAULT_SCENARIO,
                     help="shipped scenario name or path to a .toml file (default: %(default)s)")
    # without --seed, --start or --days the run takes model.run's own defaults (printed with the results)
    run.add_argument("--seed", type=SEED, help="random seed, 0 or more (default: the model's)")
    run.add_argument("--start", help="first date recorded, YYYY-MM-DD (default: the model's)")
    run.add_argument("--days", help="days to run (default: a year)",
                     type=whole_number(1, MOST_DAYS, f" (the model runs from {EARLIEST_DATE} to {LAST_DATE})"))
    run.add_argument("--end", help="last date to run, YYYY-MM-DD (instead of --days)")
    run.add_argument("--out", help="output folder (default: results/SCENARIO_seedN_START)")
    run.add_argument("--data", help=DATA_HELP)
    run.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a parameter (repeatable); "
                     "`channelsim params` lists them")
    run.add_argument("--format", action="append", choices=["png", "svg", "pdf"], metavar="png|svg|pdf",
                     help="also write the figure in this format (repeatable; series.png is always written)")
    run.add_argument("--quiet", action="store_true", help="print nothing on success")
    run.set_defaults(func=cmd_run)

    scenarios = sub.add_parser("scenarios", help="list the shipped scenarios")
    scenarios.set_defaults(func=cmd_scenarios)

    params = sub.add_parser("params", help="list every parameter with its unit, range and source")
    params.add_argument("section", nargs="?", help=f"only this section: {', '.join(SECTIONS)}")
    params.set_defaults(func=cmd_params)

    data = sub.add_parser("data", help="the Home Office series: download, convert a workbook, targets")
    data.add_argument("action", choices=["download", "convert", "targets"],
                      help="download: fetch and convert the current workbook; convert: a workbook or CSV you have; "
                           "targets: summary statistics of the series in the data folder")
    data.add_argument("source", nargs="*", help="with convert: the .ods workbook (sheets SB_01, SB_02), or the daily "
                      "and/or weekly series as CSV (the shared layout or the Home Office's own wording)")
    data.add_argument("--out", help="folder to write into (default: data/ for convert and targets; for download "
                      "the user data folder, which channelsim then reads before its packaged snapshot)")
    data.add_argument("--url", help="with download: the publication page or the workbook's address")
    data.add_argument("--data", help="with targets: folder of the observed data")
    data.add_argument("--quiet", action="store_true", help="print nothing but errors")
    data.set_defaults(func=cmd_data)

    explore = sub.add_parser("explore", help="serve the interactive explorer (SolaraViz) on localhost")
    explore.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    explore.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    explore.set_defaults(func=cmd_explore)


def toml_value(text: str):
    """A --set value as TOML would read it (number, bool, date, quoted string), else the text."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def parse_overrides(pairs: list[str]) -> dict:
    """--set KEY=VALUE pairs as parameter overrides."""
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ChannelsimError(f"--set takes KEY=VALUE, e.g. --set returns_per_week=100; got {pair!r}.")
        out[key.strip()] = toml_value(value.strip())
    return out


def cmd_run(args: argparse.Namespace) -> int:
    from channelsim.model import run

    if args.days is not None and args.end is not None:
        raise ChannelsimError("give either --days or --end, not both.")
    overrides = parse_overrides(args.set or [])
    check_output_folder(args.out or "results")
    given = {k: v for k, v in (("seed", args.seed), ("start", args.start), ("days", args.days), ("end", args.end))
             if v is not None}
    show_progress = not args.quiet and sys.stderr.isatty()
    result = run(args.scenario, **given, data_dir=args.data, progress=show_progress, **overrides)
    out = Path(args.out) if args.out else Path("results") / f"{result.params.name}_seed{result.seed}_{result.start}"
    result.save(out, formats=tuple(args.format or ("png",)))
    if not args.quiet:
        print(result.table())
        print(f"results: {out}/ ({', '.join(sorted(p.name for p in out.iterdir()))})")
    return 0


def cmd_scenarios(args: argparse.Namespace) -> int:
    scenarios = available()
    width = max(map(len, scenarios))
    for name, description in scenarios.items():
        print(f"{name:<{width}}  {description}")
    return 0


def cmd_params(args: argparse.Namespace) -> int:
    if args.section and args.section not in SECTIONS:
        raise ChannelsimError(f"unknown section {args.section!r}; sections: {', '.join(SECTIONS)}.")
    for row in describe():
        if args.section and row["section"] != args.section:
            continue
        default = row["default"]
        shown = default.isoformat() if hasattr(default, "isoformat") else repr(default)
        bounds = f"; {row['range']}" if row["range"] else ""
        print(f"[{row['section']}] {row['name']} = {shown} ({row['unit']}{bounds})")
        print(f"    {row['doc']} Source: {row['source']}.")
    return 0


def cmd_data(args: argparse.Namespace) -> int:
    from channelsim.core import data
    from channelsim.experiments.inference.targets import observed

    if args.out is None and args.action != "download":
        args.out = "data"
    if args.out is not None:
        check_output_folder(args.out)
    if args.action == "convert":
        if not args.source:
            raise ChannelsimError("data convert needs a SOURCE file (the Home Office .ods workbook, or a CSV).")
        written = convert_sources(args.source, Path(args.out))
    elif args.action == "download":
        written = data.download(args.out, url=args.url or data.PUBLICATION_URL)
    else:  # targets
        table = observed(args.data).table()
        out = Path(args.out) / "targets.csv"
        out.parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(out, index=False)
        written = [out]
        if not args.quiet:
            print(table[table["statistic"] != "monthly_arrivals"].to_string(index=False))
    for path in written if not args.quiet else []:
        print(path)
    return 0


def convert_sources(sources: list[str], out: Path) -> list[Path]:
    """Convert a workbook (both series) or CSVs (each the daily or the weekly series, told apart by its header)."""
    from channelsim.core import data
    from channelsim.core.files import atomic_path

    frames: dict[str, object] = {}
    for source in sources:
        if Path(source).suffix.lower() == ".ods":
            frames.update({f: data.read_small_boats(source, f) for f in ("daily", "weekly")})
            continue
        found, problems = {}, []
        for frequency in ("daily", "weekly"):
            try:
                found[frequency] = data.read_small_boats(source, frequency)
            except data.DataError as exc:
                problems.append(str(exc))
        if not found:
            raise ChannelsimError(f"{source} is neither the daily nor the weekly series: {' '.join(problems)}")
        frames.update(found)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for frequency, frame in frames.items():
        with atomic_path(out / f"small_boats_{frequency}.csv") as tmp:
            data.write_shared_layout(frame, tmp)
        written.append(out / f"small_boats_{frequency}.csv")
    return written


def cmd_explore(args: argparse.Namespace) -> int:
    if not 0 < args.port < 65536:
        raise ChannelsimError(f"--port must be from 1 to 65535, not {args.port}.")
    print(f"channelsim explorer: http://{args.host}:{args.port}/ (Ctrl-C to stop)", flush=True)
    command = [sys.executable, "-m", "solara", "run", "channelsim.experiments.explorer:page", "--host", args.host,
               "--port", str(args.port), "--production", "--no-open", "--no-check-version"]
    # The server runs in its own process group; Ctrl-C, SIGTERM or SIGHUP here stops that whole group
    # (a SIGKILL follows if it has not ended within GRACE_SECONDS), so no server outlives the command.
    server = subprocess.Popen(command, start_new_session=True)
    received: list[int] = []

    def stop(signum, _frame) -> None:
        received.append(signum)
        _signal_group(server, signal.SIGTERM)
        killer = threading.Timer(GRACE_SECONDS, _signal_group, (server, signal.SIGKILL))
        killer.daemon = True
        killer.start()

    handled = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    previous = {sig: signal.signal(sig, stop) for sig in handled}
    try:
        code = server.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 128 + received[0] if received else code


GRACE_SECONDS = 10


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signum)
