"""The compiled morning (agents.kernels) against its numpy reference, and people as agents on demand."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import REPO

from channelsim.agents import Migrant
from channelsim.agents.beliefs import BayesianForgetting, News
from channelsim.agents.kernels import APPLY, CROSS, LEAVE, WAIT, backend, compiled
from channelsim.agents.migrant import ChoiceContext, daily_choice, leave_pull_today, shared_cross_utility
from channelsim.core.params import Params
from channelsim.core.population import FRANCE, NO_GANG, Population
from channelsim.core.scenarios import apply_overrides
from channelsim.model import ChannelModel, run

needs_numba = pytest.mark.skipif(compiled() is None, reason="numba is not installed")


def random_coast(seed: int, n: int = 3000):
    """A population of ``n`` people with random attributes and beliefs, everyone on the coast."""
    rng = np.random.default_rng(seed)
    pop = Population(capacity=n)
    rule = BayesianForgetting(Params().beliefs, pop)
    rows = pop.add(n)
    pop.nationality[rows] = rng.integers(0, 4, n)
    pop.risk_tolerance[rows] = rng.random(n)
    pop.budget_base_gbp[rows] = rng.normal(2500, 1500, n)
    pop.leave_pull[rows] = rng.random(n)
    pop.legal_eligible[rows] = rng.random(n) < 0.2
    pop.free_from_day[rows] = np.where(rng.random(n) < 0.3, 10**6, 0)  # 30% booked: no choice today
    for col in ("ret_yes", "ret_no", "job_yes", "job_no"):
        getattr(pop, col)[rows] = rng.gamma(2.0, 2.0, n)
    coast = rng.permutation(rows)
    news = News(returned_by_group=rng.random(4), stayed_by_group=rng.random(4) * 3,
                job_found_by_group=rng.random(4), job_not_found_by_group=rng.random(4),
                contacts=rng.integers(0, n, 200), contact_weight=1.5,
                announced_return=0.6 if seed % 2 else None, announced_job=0.4 if seed % 3 else None,
                announcement_weight=2.0, promise_job=0.7, promise_weight=0.3)
    return pop, rule, coast, news, rng


@needs_numba
@pytest.mark.parametrize("seed", [0, 1, 2, 3, 5])
def test_the_compiled_morning_gives_the_reference_beliefs_and_choices_to_the_last_bit(seed):
    pop, rule, coast, news, rng = random_coast(seed)
    # the choice's constant and loss fixed here, not the calibrated defaults, so that every branch is taken
    params, day = apply_overrides(Params(), {"cross_constant": -7.0, "loss_if_returned": 4.0}), 400
    ctx = ChoiceContext(day=day, cheapest_price_gbp=1200.0, perceived_death_rate=0.002, legal_admission_chance=0.3,
                        grant_rate=np.array([0.9, 0.5, 0.2, 0.7]), legal_priority=np.ones(4))
    before = {c: getattr(pop, c).copy() for c in ("ret_yes", "ret_no", "job_yes", "job_no")}
    uniforms_seed = 99

    # the reference: the belief rule, then daily_choice on those free
    p_return, p_job = rule.update(coast, pop.nationality[coast], pop.camp[coast], news, rng)
    free_mask = pop.free_from_day[coast] <= day
    reference = daily_choice(pop, coast[free_mask], p_return[free_mask], p_job[free_mask], ctx, params,
                             np.random.default_rng(uniforms_seed))
    after_reference = {c: getattr(pop, c).copy() for c in before}

    # the kernel, from the same starting beliefs and uniforms
    for c, values in before.items():
        getattr(pop, c)[:] = values
    census, coast_day = compiled().census, compiled().coast_day
    waiting = np.zeros(4, dtype=np.int64)
    n_free = census(coast, pop.nationality, pop.free_from_day, day, waiting)
    assert n_free == free_mask.sum() and (waiting == np.bincount(pop.nationality[coast], minlength=4)).all()
    c, n = params.choice, len(coast)
    kp_return, kp_job, sums = np.empty(n), np.empty(n), (np.zeros(4), np.zeros(4))
    codes, chooser = np.empty(n_free, dtype=np.int8), np.empty(n_free, dtype=np.int64)
    coast_day(coast, pop.nationality, pop.free_from_day, day, True, pop.ret_yes, pop.ret_no, pop.job_yes,
              pop.job_no, rule.decay, news.returned_by_group, news.stayed_by_group, news.job_found_by_group,
              news.job_not_found_by_group, news.promise_weight * news.promise_job,
              news.promise_weight * (1 - news.promise_job), news.announced_return is not None,
              news.announced_return or 0.0, news.announced_job is not None, news.announced_job or 0.0,
              news.announcement_weight, np.bincount(news.contacts, minlength=n), news.contact_weight,
              params.beliefs.prior_return_probability, params.beliefs.prior_job_prospect, kp_return, kp_job,
              *sums, pop.risk_tolerance, pop.budget_base_gbp, pop.leave_pull,
              pop.legal_eligible, ctx.grant_rate, c.value_asylum, c.value_work, c.loss_if_returned,
              shared_cross_utility(c, ctx.cheapest_price_gbp), c.danger_weight * ctx.perceived_death_rate,
              params.migrants.savings_per_day_gbp * day, ctx.cheapest_price_gbp, leave_pull_today(c, day),
              c.legal_constant, ctx.legal_admission_chance, np.random.default_rng(uniforms_seed).random(n_free),
              codes, chooser)

    assert np.array_equal(kp_return, p_return) and np.array_equal(kp_job, p_job)
    for col, values in after_reference.items():
        assert np.array_equal(getattr(pop, col), values), col
    assert np.array_equal(chooser, coast[free_mask])
    assert np.array_equal(chooser[codes == CROSS], reference.cross)
    assert np.array_equal(chooser[codes == APPLY], reference.apply)
    assert np.array_equal(chooser[codes == LEAVE], reference.leave)
    assert (codes == WAIT).sum() == n_free - len(reference.cross) - len(reference.apply) - len(reference.leave)
    assert 0 < len(reference.cross) < n_free and len(reference.leave) > 0  # the test exercises every branch
    groups = pop.nationality[coast]
    assert np.array_equal(sums[0], np.bincount(groups, weights=p_return, minlength=4))


def _people_in_mixed_states(seed: int, n: int = 2000):
    """A population of ``n`` with a random coast: people in every state, some booked with gangs."""
    rng = np.random.default_rng(seed)
    pop = Population(capacity=n)
    rows = pop.add(n)
    pop.state[rows] = np.where(rng.random(n) < 0.7, FRANCE, rng.integers(1, 7, n))
    pop.booked_gang[rows] = np.where(rng.random(n) < 0.5, rng.integers(0, 3, n), NO_GANG)
    pop.booked_day[rows] = rng.integers(0, 6, n)   # few days: many ties, which keep the coast's order
    pop.paid_attempts_left[rows] = rng.integers(0, 3, n)
    pop.legal_eligible[rows] = rng.random(n) < 0.5
    pop.add_column("on_coast", np.bool_, True)   # the coast's own column
    return pop, rng.permutation(rows)


@needs_numba
@pytest.mark.parametrize("seed", [0, 1])
def test_the_compiled_coast_bookkeeping_equals_the_numpy_reference(seed):
    kernels = compiled()
    pop, coast = _people_in_mixed_states(seed)

    # who is still on the coast: in order, and the others marked off it
    kept = np.empty(len(coast), dtype=np.int64)
    k = kernels.still_on_coast(coast, pop.state, pop.on_coast, FRANCE, kept)
    here = pop.state[coast] == FRANCE
    assert 0 < k < len(coast) and np.array_equal(kept[:k], coast[here])
    assert not pop.on_coast[coast[~here]].any() and pop.on_coast[coast[here]].all()

    # who is booked with which gang: by gang, then booking day, then coast order (np.lexsort's stable order)
    booked, bounds = np.empty(len(coast), dtype=np.int64), np.empty(4, dtype=np.int64)
    k = kernels.booked_by_gang(coast, pop.booked_gang, pop.booked_day, pop.state, FRANCE, NO_GANG, booked, bounds)
    rows = coast[(pop.booked_gang[coast] != NO_GANG) & here]
    rows = rows[np.lexsort((pop.booked_day[rows], pop.booked_gang[rows]))]
    assert k == len(rows) > 0 and np.array_equal(booked[:k], rows)
    assert np.array_equal(bounds, np.searchsorted(pop.booked_gang[rows], np.arange(4)))

    # a launch setting out: those still in France go, each barred from the legal route and an attempt used
    boat = coast[:60]
    before = {c: getattr(pop, c).copy() for c in ("attempted", "legal_eligible", "paid_attempts_left")}
    aboard = np.empty(len(boat), dtype=np.int64)
    k = kernels.set_out(boat, pop.state, FRANCE, pop.attempted, pop.legal_eligible, pop.paid_attempts_left, aboard)
    going = boat[pop.state[boat] == FRANCE]
    assert 0 < k < len(boat) and np.array_equal(aboard[:k], going)
    assert pop.attempted[going].all() and not pop.legal_eligible[going].any()
    assert np.array_equal(pop.paid_attempts_left[going], before["paid_attempts_left"][going] - 1)
    staying = np.setdiff1d(np.arange(pop.n), going)
    for column, values in before.items():
        assert np.array_equal(getattr(pop, column)[staying], values[staying]), column


@needs_numba
@pytest.mark.parametrize("scenario, overrides", [("pilot_ramp", {}), ("crackdown", {"belief_rule": "trust"}),
                                                 ("in_water_interception", {"returnee_contacts": 5})])
def test_whole_runs_with_the_kernels_equal_the_numpy_reference(scenario, overrides):
    a = run(scenario, seed=11, start="2025-06-01", days=200, kernels="numba", **overrides).series
    b = run(scenario, seed=11, start="2025-06-01", days=200, kernels="numpy", **overrides).series
    assert a["returns"].sum() > 0
    for column in a.columns:
        assert a[column].equals(b[column]), column


def test_registering_every_person_changes_no_output():
    lazy = ChannelModel("pilot_2025", rng=4, start="2025-09-01", warmup_days=60)
    eager = ChannelModel("pilot_2025", rng=4, start="2025-09-01", warmup_days=60, register_migrants=True)
    lazy.run_for(45)
    eager.run_for(45)
    a = lazy.datacollector.get_model_vars_dataframe()
    b = eager.datacollector.get_model_vars_dataframe()
    assert a.equals(b)
    assert len(eager.agents_by_type[Migrant]) == eager.population.n > 1000
    assert Migrant not in lazy.agent_types   # nobody asked for a person yet


def test_a_person_becomes_a_mesa_agent_when_asked_for():
    model = ChannelModel("pilot_2025", rng=4, start="2025-09-01", warmup_days=60)
    waiting = model.migrants_waiting()
    assert len(waiting) == model.population.counts[0] > 0   # everyone in France is on the coast
    person = waiting[0]
    assert model.migrant(person.row) is person and person in model.agents
    assert person.state == "france" and 0 <= person.perceived_return_probability <= 1
    assert len(model.agents_by_type[Migrant]) == len(waiting)
    with pytest.raises(IndexError, match="no person in row"):
        model.migrant(model.population.n)


def test_the_kernel_backend_can_be_chosen_and_is_checked(monkeypatch):
    assert backend("numpy") == "numpy"
    monkeypatch.setenv("CHANNELSIM_KERNELS", "numpy")
    assert backend() == "numpy"
    with pytest.raises(ValueError, match="'numba' or 'numpy'"):
        backend("fortran")


def test_without_numba_the_reference_runs_after_a_one_line_notice(tmp_path):
    # a process where `import numba` fails, as on a platform without it
    code = ("import sys; sys.modules['numba'] = None\n"
            "from channelsim.model import run\n"
            "r = run('pilot_2025', seed=1, start='2025-01-01', days=20, warmup_days=20)\n"
            "print('arrivals', int(r.series['arrivals'].sum()))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == 0, proc.stderr
    notices = [line for line in proc.stderr.splitlines() if line.strip()]
    assert notices == ["channelsim: numba is not installed; the numpy reference runs (slower)."]
    assert proc.stdout.startswith("arrivals ")
