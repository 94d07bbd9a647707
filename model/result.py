"""The result of a run: the daily series, the parameters used, a summary, plots, exports."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import tomli_w

from core.files import atomic_path, write_text_atomic
from core.params import Params
from model.outputs import COLUMNS

PLOTTED = [
    ("arrivals", "Arrivals in the UK (people/week)", "sum"),
    ("prevented_people", "Prevented (people/week)", "sum"),
    ("returns", "Returned to France (people/week)", "sum"),
    ("legal_admissions", "Legal admissions (people/week)", "sum"),
    ("people_per_boat", "People per boat", "mean"),
    ("deaths", "Deaths (people/week)", "sum"),
    ("perceived_return_probability", "Perceived return probability", "mean"),
    ("perceived_job_prospect", "Perceived job prospect", "mean"),
    ("seat_price", "Seat price (GBP)", "mean"),
]


@dataclass
class Result:
    """Daily ``series`` (one row a day, columns as in :data:`model.outputs.COLUMNS`) and provenance."""

    series: pd.DataFrame
    params: Params
    seed: int
    start: str
    days: int
    meta: dict[str, Any] = field(default_factory=dict)
    # flows by nationality group, one row a day and group (see ChannelModel.nationality_series)
    nationalities: pd.DataFrame | None = None

    # --- reading ---------------------------------------------------------------------
    def weekly(self, complete_only: bool = False) -> pd.DataFrame:
        """Weeks ending Sunday, as the Home Office publishes: flows summed, stocks and means averaged.

        Column ``days`` counts the days of the run in each week; ``complete_only``
        drops the partial weeks at either end.
        """
        frame = self.series.set_index("date")
        flows = [c for c, (unit, _) in COLUMNS.items() if unit.endswith("/day")]
        agg = {c: ("sum" if c in flows else "mean") for c in frame.columns}
        out = frame.resample("W-SUN").agg(agg)
        out["people_per_boat"] = out["arrivals"] / out["boats_arrived"].where(out["boats_arrived"] > 0)
        out["days"] = frame["arrivals"].resample("W-SUN").size()
        return out[out["days"] == 7] if complete_only else out

    def summary(self) -> dict[str, float]:
        """Totals and rates over the run (see :func:`summarise`)."""
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
        """A grid of the main series by week; saved as PNG if ``path`` is given. Returns the figure."""
        import matplotlib

        if path is not None:
            matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt

        weekly = self.weekly(complete_only=True)
        fig, axes = plt.subplots(3, 3, figsize=(13, 9), sharex=True)
        for ax, (col, title, _) in zip(axes.flat, PLOTTED, strict=True):
            ax.plot(weekly.index, weekly[col], lw=1.4, label=self.params.name)
            if observed is not None and col in observed:
                ax.plot(observed.index, observed[col], lw=1.0, color="k", alpha=0.6, label="observed")
            ax.set_title(title, fontsize=10)
            ax.grid(alpha=0.3)
        start = self.params.policy.returns_start
        for ax in axes.flat:
            if weekly.index[0].date() <= start <= weekly.index[-1].date():
                ax.axvline(pd.Timestamp(start), color="tab:red", ls=":", lw=1)
        axes.flat[0].legend(fontsize=8)
        fig.suptitle(f"channelsim: {self.params.name} (seed {self.seed})")
        fig.autofmt_xdate()
        fig.tight_layout()
        if path is not None:
            fig.savefig(path, dpi=110)
            plt.close(fig)
        return fig

    # --- exporting -------------------------------------------------------------------
    def to_csv(self, path: str | Path) -> None:
        self.series.to_csv(path, index=False, date_format="%Y-%m-%d")

    def to_parquet(self, path: str | Path) -> None:
        self.series.to_parquet(path, index=False)

    def provenance(self) -> dict[str, Any]:
        return {"scenario": self.params.name, "seed": self.seed, "start": self.start, "days": self.days, **self.meta}

    def save(self, out: str | Path) -> Path:
        """Write series.csv/.parquet, nationalities.csv/.parquet, summary.json, params.toml and series.png into ``out``.

        Each file is written under a temporary name and renamed into place
        (:func:`core.files.atomic_path`), so an interrupted save leaves no file half-written.
        """
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        with atomic_path(out / "series.csv") as tmp:
            self.to_csv(tmp)
        with atomic_path(out / "series.parquet") as tmp:
            self.to_parquet(tmp)
        if self.nationalities is not None:
            with atomic_path(out / "nationalities.csv") as tmp:
                self.nationalities.to_csv(tmp, index=False, date_format="%Y-%m-%d")
            with atomic_path(out / "nationalities.parquet") as tmp:
                self.nationalities.to_parquet(tmp, index=False)
        summary = {"provenance": self.provenance(), "summary": _jsonable(self.summary())}
        write_text_atomic(out / "summary.json", json.dumps(summary, indent=2) + "\n")
        write_text_atomic(out / "params.toml", params_toml(self.params, self.provenance()))
        with atomic_path(out / "series.png") as tmp:
            self.plot(tmp)
        return out


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
