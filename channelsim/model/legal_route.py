"""The legal route: one admission for each completed return ("one in, one out").

People with family ties in the UK, of an eligible nationality, who have never
tried to cross irregularly, may apply online. Applicants queue by priority
(nationalities likely to be granted asylum first, then by date of
application). Each completed return opens one place; the best applicant still
waiting in France goes through security checks (a SimPy timeout) and is
admitted, or refused.
"""

from __future__ import annotations

import heapq
import math

import numpy as np
import simpy

from channelsim.core.params import Params
from channelsim.core.population import ADMITTED, FRANCE, LEGAL_NONE, LEGAL_QUEUED, LEGAL_REFUSED, Population
from channelsim.core.world import Ledger


class LegalRoute:
    """The application queue and the admissions it makes."""

    def __init__(self, env: simpy.Environment, population: Population, params: Params,
                 rng: np.random.Generator, ledger: Ledger):
        self.env = env
        self.pop = population
        self.params = params.policy
        self.patience = params.choice.legal_route_patience_days
        self.priority = np.array([g.legal_route_priority for g in params.nationalities])
        self.rng = rng
        self.ledger = ledger
        self._queue: list[tuple[float, int, int]] = []  # (-priority, day applied, row)
        # people judge their chances by recent admissions: a count that halves every half-life, read as a
        # daily rate by dividing by its mean life (the half-life / ln 2, in whole days)
        self.admitted_recently = 0.0
        self._keep = 0.5 ** (1 / self.params.admissions_half_life_days)
        self._mean_life_days = float(round(self.params.admissions_half_life_days / math.log(2)))

    @property
    def queue_length(self) -> int:
        return len(self._queue)

    def apply(self, rows: np.ndarray, day: int) -> None:
        pop = self.pop
        pop.legal_status[rows] = LEGAL_QUEUED
        pop.legal_eligible[rows] = False
        pop.free_from_day[rows] = day + int(self.patience) + 1
        for row, prio in zip(rows.tolist(), self.priority[pop.nationality[rows]].tolist(), strict=True):
            heapq.heappush(self._queue, (-prio, day, row))

    def admission_chance(self) -> float:
        """Perceived chance that an application succeeds within one's patience."""
        per_day = self.admitted_recently / self._mean_life_days
        return float(min(1.0, per_day * self.patience / (len(self._queue) + 1.0)))

    def decay(self) -> None:
        self.admitted_recently *= self._keep

    def open_places(self, n: int) -> None:
        """``n`` returns completed: that many applicants go to checks."""
        if not self.params.legal_admission_per_return:
            return
        for _ in range(n):
            row = self._next_applicant()
            if row is None:
                return
            self.env.process(self._check(row))

    def _next_applicant(self) -> int | None:
        pop = self.pop
        while self._queue:
            _, _, row = heapq.heappop(self._queue)
            if pop.state[row] == FRANCE and pop.legal_status[row] == LEGAL_QUEUED and not pop.attempted[row]:
                return row
            if pop.legal_status[row] == LEGAL_QUEUED:
                pop.legal_status[row] = LEGAL_NONE
        return None

    def _check(self, row: int):
        yield self.env.timeout(self.params.security_check_days)
        pop = self.pop
        if pop.state[row] != FRANCE or pop.attempted[row]:
            return  # left, crossed or died during the checks
        if self.rng.random() < self.params.security_refusal_share:
            pop.legal_status[row] = LEGAL_REFUSED
            return
        pop.move(np.array([row]), ADMITTED)
        self.admitted_recently += 1
        self.ledger.legal_admissions += 1
