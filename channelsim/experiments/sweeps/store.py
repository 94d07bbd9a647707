"""A sweep's results on disk: Parquet datasets written as runs finish.

Layout of a sweep folder:

    sweep.toml          the sweep as run (a copy)
    manifest.json       its fingerprint, the planned run ids, provenance
    runs/part-NNNNN.parquet     the runs table (one row a run)
    series/part-NNNNN.parquet   the series table (run_id, date, outputs)
    nationalities/part-NNNNN.parquet   flows by nationality group and month (run_id, month, nationality,
                                days, inflow, arrivals, returns, ...): see
                                [`experiments.sweeps.runner.nationality_totals`][channelsim.experiments.sweeps.runner.nationality_totals]

Results are buffered and flushed as part files; each part is written to a
hidden temporary name and renamed into place ([`core.files.atomic_path`][channelsim.core.files.atomic_path]),
series and nationalities before runs. A run
counts as done once its row is in the runs table, and readers keep only
series and nationality parts whose runs part exists, so a sweep killed at any moment leaves
nothing a reader could take for complete. Re-running a sweep into its folder
runs only the runs that have no row yet, and those recorded as failed (a
retried run's newer row replaces the older: readers keep a run's last record).

One process at a time writes into a folder ([`core.files.FolderLock`][channelsim.core.files.FolderLock],
``.lock``, naming its holder); a second is refused.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from channelsim.core.errors import ChannelsimError
from channelsim.core.files import LOCK_NAME, FolderLock, atomic_path, remove_leftovers, write_text_atomic

PART = re.compile(r"^part-(\d{5,})\.parquet$")


class StoreError(ChannelsimError):
    """A sweep folder cannot be used as asked."""


class SweepStore:
    """Reads and writes one sweep folder."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.runs_dir = self.folder / "runs"
        self.series_dir = self.folder / "series"
        self.nationalities_dir = self.folder / "nationalities"
        self._lock: FolderLock | None = None
        self._created: Path | None = None   # the topmost folder open() created, if any

    # --- set-up -------------------------------------------------------------------------------
    def open(self, fingerprint: str, run_ids: list[str], sweep_text: str, provenance: dict[str, Any]) -> None:
        """Create the folder, or check that it holds this same sweep, and hold its lock until
        [`close`][channelsim.experiments.sweeps.store.SweepStore.close]."""
        if not self.folder.exists():
            top = self.folder.absolute()
            while not top.parent.exists():
                top = top.parent
            self._created = top
        self.folder.mkdir(parents=True, exist_ok=True)
        self._lock = FolderLock(self.folder, "sweep")
        try:
            self._lock.acquire()
            self._check_or_create(fingerprint, run_ids, sweep_text, provenance)
        except BaseException:
            self.close(discard=True)
            raise

    def _check_or_create(self, fingerprint: str, run_ids: list[str], sweep_text: str,
                         provenance: dict[str, Any]) -> None:
        manifest = self.folder / "manifest.json"
        if manifest.exists():
            found = json.loads(manifest.read_text())
            if found.get("fingerprint") != fingerprint:
                raise StoreError(f"{self.folder} holds a different sweep ({found.get('name')!r}, fingerprint "
                                 f"{found.get('fingerprint')}); use another --out folder.")
            # the data files its runs read must be as they were (a file added since, e.g. one whose absence
            # failed runs, is not a change to the runs made without it)
            now = provenance.get("data_files", {})
            changed = sorted(n for n, h in found.get("data_files", {}).items() if now.get(n) != h)
            if changed:
                raise StoreError(f"{self.folder} holds runs made from other data files ({', '.join(changed)} "
                                 "changed or gone since); use another --out folder.")
            return
        if any(p.name != LOCK_NAME for p in self.folder.iterdir()):
            raise StoreError(f"{self.folder} exists and is not a sweep folder; use another --out folder.")
        for folder in self._dirs():
            folder.mkdir(parents=True, exist_ok=True)
        write_text_atomic(self.folder / "sweep.toml", sweep_text)
        write_text_atomic(manifest, json.dumps({"fingerprint": fingerprint, "runs": run_ids, **provenance}, indent=1))

    def close(self, discard: bool = False) -> None:
        """Release the lock; with ``discard``, also remove the folder if this store created it and
        holds no run (a sweep that never started leaves nothing behind)."""
        if self._lock is not None:
            self._lock.release()
            self._lock = None
        if discard and self._created is not None and not self.statuses():
            shutil.rmtree(self._created, ignore_errors=True)
        self._created = None

    def statuses(self) -> dict[str, str]:
        """The last recorded status ("ok" or "failed") of each run id."""
        if not self.runs_dir.exists():
            return {}
        out: dict[str, str] = {}
        for path in self._parts(self.runs_dir):
            table = pq.read_table(path, columns=["run_id", "status"])
            out.update(zip(table.column("run_id").to_pylist(), table.column("status").to_pylist(), strict=True))
        return out

    def done(self) -> set[str]:
        """Run ids already recorded (ok or failed)."""
        return set(self.statuses())

    def failed(self) -> set[str]:
        """Run ids whose last record is a failure."""
        return {run_id for run_id, status in self.statuses().items() if status != "ok"}

    # --- writing -------------------------------------------------------------------------------
    def write(self, records: list[dict[str, Any]], series: list[pd.DataFrame],
              nationalities: list[pd.DataFrame] = ()) -> None:
        """Flush a batch of finished runs as one part (series and nationalities first, then runs)."""
        if not records:
            return
        number = self._next_part()
        name = f"part-{number:05d}.parquet"
        for tables, folder in ((series, self.series_dir), (nationalities, self.nationalities_dir)):
            frames = [s for s in tables if len(s)]
            if frames:
                folder.mkdir(exist_ok=True)   # a sweep folder from before nationalities were kept
                table = pa.Table.from_pandas(pd.concat(frames, ignore_index=True), preserve_index=False)
                _write_parquet(table, folder / name)
        # via a DataFrame: rows may differ in their keys (reference runs set other parameters)
        frame = _canonical(pd.DataFrame(records))
        _write_parquet(pa.Table.from_pandas(frame, preserve_index=False), self.runs_dir / name)

    def remove_leftovers(self) -> None:
        """Remove the temporary files a killed writer may have left."""
        for folder in (self.folder, *self._dirs()):
            if folder.exists():
                remove_leftovers(folder)

    def _dirs(self) -> tuple[Path, Path, Path]:
        return self.runs_dir, self.series_dir, self.nationalities_dir

    def _next_part(self) -> int:
        numbers = [int(PART.match(p.name).group(1)) for d in self._dirs() if d.exists()
                   for p in d.iterdir() if PART.match(p.name)]
        return max(numbers, default=0) + 1

    @staticmethod
    def _parts(folder: Path) -> list[Path]:
        if not folder.exists():
            return []
        return sorted(p for p in folder.iterdir() if PART.match(p.name))

    # --- reading -------------------------------------------------------------------------------
    def read(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(runs, series) as DataFrames, sorted by run id; series only of recorded runs."""
        runs = self._recorded_runs()
        series = self._of_recorded_runs(self.series_dir, runs, ["run_id", "date"])
        runs = _canonical(runs.drop(columns="_part").sort_values("run_id").reset_index(drop=True))
        return runs, series.sort_values(["run_id", "date"]).reset_index(drop=True)

    def read_nationalities(self) -> pd.DataFrame:
        """The flows by nationality group and month of every recorded run that finished (run_id, month,
        nationality, days, flows); empty for a sweep folder written before they were kept."""
        frame = self._of_recorded_runs(self.nationalities_dir, self._recorded_runs(["run_id"]),
                                       ["run_id", "month", "nationality", "days"])
        return frame.sort_values(["run_id", "month", "nationality"]).reset_index(drop=True)

    def _recorded_runs(self, columns: list[str] | None = None) -> pd.DataFrame:
        """Each recorded run's last record (a retried run's newer row replaces the older) with its part's name."""
        if not (self.folder / "manifest.json").exists():
            raise StoreError(f"{self.folder} is not a sweep folder (no manifest.json).")
        parts = self._parts(self.runs_dir)
        runs = (pd.concat([pd.read_parquet(p, columns=columns).assign(_part=p.name) for p in parts],
                          ignore_index=True) if parts else pd.DataFrame(columns=["run_id", "status", "_part"]))
        return runs.drop_duplicates("run_id", keep="last")

    def _of_recorded_runs(self, folder: Path, runs: pd.DataFrame, empty_columns: list[str]) -> pd.DataFrame:
        """The rows of ``folder``'s parts that belong to the recorded runs' records (same run, same part)."""
        parts = [p for p in self._parts(folder) if p.name in set(runs["_part"])]
        if not parts:
            return pd.DataFrame(columns=empty_columns)
        frame = pd.concat([pd.read_parquet(p).assign(_part=p.name) for p in parts], ignore_index=True)
        kept = pd.MultiIndex.from_frame(runs[["run_id", "_part"]])
        return frame[pd.MultiIndex.from_frame(frame[["run_id", "_part"]]).isin(kept)].drop(columns="_part")

    def bytes_on_disk(self) -> int:
        return sum(p.stat().st_size for d in self._dirs() for p in self._parts(d))


LEADING = ["run_id", "point", "replicate"]
TRAILING = ["seed_entropy", "seed_spawn_key", "scenario", "scenario_hash", "package_version", "git_commit",
            "status", "error", "traceback", "wall_seconds"]


def _canonical(runs: pd.DataFrame) -> pd.DataFrame:
    """One column order whatever order the runs finished in: ids, parameters, provenance, outcomes."""
    params = sorted(c for c in runs.columns if c.startswith("param_"))
    outcomes = sorted(c for c in runs.columns if c.startswith("out_"))
    known = set(LEADING) | set(TRAILING) | set(params) | set(outcomes)
    others = sorted(c for c in runs.columns if c not in known)
    order = [c for c in LEADING + params + TRAILING if c in runs.columns] + others + outcomes
    return runs[order]


def read_sweep(folder: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The runs and series tables of a sweep folder."""
    return SweepStore(folder).read()


def read_nationalities(folder: str | Path) -> pd.DataFrame:
    """The table of flows by nationality group and month of a sweep folder (one row a run, month and group)."""
    return SweepStore(folder).read_nationalities()


def _write_parquet(table: pa.Table, path: Path) -> None:
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")
