"""An interactive explorer: a Solara page in the manner of Mesa's SolaraViz.

In Jupyter:

    from channelsim.experiments.explorer import page
    page

In a browser: ``channelsim explore`` serves it on http://127.0.0.1:8765.

Controls: a shipped scenario, then the returns quota (schedule, weekly number,
start, ramp), the crackdown on illegal working, French beach prevention and the
in-water tactic, the belief rule, and the seed. Picking a scenario sets the
controls to its values. Each browser tab has its own run, created when the page
opens (warmed up to 1 June 2025): the model built from the controls and, for
comparison, the same controls and seed with no deal (no quota, hence no announcement
and no legal admissions: what the shipped ``no_deal`` scenario sets), stepped day by
day together. A changed control is checked at once against the parameters'
rules (a message under the field says what is wrong, and the last good value
stays in use); Reset re-creates both models with the controls' values.

The charts, by day or by week (weeks ending Sunday, as the Home Office
publishes; complete weeks only), draw the model (solid), no deal (dashed) and
the Home Office series where there is one (dotted with dots: arrivals, and
people prevented by week), against calendar dates. The daily table downloads as CSV.

Step runs a day (or "days per Step"). Play runs the days owed at the chosen
speed (30 days a second unless changed; the first returns, in October 2025,
show within seconds) in a batch every REDRAW_SECONDS, then redraws: a slow
redraw makes the next batch larger, so the speed holds, and the page shows the
speed measured since Play. A day of both models takes about 2 ms.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import time
from dataclasses import dataclass
from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import solara
import solara.lab
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from mesa.visualization.utils import force_update, update_counter

from channelsim.core.data import DataError
from channelsim.core.errors import ChannelsimError
from channelsim.core.params import choices as choices_of
from channelsim.core.params import describe
from channelsim.core.scenarios import DEFAULT_SCENARIO, apply_overrides, available, load
from channelsim.model import COLUMNS, ChannelModel, Result
from channelsim.model.result import observed_tables

START = "2025-06-01"
WARMUP_DAYS = 120
NO_DEAL = {"quota_schedule": "none"}   # what makes the comparison run "no deal" (as core/scenarios/no_deal.toml)
DAYS_PER_SECOND = 30        # Play's default speed (a slider, up to MOST_DAYS_PER_SECOND)
MOST_DAYS_PER_SECOND = 150
REDRAW_SECONDS = 0.5        # while playing, the days owed are run and the charts redrawn this often
LEAST_WINDOW_DAYS = 56      # the charts span at least 8 weeks from the start (the observed series show ahead)

# The controls: parameter name -> (short label, slider step). Ranges and the allowed values of a choice
# come from core.params (`channelsim params` lists their units and sources), values from the scenario.
CONTROLS: dict[str, tuple[str, float | None]] = {
    "quota_schedule": ("Returns quota schedule", None),
    "returns_per_week": ("Returns per week", 10.0),
    "returns_start": ("Returns start", None),
    "ramp_per_week": ("Ramp: growth per week", 5.0),
    "crackdown_intensity": ("Crackdown on illegal work", 0.05),
    "beach_prevention_share": ("French beach prevention", 0.05),
    "in_water_interception": ("In-water interception", None),
    "belief_rule": ("Belief rule", None),
}
PARAMETERS = {row["name"]: row for row in describe()}
SCENARIOS = available()


def scenario_values(scenario: str) -> dict[str, Any]:
    """The controls' values in a shipped scenario, as the controls hold them (a date as YYYY-MM-DD)."""
    params = load(scenario)
    values = {name: getattr(getattr(params, PARAMETERS[name]["section"]), name) for name in CONTROLS}
    return {name: value.isoformat() if isinstance(value, dt.date) else value for name, value in values.items()}


def control(row: dict[str, Any], label: str, step: float | None, value: Any) -> dict[str, Any]:
    """A SolaraViz control for a parameter (a row of ``core.params.describe()``) showing ``value``."""
    choices = choices_of(row["section"], row["name"])
    if isinstance(value, bool):
        return {"type": "Checkbox", "value": value, "label": label}
    if isinstance(row["default"], dt.date):
        return {"type": "InputText", "value": value, "label": f"{label} (YYYY-MM-DD)"}
    if choices:
        return {"type": "Select", "value": value, "values": list(choices), "label": label}
    return {"type": "SliderFloat", "value": float(value), "min": float(row["min"]), "max": float(row["max"]),
            "step": step, "label": label, "unit": row["unit"]}


# SolaraViz's form: ChannelModel(**values) builds the model ("params" is the scenario's name)
MODEL_PARAMS = {
    "params": {"type": "Select", "value": DEFAULT_SCENARIO, "values": list(SCENARIOS), "label": "Scenario"},
    "rng": {"type": "InputText", "value": "1", "label": "Seed (a whole number, 0 or more)"},
    **{name: control(PARAMETERS[name], label, step, scenario_values(DEFAULT_SCENARIO)[name])
       for name, (label, step) in CONTROLS.items()},
    "start": START,
    "warmup_days": WARMUP_DAYS,
}
DEFAULTS = {k: (v["value"] if isinstance(v, dict) else v) for k, v in MODEL_PARAMS.items()}


def problem_with(values: dict[str, Any]) -> str | None:
    """What is wrong with the controls' values, in words, or None (the checks the model makes when built)."""
    seed = str(values["rng"]).strip()
    if not seed.isdigit():
        return f"The seed must be a whole number, 0 or more, not {seed!r}."
    try:
        apply_overrides(load(values["params"]), {name: values[name] for name in CONTROLS}, origin="explorer")
    except ChannelsimError as error:
        return str(error).removeprefix("explorer: ")
    return None


@dataclass(eq=False)
class Run:
    """The model built from the controls and its no-deal counterpart (the same controls and seed with no
    deal), stepped together so that each day of one has its counterpart in the other (common random
    numbers): the difference is the deal's effect."""

    model: ChannelModel
    no_deal: ChannelModel

    @classmethod
    def of(cls, values: dict[str, Any]) -> Run:
        model = ChannelModel(**values)
        return cls(model, ChannelModel(**{**values, **NO_DEAL}))

    def run_days(self, days: int) -> None:
        for _ in range(days):
            if not self.model.running:
                break
            self.model.step()
            self.no_deal.step()


def result_of(model: ChannelModel) -> Result:
    """The days ``model`` has recorded, as a Result (complete rows only: Play records in another thread)."""
    frame = model.datacollector.get_model_vars_dataframe().reset_index()
    return Result(series=frame, params=model.params, seed=model.seed, start=str(model.start), days=len(frame))



def daily_csv(model: ChannelModel) -> str:
    """The daily table of the days run, as ``channelsim run`` writes series.csv."""
    buffer = io.StringIO()
    result_of(model).to_csv(buffer)
    return buffer.getvalue()


def by_period(model: ChannelModel, period: str) -> pd.DataFrame:
    """The recorded days by ``period`` ("day", or "week": complete weeks ending Sunday), indexed by date."""
    result = result_of(model)
    return result.weekly(complete_only=True) if period == "week" else result.series.set_index("date")


def observed_series() -> tuple[dict[str, pd.DataFrame], str | None]:
    """The Home Office series under the model's column names, by period; or none and why not."""
    try:
        return observed_tables(), None
    except DataError as error:
        return {}, f"The Home Office series are not shown: {error}"


@dataclass(eq=False)
class View:
    """What the charts of a period draw: the model's, no deal's and the observed tables over the window."""

    period: str
    model: pd.DataFrame
    no_deal: pd.DataFrame
    observed: pd.DataFrame | None
    first: pd.Timestamp
    last: pd.Timestamp

    @classmethod
    def of(cls, run: Run, period: str, observed: dict[str, pd.DataFrame]) -> View:
        model = by_period(run.model, period)
        first = pd.Timestamp(run.model.start)
        last = max(first + pd.Timedelta(days=LEAST_WINDOW_DAYS), model.index.max() if len(model) else first)
        seen = observed.get(period)
        return cls(period, model, by_period(run.no_deal, period),
                   None if seen is None else seen[(seen.index >= first) & (seen.index <= last)], first, last)


# --- the charts: each a title, a unit ("PERIOD": day or week) and the columns drawn (column -> colour) --
CHARTS = [
    ("Arrivals and people stopped on the beach", "people per PERIOD", {"arrivals": "tab:blue",
                                                                      "prevented_people": "tab:orange"}),
    ("Returns to France and legal admissions", "people per PERIOD", {"returns": "tab:red",
                                                                     "legal_admissions": "tab:green"}),
    ("Deaths at sea", "people per PERIOD", {"deaths": "black"}),
    ("Mean beliefs of people waiting in France", "probability (0 to 1)",
     {"perceived_return_probability": "tab:red", "perceived_job_prospect": "tab:blue"}),
    ("Seat price on a boat", "GBP per seat", {"seat_price": "tab:purple"}),
]
PERIODS = {"By day": "day", "By week": "week"}   # tab name -> period
NO_DAYS_YET = {"day": "No days run yet: press Step or ▶",
               "week": "No complete week yet (weeks end on Sunday): press Step or ▶"}


def draw(title: str, unit: str, lines: dict[str, str], view: View) -> Figure:
    """A chart of ``lines`` in ``view``: the model solid, no deal dashed, the observed series dotted with dots.
    The y axis runs from 0 to above the highest value drawn (to 1 when all are 0), never around a flat line."""
    fig = Figure(figsize=(6, 4), layout="constrained")
    ax = fig.subplots()
    drawn = [np.zeros(0)]
    for column, colour in lines.items():
        ax.plot(view.model.index, view.model[column], color=colour, lw=1.4, gid=f"model-{column}")
        ax.plot(view.no_deal.index, view.no_deal[column], color=colour, lw=1.0, ls="--", gid=f"no-deal-{column}")
        drawn += [view.model[column].to_numpy(float), view.no_deal[column].to_numpy(float)]
        if view.observed is not None and column in view.observed:
            seen = view.observed[column]
            ax.plot(seen.index, seen, color=colour, lw=0.8, ls=":", marker="o", ms=2.5, gid=f"observed-{column}")
            drawn.append(seen.to_numpy(float))
    top = np.nanmax(np.concatenate(drawn), initial=0.0)
    ax.set_ylim(0, top * 1.08 if top > 0 else 1)
    ax.set_xlim(view.first, view.last)
    if not len(view.model):
        ax.text(0.5, 0.5, NO_DAYS_YET[view.period], transform=ax.transAxes, ha="center", color="0.3",
                bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none"})
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_title(title, fontsize=10)
    ax.set_ylabel(unit.replace("PERIOD", view.period), fontsize=9)
    ax.grid(alpha=0.3)
    handles = [Line2D([], [], color=colour, label=COLUMNS[column][1]) for column, colour in lines.items()]
    handles.append(Line2D([], [], color="0.4", ls="--", lw=1.0, label="no deal (same seed)"))
    if view.observed is not None and set(lines) & set(view.observed):
        handles.append(Line2D([], [], color="0.4", ls=":", lw=0.8, marker="o", ms=2.5, label="observed (Home Office)"))
    fig.legend(handles=handles, loc="outside lower center", ncols=2, fontsize=7, frameon=False)
    return fig


@solara.component
def Chart(title: str, unit: str, lines: dict[str, str], view: View):
    figure = solara.use_memo(lambda: draw(title, unit, lines, view), [view])
    solara.FigureMatplotlib(figure, dependencies=[view], format="svg")


@solara.component
def Charts(run: Run, period: str, observed: dict[str, pd.DataFrame]):
    """The charts of one period, redrawn when a day has been recorded."""
    update_counter.get()
    days = (run.model.datacollector.days, run.no_deal.datacollector.days)
    view = solara.use_memo(lambda: View.of(run, period, observed), [run, period, days])
    model = run.model
    solara.Text(f"Solid: {model.params.name}, seed {model.seed}; dashed: the same with no deal, the same seed"
                + ("; dotted with dots: the Home Office series." if observed else "."))
    with solara.GridFixed(columns=2):
        for spec in CHARTS:
            Chart(*spec, view)


@solara.component
def Status(run: Run, observed_problem: str | None):
    """The model's day, the last date recorded, and the returns and arrivals so far (against no deal)."""
    update_counter.get()
    model, no_deal = run.model, run.no_deal
    days = model.datacollector.days
    series, no_deal_series = model.datacollector.model_vars, no_deal.datacollector.model_vars
    solara.Text(f"Time: {model.time} days from {model.start:%d %b %Y}")
    if days:
        last = model.start + dt.timedelta(days=days - 1)
        solara.Text(f"Recorded to {last:%a %d %b %Y}")
    solara.Text(f"Returned to France so far: {int(sum(series['returns'][:days])):,} people")
    solara.Text(f"Arrivals so far: {int(sum(series['arrivals'][:days])):,} "
                f"(no deal: {int(sum(no_deal_series['arrivals'][:days])):,})")
    if observed_problem:
        solara.Warning(observed_problem)


@solara.component
def Download(model: ChannelModel):
    """The daily table of the days run so far, as CSV (made when clicked)."""
    data = solara.use_memo(lambda: functools.partial(daily_csv, model), [model])
    solara.FileDownload(data, filename=f"channelsim_{model.params.name}_seed{model.seed}_from_{model.start}.csv",
                        label="Download the daily table (CSV)", mime_type="text/csv")


@solara.component
def Inputs(values: solara.Reactive[dict]):
    """The controls: each shows its value, and a message under it when the value is refused. Picking a
    scenario sets the others to its values."""
    shown = solara.use_reactive(dict(values.value))    # what each field shows, refused or not
    errors = solara.use_reactive({})

    def change(name: str, value: Any) -> None:
        if name == "params":
            values.value = shown.value = {**values.value, "params": value, **scenario_values(value)}
            errors.value = {}
            return
        shown.value = {**shown.value, name: value}
        problem = problem_with({**values.value, name: value})
        errors.value = {k: v for k, v in errors.value.items() if k != name} | ({name: problem} if problem else {})
        if not problem:
            values.value = {**values.value, name: value}

    for name, spec in MODEL_PARAMS.items():
        if not isinstance(spec, dict):
            continue

        def on_value(value, name=name):
            change(name, value)

        value, label = shown.value[name], spec["label"]
        if spec["type"] == "InputText":
            solara.InputText(label, value=value, on_value=on_value, error=errors.value.get(name, False))
        elif spec["type"] == "Checkbox":
            solara.Checkbox(label=label, value=value, on_value=on_value)
        elif spec["type"] == "Select":
            solara.Select(label, value=value, values=spec["values"], on_value=on_value)
        else:
            solara.SliderFloat(f"{label}: {value:g} {spec['unit']}", value=value, min=spec["min"],
                               max=spec["max"], step=spec["step"], on_value=on_value)
        if name == "params":
            solara.Text(SCENARIOS[value])


@solara.component
def Controller(run: solara.Reactive[Run], values: solara.Reactive[dict]):
    """Reset, Play and Step. Play runs in a thread of its own, so the page answers clicks while it plays
    (Mesa's ModelController redraws after every day, and a year of days would take minutes)."""
    playing = solara.use_reactive(False)
    days_per_second = solara.use_reactive(DAYS_PER_SECOND)
    measured = solara.use_reactive(None)   # days a second since Play was pressed
    days_per_step = solara.use_reactive(1)
    error = solara.use_reactive(None)

    def play() -> None:
        began = last = time.monotonic()
        owed, played = 0.0, 0
        try:
            while playing.value and run.value.model.running:
                time.sleep(REDRAW_SECONDS)
                now = time.monotonic()
                owed += days_per_second.value * (now - last)   # the time since the last batch, redraw included
                last = now
                run.value.run_days(int(owed))
                played += int(owed)
                owed -= int(owed)
                measured.value = played / (time.monotonic() - began)
                force_update()
        except Exception as problem:  # noqa: BLE001 (shown on the page, which keeps working)
            error.value = f"The model stopped: {problem}"
        finally:
            playing.value = False

    solara.lab.use_task(play, dependencies=[playing.value], prefer_threaded=True)

    def step() -> None:
        try:
            run.value.run_days(days_per_step.value)
        except Exception as problem:  # noqa: BLE001
            error.value = f"The model stopped: {problem}"
        force_update()

    def reset() -> None:
        playing.value = False
        error.value = measured.value = None
        try:
            run.value = Run.of(values.value)
        except ChannelsimError as problem:
            error.value = str(problem)

    solara.SliderInt(f"Play speed: {days_per_second.value} days per second", value=days_per_second,
                     min=1, max=MOST_DAYS_PER_SECOND)
    if measured.value is not None:
        solara.Text(f"Played at {measured.value:.1f} days per second (measured)")
    solara.SliderInt(f"Days per Step: {days_per_step.value}", value=days_per_step, min=1, max=60)
    with solara.Row(justify="space-between"):
        solara.Button(label="Reset", color="primary", on_click=reset)
        solara.Button(label="❚❚" if playing.value else "▶", color="primary",
                      on_click=lambda: playing.set(not playing.value), disabled=not run.value.model.running)
        solara.Button(label="Step", color="primary", on_click=step, disabled=playing.value)
    solara.Text("Reset applies the parameters below.")
    if error.value:
        solara.Warning(error.value)


@solara.component
def Explorer(overrides: dict[str, Any] | None = None):
    """The page: one run per browser session, built from the controls' defaults (and ``overrides``)."""
    initial = {**DEFAULTS, **(overrides or {})}
    values = solara.use_reactive(initial)               # the last accepted value of every control
    run = solara.use_reactive(solara.use_memo(lambda: Run.of(initial), []))
    observed, observed_problem = solara.use_memo(observed_series, [])

    with solara.AppBar():
        solara.AppBarTitle("channelsim explorer")
    with solara.Sidebar(), solara.Column():
        with solara.Card("Controls"):
            Controller(run, values)
        with solara.Card("Model parameters"):
            Inputs(values)
        with solara.Card("Information"):
            Status(run.value, observed_problem)
            Download(run.value.model)
    with solara.lab.Tabs(lazy=True):
        for name, period in PERIODS.items():
            with solara.lab.Tab(name):
                Charts(run.value, period, observed)


def make_page(**overrides):
    """The explorer page (a Solara element); each session builds its run from the controls and ``overrides``."""
    return Explorer(overrides=overrides)


page = make_page()
