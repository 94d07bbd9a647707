"""Inference: the model against the Home Office series.

- :mod:`~experiments.inference.settings`: priors, windows, budgets and ensemble defaults;
- :mod:`~experiments.inference.targets`: summary statistics of a series, observed or simulated;
- :mod:`~experiments.inference.abc_smc`: the calibration (ABC-SMC with pyabc, on Dask);
- :mod:`~experiments.inference.posterior`: a finished calibration read back; the
  committed one is the ``calibration/`` folder here (package data);
- :mod:`~experiments.inference.identification`: what a calibration's data identify (posterior
  against prior sd, correlations, a sample-based profile);
- :mod:`~experiments.inference.plans`: posterior-predictive runs drawn from it;
- :mod:`~experiments.inference.shocks`, :mod:`~experiments.inference.validation`,
  :mod:`~experiments.inference.counterfactual` (with :mod:`~experiments.inference.deterrence_curve`):
  what is done with those runs;
- :mod:`~experiments.inference.report`: their Markdown.
"""
