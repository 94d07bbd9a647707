"""The ``channelsim`` command line.

    channelsim run [--scenario NAME|PATH] [--seed N] [--start DATE] [--days N | --end DATE]
                   [--out DIR] [--data DIR] [--set KEY=VALUE ...] [--quiet]
    channelsim scenarios
    channelsim params [SECTION]

Bad input (an unknown scenario or key, a value out of range, malformed TOML, an
unsupported date) prints one paragraph naming the problem and exits with
status 2, leaving nothing half-written.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path

from model.errors import ChannelsimError

EXIT_BAD_INPUT = 2


def _value(text: str):
    """A --set value as TOML would read it (number, bool, date, quoted string), else the text."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def _overrides(pairs: list[str]) -> dict:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ChannelsimError(f"--set takes KEY=VALUE, e.g. --set returns_per_week=100; got {pair!r}.")
        out[key.strip()] = _value(value.strip())
    return out


def cmd_run(args: argparse.Namespace) -> int:
    from model import run

    if args.days is not None and args.end is not None:
        raise ChannelsimError("give either --days or --end, not both.")
    overrides = _overrides(args.set or [])
    show_progress = not args.quiet and sys.stderr.isatty()
    result = run(args.scenario, seed=args.seed, start=args.start, days=args.days, end=args.end,
                 data_dir=args.data, progress=show_progress, **overrides)
    out = Path(args.out) if args.out else Path("results") / f"{result.params.name}_seed{result.seed}_{result.start}"
    result.save(out)
    if not args.quiet:
        print(result.table())
        print(f"results: {out}/ (series.csv, series.parquet, summary.json, params.toml, series.png)")
    return 0


def cmd_scenarios(args: argparse.Namespace) -> int:
    from model.scenarios import available

    scenarios = available()
    width = max(map(len, scenarios))
    for name, description in scenarios.items():
        print(f"{name:<{width}}  {description}")
    return 0


def cmd_params(args: argparse.Namespace) -> int:
    from model.params import SECTIONS, describe

    if args.section and args.section not in SECTIONS:
        raise ChannelsimError(f"unknown section {args.section!r}; sections: {', '.join(SECTIONS)}.")
    for row in describe():
        if args.section and row["section"] != args.section:
            continue
        lo = "" if row["min"] is None else row["min"]
        hi = "" if row["max"] is None else row["max"]
        print(f"[{row['section']}] {row['name']} = {row['default']!r} ({row['unit']}; {lo}..{hi})")
        print(f"    {row['doc']} Source: {row['source']}.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="channelsim",
        description="Agent-based model of Channel small-boat crossings and the UK-France returns pilot.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run a scenario and write its results")
    run.add_argument("--scenario", default="pilot_2025", help="shipped scenario name or path to a .toml file "
                     "(default: pilot_2025)")
    run.add_argument("--seed", type=int, default=1, help="random seed (default: 1)")
    run.add_argument("--start", default="2025-01-01", help="first date recorded, YYYY-MM-DD (default: 2025-01-01)")
    run.add_argument("--days", type=int, help="days to run (default: 365)")
    run.add_argument("--end", help="last date to run, YYYY-MM-DD (instead of --days)")
    run.add_argument("--out", help="output folder (default: results/SCENARIO_seedN_START)")
    run.add_argument("--data", help="folder of the observed data (default: $CHANNELSIM_DATA or ../shared/data)")
    run.add_argument("--set", action="append", metavar="KEY=VALUE", help="override a parameter (repeatable)")
    run.add_argument("--quiet", action="store_true", help="print nothing on success")
    run.set_defaults(func=cmd_run)

    scen = sub.add_parser("scenarios", help="list the shipped scenarios")
    scen.set_defaults(func=cmd_scenarios)

    params = sub.add_parser("params", help="list every parameter with its unit, range and source")
    params.add_argument("section", nargs="?", help="only this section")
    params.set_defaults(func=cmd_params)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ChannelsimError as exc:
        print(f"channelsim: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("channelsim: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
