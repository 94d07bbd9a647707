"""What several commands share: where the runs go (the executor options) and the exit status of bad input."""

from __future__ import annotations

import argparse

from channelsim.core.errors import ChannelsimError

EXIT_BAD_INPUT = 2
DATA_HELP = "folder of the observed data (default: $CHANNELSIM_DATA or ../shared/data)"


def add_executor_options(parser: argparse.ArgumentParser) -> None:
    """--workers, --scheduler, --cluster, --serial, and --data and --quiet."""
    parser.add_argument("--workers", type=int, help="local worker processes (default: one per core)")
    parser.add_argument("--scheduler", metavar="ADDRESS", help="a running Dask scheduler, e.g. tcp://10.0.0.5:8786")
    parser.add_argument("--cluster", metavar="FILE", help="dask-jobqueue cluster file (SLURM or PBS)")
    parser.add_argument("--serial", action="store_true", help="run in this process, one run after another")
    parser.add_argument("--data", help=DATA_HELP)
    parser.add_argument("--quiet", action="store_true",
                        help="print nothing but errors: no progress bar, report or library warnings")


def executor_options(args: argparse.Namespace) -> dict:
    """The execution options, checked: where the runs go."""
    if args.workers is not None and args.workers < 1:
        raise ChannelsimError(f"--workers must be at least 1, not {args.workers}.")
    # each says where the runs go, so two of them contradict each other (--workers with --serial too)
    chosen = [name for name, on in (("--workers", args.workers is not None), ("--scheduler", args.scheduler),
                                    ("--cluster", args.cluster), ("--serial", args.serial)) if on]
    if len(chosen) > 1:
        raise ChannelsimError(f"choose one of {' and '.join(chosen)}.")
    return dict(workers=args.workers, scheduler=args.scheduler, cluster_file=args.cluster, serial=args.serial)


def progress_option(args: argparse.Namespace) -> bool | None:
    """None (a bar on a terminal) unless --quiet."""
    return None if not args.quiet else False


def whole_number(minimum: int, maximum: int | None = None, why: str = "", name: str = ""):
    """An argparse type: a whole number from ``minimum`` (to ``maximum``), refused in one line otherwise
    (the message starts with ``name`` where given)."""
    def parse(text: str) -> int:
        value = int(text)   # a ValueError: argparse's "invalid int value: 'abc'"
        if value < minimum or (maximum is not None and value > maximum):
            allowed = f"of at least {minimum}" + (f" and at most {maximum}" if maximum is not None else "")
            raise argparse.ArgumentTypeError(f"{name + ' ' if name else ''}must be a whole number {allowed}{why}, "
                                             f"not {value}")
        return value
    parse.__name__ = "int"
    return parse


def positive_number(name: str):
    """An argparse type: a finite number above zero, refused in one line otherwise."""
    def parse(text: str) -> float:
        value = float(text)   # a ValueError: argparse's "invalid float value: 'abc'"
        if not 0 < value < float("inf"):
            raise argparse.ArgumentTypeError(f"{name} must be a number above 0, not {text}")
        return value
    parse.__name__ = "float"
    return parse


def date_option(name: str):
    """An argparse type: a date (YYYY-MM-DD) within the supported dates, refused in one line otherwise."""
    def parse(text: str):
        from channelsim.core.calendar import parse_date

        try:
            return parse_date(text, name)
        except ChannelsimError as error:
            raise argparse.ArgumentTypeError(str(error)) from None
    parse.__name__ = "date"
    return parse


SEED = whole_number(0)   # numpy's seeds are whole numbers of at least 0
