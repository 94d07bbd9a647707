"""Commands of the inference room: calibrate, identify, profile, validate, attribute, shocks, counterfactual.

Their defaults come from [`experiments.inference.settings`][channelsim.experiments.inference.settings]; the machinery
(pandas, pyabc, Dask) loads when a command runs, so that `channelsim --help`
starts at once.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import sys
import warnings
from dataclasses import asdict
from pathlib import Path

from channelsim.core.data import require_files
from channelsim.core.errors import ChannelsimError, ChannelsimWarning
from channelsim.core.files import check_output_folder
from channelsim.experiments.cli.options import (
    SEED,
    add_executor_options,
    date_option,
    executor_options,
    positive_number,
    progress_option,
    whole_number,
)
from channelsim.experiments.inference.settings import (
    ARMS,
    ATTRIBUTION_DRAWS,
    BANK_DRAWS,
    BANK_KEEP,
    BASELINE,
    BUDGETS,
    COUNTERFACTUAL_DAYS,
    COUNTERFACTUAL_DRAWS,
    COUNTERFACTUAL_START,
    CURVE_LEVELS,
    EVIDENCE_ARMS,
    EVIDENCE_DRAWS,
    FORECAST_DRAWS,
    PRIOR_SETS,
    RECOVERY_EFFECT_DRAWS,
    RECOVERY_SETTINGS,
    REFIT_PARTICLES,
    REFIT_ROUNDS,
    REFIT_VALUES,
    SHOCK_DRAWS,
    SHOCK_GRID_DAYS,
    SHOCK_GRID_SD,
    VALIDATION_DRAWS,
    VARIANTS,
    Settings,
)

CALIBRATION_HELP = "calibration folder (default: the committed posterior behind the shipped defaults)"
BUDGET_NOTES = {"small": "a minute or two, for CI",
                "standard": "about an hour and a half on 2 cores (the committed posterior was made with "
                            "--priors deterrence --population 240: docs/calibration.md)",
                "full": "many hours: a cluster"}


def register(sub) -> None:
    cal = sub.add_parser("calibrate", help="ABC-SMC calibration to the Home Office series (pyabc, on Dask)")
    cal.add_argument("--budget", choices=list(BUDGETS),
                     help="preset size (default standard): " + "; ".join(
                         f"{name} ({p['population']} particles, at most {p['generations']} generations, about "
                         f"{p['budget']} simulations: {BUDGET_NOTES[name]})" for name, p in BUDGETS.items()))
    cal.add_argument("--population", type=int, help="particles per generation (overrides the preset)")
    cal.add_argument("--generations", type=int, help="most generations (overrides the preset)")
    cal.add_argument("--max-simulations", type=int, help="stop after the generation that passes this many "
                     "simulations (overrides the preset)")
    cal.add_argument("--seed", type=SEED, help=f"seed of the whole calibration (default {Settings.seed})")
    cal.add_argument("--start", help=f"first day of the data window (default {Settings.start})")
    cal.add_argument("--end", help=f"last day of the data window, or 'latest' for the observed series' last "
                     f"day (default {Settings.end}, the committed calibration's)")
    cal.add_argument("--priors", choices=list(PRIOR_SETS),
                     help="free parameters: 'series' (the twelve behind the shipped defaults) or 'deterrence' "
                          "(those, the deterrence parameters and the surge episode, fitted also to the published "
                          f"arrivals by nationality) (default {Settings.priors})")
    cal.add_argument("--variants", type=variant_list,
                     help="model variants fitted together, comma-separated, from "
                          f"{', '.join(VARIANTS)} (pyabc's model choice: posterior model probabilities) "
                          f"(default {','.join(Settings.variants)})")
    cal.add_argument("--out", help="new folder for the calibration (default: results/calibration/BUDGET_seedN)")
    cal.add_argument("--resume", metavar="DIR", help="continue the calibration in DIR from its last finished "
                     "generation, with the settings it began with (--generations and --max-simulations may raise "
                     "its limits); it ends where an uninterrupted run would")
    cal.add_argument("--max-minutes", type=positive_number("--max-minutes"),
                     help="stop after the first generation that ends past this many minutes (resume it later)")
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

    prof = sub.add_parser("profile", help="refit profile: refit the other parameters with one held at each of "
                          "several values; the distance each reaches against the calibration's epsilon")
    prof.add_argument("calibration", metavar="CALIBRATION_DIR", nargs="?",
                      help="a calibration folder (default: the committed posterior)")
    prof.add_argument("--parameter", help="the parameter held fixed (default: loss_if_returned, else "
                      "upstream_elasticity)")
    prof.add_argument("--values", help="comma-separated values in its prior range (default: "
                      f"{REFIT_VALUES} evenly over the range)")
    prof.add_argument("--particles", type=whole_number(4, name="particles"), default=REFIT_PARTICLES,
                      help="simulations per value and round (default %(default)s)")
    prof.add_argument("--rounds", type=whole_number(1, name="rounds"), default=REFIT_ROUNDS,
                      help="rounds of the refit: the first from the posterior, each next from the best half "
                           "(default %(default)s)")
    prof.add_argument("--seed", type=SEED, default=0, help="seed of the refit (default %(default)s)")
    prof.add_argument("--out", help="folder for the profile (default: results/profile)")
    add_executor_options(prof)
    prof.set_defaults(func=cmd_profile)

    val = sub.add_parser("validate", help="posterior-predictive checks against the observed series; a report")
    _add_ensemble_options(val, VALIDATION_DRAWS, "posterior draws, one run each", "results/validation")
    val.set_defaults(func=cmd_validate)

    att = sub.add_parser("attribute", help="why the natural experiment's group fell: each posterior draw with and "
                         "without the group's own returns arrangement")
    _add_ensemble_options(att, ATTRIBUTION_DRAWS, "posterior draws, each run with and without the arrangement",
                          "results/attribution")
    att.set_defaults(func=cmd_attribute)

    shocks = sub.add_parser("shocks", help="fit the upstream shocks' size and persistence by simulated moments")
    _add_ensemble_options(shocks, SHOCK_DRAWS, "posterior draws run at each grid point", "results/shocks")
    shocks.add_argument("--sd", help="grid of upstream_shock_sd (default "
                        + ",".join(f"{v:g}" for v in SHOCK_GRID_SD) + ")")
    shocks.add_argument("--days", help="grid of upstream_shock_days (default "
                        + ",".join(f"{v:g}" for v in SHOCK_GRID_DAYS) + ")")
    shocks.set_defaults(func=cmd_shocks)

    fc = sub.add_parser("forecast", help="arrivals by month from the day after the calibration's window (the "
                        "published returns) from the posterior, with bands; each past year's total against the "
                        "observed; and the forecast months the data hold, scored")
    _add_ensemble_options(fc, FORECAST_DRAWS, "posterior draws, one run each from 2018", "results/forecast")
    fc.add_argument("--end", type=date_option("--end"),
                    help="last day of the forecast (default: the last day of its twelfth month; 2027-01-31 for the "
                         "committed calibration)")
    fc.add_argument("--variant", choices=list(VARIANTS),
                    help="draw from one model variant's posterior (default: every variant by its probability)")
    fc.set_defaults(func=cmd_forecast)

    mc = sub.add_parser("compare-models", help="which model variant the data favour: the calibration's model "
                        "probabilities and rolling-origin forecasts against seasonal naive baselines")
    mc.add_argument("--calibration", help="a calibration of several variants (default: the committed one)")
    mc.add_argument("--draws", type=whole_number(2, name="draws"), default=BANK_DRAWS,
                    help="prior draws a variant in the bank of runs (default %(default)s)")
    mc.add_argument("--keep", type=positive_number("--keep"), default=BANK_KEEP,
                    help="share of a variant's runs kept at each origin (default %(default)s)")
    mc.add_argument("--seed", type=SEED, default=0, help="seed of the draws and runs (default %(default)s)")
    mc.add_argument("--out", default="results/model_choice", help="folder (default: %(default)s); re-run to resume")
    add_executor_options(mc)
    mc.set_defaults(func=cmd_compare_models)

    rec = sub.add_parser("recover", help="the recovery test: calibrate on synthetic series made by the model "
                         "with no deterrence and with a known strong deterrence; does the pipeline find each?")
    rec.add_argument("--population", type=whole_number(2, name="population"), default=RECOVERY_SETTINGS.population,
                     help="particles per generation (default %(default)s)")
    rec.add_argument("--max-simulations", type=whole_number(1, name="max-simulations"),
                     default=RECOVERY_SETTINGS.budget, help="simulations of each calibration (default %(default)s)")
    rec.add_argument("--generations", type=whole_number(1, name="generations"),
                     default=RECOVERY_SETTINGS.generations, help="most generations (default %(default)s)")
    rec.add_argument("--start", type=date_option("--start"), default=RECOVERY_SETTINGS.start,
                     help="first day of the synthetic series and its calibration (default %(default)s)")
    rec.add_argument("--draws", type=whole_number(1, name="draws"), default=RECOVERY_EFFECT_DRAWS,
                     help="posterior draws of the recovered effect (default %(default)s)")
    rec.add_argument("--seed", type=SEED, default=0, help="seed of the truths and calibrations (default %(default)s)")
    rec.add_argument("--out", default="results/recovery", help="folder (default: %(default)s); re-run to resume")
    add_executor_options(rec)
    rec.set_defaults(func=cmd_recover)

    cf = sub.add_parser("counterfactual", help=f"each arm against {BASELINE} for {COUNTERFACTUAL_DAYS} days "
                        f"from {COUNTERFACTUAL_START}, with bands")
    _add_ensemble_options(cf, COUNTERFACTUAL_DRAWS, "posterior draws, each run under every arm",
                          "results/counterfactual")
    cf.add_argument("--arms", help=f"comma-separated scenarios compared with {BASELINE} (default: {','.join(ARMS)})")
    cf.add_argument("--curve", metavar="LEVELS", help="weekly returns of the deterrence curve, comma-separated, "
                    "each run under every draw; 'none' for no curve (default: "
                    + ",".join(f"{v:g}" for v in CURVE_LEVELS) + ")")
    cf.add_argument("--evidence-draws", type=whole_number(0, name="evidence-draws"), default=EVIDENCE_DRAWS,
                    help=f"draws of the effect of {', '.join(EVIDENCE_ARMS)} under the prior and the posterior of "
                         "each model variant, how much the data moved it; 0 for none (default %(default)s)")
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


def variant_list(text: str) -> tuple[str, ...]:
    """``--variants full,null_model``: names in VARIANTS, each once."""
    names = tuple(v.strip() for v in text.split(",") if v.strip())
    unknown = [v for v in names if v not in VARIANTS]
    if not names or unknown or len(set(names)) != len(names):
        raise argparse.ArgumentTypeError(
            f"{text!r}: give distinct model variants from {', '.join(VARIANTS)}, comma-separated")
    return names


def cmd_calibrate(args: argparse.Namespace) -> int:
    from channelsim.core.data import OBSERVED_FILES
    from channelsim.experiments.inference.abc_smc import calibrate

    executor = executor_options(args)
    for flag, value in (("--population", args.population), ("--generations", args.generations),
                        ("--max-simulations", args.max_simulations)):
        if value is not None and value < 1:
            raise ChannelsimError(f"{flag} must be at least 1, not {value}.")
    if args.resume:
        return _resume_calibration(args, executor)
    budget = args.budget or "standard"
    given = {"population": args.population, "generations": args.generations, "budget": args.max_simulations}
    seed = Settings.seed if args.seed is None else args.seed
    out = Path(args.out) if args.out else Path("results") / "calibration" / f"{budget}_seed{seed}"
    check_output_folder(out)
    require_files(OBSERVED_FILES.values(), args.data, "calibrate")
    end = args.end or Settings.end
    if args.end == "latest" or args.end is None:
        from channelsim.experiments.inference.targets import read_observed

        last = read_observed(args.data).daily["date"].max().date().isoformat()
        if args.end == "latest":
            end = last
        elif dt.date.fromisoformat(last) > dt.date.fromisoformat(end):
            warnings.warn(f"the observed series runs to {last}, after the window's default end ({end}, the committed "
                          f"calibration's): the days after it are not fitted. Give --end latest to fit them.",
                          ChannelsimWarning, stacklevel=1)
    settings = Settings(**{**BUDGETS[budget], **{k: v for k, v in given.items() if v is not None}},
                        seed=seed, start=args.start or Settings.start, end=end, priors=args.priors or Settings.priors,
                        variants=args.variants or Settings.variants)
    settings.check()
    if not args.quiet:
        print(f"calibrate: ABC-SMC, {settings.population} particles, at most {settings.generations} generations "
              f"and about {settings.budget} simulations of {settings.start} to {settings.end}, into {out}/",
              file=sys.stderr)
    calibration = calibrate(out, settings, **executor, data_dir=args.data, progress=progress_option(args),
                            max_minutes=args.max_minutes)
    _print_calibration(args, calibration, out)
    return 0


def _resume_calibration(args: argparse.Namespace, executor: dict) -> int:
    """``calibrate --resume DIR``: the folder's own settings; only the limits may change."""
    from channelsim.core.data import OBSERVED_FILES
    from channelsim.experiments.inference.abc_smc import calibrate

    fixed = [flag for flag, value in (("--budget", args.budget), ("--out", args.out), ("--seed", args.seed),
                                      ("--start", args.start), ("--end", args.end), ("--priors", args.priors),
                                      ("--population", args.population), ("--variants", args.variants))
             if value is not None]
    if fixed:
        raise ChannelsimError(f"--resume continues a calibration with the settings it began with; drop "
                              f"{', '.join(fixed)} (only --generations, --max-simulations and --max-minutes "
                              f"may change).")
    out = Path(args.resume)
    require_files(OBSERVED_FILES.values(), args.data, "calibrate")
    limits = None
    if args.generations is not None or args.max_simulations is not None:
        from channelsim.experiments.inference.abc_smc import recorded_settings

        recorded = recorded_settings(out)
        limits = Settings(**{**asdict(recorded), "generations": args.generations or recorded.generations,
                             "budget": args.max_simulations or recorded.budget})
    if not args.quiet:
        print(f"calibrate: resuming {out}/", file=sys.stderr)
    calibration = calibrate(out, limits, **executor, data_dir=args.data, progress=progress_option(args),
                            resume=True, max_minutes=args.max_minutes)
    _print_calibration(args, calibration, out)
    return 0


def _print_calibration(args: argparse.Namespace, calibration, out: Path) -> None:
    if not args.quiet:
        used = calibration.posterior_generation
        print(f"{calibration.provenance['simulations']} simulations in {calibration.provenance['seconds']:.0f} s; "
              f"the posterior is generation {used['t']}'s, epsilon {used['epsilon']:.3f}. Posterior medians:")
        for name, value in calibration.medians().items():
            print(f"  {name:<26} {value:.4g}")
        print(f"Posterior: {out}/posterior.csv (figure: posterior.png, provenance: provenance.json)")
        if "stopped" in calibration.provenance:
            print(f"Not finished: {calibration.provenance['stopped']}")
        if "ended" in calibration.provenance:
            print(f"Ended: {calibration.provenance['ended']}")


def cmd_identify(args: argparse.Namespace) -> int:
    from channelsim.experiments.inference.identification import identification_report

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
    from channelsim.core.data import OBSERVED_FILES
    from channelsim.experiments.inference.validation import validate

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


def cmd_attribute(args: argparse.Namespace) -> int:
    from channelsim.experiments.inference.attribution import attribute_fall, statement
    from channelsim.experiments.inference.targets import NATIONALITY_FILE

    options = ensemble_options(args)
    require_files([NATIONALITY_FILE], args.data, "attribute")
    table = attribute_fall(args.out, args.calibration, **options)
    if not args.quiet:
        print(statement(table, table.attrs["group"], table.attrs["arrangement"]))
        print(f"Report: {Path(args.out) / 'attribution.md'} (table: attribution.csv, figure: attribution.png)")
    return 0


def parse_grid(text: str | None, default: tuple[float, ...], flag: str) -> tuple[float, ...]:
    """A comma-separated grid of numbers (the default when not given)."""
    if text is None:
        return default
    try:
        return tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise ChannelsimError(f"{flag} takes comma-separated numbers, e.g. {flag} 0.3,0.6; got {text!r}.") from None


def cmd_profile(args: argparse.Namespace) -> int:
    from channelsim.core.data import OBSERVED_FILES
    from channelsim.experiments.inference.refit_profile import refit_profile, statement

    out = Path(args.out or "results/profile")
    check_output_folder(out)
    require_files(OBSERVED_FILES.values(), args.data, "profile")
    values = None
    if args.values is not None:
        values = list(parse_grid(args.values, (), "--values"))
        if not values:
            raise ChannelsimError("--values takes comma-separated numbers, e.g. --values 0,4,8; got none.")
    table = refit_profile(args.calibration, out, parameter=args.parameter, values=values, particles=args.particles,
                          rounds=args.rounds, seed=args.seed, **executor_options(args), data_dir=args.data,
                          progress=progress_option(args))
    if not args.quiet:
        epsilon = json.loads((out / "refit_profile.json").read_text())["epsilon"]
        print(statement(table, epsilon))
        print(f"Profile: {out}/refit_profile.md (table: refit_profile.csv, figure: refit_profile.png)")
    return 0


def cmd_shocks(args: argparse.Namespace) -> int:
    from channelsim.experiments.inference.shocks import fit_shocks

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


def cmd_forecast(args: argparse.Namespace) -> int:
    import pandas as pd

    from channelsim.core.data import OBSERVED_FILES
    from channelsim.experiments.inference.forecast import BAND_LIMIT, forecast

    require_files(OBSERVED_FILES.values(), args.data, "forecast")
    table, years = forecast(args.out, args.calibration, end=args.end, variant=args.variant, **ensemble_options(args))
    if not args.quiet:
        first = table.iloc[0]
        print(f"{table.index[0]}: median {first['median']:,.0f} arrivals (90% band {first['q05']:,.0f} to "
              f"{first['q95']:,.0f}); total to {table.index[-1]}: median {table['median'].sum():,.0f}.")
        print(f"In sample: {int(years['within_40pct'].sum())} of {len(years)} years' 90% bands within "
              f"+-{100 * BAND_LIMIT:.0f}% of the median; {int(years['covers_observed'].sum())} cover the observed.")
        scored = pd.read_csv(Path(args.out) / "out_of_sample.csv")
        if len(scored):
            print(f"Out of sample: {len(scored)} forecast month(s) in the data, {int(scored['in_90'].sum())} inside "
                  f"the 90% band; mean monthly CRPS {scored['crps'].mean():,.0f} (seasonal naive "
                  f"{scored['crps_seasonal_naive'].mean():,.0f}, trend-adjusted "
                  f"{scored['crps_trend_naive'].mean():,.0f}).")
        print(f"Table: {Path(args.out) / 'forecast.csv'}; report: {Path(args.out) / 'forecast.md'}")
    return 0


def cmd_compare_models(args: argparse.Namespace) -> int:
    from channelsim.core.data import OBSERVED_FILES
    from channelsim.experiments.inference.model_choice import compare_models

    require_files(OBSERVED_FILES.values(), args.data, "compare-models")
    result = compare_models(args.out, args.calibration, draws=args.draws, keep=args.keep, seed=args.seed,
                            **executor_options(args), data_dir=args.data, progress=progress_option(args))
    if not args.quiet:
        print(result["verdict"])
        print(f"Report: {Path(args.out) / 'model_choice.md'} (tables: model_choice.csv, model_probabilities.csv)")
    return 0


def cmd_recover(args: argparse.Namespace) -> int:
    from channelsim.core.data import OBSERVED_FILES
    from channelsim.experiments.inference.recovery import recover

    require_files(OBSERVED_FILES.values(), args.data, "recover")
    settings = dataclasses.replace(RECOVERY_SETTINGS, population=args.population, budget=args.max_simulations,
                                   generations=args.generations, start=str(args.start), seed=args.seed)
    settings.check()
    table = recover(args.out, settings, effect_draws=args.draws, seed=args.seed, **executor_options(args),
                    data_dir=args.data, progress=progress_option(args))
    if not args.quiet:
        for r in table.itertuples():
            print(f"{r.truth}: true effect {100 * r.true_effect_median:+.1f}%, recovered "
                  f"{100 * r.recovered_effect_median:+.1f}% ({100 * r.recovered_effect_5:+.1f}% to "
                  f"{100 * r.recovered_effect_95:+.1f}%): {r.verdict}")
        print(f"Report: {Path(args.out) / 'recovery.md'} (table: recovery.csv)")
    return 0


def cmd_counterfactual(args: argparse.Namespace) -> int:
    from channelsim.experiments.inference.counterfactual import counterfactual, statement

    arms = tuple(a.strip() for a in args.arms.split(",") if a.strip()) if args.arms else ARMS
    if not arms:
        raise ChannelsimError("--arms names no scenario.")
    curve = () if (args.curve or "").strip().lower() == "none" else parse_grid(args.curve, CURVE_LEVELS, "--curve")
    table = counterfactual(args.out, args.calibration, arms=arms, curve=curve, evidence_draws=args.evidence_draws,
                           **ensemble_options(args))
    if not args.quiet:
        print(statement(table, arms[0]))
        print(f"Table: {Path(args.out) / 'counterfactual.csv'}; summary: {Path(args.out) / 'summary.md'}")
        if curve:
            print(f"Deterrence curve: {Path(args.out) / 'deterrence_curve.csv'} and deterrence_curve.png")
    return 0
