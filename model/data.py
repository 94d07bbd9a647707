"""Observed data: where it is read from, and readers that check what they read.

The data files are public statistics kept beside the project (``shared/data``),
never inside it. Their folder is, in order: the ``path`` argument (the CLI's
``--data``), the ``CHANNELSIM_DATA`` environment variable, or ``../shared/data``
beside the checkout.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from model.errors import ChannelsimError

ENV_VAR = "CHANNELSIM_DATA"


class DataError(ChannelsimError):
    """A data file is missing or not in the expected layout."""


def data_dir(path: str | Path | None = None) -> Path:
    """The folder holding the observed data files."""
    candidates = []
    if path is not None:
        candidates.append(("the --data option", Path(path)))
    elif os.environ.get(ENV_VAR):
        candidates.append((f"${ENV_VAR}", Path(os.environ[ENV_VAR])))
    else:
        checkout = Path(__file__).resolve().parents[1]
        candidates += [("../shared/data beside the checkout", checkout.parent / "shared" / "data"),
                       ("../shared/data", Path.cwd().parent / "shared" / "data")]
    for _, folder in candidates:
        if folder.is_dir():
            return folder
    where = "; ".join(f"{label} ({folder})" for label, folder in candidates)
    raise DataError(f"no data folder found: looked at {where}. Set {ENV_VAR} or pass --data DIR.")


def read_one_in_one_out(path: str | Path) -> pd.DataFrame:
    """Monthly UK-France agreement figures: month, transferred_into_uk, returned_to_france."""
    path = Path(path)
    frame = _read_csv(path)
    _require_columns(path, frame, ["month", "transferred_into_uk", "returned_to_france"])
    try:
        frame["month"] = pd.to_datetime(frame["month"].astype(str), format="%Y-%m").dt.to_period("M")
    except (ValueError, TypeError):
        raise DataError(f"{path}: column 'month' must hold months as YYYY-MM.") from None
    for col in ("transferred_into_uk", "returned_to_france"):
        values = pd.to_numeric(frame[col], errors="coerce")
        if values.isna().any() or (values < 0).any():
            row = int(values.isna().idxmax() if values.isna().any() else (values < 0).idxmax()) + 2
            raise DataError(f"{path}: column {col!r} must hold counts of zero or more (line {row}).")
        frame[col] = values.astype(int)
    if frame.empty:
        raise DataError(f"{path}: no rows.")
    return frame.sort_values("month").reset_index(drop=True)


def _read_csv(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise DataError(f"data file {path} does not exist.")
    try:
        return pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: not a readable CSV file ({str(exc).strip().splitlines()[0]}).") from None


def _require_columns(path: Path, frame: pd.DataFrame, columns: list[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(f"{path}: missing column(s) {', '.join(missing)}; found {', '.join(map(str, frame.columns))}.")
