"""Published arrivals by nationality (``nationality_arrivals.csv``), read and checked line by line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from core.data import DataError, read_csv_file, require_columns

NATIONALITY_COLUMNS = ["period_start", "period_end", "nationality", "people", "share_of_known", "basis"]


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
        values = pd.to_numeric(frame[col], errors="coerce")
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
    return frame.reset_index(drop=True)
