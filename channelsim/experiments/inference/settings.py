"""What decides each inference: the free parameters and their priors, the calibration window and
budgets, and the defaults of the posterior-predictive ensembles (validation, shocks, counterfactual).

Kept apart from the machinery (pandas, pyabc, Dask), so that the command line
shows these defaults without loading it; every module and command reads them
from here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from channelsim.core.calendar import parse_date
from channelsim.core.errors import ChannelsimError

# Free parameters and their uniform priors (lowest, highest). Dates are sampled as
# decimal years. Everything else keeps its documented default.
PRIORS: dict[str, tuple[float, float]] = {
    "inflow_ceiling_per_day": (80.0, 260.0),
    "inflow_growth_per_year": (1.0, 4.0),
    "inflow_midpoint": (2020.0, 2022.5),
    "season_amplitude": (0.2, 0.95),
    "upstream_elasticity": (0.0, 4.0),
    "cross_constant": (-9.5, -6.0),
    "boat_supply_per_week": (15.0, 50.0),
    "comfortable_load": (6.0, 20.0),
    "taxi_boat_share": (0.05, 0.7),
    "boat_supply_disruption": (0.0, 0.7),
    "calm_mean_summer": (0.4, 0.62),
    "calm_mean_winter": (0.6, 0.9),
}
# The parameters deterrence runs through (what a return costs a person, how returnees' stories,
# announcements and memory move beliefs, how far reports reach; upstream_elasticity, how much
# arrivals answer to the UK's perceived value, is in PRIORS already), the surge episode that the
# Albanian natural experiment of 2022-23 needs, and the size of the upstream shocks (fitted jointly
# rather than held at the simulated-moments value), with ranges wide enough to hold every reading of
# MODEL.md: `channelsim calibrate --priors deterrence` fits them jointly with PRIORS against the
# series and the published arrivals by nationality.
DETERRENCE_PRIORS: dict[str, tuple[float, float]] = {
    "loss_if_returned": (0.0, 12.0),          # utility; the default 4.0; 0: a return costs nothing
    "returnee_salience": (0.0, 20.0),         # reports a returnee's story is worth; the default 3
    "announcement_credibility": (0.0, 1.0),   # share; the default 0.3
    "memory_half_life_days": (7.0, 365.0),    # days; the default 60
    "report_reach": (1.0, 50.0),              # people; the default 8
    "surge_start": (2022.0, 2022.6),          # decimal year: January to early August 2022
    "surge_days": (60.0, 365.0),
    "surge_multiplier": (1.0, 60.0),          # 1: no surge; ~30 at the peak takes a 3% background to ~45%
    "upstream_shock_sd": (0.0, 1.2),          # log; the simulated-moments fit alone gives 0.2 (shocks.json)
    # the return chance the announcement conveys: from 0 through "no amplification" (about 0.06, the
    # announced 50 a week against 782 arrivals a week) to "anyone can be returned"
    "announced_return_probability": (0.0, 0.4),
}
# The model variants (core.params: return_evidence), each fitted to the same statistics: what may move
# the perceived return probability. A variant's priors leave out the parameters that do nothing in it.
VARIANTS: dict[str, dict[str, str]] = {
    "full": {"return_evidence": "full"},
    "announcement": {"return_evidence": "announcement"},
    "null_model": {"return_evidence": "none"},
}
VARIANT_DROPS: dict[str, tuple[str, ...]] = {
    "full": (),
    "announcement": ("returnee_salience",),
    "null_model": ("returnee_salience", "announcement_credibility", "announced_return_probability"),
}
# Prior sets by name: "series" is what made the committed posterior.
PRIOR_SETS: dict[str, dict[str, tuple[float, float]]] = {
    "series": PRIORS,
    "deterrence": {**PRIORS, **DETERRENCE_PRIORS},
}
DATE_PARAMETERS = {"inflow_midpoint", "surge_start"}
ALL_FREE_PARAMETERS = set(PRIOR_SETS["deterrence"])

# The calibration window: the Home Office series from its first day to its last, six months into the pilot.
CALIBRATION_START = dt.date(2018, 1, 1)
CALIBRATION_END = dt.date(2026, 2, 1)
CALIBRATION_WARMUP_DAYS = 180

# Posterior draws of each ensemble, one run a draw (a counterfactual's draw runs under every arm).
VALIDATION_DRAWS = 40
SHOCK_DRAWS = 12
COUNTERFACTUAL_DRAWS = 20
ATTRIBUTION_DRAWS = 40

# The grid of the upstream shocks' size (log s.d.) and persistence (days) fitted by simulated moments.
SHOCK_GRID_SD = (0.2, 0.4, 0.6, 0.8, 1.0, 1.2)
SHOCK_GRID_DAYS = (5.0, 10.0, 20.0, 40.0)

# The counterfactual: each arm against no deal, for a year from the day after the data end.
COUNTERFACTUAL_START = dt.date(2025, 8, 6)
COUNTERFACTUAL_DAYS = 365
BASELINE = "no_deal"
ARMS = ("pilot_published", "announcement_only", "pilot_2025", "pilot_ramp", "crackdown")
# The effect as the data moved it: no deal against these arms, under the prior and the posterior of each
# model variant, with these draws each.
EVIDENCE_ARMS = ("pilot_published", "announcement_only")
EVIDENCE_DRAWS = 12
# The deterrence curve's levels of weekly returns (people/week), run by `channelsim counterfactual`.
CURVE_LEVELS = (0.0, 25.0, 50.0, 100.0, 200.0, 400.0, 800.0)
# The forecast (experiments.inference.forecast): each month's arrivals from the day after the calibration's
# window, under the published returns, with this many posterior draws.
FORECAST_DRAWS = 100
# compare-models: prior draws a variant in the bank of runs, and the share kept at each origin.
BANK_DRAWS = 100
BANK_KEEP = 0.15
# The refit profile (experiments.inference.refit_profile): values over the prior's range, simulations per
# value and round, rounds (the first from the posterior), the share of a round's best that seeds the next.
REFIT_VALUES = 7
REFIT_PARTICLES = 24
REFIT_ROUNDS = 2
REFIT_KEEP = 0.5


class CalibrationError(ChannelsimError):
    """A calibration, or an ensemble drawn from one, cannot run as asked."""


@dataclass(frozen=True)
class Settings:
    """What decides a calibration (recorded in its provenance). The defaults are the ``standard`` budget."""

    population: int = 150
    generations: int = 16
    budget: int = 3600          # most simulations in all; the run stops after the generation that passes it
    kernel_scaling: float = 2.0  # proposal covariance = this x the previous population's weighted covariance
    # a generation whose effective sample size falls under this share of its particles ends the calibration
    # (ABC-SMC's weight degeneracy), and the posterior is the last generation at or above it
    min_ess_fraction: float = 0.2
    seed: int = 0
    start: str = CALIBRATION_START.isoformat()
    end: str = CALIBRATION_END.isoformat()
    scenario: str = "pilot_published"   # the returns as the Home Office published them
    warmup_days: int = CALIBRATION_WARMUP_DAYS
    priors: str = "series"       # a name in PRIOR_SETS; "deterrence" adds the nationality targets
    # the model variants fitted together (pyabc's model choice); one: a plain calibration of that variant
    variants: tuple[str, ...] = ("full",)

    def __post_init__(self):
        if isinstance(self.variants, list | str):   # as read back from JSON, or given as "full,null"
            names = self.variants.split(",") if isinstance(self.variants, str) else self.variants
            object.__setattr__(self, "variants", tuple(str(v).strip() for v in names))

    @property
    def free(self) -> dict[str, tuple[float, float]]:
        """The free parameters and their uniform priors (of the first variant; see
        [`variant_free`][channelsim.experiments.inference.settings.Settings.variant_free])."""
        return self.variant_free(self.variants[0])

    def variant_free(self, variant: str) -> dict[str, tuple[float, float]]:
        """A variant's free parameters and their uniform priors: the prior set less what does nothing in it."""
        return {k: v for k, v in PRIOR_SETS[self.priors].items() if k not in VARIANT_DROPS[variant]}

    @property
    def all_free(self) -> dict[str, tuple[float, float]]:
        """Every variant's free parameters together, in the prior set's order."""
        names = {k for v in self.variants for k in self.variant_free(v)}
        return {k: v for k, v in PRIOR_SETS[self.priors].items() if k in names}

    def check(self) -> None:
        if self.priors not in PRIOR_SETS:
            raise CalibrationError(f"priors must be one of {', '.join(PRIOR_SETS)}, not {self.priors!r}.")
        unknown = [v for v in self.variants if v not in VARIANTS]
        if unknown or not self.variants or len(set(self.variants)) != len(self.variants):
            raise CalibrationError(f"variants must be distinct names from {', '.join(VARIANTS)}, not "
                                   f"{','.join(self.variants)!r}.")
        for name in ("population", "generations", "budget"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise CalibrationError(f"{name} must be a whole number of at least 1, not {value!r}.")
        if self.population < 2:
            raise CalibrationError("population must be at least 2 (the transition is fitted to the particles).")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise CalibrationError(f"seed must be a whole number of at least 0, not {self.seed!r}.")
        if isinstance(self.kernel_scaling, bool) or not (isinstance(self.kernel_scaling, (int, float))
                                                         and 0 < self.kernel_scaling <= 10):
            raise CalibrationError(f"kernel_scaling must be a number in (0, 10], not {self.kernel_scaling!r}.")
        if isinstance(self.min_ess_fraction, bool) or not (isinstance(self.min_ess_fraction, (int, float))
                                                           and 0 <= self.min_ess_fraction < 1):
            raise CalibrationError(f"min_ess_fraction must be a number in [0, 1), not {self.min_ess_fraction!r}.")
        start, end = self.window()
        if not start < end:
            raise CalibrationError(f"the window must start before its end (got {start} to {end}).")
        if (end - start).days < 60:
            raise CalibrationError("the window must span at least two months.")

    def window(self) -> tuple[dt.date, dt.date]:
        """The first and last day of the data window."""
        return parse_date(self.start, "start date"), parse_date(self.end, "end date")


# Preset sizes of a calibration (Settings fields): small for CI; standard, an afternoon on 2 cores; full for a
# cluster. The committed posterior's own settings are in its provenance (docs/calibration.md).
BUDGETS: dict[str, dict[str, int]] = {
    "small": {"population": 6, "generations": 2, "budget": 60},
    "standard": {"population": Settings.population, "generations": Settings.generations, "budget": Settings.budget},
    "full": {"population": 300, "generations": 20, "budget": 20000},
}


# The recovery test (experiments.inference.recovery): each synthetic truth's calibration (full against null),
# small enough for an hour on 2 cores, and the posterior draws of its recovered effect.
RECOVERY_SETTINGS = Settings(population=60, generations=6, budget=240, start="2023-01-01", priors="deterrence",
                             variants=("full", "null_model"))
RECOVERY_EFFECT_DRAWS = 20
