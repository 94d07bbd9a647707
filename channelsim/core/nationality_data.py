"""Published arrivals by nationality (``nationality_arrivals.csv``): read and checked line by line, and
turned into the nationality groups' inflow shares by year (``[inflow] nationality_mix = "published"``)."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
from pydantic import ValidationError

from channelsim.core.data import DataError, data_dir, data_file, read_csv_file, require_columns
from channelsim.core.params import LAST_DATE, Nationality, Params

NATIONALITY_COLUMNS = ["period_start", "period_end", "nationality", "people", "share_of_known", "basis"]
# The shares of one period may add up to a little over 1 where each is rounded (to 2 decimals, 0.005 each).
SHARES_ROUNDING = 0.02
LAST_YEAR = LAST_DATE.year
SWITCH_OFF = ("[inflow] nationality_mix = 'published' reads it; nationality_mix = 'constant' (--set "
              "nationality_mix=constant) uses the groups' constant inflow_share instead.")


def read_nationality_arrivals(path: str | Path) -> pd.DataFrame:
    """Published arrivals by nationality: one row a period and nationality (``nationality_arrivals.csv``).

    Columns: period_start, period_end (dates), nationality, people (a count, where published),
    share_of_known (0 to 1, where published or derived), basis ("count" or "share": which was
    published), and source if present. Every problem names the file, the line and the column.
    """
    path = Path(path)
    frame = read_csv_file(path)
    require_columns(path, frame, NATIONALITY_COLUMNS)
    if frame.empty:
        raise DataError(f"{path}: no rows.")
    line = frame.index.to_numpy() + 2  # the header is line 1
    for col in ("period_start", "period_end"):
        dates = pd.to_datetime(frame[col].astype(str), format="%Y-%m-%d", errors="coerce")
        if dates.isna().any():
            bad = int(np.argmax(dates.isna().to_numpy()))
            raise DataError(f"{path}, line {line[bad]}, column {col!r}: {frame[col].iloc[bad]!r} is not a date "
                            "(YYYY-MM-DD).")
        frame[col] = dates
    reversed_ = frame["period_end"] < frame["period_start"]
    if reversed_.any():
        bad = int(np.argmax(reversed_.to_numpy()))
        raise DataError(f"{path}, line {line[bad]}: the period ends before it starts.")
    names = frame["nationality"].astype("string").str.strip()
    if names.isna().any() or (names == "").any():
        bad = int(np.argmax((names.isna() | (names == "")).fillna(True).to_numpy()))
        raise DataError(f"{path}, line {line[bad]}, column 'nationality': empty.")
    frame["nationality"] = names.astype(str)
    for col, upper in (("people", 1e7), ("share_of_known", 1.0)):
        raw = frame[col]
        if col == "people" and not pd.api.types.is_numeric_dtype(raw):   # text, perhaps "11,102"
            raw = raw.str.strip().str.replace(",", "", regex=False)
        values = pd.to_numeric(raw, errors="coerce").astype(np.float64)
        given = frame[col].notna() & (frame[col].astype(str).str.strip() != "")
        bad_mask = (given & values.isna()) | (values < 0) | (values > upper)
        if bad_mask.any():
            bad = int(np.argmax(bad_mask.to_numpy()))
            raw = frame[col].iloc[bad]
            shown = repr(raw) if isinstance(raw, str) else f"{raw:g}"
            raise DataError(f"{path}, line {line[bad]}, column {col!r}: {shown} is not a number from 0 to {upper:g}.")
        frame[col] = values
    basis = frame["basis"].astype(str).str.strip()
    unknown = ~basis.isin(["count", "share"])
    missing = ((basis == "count") & frame["people"].isna()) | ((basis == "share") & frame["share_of_known"].isna())
    if unknown.any() or missing.any():
        bad = int(np.argmax((unknown | missing).to_numpy()))
        what = ("must be 'count' or 'share'" if unknown.iloc[bad]
                else f"is {basis.iloc[bad]!r} but that column is empty")
        raise DataError(f"{path}, line {line[bad]}, column 'basis': {what}.")
    frame["basis"] = basis
    duplicated = frame.duplicated(["period_start", "period_end", "nationality"])
    if duplicated.any():
        bad = int(np.argmax(duplicated.to_numpy()))
        raise DataError(f"{path}, line {line[bad]}: a second row for {frame['nationality'].iloc[bad]} over the "
                        "same period.")
    totals = frame.groupby(["period_start", "period_end"])["share_of_known"].transform("sum")
    over = totals > 1.0 + SHARES_ROUNDING
    if over.any():   # shares of one period are parts of one whole
        bad = int(np.argmax(over.to_numpy()))
        raise DataError(f"{path}, line {line[bad]}, column 'share_of_known': the shares of the period "
                        f"{frame['period_start'].iloc[bad].date()} to {frame['period_end'].iloc[bad].date()} add up "
                        f"to {totals.iloc[bad]:.3g}, more than 1.")
    return frame.reset_index(drop=True)


def published_shares(table: pd.DataFrame, groups, surge_group: str = "", surge_start: dt.date | None = None,
                     surge_days: float = 0.0) -> dict[str, dict[int, float]]:
    """Each model group's inflow share by calendar year, derived from the published rows (``table``, as
    [`read_nationality_arrivals`][channelsim.core.nationality_data.read_nationality_arrivals] returns it); ``groups``
    are the model's nationality groups.

    The rule, a modelling choice:

    - a year's shares come from its rows whose period starts on 1 January and is the longest such
      period (the whole year; Jan-Sep for 2024); rows for shorter periods inside it, and years
      without such a row, are left out (``InflowMix`` holds each year's share through the year,
      draws a line across a year left out, and holds the first and last beyond them);
    - a listed model group takes its ``share_of_known``; the remainder (1 minus the listed groups'
      shares, at least 0: the nationalities the model does not name, and its unlisted groups) is
      split among the unlisted groups, "Other" among them, in proportion to their constant
      ``inflow_share``; the year's shares are then scaled to sum to one;
    - the numbers an episode mechanism is meant to produce are not fed in: the surge group
      (``surge_group``, whether or not the surge is switched on, so a run without the surge shows
      no peak) in the years the window from ``surge_start`` to ``surge_days`` later touches, and
      a group with its own returns arrangement (``own_returns_from``) from the year after the
      arrangement's on (its effect acts through the model's returns and beliefs). In those years
      the group's share is held at its share of the last year before them (its constant
      ``inflow_share`` if there is none), and every other group's share is scaled by
      (1 - held shares) / (1 - the groups' derived shares), so the others' background is neither
      shrunk by a surge the model adds on top nor swollen by a fall the model must explain.

    These shares are inputs: the model's mix of the groups not held follows them by construction
    and is no evidence of fit. The held groups' rows (the Albanian surge of 2022 and fall of
    2023) are what the model has to reproduce.
    """
    names = [g.name for g in groups]
    constant = np.array([g.inflow_share for g in groups], dtype=float)
    yearly: dict[int, np.ndarray] = {}
    jan_first = table[(table["period_start"].dt.month == 1) & (table["period_start"].dt.day == 1)]
    for year, rows in jan_first.groupby(jan_first["period_start"].dt.year):
        rows = rows[rows["period_end"] == rows["period_end"].max()]
        rows = rows[rows["share_of_known"].notna()]
        listed = dict(zip(rows["nationality"], rows["share_of_known"], strict=True))
        shares = np.array([listed.get(n, np.nan) for n in names], dtype=float)
        unlisted = np.isnan(shares)
        remainder = max(1.0 - float(np.nansum(shares)), 0.0)
        weight = constant[unlisted].sum()
        shares[unlisted] = remainder * constant[unlisted] / weight if weight > 0 else 0.0
        total = shares.sum()
        yearly[int(year)] = shares / total if total > 0 else shares
    if not yearly:
        return {}
    held = _held_years(groups, surge_group, surge_start, surge_days)
    years = sorted(yearly)
    for year in years:
        holding = {i: _share_before(yearly, i, year, held[i], constant[i]) for i in held if year in held[i]}
        if not holding:
            continue
        shares = yearly[year]
        own = np.zeros(len(names), dtype=bool)
        own[list(holding)] = True
        rest_before = 1.0 - shares[own].sum()
        rest_after = max(1.0 - sum(holding.values()), 0.0)
        if rest_before > 0:
            shares[~own] *= rest_after / rest_before
        shares[list(holding)] = list(holding.values())
    return {name: {year: float(yearly[year][i]) for year in years} for i, name in enumerate(names)}


def _held_years(groups, surge_group: str, surge_start: dt.date | None, surge_days: float) -> dict[int, set[int]]:
    """For each group an episode mechanism acts on (by index), the years whose shares it produces."""
    held: dict[int, set[int]] = {}
    for i, group in enumerate(groups):
        years: set[int] = set()
        if surge_group and group.name == surge_group and surge_start is not None:
            end = surge_start + dt.timedelta(days=float(surge_days))
            years |= set(range(surge_start.year, end.year + 1))
        if group.own_returns_from is not None:
            years |= set(range(group.own_returns_from.year + 1, LAST_YEAR + 1))
        if years:
            held[i] = years
    return held


def _share_before(yearly: dict[int, np.ndarray], group: int, year: int, held: set[int], constant: float) -> float:
    """The group's derived share in the last data year before the held years that reach ``year``."""
    first_held = year
    while first_held - 1 in held:
        first_held -= 1
    before = [y for y in yearly if y < first_held]
    return float(yearly[max(before)][group]) if before else constant


def with_published_mix(params: Params, data_path: str | Path | None = None) -> Params:
    """``params`` with each group's ``shares_by_year`` from ``[inflow] nationality_mix_file`` in the data
    folder ([`published_shares`][channelsim.core.nationality_data.published_shares]), when ``nationality_mix`` is
    "published"; a group with shares of its
    own keeps them. A missing or malformed file is a DataError naming the switch to "constant"."""
    inflow = params.inflow
    if inflow.nationality_mix != "published" or all(g.shares_by_year for g in params.nationalities):
        return params
    try:
        path = data_file(data_dir(data_path), inflow.nationality_mix_file, "[inflow] nationality_mix_file")
        stamp = (path.stat().st_mtime_ns, path.stat().st_size) if path.is_file() else None
        episodes = tuple((g.name, g.inflow_share, g.own_returns_from) for g in params.nationalities)
        shares = _derived(path, stamp, episodes, inflow.surge_group, inflow.surge_start, inflow.surge_days)
        if not shares:
            raise DataError(f"{path}: no period starts on 1 January, so no year's mix can be derived.")
        groups = tuple(g if g.shares_by_year else
                       Nationality.model_validate({**g.model_dump(), "shares_by_year": shares[g.name]})
                       for g in params.nationalities)
    except ValidationError as exc:
        problem = exc.errors()[0]["msg"].removeprefix("Value error, ")
        raise DataError(f"{path}: {problem}. {SWITCH_OFF}") from None
    except DataError as exc:
        raise DataError(f"{exc} {SWITCH_OFF}") from None
    return params.model_copy(update={"nationalities": groups})


@functools.lru_cache(maxsize=8)
def _derived(path: Path, stamp, groups: tuple, surge_group: str, surge_start: dt.date,
             surge_days: float) -> dict[str, dict[int, float]]:
    # every model of a sweep reads the same file: read and derive once per file version and groups
    table = read_nationality_arrivals(path)
    rows = [SimpleNamespace(name=n, inflow_share=s, own_returns_from=d) for n, s, d in groups]
    return published_shares(table, rows, surge_group, surge_start, surge_days)
