"""channelsim's experiment layer: what is done with the model, through its public API only.

Two rooms, and what serves them:

- :mod:`experiments.sweeps`: designs of many runs (grids, samplers, SALib), run on
  Dask, stored as resumable Parquet, analysed (deterrence, Sobol, Morris, PRIM);
- :mod:`experiments.inference`: the model against the Home Office series:
  calibration (ABC-SMC), the upstream shocks (simulated moments), validation and
  the counterfactual, as posterior-predictive ensembles run by the sweeps' machinery;
- :mod:`experiments.plots` (figures from tables), :mod:`experiments.cli` (the
  ``channelsim`` command), :mod:`experiments.explorer` (SolaraViz) and
  :mod:`experiments.examples` (driving the model from Mesa and the EMA Workbench).

Imports run one way: the command line uses both rooms, inference uses sweeps,
and both use plots; nothing here imports back up.
"""
