"""Beliefs: each migrant's perceived return probability and job prospect.

This is the feedback loop of the model. Beliefs move with what people hear:
returnees back in the camps tell those they meet (a salient, in-person
report); those who stayed in the UK report back to their nationality on the
coast, and later whether they found work; official announcements nudge
everyone with a credibility weight; smugglers keep promising work; memory
fades. ``beliefs.return_evidence`` chooses the model variant: in the null
('none') nothing moves the perceived return probability off its prior, and
with 'announcement' only the announcement does (reports and stories about
returns are not heard); job prospects move in every variant.

[`gather_news`][channelsim.agents.beliefs.gather_news] gathers the day's reports into a
[`News`][channelsim.agents.beliefs.News]; a rule
turns news into beliefs. A rule has a small interface ([`BeliefRule`][channelsim.agents.beliefs.BeliefRule]):
``initialise``
newcomers, ``update`` everyone waiting, and read ``perceived`` beliefs. Two
rules ship, chosen by ``beliefs.belief_rule``:

- ``bayesian``: Beta counts with forgetting. A report of "returned" or
  "stayed" adds to one count; counts decay with the memory half-life; the
  belief is the posterior mean.
- ``trust``: a trust-weighted exchange in the style of Bijak and Hinsch's
  Routes and Rumours. Each belief is a value with a certainty; reports pull
  the value towards what they say in proportion to their weight against the
  holder's certainty; and people in the same camp talk, each moving towards a
  more certain contact by the trust they place in others.

Another rule is a subclass of [`BeliefRule`][channelsim.agents.beliefs.BeliefRule] with a ``name``,
registered with [`register_belief_rule`][channelsim.agents.beliefs.register_belief_rule]; a scenario then names
it as ``belief_rule`` (docs/extending.md has a worked example). A rule keeps its per-person state as
columns of the population (``population.add_column``). It runs in numpy; the rest of the morning (the
choice) stays compiled. What its ``update`` returns is checked (one probability a person, each from 0 to
1). A package can offer rules to every process, the command line and Dask workers included, in the
entry-point group ``channelsim.belief_rules`` (name = "module:Class"): a model loads the rule when a
scenario first names it.
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import numpy as np

from channelsim.core.errors import ChannelsimError
from channelsim.core.params import BELIEF_RULE_ENTRY_POINTS, BELIEF_RULE_NAMES, Beliefs
from channelsim.core.population import Population
from channelsim.core.world import World


@dataclass
class News:
    """What reached the coast today.

    Per-group arrays are the weight of reports heard by each waiting member of
    the group (mean field: a report reaches ``report_reach`` people, spread over
    those waiting). ``contacts`` are the positions, in the rows being updated,
    of people who met a returnee today: each entry one story of weight
    ``contact_weight``.
    """

    returned_by_group: np.ndarray
    stayed_by_group: np.ndarray
    job_found_by_group: np.ndarray
    job_not_found_by_group: np.ndarray
    contacts: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    contact_weight: float = 0.0
    announced_return: float | None = None
    announced_job: float | None = None
    announcement_weight: float = 0.0
    promise_job: float = 0.0
    promise_weight: float = 0.0


def gather_news(world: World, coast: np.ndarray, waiting: np.ndarray, day: int,
                rng: np.random.Generator) -> News:
    """What reached the people waiting (``coast``; ``waiting`` of them by nationality) today."""
    p, reports, policy = world.params.beliefs, world.reports, world.policy
    # the weight each waiting person hears: a report reaches report_reach people of its group
    reach = p.report_reach / np.maximum(waiting, max(p.report_reach, 1.0))
    stayed, job_reports = reports.due(day)
    found = rng.binomial(job_reports.astype(np.int64), policy.job_find_probability[day])
    # the model variants: what may move the perceived return probability (core.params: return_evidence)
    seen = p.return_evidence == "full"
    news = News(
        returned_by_group=reports.returned_by_group * reach * seen,
        stayed_by_group=stayed * reach * seen,
        job_found_by_group=found * reach,
        job_not_found_by_group=(job_reports - found) * reach,
        promise_job=world.params.gangs.job_promise,
        promise_weight=p.gang_promise_credibility,
    )
    if seen and reports.returnees and p.returnee_contacts:
        pop = world.population
        camps = pop.camp[coast]
        met = []
        for row in reports.returnees:
            in_camp = np.flatnonzero(camps == pop.camp[row])  # positions in coast
            if len(in_camp):
                met.append(in_camp[rng.integers(0, len(in_camp), p.returnee_contacts)])
        if met:
            news.contacts = np.concatenate(met)
            news.contact_weight = p.returnee_salience
    for announcement in policy.announcements.get(day, ()):
        if announcement.return_probability is not None and p.return_evidence != "none":
            news.announced_return = announcement.return_probability
        if announcement.job_prospect is not None:
            news.announced_job = announcement.job_prospect
        news.announcement_weight = p.announcement_credibility * p.announcement_strength
    return news


class BeliefRule(ABC):
    """How news becomes belief. Subclass to compare another rule."""

    name: str = ""

    def __init__(self, params: Beliefs, population: Population):
        self.params = params
        self.pop = population
        self.decay = 0.5 ** (1.0 / params.memory_half_life_days)

    @abstractmethod
    def initialise(self, rows: np.ndarray, return_probability: np.ndarray, job_prospect: np.ndarray) -> None:
        """Set newcomers' beliefs to what they heard upstream, worth ``prior_strength`` reports."""

    @abstractmethod
    def update(self, rows: np.ndarray, groups: np.ndarray, camps: np.ndarray, news: News,
               rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Move the beliefs of ``rows`` (everyone waiting) by a day of news and forgetting.

        Returns the updated (perceived return probability, perceived job prospect) of ``rows``.
        """

    @abstractmethod
    def perceived(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(perceived return probability, perceived job prospect) of ``rows``."""


class BayesianForgetting(BeliefRule):
    """Beta counts of reports, decaying with the memory half-life."""

    name = "bayesian"

    def __init__(self, params: Beliefs, population: Population):
        super().__init__(params, population)
        for col in ("ret_yes", "ret_no", "job_yes", "job_no"):
            population.add_column(col, np.float64, 0.0)

    def initialise(self, rows, return_probability, job_prospect):
        s = self.params.prior_strength
        pop = self.pop
        pop.ret_yes[rows] = s * return_probability
        pop.ret_no[rows] = s * (1.0 - return_probability)
        pop.job_yes[rows] = s * job_prospect
        pop.job_no[rows] = s * (1.0 - job_prospect)

    def update(self, rows, groups, camps, news, rng):
        pop, d = self.pop, self.decay
        ry = pop.ret_yes[rows] * d + news.returned_by_group[groups]
        rn = pop.ret_no[rows] * d + news.stayed_by_group[groups]
        jy = pop.job_yes[rows] * d + news.job_found_by_group[groups] + news.promise_weight * news.promise_job
        jn = pop.job_no[rows] * d + news.job_not_found_by_group[groups] + news.promise_weight * (1 - news.promise_job)
        w = news.announcement_weight
        if news.announced_return is not None:
            ry += w * news.announced_return
            rn += w * (1.0 - news.announced_return)
        if news.announced_job is not None:
            jy += w * news.announced_job
            jn += w * (1.0 - news.announced_job)
        if len(news.contacts):
            np.add.at(ry, news.contacts, news.contact_weight)  # stories heard in person
        pop.ret_yes[rows], pop.ret_no[rows], pop.job_yes[rows], pop.job_no[rows] = ry, rn, jy, jn
        return self._means(ry, rn, jy, jn)

    def perceived(self, rows):
        pop = self.pop
        ry, rn, jy, jn = pop.ret_yes[rows], pop.ret_no[rows], pop.job_yes[rows], pop.job_no[rows]
        return self._means(ry, rn, jy, jn)

    def _means(self, ry, rn, jy, jn) -> tuple[np.ndarray, np.ndarray]:
        """Posterior means; where everything is forgotten and nothing heard, the prior beliefs."""
        return (_share(ry, rn, self.params.prior_return_probability),
                _share(jy, jn, self.params.prior_job_prospect))


class TrustWeightedExchange(BeliefRule):
    """Values with certainties; reports and conversations move them (Routes and Rumours)."""

    name = "trust"

    def __init__(self, params: Beliefs, population: Population):
        super().__init__(params, population)
        for col in ("ret_value", "ret_certainty", "job_value", "job_certainty"):
            population.add_column(col, np.float64, 0.0)

    def initialise(self, rows, return_probability, job_prospect):
        pop = self.pop
        pop.ret_value[rows] = return_probability
        pop.job_value[rows] = job_prospect
        pop.ret_certainty[rows] = self.params.prior_strength
        pop.job_certainty[rows] = self.params.prior_strength

    @staticmethod
    def _absorb(value, certainty, yes, no):
        """Pull ``value`` towards the reports' share of 'yes' by their weight against certainty."""
        weight = yes + no
        with np.errstate(invalid="ignore", divide="ignore"):
            said = np.where(weight > 0, yes / weight, value)
            moved = value + (said - value) * weight / (certainty + weight)
        # nothing heard and nothing remembered (certainty forgotten to zero): the value stays;
        # a probability stays one where rounding with vanishing certainties would push it past 0 or 1
        value = np.clip(np.where(certainty + weight > 0, moved, value), 0.0, 1.0)
        return value, certainty + weight

    def update(self, rows, groups, camps, news, rng):
        pop, d = self.pop, self.decay
        rv, rc = pop.ret_value[rows], pop.ret_certainty[rows] * d
        jv, jc = pop.job_value[rows], pop.job_certainty[rows] * d
        rv, rc = self._absorb(rv, rc, news.returned_by_group[groups], news.stayed_by_group[groups])
        jv, jc = self._absorb(jv, jc, news.job_found_by_group[groups] + news.promise_weight * news.promise_job,
                              news.job_not_found_by_group[groups] + news.promise_weight * (1 - news.promise_job))
        w = news.announcement_weight
        if news.announced_return is not None:
            rv, rc = self._absorb(rv, rc, w * news.announced_return, w * (1 - news.announced_return))
        if news.announced_job is not None:
            jv, jc = self._absorb(jv, jc, w * news.announced_job, w * (1 - news.announced_job))
        if len(news.contacts):
            # a returnee's story, heard in person, is a report of "returned"
            stories = np.bincount(news.contacts, minlength=len(rows)) * news.contact_weight
            rv, rc = self._absorb(rv, rc, stories, np.zeros(len(rows)))
        pop.ret_value[rows], pop.ret_certainty[rows] = rv, rc
        pop.job_value[rows], pop.job_certainty[rows] = jv, jc
        self._converse(rows, camps, rng)
        return pop.ret_value[rows], pop.job_value[rows]

    def _converse(self, rows, camps, rng):
        """Random pairs in the same camp talk; each moves towards the other by trust x relative certainty."""
        n = len(rows)
        talks = int(self.params.trust_exchange_per_day * n / 2)
        if talks == 0 or n < 2:
            return
        a = rng.integers(0, n, talks)
        b = rng.integers(0, n, talks)
        same = (camps[a] == camps[b]) & (a != b)
        a, b = rows[a[same]], rows[b[same]]
        # a row met twice today keeps the last conversation: fine at these rates
        pop, t = self.pop, self.params.trust_in_others
        for value, certainty in ((pop.ret_value, pop.ret_certainty), (pop.job_value, pop.job_certainty)):
            va, vb, ca, cb = value[a], value[b], certainty[a], certainty[b]
            with np.errstate(invalid="ignore", divide="ignore"):
                # two people who remember nothing move neither
                share_a = np.where(ca + cb > 0, t * cb / (ca + cb), 0.0)
                share_b = np.where(ca + cb > 0, t * ca / (ca + cb), 0.0)
            value[a] = np.clip(va + share_a * (vb - va), 0.0, 1.0)
            value[b] = np.clip(vb + share_b * (va - vb), 0.0, 1.0)

    def perceived(self, rows):
        return self.pop.ret_value[rows], self.pop.job_value[rows]


def _share(yes: np.ndarray, no: np.ndarray, prior: float) -> np.ndarray:
    """yes / (yes + no), or ``prior`` where both counts are zero."""
    total = yes + no
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, yes / total, prior)


SHIPPED: dict[str, type[BeliefRule]] = {r.name: r for r in (BayesianForgetting, TrustWeightedExchange)}
RULES: dict[str, type[BeliefRule]] = dict(SHIPPED)


def register_belief_rule(rule: type[BeliefRule]) -> type[BeliefRule]:
    """Make ``rule`` (a [`BeliefRule`][channelsim.agents.beliefs.BeliefRule] subclass) selectable as
    ``belief_rule = rule.name``, in this process; usable as a class decorator. Registering a name again
    replaces the rule (a notebook cell run twice); the shipped rules cannot be replaced.

    Other processes (the command line, Dask workers) know the rule only if a package offers it in the
    entry-point group channelsim.belief_rules.
    """
    if not (isinstance(rule, type) and issubclass(rule, BeliefRule)):
        raise ChannelsimError(f"a belief rule must be a subclass of BeliefRule, not {rule!r}.")
    if inspect.isabstract(rule):
        missing = ", ".join(sorted(rule.__abstractmethods__))
        raise ChannelsimError(f"belief rule {rule.__name__} does not define {missing}.")
    name = rule.name
    if not isinstance(name, str) or not name.isidentifier():
        raise ChannelsimError(f"belief rule {rule.__name__} needs a name (a class attribute, e.g. "
                              f"name = \"my_rule\"), not {name!r}.")
    if name in SHIPPED:
        raise ChannelsimError(f"{name!r} is a shipped belief rule: give {rule.__name__} another name.")
    RULES[name] = rule
    if name not in BELIEF_RULE_NAMES:
        BELIEF_RULE_NAMES.append(name)
    return rule


def make_rule(params: Beliefs, population: Population) -> BeliefRule:
    """The scenario's belief rule, for a model's people."""
    rule = RULES.get(params.belief_rule) or _offered(params.belief_rule)
    if rule is None:   # named where it was registered, run where it is not (e.g. a Dask worker)
        raise ChannelsimError(f"belief rule {params.belief_rule!r} is not registered in this process: import "
                              "the module that registers it (register_belief_rule) before running.")
    return rule(params, population)


def _offered(name: str) -> type[BeliefRule] | None:
    """The rule an installed package offers as ``name`` (entry-point group channelsim.belief_rules), registered."""
    from importlib.metadata import entry_points

    for point in entry_points(group=BELIEF_RULE_ENTRY_POINTS, name=name):
        rule = point.load()
        if getattr(rule, "name", None) != name:
            raise ChannelsimError(f"the entry point {name!r} ({point.value}) offers {rule!r}, whose name is not "
                                  f"{name!r}.")
        return register_belief_rule(rule)   # again, if importing it registered it: the same
    return None


def is_shipped(rule: BeliefRule) -> bool:
    """Whether ``rule`` is one of the shipped rules (a subclass of one is a rule of your own)."""
    return type(rule) in SHIPPED.values()


def checked_beliefs(rule: BeliefRule, beliefs, n: int) -> tuple[np.ndarray, np.ndarray]:
    """What a rule of your own's ``update`` returned, checked: (perceived return probability, perceived job
    prospect), each ``n`` probabilities from 0 to 1 (the compiled choice reads them unchecked)."""
    try:
        p_return, p_job = (np.asarray(b, dtype=np.float64) for b in beliefs)
    except (TypeError, ValueError):
        raise ChannelsimError(f"belief rule {rule.name!r}: update must return two arrays (perceived return "
                              f"probability, perceived job prospect), not {type(beliefs).__name__}.") from None
    for what, values in (("perceived return probability", p_return), ("perceived job prospect", p_job)):
        if values.shape != (n,):
            raise ChannelsimError(f"belief rule {rule.name!r}: update returned a {what} of shape {values.shape} "
                                  f"for {n} people.")
        if not (np.isfinite(values).all() and (values >= 0).all() and (values <= 1).all()):
            raise ChannelsimError(f"belief rule {rule.name!r}: update returned a {what} outside 0 to 1 (or not "
                                  "a number).")
    return p_return, p_job
