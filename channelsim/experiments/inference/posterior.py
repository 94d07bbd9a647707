"""A finished calibration, read from its folder: the posterior particles, draws from them, their medians.

A calibration folder holds ``posterior.csv`` (one row a particle: the free
parameters of its prior set, `PRIOR_SETS`, and its weight)
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

from channelsim.experiments.inference.settings import (
    ALL_FREE_PARAMETERS,
    DATE_PARAMETERS,
    VARIANTS,
    CalibrationError,
    Settings,
)

COMMITTED_CALIBRATION = Path(__file__).resolve().parent / "calibration"


def decimal_year_to_date(x: float) -> dt.date:
    year = int(math.floor(x))
    first = dt.date(year, 1, 1)
    length = (dt.date(year + 1, 1, 1) - first).days
    return first + dt.timedelta(days=int(round((x - year) * length)) if x > year else 0)


def particle_overrides(theta: dict[str, float]) -> dict[str, Any]:
    """Model overrides from a particle (dates from decimal years, as ISO strings)."""
    return {name: decimal_year_to_date(float(value)).isoformat() if name in DATE_PARAMETERS else float(value)
            for name, value in theta.items() if not (isinstance(value, float) and math.isnan(value))}


def settings_from(record: dict, where: Path) -> Settings:
    """The Settings a record (``settings.json``, ``provenance.json``) holds; a CalibrationError naming
    ``where`` if it holds none."""
    try:
        return Settings(**record["settings"])
    except (KeyError, TypeError) as exc:
        raise CalibrationError(f"{where} cannot be read as a calibration's settings ({type(exc).__name__}: "
                               f"{exc}).") from None


@dataclass
class Calibration:
    """A finished calibration, as read from its folder."""

    folder: Path
    posterior: pd.DataFrame            # one row a particle: parameters and weight
    provenance: dict[str, Any]

    def medians(self, variant: str | None = None) -> dict[str, float]:
        """Weighted medians of a variant's particles (default: the full model's, where several variants were
        fitted; the shipped defaults are the full model's), by pyabc's weighted quantile (the calibration extra)."""
        from pyabc.weighted_statistics import weighted_median  # pyabc loads slowly: only when asked

        table = self.variant_posterior(variant)
        weights = table["weight"].to_numpy(float)
        return {name: float(weighted_median(table[name].to_numpy(float), weights / weights.sum()))
                for name in self.free_parameters if table[name].notna().all()}

    @property
    def settings(self) -> Settings:
        """The settings the calibration ran with (its provenance's)."""
        return settings_from(self.provenance, self.folder / "provenance.json")

    @property
    def variants(self) -> list[str]:
        """The model variants fitted (settings.VARIANTS); one, "full", for a plain calibration."""
        return sorted(set(self.posterior["variant"])) if "variant" in self.posterior else ["full"]

    def variant_posterior(self, variant: str | None = None) -> pd.DataFrame:
        """A variant's particles, their weights renormalised (default: the full model's)."""
        if "variant" not in self.posterior:
            return self.posterior
        variant = variant or ("full" if "full" in self.variants else self.variants[0])
        table = self.posterior[self.posterior["variant"] == variant].copy()
        if table.empty:
            raise CalibrationError(f"{self.folder}: no particle of the variant {variant!r} in the posterior.")
        table["weight"] = table["weight"] / table["weight"].sum()
        return table

    @property
    def model_probabilities(self) -> dict[str, float]:
        """The posterior probability of each variant (the sum of its particles' weights)."""
        if "variant" not in self.posterior:
            return {"full": 1.0}
        total = self.posterior.groupby("variant")["weight"].sum()
        return {v: float(total.get(v, 0.0) / total.sum()) for v in self.provenance.get("variants", self.variants)}

    @property
    def free_parameters(self) -> list[str]:
        """The calibrated parameters (the posterior's columns other than the variant and the weight)."""
        return [c for c in self.posterior.columns if c not in ("weight", "variant")]

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

    def _picks(self, n: int, seed: int, variant: str | None) -> pd.DataFrame:
        """The n particles drawn (by weight, with replacement), one row each, in draw order."""
        table = self.posterior if variant is None else self.variant_posterior(variant)
        rng = np.random.default_rng(np.random.SeedSequence([seed, 5]))
        w = table["weight"].to_numpy(float)
        return table.iloc[rng.choice(len(table), size=n, replace=True, p=w / w.sum())]

    def particles(self, n: int, seed: int, variant: str | None = None) -> list[dict[str, float]]:
        """n parameter sets drawn from the posterior (by weight, with replacement; of every variant by its
        probability, or of one ``variant``), as the calibration holds them (dates as decimal years; a
        parameter the draw's variant does not have is left out)."""
        return self._thetas(self._picks(n, seed, variant))

    def draw_variants(self, n: int, seed: int, variant: str | None = None) -> list[str]:
        """The variant of each of the same n draws as
        [`particles`][channelsim.experiments.inference.posterior.Calibration.particles]."""
        return self._variants(self._picks(n, seed, variant))

    def draws(self, n: int, seed: int, variant: str | None = None) -> list[dict[str, Any]]:
        """The same n parameter sets as [`particles`][channelsim.experiments.inference.posterior.Calibration.particles],
        as model overrides (with the variant's own)."""
        picks = self._picks(n, seed, variant)
        several = "variant" in self.posterior
        return [{**(VARIANTS[v] if several else {}), **particle_overrides(theta)}
                for theta, v in zip(self._thetas(picks), self._variants(picks), strict=True)]

    def _thetas(self, picks: pd.DataFrame) -> list[dict[str, float]]:
        rows = picks[self.free_parameters].to_dict("records")
        return [{k: float(v) for k, v in row.items() if not math.isnan(v)} for row in rows]

    @staticmethod
    def _variants(picks: pd.DataFrame) -> list[str]:
        return [str(v) for v in picks["variant"]] if "variant" in picks else ["full"] * len(picks)


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
    unknown = [c for c in table.columns if c not in ("weight", "variant") and c not in ALL_FREE_PARAMETERS]
    if "weight" not in table or unknown or table.empty:
        raise CalibrationError(f"{posterior}: expected columns of free parameters and 'weight'"
                               f"{'; unknown: ' + ', '.join(unknown) if unknown else ''}.")
    return Calibration(folder, table, json.loads(provenance.read_text()))


def prior_calibration(priors: dict[str, dict[str, tuple[float, float]]], n: int, seed: int,
                      name: str = "prior") -> Calibration:
    """Draws from the uniform priors of each variant (``{variant: {parameter: (low, high)}}``, as
    [`Settings.variant_free`][channelsim.experiments.inference.settings.Settings.variant_free] gives them), ``n`` a
    variant in equal weights: a [`Calibration`][channelsim.experiments.inference.posterior.Calibration]
    whose "posterior" is the prior, so that every ensemble can be run prior-predictive with the same code
    (``draws(n, seed, variant)``). Row ``i`` of every variant holds the same values of the parameters
    the variants share (a parameter a variant lacks is NaN), so that variants drawn with the same seed
    differ only by what sets them apart."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, 11]))
    ranges = {k: r for free in priors.values() for k, r in free.items()}
    names = sorted(ranges)
    shared = {k: rng.uniform(*ranges[k], size=n) for k in names}
    table = pd.concat([pd.DataFrame({"variant": variant, **{k: shared[k] if k in free else np.full(n, np.nan)
                                                            for k in names}})
                       for variant, free in priors.items()], ignore_index=True)
    table["weight"] = 1.0 / len(table)
    return Calibration(Path(name), table, {"variants": list(priors), "prior": {v: {k: list(r) for k, r in f.items()}
                                                                             for v, f in priors.items()}})
