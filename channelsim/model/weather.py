"""Sea and weather: a daily sea state with a season, and launch windows.

The sea state (0 calm, 1 storm) follows an autocorrelated process around a
seasonal mean, so that calm days come in windows. Each evening the weather
process draws the night's sea state and, if any gang could launch in it,
triggers the shared `Weather.window` event that the gangs wait on.
"""

from __future__ import annotations

import numpy as np
import simpy

from channelsim.core.calendar import Calendar, seasonal
from channelsim.core.params import Params

EVENING = 0.75  # fraction of the day at which the night's weather is known


class Weather:
    """The daily sea state and the shared launch-window event."""

    def __init__(self, env: simpy.Environment, params: Params, calendar: Calendar, rng: np.random.Generator):
        self.env = env
        self.params = params.weather
        self.calendar = calendar
        self.rng = rng
        self.worst_launchable = min(1.0, params.gangs.launch_weather_tolerance + params.gangs.backlog_weather_push)
        self.sea_state = self._mean(0)
        self.window = env.event()
        env.process(self._run())

    def _mean(self, day: float) -> float:
        # seasonal() peaks at 1 + a in midsummer; map it onto [summer, winter] means
        w = seasonal(self.calendar.day_of_year(day), peak_day=self.params.calmest_day_of_year,
                     amplitude=1.0)   # 2 at the calmest day, 0 half a year later
        p = self.params
        return p.calm_mean_winter + (p.calm_mean_summer - p.calm_mean_winter) * float(w) / 2.0

    def _run(self):
        env = self.env
        yield env.timeout(EVENING)
        while True:
            day = int(env.now)
            mean = self._mean(day)
            shock = self.rng.normal(0.0, self.params.sea_noise)
            persisting = self.params.sea_persistence * (self.sea_state - mean)
            self.sea_state = min(max(float(mean + persisting + shock), 0.0), 1.0)
            if self.sea_state <= self.worst_launchable:
                window, self.window = self.window, env.event()
                window.succeed(self.sea_state)
            yield env.timeout(1.0)
