"""Driving channelsim from the EMA Workbench (exploratory modelling).

    python -m experiments.examples.ema_workbench [--scenarios 16] [--days 240]

The model is just a function of parameters to outcomes; the Workbench
samples the uncertainties (Latin hypercube by default) and evaluates it.
"""

from __future__ import annotations

import argparse
import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # optional evaluators the Workbench looks for at import
    from ema_workbench import Constant, Model, RealParameter, ScalarOutcome, SequentialEvaluator, perform_experiments

from model import run


def channelsim(returns_per_week: float = 50.0, crackdown_intensity: float = 0.25,
               beach_prevention_share: float = 0.4, seed: int = 1, days: int = 240) -> dict[str, float]:
    """Arrivals, deaths and returns from 1 September 2025 for ``days`` days."""
    result = run("pilot_2025", seed=seed, start="2025-09-01", days=days, warmup_days=120,
                 returns_per_week=returns_per_week, crackdown_intensity=crackdown_intensity,
                 crackdown_start="2025-09-01", beach_prevention_share=beach_prevention_share)
    summary = result.summary()
    return {"arrivals": summary["arrivals"], "deaths": summary["deaths"], "returns": summary["returns"]}


def workbench_model(days: int = 240, seed: int = 1) -> Model:
    model = Model("channelsim", function=channelsim)
    model.uncertainties = [RealParameter("returns_per_week", 0, 400),
                           RealParameter("crackdown_intensity", 0, 1),
                           RealParameter("beach_prevention_share", 0.2, 0.6)]
    model.constants = [Constant("seed", seed), Constant("days", days)]
    model.outcomes = [ScalarOutcome("arrivals"), ScalarOutcome("deaths"), ScalarOutcome("returns")]
    return model


def main(scenarios: int = 16, days: int = 240):
    model = workbench_model(days)
    with SequentialEvaluator(model) as evaluator:
        experiments, results = perform_experiments(model, scenarios=scenarios, evaluator=evaluator)
    print(experiments[["returns_per_week", "crackdown_intensity", "beach_prevention_share"]]
          .assign(arrivals=results["arrivals"]).round(2).to_string())
    return experiments, results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenarios", type=int, default=16)
    parser.add_argument("--days", type=int, default=240)
    args = parser.parse_args()
    main(args.scenarios, args.days)
