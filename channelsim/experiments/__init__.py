"""channelsim's experiment layer: what is done with the model, through its public API only.

Two rooms, and what serves them:

- [`experiments.sweeps`][channelsim.experiments.sweeps]: designs of many runs (grids, samplers, SALib), run on
  Dask, stored as resumable Parquet, analysed (deterrence, Sobol, Morris, PRIM);
- [`experiments.inference`][channelsim.experiments.inference]: the model against the Home Office series:
  calibration (ABC-SMC), the upstream shocks (simulated moments), validation and
  the counterfactual, as posterior-predictive ensembles run by the sweeps' machinery;
- [`experiments.plots`][channelsim.experiments.plots] (figures from tables),
[`experiments.cli`][channelsim.experiments.cli] (the
  ``channelsim`` command), [`experiments.explorer`][channelsim.experiments.explorer] (SolaraViz) and
  [`experiments.examples`][channelsim.experiments.examples] (driving the model from Mesa and the EMA Workbench).

Imports run one way: the command line uses both rooms, inference uses sweeps,
and both use plots; nothing here imports back up.
"""

# the checkout's top-level experiments/ is a link to this folder, not a second package
if __name__ != "channelsim.experiments":
    raise ImportError("import channelsim.experiments, not experiments: the checkout's experiments/ links to "
                      "the package's layer")
