"""The result of a run: the daily series, the parameters used, a summary, plots, exports."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import tomli_w

from channelsim.core.data import OBSERVED_FILES, DataError, read_small_boats
from channelsim.core.data import data_dir as find_data_dir
from channelsim.core.errors import ChannelsimWarning
from channelsim.core.params import Params
from channelsim.core.scenarios import scenario_hash
from channelsim.model.outputs import FLOWS

PLOTTED = [  # column, panel title, unit on the axis ("/PERIOD": per week, or per day for a short run)
    ("arrivals", "Arrivals in the UK", "people/PERIOD"),
    ("prevented_people", "Prevented from crossing", "people/PERIOD"),
    ("returns", "Returned to France", "people/PERIOD"),
    ("legal_admissions", "Legal admissions", "people/PERIOD"),
    ("people_per_boat", "People per boat", "people/boat"),
    ("deaths", "Deaths at sea", "people/PERIOD"),
    ("perceived_return_probability", "Perceived return probability", "probability (mean of people waiting)"),
    ("perceived_job_prospect", "Perceived job prospect in the UK", "probability (mean of people waiting)"),
    ("seat_price", "Seat price", "GBP (mean over gangs)"),
]


def observed_tables(data_dir: str | Path | None = None) -> dict[str, pd.DataFrame]:
    """The Home Office series under the model's column names, by ``"day"`` and by ``"week"`` (weeks ending
    Sunday, as `Result.weekly`: complete weeks of the daily series; people prevented as published by
    week). Raises a DataError naming what is missing or unreadable."""
    folder = find_data_dir(data_dir)
    daily = read_small_boats(folder / OBSERVED_FILES["daily"], "daily").set_index("date")
    weekly = read_small_boats(folder / OBSERVED_FILES["weekly"], "weekly").set_index("week_ending")
    boats = daily["boats_arrived"]
    day = pd.DataFrame({"arrivals": daily["migrants_arrived"],
                        "people_per_boat": daily["migrants_arrived"] / boats.where(boats > 0)})
    sums = daily[["migrants_arrived", "boats_arrived"]].resample("W-SUN").sum(min_count=7)
    week = pd.DataFrame({"arrivals": sums["migrants_arrived"],
                         "people_per_boat": sums["migrants_arrived"] / sums["boats_arrived"].where(
                             sums["boats_arrived"] > 0)})
    week["prevented_people"] = weekly["migrants_prevented"].reindex(week.index)
    return {"day": day, "week": week}


def observed_if_any(data_dir: str | Path | None = None) -> dict[str, pd.DataFrame] | None:
    """`observed_tables`, or None where the data folder or its series are missing, and None with a warning
    where they are there but unreadable (a figure is drawn without them)."""
    try:
        folder = find_data_dir(data_dir)
    except DataError:
        return None
    if not all((folder / name).is_file() for name in OBSERVED_FILES.values()):
        return None
    try:
        return observed_tables(folder)
    except DataError as exc:
        warnings.warn(f"the observed series are left out of the figure: {exc}", ChannelsimWarning, stacklevel=3)
        return None


@dataclass
class Result:
    """Daily ``series`` (one row a day, columns as in `model.outputs.COLUMNS`) and provenance."""

    series: pd.DataFrame
    params: Params
    seed: int
    start: str
    days: int
    meta: dict[str, Any] = field(default_factory=dict)
    # flows by nationality group, one row a day and group (see ChannelModel.nationality_series)
    nationalities: pd.DataFrame | None = None
    # the data folder the run was given (None: $CHANNELSIM_DATA or ../shared/data); its files' hashes are recorded
    data_dir: str | None = None

    # --- reading ---------------------------------------------------------------------
    def weekly(self, complete_only: bool = False) -> pd.DataFrame:
        """Weeks ending Sunday, as the Home Office publishes: flows summed (a mechanism's ``flows`` too),
        stocks and means averaged.

        Column ``days`` counts the days of the run in each week; ``complete_only``
        drops the partial weeks at either end.
        """
        frame = self.series.set_index("date")
        flows = FLOWS | set(self.meta.get("mechanism_flows", []))
        agg = {c: ("sum" if c in flows else "mean") for c in frame.columns}
        out = frame.resample("W-SUN").agg(agg)
        out["people_per_boat"] = out["arrivals"] / out["boats_arrived"].where(out["boats_arrived"] > 0)
        out["days"] = frame["arrivals"].resample("W-SUN").size()
        return out[out["days"] == 7] if complete_only else out

    def summary(self) -> dict[str, float]:
        """Totals and rates over the run (see [`summarise`][channelsim.model.result.summarise])."""
        return summarise(self.series)

    def table(self) -> str:
        """The summary as aligned text."""
        rows = self.summary()
        width = max(map(len, rows))
        lines = [f"channelsim: {self.params.name}, seed {self.seed}, {self.start} + {self.days} days"]
        for key, value in rows.items():
            shown = f"{value:,.0f}" if abs(value) >= 100 or float(value).is_integer() else f"{value:.3f}"
            lines.append(f"  {key:<{width}}  {shown}")
        return "\n".join(lines)

    # --- plotting --------------------------------------------------------------------
    def plot(self, path: str | Path | None = None, observed: pd.DataFrame | None = None):
        """A grid of the main series, by week (by day for a run shorter than two complete weeks).

        Time axes in calendar dates, each panel's unit on its axis, a dated
        vertical mark where the returns deal is announced, where returns start
        (if the run returns anyone) and where the observed series ends (if
        given), each only inside the plotted window, and a provenance line
        (scenario, seed, dates, data, version). ``observed``: the Home Office
        series by the same period, with any of the columns ``arrivals``, ``prevented_people``, ``people_per_boat``
        (see [`observed_overlay`][channelsim.model.result.Result.observed_overlay]); drawn where it overlaps the run.
        Saved if
        ``path`` is given (the format follows its suffix: .png, .svg, .pdf).
        Returns the figure.
        """
        import matplotlib

        if path is not None:
            matplotlib.use("Agg", force=False)
        import matplotlib.dates as mdates
        import matplotlib.pyplot as plt

        weekly = self.weekly(complete_only=True)
        by_week = len(weekly) >= 2
        table = weekly if by_week else self.series.set_index("date")
        period = "week" if by_week else "day"
        fig, axes = plt.subplots(3, 3, figsize=(13, 9.4), sharex=True)
        policy = self.params.policy
        marks = []   # date, what, colour, line style
        if policy.quota_schedule != "none":   # as in the model: no deal, no announcement
            marks.append((pd.Timestamp(policy.announcement_date), "returns deal announced", "tab:purple", "--"))
        quota = self.series.loc[self.series["returns_quota"] > 0, "date"]
        if self.series["returns"].any() and len(quota):   # the first day of a quota, whatever the schedule
            marks.append((pd.Timestamp(quota.iloc[0]), "returns quota from", "tab:red", ":"))
        if observed is not None and "arrivals" in observed and observed["arrivals"].notna().any():
            marks.append((observed["arrivals"].last_valid_index(), "last observed", "0.3", "-."))
        marks = [m for m in marks if table.index[0] <= m[0] <= table.index[-1]]
        for ax, (col, title, unit) in zip(axes.flat, PLOTTED, strict=True):
            ax.plot(table.index, table[col], lw=1.4, marker="o" if len(table) < 15 else None, ms=3,
                    label=f"model: {self.params.name}, seed {self.seed}")
            if observed is not None and col in observed:
                seen = observed[col][(observed.index >= table.index[0]) & (observed.index <= table.index[-1])]
                if seen.notna().any():
                    ax.plot(seen.index, seen, lw=1.0, color="k", alpha=0.7, label="observed (Home Office)")
            for date, what, colour, style in marks:
                ax.axvline(date, color=colour, ls=style, lw=1, label=f"{what} ({date:%-d %b %Y})")
            ax.set_title(title, fontsize=10)
            ax.set_ylabel(unit.replace("PERIOD", period), fontsize=9)
            ax.grid(alpha=0.3)
        # Date ticks chosen once and fixed: the panels share their x axis, and an automatic date
        # locator and formatter re-run on every panel at every draw cost most of the figure's time.
        locator = mdates.AutoDateLocator()
        formatter = mdates.ConciseDateFormatter(locator)
        lo, hi = axes.flat[0].get_xlim()
        ticks = [t for t in locator.tick_values(mdates.num2date(lo), mdates.num2date(hi)) if lo <= t <= hi]
        axes.flat[0].set_xticks(ticks, formatter.format_ticks(ticks))
        axes[-1][1].set_xlabel(formatter.get_offset(), fontsize=8)   # the year or month the ticks omit
        handles = {}
        for ax in axes.flat:
            for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
                handles.setdefault(label, handle)
        # one row under the title: in a panel it would cover the series
        fig.legend(handles.values(), handles.keys(), fontsize=8, loc="upper center", bbox_to_anchor=(0.5, 0.962),
                   ncol=len(handles), frameon=False)
        shown = "weekly totals (weeks ending Sunday; means for rates and prices)" if by_week else "daily values"
        fig.suptitle(f"channelsim: {self.params.name}, seed {self.seed}, {self.start} + {self.days} days: {shown}")
        fig.subplots_adjust(left=0.065, right=0.99, bottom=0.085, top=0.91, wspace=0.32, hspace=0.28)
        fig.text(0.01, 0.005, self.provenance_line(observed is not None), fontsize=7, color="0.35")
        if path is not None:
            fig.savefig(path, dpi=150)
            plt.close(fig)
        return fig

    def provenance_line(self, with_observed: bool = False) -> str:
        """One line for a figure: scenario, seed, dates, data source, version."""
        version = self.meta.get("package_version", "unknown")
        commit = str(self.meta.get("git_commit", "unknown"))[:10]
        data = "; observed: Home Office, small boats (gov.uk)" if with_observed else ""
        return (f"scenario {self.params.name} (parameters {scenario_hash(self.params)}), seed {self.seed}, "
                f"{self.start} + {self.days} days after {self.meta.get('warmup_days', '?')} days' warm-up{data}; "
                f"channelsim {version} (commit {commit})")

    def observed_overlay(self, data_dir: str | Path | None = None) -> pd.DataFrame | None:
        """The Home Office series by week (or by day for a short run), for
        [`plot`][channelsim.model.result.Result.plot]; None where the
        data folder or its series are missing or do not overlap the run, and None with a warning
        where a series is there but unreadable."""
        tables = observed_if_any(data_dir if data_dir is not None else self.data_dir)
        if tables is None:
            return None
        first, last = self.series["date"].iloc[0], self.series["date"].iloc[-1]
        daily = tables["day"]
        if daily.index[-1] < first or daily.index[0] > last:
            return None
        return tables["day" if len(self.weekly(complete_only=True)) < 2 else "week"]

    # --- exporting -------------------------------------------------------------------
    def to_csv(self, path: str | Path) -> None:
        self.series.to_csv(path, index=False, date_format="%Y-%m-%d")

    def to_parquet(self, path: str | Path) -> None:
        self.series.to_parquet(path, index=False)

    def provenance(self) -> dict[str, Any]:
        """What made this run: scenario, seed, dates, the parameters' hash, the code version (package and
        git commit) and the sha256 of each observed data file in the data folder (none found: an empty table)."""
        return {"scenario": self.params.name, "seed": self.seed, "start": self.start, "days": self.days,
                **self.meta, "parameters_hash": scenario_hash(self.params), **data_files(self.data_dir)}

    def save(self, out: str | Path, formats: tuple[str, ...] = ("png",), data_dir: str | Path | None = None) -> Path:
        """Write series.csv/.parquet, nationalities.csv/.parquet, summary.json, params.toml and the figure
        (series.png, and series.svg or .pdf if ``formats`` asks) into ``out``.

        Everything is written into a hidden temporary folder beside ``out`` and
        moved in at the end, so an interrupted save leaves no partial output.
        The figure overlays the Home Office series where the run overlaps it
        (from ``data_dir``, else the run's data folder).
        """
        out = Path(out)
        unknown = set(formats) - FIGURE_FORMATS
        if unknown:
            raise ValueError(f"figure formats are {', '.join(sorted(FIGURE_FORMATS))}, not {', '.join(unknown)}")
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.parent / f".{out.name}.tmp-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        try:
            self.to_csv(tmp / "series.csv")
            self.to_parquet(tmp / "series.parquet")
            if self.nationalities is not None:
                self.nationalities.to_csv(tmp / "nationalities.csv", index=False, date_format="%Y-%m-%d")
                self.nationalities.to_parquet(tmp / "nationalities.parquet", index=False)
            provenance = self.provenance()
            summary = {"provenance": provenance, "summary": _jsonable(self.summary())}
            (tmp / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
            (tmp / "params.toml").write_text(params_toml(self.params, provenance))
            import matplotlib.pyplot as plt

            fig = self.plot(observed=self.observed_overlay(data_dir))
            for fmt in dict.fromkeys(("png", *formats)):
                fig.savefig(tmp / f"series.{fmt}", dpi=150)
            plt.close(fig)
            out.mkdir(parents=True, exist_ok=True)
            for path in tmp.iterdir():
                os.replace(path, out / path.name)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return out


FIGURE_FORMATS = {"png", "svg", "pdf"}


def data_files(data_dir: str | Path | None = None) -> dict[str, Any]:
    """The data folder and the sha256 of each CSV in it (``data_files``), as stored beside a run."""
    try:
        folder = find_data_dir(data_dir)
    except DataError:
        return {"data_dir": None, "data_files": {}}
    return {"data_dir": str(folder),
            "data_files": {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.csv"))}}


def summarise(series: pd.DataFrame) -> dict[str, float]:
    """Totals and rates of a daily series (or any slice of one): the one place they are computed."""
    s = series
    arrivals = float(s["arrivals"].sum())
    prevented = float(s["prevented_people"].sum())
    boats = float(s["boats_arrived"].sum())
    returns = float(s["returns"].sum())
    return {
        "days": int(len(s)),
        "arrivals": arrivals,
        "arrivals_per_week": arrivals / max(len(s), 1) * 7.0,
        "boats_arrived": boats,
        "people_per_boat": arrivals / boats if boats else float("nan"),
        "days_with_arrivals": int((s["arrivals"] > 0).sum()),
        "prevented_people": prevented,
        "prevented_share": prevented / (prevented + arrivals) if prevented + arrivals else float("nan"),
        "deaths": float(s["deaths"].sum()),
        "returns": returns,
        "returns_per_arrival": returns / arrivals if arrivals else float("nan"),
        "returns_home_country": float(s["returns_home_country"].sum()),
        "legal_admissions": float(s["legal_admissions"].sum()),
        "left_elsewhere": float(s["left_elsewhere"].sum()),
        "mean_seat_price_gbp": float(s["seat_price"].mean()),
        "gang_revenue_gbp": float(s["gang_revenue"].sum()),
        "mean_perceived_return_probability": float(s["perceived_return_probability"].mean()),
        "mean_perceived_job_prospect": float(s["perceived_job_prospect"].mean()),
    }


def params_toml(params: Params, provenance: dict[str, Any]) -> str:
    """The parameters used, as a scenario file that reproduces the run."""
    head = "".join(f"# {k}: {v}\n" for k, v in provenance.items())
    data = params.model_dump(mode="python", exclude_none=True)
    data["nationalities"] = [{k: v for k, v in g.items() if v is not None} for g in data["nationalities"]]
    return head + tomli_w.dumps(data)


def _jsonable(d: dict[str, float]) -> dict[str, float | None]:
    return {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in d.items()}
