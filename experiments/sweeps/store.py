"""A sweep's results on disk: Parquet datasets written as runs finish.

Layout of a sweep folder::

    sweep.toml          the sweep as run (a copy)
    manifest.json       its fingerprint, the planned run ids, provenance
    runs/part-NNNNN.parquet     the runs table (one row a run)
    series/part-NNNNN.parquet   the series table (run_id, date, outputs)

Results are buffered and flushed as part files; each part is written to a
hidden temporary name and renamed into place (:func:`core.files.atomic_path`),
series before runs. A run
counts as done once its row is in the runs table, and readers keep only
series parts whose runs part exists, so a sweep killed at any moment leaves
nothing a reader could take for complete. Re-running a sweep into its folder
runs only the runs that have no row yet.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from core.errors import ChannelsimError
from core.files import atomic_path, remove_leftovers, write_text_atomic

PART = re.compile(r"^part-(\d{5,})\.parquet$")


class StoreError(ChannelsimError):
    """A sweep folder cannot be used as asked."""


class SweepStore:
    """Reads and writes one sweep folder."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.runs_dir = self.folder / "runs"
        self.series_dir = self.folder / "series"

    # --- set-up -------------------------------------------------------------------------------
    def open(self, fingerprint: str, run_ids: list[str], sweep_text: str, provenance: dict[str, Any]) -> None:
        """Create the folder, or check that it holds this same sweep."""
        manifest = self.folder / "manifest.json"
        if manifest.exists():
            found = json.loads(manifest.read_text())
            if found.get("fingerprint") != fingerprint:
                raise StoreError(f"{self.folder} holds a different sweep ({found.get('name')!r}, fingerprint "
                                 f"{found.get('fingerprint')}); use another --out folder.")
            return
        if self.folder.exists() and any(self.folder.iterdir()):
            raise StoreError(f"{self.folder} exists and is not a sweep folder; use another --out folder.")
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        self.series_dir.mkdir(parents=True, exist_ok=True)
        write_text_atomic(self.folder / "sweep.toml", sweep_text)
        write_text_atomic(manifest, json.dumps({"fingerprint": fingerprint, "runs": run_ids, **provenance}, indent=1))

    def done(self) -> set[str]:
        """Run ids already recorded (ok or failed)."""
        if not self.runs_dir.exists():
            return set()
        ids: set[str] = set()
        for path in self._parts(self.runs_dir):
            ids.update(pq.read_table(path, columns=["run_id"]).column("run_id").to_pylist())
        return ids

    # --- writing -------------------------------------------------------------------------------
    def write(self, records: list[dict[str, Any]], series: list[pd.DataFrame]) -> None:
        """Flush a batch of finished runs as one part (series first, then runs)."""
        if not records:
            return
        number = self._next_part()
        name = f"part-{number:05d}.parquet"
        frames = [s for s in series if len(s)]
        if frames:
            table = pa.Table.from_pandas(pd.concat(frames, ignore_index=True), preserve_index=False)
            _write_parquet(table, self.series_dir / name)
        # via a DataFrame: rows may differ in their keys (reference runs set other parameters)
        frame = _canonical(pd.DataFrame(records))
        _write_parquet(pa.Table.from_pandas(frame, preserve_index=False), self.runs_dir / name)

    def remove_leftovers(self) -> None:
        """Remove the temporary files a killed writer may have left."""
        for folder in (self.folder, self.runs_dir, self.series_dir):
            remove_leftovers(folder)

    def _next_part(self) -> int:
        numbers = [int(PART.match(p.name).group(1)) for d in (self.runs_dir, self.series_dir)
                   for p in d.iterdir() if PART.match(p.name)]
        return max(numbers, default=0) + 1

    @staticmethod
    def _parts(folder: Path) -> list[Path]:
        return sorted(p for p in folder.iterdir() if PART.match(p.name))

    # --- reading -------------------------------------------------------------------------------
    def read(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(runs, series) as DataFrames, sorted by run id; series only of recorded runs."""
        if not (self.folder / "manifest.json").exists():
            raise StoreError(f"{self.folder} is not a sweep folder (no manifest.json).")
        run_parts = self._parts(self.runs_dir)
        runs = (pd.concat([pd.read_parquet(p) for p in run_parts], ignore_index=True) if run_parts
                else pd.DataFrame(columns=["run_id", "status"]))
        names = {p.name for p in run_parts}
        series_parts = [p for p in self._parts(self.series_dir) if p.name in names]
        series = (pd.concat([pd.read_parquet(p) for p in series_parts], ignore_index=True) if series_parts
                  else pd.DataFrame(columns=["run_id", "date"]))
        series = series[series["run_id"].isin(runs["run_id"])]
        runs = _canonical(runs.sort_values("run_id").reset_index(drop=True))
        series = series.sort_values(["run_id", "date"]).reset_index(drop=True)
        return runs, series

    def bytes_on_disk(self) -> int:
        return sum(p.stat().st_size for d in (self.runs_dir, self.series_dir) for p in self._parts(d))


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


def _write_parquet(table: pa.Table, path: Path) -> None:
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")
