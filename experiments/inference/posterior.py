"""A finished calibration, read from its folder: the posterior particles, draws from them, their medians.

A calibration folder holds ``posterior.csv`` (one row a particle: the free
parameters of its prior set, :data:`~experiments.inference.settings.PRIOR_SETS`, and its weight)
and ``provenance.json``. The committed one, behind the shipped defaults, is
the ``calibration/`` folder beside this module (package data), with the fit
of the upstream shocks (``shocks.json``).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from experiments.inference.settings import ALL_FREE_PARAMETERS, DATE_PARAMETERS, CalibrationError

COMMITTED_CALIBRATION = Path(__file__).resolve().parent / "calibration"


def decimal_year_to_date(x: float) -> dt.date:
    year = int(math.floor(x))
    first = dt.date(year, 1, 1)
    length = (dt.date(year + 1, 1, 1) - first).days
    return first + dt.timedelta(days=int(round((x - year) * length)) if x > year else 0)


def particle_overrides(theta: dict[str, float]) -> dict[str, Any]:
    """Model overrides from a particle (dates from decimal years, as ISO strings)."""
    return {name: decimal_year_to_date(float(value)).isoformat() if name in DATE_PARAMETERS else float(value)
            for name, value in theta.items()}


def weighted_quantile(values, weights, q: float) -> float:
    v = np.asarray(values, float)
    w = np.asarray(weights, float)
    order = np.argsort(v)
    v, w = v[order], w[order]
    cum = (np.cumsum(w) - 0.5 * w) / w.sum()
    return float(np.interp(q, cum, v))


@dataclass
class Calibration:
    """A finished calibration, as read from its folder."""

    folder: Path
    posterior: pd.DataFrame            # one row a particle: parameters and weight
    provenance: dict[str, Any]

    def medians(self) -> dict[str, float]:
        return {name: weighted_quantile(self.posterior[name], self.posterior["weight"], 0.5)
                for name in self.free_parameters}

    @property
    def free_parameters(self) -> list[str]:
        """The calibrated parameters (the posterior's columns other than the weight)."""
        return [c for c in self.posterior.columns if c != "weight"]

    @property
    def posterior_generation(self) -> dict[str, Any]:
        """The provenance's record (t, epsilon, simulations, effective sample size) of the generation the
        posterior is: the last one, unless a later one degenerated and ended the calibration."""
        generations = self.provenance["generations"]
        t = self.provenance.get("posterior_generation", generations[-1]["t"])
        return next(g for g in generations if g["t"] == t)

    @property
    def effective_sample_size(self) -> float:
        """Kish's effective sample size of the particles' weights (pyabc's): n if equal, 1 if one carries all."""
        from pyabc.weighted_statistics import effective_sample_size  # pyabc loads slowly: only when asked

        return float(effective_sample_size(self.posterior["weight"].to_numpy(float)))

    def particles(self, n: int, seed: int) -> list[dict[str, float]]:
        """n parameter sets drawn from the posterior (by weight, with replacement), as the calibration holds
        them (dates as decimal years)."""
        rng = np.random.default_rng(np.random.SeedSequence([seed, 5]))
        w = self.posterior["weight"].to_numpy(float)
        picks = rng.choice(len(self.posterior), size=n, replace=True, p=w / w.sum())
        names = self.free_parameters
        return [{k: float(self.posterior.iloc[i][k]) for k in names} for i in picks]

    def draws(self, n: int, seed: int) -> list[dict[str, Any]]:
        """The same n parameter sets as :meth:`particles`, as model overrides."""
        return [particle_overrides(theta) for theta in self.particles(n, seed)]


def calibrated_defaults(calibration: Calibration) -> dict[str, Any]:
    """The posterior medians as model parameter values (three significant figures)."""
    return {name: decimal_year_to_date(value) if name in DATE_PARAMETERS else float(f"{value:.3g}")
            for name, value in calibration.medians().items()}


def load_calibration(folder: str | Path | Calibration | None = None) -> Calibration:
    """A calibration folder (default: the committed one behind the shipped defaults); a Calibration as is."""
    if isinstance(folder, Calibration):
        return folder
    folder = Path(folder) if folder is not None else COMMITTED_CALIBRATION
    posterior, provenance = folder / "posterior.csv", folder / "provenance.json"
    if not posterior.is_file() or not provenance.is_file():
        raise CalibrationError(f"{folder} holds no finished calibration (posterior.csv and provenance.json).")
    table = pd.read_csv(posterior)
    unknown = [c for c in table.columns if c != "weight" and c not in ALL_FREE_PARAMETERS]
    if "weight" not in table or unknown or table.empty:
        raise CalibrationError(f"{posterior}: expected columns of free parameters and 'weight'"
                               f"{'; unknown: ' + ', '.join(unknown) if unknown else ''}.")
    return Calibration(folder, table, json.loads(provenance.read_text()))
