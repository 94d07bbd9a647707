"""Worked examples of the extension points: a belief rule of your own, and a mechanism on the SimPy clock.

docs/extending.md shows this file; tests/test_extension_points.py runs it. Importing it registers
the rule ``observed_rate``.
"""

from __future__ import annotations

import numpy as np

from channelsim.agents.beliefs import BeliefRule, register_belief_rule
from channelsim.core.population import ELSEWHERE, FRANCE, NO_GANG
from channelsim.model.mechanism import Mechanism


@register_belief_rule
class ObservedRate(BeliefRule):
    """People believe the return rate they see: the share returned among the reports of arrivals heard,
    with forgetting. Announcements and returnees' stories move nothing (no amplification). The job
    prospect stays what each heard upstream (no job reports or promises: a sketch of one rule's idea)."""

    name = "observed_rate"

    def __init__(self, params, population):
        super().__init__(params, population)
        for column in ("seen_returned", "seen_stayed", "job_belief"):
            population.add_column(column, np.float64, 0.0)

    def initialise(self, rows, return_probability, job_prospect):
        pop, strength = self.pop, self.params.prior_strength
        pop.seen_returned[rows] = strength * return_probability
        pop.seen_stayed[rows] = strength * (1.0 - return_probability)
        pop.job_belief[rows] = job_prospect

    def update(self, rows, groups, camps, news, rng):
        pop, keep = self.pop, self.decay
        pop.seen_returned[rows] = pop.seen_returned[rows] * keep + news.returned_by_group[groups]
        pop.seen_stayed[rows] = pop.seen_stayed[rows] * keep + news.stayed_by_group[groups]
        return self.perceived(rows)

    def perceived(self, rows):
        seen = self.pop.seen_returned[rows] + self.pop.seen_stayed[rows]
        share = np.full(len(rows), self.params.prior_return_probability)
        np.divide(self.pop.seen_returned[rows], seen, out=share, where=seen > 0)
        return share, self.pop.job_belief[rows]


class CampClearances(Mechanism):
    """Every ``every_days`` days at 06:00 the police clear one camp, in turn: each person waiting there
    and not booked on a boat leaves the coast for elsewhere in Europe with probability ``share``."""

    name = "camp_clearances"
    columns = ("cleared",)
    flows = ("cleared",)   # people a day: summed by week

    def __init__(self, every_days: int = 14, share: float = 0.3):
        self.every_days, self.share = every_days, share

    def start(self, model):
        self.last_clearance = (-1, 0)   # (day, people cleared)
        model.env.process(self.clearances(model))

    def clearances(self, model):
        pop, coast, camps = model.population, model.coast, model.params.migrants.camps
        camp = 0
        yield model.env.timeout(0.25)   # 06:00 on the first day
        while True:
            rows = coast.rows
            here = rows[(pop.state[rows] == FRANCE) & (pop.camp[rows] == camp) & (pop.booked_gang[rows] == NO_GANG)]
            cleared = here[self.rng.random(len(here)) < self.share]
            pop.move(cleared, ELSEWHERE)
            model.world.ledger.left_elsewhere += len(cleared)
            self.last_clearance = (int(model.env.now), len(cleared))
            camp = (camp + 1) % camps
            yield model.env.timeout(self.every_days)

    def record(self, model):
        day, people = self.last_clearance   # model.day is now the next midnight
        return {"cleared": people if day == model.day - 1 else 0}
