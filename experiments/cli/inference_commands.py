"""Commands of the inference room: calibrate, identify, validate, shocks, counterfactual.

Their defaults come from :mod:`experiments.inference.settings`; the machinery
(pandas, pyabc, Dask) loads when a command runs, so that `channelsim --help`
starts at once.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.data import require_files
from core.errors import ChannelsimError
from core.files import check_output_folder
from experiments.cli.options import SEED, add_executor_options, executor_options, progress_option, whole_number
from experiments.inference.settings import (
    ARMS,
    BASELINE,
    BUDGETS,
    COUNTERFACTUAL_DAYS,
    COUNTERFACTUAL_DRAWS,
    COUNTERFACTUAL_START,
    CURVE_LEVELS,
    PRIOR_SETS,
    SHOCK_DRAWS,
    SHOCK_GRID_DAYS,
    SHOCK_GRID_SD,
    VALIDATION_DRAWS,
    Settings,
)

CALIBRATION_HELP = "calibration folder (default: the committed posterior behind the shipped defaults)"
BUDGET_NOTES = {"small": "a minute or two, for CI", "standard": "about two and a half hours on 2 cores; the committed "
                "posterior used its settings, stopped after 829 simulations", "full": "many hours: a cluster"}


def register(sub) -> None:
    cal = sub.add_parser("calibrate", help="ABC-SMC calibration to the Home Office series (pyabc, on Dask)")
    cal.add_argument("--budget", choices=list(BUDGETS), default="standard",
                     help="preset size: " + "; ".join(
                         f"{name} ({p['population']} particles, at most {p['generations']} generations, about "
                         f"{p['budget']} simulations: {BUDGET_NOTES[name]})" for name, p in BUDGETS.items()))
    cal.add_argument("--population", type=int, help="particles per generation (overrides the preset)")
    cal.add_argument("--generations", type=int, help="most generations (overrides the preset)")
    cal.add_argument("--max-simulations", type=int, help="stop after the generation that passes this many "
                     "simulations (overrides the preset)")
    cal.add_argument("--seed", type=SEED, default=Settings.seed,
                     help="seed of the whole calibration (default %(default)s)")
    cal.add_argument("--start", default=Settings.start, help="first day of the data window (default %(default)s)")
    cal.add_argument("--end", default=Settings.end, help="last day of the data window (default %(default)s)")
    cal.add_argument("--priors", choices=list(PRIOR_SETS), default=Settings.priors,
                     help="free parameters: 'series' (the twelve behind the shipped defaults) or 'deterrence' "
                          "(those, the deterrence parameters and the surge episode, fitted also to the published "
                          "arrivals by nationality) (default %(default)s)")
    cal.add_argument("--out", help="new folder for the calibration (default: results/calibration/BUDGET_seedN)")
    add_executor_options(cal)
    cal.set_defaults(func=cmd_calibrate)

    ident = sub.add_parser("identify", help="what a calibration's data identify: posterior against prior sd, "
                           "correlations, a sample-based profile (calibrate writes it too)")
    ident.add_argument("calibration", metavar="CALIBRATION_DIR", help="a calibration folder (channelsim calibrate)")
    ident.add_argument("--out", help="folder for the report (default: the calibration folder)")
    ident.add_argument("--parameter", help="the parameter to profile (default: loss_if_returned, else "
                       "upstream_elasticity)")
    ident.add_argument("--quiet", action="store_true", help="print nothing but errors")
    ident.set_defaults(func=cmd_identify)

    val = sub.add_parser("validate", help="posterior-predictive checks against the observed series; a report")
    _add_ensemble_options(val, VALIDATION_DRAWS, "posterior draws, one run each", "results/validation")
    val.set_defaults(func=cmd_validate)

    shocks = sub.add_parser("shocks", help="fit the upstream shocks' size and persistence by simulated moments")
    _add_ensemble_options(shocks, SHOCK_DRAWS, "posterior draws run at each grid point", "results/shocks")
    shocks.add_argument("--sd", help="grid of upstream_shock_sd (default "
                        + ",".join(f"{v:g}" for v in SHOCK_GRID_SD) + ")")
    shocks.add_argument("--days", help="grid of upstream_shock_days (default "
                        + ",".join(f"{v:g}" for v in SHOCK_GRID_DAYS) + ")")
    shocks.set_defaults(func=cmd_shocks)

    cf = sub.add_parser("counterfactual", help=f"each arm against {BASELINE} for {COUNTERFACTUAL_DAYS} days "
                        f"from {COUNTERFACTUAL_START}, with bands")
    _add_ensemble_options(cf, COUNTERFACTUAL_DRAWS, "posterior draws, each run under every arm",
                          "results/counterfactual")
    cf.add_argument("--arms", help=f"comma-separated scenarios compared with {BASELINE} (default: {','.join(ARMS)})")
    cf.add_argument("--curve", metavar="LEVELS", help="weekly returns of the deterrence curve, comma-separated, "
                    "each run under every draw; 'none' for no curve (default: "
                    + ",".join(f"{v:g}" for v in CURVE_LEVELS) + ")")
    cf.set_defaults(func=cmd_counterfactual)


def _add_ensemble_options(parser: argparse.ArgumentParser, draws: int, draws_help: str, out: str) -> None:
    """The options of every posterior-predictive command: calibration, draws, seed, folder, executor."""
    parser.add_argument("--calibration", help=CALIBRATION_HELP)
    parser.add_argument("--draws", type=whole_number(1, name="draws"), default=draws,
                        help=f"{draws_help} (default %(default)s)")
    parser.add_argument("--seed", type=SEED, default=0, help="seed of the draws and runs (default %(default)s)")
    parser.add_argument("--out", default=out, help="folder (default: %(default)s); re-run to resume")
    add_executor_options(parser)


def ensemble_options(args: argparse.Namespace) -> dict:
    """The keywords every posterior-predictive command passes on: draws, seed, executor, data, progress
    (the output folder checked first)."""
    check_output_folder(args.out)
    return {"draws": args.draws, "seed": args.seed, **executor_options(args), "data_dir": args.data,
            "progress": progress_option(args)}


def cmd_calibrate(args: argparse.Namespace) -> int:
    from experiments.inference.abc_smc import calibrate
    from experiments.inference.targets import OBSERVED_FILES

    executor = executor_options(args)
    for flag, value in (("--population", args.population), ("--generations", args.generations),
                        ("--max-simulations", args.max_simulations)):
        if value is not None and value < 1:
            raise ChannelsimError(f"{flag} must be at least 1, not {value}.")
    given = {"population": args.population, "generations": args.generations, "budget": args.max_simulations}
    settings = Settings(**{**BUDGETS[args.budget], **{k: v for k, v in given.items() if v is not None}},
                        seed=args.seed, start=args.start, end=args.end, priors=args.priors)
    settings.check()
    out = Path(args.out) if args.out else Path("results") / "calibration" / f"{args.budget}_seed{settings.seed}"
    check_output_folder(out)
    require_files(OBSERVED_FILES.values(), args.data, "calibrate")
    if not args.quiet:
        print(f"calibrate: ABC-SMC, {settings.population} particles, at most {settings.generations} generations "
              f"and about {settings.budget} simulations of {settings.start} to {settings.end}, into {out}/",
              file=sys.stderr)
    calibration = calibrate(out, settings, **executor, data_dir=args.data, progress=progress_option(args))
    if not args.quiet:
        last = calibration.provenance["generations"][-1]
        print(f"{calibration.provenance['simulations']} simulations in {calibration.provenance['seconds']:.0f} s; "
              f"final epsilon {last['epsilon']:.3f}. Posterior medians:")
        for name, value in calibration.medians().items():
            print(f"  {name:<26} {value:.4g}")
        print(f"Posterior: {out}/posterior.csv (figure: posterior.png, provenance: provenance.json)")
    return 0


def cmd_identify(args: argparse.Namespace) -> int:
    from experiments.inference.identification import identification_report

    out = Path(args.out) if args.out else Path(args.calibration)
    if args.out:
        check_output_folder(out)
    report = identification_report(args.calibration, out, parameter=args.parameter)
    if not args.quiet:
        print(report["statement"])
        print(f"Report: {out / 'identification.md'} (tables: identification.csv, correlations.csv, profile.csv; "
              f"figure: identification.png)")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from experiments.inference.targets import OBSERVED_FILES
    from experiments.inference.validation import validate

    options = ensemble_options(args)
    require_files(OBSERVED_FILES.values(), args.data, "validate")
    metrics = validate(args.out, args.calibration, **options)
    if not args.quiet:
        m, c = metrics["model_all_months"], metrics["compared"]
        print(f"90% band covers {m['coverage_90']:.0%} of {metrics['months']} observed months, 50% band "
              f"{m['coverage_50']:.0%}; CRPS from {metrics['compared_from']}: model {c['model']['crps']:.0f}, "
              f"last year {c['last_year']['crps']:.0f}, seasonal {c['seasonal']['crps']:.0f} people/month.")
        print(f"Report: {Path(args.out) / 'report.md'}")
    return 1 if metrics["failed"] else 0


def parse_grid(text: str | None, default: tuple[float, ...], flag: str) -> tuple[float, ...]:
    """A comma-separated grid of numbers (the default when not given)."""
    if text is None:
        return default
    try:
        return tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise ChannelsimError(f"{flag} takes comma-separated numbers, e.g. {flag} 0.3,0.6; got {text!r}.") from None


def cmd_shocks(args: argparse.Namespace) -> int:
    from experiments.inference.shocks import fit_shocks

    choice = fit_shocks(args.out, args.calibration, grid_sd=parse_grid(args.sd, SHOCK_GRID_SD, "--sd"),
                        grid_days=parse_grid(args.days, SHOCK_GRID_DAYS, "--days"), **ensemble_options(args))
    if not args.quiet:
        obs, sim = choice["observed"], choice["simulated"]
        print(f"upstream_shock_sd = {choice['upstream_shock_sd']:g}, upstream_shock_days = "
              f"{choice['upstream_shock_days']:g}: residual s.d. {sim['resid_sd']:.3f} "
              f"(observed {obs['resid_sd']:.3f}), lag-1 autocorrelation {sim['resid_lag1']:.3f} "
              f"(observed {obs['resid_lag1']:.3f}).")
        print(f"Table: {Path(args.out) / 'shocks.csv'}; figure: {Path(args.out) / 'shocks.png'}")
    return 1 if choice["failed_runs"] else 0


def cmd_counterfactual(args: argparse.Namespace) -> int:
    from experiments.inference.counterfactual import counterfactual, statement

    arms = tuple(a.strip() for a in args.arms.split(",") if a.strip()) if args.arms else ARMS
    if not arms:
        raise ChannelsimError("--arms names no scenario.")
    curve = () if (args.curve or "").strip().lower() == "none" else parse_grid(args.curve, CURVE_LEVELS, "--curve")
    table = counterfactual(args.out, args.calibration, arms=arms, curve=curve, **ensemble_options(args))
    if not args.quiet:
        print(statement(table, arms[0]))
        print(f"Table: {Path(args.out) / 'counterfactual.csv'}; summary: {Path(args.out) / 'summary.md'}")
        if curve:
            print(f"Deterrence curve: {Path(args.out) / 'deterrence_curve.csv'} and deterrence_curve.png")
    return 0
