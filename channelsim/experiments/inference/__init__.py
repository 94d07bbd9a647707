"""Inference: the model against the Home Office series.

- [`settings`][channelsim.experiments.inference.settings]: priors, windows, budgets and ensemble defaults;
- [`targets`][channelsim.experiments.inference.targets]: summary statistics of a series, observed or simulated;
- [`abc_smc`][channelsim.experiments.inference.abc_smc]: the calibration (ABC-SMC with pyabc, on Dask);
- [`posterior`][channelsim.experiments.inference.posterior]: a finished calibration read back; the
  committed one is the ``calibration/`` folder here (package data);
- [`identification`][channelsim.experiments.inference.identification]: what a calibration's data identify (posterior
  against prior sd, correlations, a sample-based profile);
- [`plans`][channelsim.experiments.inference.plans]: posterior-predictive runs drawn from it;
- [`shocks`][channelsim.experiments.inference.shocks], [`validation`][channelsim.experiments.inference.validation],
  [`counterfactual`][channelsim.experiments.inference.counterfactual] (with
  [`deterrence_curve`][channelsim.experiments.inference.deterrence_curve]):
  what is done with those runs;
- [`report`][channelsim.experiments.inference.report]: their Markdown.
"""
