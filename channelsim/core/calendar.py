"""Model time: days from the start date, with calendar look-ups."""

from __future__ import annotations

import datetime as dt

import numpy as np

from channelsim.core.errors import ChannelsimError
from channelsim.core.params import EARLIEST_DATE, LAST_DATE


def parse_date(value: str | dt.date, what: str = "date") -> dt.date:
    """A date from ISO text (or a date), within the supported dates; a clear message when it is not one.

    The one date parser of channelsim: runs, sweeps and calibration windows all use it.
    """
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        date = value
    else:
        try:
            date = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise ChannelsimError(f"{what} must be YYYY-MM-DD, e.g. 2025-01-01: {value!r} is not a date.") from None
    if date < EARLIEST_DATE:
        raise ChannelsimError(f"{what} {date} is not supported: the model starts on {EARLIEST_DATE} at the earliest; "
                              f"a run or a window must start on or after {EARLIEST_DATE}.")
    if date > LAST_DATE:
        raise ChannelsimError(f"{what} {date} is not supported: the model runs to {LAST_DATE} at the latest.")
    return date


class Calendar:
    """Converts between model days (day 0 = origin) and dates."""

    def __init__(self, origin: dt.date):
        self.origin = origin

    def date(self, day: float) -> dt.date:
        return self.origin + dt.timedelta(days=int(day))

    def day(self, date: dt.date) -> int:
        return (date - self.origin).days

    def day_of_year(self, day: float) -> int:
        return self.date(day).timetuple().tm_yday

    def years_since(self, day: float, date: dt.date) -> float:
        return (self.date(day) - date).days / 365.25


def seasonal(day_of_year: int | np.ndarray, peak_day: int, amplitude: float):
    """1 + amplitude * cos(...) peaking on ``peak_day``: a smooth annual cycle."""
    return 1.0 + amplitude * np.cos(2.0 * np.pi * (np.asarray(day_of_year) - peak_day) / 365.25)
