"""An interactive explorer on Mesa's SolaraViz.

In Jupyter::

    from experiments.explorer import page
    page

In a browser: ``channelsim explore`` serves it on http://127.0.0.1:8765.

Controls: the returns quota (schedule, weekly number, start, ramp), the
crackdown on illegal working, French beach prevention and the in-water
tactic, the belief rule, and the seed. Each change re-creates the model
(warmed up to 1 June 2025); Step and Play advance it a day at a time.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, get_args

from mesa.visualization import SolaraViz, make_plot_component

from core.params import SECTIONS, describe
from model import ChannelModel

START = "2025-06-01"
WARMUP_DAYS = 120

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
            "step": step, "label": label}


PARAMETERS = {row["name"]: row for row in describe()}
MODEL_PARAMS = {
    "rng": {"type": "InputText", "value": "1", "label": "Seed"},
    **{name: control(PARAMETERS[name], label, step) for name, (label, step) in CONTROLS.items()},
    "start": START,
    "warmup_days": WARMUP_DAYS,
}


def _titled(title: str):
    def post_process(ax):
        ax.set_title(title, fontsize=10)
        ax.set_xlabel(f"days from {START}")
    return post_process


COMPONENTS = [
    make_plot_component({"arrivals": "tab:blue", "prevented_people": "tab:orange"},
                        post_process=_titled("Arrivals and prevented (people/day)")),
    make_plot_component({"returns": "tab:red", "legal_admissions": "tab:green"},
                        post_process=_titled("Returns and legal admissions (people/day)")),
    make_plot_component({"deaths": "k"}, post_process=_titled("Deaths (people/day)")),
    make_plot_component({"perceived_return_probability": "tab:red", "perceived_job_prospect": "tab:blue"},
                        post_process=_titled("Mean beliefs of people waiting")),
    make_plot_component({"seat_price": "tab:purple"}, post_process=_titled("Seat price (GBP)")),
]


def make_page(**overrides):
    """A SolaraViz page, its model created with the default controls (and ``overrides``)."""
    defaults = {k: (v["value"] if isinstance(v, dict) else v) for k, v in MODEL_PARAMS.items()}
    model = ChannelModel(**{**defaults, **overrides})
    return SolaraViz(model, components=COMPONENTS, model_params=MODEL_PARAMS, name="channelsim explorer",
                     play_interval=50)


page = make_page()
