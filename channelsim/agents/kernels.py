"""Compiled per-person kernels: the day of everyone waiting on the coast, one visit each.

The people are rows of arrays ([`Population`][channelsim.core.population.Population]). Each
morning everyone waiting updates their beliefs with the day's news and
everyone free to choose makes the daily choice. The vectorised numpy code in
[`agents.beliefs`][channelsim.agents.beliefs] and
[`agents.migrant.daily_choice`][channelsim.agents.migrant.daily_choice] does this with a
few dozen array operations, each a pass over everyone; `coast_day` does
it in one compiled loop (numba ``njit``), visiting each person once. The numpy
code stays as the reference: the tests check that both give the same beliefs
and the same choices, and it runs wherever numba is missing.

Three smaller passes do the coast's bookkeeping the same way, each the twin
of a few numpy lines beside its caller: who is still on the coast each morning
([`agents.coast.Coast.refresh`][channelsim.agents.coast.Coast.refresh]), who is booked with which gang, first
booked first ([`agents.coast.Coast.booked_with`][channelsim.agents.coast.Coast.booked_with]), and a launch setting
out (``model.sea.Sea._set_out``).

Random numbers stay with the mechanisms' own streams: the day's uniforms for
the choice are drawn with the coast's generator and passed in, in the order
the reference draws them, so common random numbers across policy arms hold.

Kernels are compiled on first use and cached on disk (``cache=True``): the
first run on a machine compiles them (a few seconds), later runs and Dask
workers load the cache. ``CHANNELSIM_KERNELS=numpy`` selects the reference.
"""

from __future__ import annotations

import functools
import math
import os
import sys
from typing import NamedTuple

import numpy as np

WAIT, CROSS, APPLY, LEAVE = 0, 1, 2, 3


# --- the choice utility: one definition, for the reference, the kernel and the recursion ---------------
# Plain arithmetic, so the same source serves numpy arrays (the reference,
# [`agents.migrant.daily_choice`][channelsim.agents.migrant.daily_choice], and the eventual-crossing recursion)
# and numba scalars (`coast_day`, which compiles it in through ``register_jitable``). It lives in this file
# because numba's on-disk cache is keyed to the source file of the compiled functions: a change here
# recompiles the kernels, a change in a file they call into would not.

def uk_value(p_return, p_job, grant_rate, value_asylum, value_work, loss_if_returned):
    """Expected value of reaching the UK: protection or work if one stays, the loss if returned,
    ``V = (1 - p_return) * (grant_rate * value_asylum + p_job * value_work) - p_return * loss_if_returned``."""
    return (1.0 - p_return) * (grant_rate * value_asylum + p_job * value_work) - p_return * loss_if_returned


def cross_utility(value_uk, cross_today, danger, risk_tolerance):
    """Crossing's utility: the value of the UK, plus the part everyone shares today (the constant less
    the price), less the perceived danger weighed by how little risk the person tolerates."""
    return value_uk + cross_today - danger * (1.0 - risk_tolerance)


def _census(rows, nationality, free_from_day, day, waiting):
    """People waiting by nationality (into ``waiting``); returns how many are free to choose today."""
    n_free = 0
    for j in range(rows.shape[0]):
        row = rows[j]
        waiting[nationality[row]] += 1
        if free_from_day[row] <= day:
            n_free += 1
    return n_free


def _coast_day(rows, nationality, free_from_day, day,
               # beliefs (Beta counts with forgetting); update is False when another rule updated them
               update, ret_yes, ret_no, job_yes, job_no, decay,
               returned_g, stayed_g, found_g, not_found_g, promise_yes, promise_no,
               has_announced_return, announced_return, has_announced_job, announced_job, announcement_weight,
               stories, story_weight, prior_return, prior_job, p_return, p_job, sum_return_g, sum_job_g,
               # the choice
               risk_tolerance, budget_base_gbp, leave_pull, legal_eligible, grant_rate,
               value_asylum, value_work, loss_if_returned, cross_today, danger, savings_today, cheapest_price,
               leave_today, legal_constant, legal_chance, uniforms, choice, chooser):
    """Beliefs and the choice of everyone waiting (``rows``); the k-th person free to choose
    (in the order of ``rows``) is ``chooser[k]`` and chose ``choice[k]``.

    Every expression is the reference's, term by term and in the same order,
    so that results agree to the last bit where the maths library does.
    """
    # applying's pull depends only on the group: one exp a group, not one a person
    e_apply_g = np.empty(grant_rate.shape[0])
    for g in range(grant_rate.shape[0]):
        e_apply_g[g] = math.exp(legal_constant + value_asylum * grant_rate[g] * legal_chance)
    k = 0
    for j in range(rows.shape[0]):
        row = rows[j]
        g = nationality[row]
        if update:
            ry = ret_yes[row] * decay + returned_g[g]
            rn = ret_no[row] * decay + stayed_g[g]
            jy = job_yes[row] * decay + found_g[g] + promise_yes
            jn = job_no[row] * decay + not_found_g[g] + promise_no
            if has_announced_return:
                ry += announcement_weight * announced_return
                rn += announcement_weight * (1.0 - announced_return)
            if has_announced_job:
                jy += announcement_weight * announced_job
                jn += announcement_weight * (1.0 - announced_job)
            for _ in range(stories[j]):
                ry += story_weight
            ret_yes[row] = ry
            ret_no[row] = rn
            job_yes[row] = jy
            job_no[row] = jn
            # posterior means; where everything is forgotten and nothing heard, the prior beliefs
            total = ry + rn
            p_return[j] = ry / total if total > 0 else prior_return
            total = jy + jn
            p_job[j] = jy / total if total > 0 else prior_job
        sum_return_g[g] += p_return[j]
        sum_job_g[g] += p_job[j]
        if free_from_day[row] > day:
            continue
        chooser[k] = row
        pr, pj = p_return[j], p_job[j]
        grant = grant_rate[g]
        if budget_base_gbp[row] + savings_today < cheapest_price:
            e_cross = 0.0   # cannot pay: crossing is out (no need for its exp)
        else:
            value_uk = uk_value(pr, pj, grant, value_asylum, value_work, loss_if_returned)
            e_cross = math.exp(cross_utility(value_uk, cross_today, danger, risk_tolerance[row]))
        e_leave = leave_today * leave_pull[row]
        total = 1.0 + e_cross + e_leave
        e_apply = 0.0
        eligible = legal_eligible[row]
        if eligible:
            e_apply = e_apply_g[g]
            total += e_apply
        u = uniforms[k] * total
        if u < e_cross:
            choice[k] = CROSS
        elif u < e_cross + e_leave:
            choice[k] = LEAVE
        elif eligible and u < e_cross + e_leave + e_apply:
            choice[k] = APPLY
        else:
            choice[k] = WAIT
        k += 1


def _still_on_coast(coast, state, on_coast, france, kept):
    """Those of ``coast`` still in France, in order, into ``kept`` (returns how many); the others
    are marked off the coast."""
    k = 0
    for j in range(coast.shape[0]):
        row = coast[j]
        if state[row] == france:
            kept[k] = row
            k += 1
        else:
            on_coast[row] = False
    return k


def _booked_by_gang(coast, booked_gang, booked_day, state, france, no_gang, booked, bounds):
    """Those of ``coast`` in France and booked, into ``booked`` by gang, then by booking day, then
    in coast order (a stable sort, as ``np.lexsort`` gives); gang g's are
    ``booked[bounds[g]:bounds[g + 1]]``. Returns how many are booked."""
    k = 0
    for j in range(coast.shape[0]):
        row = coast[j]
        if booked_gang[row] != no_gang and state[row] == france:
            booked[k] = row
            k += 1
    keys = np.empty(k, dtype=np.int64)
    for i in range(k):   # gang, then day (days are below 2**31)
        keys[i] = np.int64(booked_gang[booked[i]]) * 4294967296 + booked_day[booked[i]]
    order = np.argsort(keys, kind="mergesort")
    rows = booked[:k].copy()
    bounds[:] = 0
    for i in range(k):
        row = rows[order[i]]
        booked[i] = row
        bounds[booked_gang[row] + 1] += 1
    for g in range(1, bounds.shape[0]):
        bounds[g] += bounds[g - 1]
    return k


def _set_out(rows, state, france, attempted, legal_eligible, paid_attempts_left, aboard):
    """A launch sets out: those of ``rows`` still in France, in order, into ``aboard`` (returns how
    many); each has now tried to cross (barred from the legal route) and used a paid attempt."""
    k = 0
    for j in range(rows.shape[0]):
        row = rows[j]
        if state[row] == france:
            aboard[k] = row
            k += 1
            attempted[row] = True
            legal_eligible[row] = False
            paid_attempts_left[row] -= 1
    return k


class Kernels(NamedTuple):
    """The compiled kernels (each the numba twin of numpy code in [`agents.coast`][channelsim.agents.coast])."""

    census: object          # _census
    coast_day: object       # _coast_day
    still_on_coast: object  # _still_on_coast
    booked_by_gang: object  # _booked_by_gang
    set_out: object         # _set_out


@functools.cache
def compiled() -> Kernels | None:
    """The kernels compiled with numba (loaded from the on-disk cache after the first
    compilation), or None where numba is missing, after a one-line notice."""
    try:
        import numba  # a heavy import, paid only by runs that simulate
    except ImportError:
        print("channelsim: numba is not installed; the numpy reference runs (slower).", file=sys.stderr)
        return None
    from numba.extending import register_jitable

    register_jitable(uk_value)   # callable from the kernels, compiled in; unchanged for Python callers
    register_jitable(cross_utility)
    jit = numba.njit(cache=True, nogil=True)
    return Kernels(jit(_census), jit(_coast_day), jit(_still_on_coast), jit(_booked_by_gang),
                   jit(_set_out))


def backend(requested: str | None = None) -> str:
    """The kernels a model uses: ``requested``, else $CHANNELSIM_KERNELS, else numba where installed."""
    name = requested or os.environ.get("CHANNELSIM_KERNELS") or "numba"
    if name not in ("numba", "numpy"):
        raise ValueError(f"kernels must be 'numba' or 'numpy', not {name!r}")
    return "numba" if name == "numba" and compiled() is not None else "numpy"
