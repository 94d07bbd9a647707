"""Observed data: where it is read from, and readers that check what they read.

The data files are public statistics. Their folder is, in order: the ``path`` argument (the CLI's
``--data``), the ``CHANNELSIM_DATA`` environment variable, ``../shared/data`` beside the checkout or the
working directory, the copy ``channelsim data download`` refreshed
([`user_data_dir`][channelsim.core.data.user_data_dir]), and last the
snapshot shipped inside the package (``channelsim/data``,
[`packaged_data_dir`][channelsim.core.data.packaged_data_dir]), so an installed
channelsim runs with no data folder at all.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd

from channelsim.core.errors import ChannelsimError

ENV_VAR = "CHANNELSIM_DATA"


class DataError(ChannelsimError):
    """A data file is missing or not in the expected layout."""


# The Home Office series of small-boat arrivals (core.data.read_small_boats reads either).
OBSERVED_FILES = {"daily": "small_boats_daily.csv", "weekly": "small_boats_weekly.csv"}
# The files of a complete data folder (the packaged snapshot, copied in by setup.py at build time, holds them all).
DATA_FILES = (*OBSERVED_FILES.values(), "nationality_arrivals.csv", "one_in_one_out_monthly.csv")


def file_hashes(folder: Path, names: tuple[str, ...] = DATA_FILES) -> dict[str, str]:
    """The sha256 of each of ``names`` present in ``folder``, keyed by name (the folder may move): what a
    result folder records of the data its runs may read, so that runs from other data are never taken
    for its own."""
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest()
            for name in names if (folder / name).is_file()}


def packaged_data_dir() -> Path:
    """The snapshot of the public data files shipped as package data (``channelsim/data``)."""
    from importlib import resources

    return Path(str(resources.files("channelsim.data")))


def user_data_dir() -> Path:
    """Where ``channelsim data download`` keeps its refreshed copy (platformdirs' user data folder)."""
    import platformdirs

    return Path(platformdirs.user_data_dir("channelsim", appauthor=False)) / "data"


def checkout_dir() -> Path:
    """The folder this package's source sits in (a checkout's root, or site-packages once installed)."""
    return Path(__file__).resolve().parents[2]   # channelsim/core/data.py -> the checkout


def data_dir(path: str | Path | None = None) -> Path:
    """The folder holding the observed data files (the order is the module's docstring)."""
    # (what, folder, whether it counts only when it holds the data: a checkout's snapshot folder is empty)
    candidates: list[tuple[str, Path, bool]] = []
    if path is not None:
        candidates.append(("the --data option", Path(path), False))
    elif os.environ.get(ENV_VAR):
        candidates.append((f"${ENV_VAR}", Path(os.environ[ENV_VAR]), False))
    else:
        checkout = checkout_dir()
        candidates += [("../shared/data beside the checkout", checkout.parent / "shared" / "data", False),
                       ("../shared/data", Path.cwd().parent / "shared" / "data", False),
                       ("the copy 'channelsim data download' refreshed", user_data_dir(), True),
                       ("the data shipped with the package", packaged_data_dir(), True)]
    for _, folder, needs_files in candidates:
        if folder.is_dir() and (not needs_files or (folder / DATA_FILES[0]).is_file()):
            return folder
    where = "; ".join(f"{label} ({folder})" for label, folder, _ in candidates)
    raise DataError(f"no data folder found: looked at {where}. Set {ENV_VAR} or pass --data DIR.")


def require_files(names, path: str | Path | None = None, needed_by: str = "this command") -> Path:
    """The data folder ([`data_dir`][channelsim.core.data.data_dir]), checked to hold each of ``names``; a DataError
    naming those missing."""
    folder = data_dir(path)
    missing = [name for name in names if not (folder / name).is_file()]
    if missing:
        raise DataError(f"the data folder {folder} lacks {', '.join(missing)}, which {needed_by} needs.")
    return folder


def check_data_name(name: str, what: str = "data file") -> str:
    """``name`` as a file name inside the data folder: relative, never leaving it (no '..')."""
    relative = Path(name)
    if not name or relative.is_absolute() or ".." in relative.parts:
        raise DataError(f"{what} = {name!r}: must be a file name inside the data folder, not an absolute path "
                        "or one with '..'.")
    return name


def data_file(folder: str | Path, name: str, what: str = "data file") -> Path:
    """The file ``name`` inside the data folder ``folder``
    ([`check_data_name`][channelsim.core.data.check_data_name])."""
    return Path(folder) / check_data_name(name, what)


# The most a count in a data file may be: far above anything published (about 1,300 people on the
# busiest day; some hundreds returned a month), far below what would overflow.
MOST_PER_DAY = 100_000
MOST_PER_MONTH = 1_000_000
ONE_IN_ONE_OUT_COLUMNS = ["month", "transferred_into_uk", "returned_to_france"]


def read_one_in_one_out(path: str | Path) -> pd.DataFrame:
    """Monthly UK-France agreement figures: month, transferred_into_uk, returned_to_france.

    Every row whole, one row a month, counts whole numbers from 0 to MOST_PER_MONTH; each problem
    names the file, the line and the column.
    """
    path = Path(path)
    header, rows = _csv_rows(path, ONE_IN_ONE_OUT_COLUMNS)
    if not rows:
        raise DataError(f"{path}: no rows.")
    at = {name: header.index(name) for name in ONE_IN_ONE_OUT_COLUMNS}
    months, counts, seen = [], {c: [] for c in ONE_IN_ONE_OUT_COLUMNS[1:]}, {}
    for line, row in rows:
        text = row[at["month"]].strip()
        try:
            month = pd.Period(dt.datetime.strptime(text, "%Y-%m"), freq="M")
        except ValueError:
            raise DataError(f"{path}, line {line}, column 'month': {text!r} is not a month: column 'month' must "
                            "hold months as YYYY-MM.") from None
        if month in seen:
            raise DataError(f"{path}, line {line}, column 'month': {text} appears twice (first on line "
                            f"{seen[month]}).")
        seen[month] = line
        months.append(month)
        for col in counts:
            counts[col].append(_count(row[at[col]], path, line, col, MOST_PER_MONTH))
    frame = pd.DataFrame({"month": pd.PeriodIndex(months, freq="M"), **counts}).sort_values("month")
    gaps = [(a, b) for a, b in zip(frame["month"].iloc[:-1], frame["month"].iloc[1:], strict=True) if b != a + 1]
    if gaps:   # a missing month would hold the month before's rate silently
        a, b = gaps[0]
        raise DataError(f"{path}: no row for {a + 1}{'' if b == a + 2 else f' to {b - 1}'} (between {a} and {b}); "
                        "the file needs one row a month, 0 where nothing happened.")
    return frame.reset_index(drop=True)


def _csv_rows(path: Path, required: list[str]) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """A CSV file's header and its rows with their line numbers, every row as wide as the header."""
    if not path.is_file():
        raise DataError(f"data file {path} does not exist.")
    table, widths = _csv_table(path)
    header = [str(h).strip() for h in table.iloc[0][: widths.iloc[0]]]
    require_columns(path, pd.DataFrame(columns=header), required)
    for line, width in widths.iloc[1:].items():
        if width != len(header):
            cut = "cut short" if width < len(header) else "too long"
            column = header[width] if width < len(header) else f"beyond {header[-1]!r}"
            raise DataError(f"{path}, line {line}, column {column!r}: the row has {width} fields where the header "
                            f"has {len(header)} (the row is {cut}).")
    return header, [(int(line), list(table.loc[line])[: len(header)]) for line in table.index[1:]]


def _count(text: str, path: Path, line: int, column: str, most: int) -> int:
    """A count from a data file: a whole number from 0 to ``most``."""
    text = str(text).strip()
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        value = float("nan")
    if not (np.isfinite(value) and value == int(value) and 0 <= value <= most):
        raise DataError(f"{path}: column {column!r} must hold counts of zero or more, whole numbers up to "
                        f"{most:,}; line {line} has {text!r}.")
    return int(value)


# The Home Office series ("Migrants detected crossing the English Channel in small boats"):
# the shared CSV layout, and the publication's ODS workbook (sheets SB_01 daily, SB_02 weekly).
DAILY_COLUMNS = ["date", "migrants_arrived", "boats_arrived", "boats_uncontrolled_landings"]
WEEKLY_COLUMNS = ["week_ending", "migrants_arrived", "boats_arrived", "boats_uncontrolled_landings",
                  "migrants_prevented", "events_prevented"]
SHEETS = {"daily": "SB_01", "weekly": "SB_02"}
# normalised header (lower case, words joined by _) -> our column
_ALIASES = {
    "date": "date", "week_ending": "week_ending", "week_ending_sunday": "week_ending",
    "migrants_arrived": "migrants_arrived", "migrants_detected": "migrants_arrived",
    "boats_arrived": "boats_arrived", "boats_detected": "boats_arrived",
    "boats_uncontrolled_landings": "boats_uncontrolled_landings",
    "boats_arrived_involved_in_uncontrolled_landings": "boats_uncontrolled_landings",
    "migrants_prevented": "migrants_prevented", "events_prevented": "events_prevented",
}


def _clean(name) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(name).strip().lower()).strip("_")


def read_small_boats(path: str | Path, frequency: str = "daily") -> pd.DataFrame:
    """The Home Office small-boat series, daily or weekly, from a CSV or the ODS workbook.

    Returns the shared CSV layout (``DAILY_COLUMNS`` or ``WEEKLY_COLUMNS``) with a
    datetime first column and numbers as floats (NaN where not recorded, ``-``).
    Title rows above the table, Home Office header wording and dd/mm/yyyy dates are
    accepted; anything else (a row cut short, a date twice, text or a count that is
    not a whole number from 0 to MOST_PER_DAY a day) is a [`DataError`][channelsim.core.data.DataError]
    naming the file, the line (the sheet's row) and the column.
    """
    if frequency not in SHEETS:
        raise DataError(f"frequency must be 'daily' or 'weekly', not {frequency!r}.")
    path = Path(path)
    if not path.is_file():
        raise DataError(f"data file {path} does not exist.")
    where = str(path)
    if path.suffix.lower() == ".ods":
        sheet = SHEETS[frequency]
        try:
            raw = pd.read_excel(path, sheet_name=None, header=None, engine="odf")
        except Exception as exc:  # odfpy raises many kinds on a broken file
            raise DataError(f"{path}: not a readable ODS workbook ({type(exc).__name__}).") from None
        if sheet not in raw:
            raise DataError(f"{path}: no sheet {sheet}; sheets: {', '.join(map(str, raw))}.")
        raw, where = raw[sheet], f"{path} sheet {sheet}"
        raw.index = np.arange(1, len(raw) + 1)   # the sheet's row numbers
        widths = None
    else:
        raw, widths = _csv_table(path)
    return _tidy(raw, frequency, where, widths)


def _csv_table(path: Path) -> tuple[pd.DataFrame, pd.Series]:
    """A CSV file as text cells indexed by line number, and each line's number of fields."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:   # a byte-order mark is not text
            reader = csv.reader(fh)
            rows, lines = [], []
            for row in reader:
                if any(cell.strip() for cell in row):
                    rows.append(row)
                    lines.append(reader.line_num)
    except UnicodeDecodeError:
        raise DataError(f"{path}: not a readable CSV file (not UTF-8 text).") from None
    except csv.Error as exc:
        raise DataError(f"{path}: not a readable CSV file ({exc}).") from None
    if not rows:
        raise DataError(f"{path}: not a readable CSV file (it is empty).")
    width = max(map(len, rows))
    table = pd.DataFrame([row + [""] * (width - len(row)) for row in rows], index=lines, dtype=object)
    return table, pd.Series([len(row) for row in rows], index=lines)


def _tidy(raw: pd.DataFrame, frequency: str, where: str, widths: pd.Series | None = None) -> pd.DataFrame:
    wanted = DAILY_COLUMNS if frequency == "daily" else WEEKLY_COLUMNS
    header_row = None
    for i in range(min(len(raw), 30)):
        names = [_ALIASES.get(_clean(v)) for v in raw.iloc[i]]
        if wanted[0] in names and "migrants_arrived" in names:
            header_row = i
            break
    if header_row is None:
        raise DataError(f"{where}: no header row with {wanted[0]!r} and 'migrants_arrived' in the first 30 rows.")
    names = [_ALIASES.get(_clean(v), _clean(v)) for v in raw.iloc[header_row]]
    table = raw.iloc[header_row + 1:].copy()
    if widths is not None:   # a CSV: every row below the header as wide as the header
        header_width = int(widths.iloc[header_row])
        wrong = widths.iloc[header_row + 1:] != header_width
        if wrong.any():
            line, width = int(wrong.idxmax()), int(widths[wrong.idxmax()])
            column = names[width] if width < header_width else "beyond the last"
            raise DataError(f"{where}, line {line}, column {column!r}: the row has {width} fields where the header "
                            f"has {header_width} (the row is {'cut short' if width < header_width else 'too long'}).")
    table.columns = names
    required = ["migrants_arrived", "boats_arrived"] + (["migrants_prevented"] if frequency == "weekly" else [])
    missing = [c for c in [wanted[0], *required] if c not in table.columns]
    if missing:
        raise DataError(f"{where}: missing column(s) {', '.join(missing)}.")
    table = table[[c for c in wanted if c in table.columns]]
    table = table[table[wanted[0]].astype(str).str.strip().ne("") & table[wanted[0]].notna()]
    dates = table[wanted[0]]
    parsed = pd.to_datetime(dates.astype(str).str.strip(), format="%Y-%m-%d", errors="coerce")
    if parsed.isna().any():  # the workbook's own form: dd/mm/yyyy, or date cells
        other = pd.to_datetime(dates.where(parsed.isna()).astype(str).str.strip(), format="%d/%m/%Y", errors="coerce")
        cells = pd.to_datetime(dates.where(parsed.isna() & other.isna()), errors="coerce")
        parsed = parsed.fillna(other).fillna(cells)
    if parsed.isna().any():
        line, bad = dates[parsed.isna()].index[0], dates[parsed.isna()].iloc[0]
        raise DataError(f"{where}, line {line}: {bad!r} in column {wanted[0]!r} is not a date "
                        "(YYYY-MM-DD or DD/MM/YYYY).")
    twice = parsed.duplicated()
    if twice.any():
        line = twice.idxmax()
        first = parsed.index[(parsed == parsed[line]).to_numpy()][0]
        raise DataError(f"{where}, line {line}, column {wanted[0]!r}: {parsed[line].date()} appears twice "
                        f"(first on line {first}).")
    if table.empty:
        raise DataError(f"{where}: no rows below the header.")
    step = pd.Timedelta(days=7 if frequency == "weekly" else 1)
    order = parsed.sort_values()
    gap = order.diff().iloc[1:] != step
    if gap.any():   # a missing day or week would count as none crossing
        line = gap.idxmax()
        before = order.iloc[order.index.get_loc(line) - 1]
        raise DataError(f"{where}, line {line}, column {wanted[0]!r}: {order[line].date()} follows {before.date()}; "
                        f"the series needs every {'week' if frequency == 'weekly' else 'day'} in between "
                        "(0 where none crossed).")
    most = MOST_PER_DAY * (7 if frequency == "weekly" else 1)
    out = pd.DataFrame({wanted[0]: parsed.to_numpy()})
    for col in wanted[1:]:
        values = table[col] if col in table.columns else pd.Series(["-"] * len(table), index=table.index)
        text = values.astype(str).str.strip().str.replace(",", "", regex=False)
        unrecorded = text.isin(["-", "", "nan", "None", ".."])
        if col in ("migrants_arrived", "boats_arrived") and unrecorded.any():   # recorded every day and week
            raise DataError(f"{where}, line {unrecorded.idxmax()}: column {col!r} must hold a count in every row, "
                            f"not {values[unrecorded].iloc[0]!r} (0 where none crossed).")
        numbers = pd.to_numeric(text.where(~unrecorded), errors="coerce")
        bad = numbers.isna() & ~unrecorded
        if bad.any():
            raise DataError(f"{where}, line {bad.idxmax()}: {values[bad].iloc[0]!r} in column {col!r} is not a "
                            "number.")
        if (numbers < 0).any():
            raise DataError(f"{where}, line {(numbers < 0).idxmax()}: column {col!r} has negative counts "
                            f"({values[numbers < 0].iloc[0]}).")
        absurd = numbers.notna() & ((numbers > most) | (numbers % 1 != 0))
        if absurd.any():
            raise DataError(f"{where}, line {absurd.idxmax()}: {values[absurd].iloc[0]!r} in column {col!r} is not "
                            f"a count: whole numbers from 0 to {most:,} a {'week' if most > MOST_PER_DAY else 'day'}.")
        out[col] = numbers.to_numpy(dtype=float)
    return out.sort_values(wanted[0]).reset_index(drop=True)


def write_shared_layout(frame: pd.DataFrame, path: str | Path) -> None:
    """Write a series in the shared CSV layout (dates as YYYY-MM-DD, '-' where not recorded)."""
    out = frame.copy()
    first = out.columns[0]
    out[first] = pd.to_datetime(out[first]).dt.strftime("%Y-%m-%d")
    for col in out.columns[1:]:
        out[col] = [("-" if np.isnan(v) else str(int(v))) for v in out[col]]
    out.to_csv(path, index=False)


PUBLICATION_URL = ("https://www.gov.uk/government/publications/"
                   "migrants-detected-crossing-the-english-channel-in-small-boats")


def convert(source: str | Path, out: str | Path) -> list[Path]:
    """Write small_boats_daily.csv and small_boats_weekly.csv (shared layout) from a workbook or CSVs."""
    import shutil
    import tempfile

    frames = {"daily": read_small_boats(source, "daily"), "weekly": read_small_boats(source, "weekly")}
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory(dir=out, prefix=".convert-") as tmp:
        for frequency, frame in frames.items():
            write_shared_layout(frame, Path(tmp) / f"small_boats_{frequency}.csv")
        for frequency in frames:
            name = f"small_boats_{frequency}.csv"
            shutil.move(str(Path(tmp) / name), out / name)
            written.append(out / name)
    return written


def download(out: str | Path | None = None, url: str = PUBLICATION_URL, timeout: float = 60) -> list[Path]:
    """Fetch the current workbook from the Home Office publication page and convert it into ``out``.

    ``out`` defaults to the user data folder ([`user_data_dir`][channelsim.core.data.user_data_dir]), which
    [`data_dir`][channelsim.core.data.data_dir] reads before the packaged snapshot; the files the workbook
    does not hold (nationalities, the agreement's monthly figures) are copied there, where missing, from
    the data folder in use before the download, so the folder is complete."""
    import tempfile
    import urllib.error
    import urllib.parse
    import urllib.request

    def fetch(address: str) -> bytes:
        try:
            with urllib.request.urlopen(address, timeout=timeout) as response:
                return response.read()
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise DataError(f"cannot download {address}: {reason}.") from None

    page = fetch(url)
    if page[:2] == b"PK":  # the URL is the workbook itself (an ODS file is a zip)
        workbook = page
    else:
        links = re.findall(rb'href="([^"]+\.ods)"', page)
        if not links:
            raise DataError(f"no .ods workbook linked from {url}; "
                            "download it by hand and use 'channelsim data convert'.")
        workbook = fetch(urllib.parse.urljoin(url, links[0].decode()))
    refresh = out is None
    out = user_data_dir() if refresh else Path(out)
    try:
        before = data_dir() if refresh else None
    except DataError:   # nothing to complete the refreshed copy from: it holds the workbook's two series
        before = None
    with tempfile.NamedTemporaryFile(suffix=".ods") as fh:
        fh.write(workbook)
        fh.flush()
        written = convert(fh.name, out)
    if before is not None and before.resolve() != out.resolve():
        written += complete_from(out, before)
    return written


def complete_from(out: Path, source: Path) -> list[Path]:
    """Copy into ``out`` each of `DATA_FILES` it lacks and ``source`` holds."""
    from channelsim.core.files import atomic_path

    copied = []
    for name in DATA_FILES:
        if not (out / name).is_file() and (source / name).is_file():
            with atomic_path(out / name) as tmp:
                tmp.write_bytes((source / name).read_bytes())
            copied.append(out / name)
    return copied


def read_csv_file(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise DataError(f"data file {path} does not exist.")
    try:
        return pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: not a readable CSV file ({str(exc).strip().splitlines()[0]}).") from None


def require_columns(path: Path, frame: pd.DataFrame, columns: list[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(f"{path}: missing column(s) {', '.join(missing)}; found {', '.join(map(str, frame.columns))}.")
