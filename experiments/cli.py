"""The ``channelsim`` command line.

    channelsim run [--scenario NAME|PATH] [--seed N] [--start DATE] [--days N | --end DATE]
                   [--out DIR] [--data DIR] [--set KEY=VALUE ...] [--quiet]
    channelsim scenarios
    channelsim params [SECTION]
    channelsim sweep FILE [--workers N] [--scheduler ADDRESS | --cluster FILE | --serial] [--out DIR]
    channelsim analyse DIR
    channelsim plot DIR
    channelsim explore [--host 127.0.0.1] [--port 8765]
    channelsim data download|convert|targets
    channelsim calibrate [--budget small|standard|full] [--seed N] [--out DIR] [executor options]
    channelsim validate [--calibration DIR] [--draws N] [--seed N] [--out DIR] [executor options]
    channelsim shocks [--calibration DIR] [--draws N] [--seed N] [--sd A,B,..] [--days A,B,..] [--out DIR] [executor options]
    channelsim counterfactual [--calibration DIR] [--draws N] [--seed N] [--arms A,B] [--out DIR] [executor options]

Executor options (sweep, calibrate, shocks, validate, counterfactual):
    --workers N | --scheduler ADDRESS | --cluster FILE | --serial

Bad input (an unknown scenario or key, a value out of range, malformed TOML, an
unsupported date) prints one paragraph naming the problem and exits with
status 2, leaving nothing half-written.
"""

from __future__ import annotations

import argparse
import os
import sys
import tomllib
from pathlib import Path

from core.errors import ChannelsimError

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
    from core.scenarios import available

    scenarios = available()
    width = max(map(len, scenarios))
    for name, description in scenarios.items():
        print(f"{name:<{width}}  {description}")
    return 0


def cmd_params(args: argparse.Namespace) -> int:
    from core.params import SECTIONS, describe

    if args.section and args.section not in SECTIONS:
        raise ChannelsimError(f"unknown section {args.section!r}; sections: {', '.join(SECTIONS)}.")
    for row in describe():
        if args.section and row["section"] != args.section:
            continue
        default = row["default"]
        shown = default.isoformat() if hasattr(default, "isoformat") else repr(default)
        bounds = "" if row["min"] is None and row["max"] is None else f"; {row['min']} to {row['max']}"
        print(f"[{row['section']}] {row['name']} = {shown} ({row['unit']}{bounds})")
        print(f"    {row['doc']} Source: {row['source']}.")
    return 0


DEFAULT_OUTCOMES = ["arrivals", "returns", "returns_per_arrival", "deaths", "gang_revenue_gbp"]


def _executor(args: argparse.Namespace) -> dict:
    """The execution options, checked: where the runs go."""
    if args.workers is not None and args.workers < 1:
        raise ChannelsimError(f"--workers must be at least 1, not {args.workers}.")
    chosen = [name for name, on in (("--scheduler", args.scheduler), ("--cluster", args.cluster),
                                    ("--serial", args.serial)) if on]
    if len(chosen) > 1:
        raise ChannelsimError(f"choose one of {' and '.join(chosen)}.")
    return dict(workers=args.workers, scheduler=args.scheduler, cluster_file=args.cluster, serial=args.serial)


def _add_executor(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workers", type=int, help="local worker processes (default: one per core)")
    parser.add_argument("--scheduler", metavar="ADDRESS", help="a running Dask scheduler, e.g. tcp://10.0.0.5:8786")
    parser.add_argument("--cluster", metavar="FILE", help="dask-jobqueue cluster file (SLURM or PBS)")
    parser.add_argument("--serial", action="store_true", help="run in this process, one run after another")
    parser.add_argument("--data", help="folder of the observed data (default: $CHANNELSIM_DATA or ../shared/data)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar or report")


def cmd_sweep(args: argparse.Namespace) -> int:
    from experiments.execute import execute
    from experiments.sweep import load_sweep

    executor = _executor(args)
    if args.flush_every < 1:
        raise ChannelsimError(f"--flush-every must be at least 1, not {args.flush_every}.")
    sweep = load_sweep(args.file, samples=args.samples, replicates=args.replicates)
    out = Path(args.out) if args.out else Path("results") / "sweeps" / sweep.spec.name
    if not args.quiet:
        print(f"{sweep.spec.name}: {len(sweep.runs())} runs ({len(sweep.points)} points x "
              f"{sweep.spec.replicates} replicates{', with reference runs' if sweep.spec.reference else ''})"
              f" into {out}/", file=sys.stderr)
    try:
        report = execute(sweep, out, **executor, progress=None if not args.quiet else False, data_dir=args.data,
                         flush_every=args.flush_every)
    except KeyboardInterrupt:
        print(f"channelsim: interrupted; finished runs are kept in {out}/: run the same command to resume",
              file=sys.stderr)
        return 130
    if not args.quiet:
        print(report)
    return 1 if report.failed else 0


def cmd_analyse(args: argparse.Namespace) -> int:
    import pandas as pd

    from experiments import analysis
    from experiments.store import read_sweep
    from experiments.sweep import from_folder

    folder = Path(args.folder)
    sweep = from_folder(folder)
    runs, _ = read_sweep(folder)
    outcomes = args.outcome or DEFAULT_OUTCOMES
    out = folder / "analysis"
    out.mkdir(exist_ok=True)
    status = runs["status"].value_counts().to_dict()
    planned = len(sweep.runs())
    print(f"{sweep.spec.name}: {len(runs)} of {planned} runs recorded "
          f"({', '.join(f'{n} {k}' for k, n in status.items()) or 'none'})")
    pd.set_option("display.width", 160)
    pd.set_option("display.max_columns", 20)
    tables: dict[str, pd.DataFrame] = {}
    for outcome in outcomes:
        tables[f"summary_{outcome}"] = analysis.summarise(runs, sweep, outcome)
    if (runs["point"] == -1).any():
        change = analysis.deterrence(runs, "arrivals")
        keys = ["point", *[f"param_{p}" for p in sweep.parameter_names]]
        deterred = change.groupby(keys)["change_arrivals"].quantile([0.05, 0.5, 0.95]).unstack().reset_index()
        deterred.columns = [*keys, "change_q05", "change_median", "change_q95"]
        tables["deterrence"] = deterred
        try:
            tables["prim"] = analysis.prim_boxes(runs, sweep, "arrivals", fall=args.fall)
        except analysis.AnalysisError as exc:
            print(f"PRIM: {exc}")
    if sweep.spec.design == "salib_sobol":
        first, second = analysis.sobol_indices(runs, sweep, outcomes)
        tables["sobol"] = first
        if len(second):
            tables["sobol_second_order"] = second
    elif sweep.spec.design == "morris":
        tables["morris"] = analysis.morris_indices(runs, sweep, outcomes)
    for name, table in tables.items():
        table.to_csv(out / f"{name}.csv", index=False)
        if not args.quiet and (not name.startswith("summary_") or name == f"summary_{outcomes[0]}"):
            print(f"\n{name}:")
            print(table.round(4).to_string(index=False, max_rows=40))
    print(f"\ntables: {out}/ ({', '.join(f'{n}.csv' for n in tables)})")
    return 0


def cmd_plot(args: argparse.Namespace) -> int:
    from experiments import analysis, plots
    from experiments.store import read_sweep
    from experiments.sweep import from_folder

    folder = Path(args.folder)
    sweep = from_folder(folder)
    runs, series = read_sweep(folder)
    out = folder / "plots"
    out.mkdir(exist_ok=True)
    made = [plots.deterrence_curve(runs, sweep, out / "deterrence_curve.png"),
            plots.fan_chart(series, runs, out / "fan_arrivals.png")]
    if sweep.spec.design == "salib_sobol":
        made.append(plots.index_bars(analysis.sobol_indices(runs, sweep, DEFAULT_OUTCOMES[:3])[0],
                                     out / "sobol_indices.png"))
    elif sweep.spec.design == "morris":
        made.append(plots.index_bars(analysis.morris_indices(runs, sweep, DEFAULT_OUTCOMES[:3]),
                                     out / "morris_indices.png"))
    for path in made:
        if path is not None:
            print(path)
    return 0


def cmd_explore(args: argparse.Namespace) -> int:
    import subprocess

    if not 0 < args.port < 65536:
        raise ChannelsimError(f"--port must be from 1 to 65535, not {args.port}.")
    print(f"channelsim explorer: http://{args.host}:{args.port}/ (Ctrl-C to stop)", flush=True)
    command = [sys.executable, "-m", "solara", "run", "experiments.explorer:page", "--host", args.host,
               "--port", str(args.port), "--production", "--no-open"]
    try:
        return subprocess.run(command).returncode
    except KeyboardInterrupt:
        return 130


def cmd_data(args: argparse.Namespace) -> int:
    from core import data

    if args.action == "convert":
        if not args.source:
            raise ChannelsimError("data convert needs a SOURCE file (the Home Office .ods workbook, or a CSV).")
        written = data.convert(args.source, args.out)
    elif args.action == "download":
        written = data.download(args.out, url=args.url or data.PUBLICATION_URL)
    else:  # targets
        from experiments.targets import observed

        table = observed(args.data).table()
        out = Path(args.out) / "targets.csv"
        out.parent.mkdir(parents=True, exist_ok=True)
        table.to_csv(out, index=False)
        written = [out]
        print(table[table["statistic"] != "monthly_arrivals"].to_string(index=False))
    for path in written:
        print(path)
    return 0


BUDGETS = {   # population, generations, most simulations
    "small": (6, 2, 60),
    "standard": (100, 8, 900),
    "full": (300, 20, 20000),
}


def cmd_calibrate(args: argparse.Namespace) -> int:
    from experiments.calibration import CALIBRATION_END, CALIBRATION_START, Settings, calibrate

    executor = _executor(args)
    population, generations, budget = BUDGETS[args.budget]
    settings = Settings(population=args.population or population, generations=args.generations or generations,
                        budget=args.max_simulations or budget, seed=args.seed,
                        start=args.start or CALIBRATION_START.isoformat(), end=args.end or CALIBRATION_END.isoformat())
    for flag, value in (("--population", args.population), ("--generations", args.generations),
                        ("--max-simulations", args.max_simulations)):
        if value is not None and value < 1:
            raise ChannelsimError(f"{flag} must be at least 1, not {value}.")
    settings.check()
    out = Path(args.out) if args.out else Path("results") / "calibration" / f"{args.budget}_seed{args.seed}"
    if not args.quiet:
        print(f"calibrate: ABC-SMC, {settings.population} particles, at most {settings.generations} generations "
              f"and about {settings.budget} simulations of {settings.start} to {settings.end}, into {out}/",
              file=sys.stderr)
    calibration = calibrate(out, settings, **executor, data_dir=args.data, progress=None if not args.quiet else False)
    if not args.quiet:
        last = calibration.provenance["generations"][-1]
        print(f"{calibration.provenance['simulations']} simulations in {calibration.provenance['seconds']:.0f} s; "
              f"final epsilon {last['epsilon']:.3f}. Posterior medians:")
        for name, value in calibration.medians().items():
            print(f"  {name:<26} {value:.4g}")
        print(f"Posterior: {out}/posterior.csv (figure: posterior.png, provenance: provenance.json)")
    return 0


def _ensemble(args: argparse.Namespace) -> dict:
    """The keywords every posterior-predictive command passes on: draws, seed, executor, data, progress."""
    return {"draws": args.draws, "seed": args.seed, **_executor(args), "data_dir": args.data,
            "progress": None if not args.quiet else False}


def cmd_validate(args: argparse.Namespace) -> int:
    from experiments.validation import validate

    metrics = validate(args.out, args.calibration, **_ensemble(args))
    if not args.quiet:
        m, c = metrics["model_all_months"], metrics["compared"]
        print(f"90% band covers {m['coverage_90']:.0%} of {metrics['months']} observed months, 50% band "
              f"{m['coverage_50']:.0%}; CRPS from {metrics['compared_from']}: model {c['model']['crps']:.0f}, "
              f"last year {c['last_year']['crps']:.0f}, seasonal {c['seasonal']['crps']:.0f} people/month.")
        print(f"Report: {Path(args.out) / 'report.md'}")
    return 1 if metrics["failed"] else 0


def _grid(text: str | None, default: tuple[float, ...], flag: str) -> tuple[float, ...]:
    if text is None:
        return default
    try:
        return tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise ChannelsimError(f"{flag} takes comma-separated numbers, e.g. {flag} 0.3,0.6; got {text!r}.") from None


def cmd_shocks(args: argparse.Namespace) -> int:
    from experiments.shocks import GRID_DAYS, GRID_SD, fit_shocks

    choice = fit_shocks(args.out, args.calibration, grid_sd=_grid(args.sd, GRID_SD, "--sd"),
                        grid_days=_grid(args.days, GRID_DAYS, "--days"), **_ensemble(args))
    if not args.quiet:
        obs, sim = choice["observed"], choice["simulated"]
        print(f"upstream_shock_sd = {choice['upstream_shock_sd']:g}, upstream_shock_days = "
              f"{choice['upstream_shock_days']:g}: residual s.d. {sim['resid_sd']:.3f} (observed {obs['resid_sd']:.3f}), "
              f"lag-1 autocorrelation {sim['resid_lag1']:.3f} (observed {obs['resid_lag1']:.3f}).")
        print(f"Table: {Path(args.out) / 'shocks.csv'}; figure: {Path(args.out) / 'shocks.png'}")
    return 1 if choice["failed_runs"] else 0


def cmd_counterfactual(args: argparse.Namespace) -> int:
    from experiments.counterfactual import ARMS, counterfactual, statement

    arms = tuple(a.strip() for a in args.arms.split(",") if a.strip()) if args.arms else ARMS
    if not arms:
        raise ChannelsimError("--arms names no scenario.")
    table = counterfactual(args.out, args.calibration, arms=arms, **_ensemble(args))
    if not args.quiet:
        print(statement(table, arms[0]))
        print(f"Table: {Path(args.out) / 'counterfactual.csv'}; summary: {Path(args.out) / 'summary.md'}")
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

    sweep = sub.add_parser("sweep", help="run a sweep (a TOML file or a shipped name) on Dask")
    sweep.add_argument("file", help="sweep file, or a shipped sweep: deterrence_curve, sobol")
    _add_executor(sweep)
    sweep.add_argument("--out", help="sweep folder (default: results/sweeps/NAME); re-run to resume")
    sweep.add_argument("--samples", type=int, help="override the sweep's samples (a smaller budget)")
    sweep.add_argument("--replicates", type=int, help="override the sweep's replicates")
    sweep.add_argument("--flush-every", type=int, default=20, metavar="N",
                       help="write finished runs to disk every N runs (default 20; also every 30 s)")
    sweep.set_defaults(func=cmd_sweep)

    analyse = sub.add_parser("analyse", help="tables of a sweep: summaries, deterrence, indices, PRIM boxes")
    analyse.add_argument("folder", help="a sweep folder")
    analyse.add_argument("--outcome", action="append", help="outcome to analyse (repeatable; default: "
                         + ", ".join(DEFAULT_OUTCOMES) + ")")
    analyse.add_argument("--fall", type=float, default=0.3, help="PRIM: share by which arrivals fall (default 0.3)")
    analyse.add_argument("--quiet", action="store_true", help="only write the tables")
    analyse.set_defaults(func=cmd_analyse)

    plot = sub.add_parser("plot", help="figures of a sweep as PNG: deterrence curve, fan chart, index bars")
    plot.add_argument("folder", help="a sweep folder")
    plot.set_defaults(func=cmd_plot)

    explore = sub.add_parser("explore", help="serve the interactive explorer (SolaraViz) on localhost")
    explore.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    explore.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    explore.set_defaults(func=cmd_explore)

    data = sub.add_parser("data", help="the Home Office series: download, convert a workbook, targets")
    data.add_argument("action", choices=["download", "convert", "targets"],
                      help="download: fetch and convert the current workbook; convert: a workbook or CSV you have; "
                           "targets: summary statistics of the series in the data folder")
    data.add_argument("source", nargs="?", help="with convert: the .ods workbook (sheets SB_01, SB_02) or a CSV")
    data.add_argument("--out", default="data", help="folder to write into (default: data/)")
    data.add_argument("--url", help="with download: the publication page or the workbook's address")
    data.add_argument("--data", help="with targets: folder of the observed data")
    data.set_defaults(func=cmd_data)

    cal = sub.add_parser("calibrate", help="ABC-SMC calibration to the Home Office series (pyabc, on Dask)")
    cal.add_argument("--budget", choices=list(BUDGETS), default="standard",
                     help="preset size: small (a minute or two, for CI), standard (the shipped posterior; about "
                          "an hour on 2 cores), full (many hours: a cluster)")
    cal.add_argument("--population", type=int, help="particles per generation (overrides the preset)")
    cal.add_argument("--generations", type=int, help="most generations (overrides the preset)")
    cal.add_argument("--max-simulations", type=int, help="stop after the generation that passes this many "
                     "simulations (overrides the preset)")
    cal.add_argument("--seed", type=int, default=0, help="seed of the whole calibration (default 0)")
    cal.add_argument("--start", default=None, help="first day of the data window (default 2018-01-01)")
    cal.add_argument("--end", default=None, help="last day of the data window (default 2025-07-31)")
    cal.add_argument("--out", help="new folder for the calibration (default: results/calibration/BUDGET_seedN)")
    _add_executor(cal)
    cal.set_defaults(func=cmd_calibrate)

    val = sub.add_parser("validate", help="posterior-predictive checks against the observed series; a report")
    val.add_argument("--calibration", help="calibration folder (default: the shipped posterior)")
    val.add_argument("--draws", type=int, default=40, help="posterior draws, one run each (default 40)")
    val.add_argument("--seed", type=int, default=0, help="seed of the draws and runs (default 0)")
    val.add_argument("--out", default="results/validation", help="report folder (default: results/validation); "
                     "re-run to resume")
    _add_executor(val)
    val.set_defaults(func=cmd_validate)

    sh = sub.add_parser("shocks", help="fit the upstream shocks' size and persistence by simulated moments")
    sh.add_argument("--calibration", help="calibration folder (default: the shipped posterior)")
    sh.add_argument("--draws", type=int, default=12, help="posterior draws run at each grid point (default 12)")
    sh.add_argument("--seed", type=int, default=0, help="seed of the draws and runs (default 0)")
    sh.add_argument("--sd", help="grid of upstream_shock_sd (default 0.2,0.4,...,1.2)")
    sh.add_argument("--days", help="grid of upstream_shock_days (default 5,10,20,40)")
    sh.add_argument("--out", default="results/shocks", help="folder (default: results/shocks); re-run to resume")
    _add_executor(sh)
    sh.set_defaults(func=cmd_shocks)

    cf = sub.add_parser("counterfactual", help="the pilot against no deal from 6 August 2025, with bands")
    cf.add_argument("--calibration", help="calibration folder (default: the shipped posterior)")
    cf.add_argument("--draws", type=int, default=20, help="posterior draws, each run under every arm (default 20)")
    cf.add_argument("--seed", type=int, default=0, help="seed of the draws and runs (default 0)")
    cf.add_argument("--arms", help="comma-separated scenarios compared with no_deal (default: "
                    "pilot_published,pilot_2025,pilot_ramp,crackdown)")
    cf.add_argument("--out", default="results/counterfactual", help="folder (default: results/counterfactual); "
                    "re-run to resume")
    _add_executor(cf)
    cf.set_defaults(func=cmd_counterfactual)

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
    except BrokenPipeError:  # e.g. `channelsim params | head`: the reader left
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
