"""An interactive explorer on Mesa's SolaraViz components.

In Jupyter:

    from channelsim.experiments.explorer import page
    page

In a browser: ``channelsim explore`` serves it on http://127.0.0.1:8765.

Controls: the returns quota (schedule, weekly number, start, ramp), the
crackdown on illegal working, French beach prevention and the in-water
tactic, the belief rule, and the seed. Each browser tab has its own model,
created when the page opens (warmed up to 1 June 2025). A changed control is
checked at once against the parameters' rules (a message under the field says
what is wrong, and the last good value stays in use); Reset re-creates the
model with the controls' values. Step runs a day (or "days per Step"); Play
runs at the chosen speed (30 days a second unless changed: the first returns,
in October 2025, show within seconds) and redraws the charts twice a second.

The layout is SolaraViz's, with Mesa's ``ComponentsView`` for the charts;
the inputs and the Reset/Play/Step controls are drawn here so that a field
can show its value and its error, and so that Play redraws at a pace of its
own rather than after every day.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any, get_args

import matplotlib.dates as mdates
import pandas as pd
import solara
from matplotlib.figure import Figure
from mesa.visualization.solara_viz import ComponentsView
from mesa.visualization.utils import force_update, update_counter

from channelsim.core.errors import ChannelsimError
from channelsim.core.params import SECTIONS, describe
from channelsim.core.scenarios import apply_overrides, load
from channelsim.model import COLUMNS, ChannelModel

START = "2025-06-01"
WARMUP_DAYS = 120
DAYS_PER_SECOND = 30        # Play's default speed (a slider, up to MOST_DAYS_PER_SECOND); a day takes ~5 ms to run
MOST_DAYS_PER_SECOND = 150
REDRAW_SECONDS = 0.5        # while playing, the charts are redrawn this often

# The controls: parameter name -> (short label, slider step). Defaults, ranges and the allowed values
# of a choice come from core.params (`channelsim params` lists their units and sources).
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


def control(row: dict[str, Any], label: str, step: float | None) -> dict[str, Any]:
    """A SolaraViz control for a parameter (a row of ``core.params.describe()``)."""
    default = row["default"]
    choices = get_args(SECTIONS[row["section"]].model_fields[row["name"]].annotation)
    if isinstance(default, bool):
        return {"type": "Checkbox", "value": default, "label": label}
    if isinstance(default, dt.date):
        return {"type": "InputText", "value": default.isoformat(), "label": f"{label} (YYYY-MM-DD)"}
    if choices:
        return {"type": "Select", "value": default, "values": list(choices), "label": label}
    return {"type": "SliderFloat", "value": float(default), "min": float(row["min"]), "max": float(row["max"]),
            "step": step, "label": label, "unit": row["unit"]}


PARAMETERS = {row["name"]: row for row in describe()}
MODEL_PARAMS = {
    "rng": {"type": "InputText", "value": "1", "label": "Seed (a whole number, 0 or more)"},
    **{name: control(PARAMETERS[name], label, step) for name, (label, step) in CONTROLS.items()},
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
        apply_overrides(load(None), {name: values[name] for name in CONTROLS}, origin="explorer")
    except ChannelsimError as error:
        return str(error).removeprefix("explorer: ")
    return None


def new_model(values: dict[str, Any]) -> ChannelModel:
    return ChannelModel(**values)


# --- the charts: each a title, a unit and the columns drawn (their legend is the column's meaning) ---------
CHARTS = [
    ("Arrivals and people stopped on the beach", "people per day", {"arrivals": "tab:blue",
                                                                   "prevented_people": "tab:orange"}),
    ("Returns to France and legal admissions", "people per day", {"returns": "tab:red",
                                                                  "legal_admissions": "tab:green"}),
    ("Deaths at sea", "people per day", {"deaths": "black"}),
    ("Mean beliefs of people waiting in France", "probability (0 to 1)",
     {"perceived_return_probability": "tab:red", "perceived_job_prospect": "tab:blue"}),
    ("Seat price on a boat", "GBP per seat", {"seat_price": "tab:purple"}),
]


def recorded(model: ChannelModel, columns: list[str]) -> pd.DataFrame:
    """The recorded days of ``columns``, complete rows only (Play records in another thread)."""
    series = model.datacollector.model_vars
    days = min(len(series[c]) for c in columns)
    return pd.DataFrame({c: series[c][:days] for c in columns})


def chart(title: str, unit: str, lines: dict[str, str]):
    """A chart component: the recorded days of ``lines`` (column -> colour) against calendar dates."""

    @solara.component
    def Chart(model: ChannelModel):
        update_counter.get()
        frame = recorded(model, list(lines))
        dates = pd.Timestamp(model.start) + pd.to_timedelta(frame.index, unit="D")
        fig = Figure(figsize=(6, 3.4), layout="constrained")
        ax = fig.subplots()
        for column, colour in lines.items():
            ax.plot(dates, frame[column] if len(frame) else [], color=colour, label=COLUMNS[column][1])
        first = pd.Timestamp(model.start)   # at least two weeks wide, so that ticks are days, not hours
        ax.set_xlim(first, max(first + pd.Timedelta(days=14), dates.max() if len(frame) else first))
        locator = mdates.AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        ax.set_title(title, fontsize=10)
        ax.set_ylabel(unit)
        ax.set_xlabel("date")
        ax.legend(loc="upper left", fontsize=8)
        solara.FigureMatplotlib(fig, format="png", dependencies=[model, len(frame)])

    return Chart


COMPONENTS = [chart(*spec) for spec in CHARTS]


@solara.component
def Status(model: ChannelModel):
    """The model's day, the last date recorded and the returns so far."""
    update_counter.get()
    frame = recorded(model, ["returns"])
    solara.Text(f"Time: {model.time} days from {model.start:%d %b %Y}")
    if len(frame):
        last = model.start + dt.timedelta(days=len(frame) - 1)
        solara.Text(f"Recorded to {last:%a %d %b %Y}")
    solara.Text(f"Returned to France so far: {int(frame['returns'].sum()) if len(frame) else 0:,} people")


@solara.component
def Inputs(values: solara.Reactive[dict]):
    """The controls: each shows its value, and a message under it when the value is refused."""
    shown = solara.use_reactive(dict(values.value))    # what each field shows, refused or not
    errors = solara.use_reactive({})

    def change(name: str, value: Any) -> None:
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


@solara.component
def Controller(model: solara.Reactive[ChannelModel], values: solara.Reactive[dict]):
    """Reset, Play and Step. Play runs days in a thread of its own at the chosen speed and redraws the
    charts every REDRAW_SECONDS, so the page answers clicks while it plays (Mesa's ModelController redraws
    after every day, and a year of days would take minutes)."""
    playing = solara.use_reactive(False)
    days_per_second = solara.use_reactive(DAYS_PER_SECOND)
    days_per_step = solara.use_reactive(1)
    error = solara.use_reactive(None)

    def run_days(days: int) -> None:
        for _ in range(days):
            if not model.value.running:
                break
            model.value.step()

    def play() -> None:
        try:
            while playing.value and model.value.running:
                began, days = time.monotonic(), 0
                while playing.value and model.value.running and time.monotonic() - began < REDRAW_SECONDS:
                    run_days(1)
                    days += 1
                    time.sleep(max(0.0, days / days_per_second.value - (time.monotonic() - began)))
                force_update()
        except Exception as problem:  # noqa: BLE001 (shown on the page, which keeps working)
            error.value = f"The model stopped: {problem}"
        finally:
            playing.value = False

    solara.lab.use_task(play, dependencies=[playing.value], prefer_threaded=True)

    def step() -> None:
        try:
            run_days(days_per_step.value)
        except Exception as problem:  # noqa: BLE001
            error.value = f"The model stopped: {problem}"
        force_update()

    def reset() -> None:
        playing.value = False
        error.value = None
        try:
            model.value = new_model(values.value)
        except ChannelsimError as problem:
            error.value = str(problem)

    solara.SliderInt(f"Play speed: {days_per_second.value} days per second", value=days_per_second,
                     min=1, max=MOST_DAYS_PER_SECOND)
    solara.SliderInt(f"Days per Step: {days_per_step.value}", value=days_per_step, min=1, max=60)
    with solara.Row(justify="space-between"):
        solara.Button(label="Reset", color="primary", on_click=reset)
        solara.Button(label="❚❚" if playing.value else "▶", color="primary",
                      on_click=lambda: playing.set(not playing.value), disabled=not model.value.running)
        solara.Button(label="Step", color="primary", on_click=step, disabled=playing.value)
    solara.Text("Reset applies the parameters below.")
    if error.value:
        solara.Warning(error.value)


@solara.component
def Explorer(overrides: dict[str, Any] | None = None):
    """The page: one model per browser session, built from the controls' defaults (and ``overrides``)."""
    initial = {**DEFAULTS, **(overrides or {})}
    values = solara.use_reactive(initial)               # the last accepted value of every control
    model = solara.use_reactive(solara.use_memo(lambda: new_model(initial), []))

    with solara.AppBar():
        solara.AppBarTitle("channelsim explorer")
    with solara.Sidebar(), solara.Column():
        with solara.Card("Controls"):
            Controller(model, values)
        with solara.Card("Model parameters"):
            Inputs(values)
        with solara.Card("Information"):
            Status(model.value)
    ComponentsView([(c, 0) for c in COMPONENTS], model.value)


def make_page(**overrides):
    """The explorer page (a Solara element); each session builds its model from the controls and ``overrides``."""
    return Explorer(overrides=overrides)


page = make_page()
