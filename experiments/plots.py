"""Figures as PNG: they take tables (and names), never a sweep, a calibration or an analysis module.

Sweeps: the deterrence curve with bands, fan charts, sensitivity bars. Inference: the posterior, the
validation bands, the counterfactual, the shocks' grid. Each writes one file and returns its path.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

QUOTA = "returns_per_week"


def deterrence_curve(summary: pd.DataFrame, change: pd.DataFrame | None, path: Path, outcome: str = "arrivals",
                     title: str = "deterrence curve") -> Path | None:
    """Outcome (and change against the reference) by weekly quota, one line per other level, with bands.

    ``summary`` is a grid sweep's bands by design point (``experiments.sweeps.analysis.summarise``),
    ``change`` each run against its reference (``analysis.deterrence``) or None without reference
    runs; both have a ``param_NAME`` column per swept parameter. None if the quota was not swept.
    """
    if f"param_{QUOTA}" not in summary:
        return None
    others = [c for c in summary.columns if c.startswith("param_") and c != f"param_{QUOTA}"
              and summary[c].nunique() > 1]
    fig, axes = plt.subplots(1, 2 if change is not None else 1, figsize=(12 if change is not None else 6.5, 4.5),
                             squeeze=False)
    groups = summary.groupby(others) if others else [((), summary)]
    for key, rows in groups:
        rows = rows.sort_values(f"param_{QUOTA}")
        values = key if isinstance(key, tuple) else (key,)
        label = ", ".join(f"{c.removeprefix('param_')} = {v}" for c, v in zip(others, values, strict=True))
        x = rows[f"param_{QUOTA}"]
        line, = axes[0, 0].plot(x, rows["median"], marker="o", label=label or None)
        axes[0, 0].fill_between(x, rows["q05"], rows["q95"], color=line.get_color(), alpha=0.15)
        axes[0, 0].fill_between(x, rows["q25"], rows["q75"], color=line.get_color(), alpha=0.25)
    axes[0, 0].set_xlabel("returns quota (people/week)")
    axes[0, 0].set_ylabel(f"{outcome} in the window")
    axes[0, 0].set_title(f"{outcome}: median, 50% and 90% bands")
    if change is not None:
        key_cols = [f"param_{QUOTA}", *others]
        bands = change.groupby(key_cols)[f"change_{outcome}"].quantile([0.05, 0.5, 0.95]).unstack().reset_index()
        for _, rows in (bands.groupby(others) if others else [((), bands)]):
            rows = rows.sort_values(f"param_{QUOTA}")
            x = rows[f"param_{QUOTA}"]
            line, = axes[0, 1].plot(x, -100 * rows[0.5], marker="o")
            axes[0, 1].fill_between(x, -100 * rows[0.05], -100 * rows[0.95], color=line.get_color(), alpha=0.2)
        axes[0, 1].axhline(0, color="k", lw=0.8)
        axes[0, 1].set_xlabel("returns quota (people/week)")
        axes[0, 1].set_ylabel(f"% fewer {outcome} than the reference (same seed)")
        axes[0, 1].set_title("deterred: median and 90% band")
    if others:
        axes[0, 0].legend(fontsize=8)
    for ax in axes.flat:
        ax.grid(alpha=0.3)
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def fan_chart(series: pd.DataFrame, runs: pd.DataFrame, path: Path, column: str = "arrivals",
              max_points: int = 6) -> Path | None:
    """The weekly series of a few design points (and the reference): median and 90% band over replicates."""
    if column not in series:
        return None
    good = runs[runs["status"] == "ok"][["run_id", "point"]]
    data = series.merge(good, on="run_id")
    points = sorted(data["point"].unique())
    chosen = [p for p in points if p == -1] + [p for p in points if p >= 0][:: max(1, len(points) // max_points)]
    fig, ax = plt.subplots(figsize=(11, 4.5))
    for point in chosen[: max_points + 1]:
        rows = data[data["point"] == point].groupby("date")[column]
        q = rows.quantile([0.05, 0.5, 0.95]).unstack()
        label = "reference" if point == -1 else f"point {point}"
        line, = ax.plot(q.index, q[0.5], lw=1.3, label=label, color="k" if point == -1 else None)
        ax.fill_between(q.index, q[0.05], q[0.95], color=line.get_color(), alpha=0.12)
    ax.set_ylabel(column)
    ax.set_title(f"{column}: median and 90% band over replicates")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, ncol=2)
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def index_bars(indices: pd.DataFrame, path: Path) -> Path:
    """Sobol S1 and ST (or Morris mu*) with their 95% intervals, one panel per outcome."""
    outcomes = list(indices["outcome"].unique())
    fig, axes = plt.subplots(1, len(outcomes), figsize=(5.5 * len(outcomes), 4.5), squeeze=False)
    for ax, outcome in zip(axes.flat, outcomes, strict=True):
        rows = indices[indices["outcome"] == outcome]
        y = range(len(rows))
        if "S1" in rows:
            ax.barh([i + 0.2 for i in y], rows["ST"], height=0.4, xerr=rows["ST_conf"], label="total (ST)")
            ax.barh([i - 0.2 for i in y], rows["S1"], height=0.4, xerr=rows["S1_conf"], label="first order (S1)")
        else:
            ax.barh(list(y), rows["mu_star"], xerr=rows["mu_star_conf"], label="mu*")
        ax.set_yticks(list(y), rows["parameter"])
        ax.set_title(outcome)
        ax.grid(alpha=0.3, axis="x")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def posterior_plot(posterior: pd.DataFrame, priors: dict[str, tuple[float, float]], path: Path) -> Path:
    """Each free parameter's weighted posterior histogram (``posterior``: a column each and ``weight``)
    over its prior range (``priors``: name -> (lowest, highest))."""
    names = [n for n in priors if n in posterior]
    cols = 4
    rows = -(-len(names) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 2.5 * rows), squeeze=False)
    for ax, name in zip(axes.flat, names, strict=False):
        lo, hi = priors[name]
        ax.hist(posterior[name], weights=posterior["weight"], bins=20, range=(lo, hi), color="tab:blue", alpha=0.8)
        ax.set_title(name, fontsize=9)
        ax.set_yticks([])
    for ax in list(axes.flat)[len(names):]:
        ax.set_visible(False)
    fig.suptitle("Posterior of the free parameters (histograms span the prior ranges)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def _bands(ax, x, ensemble: pd.DataFrame, color: str, label: str) -> None:
    q = ensemble.quantile([0.05, 0.25, 0.5, 0.75, 0.95], axis=1).T
    ax.fill_between(x, q[0.05], q[0.95], color=color, alpha=0.18, label=f"{label} 90%")
    ax.fill_between(x, q[0.25], q[0.75], color=color, alpha=0.35, label=f"{label} 50%")
    ax.plot(x, q[0.5], color=color, lw=1.5, label=f"{label} median")


def validation_figures(sim_monthly: pd.DataFrame, obs_monthly: pd.Series, sim_weekly: pd.DataFrame,
                       obs_weekly: pd.Series, sim_ppb: pd.DataFrame, obs_ppb: pd.Series,
                       folder: Path) -> dict[str, Path]:
    """Posterior-predictive bands against the observed monthly and weekly arrivals and people per boat."""
    paths = {}
    for key, sim, obs, title in (("monthly", sim_monthly, obs_monthly, "Arrivals a month"),
                                 ("weekly", sim_weekly, obs_weekly, "Arrivals a week")):
        x = obs.index.to_timestamp() if hasattr(obs.index, "to_timestamp") else obs.index
        fig, ax = plt.subplots(figsize=(11, 4.2))
        _bands(ax, x, sim, "tab:blue", "model")
        ax.plot(x, obs.to_numpy(), color="black", lw=1 if key == "weekly" else 1.4,
                marker="o" if key == "monthly" else None, ms=3, label="Home Office")
        ax.set_title(f"{title}: posterior-predictive bands and the observed series")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, ncol=2, loc="upper left")
        fig.tight_layout()
        paths[key] = folder / f"validation_{key}.png"
        fig.savefig(paths[key], dpi=110)
        plt.close(fig)
    fig, ax = plt.subplots(figsize=(7, 4))
    years = sim_ppb.index.to_numpy()
    _bands(ax, years, sim_ppb, "tab:orange", "model")
    ax.plot(obs_ppb.index, obs_ppb.to_numpy(), "ko-", label="Home Office")
    ax.set_title("People per boat by year")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    paths["people_per_boat"] = folder / "validation_people_per_boat.png"
    fig.savefig(paths["people_per_boat"], dpi=110)
    plt.close(fig)
    return paths


def counterfactual_figure(table: pd.DataFrame, series: pd.DataFrame, runs: pd.DataFrame, baseline: str,
                          path: Path) -> Path:
    """Crossings deterred so far under each arm (draw by draw against the ``baseline`` scenario) and in the
    twelve months (``table``: the effects, a row an arm and outcome)."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.6), gridspec_kw={"width_ratios": [1.5, 1]})
    meta = runs.set_index("run_id")[["scenario", "point"]]
    s = series.join(meta, on="run_id")
    wide = s.pivot_table(index="date", columns=["scenario", "point"], values="arrivals").sort_index()
    base = wide[baseline]
    arms = [a for a in dict.fromkeys(s["scenario"]) if a != baseline]
    for i, arm in enumerate(arms):
        deterred = (base - wide[arm]).cumsum()          # common random numbers: the same draw under both
        q = deterred.quantile([0.05, 0.5, 0.95], axis=1).T
        left.fill_between(q.index, q[0.05], q[0.95], color=f"C{i}", alpha=0.15)
        left.plot(q.index, q[0.5], color=f"C{i}", lw=1.8, label=arm)
    left.axhline(0, color="black", lw=0.8)
    left.set_title(f"Crossings deterred so far against {baseline} (median, 90% band)", fontsize=10)
    left.grid(alpha=0.3)
    left.legend(fontsize=8, loc="upper left")
    rows = table[table["outcome"] == "arrivals"].reset_index(drop=True)
    y = range(len(rows))
    right.barh(list(y), -rows["change_median"],
               xerr=[(-rows["change_median"]) - (-rows["change_95"]), (-rows["change_5"]) - (-rows["change_median"])],
               color=[f"C{arms.index(a)}" if a in arms else "tab:green" for a in rows["arm"]], alpha=0.8, capsize=4)
    right.axvline(0, color="black", lw=0.8)
    right.set_yticks(list(y), rows["arm"])
    right.set_title("Deterred in twelve months (90% band)", fontsize=10)
    right.grid(alpha=0.3, axis="x")
    fig.autofmt_xdate()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def shocks_figure(table: pd.DataFrame, choice: dict, moments: dict[str, str], path: Path) -> Path:
    """Each moment's simulated mean against the shock size, a line per persistence, and the observed value.

    ``table``: the grid (a row a point, ``MOMENT_mean`` columns); ``choice``: the chosen point with the
    observed and simulated moments; ``moments``: name -> label.
    """
    fig, axes = plt.subplots(1, len(moments), figsize=(10, 3.6))
    for ax, (moment, label) in zip(axes, moments.items(), strict=True):
        for days, rows in table.groupby("upstream_shock_days"):
            ax.plot(rows["upstream_shock_sd"], rows[f"{moment}_mean"], marker="o", label=f"{days:g} days")
        ax.axhline(choice["observed"][moment], color="black", lw=1.5, label="Home Office")
        ax.plot(choice["upstream_shock_sd"], choice["simulated"][moment], marker="*", ms=14, color="crimson",
                ls="none", label="chosen")
        ax.set_xlabel("upstream_shock_sd")
        ax.set_title(label)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8, title="upstream_shock_days", title_fontsize=8)
    fig.suptitle("Upstream shocks: simulated moments (mean over posterior draws) against the observed", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
