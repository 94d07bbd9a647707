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

from mesa.visualization import SolaraViz, make_plot_component

from model import ChannelModel

START = "2025-06-01"
WARMUP_DAYS = 120

MODEL_PARAMS = {
    "rng": {"type": "InputText", "value": "1", "label": "Seed"},
    "quota_schedule": {"type": "Select", "value": "weekly", "values": ["none", "weekly", "ramp", "published"],
                       "label": "Returns quota schedule"},
    "returns_per_week": {"type": "SliderFloat", "value": 50.0, "min": 0.0, "max": 400.0, "step": 10.0,
                         "label": "Returns per week"},
    "returns_start": {"type": "InputText", "value": "2025-09-18", "label": "Returns start (YYYY-MM-DD)"},
    "ramp_per_week": {"type": "SliderFloat", "value": 10.0, "min": 0.0, "max": 100.0, "step": 5.0,
                      "label": "Ramp: growth per week"},
    "crackdown_intensity": {"type": "SliderFloat", "value": 0.25, "min": 0.0, "max": 1.0, "step": 0.05,
                            "label": "Crackdown on illegal work"},
    "beach_prevention_share": {"type": "SliderFloat", "value": 0.4, "min": 0.0, "max": 0.9, "step": 0.05,
                               "label": "French beach prevention"},
    "in_water_interception": {"type": "Checkbox", "value": False, "label": "In-water interception"},
    "belief_rule": {"type": "Select", "value": "bayesian", "values": ["bayesian", "trust"], "label": "Belief rule"},
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
