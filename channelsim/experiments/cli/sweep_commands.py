"""Commands of the sweeps room: sweep (run a design on Dask), analyse (tables), plot (figures).

A command imports the sweeps' machinery (Mesa, pandas, Dask) when it runs, so
that `channelsim --help` starts at once.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from channelsim.core.errors import ChannelsimError
from channelsim.core.files import check_output_folder
from channelsim.experiments.cli.options import add_executor_options, executor_options, progress_option, whole_number
from channelsim.experiments.inference.settings import VARIANTS

DEFAULT_OUTCOMES = ["arrivals", "returns", "returns_per_arrival", "deaths", "gang_revenue_gbp"]


def register(sub) -> None:
    sweep = sub.add_parser("sweep", help="run a sweep (a TOML file or a shipped name) on Dask")
    sweep.add_argument("file", help="sweep file, or the name of a shipped sweep (experiments/sweeps/NAME.toml)")
    add_executor_options(sweep)
    sweep.add_argument("--out", help="sweep folder (default: results/sweeps/NAME); re-run to resume")
    sweep.add_argument("--samples", type=whole_number(1), help="override the sweep's samples (a smaller budget)")
    sweep.add_argument("--replicates", type=whole_number(1), help="override the sweep's replicates")
    sweep.add_argument("--retry-failed", action=argparse.BooleanOptionalAction, default=True,
                       help="run again the runs recorded as failed (default; --no-retry-failed keeps their records)")
    sweep.add_argument("--flush-every", type=int, default=20, metavar="N",
                       help="write finished runs to disk every N runs (default 20; also every 30 s)")
    sweep.set_defaults(func=cmd_sweep)

    compare = sub.add_parser("compare", help="an ensemble of scenarios against a baseline: bands, effects, a figure "
                             "(channelsim.ensemble)")
    compare.add_argument("scenarios", nargs="+", help="scenario names or TOML files (e.g. no_deal pilot_published)")
    compare.add_argument("--draws", default="posterior", type=draws_option,
                         help="'posterior' (draws from the calibration, the default) or a number of seeds")
    compare.add_argument("--n", type=whole_number(1), default=20, help="posterior draws (default 20)")
    compare.add_argument("--seed", type=whole_number(0), default=0, help="the ensemble's seed (default 0)")
    compare.add_argument("--start", help="first recorded day (default 2025-01-01)")
    compare.add_argument("--days", type=whole_number(1), help="days recorded (default 365)")
    compare.add_argument("--end", help="last recorded day, inclusive (instead of --days)")
    compare.add_argument("--outputs", default="arrivals,launch_attempts,returns,perceived_return_probability",
                         help="output columns kept, comma-separated")
    compare.add_argument("--baseline", help="the scenario the others are compared with (default no_deal if given, "
                         "else the first)")
    compare.add_argument("--frequency", choices=["weekly", "daily"], default="weekly",
                         help="the periods of the stored series and bands (default weekly: complete weeks ending "
                         "Sunday; the totals and effects cover every day of the window either way)")
    compare.add_argument("--calibration", help="the calibration the posterior draws come from (default: the "
                         "committed one)")
    compare.add_argument("--variant", choices=list(VARIANTS),
                         help="draw from one model variant of the calibration only (default: every variant by its "
                         "probability)")
    compare.add_argument("--out", default="results/compare", help="folder (default results/compare); re-run to "
                         "resume its runs")
    add_executor_options(compare)
    compare.set_defaults(func=cmd_compare)

    analyse = sub.add_parser("analyse", help="tables of a sweep: summaries, deterrence, indices, PRIM boxes")
    analyse.add_argument("folder", help="a sweep folder")
    analyse.add_argument("--outcome", action="append", help="outcome to analyse (repeatable; default: "
                         + ", ".join(DEFAULT_OUTCOMES) + ")")
    analyse.add_argument("--fall", type=float, default=0.3, help="PRIM: share by which arrivals fall (default 0.3)")
    analyse.add_argument("--quiet", action="store_true", help="only write the tables")
    analyse.set_defaults(func=cmd_analyse)

    plot = sub.add_parser("plot", help="figures of a sweep as PNG: deterrence curve, fan chart, index bars")
    plot.add_argument("folder", help="a sweep folder")
    plot.add_argument("--format", action="append", choices=["png", "svg", "pdf"], metavar="png|svg|pdf",
                      help="figure format (repeatable; default png)")
    plot.add_argument("--quiet", action="store_true", help="print nothing but errors")
    plot.set_defaults(func=cmd_plot)


def cmd_sweep(args: argparse.Namespace) -> int:
    from channelsim.experiments.sweeps.design import load_sweep
    from channelsim.experiments.sweeps.execute import execute

    executor = executor_options(args)
    if args.flush_every < 1:
        raise ChannelsimError(f"--flush-every must be at least 1, not {args.flush_every}.")
    sweep = load_sweep(args.file, samples=args.samples, replicates=args.replicates)
    out = Path(args.out) if args.out else Path("results") / "sweeps" / sweep.spec.name
    check_output_folder(out)
    if not args.quiet:
        print(f"{sweep.spec.name}: {len(sweep.runs())} runs ({len(sweep.points)} points x "
              f"{sweep.spec.replicates} replicates{', with reference runs' if sweep.spec.reference else ''})"
              f" into {out}/", file=sys.stderr)
    try:
        report = execute(sweep, out, **executor, progress=progress_option(args), data_dir=args.data,
                         flush_every=args.flush_every, retry_failed=args.retry_failed)
    except KeyboardInterrupt:
        print(f"channelsim: interrupted; finished runs are kept in {out}/: run the same command to resume",
              file=sys.stderr)
        return 130
    if not args.quiet:
        print(report)
    return 1 if report.failed else 0


def cmd_analyse(args: argparse.Namespace) -> int:
    import pandas as pd

    from channelsim.experiments.sweeps import analysis
    from channelsim.experiments.sweeps.design import from_folder
    from channelsim.experiments.sweeps.store import read_sweep

    folder = Path(args.folder)
    sweep = from_folder(folder)
    runs, _ = read_sweep(folder)
    outcomes = args.outcome or DEFAULT_OUTCOMES
    out = folder / "analysis"
    out.mkdir(exist_ok=True)
    status = runs["status"].value_counts().to_dict()
    planned = len(sweep.runs())
    say = (lambda *a, **k: None) if args.quiet else print
    say(f"{sweep.spec.name}: {len(runs)} of {planned} runs recorded "
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
            say(f"PRIM: {exc}")
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
    say(f"\ntables: {out}/ ({', '.join(f'{n}.csv' for n in tables)})")
    return 0


def cmd_plot(args: argparse.Namespace) -> int:
    import pandas as pd

    from channelsim.experiments import plots
    from channelsim.experiments.sweeps import analysis
    from channelsim.experiments.sweeps.design import from_folder
    from channelsim.experiments.sweeps.store import read_sweep

    folder = Path(args.folder)
    sweep = from_folder(folder)
    runs, series = read_sweep(folder)
    out = folder / "plots"
    out.mkdir(exist_ok=True)
    spec = sweep.spec
    note = (f"sweep {spec.name}: scenario {spec.scenario}, {spec.design} design, {len(sweep.points)} points x "
            f"{spec.replicates} replicates, root seed {spec.seed}")
    tables = folder / "analysis"
    made = []
    for fmt in args.format or ["png"]:
        if spec.design == "grid":
            change = analysis.deterrence(runs, "arrivals") if (runs["point"] == -1).any() else None
            made.append(plots.deterrence_curve(analysis.summarise(runs, sweep, "arrivals"), change,
                                               out / f"deterrence_curve.{fmt}",
                                               title=f"{spec.name}: deterrence curve", note=note))
        made.append(plots.fan_chart(series, runs, out / f"fan_arrivals.{fmt}", note=note))
        # the indices of every outcome `channelsim analyse` analysed (else the default outcomes)
        if spec.design == "salib_sobol":
            first = (pd.read_csv(tables / "sobol.csv") if (tables / "sobol.csv").exists()
                     else analysis.sobol_indices(runs, sweep, DEFAULT_OUTCOMES)[0])
            made.append(plots.index_bars(first, out / f"sobol_indices.{fmt}", samples=spec.samples, note=note))
        elif spec.design == "morris":
            morris = (pd.read_csv(tables / "morris.csv") if (tables / "morris.csv").exists()
                      else analysis.morris_indices(runs, sweep, DEFAULT_OUTCOMES))
            made.append(plots.index_bars(morris, out / f"morris_indices.{fmt}", note=note))
    if spec.design == "salib_sobol" and spec.samples < plots.SOBOL_SAMPLES_ADVISED and not args.quiet:
        print(f"warning: N = {spec.samples} base samples is too few for the Sobol intervals to rank the "
              f"parameters (use {plots.SOBOL_SAMPLES_ADVISED} or more).", file=sys.stderr)
    for path in made:
        if path is not None and not args.quiet:
            print(path)
    return 0


def draws_option(text: str) -> str | int:
    """--draws: 'posterior' or a whole number of seeds of at least 1."""
    if text.strip().lower() == "posterior":
        return "posterior"
    return whole_number(1, name="--draws")(text)


def cmd_compare(args: argparse.Namespace) -> int:
    from channelsim.core.files import write_text_atomic
    from channelsim.experiments.ensemble import ensemble

    check_output_folder(args.out)
    out = Path(args.out)
    ens = ensemble(args.scenarios, args.draws, n=args.n, seed=args.seed, start=args.start, days=args.days,
                   end=args.end, outputs=tuple(c.strip() for c in args.outputs.split(",") if c.strip()),
                   baseline=args.baseline, frequency=args.frequency, calibration=args.calibration,
                   variant=args.variant, out=out / "runs", data_dir=args.data,
                   progress=progress_option(args), **executor_options(args))
    effect = ens.effect()
    for name, table in (("bands", ens.bands()), ("totals", ens.totals()), ("effect", effect)):
        write_text_atomic(out / f"{name}.csv", table.to_csv(index=False, float_format="%.6g"))
    ens.plot(ens.outputs[0], path=out / "compare.png")
    if not args.quiet:
        print(f"{ens.source}; effect against {ens.baseline} over the window:")
        print(effect.to_string(index=False, float_format=lambda v: f"{v:.3g}"))
        print(f"Tables: {out}/bands.csv, totals.csv, effect.csv; figure: {out}/compare.png; runs: {out}/runs")
    return 0
