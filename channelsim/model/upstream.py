"""Upstream shocks: events beyond the Channel that swell or choke arrivals on the coast.

Arrivals on the French coast answer to more than the UK's pull: a war or a
collapse at home (Afghanistan in August 2021, Sudan in 2023), a route opening or
closing on the way (the Balkans, Belarus), a surge sold by smugglers to one
nationality (Albania in 2022), a clearance of the camps. None of these is
modelled as such; together they make the month-to-month swings of the observed
series larger than trend, season and weather alone give.

Each nationality's inflow is multiplied by ``exp(x_g - sd**2 / 2)``, where
``x_g = sqrt(c) * z + sqrt(1 - c) * z_g`` mixes a shock common to every route (z)
with one of the nationality's own (z_g). Every z is a daily Gaussian AR(1)
process with stationary standard deviation ``sd`` and time constant ``tau``
days, started from its stationary law, so the multiplier has mean one and the
trend and season keep their meaning. The draws come from one stream of their
own, one vector per day, whatever the policy: scenarios share them (common
random numbers).
"""

from __future__ import annotations

import numpy as np

from channelsim.core.params import Inflow


class UpstreamShocks:
    """Daily multipliers of each nationality's inflow (mean one)."""

    def __init__(self, params: Inflow, groups: int, rng: np.random.Generator):
        self.sd = float(params.upstream_shock_sd)
        self.common = float(params.upstream_shock_common_share)
        self.phi = float(np.exp(-1.0 / params.upstream_shock_days))
        self.rng = rng
        self.z = rng.standard_normal(groups + 1) * self.sd   # [common, group 0, group 1, ...]
        # constants of the daily step (an AR(1) of unit variance, a common and an own part, mean one)
        self._innovation_scale = np.sqrt(1.0 - self.phi ** 2)
        self._common_weight, self._own_weight = np.sqrt(self.common), np.sqrt(1.0 - self.common)
        self._lognormal_shift = 0.5 * self.sd ** 2

    def step(self) -> np.ndarray:
        """Advance one day; the multiplier of each nationality's inflow."""
        if self.sd == 0.0:
            return np.ones(len(self.z) - 1)
        innovation = self.rng.standard_normal(len(self.z)) * self.sd * self._innovation_scale
        self.z = self.phi * self.z + innovation
        x = self._common_weight * self.z[0] + self._own_weight * self.z[1:]
        return np.exp(x - self._lognormal_shift)
