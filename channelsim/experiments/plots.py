"""Figures for a paper: they take tables (and names), never a sweep, a calibration or an analysis module.

Sweeps: the deterrence curve with bands, fan charts, sensitivity bars. Inference: the posterior, the
validation bands, the counterfactual, the shocks' grid. Each writes one file (PNG, or SVG or PDF by the
path's suffix) and returns its path.

Every figure has axis labels with units and periods, calendar dates on time axes, a legend naming
what is drawn, and a provenance line (``note``: scenario, draws or replicates, data source, channelsim
version; [`provenance_note`][channelsim.experiments.plots.provenance_note] builds one). A band is drawn only from
`MIN_BAND_MEMBERS` members
or more; with fewer the figure says so.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker as mticker  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from channelsim.core.params import describe  # noqa: E402
from channelsim.core.versions import code_version  # noqa: E402
from channelsim.experiments.labels import quantile_name  # noqa: E402

QUOTA = "returns_per_week"
MIN_BAND_MEMBERS = 5          # fewer members than this: no band, and the figure says so
SOBOL_SAMPLES_ADVISED = 512   # SALib base samples below which Sobol intervals are too wide to read
UNITS = {row["name"]: row["unit"] for row in describe()}
DPI = 150


def provenance_note(*parts: str) -> str:
    """A provenance line: the given parts (scenario, draws, data source, ...) and channelsim's version."""
    version = code_version()
    return "; ".join([*[p for p in parts if p], f"channelsim {version['package_version']} "
                      f"(commit {version['git_commit'][:10]})"])


def parameter_label(name: str) -> str:
    """A parameter's name in words with its unit, e.g. 'returns per week (people/week)'."""
    unit = UNITS.get(name, "")
    return name.replace("_", " ") + (f" ({unit})" if unit and unit not in ("-", "1") else "")


def _date_axis(ax) -> None:
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def _save(fig, path: Path, note: str, close: bool = True) -> Path:
    """Figure legends (``fig.legend``) at the foot, centred, the figure taller by their height; under them
    the provenance line; then the file (format from its suffix); the figure closed unless not ``close``
    (a figure returned to a notebook)."""
    renderer = fig.canvas.get_renderer()
    legend_heights = [legend.get_window_extent(renderer).height / fig.dpi for legend in fig.legends]   # inches
    fig.set_figheight(fig.get_figheight() + sum(legend_heights))
    # the note wraps to the figure's width (about 17 characters an inch at 7 points)
    lines = textwrap.wrap(provenance_note(note), width=max(40, int(fig.get_figwidth() * 17)))
    foot = 0.01 + 0.14 * len(lines) / fig.get_figheight()   # 7-point lines, in figure fractions
    for legend, height in zip(fig.legends, legend_heights, strict=True):
        legend.set_loc("lower center")
        legend.set_bbox_to_anchor((0.5, foot), transform=fig.transFigure)
        foot += height / fig.get_figheight()
    fig.tight_layout(rect=(0, foot, 1, 1))
    fig.text(0.01, 0.008, "\n".join(lines), fontsize=7, color="0.35", va="bottom")
    fig.savefig(path, dpi=DPI)
    if close:
        plt.close(fig)
    return Path(path)


def deterrence_curve(summary: pd.DataFrame, change: pd.DataFrame | None, path: Path, outcome: str = "arrivals",
                     title: str = "deterrence curve", note: str = "") -> Path | None:
    """Outcome (and change against the reference) by weekly quota, one line per other level, with bands.

    ``summary`` is a grid sweep's bands by design point (``experiments.sweeps.analysis.summarise``, with
    its ``replicates`` column), ``change`` each run against its reference (``analysis.deterrence``) or None
    without reference runs; both have a ``param_NAME`` column per swept parameter. None if the quota was
    not swept. Bands are drawn only from `MIN_BAND_MEMBERS` replicates or more.
    """
    if f"param_{QUOTA}" not in summary:
        return None
    others = [c for c in summary.columns if c.startswith("param_") and c != f"param_{QUOTA}"
              and summary[c].nunique() > 1]
    members = int(summary["replicates"].min()) if "replicates" in summary else MIN_BAND_MEMBERS
    banded = members >= MIN_BAND_MEMBERS
    fig, axes = plt.subplots(1, 2 if change is not None else 1, figsize=(12 if change is not None else 6.5, 4.8),
                             squeeze=False)
    groups = summary.groupby(others) if others else [((), summary)]
    for key, rows in groups:
        rows = rows.sort_values(f"param_{QUOTA}")
        values = key if isinstance(key, tuple) else (key,)
        label = ", ".join(f"{c.removeprefix('param_').replace('_', ' ')} = {v:g}"
                          for c, v in zip(others, values, strict=True))
        x = rows[f"param_{QUOTA}"]
        line, = axes[0, 0].plot(x, rows["median"], marker="o", label=label or f"median of {members} replicates")
        if banded:
            axes[0, 0].fill_between(x, rows["q05"], rows["q95"], color=line.get_color(), alpha=0.15)
            axes[0, 0].fill_between(x, rows["q25"], rows["q75"], color=line.get_color(), alpha=0.25)
    axes[0, 0].set_xlabel(parameter_label(QUOTA))
    axes[0, 0].set_ylabel(f"{outcome.replace('_', ' ')} in the window (people)")
    axes[0, 0].set_title(f"{outcome.replace('_', ' ')}: median" + (
        f", 50% and 90% bands over {members} replicates" if banded
        else f" of {members} replicates (too few for bands: fewer than {MIN_BAND_MEMBERS})"), fontsize=10)
    if change is not None:
        key_cols = [f"param_{QUOTA}", *others]
        bands = change.groupby(key_cols)[f"change_{outcome}"].quantile([0.05, 0.5, 0.95]).unstack().reset_index()
        for _, rows in (bands.groupby(others) if others else [((), bands)]):
            rows = rows.sort_values(f"param_{QUOTA}")
            x = rows[f"param_{QUOTA}"]
            line, = axes[0, 1].plot(x, -100 * rows[0.5], marker="o")
            if banded:
                axes[0, 1].fill_between(x, -100 * rows[0.05], -100 * rows[0.95], color=line.get_color(), alpha=0.2)
        axes[0, 1].axhline(0, color="k", lw=0.8)
        axes[0, 1].set_xlabel(parameter_label(QUOTA))
        axes[0, 1].set_ylabel(f"% fewer {outcome.replace('_', ' ')} than the reference (same seed)")
        axes[0, 1].set_title("deterred: median" + (" and 90% band" if banded else " (no band: too few replicates)"),
                             fontsize=10)
    axes[0, 0].legend(fontsize=8)
    for ax in axes.flat:
        ax.grid(alpha=0.3)
    fig.suptitle(title)
    return _save(fig, path, note or f"{members} replicates per point")


def _point_labels(runs: pd.DataFrame) -> dict[int, str]:
    """Design point -> its swept parameters' values in words ('returns per week = 50, ...')."""
    params = [c for c in runs.columns if c.startswith("param_") and runs[c].nunique() > 1]
    labels = {-1: "reference"}
    for point, rows in runs[runs["point"] >= 0].groupby("point"):
        first = rows.iloc[0]
        labels[int(point)] = ", ".join(f"{c.removeprefix('param_').replace('_', ' ')} = {_fmt(first[c])}"
                                       for c in params) or f"point {point}"
    return labels


def _fmt(value) -> str:
    return f"{value:.3g}" if isinstance(value, float | np.floating) else str(value)


def fan_chart(series: pd.DataFrame, runs: pd.DataFrame, path: Path, column: str = "arrivals",
              max_points: int = 6, note: str = "") -> Path | None:
    """The weekly series of a few design points (and the reference): median and 90% band over replicates,
    each named by its parameter values."""
    if column not in series:
        return None
    good = runs[runs["status"] == "ok"][["run_id", "point"]]
    data = series.merge(good, on="run_id")
    points = sorted(data["point"].unique())
    chosen = [p for p in points if p == -1] + [p for p in points if p >= 0][:: max(1, len(points) // max_points)]
    labels = _point_labels(runs)
    fig, ax = plt.subplots(figsize=(11, 4.8))
    members = []
    x_name = "date" if "date" in data else "week"
    for point in chosen[: max_points + 1]:
        rows = data[data["point"] == point]
        members.append(rows["run_id"].nunique())
        q = rows.groupby(x_name)[column].quantile([0.05, 0.5, 0.95]).unstack()
        line, = ax.plot(pd.to_datetime(q.index), q[0.5], lw=1.3, label=labels.get(int(point), f"point {point}"),
                        color="k" if point == -1 else None)
        if members[-1] >= MIN_BAND_MEMBERS:
            ax.fill_between(pd.to_datetime(q.index), q[0.05], q[0.95], color=line.get_color(), alpha=0.12)
    n = min(members) if members else 0
    period = "week" if x_name == "week" or _weekly(data[x_name]) else "day"
    ax.set_ylabel(f"{column.replace('_', ' ')} (people/{period})")
    ax.set_title(f"{column.replace('_', ' ')}: median" + (f" and 90% band over {n} replicates" if n >= MIN_BAND_MEMBERS
                 else f" of {n} replicates (too few for a band: fewer than {MIN_BAND_MEMBERS})"), fontsize=10)
    ax.grid(alpha=0.3)
    _date_axis(ax)
    # at the foot, one point a row, wrapped to the figure's width (about 15 characters an inch at 8 points):
    # a point's label names every swept parameter
    handles, names = ax.get_legend_handles_labels()
    fig.legend(handles, [textwrap.fill(name, int(15 * (fig.get_figwidth() - 1))) for name in names], fontsize=8,
               frameon=False)
    return _save(fig, path, note or f"{n} replicates per point")


def ensemble_figure(bands: pd.DataFrame, variable: str, quantiles: tuple[float, ...],
                    observed: pd.Series | None = None, path: Path | None = None, note: str = ""):
    """An ensemble's median and outer band of ``variable`` by scenario (``bands``:
    [`Ensemble.bands`][channelsim.experiments.ensemble.Ensemble.bands]), the observed series where given;
    the Figure, saved to ``path`` if given."""
    rows = bands[bands["variable"] == variable]
    lo, mid, hi = quantile_name(min(quantiles)), quantile_name(0.5), quantile_name(max(quantiles))
    fig, ax = plt.subplots(figsize=(11, 4.8))
    for scenario, group in rows.groupby("scenario", sort=False):
        x = pd.to_datetime(group["date"])
        members = int(group["members"].min())
        median = group[mid] if mid in group else group[[lo, hi]].mean(axis=1)
        line, = ax.plot(x, median, lw=1.5, label=f"{scenario} (median of {members})")
        if members >= MIN_BAND_MEMBERS:
            ax.fill_between(x, group[lo], group[hi], color=line.get_color(), alpha=0.15,
                            label=f"{scenario} {100 * (max(quantiles) - min(quantiles)):.0f}% band")
    if observed is not None and variable == "arrivals" and len(observed):
        ax.plot(observed.index, observed.to_numpy(), color="k", lw=1.0, marker=".", ms=3,
                label="observed (Home Office)")
    from channelsim.model.outputs import unit_by_period

    ax.set_ylabel(f"{variable.replace('_', ' ')} ({unit_by_period(variable, _weekly(rows['date']))})")
    ax.set_title(f"{variable.replace('_', ' ')} by scenario: median and band over the ensemble's members",
                 fontsize=10)
    ax.grid(alpha=0.3)
    # below the axes, in as many rows as it needs: it never covers the bands or runs off the figure
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=3, frameon=False)
    _date_axis(ax)
    if path is not None:
        _save(fig, path, note, close=False)
    return fig


def _weekly(dates: pd.Series) -> bool:
    d = pd.to_datetime(pd.Series(dates.unique())).sort_values()
    return len(d) > 1 and (d.diff().dropna() >= pd.Timedelta(days=7)).all()


def index_bars(indices: pd.DataFrame, path: Path, samples: int | None = None, note: str = "") -> Path:
    """Sobol S1 and ST (or Morris mu*) with their 95% intervals, one panel per outcome (every outcome given),
    the panels in a near-square grid that shares the parameters' axis.

    ``samples``: the base sample size N of a Sobol design; below `SOBOL_SAMPLES_ADVISED` the figure
    warns that the intervals are too wide to rank the parameters.
    """
    outcomes = list(indices["outcome"].unique())
    cols = math.ceil(math.sqrt(len(outcomes)))
    grid_rows = math.ceil(len(outcomes) / cols)
    order = list(dict.fromkeys(indices["parameter"]))   # one order for every panel: they share the axis
    parameters = len(order)
    # 2.8 inches a panel beside 1.8 for the parameters' names; 0.3 inch a parameter and 1 for the axes' labels
    fig, axes = plt.subplots(grid_rows, cols, figsize=(1.8 + 2.8 * cols, grid_rows * (1 + 0.3 * parameters) + 0.6),
                             squeeze=False, sharey=True)
    sobol = "S1" in indices
    for ax, outcome in zip(axes.flat, outcomes, strict=False):
        rows = indices[indices["outcome"] == outcome]
        y = np.array([order.index(p) for p in rows["parameter"]])
        if sobol:
            ax.barh(y - 0.2, rows["S1"], height=0.4, xerr=rows["S1_conf"], label="first order (S1)")
            ax.barh(y + 0.2, rows["ST"], height=0.4, xerr=rows["ST_conf"], label="total (ST)")
            ax.set_xlabel("share of the outcome's variance", fontsize=8)
        else:
            ax.barh(y, rows["mu_star"], xerr=rows["mu_star_conf"], label="mu* (mean absolute elementary effect)")
            ax.set_xlabel(f"mu* ({outcome.replace('_', ' ')} per unit range)", fontsize=8)
        ax.set_yticks(np.arange(parameters), [parameter_label(n) for n in order], fontsize=8)
        ax.tick_params(axis="x", labelsize=8)
        ax.set_title(outcome.replace("_", " "), fontsize=10)
        ax.axvline(0, color="k", lw=0.6)
        ax.grid(alpha=0.3, axis="x")
    axes.flat[0].invert_yaxis()   # the parameters from the top, each's S1 above its ST (the axis is shared)
    for ax in list(axes.flat)[len(outcomes):]:
        ax.set_visible(False)
    fig.legend(*axes.flat[0].get_legend_handles_labels(), fontsize=8, ncol=2, frameon=False)
    title = "Sobol indices with 95% intervals (SALib)" if sobol else "Morris screening with 95% intervals (SALib)"
    if sobol and samples is not None and samples < SOBOL_SAMPLES_ADVISED:
        title += (f"\nWARNING: N = {samples} base samples is too few; the intervals are too wide to rank the "
                  f"parameters (use {SOBOL_SAMPLES_ADVISED} or more)")
    fig.suptitle(title, fontsize=11, color="black" if "WARNING" not in title else "firebrick")
    return _save(fig, path, note or (f"N = {samples} base samples" if samples else ""))


def posterior_plot(posterior: pd.DataFrame, priors: dict[str, tuple[float, float]], path: Path,
                   window: tuple[str, str] | None = None, note: str = "") -> Path:
    """Each free parameter's prior (uniform over its range) and weighted posterior density, with the
    posterior median (``posterior``: a column each and ``weight``; ``priors``: name -> (lowest, highest)).
    ``window``: the data window calibrated on, for the title."""
    names = [n for n in priors if n in posterior]
    cols = 4
    rows = -(-len(names) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.4 * cols, 2.7 * rows), squeeze=False)
    from pyabc.weighted_statistics import weighted_median  # the calibration's own (pyabc loads slowly)

    weights = posterior["weight"] / posterior["weight"].sum()
    for ax, name in zip(axes.flat, names, strict=False):
        lo, hi = priors[name]
        values = posterior[name].to_numpy()
        ax.hist(values, weights=weights, bins=20, range=(lo, hi), density=True, color="tab:blue", alpha=0.75,
                label="posterior")
        ax.plot([lo, hi], [1 / (hi - lo)] * 2, color="0.3", ls="--", lw=1.2, label="prior (uniform)")
        median = float(weighted_median(values.astype(float), weights.to_numpy(float)))
        ax.axvline(median, color="firebrick", lw=1.4, label=f"median {median:.3g}")
        ax.set_title(parameter_label(name), fontsize=8)
        ax.set_ylabel("density", fontsize=7)
        ax.tick_params(labelsize=7)
        ax.legend(fontsize=6, loc="upper right")
    for ax in list(axes.flat)[len(names):]:
        ax.set_visible(False)
    span = f", Home Office series {window[0]} to {window[1]}" if window else ""
    fig.suptitle(f"ABC-SMC calibration{span}: prior and posterior of each free parameter "
                 f"({len(posterior)} particles)")
    return _save(fig, path, note or "observed: Home Office, small boats (gov.uk)")


def _bands(ax, x, ensemble: pd.DataFrame, color: str, label: str) -> None:
    members = ensemble.shape[1]
    q = ensemble.quantile([0.05, 0.25, 0.5, 0.75, 0.95], axis=1).T
    if members >= MIN_BAND_MEMBERS:
        ax.fill_between(x, q[0.05], q[0.95], color=color, alpha=0.18, label=f"{label} 90% band ({members} draws)")
        ax.fill_between(x, q[0.25], q[0.75], color=color, alpha=0.35, label=f"{label} 50% band")
    ax.plot(x, q[0.5], color=color, lw=1.5, label=f"{label} median" + (
        "" if members >= MIN_BAND_MEMBERS else f" of {members} draws (too few for bands)"))


def validation_figures(sim_monthly: pd.DataFrame, obs_monthly: pd.Series, sim_weekly: pd.DataFrame,
                       obs_weekly: pd.Series, sim_ppb: pd.DataFrame, obs_ppb: pd.Series,
                       folder: Path, note: str = "") -> dict[str, Path]:
    """Posterior-predictive bands against the observed monthly and weekly arrivals and people per boat."""
    paths = {}
    note = note or f"{sim_monthly.shape[1]} posterior draws; observed: Home Office, small boats (gov.uk)"
    for key, sim, obs, title, unit in (("monthly", sim_monthly, obs_monthly, "Arrivals a month", "people/month"),
                                       ("weekly", sim_weekly, obs_weekly, "Arrivals a week", "people/week")):
        x = obs.index.to_timestamp() if hasattr(obs.index, "to_timestamp") else obs.index
        fig, ax = plt.subplots(figsize=(11, 4.4))
        _bands(ax, x, sim, "tab:blue", "model")
        ax.plot(x, obs.to_numpy(), color="black", lw=1 if key == "weekly" else 1.4,
                marker="o" if key == "monthly" else None, ms=3, label="observed (Home Office)")
        ax.set_title(f"{title}: posterior-predictive bands and the observed series", fontsize=10)
        ax.set_ylabel(f"arrivals ({unit})")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, ncol=2, loc="upper left")
        _date_axis(ax)
        paths[key] = _save(fig, folder / f"validation_{key}.png", note)
    fig, ax = plt.subplots(figsize=(7, 4.2))
    years = sim_ppb.index.to_numpy()
    _bands(ax, years, sim_ppb, "tab:orange", "model")
    ax.plot(obs_ppb.index, obs_ppb.to_numpy(), "ko-", label="observed (Home Office)")
    ax.set_title("People per boat by year", fontsize=10)
    ax.set_xlabel("calendar year")
    ax.set_ylabel("people per boat (arrivals / boats)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    paths["people_per_boat"] = _save(fig, folder / "validation_people_per_boat.png", note)
    return paths


def deterred_so_far(series: pd.DataFrame, runs: pd.DataFrame, baseline: str) -> dict[str, pd.DataFrame]:
    """Arm -> crossings deterred so far against ``baseline``, a column per draw (common random numbers: the
    same draw under both), summed over every day of ``series``."""
    meta = runs.set_index("run_id")[["scenario", "point"]]
    s = series.join(meta, on="run_id")
    wide = s.pivot_table(index="date", columns=["scenario", "point"], values="arrivals", aggfunc="sum").sort_index()
    base = wide[baseline]
    return {arm: (base - wide[arm]).cumsum() for arm in dict.fromkeys(s["scenario"]) if arm != baseline}


def counterfactual_figure(table: pd.DataFrame, series: pd.DataFrame, runs: pd.DataFrame, baseline: str,
                          path: Path, note: str = "") -> Path:
    """Crossings deterred so far under each arm (draw by draw against the ``baseline`` scenario) and in the
    twelve months (``table``: the effects, a row an arm and outcome).

    The running total adds up every day of the series given (a daily series: the whole window), so
    that it ends at the median in ``table``; bands only from `MIN_BAND_MEMBERS` draws.
    """
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.8), gridspec_kw={"width_ratios": [1.5, 1]})
    so_far = deterred_so_far(series, runs, baseline)
    arms = list(so_far)
    draws = next(iter(so_far.values())).shape[1] if so_far else 0
    banded = draws >= MIN_BAND_MEMBERS
    for i, arm in enumerate(arms):
        q = so_far[arm].quantile([0.05, 0.5, 0.95], axis=1).T
        if banded:
            left.fill_between(pd.to_datetime(q.index), q[0.05], q[0.95], color=f"C{i}", alpha=0.15)
        left.plot(pd.to_datetime(q.index), q[0.5], color=f"C{i}", lw=1.8, label=arm)
    left.axhline(0, color="black", lw=0.8)
    left.set_title(f"Crossings deterred so far against {baseline}: median"
                   + (f" and 90% band over {draws} draws" if banded else f" of {draws} draws (too few for bands)"),
                   fontsize=10)
    left.set_ylabel("crossings deterred since the start (people)")
    left.grid(alpha=0.3)
    left.legend(fontsize=8, loc="upper left")
    _date_axis(left)
    rows = table[table["outcome"] == "arrivals"].reset_index(drop=True)
    y = range(len(rows))
    right.barh(list(y), -rows["change_median"],
               xerr=[(-rows["change_median"]) - (-rows["change_95"]), (-rows["change_5"]) - (-rows["change_median"])]
               if banded else None,
               color=[f"C{arms.index(a)}" if a in arms else "tab:green" for a in rows["arm"]], alpha=0.8, capsize=4)
    right.axvline(0, color="black", lw=0.8)
    right.set_yticks(list(y), rows["arm"])
    right.set_xlabel("crossings deterred in the window (people)")
    right.set_title("Deterred in the whole window: median" + (" and 90% band" if banded else ""), fontsize=10)
    right.grid(alpha=0.3, axis="x")
    return _save(fig, path, note or f"{draws} posterior draws, common random numbers; baseline {baseline}")


def shocks_figure(table: pd.DataFrame, choice: dict, moments: dict[str, str], path: Path, note: str = "") -> Path:
    """Each moment's simulated mean against the shock size, a line per persistence, and the observed value.

    ``table``: the grid (a row a point, ``MOMENT_mean`` columns); ``choice``: the chosen point with the
    observed and simulated moments; ``moments``: name -> label.
    """
    fig, axes = plt.subplots(1, len(moments), figsize=(10, 3.9))
    for ax, (moment, label) in zip(axes, moments.items(), strict=True):
        for days, rows in table.groupby("upstream_shock_days"):
            ax.plot(rows["upstream_shock_sd"], rows[f"{moment}_mean"], marker="o", label=f"persistence {days:g} days")
        ax.axhline(choice["observed"][moment], color="black", lw=1.5, label="observed (Home Office)")
        ax.plot(choice["upstream_shock_sd"], choice["simulated"][moment], marker="*", ms=14, color="crimson",
                ls="none", label="chosen")
        ax.set_xlabel(parameter_label("upstream_shock_sd"))
        ax.set_ylabel("mean over posterior draws")
        ax.set_title(label, fontsize=10)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle("Upstream shocks: simulated moments (mean over posterior draws) against the observed", fontsize=11)
    return _save(fig, path, note or "observed: Home Office, small boats (gov.uk)")


VERDICT_COLOURS = {"identified": "tab:green", "weakly": "tab:orange", "not identified": "0.6", "no particles": "white"}


def identification_figure(table: pd.DataFrame, profile: pd.DataFrame | None, last_epsilon: float | None,
                          path: Path, note: str = "") -> Path:
    """Left: each parameter's posterior sd as a share of its prior sd, coloured by verdict, with the
    thresholds (``table``:
    [`identification_table`][channelsim.experiments.inference.identification.identification_table]). Right:
    the sample-based profile of one parameter (best and low-quantile distance per bin), if given."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, max(4.0, 0.32 * len(table) + 1.5)),
                                      gridspec_kw={"width_ratios": [1.1, 1]})
    y = np.arange(len(table))[::-1]
    left.barh(y, table["sd_ratio"], color=[VERDICT_COLOURS[v] for v in table["verdict"]])
    left.set_yticks(y, [p + (" *" if d else "") for p, d in zip(table["parameter"], table["deterrence"],
                                                               strict=True)], fontsize=8)
    for x, label in ((0.5, "identified"), (0.8, "weakly")):
        left.axvline(x, color="0.3", ls="--", lw=1)
        left.text(x, y.max() + 0.6, f" {label}", fontsize=7, color="0.3")
    left.axvline(1.0, color="0.3", lw=1)
    left.set_xlim(0, max(1.2, float(np.nanmax(table["sd_ratio"])) * 1.05))
    left.set_xlabel("posterior sd / prior sd (1: the data say nothing)")
    left.set_title("How far the data narrow each parameter (* deterrence)", fontsize=10)
    if profile is not None and profile["simulations"].sum() > 0:
        q_col = next(c for c in profile.columns if c.startswith("q") and c.endswith("_distance"))
        right.plot(profile["bin_mid"], profile["min_distance"], "o-", color="tab:blue",
                   label="best simulation in the bin")
        right.plot(profile["bin_mid"], profile[q_col], "s--", color="tab:blue", alpha=0.5,
                   label=f"{q_col[1:3]}% quantile of the bin's distances")
        if last_epsilon is not None:
            right.axhline(last_epsilon, color="firebrick", lw=1, ls=":", label="last generation's epsilon")
        for edge in np.r_[profile["bin_low"], profile["bin_high"].iloc[-1]]:
            right.axvline(edge, color="0.9", lw=0.8, zorder=0)
        name = str(profile["parameter"].iloc[0])
        right.set_xlabel(parameter_label(name))
        right.set_ylabel("ABC distance (lower fits better)")
        right.set_title(f"Sample-based profile of {name} (not a refit)", fontsize=10)
        right.legend(fontsize=7)
    else:
        right.text(0.5, 0.5, "no profile: the calibration keeps no\nsimulations with distances, or does not\n"
                   "free the parameter", ha="center", va="center", fontsize=9, transform=right.transAxes)
        right.set_axis_off()
    fig.suptitle("What the calibration data identify", fontsize=11)
    return _save(fig, path, note)


def refit_profile_figure(table: pd.DataFrame, sims: pd.DataFrame, parameter: str, epsilon: float, path: Path,
                         best_label: str = "best, last round", note: str = "") -> Path:
    """The refit profile: each simulation's distance at each fixed value (grey: earlier rounds, blue: the
    last), the last round's best distance with two standard errors and its median, the reference search
    (the parameter free) as a band, and the calibration's last epsilon (``table``, ``sims``:
    `experiments.inference.refit_profile.refit_profile`)."""
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    rows = table[table["value"].notna()]
    values = rows["value"].to_numpy(float)
    held = sims[sims["value_index"] >= 0]
    last = sims["round"].max()
    width = 0.012 * (values.max() - values.min() or 1.0)
    for r in sorted(held["round"].unique()):
        part = held[held["round"] == r]
        jitter = np.linspace(-width, width, int(part["particle"].max()) + 1)[part["particle"].to_numpy()]
        ax.scatter(values[part["value_index"].to_numpy()] + jitter, part["distance"], s=6,
                   color="tab:blue" if r == last else "0.75", alpha=0.6,
                   label="last round" if r == last else ("earlier rounds" if r == 0 else None))
    ax.errorbar(values, rows["best_distance"], yerr=2 * rows["best_se"], fmt="o-", color="navy", capsize=3,
                label=f"{best_label} (2 s.e.)")
    ax.plot(values, rows["median_distance"], "s--", color="navy", alpha=0.5, label="median, last round")
    reference = table[table["value"].isna()]
    if len(reference):
        ref, se = float(reference["best_distance"].iloc[0]), float(reference["best_se"].iloc[0])
        ax.axhspan(ref - 2 * se, ref + 2 * se, color="tab:green", alpha=0.15)
        ax.axhline(ref, color="tab:green", lw=1.2, label="reference: the parameter free (2 s.e.)")
    ax.axhline(epsilon, color="firebrick", lw=1, ls=":", label="calibration's last epsilon")
    ax.set_ylim(0, max(float(np.quantile(sims["distance"], 0.95)), epsilon) * 1.15)
    ax.set_xlabel(parameter_label(parameter))
    ax.set_ylabel("ABC distance (lower fits better)")
    ax.set_title(f"Refit profile of {parameter}: the others refitted at each value", fontsize=10)
    ax.legend(fontsize=7)
    return _save(fig, path, note)


def deterrence_curve_figure(curve: pd.DataFrame, path: Path, note: str = "", title: str = "") -> Path:
    """Crossings deterred against weekly returns: the median over posterior draws, with the 90% band
    (``curve``: level, deterred_median, deterred_5, deterred_95)."""
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    x = curve["returns_per_week"].to_numpy(float)
    ax.fill_between(x, curve["deterred_5"], curve["deterred_95"], color="tab:blue", alpha=0.25,
                    label="90% band over posterior draws")
    ax.plot(x, curve["deterred_median"], "o-", color="tab:blue", label="median")
    ax.axhline(0, color="0.3", lw=0.8)
    ax.set_xlabel("returns to France (people/week)")
    ax.set_ylabel("crossings deterred in the first year (people)")
    ax.yaxis.set_major_formatter(mticker.StrMethodFormatter("{x:,.0f}"))
    ax.set_title(title or "Crossings deterred against weekly returns")
    ax.legend(fontsize=8, loc="upper left")
    return _save(fig, path, note)


def attribution_figure(table: pd.DataFrame, group: str, since, path: Path, note: str = "") -> Path:
    """Why the episode group's arrivals fell (``table``:
    [`experiments.inference.attribution.attribution_table`][channelsim.experiments.inference.attribution.attribution_table]):
    each draw's arrivals in the year after the arrangement, as fitted against without it; and what the arrangement
    averted (of the arrivals without it, and of the modelled fall) against the cost of a return to a person."""
    year = since.year + 1
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.6))
    fitted, without = table[f"arrivals_{year}"], table[f"arrivals_{year}_without"]
    top = float(np.nanmax([fitted.max(), without.max(), 1.0])) * 1.05
    left.scatter(fitted, without, s=14, color="tab:blue")
    left.plot([0, top], [0, top], color="0.4", lw=0.8, ls="--", label="no effect")
    left.set_xlim(0, top)
    left.set_ylim(0, top)
    left.set_xlabel(f"{group} arrivals in {year}, as fitted (people)")
    left.set_ylabel(f"{group} arrivals in {year}, without the arrangement (people)")
    left.set_title("Each posterior draw, common random numbers", fontsize=10)
    left.legend(fontsize=8, loc="upper left")
    left.xaxis.set_major_formatter(mticker.StrMethodFormatter("{x:,.0f}"))
    left.yaxis.set_major_formatter(mticker.StrMethodFormatter("{x:,.0f}"))
    x = "loss_if_returned" if "loss_if_returned" in table else "draw"
    right.scatter(table[x], 100 * table["reduction"], s=14, color="tab:orange",
                  label=f"{group} arrivals averted in {year}, % of those without the arrangement")
    right.scatter(table[x], 100 * table["share_of_fall"], s=14, color="tab:purple", marker="x",
                  label=f"the same, % of the modelled fall from {year - 1} to {year}")
    right.set_xlabel(parameter_label(x) if x != "draw" else "posterior draw")
    right.axhline(0, color="0.4", lw=0.8)
    right.set_ylim(min(0.0, float(np.nanmin(100 * table[["reduction", "share_of_fall"]].to_numpy())) * 1.1), 100)
    right.set_ylabel("arrivals averted (%)")
    right.legend(fontsize=7, loc="upper left")
    right.set_title(f"The arrangement of {since:%-d %B %Y}", fontsize=10)
    return _save(fig, path, note)


def forecast_figure(table: pd.DataFrame, observed: pd.Series, past: pd.DataFrame, path: Path, note: str = "") -> Path:
    """Monthly arrivals: the observed (``observed``, by period), the runs' in-sample bands (``past``: a
    column a run) and the forecast's (``table``: median and q05/q25/q75/q95 by month)."""
    fig, ax = plt.subplots(figsize=(11, 4.6))
    if past.shape[1]:
        _bands(ax, past.index.to_timestamp(), past, "tab:gray", "in sample")
    x = pd.PeriodIndex(table.index, freq="M").to_timestamp()
    ax.fill_between(x, table["q05"], table["q95"], color="tab:red", alpha=0.18, label="forecast 90% band")
    ax.fill_between(x, table["q25"], table["q75"], color="tab:red", alpha=0.35, label="forecast 50% band")
    ax.plot(x, table["median"], color="tab:red", lw=1.8, marker="o", ms=3, label="forecast median")
    ax.plot(observed.index.to_timestamp(), observed.to_numpy(), color="black", marker="o", ms=3, lw=1.2,
            label="observed (Home Office)")
    ax.axvline(x[0], color="black", lw=0.8, ls="--")
    ax.set_title("Small-boat arrivals a month: the observed, the posterior-predictive in sample and the forecast",
                 fontsize=10)
    ax.set_ylabel("arrivals (people/month)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, ncol=2, loc="upper left")
    _date_axis(ax)
    return _save(fig, path, note)


def model_choice_figure(kept: dict, observed: pd.Series, path: Path, note: str = "") -> Path:
    """One panel an origin: each variant's kept runs (``kept[(origin, variant)]``: monthly arrivals, a
    column a run) as median and 90% band, against the observed months, the origin marked."""
    origins = sorted({o for o, _ in kept})
    fig, axes = plt.subplots(1, max(len(origins), 1), figsize=(6.5 * max(len(origins), 1), 4.4), squeeze=False)
    first = pd.Period("2024-07", "M")
    for ax, origin in zip(axes[0], origins, strict=False):
        for i, (variant, frame) in enumerate((v, f) for (o, v), f in kept.items() if o == origin):
            f = frame.loc[(frame.index >= first) & (frame.index <= observed.index[-1])]
            x = f.index.to_timestamp()
            q = f.quantile([0.05, 0.5, 0.95], axis=1).T
            if f.shape[1] >= MIN_BAND_MEMBERS:
                ax.fill_between(x, q[0.05], q[0.95], color=f"C{i}", alpha=0.15)
            ax.plot(x, q[0.5], color=f"C{i}", lw=1.6, label=f"{variant} ({f.shape[1]} runs)")
        obs = observed[observed.index >= first]
        ax.plot(obs.index.to_timestamp(), obs.to_numpy(), "ko-", ms=3, lw=1.2, label="observed (Home Office)")
        ax.axvline(pd.Timestamp(origin), color="black", ls="--", lw=0.8)
        ax.set_title(f"Fitted to {origin:%-d %B %Y}, forecast after it", fontsize=10)
        ax.set_ylabel("arrivals (people/month)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="upper left")
        _date_axis(ax)
    return _save(fig, path, note)
