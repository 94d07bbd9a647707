"""What a run records each day: the columns of the daily series, with units.

Flows count what happened during the day; stocks are taken at the day's end.
The columns are the same in every run, whatever the scenario.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from core.population import STATES

# name: (unit, meaning)
COLUMNS: dict[str, tuple[str, str]] = {
    "date": ("date", "the day"),
    "inflow": ("people/day", "people arriving on the French coast"),
    "waiting": ("people", "people in France at the day's end (returned people included)"),
    "launch_attempts": ("boats/day", "boats that tried to launch (prevented or not)"),
    "prevented_launches": ("boats/day", "launches stopped on the beach or intercepted in the water"),
    "prevented_people": ("people/day", "people on the stopped launches (back to the camps)"),
    "in_water_interceptions": ("boats/day", "boats intercepted in French waters (included in prevented)"),
    "boats_seized": ("boats/day", "boats seized by the French police"),
    "arrivals": ("people/day", "people landed in the UK"),
    "arrivals_own_arrangement": ("people/day", "arrivals of nationalities with a returns arrangement of their own "
                                               "(Albania's from December 2022), before or after it starts"),
    "boats_arrived": ("boats/day", "boats landed in the UK"),
    "people_per_boat": ("people/boat", "arrivals / boats_arrived (empty on days with none)"),
    "deaths": ("people/day", "people who died at sea"),
    "returns": ("people/day", "people returned to France under the pilot"),
    "returns_home_country": ("people/day", "people returned to their own country under its own arrangement"),
    "legal_applications": ("people/day", "applications to the legal route"),
    "legal_admissions": ("people/day", "people admitted to the UK by the legal route"),
    "legal_queue": ("people", "applications waiting at the day's end"),
    "detained": ("people", "people in detention at the day's end"),
    "left_elsewhere": ("people/day", "people who left the coast for elsewhere in Europe"),
    "bookings": ("people/day", "people who paid a gang for a seat"),
    "perceived_return_probability": ("probability", "mean perceived return chance of people waiting"),
    "perceived_return_probability_sd": ("probability", "its standard deviation across people waiting"),
    "perceived_job_prospect": ("probability", "mean perceived chance of work in the UK of people waiting"),
    "perceived_job_prospect_sd": ("probability", "its standard deviation across people waiting"),
    "seat_price": ("GBP", "mean seat price across gangs"),
    "gang_revenue": ("GBP/day", "money paid to gangs"),
    "gang_boats": ("boats", "boats in the gangs' stock at the day's end"),
    "sea_state": ("0-1", "the night's sea state (0 calm, 1 storm)"),
    "returns_quota": ("people/week", "the returns quota in force"),
    "crackdown": ("0-1", "illegal-working enforcement intensity"),
    "created": ("people", "everyone created so far (the sum of the state_ columns)"),
    **{f"state_{s}": ("people", f"people whose state is '{s}' at the day's end") for s in STATES},
}


@dataclass
class Ledger:
    """The day's flows, reset each morning."""

    inflow: int = 0
    launch_attempts: int = 0
    prevented_launches: int = 0
    prevented_people: int = 0
    in_water_interceptions: int = 0
    boats_seized: int = 0
    arrivals: int = 0
    arrivals_own_arrangement: int = 0
    boats_arrived: int = 0
    deaths: int = 0
    returns: int = 0
    returns_home_country: int = 0
    legal_applications: int = 0
    legal_admissions: int = 0
    left_elsewhere: int = 0
    bookings: int = 0
    gang_revenue: float = 0.0

    def reset(self) -> None:
        for f in fields(self):
            setattr(self, f.name, f.default)

    def as_dict(self) -> dict[str, float]:
        return {f.name: getattr(self, f.name) for f in fields(self)}
