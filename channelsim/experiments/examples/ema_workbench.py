"""Driving channelsim from the EMA Workbench (exploratory modelling), as its users do.

    python -m experiments.examples.ema_workbench [--scenarios 16] [--policies 4] [--replications 3]
                                                 [--days 240] [--processes 2]

The model is just a function of parameters to outcomes. What a government
chooses are the Workbench's ``levers`` (the weekly returns quota, the
crackdown on illegal work), sampled into policies; what it does not control are
``uncertainties`` (French beach prevention, how much weight people give a
returnee's story), sampled into scenarios. Every policy meets every scenario,
each run under the same replication seeds (common random numbers); an outcome
is the mean over replications. The MultiprocessingEvaluator runs the
experiments on a pool of processes.
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # optional evaluators the Workbench looks for at import
    from ema_workbench import Constant, MultiprocessingEvaluator, RealParameter, ReplicatorModel, ScalarOutcome

from channelsim.model import run

OUTCOMES = ("arrivals", "deaths", "returns")


def channelsim(returns_per_week: float = 50.0, crackdown_intensity: float = 0.25,
               beach_prevention_share: float = 0.4, returnee_salience: float = 3.0, seed: int = 1,
               days: int = 240) -> dict[str, float]:
    """Arrivals, deaths and returns from 1 September 2025 for ``days`` days."""
    result = run("pilot_2025", seed=seed, start="2025-09-01", days=days, warmup_days=120,
                 returns_per_week=returns_per_week, crackdown_intensity=crackdown_intensity,
                 crackdown_start="2025-09-01", beach_prevention_share=beach_prevention_share,
                 returnee_salience=returnee_salience)
    summary = result.summary()
    return {name: summary[name] for name in OUTCOMES}


def workbench_model(days: int = 240, replications: int = 3, seed: int = 1) -> ReplicatorModel:
    """The Workbench's view of channelsim: levers, uncertainties, replications and outcomes."""
    model = ReplicatorModel("channelsim", function=channelsim)
    model.levers = [RealParameter("returns_per_week", 0, 400),
                    RealParameter("crackdown_intensity", 0, 1)]
    model.uncertainties = [RealParameter("beach_prevention_share", 0.2, 0.6),
                           RealParameter("returnee_salience", 0, 10)]
    model.replications = [{"seed": seed + i} for i in range(replications)]
    model.constants = [Constant("days", days)]
    model.outcomes = [ScalarOutcome(name, function=np.mean) for name in OUTCOMES]
    return model


def main(scenarios: int = 16, policies: int = 4, replications: int = 3, days: int = 240,
         processes: int | None = None):
    """``policies`` x ``scenarios`` experiments (Latin hypercubes), each over ``replications`` seeds."""
    model = workbench_model(days, replications)
    with MultiprocessingEvaluator(model, n_processes=processes) as evaluator:
        experiments, results = evaluator.perform_experiments(scenarios=scenarios, policies=policies)
    print(experiments[["returns_per_week", "crackdown_intensity", "beach_prevention_share", "returnee_salience"]]
          .assign(arrivals=results["arrivals"]).round(2).to_string())
    return experiments, results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenarios", type=int, default=16, help="scenarios of the uncertainties")
    parser.add_argument("--policies", type=int, default=4, help="policies of the levers")
    parser.add_argument("--replications", type=int, default=3, help="seeds each experiment runs under")
    parser.add_argument("--days", type=int, default=240)
    parser.add_argument("--processes", type=int, default=None, help="worker processes (default: every core)")
    args = parser.parse_args()
    main(args.scenarios, args.policies, args.replications, args.days, args.processes)
