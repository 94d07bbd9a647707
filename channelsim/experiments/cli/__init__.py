"""The ``channelsim`` command line.

    channelsim run [--scenario NAME|PATH] [--seed N] [--start DATE] [--days N | --end DATE]
                   [--out DIR] [--data DIR] [--set KEY=VALUE ...] [--quiet]
    channelsim scenarios
    channelsim params [SECTION]
    channelsim data download|convert|targets
    channelsim explore [--host 127.0.0.1] [--port 8765]
    channelsim sweep FILE|NAME [executor options] [--out DIR]
    channelsim analyse DIR
    channelsim plot DIR
    channelsim calibrate [--budget small|standard|full] [--seed N] [--out DIR] [executor options]
    channelsim validate [--calibration DIR] [--draws N] [--seed N] [--out DIR] [executor options]
    channelsim shocks [--calibration DIR] [--draws N] [--seed N] [--sd A,B,..] [--days A,B,..] [--out DIR] [...]
    channelsim counterfactual [--calibration DIR] [--draws N] [--seed N] [--arms A,B] [--curve L1,L2,..|none]
                              [--out DIR] [...]
    channelsim calibrate --resume DIR [--generations N] [--max-simulations N] [--max-minutes M] [executor options]
    channelsim identify CALIBRATION_DIR [--out DIR] [--parameter NAME]
    channelsim profile [CALIBRATION_DIR] [--parameter NAME] [--values A,B,..] [--particles N] [--rounds N]
                       [--seed N] [--out DIR] [executor options]

Executor options (sweep, calibrate, profile, shocks, validate, counterfactual):
    --workers N | --scheduler ADDRESS | --cluster FILE | --serial

The commands live by room: `model_commands` (run,
scenarios, params, data, explore), `sweep_commands` and
`inference_commands`; ``channelsim CMD --help`` shows
each one's options and defaults.

Conventions: ``channelsim --version`` prints the package version and git
commit; ``--quiet`` on any command silences everything but errors (progress
bars, reports, Dask's and the libraries' warnings); contradictory options
(``--serial`` with ``--workers``) are refused.

Bad input (an unknown scenario or key, a value out of range, malformed TOML, an
unsupported date) prints one paragraph naming the problem and exits with
status 2, leaving nothing half-written.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import warnings

from channelsim.core.errors import ChannelsimError, ChannelsimWarning
from channelsim.core.versions import code_version
from channelsim.experiments.cli import inference_commands, model_commands, sweep_commands
from channelsim.experiments.cli.options import EXIT_BAD_INPUT


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="channelsim",
        description="Agent-based model of Channel small-boat crossings and the UK-France returns pilot.")
    parser.add_argument("--version", action=VersionAction, help="print the version and git commit, then exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for commands in (model_commands, sweep_commands, inference_commands):
        commands.register(sub)
    return parser


class VersionAction(argparse.Action):
    """``--version``: the package version and the commit, looked up only when asked for."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        version = code_version()
        print(f"channelsim {version['package_version']} (git commit {version['git_commit']})")
        parser.exit()


QUIET_LOGGERS = ("distributed", "dask", "dask_jobqueue", "bokeh", "tornado", "pyabc", "numba", "matplotlib")


@contextlib.contextmanager
def silenced(quiet: bool):
    """What --quiet means beyond a command's own output: no warnings, no library logging below errors.

    Worker processes inherit ``PYTHONWARNINGS``; everything is restored afterwards.
    """
    if not quiet:
        yield
        return
    levels = {name: logging.getLogger(name).level for name in QUIET_LOGGERS}
    before = os.environ.get("PYTHONWARNINGS")
    os.environ["PYTHONWARNINGS"] = "ignore"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for name in QUIET_LOGGERS:
                logging.getLogger(name).setLevel(logging.ERROR)
            yield
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
        if before is None:
            os.environ.pop("PYTHONWARNINGS", None)
        else:
            os.environ["PYTHONWARNINGS"] = before


# The optional dependencies: the top-level module -> the extra that installs it (pyproject.toml)
EXTRAS = {"dask": "sweeps", "distributed": "sweeps", "bokeh": "sweeps", "SALib": "sweeps", "ema_workbench": "sweeps",
          "dask_jobqueue": "cluster", "pyabc": "calibration", "scoringrules": "calibration",
          "solara": "explorer", "altair": "explorer", "ipyvuetify": "explorer", "ipyvue": "explorer"}


def missing_extra(exc: ModuleNotFoundError) -> str | None:
    """The message for a command whose optional dependency is not installed, or None if ``exc`` is
    not about one of them."""
    top = (exc.name or "").split(".")[0]
    if top not in EXTRAS:
        return None
    extra = EXTRAS[top]
    return (f"this command needs {top}, which channelsim's '{extra}' extra installs: "
            f"pip install 'channelsim[{extra}]' (or 'channelsim[all]').")


@contextlib.contextmanager
def warnings_as_lines():
    """channelsim's own warnings (`ChannelsimWarning`) printed as one ``channelsim: warning:`` line on
    stderr, as errors are; every other warning as Python shows it. Restored afterwards."""
    shown = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, ChannelsimWarning):
            print(f"channelsim: warning: {message}", file=sys.stderr if file is None else file)
        else:
            shown(message, category, filename, lineno, file, line)

    with warnings.catch_warnings():
        warnings.showwarning = show
        yield


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        with warnings_as_lines(), silenced(getattr(args, "quiet", False)):
            return args.func(args)
    except ModuleNotFoundError as exc:
        message = missing_extra(exc)
        if message is None:
            raise
        print(f"channelsim: error: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ChannelsimError as exc:
        print(f"channelsim: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("channelsim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `channelsim params | head`: the reader left
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
